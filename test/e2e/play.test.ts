/// <reference lib="dom" />
/**
 * Play while downloading, in a real headless Chromium: a seeder capped at 1 MiB/s shares a 24 MiB
 * WAV file; the downloader's page opens the download's files, clicks Play, and the browser's own
 * audio element plays it (its clock advances) while the download is still far from complete. The
 * daemon's media route answers the player's byte ranges (test/integration/media.test.ts checks
 * the bytes). Then the same for a real video: a WebM that Chromium's MediaRecorder encoded.
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
import type { Browser, Page } from 'playwright-core'
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
let carol: WebDaemon

/**
 * A real video: Chromium's own MediaRecorder encodes `seconds` of a canvas of noise (incompressible,
 * so the bitrate holds) as VP8 in WebM, the way a screen or camera recording comes out.
 */
async function recordWebm (page: Page, seconds: number): Promise<Buffer> {
  const base64 = await page.evaluate(async (ms: number) => {
    const canvas = document.createElement('canvas')
    canvas.width = 160
    canvas.height = 120
    const ctx = canvas.getContext('2d')!
    const frame = ctx.createImageData(canvas.width, canvas.height)
    const draw = (): void => {
      for (let i = 0; i < frame.data.length; i += 65536) crypto.getRandomValues(frame.data.subarray(i, Math.min(frame.data.length, i + 65536)))
      ctx.putImageData(frame, 0, 0)
    }
    draw()
    const recorder = new MediaRecorder(canvas.captureStream(25), { mimeType: 'video/webm;codecs=vp8', videoBitsPerSecond: 1_000_000 })
    const parts: Blob[] = []
    recorder.ondataavailable = e => { parts.push(e.data) }
    const stopped = new Promise(resolve => { recorder.onstop = resolve })
    const timer = setInterval(draw, 40)
    recorder.start(500)
    await new Promise(resolve => setTimeout(resolve, ms))
    recorder.stop()
    await stopped
    clearInterval(timer)
    const bytes = new Uint8Array(await new Blob(parts).arrayBuffer())
    let text = ''
    for (let i = 0; i < bytes.length; i += 32768) text += String.fromCharCode(...bytes.subarray(i, i + 32768))
    return btoa(text)
  }, seconds * 1000)
  return Buffer.from(base64, 'base64')
}

/** Opens the daemon's UI, downloads the link, opens the row's files and clicks Play on `name`. */
async function downloadAndPlay (daemon: WebDaemon, link: string, name: string): Promise<{ page: Page, seen: ReturnType<typeof watchPage> }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 860 } })
  const seen = watchPage(page)
  await page.goto(daemon.url)
  await page.getByRole('tab', { name: /Downloads/ }).click()
  await page.getByRole('textbox', { name: 'Link to download' }).fill(link)
  await page.getByRole('button', { name: 'Download', exact: true }).click()
  const card = page.getByRole('article', { name: `Download ${name}` })
  await card.waitFor()
  await card.getByRole('button', { name }).click() // the row's details
  const files = card.getByRole('button', { name: 'Files', exact: true })
  await files.waitFor({ timeout: 120_000 }) // shown once the manifest is known
  await files.click()
  await card.getByRole('button', { name: `Play ${name}` }).click()
  return { page, seen }
}

describe('play while downloading', { timeout: 240_000 }, () => {
  before(async () => { browser = await launchBrowser() })
  after(async () => {
    try { await browser?.close() } finally {
      bob?.close()
      carol?.close()
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
    const { page, seen } = await downloadAndPlay(bob, link, 'song.wav')
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
  it('a video (WebM recorded by Chromium) plays while most of it is still downloading', async (t) => {
    // About 1 Mbit/s for 16 s from a seeder at 2 Mbit/s: Chromium starts playing once it expects to
    // play through, which needs a link faster than the video; the download then takes about 8 s.
    const recorder = await browser.newPage()
    const video = await recordWebm(recorder, 16)
    await recorder.close()
    assert.equal(video.readUInt32BE(0), 0x1A45DFA3, 'an EBML (WebM) header')
    assert.ok(video.length > 1024 * 1024, `a recording of ${video.length} bytes`)
    t.diagnostic(`recorded ${video.length} bytes`)
    const src = await tempDir()
    await writeFile(join(src, 'clip.webm'), video)
    const seeder = swarmdrop(['share', join(src, 'clip.webm'), '--repo', await tempDir(), '--max-upload', '256KiB'])
    const link = String((await seeder.event('shared', 120_000)).link)
    carol = await startWebDaemon(['--allow-private'])
    const { page, seen } = await downloadAndPlay(carol, link, 'clip.webm')
    // The browser decodes and shows frames: the video has a size and its clock moves.
    await page.waitForFunction(() => {
      const v = document.querySelector('video')
      return v != null && v.videoWidth === 160 && v.currentTime > 0.5
    }, undefined, { timeout: 120_000, polling: 250 })
    const download = (await carol.call('list', {})).downloads.find(d => d.name === 'clip.webm')
    assert.ok(download != null)
    assert.notEqual(download.state, 'complete', 'it played before the download finished')
    assert.ok(download.verifiedBytes < video.length * 0.75, `verified ${download.verifiedBytes} of ${video.length} when the video was playing`)
    t.diagnostic(`playing with ${download.verifiedBytes} of ${video.length} bytes verified`)
    await page.screenshot({ path: join(ARTIFACTS, 'video-while-downloading.png') })
    assert.deepEqual(seen.errors, [])
    assert.deepEqual(seen.dialogs, [])
  })
})
