/// <reference lib="dom" />
/**
 * Browser uploads show their progress: a real headless Chromium drops files on the built renderer
 * served by a real `swarmdrop daemon --web`. Each file gets a bar with bytes sent; the bar reaches
 * 100 % and the share appears. With the page's upload throttled (DevTools network conditions), the
 * bar is seen part-way, and Cancel on a file being sent skips it: the share holds the other file only.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { killAll } from '../helpers/processes.ts'
import { removeTemps } from '../helpers/files.ts'
import { join } from 'node:path'
import { ARTIFACTS, dropFiles, launchBrowser, watchPage } from './helpers/browser.ts'
import { startWebDaemon } from './helpers/daemon.ts'
import type { Browser, Page } from 'playwright-core'
import type { WebDaemon } from './helpers/daemon.ts'

const MiB = 1024 * 1024

let browser: Browser
let alice: WebDaemon

/** Records, on every animation frame, each upload bar's value and max (the values a user could see). */
async function recordBars (page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: Record<string, number[]> = {}
    Object.assign(window, { barsSeen: seen })
    const look = (): void => {
      for (const li of document.querySelectorAll<HTMLElement>('li[data-upload-file]')) {
        const bar = li.querySelector('progress')
        if (bar == null) continue
        const list = seen[li.dataset.uploadFile!] ??= []
        const fraction = bar.value / bar.max
        if (list.at(-1) !== fraction) list.push(fraction)
      }
      requestAnimationFrame(look)
    }
    look()
  })
}

async function barsSeen (page: Page): Promise<Record<string, number[]>> {
  return await page.evaluate(() => (window as unknown as { barsSeen: Record<string, number[]> }).barsSeen)
}

describe('upload progress in the browser', { timeout: 180_000 }, () => {
  let page: Page
  let seen: ReturnType<typeof watchPage>

  before(async () => {
    browser = await launchBrowser()
    alice = await startWebDaemon()
    page = await browser.newPage({ viewport: { width: 1200, height: 860 } })
    seen = watchPage(page)
    await page.goto(alice.url)
    await page.getByRole('tab', { name: /Shares/ }).waitFor()
    await recordBars(page)
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

  it('a dropped file gets a bar with bytes sent that reaches 100 %, then the share appears', async () => {
    await dropFiles(page, [{ name: 'clip.bin', size: 5 * MiB }])
    const file = page.locator('li[data-upload-file="clip.bin"]')
    await file.waitFor({ timeout: 30_000 })
    await page.locator('li[data-upload-file="clip.bin"][data-status="done"]').waitFor({ timeout: 60_000 })
    assert.equal(await file.locator('.bytes').innerText(), '5.00 MiB of 5.00 MiB')
    assert.equal(await file.locator('progress').evaluate(b => (b as HTMLProgressElement).value / (b as HTMLProgressElement).max), 1)
    await page.getByRole('article', { name: 'Share clip.bin' }).waitFor({ timeout: 60_000 })
    const share = (await alice.call('list', {})).shares.find(s => s.name === 'clip.bin')
    assert.equal(share?.totalBytes, 5 * MiB)
    assert.equal((await barsSeen(page))['clip.bin']?.at(-1), 1)
    assert.deepEqual(seen.errors, [])
  })

  it('throttled: the bar moves part-way, and Cancel on a file being sent leaves it out of the share', async () => {
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Network.enable')
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 1 * MiB })
    try {
      // Two loose files: the page asks for the share's name first.
      await dropFiles(page, [{ name: 'slow.bin', size: 6 * MiB }, { name: 'kept.bin', size: 256 * 1024 }])
      await page.getByRole('button', { name: 'Share', exact: true }).click()
      const slow = page.locator('li[data-upload-file$="/slow.bin"]')
      await slow.waitFor({ timeout: 30_000 })
      // Part-way: more than nothing, less than all.
      await page.waitForFunction(() => {
        const bar = document.querySelector<HTMLProgressElement>('li[data-upload-file$="/slow.bin"] progress')
        return bar != null && bar.value > 0 && bar.value < bar.max
      }, undefined, { timeout: 60_000 })
      const partWay = await slow.locator('.bytes').innerText()
      assert.match(partWay, /^[\d.]+ (KiB|MiB) of 6\.00 MiB$/)
      await page.screenshot({ path: join(ARTIFACTS, 'upload-progress.png') })
      await slow.getByRole('button', { name: /Cancel the upload of/ }).click()
      await page.locator('li[data-upload-file$="/slow.bin"][data-status="cancelled"]').waitFor()
      await page.locator('li[data-upload-file$="/kept.bin"][data-status="done"]').waitFor({ timeout: 60_000 })
    } finally {
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })
    }
    const card = page.getByRole('article', { name: /^Share slow\.bin and 1 more/ })
    await card.waitFor({ timeout: 60_000 })
    const share = (await alice.call('list', {})).shares.find(s => s.name.startsWith('slow.bin and 1 more'))
    assert.ok(share != null)
    assert.equal(share.fileCount, 1, 'the cancelled file is not shared')
    assert.equal(share.totalBytes, 256 * 1024)
    const fractions = Object.entries(await barsSeen(page)).find(([path]) => path.endsWith('/slow.bin'))![1]
    assert.ok(fractions.some(f => f > 0 && f < 1), `a part-way value was shown: ${fractions.join(', ')}`)
    assert.ok(!fractions.includes(1), 'the cancelled file never reached 100 %')
    assert.deepEqual(seen.errors, [])
  })
})
