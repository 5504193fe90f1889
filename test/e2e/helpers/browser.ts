/// <reference lib="dom" />
/**
 * A real headless Chromium (Debian's, driven by playwright-core) for the end-to-end tests. Missing
 * Chromium is a failure with a clear message, never a skip: CI installs it.
 */
import { access, mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import type { Browser, Page } from 'playwright-core'

export const CHROMIUM = process.env.SWARMDROP_CHROMIUM ?? '/usr/bin/chromium'
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url))

export async function launchBrowser (): Promise<Browser> {
  try {
    await access(CHROMIUM)
  } catch {
    throw new Error(`Chromium not found at ${CHROMIUM}: the end-to-end tests need it (Debian: apt-get install chromium; or set SWARMDROP_CHROMIUM)`)
  }
  await mkdir(ARTIFACTS, { recursive: true })
  // launch() gives every run a fresh temporary profile (user-data dir).
  return await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']
  })
}

/** Collects what a page must never do: dialogs (alert from injected markup), page errors. */
export function watchPage (page: Page): { dialogs: string[], errors: string[] } {
  const seen = { dialogs: [] as string[], errors: [] as string[] }
  page.on('dialog', d => { seen.dialogs.push(d.message()); d.dismiss().catch(() => {}) })
  page.on('pageerror', e => { seen.errors.push(e.message) })
  // Refused requests (an upload the server rejects with 400) are answers, not page errors.
  page.on('console', m => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) seen.errors.push(m.text()) })
  return seen
}

/**
 * Drops files on the page the way a user's drag does: a `drop` event whose DataTransfer holds
 * File objects built in the page (`size` bytes of random data each).
 */
export async function dropFiles (page: Page, files: ReadonlyArray<{ name: string, size: number }>): Promise<void> {
  await page.evaluate(async list => {
    const dt = new DataTransfer()
    for (const { name, size } of list) {
      const bytes = new Uint8Array(size)
      for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(size, i + 65536)))
      dt.items.add(new File([bytes], name, { type: 'application/octet-stream' }))
    }
    document.body.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true, cancelable: true }))
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }))
  }, files)
}
