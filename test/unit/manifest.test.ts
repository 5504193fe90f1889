import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFile, symlink, writeFile, utimes } from 'node:fs/promises'
import { join } from 'node:path'
import * as dagCbor from '@ipld/dag-cbor'
import { buildShare, chooseChunkSize, walkShare } from '../../node-core/src/manifest/builder.ts'
import { decodeManifest, encodeManifest, shareIdOf } from '../../node-core/src/manifest/codec.ts'
import { HashPool } from '../../node-core/src/manifest/hash-pool.ts'
import { ManifestLayout } from '../../node-core/src/manifest/layout.ts'
import { makeTree, removeTemps, tempDir } from '../helpers/files.ts'

const pool = new HashPool(2)
after(async () => { await pool.close(); await removeTemps() })

describe('manifest', () => {
  it('chooses a power-of-two chunk size between 64 KiB and 1 MiB', () => {
    assert.equal(chooseChunkSize(0), 64 * 1024)
    assert.equal(chooseChunkSize(200 * 1024 * 1024), 256 * 1024)
    assert.equal(chooseChunkSize(10 * 2 ** 30), 1024 * 1024)
    for (const size of [1, 1e6, 1e8, 1e10, 1e13]) {
      const c = chooseChunkSize(size)
      assert.equal(c & (c - 1), 0)
    }
  })

  it('hashes every chunk of every file, file-aligned, in worker threads', async () => {
    const dir = await tempDir()
    await makeTree(join(dir, 'share'), { 'b.bin': 300_000, 'a/x.bin': 65_536, 'a/empty': 0, 'c.txt': 5 })
    const built = await buildShare(join(dir, 'share'), pool)
    const m = built.manifest
    assert.equal(m.name, 'share')
    assert.equal(m.chunkSize, 64 * 1024)
    assert.deepEqual(m.files.map(f => f.path), ['share/a/empty', 'share/a/x.bin', 'share/b.bin', 'share/c.txt'])
    const layout = new ManifestLayout(m)
    assert.equal(layout.chunkCount, 0 + 1 + 5 + 1)
    // Every hash matches the bytes at the location the layout gives.
    for (let i = 0; i < layout.chunkCount; i++) {
      const loc = layout.locate(i)
      const bytes = (await readFile(built.files[loc.fileIndex]!.absolutePath)).subarray(loc.offset, loc.offset + loc.length)
      assert.deepEqual(layout.hashOf(i), new Uint8Array(createHash('sha256').update(bytes).digest()))
    }
    assert.equal(layout.locate(5).length, 300_000 - 4 * 65_536)
    assert.equal(layout.fileOf(6), 3)
  })

  it('gives the same share ID for the same content, wherever and whenever it lies', async () => {
    const dir = await tempDir()
    await makeTree(join(dir, 'one', 'same'), { 'f.bin': 100_000, 'g/h': 10 })
    const a = await buildShare(join(dir, 'one', 'same'), pool)
    const { cp } = await import('node:fs/promises')
    await cp(join(dir, 'one', 'same'), join(dir, 'two', 'same'), { recursive: true })
    await utimes(join(dir, 'two', 'same', 'f.bin'), new Date(2001, 1, 1), new Date(2001, 1, 1))
    const b = await buildShare(join(dir, 'two', 'same'), pool)
    assert.equal(await shareIdOf(encodeManifest(a.manifest)), await shareIdOf(encodeManifest(b.manifest)))
    await writeFile(join(dir, 'two', 'same', 'g', 'h'), '0123456789'.replace('0', 'x'))
    const c = await buildShare(join(dir, 'two', 'same'), pool)
    assert.notEqual(await shareIdOf(encodeManifest(a.manifest)), await shareIdOf(encodeManifest(c.manifest)))
  })

  it('skips symbolic links when walking a folder', async () => {
    const dir = await tempDir()
    await makeTree(join(dir, 's'), { real: 3 })
    await symlink('/etc/passwd', join(dir, 's', 'link'))
    assert.deepEqual((await walkShare(join(dir, 's'))).map(f => f.path), ['s/real'])
  })

  it('decodes only bytes that hash to the expected share ID', async () => {
    const dir = await tempDir()
    await makeTree(join(dir, 'q'), { x: 10 })
    const bytes = encodeManifest((await buildShare(join(dir, 'q'), pool)).manifest)
    const id = await shareIdOf(bytes)
    assert.equal((await decodeManifest(bytes, id)).name, 'q')
    const tampered = Uint8Array.from(bytes)
    tampered[tampered.length - 1]! ^= 1
    await assert.rejects(decodeManifest(tampered, id), { name: 'InvalidManifestError' })
    await assert.rejects(decodeManifest(Uint8Array.of(0xff, 0x00)), { name: 'InvalidManifestError' })
    const evil = dagCbor.encode({ version: 1, name: 'q', chunkSize: 65536, files: [{ path: 'q/../../x', size: 1 }], hashes: new Uint8Array(32) })
    await assert.rejects(decodeManifest(evil, await shareIdOf(evil)), { name: 'InvalidManifestError' })
  })
})
