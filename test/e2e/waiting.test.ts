/// <reference lib="dom" />
/**
 * A download that loses its only source says why it waits: the card turns "Stalled" with "Waiting
 * for peers: last seen … at <address>" and shows no speed or ETA meanwhile; pasting the restarted
 * seeder's fresh link says it was added to the running download, and the download completes.
 * Real daemons, real Chromium.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { killAll } from '../helpers/processes.ts'
import { makeTree, removeTemps, tempDir } from '../helpers/files.ts'
import { ARTIFACTS, launchBrowser, watchPage } from './helpers/browser.ts'
import { startWebDaemon } from './helpers/daemon.ts'
import type { Browser, Page } from 'playwright-core'
import type { WebDaemon } from './helpers/daemon.ts'

const MiB = 1024 * 1024

describe('a download whose source goes away', { timeout: 240_000 }, () => {
  let browser: Browser
  let alice: WebDaemon
  let bob: WebDaemon
  let page: Page

  before(async () => {
    browser = await launchBrowser()
    alice = await startWebDaemon(['--max-upload', '1MiB'])
    bob = await startWebDaemon(['--allow-private'])
    page = await browser.newPage({ viewport: { width: 1200, height: 860 } })
    watchPage(page)
    await page.goto(bob.url)
    await page.getByRole('tab', { name: /Shares/ }).waitFor()
  })

  after(async () => {
    try { await browser?.close() } finally {
      alice?.close()
      bob?.close()
      await killAll()
      await removeTemps()
    }
  })

  it('shows Stalled with who was last seen where, then takes the fresh link and completes', async () => {
    const src = await tempDir()
    await makeTree(join(src, 'film'), { 'film.mkv': 12 * MiB })
    const shared = await alice.call('share', { path: join(src, 'film') })
    await page.getByRole('tab', { name: /Downloads/ }).click()
    await page.getByRole('textbox', { name: 'Link to download' }).fill(shared.link)
    await page.getByRole('button', { name: 'Download', exact: true }).click()
    const card = page.getByRole('article', { name: 'Download film' })
    await card.getByText('Downloading', { exact: true }).waitFor({ timeout: 60_000 })
    await page.waitForFunction(() => /ETA/.test(document.querySelector('article .figures')?.textContent ?? ''), undefined, { timeout: 30_000 })

    await alice.process.kill('SIGKILL')
    const address = shared.link.match(/peer=([^&]+)/)?.[1]
    assert.ok(address != null)
    await card.getByText(/^Waiting for peers: last seen .* ago at \/ip4\/127\.0\.0\.1\/tcp\/\d+/).waitFor({ timeout: 60_000 })
    await card.getByText('Stalled', { exact: true }).waitFor()
    assert.doesNotMatch(await card.locator('.figures').innerText(), /ETA/, 'no speed or ETA while nothing flows')
    await page.screenshot({ path: join(ARTIFACTS, 'download-stalled.png') })

    alice = await startWebDaemon(['--max-upload', '8MiB'], { repo: alice.repo, port: alice.port })
    const again = (await alice.call('list', {})).shares.find(s => s.shareId === shared.shareId)
    assert.ok(again != null, 'the restarted daemon seeds the share again')
    await page.getByRole('textbox', { name: 'Link to download' }).fill(again.link)
    await page.getByRole('button', { name: 'Download', exact: true }).click()
    await page.getByText(/Already downloading film: added 1 peer address/).waitFor({ timeout: 30_000 })
    await card.getByText('Complete', { exact: true }).waitFor({ timeout: 120_000 })
  })
})
