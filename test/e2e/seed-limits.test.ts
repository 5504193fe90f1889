/// <reference lib="dom" />
/**
 * Seeding limits in the app: set in Settings (a ratio of 1), they stop a finished download's
 * seeding once it has served its whole size to another peer, and its row says why. Real headless
 * Chromium, a real `swarmdrop daemon --web`, a CLI origin (stopped once Alice has the share) and a
 * CLI downloader that gets everything from Alice.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { killAll, swarmdrop } from '../helpers/processes.ts'
import { makeTree, removeTemps, tempDir } from '../helpers/files.ts'
import { ARTIFACTS, launchBrowser, watchPage } from './helpers/browser.ts'
import { startWebDaemon } from './helpers/daemon.ts'
import type { Browser, Page } from 'playwright-core'
import type { WebDaemon } from './helpers/daemon.ts'
import type { DownloadInfo } from '../../node-core/src/contract/index.ts'

const MiB = 1024 * 1024

let browser: Browser
let alice: WebDaemon

describe('seeding limits in the app', { timeout: 240_000 }, () => {
  let page: Page
  let seen: ReturnType<typeof watchPage>

  before(async () => {
    browser = await launchBrowser()
    alice = await startWebDaemon(['--allow-private'])
    page = await browser.newPage({ viewport: { width: 1200, height: 860 } })
    seen = watchPage(page)
    await page.goto(alice.url)
    await page.getByRole('tab', { name: /Shares/ }).waitFor()
  })

  after(async () => {
    try {
      await browser?.close()
    } finally {
      alice?.close()
      await killAll()
      await removeTemps()
    }
  })

  it('a ratio of 1 set in Settings stops the seeding once the share went out whole, and the row says so', async () => {
    await page.getByRole('tab', { name: /Settings/ }).click()
    const ratio = page.getByRole('spinbutton', { name: /when its ratio reaches/ })
    const minutes = page.getByRole('spinbutton', { name: /after seeding it for/ })
    assert.equal(await ratio.inputValue(), '', 'off by default')
    assert.equal(await minutes.inputValue(), '', 'off by default')
    await ratio.fill('1')
    await page.getByRole('button', { name: 'Save', exact: true }).click()
    await page.getByText('Settings saved.').waitFor()
    const settings = await alice.call('getSettings', {})
    assert.deepEqual([settings.seedRatioLimit, settings.seedMinutesLimit], [1, null])

    const src = await tempDir()
    await makeTree(src, { 'film.bin': 3 * MiB })
    const origin = swarmdrop(['share', join(src, 'film.bin'), '--repo', await tempDir(), '--no-dht'])
    const link = (await origin.event('shared')).link as string
    await page.getByRole('tab', { name: /Downloads/ }).click()
    await page.getByRole('textbox', { name: 'Link to download' }).fill(link)
    await page.getByRole('button', { name: 'Download', exact: true }).click()
    const row = page.getByRole('article', { name: 'Download film.bin' })
    await row.getByText('Complete', { exact: true }).waitFor({ timeout: 90_000 })
    assert.equal(await row.getByRole('switch', { name: 'Keep seeding' }).isChecked(), true)
    await origin.kill()

    const address = (await alice.call('nodeInfo', {})).addresses.find(a => a.startsWith('/ip4/127.0.0.1/'))!
    const bob = swarmdrop(['get', link, '--out', await tempDir(), '--peer', address, '--repo', await tempDir(), '--allow-private', '--no-dht'])
    const complete = await bob.event('complete', 90_000)
    assert.deepEqual((complete.sources as Array<{ peerId: string, bytes: number }>).filter(s => s.bytes > 0).map(s => s.peerId), [alice.peerId])

    const why = row.locator('[data-seed-stopped="ratio"]')
    await why.waitFor({ timeout: 30_000 })
    assert.equal(await why.innerText(), 'Seeding stopped: ratio 1.0 reached')
    await page.screenshot({ path: join(ARTIFACTS, 'seeding-stopped.png') })
    assert.equal(await row.getByRole('switch', { name: 'Keep seeding' }).isChecked(), false)
    const download = (await alice.call('list', {})).downloads.find(d => d.name === 'film.bin')!
    assert.equal(download.seeding, false)
    assert.equal(download.seedStopped?.reason, 'ratio')
    assert.ok((download.uploadedBytes ?? 0) >= 3 * MiB)
    assert.equal((await alice.call('list', {})).shares.some(s => s.name === 'film.bin'), false, 'no longer shared')

    // Switched on again by hand, it seeds (and the limit leaves it alone).
    await row.getByRole('switch', { name: 'Keep seeding' }).check()
    await row.locator('[data-seed-stopped]').waitFor({ state: 'detached' })
    await row.locator('[data-figure="ratio"]').waitFor()
    // Another peer takes a second whole copy from Alice (ratio 2, past the limit): the tick that
    // counts those bytes runs the limit check first, and its event still says seeding.
    const counted = new Promise<DownloadInfo>((resolve, reject) => {
      const timer = setTimeout(() => { off(); reject(new Error('no progress event counted the second copy')) }, 90_000)
      const off = alice.onEvent(e => {
        if (e.type === 'download:progress' && e.download.name === 'film.bin' && (e.download.uploadedBytes ?? 0) >= 6 * MiB) { clearTimeout(timer); off(); resolve(e.download) }
      })
    })
    const carol = swarmdrop(['get', link, '--out', await tempDir(), '--peer', address, '--repo', await tempDir(), '--allow-private', '--no-dht'])
    await carol.event('complete', 90_000)
    const after = await counted
    assert.equal(after.seeding, true, 'switched on by hand: the limit leaves it alone')
    assert.equal(after.seedStopped ?? null, null)
    assert.equal((await alice.call('list', {})).downloads.find(d => d.name === 'film.bin')!.seeding, true)
    assert.deepEqual(seen.errors, [])
  })
})
