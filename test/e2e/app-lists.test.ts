/// <reference lib="dom" />
/**
 * The app a person enjoys (issue 13, part B), in a real headless Chromium against real daemons:
 * the downloads list that scales (compact rows, details on demand, newest first, sort and filter
 * kept across reloads), the remove confirmation (from the list only, or with the files), keep
 * seeding per finished download and its default, where a finished download is saved.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { killAll } from '../helpers/processes.ts'
import { makeTree, removeTemps, tempDir } from '../helpers/files.ts'
import { ARTIFACTS, launchBrowser, watchPage } from './helpers/browser.ts'
import { startWebDaemon } from './helpers/daemon.ts'
import { formatBytes } from '../../renderer/src/lib/format.ts'
import type { Browser, Page } from 'playwright-core'
import type { WebDaemon } from './helpers/daemon.ts'

const KiB = 1024

/** Polls `check` every 50 ms until it is true; fails after `capMs` with `what`. */
async function until (check: () => Promise<boolean>, what: string, capMs = 30_000): Promise<void> {
  const deadline = Date.now() + capMs
  while (!await check()) {
    assert.ok(Date.now() < deadline, `timed out waiting: ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

const exists = async (path: string): Promise<boolean> => await stat(path).then(() => true, () => false)

/** The download rows the page shows, top to bottom, by name. */
async function rowNames (page: Page): Promise<string[]> {
  return await page.locator('article[data-share-id]').evaluateAll(els => els.map(e => (e.getAttribute('aria-label') ?? '').replace(/^Download /, '')))
}

describe('the app a person enjoys (part B)', { timeout: 300_000 }, () => {
  let browser: Browser
  let alice: WebDaemon
  let bob: WebDaemon
  let bobPage: Page
  let seen: ReturnType<typeof watchPage>

  before(async () => {
    browser = await launchBrowser()
    alice = await startWebDaemon()
    bob = await startWebDaemon(['--allow-private'])
    bobPage = await browser.newPage({ viewport: { width: 1200, height: 860 } })
    seen = watchPage(bobPage)
    await bobPage.goto(bob.url)
    await bobPage.getByRole('tab', { name: /Downloads/ }).click()
    await bobPage.getByRole('textbox', { name: 'Link to download' }).and(bobPage.locator(':enabled')).waitFor({ timeout: 60_000 })
  })

  after(async () => {
    try {
      await browser?.close()
    } finally {
      alice?.close()
      bob?.close()
      await killAll()
      await removeTemps()
    }
  })

  it('lists downloads as compact rows, newest first; sort and filter are kept across reloads, and so are open details', async () => {
    const root = await tempDir()
    await makeTree(root, { 'alpha.bin': 300 * KiB, 'beta.bin': 200 * KiB, 'gamma.bin': 100 * KiB })
    for (const name of ['alpha.bin', 'beta.bin', 'gamma.bin']) {
      const share = await alice.call('share', { path: join(root, name) })
      await bob.call('addDownload', { link: share.link })
      await new Promise(resolve => setTimeout(resolve, 20)) // distinct added times
    }
    // One that fails: Alice does not have this share, and she is the only peer named.
    const aliceAddress = (await alice.call('nodeInfo', {})).addresses.find(a => a.includes('/127.0.0.1/'))!
    await bob.call('addDownload', { link: 'swarmdrop://bafyreif443brn4rx5yvaxryqfrzwhfg7anoad25rmoexlezsjiyxkshwom?name=lost.bin', peers: [aliceAddress] })
    let states = ''
    await until(async () => {
      const ds = (await bob.call('list', {})).downloads
      states = ds.map(d => `${d.name}: ${d.state} ${d.error?.message ?? ''}`).join(', ')
      return ds.filter(d => d.state === 'complete').length === 3 && ds.some(d => d.state === 'error')
    }, 'three downloads complete and one failed', 120_000).catch((err: Error) => { throw new Error(`${err.message} (${states})`) })

    await until(async () => (await rowNames(bobPage)).length === 4, 'four rows')
    assert.deepEqual(await rowNames(bobPage), ['lost.bin', 'gamma.bin', 'beta.bin', 'alpha.bin'], 'newest first')
    const beta = bobPage.getByRole('article', { name: 'Download beta.bin' })
    await beta.getByText('Complete', { exact: true }).waitFor({ timeout: 15_000 })
    assert.equal(await bobPage.getByRole('heading', { name: 'Chunk map' }).count(), 0, 'rows are compact: no details until asked')
    assert.match(await beta.locator('.figures').innerText(), /100\.0%/)
    await bobPage.getByRole('article', { name: 'Download lost.bin' }).getByText('Failed', { exact: true }).waitFor()

    // Filters: by state (with counts), by text.
    await bobPage.getByRole('radio', { name: /^Done/ }).click()
    assert.deepEqual(await rowNames(bobPage), ['gamma.bin', 'beta.bin', 'alpha.bin'])
    await bobPage.getByRole('radio', { name: /^Failed/ }).click()
    assert.deepEqual(await rowNames(bobPage), ['lost.bin'])
    await bobPage.getByRole('radio', { name: /^All/ }).click()
    await bobPage.getByRole('searchbox', { name: 'Filter downloads by name' }).fill('A.B')
    assert.deepEqual(await rowNames(bobPage), ['gamma.bin', 'beta.bin', 'alpha.bin'])
    await bobPage.getByRole('searchbox', { name: 'Filter downloads by name' }).fill('et')
    assert.deepEqual(await rowNames(bobPage), ['beta.bin'])
    await bobPage.getByRole('searchbox', { name: 'Filter downloads by name' }).fill('')
    // Sort by name; by progress the failed one goes last.
    await bobPage.getByRole('combobox', { name: 'Sort downloads' }).selectOption('progress')
    assert.equal((await rowNames(bobPage)).at(-1), 'lost.bin')
    await bobPage.getByRole('combobox', { name: 'Sort downloads' }).selectOption('name')
    assert.deepEqual(await rowNames(bobPage), ['alpha.bin', 'beta.bin', 'gamma.bin', 'lost.bin'])
    await bobPage.getByRole('radio', { name: /^Done/ }).click()

    // Details on demand, and kept open across a reload with the sort and the filter.
    await beta.getByRole('button', { name: 'beta.bin' }).click()
    await beta.getByRole('region', { name: 'Details of beta.bin' }).getByRole('heading', { name: 'Chunk map' }).waitFor()
    await bobPage.screenshot({ path: join(ARTIFACTS, 'downloads-list.png') })
    await bobPage.reload()
    await beta.getByRole('region', { name: 'Details of beta.bin' }).waitFor({ timeout: 15_000 })
    assert.deepEqual(await rowNames(bobPage), ['alpha.bin', 'beta.bin', 'gamma.bin'])
    assert.equal(await bobPage.getByRole('combobox', { name: 'Sort downloads' }).inputValue(), 'name')
    assert.equal(await bobPage.getByRole('radio', { name: /^Done/ }).getAttribute('aria-checked'), 'true')
    await beta.getByRole('button', { name: 'beta.bin' }).click()
    await bobPage.reload()
    await beta.waitFor({ timeout: 15_000 })
    assert.equal(await beta.getByRole('region', { name: 'Details of beta.bin' }).count(), 0, 'closed stays closed')
    await bobPage.getByRole('radio', { name: /^All/ }).click()
    await bobPage.getByRole('combobox', { name: 'Sort downloads' }).selectOption('added')
  })

  it('Remove asks first: from the list only (files kept, still shared), or with the files (only this download\'s)', async () => {
    const listed = (await bob.call('list', {})).downloads
    const byName = (n: string): typeof listed[number] => listed.find(d => d.name === n)!
    const out = byName('alpha.bin').outDir
    const alpha = bobPage.getByRole('article', { name: 'Download alpha.bin' })
    const beta = bobPage.getByRole('article', { name: 'Download beta.bin' })
    const gamma = bobPage.getByRole('article', { name: 'Download gamma.bin' })

    // Cancel keeps it.
    await gamma.getByRole('button', { name: 'Remove', exact: true }).click()
    const askGamma = gamma.getByRole('alertdialog', { name: 'Remove gamma.bin?' })
    await askGamma.getByText(/keeps its files in/).waitFor()
    await askGamma.getByRole('button', { name: 'Cancel' }).click()
    await askGamma.waitFor({ state: 'detached' })
    assert.ok((await bob.call('list', {})).downloads.some(d => d.name === 'gamma.bin'))

    // From the list only: the file stays, and so does its share.
    await alpha.getByRole('button', { name: 'Remove', exact: true }).click()
    await alpha.getByRole('alertdialog', { name: 'Remove alpha.bin?' }).getByRole('button', { name: 'Remove from list' }).click()
    await alpha.waitFor({ state: 'detached', timeout: 15_000 })
    assert.ok(await exists(join(out, 'alpha.bin')), 'the file is kept')
    assert.ok((await bob.call('list', {})).shares.some(s => s.name === 'alpha.bin'), 'still shared')

    // With the files: the file goes, and so does its share; the others stay.
    await beta.getByRole('button', { name: 'Remove', exact: true }).click()
    await bobPage.screenshot({ path: join(ARTIFACTS, 'remove-confirm.png') })
    await beta.getByRole('alertdialog', { name: 'Remove beta.bin?' }).getByRole('button', { name: 'Remove and delete files' }).click()
    await beta.waitFor({ state: 'detached', timeout: 15_000 })
    await until(async () => !await exists(join(out, 'beta.bin')), 'beta.bin deleted')
    assert.ok(!(await bob.call('list', {})).shares.some(s => s.name === 'beta.bin'), 'no longer shared')
    assert.ok(await exists(join(out, 'gamma.bin')) && await exists(join(out, 'alpha.bin')), 'the other files stay')

    // A download still running: "delete files" deletes its partial data.
    await alice.call('setLimits', { maxUploadBytesPerSecond: 256 * KiB })
    const root = await tempDir()
    await makeTree(root, { 'slow.bin': 16 * 1024 * KiB })
    const slow = await alice.call('share', { path: join(root, 'slow.bin') })
    await bob.call('addDownload', { link: slow.link })
    await until(async () => ((await bob.call('list', {})).downloads.find(d => d.shareId === slow.shareId)?.verifiedBytes ?? 0) > 0, 'slow.bin receives bytes', 60_000)
    const partial = join(out, '.swarmdrop-partial', slow.shareId)
    assert.ok(await exists(partial))
    const row = bobPage.getByRole('article', { name: 'Download slow.bin' })
    await row.getByRole('button', { name: 'Remove', exact: true }).click()
    const ask = row.getByRole('alertdialog', { name: 'Remove slow.bin?' })
    await ask.getByText(/deletes that partial data/).waitFor()
    await ask.getByRole('button', { name: 'Remove and delete files' }).click()
    await row.waitFor({ state: 'detached', timeout: 15_000 })
    await until(async () => !await exists(partial), 'partial data deleted')
    assert.equal(await exists(join(out, 'slow.bin')), false, 'its reserved name is given back')
    await alice.call('setLimits', { maxUploadBytesPerSecond: 0 })
  })

  it('a finished download has a visible "Keep seeding" switch, its default in Settings, and shows where it is saved', async () => {
    const gamma = bobPage.getByRole('article', { name: 'Download gamma.bin' })
    const seeding = gamma.getByRole('switch', { name: 'Keep seeding' })
    const shared = async (name: string): Promise<boolean> => (await bob.call('list', {})).shares.some(s => s.name === name)
    assert.equal(await seeding.isChecked(), true, 'seeded by default')
    assert.ok(await shared('gamma.bin'))
    await seeding.click()
    await until(async () => !await shared('gamma.bin'), 'gamma.bin no longer seeded')
    await until(async () => !await seeding.isChecked(), 'the switch shows it off')
    assert.equal((await bob.call('list', {})).downloads.find(d => d.name === 'gamma.bin')?.seeding, false)
    await seeding.click()
    await until(async () => await shared('gamma.bin'), 'gamma.bin seeded again')
    await until(async () => await seeding.isChecked(), 'the switch shows it on')
    await bobPage.getByRole('tab', { name: /Shares/ }).click()
    await bobPage.getByRole('article', { name: 'Share gamma.bin' }).waitFor({ timeout: 15_000 })
    await bobPage.getByRole('tab', { name: /Downloads/ }).click()

    // Details: the path with a Copy button (a browser cannot open a folder); its source is done, not "disconnected".
    await gamma.getByRole('button', { name: 'gamma.bin' }).click()
    const details = gamma.getByRole('region', { name: 'Details of gamma.bin' })
    const out = (await bob.call('list', {})).downloads.find(d => d.name === 'gamma.bin')!.outDir
    assert.equal(await details.getByRole('textbox', { name: 'Where gamma.bin is saved' }).inputValue(), join(out, 'gamma.bin'))
    await details.getByRole('button', { name: 'Copy path' }).waitFor()
    assert.equal(await details.getByText('disconnected').count(), 0)
    await details.locator('table.sources').getByText('done', { exact: true }).first().waitFor()
    await bobPage.screenshot({ path: join(ARTIFACTS, 'download-finished.png') })
    await gamma.getByRole('button', { name: 'gamma.bin' }).click()

    // Keep seeding off in Settings: the next finished download is not seeded (its switch is off).
    await bobPage.getByRole('tab', { name: /Settings/ }).click()
    const keep = bobPage.getByRole('checkbox', { name: 'Keep seeding finished downloads' })
    assert.equal(await keep.isChecked(), true, 'on by default')
    await keep.uncheck()
    await bobPage.getByRole('button', { name: 'Save', exact: true }).click()
    await until(async () => !(await bob.call('getSettings', {})).keepSeeding, 'keepSeeding saved off')
    const root = await tempDir()
    await makeTree(root, { 'delta.bin': 50 * KiB })
    const delta = await alice.call('share', { path: join(root, 'delta.bin') })
    await bob.call('addDownload', { link: delta.link })
    await bobPage.getByRole('tab', { name: /Downloads/ }).click()
    const row = bobPage.getByRole('article', { name: 'Download delta.bin' })
    await row.getByText('Complete', { exact: true }).waitFor({ timeout: 60_000 })
    assert.equal(await row.getByRole('switch', { name: 'Keep seeding' }).isChecked(), false)
    assert.equal(await shared('delta.bin'), false)
    await bob.call('setSettings', { keepSeeding: true })
  })

  it('people, not hashes: a display name from Settings reaches peers through identify, next to the short peer ID', async () => {
    // Carol names herself (with a bidi override that must not survive), restarts, and shares a file Bob downloads.
    let carol = await startWebDaemon()
    assert.ok((await carol.call('getSettings', {})).displayName.length > 0, 'a default name')
    await carol.call('setSettings', { displayName: 'Carol \u202Efdp.exe' })
    assert.equal((await carol.call('getSettings', {})).displayName, 'Carol fdp.exe')
    carol.close()
    await carol.process.kill('SIGTERM')
    carol = await startWebDaemon([], { repo: carol.repo, port: carol.port })
    try {
      const root = await tempDir()
      await makeTree(root, { 'from-carol.bin': 80 * KiB })
      const share = await carol.call('share', { path: join(root, 'from-carol.bin') })
      await bob.call('addDownload', { link: share.link })
      await until(async () => (await bob.call('list', {})).peers.some(p => p.peerId === carol.peerId && p.name === 'Carol fdp.exe'), 'Bob knows Carol by name', 60_000)
      await bobPage.getByRole('tab', { name: /Peers/ }).click()
      const row = bobPage.locator(`tr[data-peer-id="${carol.peerId}"]`)
      await row.getByText('Carol fdp.exe', { exact: true }).waitFor({ timeout: 15_000 })
      await bobPage.screenshot({ path: join(ARTIFACTS, 'peers-named.png') })
      await bobPage.getByRole('tab', { name: /Downloads/ }).click()
      const download = bobPage.getByRole('article', { name: 'Download from-carol.bin' })
      await download.getByRole('button', { name: 'from-carol.bin' }).click()
      const source = download.locator('table.sources tbody tr').first()
      await source.getByText('Carol fdp.exe', { exact: true }).waitFor({ timeout: 30_000 })
      assert.equal(await source.locator('.swatch').innerText(), 'A', 'a letter per source')
      await download.getByRole('button', { name: 'from-carol.bin' }).click()
    } finally {
      carol.close()
      await carol.process.kill('SIGTERM')
    }
  })

  it('the status bar shows the bytes moved over the profile\'s life, kept across a restart', async () => {
    const lifetime = bobPage.getByRole('button', { name: 'Status (open Settings)' }).locator('[data-status="lifetime"]')
    await until(async () => /Total: ↓ [1-9][\d.]* (KiB|MiB)/.test(await lifetime.innerText().catch(() => '')), 'a non-zero lifetime download in the status bar')
    const totals = (await bob.call('nodeInfo', {})).totals
    assert.ok(totals.lifetimeDownloaded >= 650 * KiB, `every byte downloaded counted: ${totals.lifetimeDownloaded}`)
    assert.ok((await alice.call('nodeInfo', {})).totals.lifetimeUploaded >= 650 * KiB, 'and every byte Alice sent')
    bob.close()
    await bob.process.kill('SIGTERM')
    bob = await startWebDaemon(['--allow-private'], { repo: bob.repo, port: bob.port })
    const again = (await bob.call('nodeInfo', {})).totals
    assert.ok(again.lifetimeDownloaded >= totals.lifetimeDownloaded, `kept across the restart: ${again.lifetimeDownloaded} >= ${totals.lifetimeDownloaded}`)
    await until(async () => (await lifetime.innerText().catch(() => '')).includes(`↓ ${formatBytes(again.lifetimeDownloaded)}`), 'the page shows it after reconnecting', 60_000)
  })

  it('no page logged an error', () => {
    // Bob's daemon was restarted on purpose: the page's reconnection attempts meanwhile are logged by Chromium.
    assert.deepEqual(seen.errors.filter(e => !/^WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/api\/ws' failed: .*ERR_CONNECTION_REFUSED$/.test(e)), [])
    assert.deepEqual(seen.dialogs, [])
  })
})
