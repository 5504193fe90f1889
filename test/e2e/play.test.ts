/// <reference lib="dom" />
/**
 * Play while downloading, in a real headless Chromium: a seeder capped at 1 MiB/s shares a 24 MiB
 * WAV file; the downloader's page opens the download's files, clicks Play, and the browser's own
 * audio element plays it (its clock advances) while the download is still far from complete. The
 * daemon's media route answers the player's byte ranges (test/integration/media.test.ts checks
 * the bytes).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { killAll, swarmdrop } from '../helpers/processes.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'
import { ARTIFACTS, launchBrowser, watchPage } from './helpers/browser.ts'
import { startWebDaemon } from './helpers/daemon.ts'
import type { Browser } from 'playwright-core'
import type { WebDaemon } from './helpers/daemon.ts'

const MiB = 1024 * 1024
const SIZE = 24 * MiB

/** 16-bit stereo PCM at 44.1 kHz (quiet noise), as a WAV file of `size` bytes. */
function wav (size: number): Buffer {
  const h = Buffer.alloc(44)
  h.write('RIFF', 0); h.writeUInt32LE(size - 8, 4); h.write('WAVE', 8)
  h.write('fmt ', 12); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(2, 22)
  h.writeUInt32LE(44_100, 24); h.writeUInt32LE(44_100 * 4, 28); h.writeUInt16LE(4, 32); h.writeUInt16LE(16, 34)
  h.write('data', 36); h.writeUInt32LE(size - 44, 40)
  const data = randomBytes(size - 44)
  for (let i = 1; i < data.length; i += 2) data[i] = data[i]! & 0x03 ? 0x00 : 0xff // small samples: quiet
  return Buffer.concat([h, data])
}

let browser: Browser
let bob: WebDaemon

describe('play while downloading', { timeout: 240_000 }, () => {
  before(async () => { browser = await launchBrowser() })
  after(async () => {
    try { await browser?.close() } finally {
      bob?.close()
      await killAll()
      await removeTemps()
    }
  })

  it('a song plays in the page while most of it is still downloading', async () => {
    const src = await tempDir()
    await writeFile(join(src, 'song.wav'), wav(SIZE))
    const seeder = swarmdrop(['share', join(src, 'song.wav'), '--repo', await tempDir(), '--max-upload', '1MiB'])
    const link = String((await seeder.event('shared', 120_000)).link)
    bob = await startWebDaemon(['--allow-private'])
    const page = await browser.newPage({ viewport: { width: 1200, height: 860 } })
    const seen = watchPage(page)
    await page.goto(bob.url)
    await page.getByRole('tab', { name: /Downloads/ }).click()
    await page.getByRole('textbox', { name: 'Link to download' }).fill(link)
    await page.getByRole('button', { name: 'Download', exact: true }).click()
    const card = page.getByRole('article', { name: 'Download song.wav' })
    await card.waitFor()
    await card.getByRole('button', { name: 'song.wav' }).click() // the row's details
    const files = card.getByRole('button', { name: 'Files', exact: true })
    await files.waitFor({ timeout: 120_000 }) // shown once the manifest is known
    await files.click()
    await card.getByRole('button', { name: 'Play song.wav' }).click()
    // The browser plays: its audio clock moves past half a second.
    await page.waitForFunction(() => {
      const audio = document.querySelector('audio')
      return audio != null && audio.currentTime > 0.5
    }, undefined, { timeout: 120_000, polling: 250 })
    const download = (await bob.call('list', {})).downloads.find(d => d.name === 'song.wav')
    assert.ok(download != null)
    assert.notEqual(download.state, 'complete', 'it played before the download finished')
    assert.ok(download.verifiedBytes < SIZE * 0.75, `verified ${download.verifiedBytes} of ${SIZE} when the song was playing`)
    await page.screenshot({ path: join(ARTIFACTS, 'play-while-downloading.png') })
    assert.deepEqual(seen.errors, [])
    assert.deepEqual(seen.dialogs, [])
  })
})
