/// <reference lib="dom" />
/**
 * A real headless Chromium driven by playwright-core for the end-to-end tests: the system's
 * (`/usr/bin/chromium`, Debian's package, or SWARMDROP_CHROMIUM) where there is one, else the
 * Chromium that the `@sparticuz/chromium` dev dependency unpacks from npm, so `npm install && npm
 * test` needs neither root nor apt. Never a skip.
 */
import { access, chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { tempDir } from '../../helpers/files.ts'
import type { Browser, Page } from 'playwright-core'

export const CHROMIUM = process.env.SWARMDROP_CHROMIUM ?? '/usr/bin/chromium'
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url))

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']

/** The system's Chromium if it is there, else the one from npm (unpacked on first use). */
async function chromiumToRun (): Promise<{ executablePath: string, args: string[] }> {
  if (await access(CHROMIUM).then(() => true, () => false)) return { executablePath: CHROMIUM, args: FLAGS }
  if (process.env.SWARMDROP_CHROMIUM != null) throw new Error(`SWARMDROP_CHROMIUM names ${CHROMIUM}, which does not exist`)
  const packaged = (await import('@sparticuz/chromium')).default
  return { executablePath: await packaged.executablePath(), args: [...new Set([...packaged.args, ...FLAGS])] }
}

export async function launchBrowser (): Promise<Browser> {
  await mkdir(ARTIFACTS, { recursive: true })
  // launch() gives every run a fresh temporary profile (user-data dir).
  return await chromium.launch({ ...await chromiumToRun(), headless: true })
}

/**
 * A Chromium that runs inside a network namespace (root only), for pages served by a daemon in
 * that namespace: playwright-core talks to the browser over pipes, which `ip netns exec` keeps.
 */
export async function launchBrowserIn (namespace: string): Promise<Browser> {
  await mkdir(ARTIFACTS, { recursive: true })
  const { executablePath, args } = await chromiumToRun()
  const wrapper = join(await tempDir('swarmdrop-chromium-'), 'chromium-in-netns')
  await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec '${namespace}' '${executablePath}' "$@"\n`)
  await chmod(wrapper, 0o755)
  return await chromium.launch({ executablePath: wrapper, args, headless: true })
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
