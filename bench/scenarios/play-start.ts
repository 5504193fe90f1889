/**
 * Play while downloading: a seeder capped at 2 MiB/s shares a 64 MiB audio file; a fresh daemon
 * with the web UI adds the link and, once the manifest is known, a player asks the media route for
 * the file's start (`Range: bytes=0-`) and then seeks to its middle. Measured: how long each answer
 * takes (the player can start when the first one arrives). Target: <= 2 s. The floor set by the
 * cap is one chunk at 2 MiB/s (in the notes); the download's own order would reach the middle of
 * the file after about half of it, 16 s at this cap.
 */
import { request } from 'node:http'
import { writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { WebSocket } from 'ws'
import { startSeeder, stopAll, swarmdropProcess } from '../lib/procs.ts'
import { figure, reportRow, show } from '../lib/result.ts'
import type { Context, Scenario, ScenarioResult } from '../lib/result.ts'
import { MiB, round3 } from '../lib/stats.ts'
import { tempDir } from '../../test/helpers/files.ts'
import { TOKEN_PROTOCOL_PREFIX, WIRE_PROTOCOL } from '../../node-core/src/contract/index.ts'
import { mediaKey } from '../../node-core/src/web/web-token.ts'
import type { ServerMessage, ServiceEvent } from '../../node-core/src/contract/index.ts'

const CAP = '2MiB'

export const playStart: Scenario = {
  id: 'play-start',
  title: 'play while downloading: time to the first media bytes',
  async run (ctx: Context): Promise<ScenarioResult> {
    const runs = ctx.quick ? 1 : Math.max(ctx.repeats, 5)
    const size = (ctx.quick ? 8 : 64) * MiB
    const dir = await tempDir('swarmdrop-bench-play-')
    await writeFile(`${dir}/clip.wav`, randomBytes(size))
    try {
      const seeder = await startSeeder(`${dir}/clip.wav`, ['--max-upload', CAP])
      const start: number[] = []
      const seek: number[] = []
      for (let r = 0; r < runs; r++) {
        const t = await onePlayer(seeder.link, size)
        start.push(t.startMs)
        seek.push(t.seekMs)
      }
      const figures = { firstBytesMs: figure('ms', start), seekToMiddleMs: figure('ms', seek) }
      return {
        id: this.id,
        title: this.title,
        params: { runs, sizeMiB: size / MiB, seederCap: CAP },
        figures,
        rows: [
          reportRow('player start: Range bytes=0- answered', show(figures.firstBytesMs), 'target <= 2000 ms', round3(figures.firstBytesMs.median / 2000)),
          reportRow('seek to the middle answered', show(figures.seekToMiddleMs), 'target <= 2000 ms', round3(figures.seekToMiddleMs.median / 2000))
        ],
        notes: [
          `Each run is a fresh downloader daemon; timed from the moment its download knows the manifest. The seeder uploads at most ${CAP}/s, so one 256 KiB chunk takes at least 125 ms to arrive.`,
          'The ratio column is the median against the 2 s target (<= 1 meets it).'
        ]
      }
    } finally {
      await stopAll()
    }
  }
}

async function onePlayer (link: string, size: number): Promise<{ startMs: number, seekMs: number }> {
  const webRoot = await tempDir('swarmdrop-bench-web-')
  await writeFile(`${webRoot}/index.html`, '<!doctype html><title>bench</title>')
  const daemon = swarmdropProcess(['daemon', '--web', '--web-port', '0', '--web-root', webRoot, '--repo', await tempDir('swarmdrop-bench-repo-'), '--out', await tempDir('swarmdrop-bench-out-'), '--allow-private'])
  const web = await daemon.event('web', 60_000)
  const port = web.port as number
  const token = /#token=([A-Za-z0-9_-]+)$/.exec(web.url as string)![1]!
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api/ws`, [WIRE_PROTOCOL, TOKEN_PROTOCOL_PREFIX + token])
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
  try {
    const downloading = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error('the download never started')) }, 300_000)
      ws.on('message', data => {
        const m = JSON.parse(String(data)) as ServerMessage
        if (m.type !== 'event') return
        const e: ServiceEvent = m.event
        if (e.type === 'download:progress' && e.download.state === 'downloading') { clearTimeout(timer); resolve(e.download.shareId) }
      })
    })
    ws.send(JSON.stringify({ type: 'call', id: 1, command: 'addDownload', args: { link } }))
    const shareId = await downloading
    const path = `/api/media/${shareId}/0?key=${mediaKey(token)}`
    const t0 = performance.now()
    await range(port, path, 'bytes=0-')
    const t1 = performance.now()
    await range(port, path, `bytes=${Math.floor(size / 2)}-`)
    const t2 = performance.now()
    return { startMs: t1 - t0, seekMs: t2 - t1 }
  } finally {
    ws.terminate()
    await daemon.kill('SIGKILL')
  }
}

function range (port: number, path: string, value: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: `127.0.0.1:${port}`, Range: value }, timeout: 300_000 }, res => {
      res.resume()
      res.on('end', () => {
        if (res.statusCode === 206) resolve()
        else reject(new Error(`media answered ${String(res.statusCode)}`))
      })
    })
    req.on('error', reject)
    req.end()
  })
}
