/**
 * A source that floods every message type (PEERS of made-up peers, HAVE, unsolicited errors, as fast
 * as its stream takes them) next to an honest, capped seeder: the download completes in about the
 * time it takes without the flood, the flooder is dropped, and the downloader's CPU and memory
 * stay bounded. Real processes on 127.0.0.1; figures from /proc.
 */
import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cpuSeconds, peakRssBytes } from '../../bench/lib/proc-stats.ts'
import { makeTree, removeTemps, tempDir, treeHashes } from '../helpers/files.ts'
import { JsonProcess, killAll, swarmdrop } from '../helpers/processes.ts'

const HOSTILE = fileURLToPath(new URL('../helpers/hostile-peer.ts', import.meta.url))
const MiB = 1024 * 1024

afterEach(killAll)
after(removeTemps)

interface Run { seconds: number, cpu: number, rss: number, sources: Array<{ peerId: string, bytes: number }> }

/** Runs `get` to completion, sampling its CPU time and peak memory while it lives; seconds from the first verified byte to complete. */
async function download (link: string, extra: string[], src: string): Promise<Run> {
  const out = await tempDir()
  const get = swarmdrop(['get', link, '--out', out, '--repo', await tempDir(), '--no-dht', ...extra])
  let cpu = 0
  let rss = 0
  const sampler = setInterval(() => { cpu = cpuSeconds(get.pid) ?? cpu; rss = peakRssBytes(get.pid) ?? rss }, 100)
  try {
    const first = await get.waitFor(l => l.event === 'progress' && (l.verifiedBytes as number) > 0, 120_000)
    const complete = await get.event('complete', 180_000)
    assert.deepEqual(await treeHashes(join(out, 'film')), await treeHashes(join(src, 'film')))
    return { seconds: (get.timeOf(complete) - get.timeOf(first)) / 1000, cpu, rss, sources: complete.sources as Run['sources'] }
  } finally {
    clearInterval(sampler)
  }
}

describe('a source that floods every message type', { timeout: 300_000 }, () => {
  it('does not slow the download, is dropped, and costs bounded CPU and memory', async (t) => {
    const src = await tempDir()
    await makeTree(join(src, 'film'), { 'film.mkv': 12 * MiB })
    const seeder = swarmdrop(['share', join(src, 'film'), '--repo', await tempDir(), '--no-dht', '--max-upload', '2MiB'])
    const shared = await seeder.event('shared')
    const flooder = new JsonProcess(process.execPath, [HOSTILE, '--mode', 'flood', '--folder', join(src, 'film')])
    const listening = await flooder.event('listening', 60_000)
    assert.equal(listening.shareId, shared.shareId, 'the flooder claims the same share')

    const quiet = await download(shared.link as string, [], src)
    const flooded = await download(shared.link as string, ['--peer', (listening.addresses as string[])[0]!], src)
    t.diagnostic(`unflooded ${quiet.seconds.toFixed(1)} s, ${quiet.cpu.toFixed(1)} CPU-s, ${(quiet.rss / MiB).toFixed(0)} MiB; flooded ${flooded.seconds.toFixed(1)} s, ${flooded.cpu.toFixed(1)} CPU-s, ${(flooded.rss / MiB).toFixed(0)} MiB`)
    await flooder.event('session')
    assert.ok(flooded.seconds <= 1.5 * quiet.seconds + 1, `flooded ${flooded.seconds.toFixed(1)} s against ${quiet.seconds.toFixed(1)} s`)
    assert.ok(flooded.cpu <= 2 * quiet.cpu + 5, `CPU ${flooded.cpu.toFixed(1)} s against ${quiet.cpu.toFixed(1)} s unflooded`)
    assert.ok(flooded.rss <= 512 * MiB, `peak memory ${(flooded.rss / MiB).toFixed(0)} MiB`)
    assert.deepEqual(flooded.sources.filter(s => s.bytes > 0).map(s => s.peerId), [(await seeder.event('listening')).peerId], 'every byte came from the honest seeder')
    assert.ok(flooded.sources.some(s => s.peerId === listening.peerId), 'the flooder was a source (and flooded it)')
  })
})
