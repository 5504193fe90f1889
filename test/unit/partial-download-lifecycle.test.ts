/**
 * PartialDownload beyond writing and resuming (partial-download.test.ts): when verified chunks are
 * recorded, what close(), finish() and discard() do at their edges, listeners, and the free-space
 * check. The recording tests count the state store's writes under node:test's fake timers.
 */
import { after, describe, it } from 'node:test'
import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdir, readdir, readFile, rename, rm, stat, statfs, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { encodeManifest } from '../../node-core/src/manifest/codec.ts'
import { HashPool } from '../../node-core/src/manifest/hash-pool.ts'
import { ManifestLayout } from '../../node-core/src/manifest/layout.ts'
import { PARTIAL_DIR, PartialDownload } from '../../node-core/src/storage/partial-download.ts'
import { Bitfield } from '../../node-core/src/storage/bitfield.ts'
import type { StateStore } from '../../node-core/src/storage/state-store.ts'
import { removeTemps, tempDir, treeHashes } from '../helpers/files.ts'
import { partialFixture } from '../helpers/partial-fixture.ts'
import type { PartialFixture } from '../helpers/partial-fixture.ts'

const pool = new HashPool(1)
after(async () => { await pool.close(); await removeTemps() })

/** The state store with its bitfield writes counted; the first `failing` of them fail. */
function counted (store: StateStore, failing = 0): { store: StateStore, puts: () => number } {
  let puts = 0
  const wrapper = {
    getHave: async (shareId: string) => await store.getHave(shareId),
    putHave: async (shareId: string, bits: Uint8Array) => {
      puts++
      if (failing-- > 0) throw new Error('disk full')
      await store.putHave(shareId, bits)
    }
  }
  return { store: wrapper as unknown as StateStore, puts: () => puts }
}

/** Yields to real I/O until `done()`, for at most 30 s (timers are faked in these tests). */
async function until (done: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise(resolve => setImmediate(resolve))
  }
}

async function recorded (f: PartialFixture): Promise<number[]> {
  const bits = await f.store.getHave(f.id)
  return bits == null ? [] : [...new Bitfield(f.layout.chunkCount, bits).indices()]
}

/** A new download of a fresh fixture, its store's bitfield writes counted (the first `failing` fail). */
async function openCounted (failing = 0): Promise<{ f: PartialFixture, d: PartialDownload, puts: () => number }> {
  const f = await partialFixture(pool)
  const c = counted(f.store, failing)
  return { f, d: await PartialDownload.open(f.id, f.bytes, f.layout, await tempDir(), c.store), puts: c.puts }
}

async function complete (f: PartialFixture, out: string, store: StateStore = f.store, targetName: string | null = null): Promise<PartialDownload> {
  const d = await PartialDownload.open(f.id, f.bytes, f.layout, out, store, targetName)
  for (let i = 0; i < f.layout.chunkCount; i++) assert.equal(await d.writeChunk(i, f.chunks[i]!), 'written')
  return d
}

describe('PartialDownload: recording verified chunks', () => {
  it('records written chunks once per interval, not once per chunk, and close() records the rest', async (t: TestContext) => {
    t.mock.timers.enable({ apis: ['setTimeout'] })
    const { f, d, puts } = await openCounted()
    assert.equal(puts(), 0, 'opening a new download records nothing')
    for (const i of [0, 1, 2]) await d.writeChunk(i, f.chunks[i]!)
    t.mock.timers.tick(249)
    assert.equal(puts(), 0, 'nothing recorded before the interval ends')
    t.mock.timers.tick(1)
    await until(() => puts() >= 1)
    await d.commit() // queued after every commit already started
    assert.equal(puts(), 2, 'one commit for the three chunks, then ours')
    assert.deepEqual(await recorded(f), [0, 1, 2])

    await d.writeChunk(3, f.chunks[3]!)
    await d.close()
    assert.equal(puts(), 3, 'close() records the chunk written since')
    assert.deepEqual(await recorded(f), [0, 1, 2, 3])
    t.mock.timers.tick(250)
    await d.commit()
    assert.equal(puts(), 4, 'the commit close() cancelled never runs')
    await f.store.close()
  })

  it('close() records nothing when every written chunk is recorded', async (t: TestContext) => {
    t.mock.timers.enable({ apis: ['setTimeout'] })
    const { f, d, puts } = await openCounted()
    await d.writeChunk(0, f.chunks[0]!)
    await d.commit()
    await d.close()
    assert.equal(puts(), 1)
    await d.close()
    assert.equal(puts(), 1, 'a second close() does nothing')
    await f.store.close()
  })

  it('a failed commit rejects, and its chunks are recorded by the next one', async (t: TestContext) => {
    t.mock.timers.enable({ apis: ['setTimeout'] })
    const { f, d, puts } = await openCounted(1)
    await d.writeChunk(0, f.chunks[0]!)
    await assert.rejects(d.commit(), /disk full/)
    assert.deepEqual(await recorded(f), [])
    await d.close()
    assert.equal(puts(), 2, 'close() commits again what the failed commit left')
    assert.deepEqual(await recorded(f), [0])
    await f.store.close()
  })
})

