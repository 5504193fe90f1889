/// <reference lib="dom" />
/**
 * Settings, "Save a bug report", end to end: a real headless Chromium on a real
 * `swarmdrop daemon --web`; the page shows the path the node wrote, and that file is a report
 * with the node's live state and the daemon's own log lines.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import type { BugReport } from '../../node-core/src/log/bug-report.ts'
import { removeTemps } from '../helpers/files.ts'
import { killAll } from '../helpers/processes.ts'
import { ARTIFACTS, launchBrowser, watchPage } from './helpers/browser.ts'
import { startWebDaemon } from './helpers/daemon.ts'
import type { WebDaemon } from './helpers/daemon.ts'

describe('Settings: Save a bug report', { timeout: 120_000 }, () => {
  let browser: Browser
  let node: WebDaemon

  before(async () => {
    browser = await launchBrowser()
    node = await startWebDaemon()
  })

  after(async () => {
    await browser?.close()
    node?.close()
    await killAll()
    await removeTemps()
  })

  it('writes a report of the live node into the profile and shows its path with a copy button', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 860 } })
    const seen = watchPage(page)
    await page.goto(node.url)
    await page.getByRole('tab', { name: /Settings/ }).click()
    await page.getByRole('button', { name: 'Save a bug report' }).click()
    const field = page.getByRole('textbox', { name: /Written/ })
    await field.waitFor({ timeout: 30_000 })
    const path = await field.inputValue()
    assert.ok(path.startsWith(join(node.repo, 'logs', 'bug-report-')) && path.endsWith('.json'), path)
    await page.getByRole('button', { name: 'Copy path' }).waitFor()
    await page.screenshot({ path: join(ARTIFACTS, 'bug-report.png') })

    const report = JSON.parse(await readFile(path, 'utf8')) as BugReport
    assert.equal(report.state.kind, 'live')
    if (report.state.kind !== 'live') return
    assert.equal(report.state.node.peerId, node.peerId)
    assert.equal(report.state.settings.network, 'swarmdrop-test')
    assert.ok(report.logs[0]!.lines.some(l => new RegExp(`log opened by pid ${node.process.pid} `).test(l)), 'the daemon\'s own log is in it')
    assert.deepEqual(seen.errors, [])
  })
})
