/**
 * The swarm engine end to end: real `swarmdrop` processes over real TCP on 127.0.0.1, real
 * profile folders, real files. Each test starts its processes and kills them (by PID) after.
 */
import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { cp, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { makeTree, removeTemps, tempDir, treeHashes } from '../helpers/files.ts'
import { JsonProcess, killAll, swarmdrop } from '../helpers/processes.ts'

const MiB = 1024 * 1024

afterEach(killAll)
after(removeTemps)

interface Seeder { proc: JsonProcess, link: string, shareId: string, peerId: string, addresses: string[] }

async function seed (path: string, extra: string[] = []): Promise<Seeder> {
  const repo = await tempDir('swarmdrop-repo-')
  const proc = swarmdrop(['share', path, '--repo', repo, ...extra])
  const listening = await proc.event('listening')
  const shared = await proc.event('shared', 120_000)
  return { proc, link: shared.link as string, shareId: shared.shareId as string, peerId: listening.peerId as string, addresses: listening.addresses as string[] }
}

function get (link: string, out: string, extra: string[] = [], repo?: string): Promise<{ proc: JsonProcess, repo: string }> {
  return (async () => {
    const r = repo ?? await tempDir('swarmdrop-repo-')
    return { proc: swarmdrop(['get', link, '--out', out, '--repo', r, '--allow-private', ...extra]), repo: r }
  })()
}

type SourceLine = { peerId: string, bytes: number, badChunks: number }

describe('swarm engine', { timeout: 300_000 }, () => {
  it('downloads a folder from one seeder byte-identical (nested folders, empty files, odd sizes, 200 MiB)', async () => {
    const src = await tempDir()
    const folder = join(src, 'album')
    await makeTree(folder, {
      'big.bin': 200 * MiB,
      'a/b/c/deep.txt': 12_345,
      'a/empty.txt': 0,
      'empty-top': 0,
      'odd.bin': 3 * MiB + 17,
      'a/b/ünïcode name.txt': 999
    })
    const seeder = await seed(folder)
    const out = await tempDir()
    const { proc } = await get(seeder.link, out)
    const complete = await proc.event('complete', 240_000)
    assert.equal(await proc.exited, 0)
    assert.deepEqual(await treeHashes(join(out, 'album')), await treeHashes(folder))
    assert.deepEqual(await readdir(out), ['album'], 'nothing but the download is left in the folder')
    const files = complete.files as Array<{ path: string, sha256: string }>
    assert.equal(files.length, 6)
    const sources = complete.sources as SourceLine[]
    assert.equal(sources.length, 1)
    assert.equal(sources[0]!.peerId, seeder.peerId)
  })

  it('takes bytes from all of four upload-capped seeders', async () => {
    const src = await tempDir()
    await makeTree(join(src, 'one', 'data'), { 'x.bin': 24 * MiB })
    const seeders: Seeder[] = []
    for (let i = 0; i < 4; i++) {
      const copy = join(src, `copy${i}`, 'data')
      await cp(join(src, 'one', 'data'), copy, { recursive: true })
      seeders.push(await seed(copy, ['--max-upload', '3MiB']))
    }
    assert.equal(new Set(seeders.map(s => s.shareId)).size, 1, 'identical content gives one share ID')
    const out = await tempDir()
    const { proc } = await get(seeders[0]!.link, out, seeders.slice(1).flatMap(s => ['--peer', s.addresses[0]!]))
    const complete = await proc.event('complete', 120_000)
    assert.deepEqual(await treeHashes(join(out, 'data')), await treeHashes(join(src, 'one', 'data')))
    const sources = complete.sources as SourceLine[]
    for (const s of seeders) {
      const got = sources.find(x => x.peerId === s.peerId)?.bytes ?? 0
      assert.ok(got > 1 * MiB, `seeder ${s.peerId} delivered ${got} bytes`)
    }
  })

  it('lets six downloaders started together serve each other, so the capped origin uploads under 2x the share', async (t) => {
    const src = await tempDir()
    const folder = join(src, 'crowd')
    await makeTree(folder, { 'f.bin': 24 * MiB })
    const origin = await seed(folder, ['--max-upload', '6MiB'])
    const outs: string[] = []
    const procs: JsonProcess[] = []
    for (let i = 0; i < 6; i++) {
      const out = await tempDir()
      outs.push(out)
      procs.push((await get(origin.link, out, ['--seed'])).proc)
    }
    const completes = await Promise.all(procs.map(p => p.event('complete', 180_000)))
    const expected = await treeHashes(folder)
    for (const out of outs) assert.deepEqual(await treeHashes(join(out, 'crowd')), expected)
    let fromOrigin = 0
    let fromPeers = 0
    for (const c of completes) {
      for (const s of c.sources as SourceLine[]) {
        if (s.peerId === origin.peerId) fromOrigin += s.bytes
        else fromPeers += s.bytes
      }
    }
    t.diagnostic(`origin uploaded ${(fromOrigin / (24 * MiB)).toFixed(2)}x the share; peers delivered ${(fromPeers / (6 * 24 * MiB) * 100).toFixed(0)}% of all bytes`)
    assert.ok(fromPeers > 0, 'downloaders got chunks from each other')
    assert.ok(fromOrigin < 2 * 24 * MiB, `the origin uploaded ${fromOrigin} bytes for a ${24 * MiB}-byte share`)
  })

  it('completes from the remaining seeder when one is killed mid-transfer', async () => {
    const src = await tempDir()
    await makeTree(join(src, 'a', 'data'), { 'x.bin': 16 * MiB })
    await cp(join(src, 'a', 'data'), join(src, 'b', 'data'), { recursive: true })
    const s1 = await seed(join(src, 'a', 'data'), ['--max-upload', '2MiB'])
    const s2 = await seed(join(src, 'b', 'data'), ['--max-upload', '2MiB'])
    const out = await tempDir()
    const { proc } = await get(s1.link, out, ['--peer', s2.addresses[0]!])
    await proc.waitFor(l => l.event === 'progress' && (l.verifiedBytes as number) > 2 * MiB)
    await s1.proc.kill('SIGKILL')
    await proc.event('complete', 120_000)
    assert.equal(await proc.exited, 0)
    assert.deepEqual(await treeHashes(join(out, 'data')), await treeHashes(join(src, 'a', 'data')))
  })

  it('survives SIGKILL of the downloader several times and does not fetch recorded chunks again', async () => {
    const src = await tempDir()
    const folder = join(src, 'resume')
    await makeTree(folder, { 'x.bin': 24 * MiB, 'y/z.bin': 5 * MiB + 3 })
    const seeder = await seed(folder, ['--max-upload', '8MiB'])
    const out = await tempDir()
    const repo = await tempDir('swarmdrop-repo-')
    let lastVerified = 0
    for (let round = 0; round < 3; round++) {
      const { proc } = await get(seeder.link, out, [], repo)
      const first = await proc.waitFor(l => l.event === 'progress' && typeof l.chunkCount === 'number')
      if (round > 0) assert.ok((first.verifiedBytes as number) > 0 && (first.verifiedBytes as number) <= lastVerified, `round ${round} resumed from recorded chunks`)
      const target = (round + 1) * 6 * MiB
      const seen = await proc.waitFor(l => l.event === 'progress' && (l.verifiedBytes as number) > target)
      lastVerified = seen.verifiedBytes as number
      await proc.kill('SIGKILL')
    }
    const { proc } = await get(seeder.link, out, [], repo)
    const first = await proc.waitFor(l => l.event === 'progress' && typeof l.chunkCount === 'number')
    const resumedFrom = first.verifiedBytes as number
    assert.ok(resumedFrom > 0)
    const complete = await proc.event('complete', 120_000)
    assert.deepEqual(await treeHashes(join(out, 'resume')), await treeHashes(folder))
    const fetched = (complete.sources as SourceLine[]).reduce((s, x) => s + x.bytes, 0)
    assert.equal(fetched, (complete.bytes as number) - resumedFrom, 'the last run fetched exactly what was not recorded')
  })
})
