/**
 * Play while downloading, end to end without a browser: a seeder capped at 2 MiB/s shares a 24 MiB
 * audio file; a daemon downloading it serves a byte range near the end through its web UI's media
 * route (`/api/media/<share>/<file>?key=`) while most of the file is still missing: the download
 * fetches the player's chunks first, and the bytes are the source's, verified. Real processes on
 * loopback; the player side is test/e2e/play.test.ts.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { WebSocket } from 'ws'
import { killAll, swarmdrop } from '../helpers/processes.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'
import { TOKEN_PROTOCOL_PREFIX, WIRE_PROTOCOL } from '../../node-core/src/contract/index.ts'
import { mediaKey } from '../../node-core/src/web/web-token.ts'
import type { DownloadInfo, ServerMessage, ServiceEvent } from '../../node-core/src/contract/index.ts'

const MiB = 1024 * 1024

interface Reply { status: number, headers: Record<string, string | string[] | undefined>, body: Buffer }

function get (port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'GET', path, headers: { Host: `127.0.0.1:${port}`, ...headers }, timeout: 150_000 }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

/** A WAV header for `dataBytes` of 16-bit stereo PCM at 44.1 kHz. */
function wavHeader (dataBytes: number): Buffer {
  const h = Buffer.alloc(44)
  h.write('RIFF', 0); h.writeUInt32LE(36 + dataBytes, 4); h.write('WAVE', 8)
  h.write('fmt ', 12); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(2, 22)
  h.writeUInt32LE(44_100, 24); h.writeUInt32LE(44_100 * 4, 28); h.writeUInt16LE(4, 32); h.writeUInt16LE(16, 34)
  h.write('data', 36); h.writeUInt32LE(dataBytes, 40)
  return h
}

describe('media route: play while downloading', { timeout: 300_000 }, () => {
  after(async () => { await killAll(); await removeTemps() })

  it('serves a range of a file still downloading, fetched first and verified; refuses what is not media or has no key', async () => {
    const src = await tempDir()
    await mkdir(join(src, 'album'))
    const audio = Buffer.concat([wavHeader(24 * MiB - 44), randomBytes(24 * MiB - 44)])
    await writeFile(join(src, 'album', 'song.wav'), audio)
    await writeFile(join(src, 'album', 'notes.bin'), randomBytes(1000))
    const seeder = swarmdrop(['share', join(src, 'album'), '--repo', await tempDir(), '--max-upload', '2MiB'])
    const shared = await seeder.event('shared', 120_000)

    const webRoot = await tempDir()
    await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>stand-in</title>')
    const daemon = swarmdrop(['daemon', '--repo', await tempDir(), '--web', '--web-port', '0', '--web-root', webRoot, '--out', await tempDir(), '--allow-private'])
    const web = await daemon.event('web', 60_000)
    const port = web.port as number
    const token = /#token=([A-Za-z0-9_-]+)$/.exec(web.url as string)![1]!
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/ws`, [WIRE_PROTOCOL, TOKEN_PROTOCOL_PREFIX + token])
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
    const events: ServiceEvent[] = []
    const waiters = new Set<() => void>()
    const replies = new Map<number, (m: ServerMessage) => void>()
    ws.on('message', data => {
      const m = JSON.parse(String(data)) as ServerMessage
      if (m.type === 'event') { events.push(m.event); for (const w of waiters) w() } else replies.get(m.id)?.(m)
    })
    const call = (command: string, args: unknown, id: number): Promise<ServerMessage> =>
      new Promise(resolve => { replies.set(id, resolve); ws.send(JSON.stringify({ type: 'call', id, command, args })) })
    const until = (pred: (e: ServiceEvent) => boolean, ms: number): Promise<ServiceEvent> => new Promise((resolve, reject) => {
      const check = (): void => { const hit = events.find(pred); if (hit != null) { waiters.delete(check); clearTimeout(timer); resolve(hit) } }
      const timer = setTimeout(() => { waiters.delete(check); reject(new Error('event never came')) }, ms)
      waiters.add(check)
      check()
    })

    const added = await call('addDownload', { link: shared.link }, 1)
    assert.equal(added.type, 'result', JSON.stringify(added))
    const shareId = shared.shareId as string
    // The manifest is known (the download is past connecting) before the player can ask for a file.
    await until(e => e.type === 'download:progress' && e.download.shareId === shareId && e.download.state === 'downloading', 120_000)
    const files = await call('files', { shareId }, 3)
    assert.equal(files.type, 'result', JSON.stringify(files))
    const paths = (files as { result: { files: Array<{ path: string }> } }).result.files.map(f => f.path)
    const songIndex = paths.indexOf('album/song.wav')
    const notesIndex = paths.indexOf('album/notes.bin')
    assert.ok(songIndex >= 0 && notesIndex >= 0, `files: ${paths.join(', ')}`)

    const key = mediaKey(token)
    assert.equal((await get(port, `/api/media/${shareId}/${songIndex}`)).status, 401, 'no key')
    assert.equal((await get(port, `/api/media/${shareId}/${songIndex}?key=${token}`)).status, 401, 'the token is not the media key')
    assert.equal((await get(port, `/api/media/${shareId}/${notesIndex}?key=${key}`)).status, 415)
    assert.equal((await get(port, `/api/media/nosuchshare/0?key=${key}`)).status, 404)

    const verified = async (id: number): Promise<DownloadInfo> => {
      const listed = await call('list', {}, id)
      return (listed as { result: { downloads: DownloadInfo[] } }).result.downloads.find(d => d.shareId === shareId)!
    }
    // A player seeking three times while the download runs. Each range is fetched ahead of the rest
    // (sequential from the player's position): it arrives within a few MiB of other chunks, where
    // the download's own order (rarest first, random among equals) would take half the file on
    // average. The seeder's 2 MiB/s cap needs 12 s for the whole file.
    let id = 10
    for (const at of [20 * MiB + 12_345, 9 * MiB + 1, 15 * MiB + 777]) {
      const before = await verified(id++)
      const reply = await get(port, `/api/media/${shareId}/${songIndex}?key=${key}`, { Range: `bytes=${at}-` })
      const now = await verified(id++)
      assert.equal(reply.status, 206, reply.body.toString())
      assert.ok(reply.body.length > 0)
      assert.equal(reply.headers['content-range'], `bytes ${at}-${at + reply.body.length - 1}/${audio.length}`)
      assert.ok(reply.body.equals(audio.subarray(at, at + reply.body.length)), 'the bytes are the source\'s')
      assert.equal(reply.headers['accept-ranges'], 'bytes')
      assert.equal(reply.headers['content-type'], 'audio/wav')
      assert.notEqual(now.state, 'complete', 'the range was served before the download finished')
      assert.ok(now.verifiedBytes - before.verifiedBytes < 6 * MiB, `at ${at}: ${now.verifiedBytes - before.verifiedBytes} bytes verified while the range waited (from ${before.verifiedBytes})`)
    }

    // Past the end of the file: 416 with the size.
    const beyond = await get(port, `/api/media/${shareId}/${songIndex}?key=${key}`, { Range: `bytes=${audio.length}-` })
    assert.equal(beyond.status, 416)
    assert.equal(beyond.headers['content-range'], `bytes */${audio.length}`)

    // Once complete, the whole file without a range is the source's, byte for byte.
    await until(e => e.type === 'download:complete' && e.download.shareId === shareId, 180_000)
    const whole = await get(port, `/api/media/${shareId}/${songIndex}?key=${key}`)
    assert.equal(whole.status, 200)
    assert.ok(whole.body.equals(await readFile(join(src, 'album', 'song.wav'))))
    ws.close()
  })
})
