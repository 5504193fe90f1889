/// <reference lib="dom" />
/**
 * Peer text in the page: a real daemon downloads from a hostile peer (a real process on
 * 127.0.0.1) whose refusal carries terminal escape sequences and a U+202E; the built renderer in a
 * real Chromium shows the error with each of them escaped (`\u{202E}`), and nowhere in the page
 * (text or attributes) is there a raw control, bidi or zero-width character. A pasted link whose
 * name holds a U+202E is refused, and the notice shows it escaped too.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { JsonProcess, killAll } from '../helpers/processes.ts'
import { makeTree, removeTemps, tempDir } from '../helpers/files.ts'
import { launchBrowser, watchPage } from './helpers/browser.ts'
import { startWebDaemon } from './helpers/daemon.ts'
import type { Browser, Page } from 'playwright-core'
import type { WebDaemon } from './helpers/daemon.ts'

const HOSTILE = fileURLToPath(new URL('../helpers/hostile-peer.ts', import.meta.url))

/** Every raw character the page must never hold: controls (a line break aside), DEL, C1, format characters, separators. */
async function unsafeInPage (page: Page): Promise<string[]> {
  return await page.evaluate(() => {
    const parts = [document.documentElement.textContent ?? '']
    for (const element of document.querySelectorAll('*')) for (const attribute of element.attributes) parts.push(attribute.value)
    // eslint-disable-next-line no-control-regex
    return [...parts.join('\n').matchAll(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\p{Cf}\u2028\u2029]/gu)].map(m => `U+${m[0].codePointAt(0)!.toString(16)}`)
  })
}

describe('peer text in the page', { timeout: 180_000 }, () => {
  let browser: Browser
  let bob: WebDaemon
  let page: Page
  let seen: ReturnType<typeof watchPage>

  before(async () => {
    browser = await launchBrowser()
    bob = await startWebDaemon(['--allow-private'])
    page = await browser.newPage({ viewport: { width: 1200, height: 860 } })
    seen = watchPage(page)
    await page.goto(bob.url)
    await page.getByRole('tab', { name: /Shares/ }).waitFor()
  })

  after(async () => {
    await browser?.close()
    bob?.close()
    await killAll()
    await removeTemps()
  })

  it("shows a hostile peer's error message with its escape sequences and U+202E escaped", async () => {
    const src = await tempDir()
    await makeTree(join(src, 'data'), { 'x.bin': 1000 })
    const peer = new JsonProcess(process.execPath, [HOSTILE, '--mode', 'hostile-text', '--folder', join(src, 'data')])
    const listening = await peer.event('listening', 60_000)
    const shareId = String(listening.shareId)
    await bob.call('addDownload', { link: `swarmdrop://${shareId}`, peers: [(listening.addresses as string[])[0]!] })
    await page.getByRole('tab', { name: /Downloads/ }).click()
    const card = page.locator(`article[data-share-id="${shareId}"]`)
    const error = card.locator('p.error')
    await error.waitFor({ timeout: 60_000 })
    const text = await error.innerText()
    assert.ok(text.includes('busy\\u{1B}[2K\\rcomplete: 100%\\u{1B}]0;pwned\\u{7}\\u{1B}]52;c;cm0gLXJmIH4=\\u{7}\\u{9B}31m invoice\\u{202E}txt.exe\\nswarmdrop: fake line'), text)
    assert.deepEqual(await unsafeInPage(page), [])
  })

  it('refuses a pasted link whose name holds U+202E and shows the name escaped', async () => {
    const link = `swarmdrop://bafyreif443brn4rx5yvaxryqfrzwhfg7anoad25rmoexlezsjiyxkshwom?name=${encodeURIComponent('invoice\u202Etxt.exe')}`
    await page.getByRole('textbox', { name: 'Link to download' }).fill(link)
    await page.getByRole('button', { name: 'Download', exact: true }).click()
    const notice = page.getByRole('alert').filter({ hasText: 'invoice\\u202etxt.exe' })
    await notice.waitFor({ timeout: 15_000 })
    assert.deepEqual(await unsafeInPage(page), [])
  })

  it('logged no page error', () => {
    assert.deepEqual(seen.errors, [])
    assert.deepEqual(seen.dialogs, [])
  })
})
