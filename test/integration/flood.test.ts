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


  it('peers flooding each message type and new streams, at the seeder and at the downloader, are cut off and shut out', async (t) => {
    const src = await tempDir()
    await makeTree(join(src, 'film'), { 'film.mkv': 12 * MiB })
    const seeder = swarmdrop(['share', join(src, 'film'), '--repo', await tempDir(), '--no-dht', '--max-upload', '2MiB'])
    const shared = await seeder.event('shared')
    const seederListening = await seeder.event('listening')
    const local = (l: Record<string, unknown>): string => (l.addresses as string[]).find(a => a.includes('/127.0.0.1/'))!
    const flooder = (args: string[]): JsonProcess => new JsonProcess(process.execPath, [HOSTILE, '--mode', 'flood', '--folder', join(src, 'film'), ...args])
    // One flooder per kind against the seeder (each a peer of its own: the first cut off is shut out).
    const kinds = ['streams', 'manifest', 'requests', 'hello', 'cancel']
    const atSeeder = kinds.map(kind => ({ kind, target: local(seederListening), p: flooder(['--target', local(seederListening), '--leech', kind]) }))
    // A source that floods the downloader with PEERS, HAVE and errors.
    const source = flooder([])
    const sourceAt = local(await source.event('listening', 60_000))
    const out = await tempDir()
    const get = swarmdrop(['get', shared.link as string, '--out', out, '--repo', await tempDir(), '--no-dht', '--peer', sourceAt, '--seed'])
    let cpu = 0
    let rss = 0
    const sampler = setInterval(() => { cpu = cpuSeconds(get.pid) ?? cpu; rss = peakRssBytes(get.pid) ?? rss }, 100)
    try {
      // New streams and every message kind at the downloader too (it serves what it has verified,
      // then, with --seed, the finished share: it stays up, so a flood that ends was cut off by it).
      const getAt = local(await get.event('listening'))
      const atDownloader = kinds.map(kind => ({ kind, target: getAt, p: flooder(['--target', getAt, '--leech', kind]) }))
      const complete = await get.event('complete', 180_000)
      assert.deepEqual(await treeHashes(join(out, 'film')), await treeHashes(join(src, 'film')))
      const sources = complete.sources as Run['sources']
      assert.deepEqual(sources.filter(s => s.bytes > 0).map(s => s.peerId), [seederListening.peerId], 'every byte came from the honest seeder')
      await source.event('session')
      for (const f of [...atSeeder, ...atDownloader]) {
        const ended = await f.p.event('leech-flood-ended')
        const redial = await f.p.event('redial')
        const who = f.target === getAt ? 'downloader' : 'seeder'
        t.diagnostic(`${f.kind} at the ${who}: ${ended.reason as string} after ${ended.streams as number} streams, ${ended.messages as number} messages; let back in: ${String(redial.ok)}; streams refused: ${JSON.stringify(ended.streamErrors ?? {})}`)
        assert.equal(ended.reason, 'closed', `the ${who} cut the ${f.kind} flood off before its bound`)
        assert.equal(redial.ok, false, `the ${who} does not let the ${f.kind} flooder back in`)
      }
      assert.equal(get.child.exitCode, null, 'the downloader (seeding on with --seed) is still up: it was the one that cut the floods off')
    } finally {
      clearInterval(sampler)
    }
    t.diagnostic(`downloader: ${cpu.toFixed(1)} CPU-s, peak ${(rss / MiB).toFixed(0)} MiB`)
    assert.ok(cpu <= 60, `downloader CPU ${cpu.toFixed(1)} s`)
    assert.ok(rss <= 512 * MiB, `downloader peak memory ${(rss / MiB).toFixed(0)} MiB`)
  })
})
