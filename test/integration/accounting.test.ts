/**
 * Exact per-source accounting end to end: real `swarmdrop` processes over TCP on 127.0.0.1. A
 * download from three upload-capped seeders, one of them killed mid-way (chunks it sent may still
 * be under verification) and restarted on the same address with the same identity, so the
 * downloader takes it back in a new session: the `complete` line's sources sum to the file.
 */
import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { cp } from 'node:fs/promises'
import { join } from 'node:path'
import { makeTree, removeTemps, tempDir, treeHashes } from '../helpers/files.ts'
import { killAll, swarmdrop } from '../helpers/processes.ts'
import type { JsonProcess } from '../helpers/processes.ts'

const MiB = 1024 * 1024

afterEach(killAll)
after(removeTemps)

interface SourceLine { peerId: string, bytes: number, chunks: number, connected?: boolean }

async function seed (path: string, repo: string, rate: string, extra: string[] = []): Promise<{ proc: JsonProcess, link: string, peerId: string, address: string }> {
  const proc = swarmdrop(['share', path, '--repo', repo, '--no-dht', '--max-upload', rate, ...extra])
  const listening = await proc.event('listening')
  const shared = await proc.event('shared', 120_000)
  return { proc, link: shared.link as string, peerId: listening.peerId as string, address: (listening.addresses as string[])[0]! }
}

describe('per-source accounting', { timeout: 300_000 }, () => {
  it('the sources in the complete line sum to the file when a seeder is killed mid-way and comes back', async () => {
    const src = await tempDir()
    await makeTree(join(src, 'a', 'data'), { 'x.bin': 32 * MiB + 12345, 'y.bin': 777 })
    await cp(join(src, 'a', 'data'), join(src, 'b', 'data'), { recursive: true })
    await cp(join(src, 'a', 'data'), join(src, 'c', 'data'), { recursive: true })
    const repoA = await tempDir('swarmdrop-repo-')
    // The other two are slow: the download is still running when the killed one is back (its
    // restart and the downloader's back-off between redials take a while on a busy machine).
    const a = await seed(join(src, 'a', 'data'), repoA, '4MiB')
    const b = await seed(join(src, 'b', 'data'), await tempDir('swarmdrop-repo-'), '256KiB')
    const c = await seed(join(src, 'c', 'data'), await tempDir('swarmdrop-repo-'), '256KiB')
    const out = await tempDir()
    const get = swarmdrop(['get', a.link, '--out', out, '--repo', await tempDir('swarmdrop-repo-'), '--allow-private', '--no-dht', '--peer', b.address, '--peer', c.address])
    // Killed once it has delivered something (its chunks keep arriving up to the kill).
    const fromA = (l: Record<string, unknown>): number => (l.sources as SourceLine[] | undefined)?.find(s => s.peerId === a.peerId)?.bytes ?? 0
    const before = await get.waitFor(l => l.event === 'progress' && fromA(l) > 2 * MiB && (l.verifiedBytes as number) > 6 * MiB)
    await a.proc.kill('SIGKILL')
    // Back on the same address (its port plus a fresh one), with the same identity: the downloader redials it.
    const port = a.address.split('/tcp/')[1]!.split('/')[0]!
    const again = await seed(join(src, 'a', 'data'), repoA, '4MiB', ['--listen', `/ip4/127.0.0.1/tcp/${port}`])
    assert.equal(again.peerId, a.peerId)
    await get.waitFor(l => l.event === 'progress' && get.lines.indexOf(l) > get.lines.indexOf(before) &&
      (l.sources as SourceLine[]).some(s => s.peerId === a.peerId && s.connected === true) &&
      fromA(l) > fromA(before), 120_000)
    const complete = await get.event('complete', 240_000)
    assert.equal(await get.exited, 0)
    assert.deepEqual(await treeHashes(join(out, 'data')), await treeHashes(join(src, 'a', 'data')))
    const sources = complete.sources as SourceLine[]
    const sum = sources.reduce((s, x) => s + x.bytes, 0)
    assert.equal(complete.earlierBytes, 0, 'nothing was on disk when the download began')
    assert.equal(sum, complete.bytes, `sources ${JSON.stringify(sources.map(s => [s.peerId.slice(-6), s.bytes]))} sum to the file`)
    assert.equal(new Set(sources.map(s => s.peerId)).size, sources.length, 'one entry per peer, its sessions summed')
    for (const s of [a, b, c]) assert.ok((sources.find(x => x.peerId === s.peerId)?.bytes ?? 0) > 0, `seeder ${s.peerId} delivered`)
  })
})
