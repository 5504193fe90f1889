/// <reference lib="dom" />
/**
 * The app a person enjoys (issue 13, part A), in a real headless Chromium against real daemons:
 * names for multi-item shares and picked folders, the unshare confirmation, plain messages that time
 * out (errors stay), the wrong-token message, controls off while disconnected, the hashing bar, the
 * status bar, the tab kept across reloads, and no sideways scrolling at 480 px.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { open as openFile } from 'node:fs/promises'
import { join } from 'node:path'
import { killAll } from '../helpers/processes.ts'
import { makeTree, removeTemps, tempDir } from '../helpers/files.ts'
import { ARTIFACTS, dropFiles, launchBrowser, watchPage } from './helpers/browser.ts'
import { startWebDaemon } from './helpers/daemon.ts'
import type { Browser, Page } from 'playwright-core'
import type { WebDaemon } from './helpers/daemon.ts'

const MiB = 1024 * 1024

/** Polls `check` every 50 ms until it is true; fails after `capMs` with `what`. */
async function until (check: () => Promise<boolean>, what: string, capMs = 30_000): Promise<void> {
  const deadline = Date.now() + capMs
  while (!await check()) {
    assert.ok(Date.now() < deadline, `timed out waiting: ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

describe('the app a person enjoys (part A)', { timeout: 300_000 }, () => {
  let browser: Browser
  let alice: WebDaemon
  let bob: WebDaemon
  const pages: Array<{ page: Page, seen: ReturnType<typeof watchPage> }> = []
  let alicePage: Page
  let bobPage: Page

  async function openPage (node: WebDaemon): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 860 } })
    pages.push({ page, seen: watchPage(page) })
    await page.goto(node.url)
    await page.getByRole('tab', { name: /Shares/ }).waitFor()
    await page.getByRole('button', { name: 'choose files' }).and(page.locator(':enabled')).waitFor({ timeout: 60_000 })
    return page
  }

  before(async () => {
    browser = await launchBrowser()
    alice = await startWebDaemon(['--max-upload', '1MiB'])
    bob = await startWebDaemon(['--allow-private'])
    alicePage = await openPage(alice)
    bobPage = await openPage(bob)
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

  it('several dropped files become one share named after the first plus "and N more", editable first', async () => {
    await dropFiles(alicePage, [{ name: 'beach.jpg', size: 3000 }, { name: 'dunes.jpg', size: 2000 }, { name: 'notes.txt', size: 100 }])
    const form = alicePage.getByRole('form', { name: 'Name this share' })
    await form.waitFor({ timeout: 15_000 })
    const field = form.getByRole('textbox')
    assert.equal(await field.inputValue(), 'beach.jpg and 2 more')
    await form.getByRole('button', { name: 'Share', exact: true }).click()
    const card = alicePage.getByRole('article', { name: 'Share beach.jpg and 2 more' })
    await card.waitFor({ timeout: 30_000 })
    assert.match(await card.getByRole('textbox', { name: /Link to/ }).inputValue(), /name=beach\.jpg(\+|%20)and(\+|%20)2(\+|%20)more/)
    assert.equal(await alicePage.getByText(/[0-9a-f]{8}-[0-9a-f]{4}-/).count(), 0, 'no UUID shown')

    // The name can be changed before sharing ("choose files" goes the same way as a drop).
    await alicePage.getByTestId('file-picker').setInputFiles([
      { name: 'one.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(500, 1) },
      { name: 'two.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(700, 2) }
    ])
    await form.waitFor({ timeout: 15_000 })
    assert.equal(await field.inputValue(), 'one.bin and 1 more')
    await field.fill('Holiday photos')
    await form.getByRole('button', { name: 'Share', exact: true }).click()
    await alicePage.getByRole('article', { name: 'Share Holiday photos' }).waitFor({ timeout: 30_000 })
    const shared = (await alice.call('list', {})).shares.find(s => s.name === 'Holiday photos')
    assert.ok(shared != null, 'the daemon has the share under the chosen name')
    const files = await alice.call('files', { shareId: shared.shareId })
    assert.deepEqual(files.files.map(f => f.path).sort(), ['Holiday photos/one.bin', 'Holiday photos/two.bin'])

    // Cancel shares nothing.
    const before = (await alice.call('list', {})).shares.length
    await dropFiles(alicePage, [{ name: 'x.bin', size: 10 }, { name: 'y.bin', size: 10 }])
    await form.waitFor({ timeout: 15_000 })
    await form.getByRole('button', { name: 'Cancel' }).click()
    await form.waitFor({ state: 'detached' })
    assert.equal((await alice.call('list', {})).shares.length, before)
  })

  it('"choose a folder" shares the folder under its own name', async () => {
    const root = join(await tempDir(), 'Album 2026')
    await makeTree(root, { 'a.bin': 1500, 'sub/b.bin': 2500 })
    await alicePage.getByTestId('folder-picker').setInputFiles(root)
    const card = alicePage.getByRole('article', { name: 'Share Album 2026' })
    await card.waitFor({ timeout: 30_000 })
    assert.equal(await alicePage.getByRole('form', { name: 'Name this share' }).count(), 0, 'a folder needs no name')
    const shared = (await alice.call('list', {})).shares.find(s => s.name === 'Album 2026')
    assert.ok(shared != null)
    assert.deepEqual((await alice.call('files', { shareId: shared.shareId })).files.map(f => f.path).sort(), ['Album 2026/a.bin', 'Album 2026/sub/b.bin'])
  })

  it('a share being hashed shows a bar with its bytes, then its card', async () => {
    // A large sparse file (reads as zeros, takes no disk): several 64 MiB hashing jobs.
    const path = join(await tempDir(), 'big-video.bin')
    const handle = await openFile(path, 'w')
    await handle.truncate(384 * MiB)
    await handle.close()
    // Record every state of the hashing bar the page shows (a MutationObserver misses none, however short).
    await alicePage.evaluate(() => {
      const w = window as unknown as { hashingSeen: string[] }
      w.hashingSeen = []
      new MutationObserver(() => {
        for (const el of document.querySelectorAll('[data-hashing-id]')) {
          const text = (el as HTMLElement).innerText
          if (el.querySelector('progress') != null && w.hashingSeen.at(-1) !== text) w.hashingSeen.push(text)
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true })
    })
    const shared = alice.call('share', { path })
    await alicePage.getByRole('article', { name: 'Share big-video.bin' }).waitFor({ timeout: 120_000 })
    await shared
    assert.equal(await alicePage.locator('[data-hashing-id]').count(), 0, 'the bar goes once the share is made')
    const seen = await alicePage.evaluate(() => (window as unknown as { hashingSeen: string[] }).hashingSeen)
    assert.ok(seen.length >= 1, 'the hashing bar was shown')
    assert.ok(seen.every(t => t.includes('Preparing big-video.bin') && /of 384 MiB/.test(t)), seen.join(' | '))
    console.log(`hashing bar states seen: ${seen.map(t => t.split('\n').at(-1)).join(' | ')}`)
  })

  let link = ''
  it('the status bar shows speeds, peers and limits; unshare asks first and says who is still fetching; a link pasted twice says so', async () => {
    const root = await tempDir()
    await makeTree(root, { 'film.bin': 48 * MiB })
    const share = await alice.call('share', { path: join(root, 'film.bin') })
    link = share.link
    await bobPage.getByRole('textbox', { name: 'Link to download' }).fill(link)
    await bobPage.getByRole('button', { name: 'Download', exact: true }).click()
    await until(async () => (await bob.call('list', {})).downloads.some(d => d.verifiedBytes > 0), 'bob receives bytes', 60_000)

    // Alice's status bar: the upload speed, one peer, the 1 MiB/s upload limit; a click opens Settings.
    const bar = alicePage.getByRole('button', { name: 'Status (open Settings)' })
    await bar.locator('[data-status="limits"]', { hasText: 'Limits: ↓ no limit · ↑ 1.00 MiB/s' }).waitFor({ timeout: 15_000 })
    await bar.locator('[data-status="peers"]', { hasText: /^1 peer$/ }).waitFor({ timeout: 30_000 })
    await until(async () => !/ 0 B\/s$/.test(await bar.locator('[data-status="up"]').innerText()), 'a non-zero upload speed in the status bar')
    await alicePage.screenshot({ path: join(ARTIFACTS, 'status-bar.png') })

    // Bob pastes the same link again: told it is already downloading; the info notice goes by itself.
    await bobPage.getByRole('textbox', { name: 'Link to download' }).fill(link)
    await bobPage.getByRole('button', { name: 'Download', exact: true }).click()
    const already = bobPage.getByRole('status').filter({ hasText: /Already downloading film\.bin/ })
    await already.first().waitFor({ timeout: 15_000 })
    await already.first().waitFor({ state: 'detached', timeout: 30_000 })

    // Alice unshares: asked first, told that one peer is fetching; "Keep sharing" keeps it.
    const card = alicePage.getByRole('article', { name: 'Share film.bin' })
    await card.getByText('1 peer fetching').waitFor({ timeout: 30_000 })
    await card.getByRole('button', { name: 'Unshare' }).click()
    const dialog = card.getByRole('alertdialog', { name: 'Stop sharing film.bin?' })
    await dialog.getByText(/1 peer is still fetching it/).waitFor()
    await alicePage.screenshot({ path: join(ARTIFACTS, 'unshare-confirm.png') })
    await dialog.getByRole('button', { name: 'Keep sharing' }).click()
    await dialog.waitFor({ state: 'detached' })
    assert.ok((await alice.call('list', {})).shares.some(s => s.shareId === share.shareId), 'still shared')
    await card.getByRole('button', { name: 'Unshare' }).click()
    await dialog.getByRole('button', { name: 'Stop sharing' }).click()
    await card.waitFor({ state: 'detached', timeout: 15_000 })
    assert.ok(!(await alice.call('list', {})).shares.some(s => s.shareId === share.shareId), 'unshared')

    await bar.click()
    assert.equal(await alicePage.getByRole('tab', { name: /Settings/ }).getAttribute('aria-selected'), 'true')
    await alicePage.getByRole('tab', { name: /Shares/ }).click()
  })

  it('errors are plain words with the detail behind a disclosure, stay until dismissed, at most three shown', async () => {
    const input = bobPage.getByRole('textbox', { name: 'Link to download' })
    await input.fill('swarmdrop://not-a-real-link')
    await bobPage.getByRole('button', { name: 'Download', exact: true }).click()
    const error = bobPage.locator('.notice.error').first()
    await error.waitFor({ timeout: 15_000 })
    assert.match(await error.locator('.text').innerText(), /not a valid Swarmdrop link/)
    const details = error.locator('details')
    assert.equal(await details.evaluate(d => (d as HTMLDetailsElement).open), false, 'the detail is folded away')
    await details.locator('summary').click()
    assert.ok((await details.locator('.detail').innerText()).length > 0)
    // An info notice that comes after it goes by itself; the error is still there then.
    await bobPage.getByRole('tab', { name: /Settings/ }).click()
    await bobPage.getByRole('button', { name: 'Save', exact: true }).click()
    const saved = bobPage.getByRole('status').filter({ hasText: 'Settings saved.' })
    await saved.waitFor({ timeout: 15_000 })
    await saved.waitFor({ state: 'detached', timeout: 30_000 })
    assert.equal(await bobPage.locator('.notice.error').count(), 1, 'the error stays')
    // Five more errors: three notices shown.
    await bobPage.getByRole('tab', { name: /Downloads/ }).click()
    const newestNotice = async (): Promise<number> => Math.max(0, ...(await bobPage.locator('.notice').evaluateAll(els => els.map(e => Number(e.getAttribute('data-notice-id'))))))
    for (let i = 0; i < 5; i++) {
      const before = await newestNotice()
      await input.fill(`swarmdrop://broken-${i}`)
      await bobPage.getByRole('button', { name: 'Download', exact: true }).click()
      await until(async () => await newestNotice() > before, `error notice ${i}`)
    }
    await until(async () => await bobPage.locator('.notice').count() === 3, 'three notices shown')
    await bobPage.screenshot({ path: join(ARTIFACTS, 'notices.png') })
    for (let i = 0; i < 3; i++) await bobPage.locator('.notice').first().getByRole('button', { name: 'Dismiss' }).click()
    await until(async () => await bobPage.locator('.notice').count() === 0, 'notices dismissed')
  })

  it('a reload keeps the current tab and the open parts of share cards', async () => {
    await alicePage.getByRole('tab', { name: /Shares/ }).click()
    const card = alicePage.getByRole('article', { name: 'Share Album 2026' })
    await card.getByRole('button', { name: 'Files', exact: true }).click()
    await card.getByRole('region', { name: 'Files of Album 2026' }).waitFor({ timeout: 15_000 })
    await alicePage.reload()
    await card.getByRole('region', { name: 'Files of Album 2026' }).waitFor({ timeout: 15_000 })
    await card.getByRole('button', { name: 'Hide files' }).click()
    await alicePage.reload()
    await card.getByRole('button', { name: 'Files', exact: true }).waitFor({ timeout: 15_000 })
    assert.equal(await card.getByRole('region', { name: 'Files of Album 2026' }).count(), 0)

    await bobPage.getByRole('tab', { name: /Downloads/ }).click()
    await bobPage.reload()
    await bobPage.getByRole('tab', { name: /Downloads/, selected: true }).waitFor({ timeout: 15_000 })
    await bobPage.getByRole('tab', { name: /Peers/ }).click()
    await bobPage.reload()
    await bobPage.getByRole('tab', { name: /Peers/, selected: true }).waitFor({ timeout: 15_000 })
  })

  it('no view scrolls sideways at 480 px', async () => {
    for (const page of [alicePage, bobPage]) {
      await page.setViewportSize({ width: 480, height: 800 })
      for (const tab of ['Shares', 'Downloads', 'Peers', 'Settings']) {
        await page.getByRole('tab', { name: new RegExp(tab) }).click()
        await page.locator('#panel h2').first().waitFor()
        await page.evaluate(() => new Promise(resolve => requestAnimationFrame(resolve)))
        const { scrollWidth, clientWidth } = await page.evaluate(() => ({ scrollWidth: document.scrollingElement!.scrollWidth, clientWidth: document.scrollingElement!.clientWidth }))
        if (scrollWidth > clientWidth) await page.screenshot({ path: join(ARTIFACTS, `narrow-${tab.toLowerCase()}-overflow.png`), fullPage: true })
        assert.ok(scrollWidth <= clientWidth, `${tab} at 480 px: scrollWidth ${scrollWidth} > clientWidth ${clientWidth}`)
      }
      await page.setViewportSize({ width: 1200, height: 860 })
    }
    await bobPage.setViewportSize({ width: 480, height: 800 })
    await bobPage.getByRole('tab', { name: /Downloads/ }).click()
    await bobPage.screenshot({ path: join(ARTIFACTS, 'downloads-480.png'), fullPage: true })
    await bobPage.setViewportSize({ width: 1200, height: 860 })
  })

  it('a wrong token says so instead of reconnecting forever, with the controls off', async () => {
    // A context of its own that stays open (closing a context takes this headless Chromium down).
    const page = await (await browser.newContext()).newPage()
    try {
      await page.goto(alice.url.replace(/#token=.*/, '#token=wrong'))
      await page.getByRole('alert').filter({ hasText: 'This link’s token is wrong: open the address the daemon printed' }).waitFor({ timeout: 30_000 })
      assert.equal(await page.getByRole('alert').filter({ hasText: /Reconnecting/ }).count(), 0)
      await page.getByRole('tab', { name: /Shares/ }).click() // the view this origin last showed is remembered
      assert.equal(await page.getByRole('button', { name: 'choose files' }).isDisabled(), true)
      assert.equal(await page.getByRole('textbox', { name: 'Link to download' }).isDisabled(), true)
      await page.screenshot({ path: join(ARTIFACTS, 'wrong-token.png') })
    } finally {
      await page.close()
    }
  })

  it('the controls are off while the daemon is away and on again when it is back', async () => {
    const dave = await startWebDaemon()
    // A page in a context of its own that stays open: closing a context (or a page from browser.newPage(),
    // which closes its context) takes this headless Chromium 153 down with every other page.
    const page = await (await browser.newContext()).newPage()
    try {
      await page.goto(dave.url)
      await page.getByRole('tab', { name: /Shares/ }).click()
      const choose = page.getByRole('button', { name: 'choose files' })
      await until(async () => !await choose.isDisabled(), 'controls on once connected')
      dave.close()
      await dave.process.kill('SIGTERM')
      await page.getByRole('alert').filter({ hasText: /Disconnected from the Swarmdrop daemon/ }).waitFor({ timeout: 15_000 })
      assert.equal(await choose.isDisabled(), true)
      assert.equal(await page.getByRole('textbox', { name: 'Link to download' }).isDisabled(), true)
      await page.getByRole('tab', { name: /Settings/ }).click() // the tabs still work
      await page.getByRole('tab', { name: /Shares/ }).click()
      const back = await startWebDaemon([], { repo: dave.repo, port: dave.port })
      await until(async () => !await choose.isDisabled(), 'controls on again after the reconnection', 60_000)
      back.close()
    } finally {
      await page.close()
    }
  })

  it('no page logged an error', () => {
    for (const { seen } of pages) {
      assert.deepEqual(seen.errors, [])
      assert.deepEqual(seen.dialogs, [])
    }
  })
})
