/// <reference lib="dom" />
/**
 * `npm run screenshots`: every view (Shares, Downloads, Search, Peers, Settings), light and dark, wide and
 * at 480 px, into docs/screenshots/app-<view>-<light|dark>[-480].png, taken in a real headless
 * Chromium against two real daemons (Alice shares a folder, Bob downloads it). Needs the renderer
 * built first (the npm script does it). Every process started is killed at the end.
 */
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { killAll } from '../helpers/processes.ts'
import { makeTree, removeTemps, tempDir } from '../helpers/files.ts'
import { launchBrowser } from './helpers/browser.ts'
import { startWebDaemon } from './helpers/daemon.ts'

const OUT = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
const VIEWS = ['Shares', 'Downloads', 'Search', 'Peers', 'Settings'] as const
const KiB = 1024

const browser = await launchBrowser()
try {
  const alice = await startWebDaemon()
  const bob = await startWebDaemon(['--allow-private'])
  const root = join(await tempDir(), 'Holiday 2026')
  await makeTree(root, { 'beach.jpg': 900 * KiB, 'dunes.jpg': 700 * KiB, 'notes/day-1.txt': 3 * KiB })
  const share = await alice.call('share', { path: root })
  await bob.call('addDownload', { link: share.link })
  const deadline = Date.now() + 120_000
  while (!(await bob.call('list', {})).downloads.every(d => d.state === 'complete')) {
    if (Date.now() > deadline) throw new Error('the download did not finish')
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  const taken: string[] = []
  for (const colorScheme of ['light', 'dark'] as const) {
    for (const width of [1200, 480]) {
      // A context per scheme and width that stays open (closing one takes this headless Chromium down).
      const page = await (await browser.newContext({ colorScheme, viewport: { width, height: 800 } })).newPage()
      await page.goto(bob.url)
      await page.getByRole('textbox', { name: 'Link to download' }).and(page.locator(':enabled')).waitFor({ timeout: 60_000 })
      for (const view of VIEWS) {
        await page.getByRole('tab', { name: new RegExp(view) }).click()
        await page.locator('#panel h2').first().waitFor()
        if (view === 'Downloads') {
          const row = page.getByRole('article', { name: 'Download Holiday 2026' })
          if (await row.getByRole('region').count() === 0) await row.getByRole('button', { name: 'Holiday 2026' }).click()
          await row.getByRole('heading', { name: 'Chunk map' }).waitFor()
          await page.locator('.chunk-map .legend li').first().waitFor()
        }
        if (view === 'Settings') await page.getByRole('button', { name: 'Save', exact: true }).waitFor()
        const file = `app-${view.toLowerCase()}-${colorScheme}${width === 480 ? '-480' : ''}.png`
        // The whole page in one viewport: a full-page capture of a taller page leaves the fixed status
        // bar where the 800 px viewport ends, over the content.
        const height = await page.evaluate(() => document.documentElement.scrollHeight)
        await page.setViewportSize({ width, height: Math.max(800, height) })
        await page.screenshot({ path: join(OUT, file) })
        await page.setViewportSize({ width, height: 800 })
        taken.push(file)
      }
    }
  }
  console.log(`wrote ${taken.length} screenshots to ${OUT}: ${taken.join(' ')}`)
  alice.close()
  bob.close()
} finally {
  await browser.close().catch(() => {})
  await killAll()
  await removeTemps()
}
