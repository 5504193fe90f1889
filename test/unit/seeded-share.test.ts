import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { appendFile, open, rm, stat, utimes } from 'node:fs/promises'
import { join } from 'node:path'
import { buildShare } from '../../node-core/src/manifest/builder.ts'
import { encodeManifest, shareIdOf } from '../../node-core/src/manifest/codec.ts'
import { HashPool } from '../../node-core/src/manifest/hash-pool.ts'
import { ManifestLayout } from '../../node-core/src/manifest/layout.ts'
import { SeededShare } from '../../node-core/src/storage/seeded-share.ts'
import type { SeededShareOptions } from '../../node-core/src/storage/seeded-share.ts'
import { makeTree, removeTemps, tempDir } from '../helpers/files.ts'

const pool = new HashPool(1)
after(async () => { await pool.close(); await removeTemps() })

async function seeded (options: SeededShareOptions = {}, beforeBuild?: (dir: string) => Promise<void>): Promise<{ share: SeededShare, dir: string }> {
  const dir = join(await tempDir(), 's')
  await makeTree(dir, { 'a.bin': 200_000, 'b.bin': 1000 })
  await beforeBuild?.(dir)
  const built = await buildShare(dir, pool)
  const bytes = encodeManifest(built.manifest)
  const shareId = await shareIdOf(bytes)
  const record = { shareId, root: dir, files: built.files.map(f => ({ absolutePath: f.absolutePath, size: f.size, mtimeMs: f.mtimeMs })), addedAt: 0 }
  return { share: new SeededShare(record, bytes, new ManifestLayout(built.manifest), options), dir }
}

/** Flips one byte of a file in place. */
async function flipByte (path: string, at: number): Promise<void> {
  const fh = await open(path, 'r+')
  const byte = Buffer.alloc(1)
  await fh.read(byte, 0, 1, at)
  byte[0]! ^= 0xff
  await fh.write(byte, 0, 1, at)
  await fh.close()
}

describe('SeededShare', () => {
  it('serves verified chunks from the files in place', async () => {
    const { share } = await seeded()
    for (let i = 0; i < share.layout.chunkCount; i++) assert.equal((await share.readChunk(i)).length, share.layout.chunkLength(i))
    assert.equal(share.changed, null)
    await share.close()
  })

  it('stops serving a chunk whose bytes changed even when size and mtime match the record', async () => {
    const { share, dir } = await seeded()
    const path = join(dir, 'a.bin')
    const fh = await open(path, 'r+')
    const byte = Buffer.alloc(1)
    await fh.read(byte, 0, 1, 70_000)
    byte[0]! ^= 0xff
    await fh.write(byte, 0, 1, 70_000)
    await fh.close()
    // Record the file's new size and mtime, so only the hash check can notice the change.
    const s = await stat(path)
    const record = { ...share.record, files: share.record.files.map(f => f.absolutePath === path ? { ...f, size: s.size, mtimeMs: s.mtimeMs } : f) }
    const stale = new SeededShare(record, share.manifestBytes, share.layout)
    const reasons: string[] = []
    stale.onChanged(r => reasons.push(r))
    await assert.rejects(stale.readChunk(1), { name: 'ChunkUnavailableError' })
    assert.match(String(stale.changed), /no longer matches/)
    await assert.rejects(stale.readChunk(0), { name: 'ChunkUnavailableError' }, 'nothing more is served from a changed share')
    assert.equal(reasons.length, 1)
    await share.close()
    await stale.close()
  })

  it('hashes a chunk once per version of its file: bytes rewritten under the same size and mtime are noticed at the next stat, by the ctime', async () => {
    let now = 0
    const fixed = new Date(2020, 0, 1) // whole seconds: set again exactly after the rewrite
    const { share, dir } = await seeded({ statTtlMs: 1000, now: () => now }, async d => { await utimes(join(d, 'a.bin'), fixed, fixed) })
    const path = join(dir, 'a.bin')
    const first = Buffer.from(await share.readChunk(1)) // stat, hash: intact
    const ctime = (await stat(path)).ctimeMs
    await flipByte(path, 70_000) // in chunk 1 (64 KiB chunks)
    await utimes(path, fixed, fixed)
    // The kernel's ctime clock is coarse: touch again until it moved (a change in the same tick could go unseen).
    while ((await stat(path)).ctimeMs === ctime) { await new Promise(resolve => setTimeout(resolve, 5)); await utimes(path, fixed, fixed) }
    now = 500 // within the stat's time to live: served as verified, without hashing it again
    const second = Buffer.from(await share.readChunk(1))
    assert.notEqual(second.compare(first), 0, 'the rewritten bytes were served: the chunk was not hashed again')
    assert.equal(share.changed, null)
    now = 1500 // the next stat sees the ctime move: the chunk is hashed again and found changed
    await assert.rejects(share.readChunk(1), { name: 'ChunkUnavailableError' })
    assert.match(String(share.changed), /no longer matches/)
    await share.close()
  })

  it('stops serving when a file changed size or mtime', async () => {
    const { share, dir } = await seeded()
    const path = join(dir, 'a.bin')
    await utimes(path, new Date(2001, 0, 1), new Date(2001, 0, 1))
    await assert.rejects(share.readChunk(0), /changed on disk/)
    await share.close()
  })

  it('notices a file that grew or was removed', async () => {
    const grown = await seeded()
    await appendFile(join(grown.dir, 'b.bin'), 'x')
    await assert.rejects(grown.share.readChunk(grown.share.layout.chunkCount - 1), /changed on disk/)
    await grown.share.close()
    const removed = await seeded()
    await rm(join(removed.dir, 'a.bin'))
    await assert.rejects(removed.share.readChunk(0), /removed/)
    await removed.share.close()
  })
})