describe('PartialDownload: writing', () => {
  it('tells each listener of every chunk written until it unsubscribes, with no listener limit', async () => {
    const warnings: Error[] = []
    const onWarning = (w: Error): void => { warnings.push(w) }
    process.on('warning', onWarning)
    try {
      const f = await partialFixture(pool)
      const d = await PartialDownload.open(f.id, f.bytes, f.layout, await tempDir(), f.store)
      const heard: number[][] = []
      const offs = Array.from({ length: 20 }, (_, n) => { heard[n] = []; return d.onHave(i => heard[n]!.push(i)) })
      await d.writeChunk(0, f.chunks[0]!)
      for (const off of offs) off()
      await d.writeChunk(1, f.chunks[1]!)
      assert.deepEqual(heard, Array.from({ length: 20 }, () => [0]))
      await new Promise(resolve => setImmediate(resolve))
      assert.deepEqual(warnings.map(w => w.name), [], 'no MaxListenersExceededWarning')
      await d.close()
      await f.store.close()
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('writes a chunk arriving twice at once only once, and a failed write can be tried again', async () => {
    const f = await partialFixture(pool)
    const d = await PartialDownload.open(f.id, f.bytes, f.layout, await tempDir(), f.store)
    assert.deepEqual((await Promise.all([d.writeChunk(0, f.chunks[0]!), d.writeChunk(0, f.chunks[0]!)])).sort(), ['duplicate', 'written'])
    const first = f.layout.firstChunk[1]! // sub/b.bin: its part file is not open yet
    await rm(d.partPath(1))
    await assert.rejects(d.writeChunk(first, f.chunks[first]!), { code: 'ENOENT' })
    assert.equal(d.have.has(first), false)
    await writeFile(d.partPath(1), Buffer.alloc(f.layout.manifest.files[1]!.size))
    assert.equal(await d.writeChunk(first, f.chunks[first]!), 'written', 'not left marked as being written')
    await d.close()
    await f.store.close()
  })

  it('counts the bytes still missing', async () => {
    const f = await partialFixture(pool)
    const d = await PartialDownload.open(f.id, f.bytes, f.layout, await tempDir(), f.store)
    assert.equal(d.remainingBytes, 270_000)
    await d.writeChunk(0, f.chunks[0]!)
    await d.writeChunk(5, f.chunks[5]!)
    assert.equal(d.remainingBytes, 270_000 - f.chunks[0]!.byteLength - f.chunks[5]!.byteLength)
    await d.close()
    await f.store.close()
  })
})

describe('PartialDownload: opening', () => {
  it('starts a download only if the disk holds what is missing and 16 MiB more', async () => {
    const small = await tempDir()
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', small]) // CI runs as root
    try {
      const f = await partialFixture(pool)
      const s = await statfs(small)
      const free = Number(s.bavail) * Number(s.bsize)
      const shareOf = (size: number): { bytes: Uint8Array, layout: ManifestLayout } => {
        const chunkSize = 1 << 20
        const manifest = { version: 1 as const, name: 'big.bin', chunkSize, files: [{ path: 'big.bin', size }], hashes: new Uint8Array(32 * Math.ceil(size / chunkSize)) }
        return { bytes: encodeManifest(manifest), layout: new ManifestLayout(manifest) }
      }
      const over = shareOf(free - 16 * 1024 * 1024 + 1)
      await assert.rejects(PartialDownload.open(f.id, over.bytes, over.layout, small, f.store), {
        name: 'InsufficientSpaceError', code: 'no-space', message: `not enough free space in ${small}: ${free} bytes free, ${free + 1} needed`
      })
      assert.deepEqual(await readdir(small), [], 'nothing created')
      const fits = shareOf(free - 16 * 1024 * 1024)
      const d = await PartialDownload.open(f.id, fits.bytes, fits.layout, small, f.store)
      assert.equal((await stat(d.partPath(0))).size, free - 16 * 1024 * 1024, 'the part file is made at full size (sparse)')
      await d.discard()
      await f.store.close()
    } finally {
      execFileSync('umount', [small])
    }
  })

  it('uses its part file even when a file of the same size is where the finished one goes', async () => {
    const f = await partialFixture(pool)
    const out = await tempDir()
    const d = await PartialDownload.open(f.id, f.bytes, f.layout, out, f.store, 'pkg') // nothing at the target yet
    await d.writeChunk(0, f.chunks[0]!)
    await d.close()
    await mkdir(join(out, 'pkg'))
    const foreign = Buffer.alloc(f.layout.manifest.files[0]!.size, 7)
    await writeFile(d.targetPath('pkg', 0), foreign)
    const again = await PartialDownload.open(f.id, f.bytes, f.layout, out, f.store, 'pkg')
    assert.deepEqual([...again.have.indices()], [0])
    assert.ok(Buffer.from(await again.readChunk(0)).equals(f.chunks[0]!), 'served from the part file')
    assert.ok((await readFile(d.targetPath('pkg', 0))).equals(foreign), 'left as it was')
    await again.close()
    await f.store.close()
  })

  it('takes a file moved into place before a crash by its own chunks, whatever the next file lacks', async () => {
    const f = await partialFixture(pool)
    const out = await tempDir()
    const d = await complete(f, out)
    await d.close()
    await mkdir(join(out, 'pkg'))
    await rename(d.partPath(0), d.targetPath('pkg', 0)) // the crash came after the first rename
    await truncate(d.partPath(1), 0) // sub/b.bin damaged: re-checked, its chunks lost
    const again = await PartialDownload.open(f.id, f.bytes, f.layout, out, f.store, 'pkg')
    const second = f.layout.firstChunk[1]!
    assert.deepEqual([...again.have.indices()], [...Array(second).keys()])
    await again.close()
    await f.store.close()
  })
})

describe('PartialDownload: finishing and discarding', () => {
  it('refuses to finish an incomplete download, and moves nothing', async () => {
    const f = await partialFixture(pool)
    const out = await tempDir()
    const d = await PartialDownload.open(f.id, f.bytes, f.layout, out, f.store)
    await d.writeChunk(0, f.chunks[0]!)
    await assert.rejects(d.finish('pkg'), { code: 'internal', message: 'download is not complete' })
    assert.deepEqual(await readdir(out), [PARTIAL_DIR])
    await d.close()
    await f.store.close()
  })

  it('never replaces a file already where a folder share\'s file goes, even an empty one', async () => {
    const f = await partialFixture(pool)
    const out = await tempDir()
    const d = await complete(f, out)
    await mkdir(join(out, 'pkg'))
    const target = d.targetPath('pkg', 0)
    await writeFile(target, 'mine')
    await assert.rejects(d.finish('pkg'), { code: 'exists', message: `${target} already exists; not overwriting it` })
    assert.equal(await readFile(target, 'utf8'), 'mine')
    await writeFile(target, '')
    await assert.rejects(d.finish('pkg', true), { code: 'exists' }, 'only a single file\'s reserved placeholder is replaced')
    assert.equal((await stat(target)).size, 0)
    await rm(target)
    await d.finish('pkg') // tried again once the way is clear
    assert.deepEqual(await treeHashes(join(out, 'pkg')), await treeHashes(f.src))
    await f.store.close()
  })

  it('replaces a single file\'s empty placeholder only when it reserved it', async () => {
    const f = await partialFixture(pool, true)
    const out = await tempDir()
    const d = await complete(f, out)
    const target = join(out, 'one.bin')
    await writeFile(target, '')
    await assert.rejects(d.finish('one.bin'), { code: 'exists' }, 'an empty file it did not reserve')
    await writeFile(target, 'x')
    await assert.rejects(d.finish('one.bin', true), { code: 'exists' }, 'reserved, but written to since')
    await rm(target)
    execFileSync('mkfifo', [target])
    await assert.rejects(d.finish('one.bin', true), { code: 'exists' }, 'reserved, but now a FIFO (size 0, not a file)')
    await rm(target)
    await writeFile(target, '')
    assert.deepEqual(await d.finish('one.bin', true), [target])
    assert.ok((await readFile(target)).equals(await readFile(f.src)))
    assert.deepEqual(await readdir(out), ['one.bin'])
    await f.store.close()
  })

  it('fails to finish when a part file has vanished, rather than report it finished', async () => {
    const f = await partialFixture(pool)
    const out = await tempDir()
    const d = await complete(f, out)
    await rm(d.partPath(2)) // sub/empty
    await assert.rejects(d.finish('pkg'), { code: 'ENOENT' })
    await f.store.close()
  })

  it('passes on the file system\'s own error for a name it cannot hold', async () => {
    const f = await partialFixture(pool)
    const d = await complete(f, await tempDir())
    await assert.rejects(d.finish('n'.repeat(300)), { code: 'ENAMETOOLONG' })
    await f.store.close()
  })

  it('leaves the shared partial folder to a download still using it', async () => {
    const [f, g] = [await partialFixture(pool), await partialFixture(pool)]
    const out = await tempDir()
    const d = await complete(f, out)
    const e = await PartialDownload.open(g.id, g.bytes, g.layout, out, g.store)
    await d.finish('pkg')
    assert.deepEqual(await readdir(join(out, PARTIAL_DIR)), [g.id])
    await e.discard()
    await e.discard() // a second discard finds nothing to delete
    assert.deepEqual(await readdir(join(out, PARTIAL_DIR)), [])
    await f.store.close()
    await g.store.close()
  })
})
