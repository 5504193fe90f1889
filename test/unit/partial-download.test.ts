import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, readdir, readFile, rename, rm, symlink, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { HashPool } from '../../node-core/src/manifest/hash-pool.ts'
import { PARTIAL_DIR, PartialDownload } from '../../node-core/src/storage/partial-download.ts'
import { StateStore } from '../../node-core/src/storage/state-store.ts'
import { removeTemps, tempDir, treeHashes } from '../helpers/files.ts'
import { partialFixture } from '../helpers/partial-fixture.ts'
import type { PartialFixture } from '../helpers/partial-fixture.ts'

const pool = new HashPool(1)
after(async () => { await pool.close(); await removeTemps() })

const fixture = async (): Promise<PartialFixture> => await partialFixture(pool)

describe('PartialDownload', () => {
  it('two downloads into one folder can open their partial areas at the same time', async () => {
    const [f, g] = [await fixture(), await fixture()]
    for (let round = 0; round < 20; round++) {
      const out = await tempDir()
      const [d, e] = await Promise.all([PartialDownload.open(f.id, f.bytes, f.layout, out, f.store), PartialDownload.open(g.id, g.bytes, g.layout, out, g.store)])
      assert.deepEqual((await readdir(join(out, PARTIAL_DIR))).sort(), [f.id, g.id].sort())
      await d.discard()
      await e.discard()
    }
    await f.store.close()
    await g.store.close()
  })

  it('writes only verified chunks, records them durably and resumes from the record', async () => {
    const f = await fixture()
    const out = await tempDir()
    const d = await PartialDownload.open(f.id, f.bytes, f.layout, out, f.store)
    const bad = Uint8Array.from(f.chunks[1]!)
    bad[10]! ^= 1
    assert.equal(await d.writeChunk(1, bad), 'bad')
    assert.equal(await d.writeChunk(1, f.chunks[1]!.subarray(1)), 'bad', 'short chunk refused')
    assert.equal(d.have.has(1), false)
    assert.equal(await d.writeChunk(0, f.chunks[0]!), 'written')
    assert.equal(await d.writeChunk(0, f.chunks[0]!), 'duplicate')
    assert.equal(await d.writeChunk(4, f.chunks[4]!), 'written')
    assert.ok(Buffer.from(await d.readChunk(0)).equals(f.chunks[0]!))
    await assert.rejects(d.readChunk(2), { name: 'ChunkUnavailableError', message: 'chunk 2 not downloaded yet' })
    await d.close()
    await f.store.close()

    const store = await StateStore.open(f.profile)
    const again = await PartialDownload.open(f.id, f.bytes, f.layout, out, store)
    assert.deepEqual([...again.have.indices()], [0, 4])
    for (let i = 0; i < f.layout.chunkCount; i++) assert.notEqual(await again.writeChunk(i, f.chunks[i]!), 'bad')
    const files = await again.finish('pkg')
    assert.deepEqual(files.map(p => p.slice(out.length + 1)), ['pkg/a.bin', 'pkg/sub/b.bin', 'pkg/sub/empty'])
    assert.deepEqual(await treeHashes(join(out, 'pkg')), await treeHashes(f.src))
    assert.deepEqual(await readdir(out), ['pkg'], 'partial area removed')
    await store.close()
  })

  it('serves the chunks it wrote without hashing them again, and hashes a chunk restored from the record before serving it', async () => {
    const f = await fixture()
    const out = await tempDir()
    const d = await PartialDownload.open(f.id, f.bytes, f.layout, out, f.store)
    assert.equal(await d.writeChunk(0, f.chunks[0]!), 'written')
    await d.commit()
    // Damage the written chunk on disk behind the download's back.
    const part = d.partPath(0)
    const damaged = Buffer.from(await readFile(part))
    damaged[10]! ^= 1
    await writeFile(part, damaged)
    assert.equal((await d.readChunk(0))[10], damaged[10], 'verified when written: served as it is on disk, not hashed again')
    await d.close()
    await f.store.close()
    // Restored from the record by a new process: hashed on first serve, so the damage is seen.
    const store = await StateStore.open(f.profile)
    const again = await PartialDownload.open(f.id, f.bytes, f.layout, out, store)
    assert.equal(again.have.has(0), true)
    await assert.rejects(again.readChunk(0), { name: 'ChunkUnavailableError', message: 'chunk 0 on disk does not match its hash' })
    await again.close()
    await store.close()
  })

  it('forgets a garbled record and starts over instead of trusting it', async () => {
    const f = await fixture()
    await f.store.putHave(f.id, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9))
    const d = await PartialDownload.open(f.id, f.bytes, f.layout, await tempDir(), f.store)
    assert.equal(d.have.count, 0)
    await d.close()
    await f.store.close()
  })

  it('refuses to write through a symbolic link planted in the download folder', async () => {
    const f = await fixture()
    const out = await tempDir()
    const elsewhere = await tempDir()
    const d = await PartialDownload.open(f.id, f.bytes, f.layout, out, f.store)
    for (let i = 0; i < f.layout.chunkCount; i++) await d.writeChunk(i, f.chunks[i]!)
    await mkdir(join(out, 'pkg'))
    await symlink(elsewhere, join(out, 'pkg', 'sub'))
    await assert.rejects(d.finish('pkg'), /not a directory/)
    assert.deepEqual(await readdir(elsewhere), [], 'nothing written through the link')
    await f.store.close()
  })

  it('refuses a partial area that is a symbolic link', async () => {
    const f = await fixture()
    const out = await tempDir()
    await symlink(await tempDir(), join(out, PARTIAL_DIR))
    await assert.rejects(PartialDownload.open(f.id, f.bytes, f.layout, out, f.store), { code: 'unsafe-path', message: `${join(out, PARTIAL_DIR)} exists and is not a directory (a link or a file); refusing to write through it` })
    await f.store.close()
  })
  it('refuses a part file that is a symbolic link, and changes nothing through it', async () => {
    const f = await fixture()
    const out = await tempDir()
    const d = await PartialDownload.open(f.id, f.bytes, f.layout, out, f.store)
    await d.close()
    const victim = join(await tempDir(), 'victim')
    await writeFile(victim, 'precious')
    await rm(d.partPath(0))
    await symlink(victim, d.partPath(0))
    await assert.rejects(PartialDownload.open(f.id, f.bytes, f.layout, out, f.store), { code: 'unsafe-path', message: `${d.partPath(0)} is not a regular file` })
    assert.equal(await readFile(victim, 'utf8'), 'precious', 'the file behind the link is untouched')
    await f.store.close()
  })

  it('re-checks part files from disk when the record is lost, trusting only chunks that match', async () => {
    const f = await fixture()
    const out = await tempDir()
    const d = await PartialDownload.open(f.id, f.bytes, f.layout, out, f.store)
    for (const i of [0, 2, 3]) await d.writeChunk(i, f.chunks[i]!)
    await d.close()
    await f.store.close()
    await rm(join(f.profile, 'state'), { recursive: true }) // the state store is gone
    const store = await StateStore.open(f.profile)
    const again = await PartialDownload.open(f.id, f.bytes, f.layout, out, store)
    assert.deepEqual([...again.have.indices()], [0, 2, 3])
    assert.deepEqual([...(await store.getHave(f.id)) ?? []], [...again.have.bytes], 'the re-checked bitfield is recorded')
    await again.close()
    await store.close()
  })

  it('does not trust recorded chunks of a part file that was truncated', async () => {
    const f = await fixture()
    const out = await tempDir()
    const d = await PartialDownload.open(f.id, f.bytes, f.layout, out, f.store)
    for (let i = 0; i < f.layout.chunkCount; i++) await d.writeChunk(i, f.chunks[i]!)
    await d.close()
    const loc = f.layout.locate(1)
    await truncate(d.partPath(loc.fileIndex), loc.offset + 10) // chunk 1 cut short, later ones gone
    const again = await PartialDownload.open(f.id, f.bytes, f.layout, out, f.store)
    const lost = []
    for (let i = 0; i < f.layout.chunkCount; i++) if (!again.have.has(i)) lost.push(i)
    const fileChunks = []
    for (let i = 1; i < f.layout.chunkCount && f.layout.fileOf(i) === loc.fileIndex; i++) fileChunks.push(i)
    assert.deepEqual(lost, fileChunks, 'exactly the cut chunks are no longer counted')
    for (const i of again.have.indices()) assert.ok(Buffer.from(await again.readChunk(i)).equals(f.chunks[i]!))
    await again.close()
    await f.store.close()
  })

  it('finishes a download whose finish() was interrupted after moving some files', async () => {
    const f = await fixture()
    const out = await tempDir()
    const d = await PartialDownload.open(f.id, f.bytes, f.layout, out, f.store)
    for (let i = 0; i < f.layout.chunkCount; i++) await d.writeChunk(i, f.chunks[i]!)
    await d.close()
    await mkdir(join(out, 'pkg'))
    await rename(d.partPath(0), d.targetPath('pkg', 0)) // the crash came after the first rename
    const again = await PartialDownload.open(f.id, f.bytes, f.layout, out, f.store, 'pkg')
    assert.equal(again.have.complete, true)
    assert.ok(Buffer.from(await again.readChunk(0)).equals(f.chunks[0]!), 'a moved file is served from its new place')
    const files = await again.finish('pkg')
    assert.deepEqual(files.map(p => p.slice(out.length + 1)), ['pkg/a.bin', 'pkg/sub/b.bin', 'pkg/sub/empty'], 'the file moved before the crash is among the finished ones')
    assert.deepEqual(await treeHashes(join(out, 'pkg')), await treeHashes(f.src))
    assert.deepEqual(await readdir(out), ['pkg'])
    await f.store.close()
  })
  it('takes a file already at the target for a moved part only if it is the download\'s own', async () => {
    const f = await fixture()
    const out = await tempDir()
    const d = await PartialDownload.open(f.id, f.bytes, f.layout, out, f.store)
    for (let i = 0; i < f.layout.chunkCount; i++) await d.writeChunk(i, f.chunks[i]!)
    await d.close()
    await mkdir(join(out, 'pkg'))
    const target = d.targetPath('pkg', 0)
    // Someone else's file of the same size where the first file goes, and its part gone.
    const foreign = Buffer.alloc(f.layout.manifest.files[0]!.size, 7)
    await writeFile(target, foreign)
    await rm(d.partPath(0))
    await assert.rejects(PartialDownload.open(f.id, f.bytes, f.layout, out, f.store, 'pkg'), { code: 'exists', message: `${target} already exists and does not match the download; not overwriting it` })
    assert.ok((await readFile(target)).equals(foreign), 'left as it was')
    // One of another size: not taken for the part either (the part starts over), and left alone.
    await writeFile(target, foreign.subarray(0, 1000))
    const again = await PartialDownload.open(f.id, f.bytes, f.layout, out, f.store, 'pkg')
    assert.equal(again.have.has(0), false)
    assert.ok((await readFile(target)).equals(foreign.subarray(0, 1000)))
    await again.close()
    await f.store.close()
  })

  it('trusts no old record for part files that do not exist (another folder, or downloaded before)', async () => {
    const f = await fixture()
    const first = await PartialDownload.open(f.id, f.bytes, f.layout, await tempDir(), f.store)
    for (let i = 0; i < f.layout.chunkCount; i++) await first.writeChunk(i, f.chunks[i]!)
    await first.finish('pkg') // the bitfield recorded for this share is now full
    const elsewhere = await tempDir()
    const again = await PartialDownload.open(f.id, f.bytes, f.layout, elsewhere, f.store)
    assert.equal(again.have.count, 0, 'a new partial area starts empty')
    await again.close()
    await f.store.close()
  })
})
