/**
 * Files over 4 GiB: offsets and sizes stay exact above 2^32 in the manifest codec, the layout,
 * the seeded-share reader and the partial-download writer, reader and resume. Uses a real sparse
 * file of 4.5 GiB + 12,345 bytes (a few MiB on disk) with non-zero bytes straddling 2^32; the
 * full transfer of such a file is `npm run bench:large-file` (too slow for npm test).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdir, open, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chooseChunkSize } from '../../node-core/src/manifest/builder.ts'
import { decodeManifest, encodeManifest, shareIdOf } from '../../node-core/src/manifest/codec.ts'
import { ManifestLayout } from '../../node-core/src/manifest/layout.ts'
import { PartialDownload } from '../../node-core/src/storage/partial-download.ts'
import { SeededShare } from '../../node-core/src/storage/seeded-share.ts'
import { StateStore } from '../../node-core/src/storage/state-store.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'
import type { Manifest } from '../../node-core/src/manifest/types.ts'

const TWO_32 = 2 ** 32
const SIZE = 4.5 * 2 ** 30 + 12_345
/** Non-zero regions of the sparse file: [offset, length]. */
const REGIONS = [[TWO_32 - 1000, 2000], [TWO_32 + 2 ** 20 + 7, 5000], [SIZE - 777, 777]] as const

let dir: string
let huge: string
let small: string
let manifest: Manifest
let layout: ManifestLayout
let manifestBytes: Uint8Array
let shareId: string

async function readAt (path: string, position: number, length: number): Promise<Buffer> {
  const fh = await open(path, 'r')
  try {
    const buf = Buffer.alloc(length)
    const { bytesRead } = await fh.read(buf, 0, length, position)
    assert.equal(bytesRead, length)
    return buf
  } finally {
    await fh.close()
  }
}

const sha = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest()

before(async () => {
  dir = await tempDir()
  await mkdir(join(dir, 'big'))
  huge = join(dir, 'big', 'huge.bin')
  small = join(dir, 'big', 'small.txt')
  const fh = await open(huge, 'w')
  try {
    await fh.truncate(SIZE)
    for (const [at, n] of REGIONS) await fh.write(Buffer.alloc(n, (at % 251) + 1), 0, n, at)
  } finally {
    await fh.close()
  }
  await writeFile(small, Buffer.alloc(1000, 7))
  const chunkSize = chooseChunkSize(SIZE + 1000)
  // Hash the chunks cheaply: a chunk that touches no non-zero region is all zeros.
  const zero = new Map<number, Buffer>()
  const hashes: Buffer[] = []
  for (let offset = 0; offset < SIZE; offset += chunkSize) {
    const length = Math.min(chunkSize, SIZE - offset)
    const touched = REGIONS.some(([at, n]) => at < offset + length && at + n > offset)
    if (touched) hashes.push(sha(await readAt(huge, offset, length)))
    else {
      if (!zero.has(length)) zero.set(length, sha(Buffer.alloc(length)))
      hashes.push(zero.get(length)!)
    }
  }
  hashes.push(sha(Buffer.alloc(1000, 7)))
  manifest = { version: 1, name: 'big', chunkSize, files: [{ path: 'big/huge.bin', size: SIZE }, { path: 'big/small.txt', size: 1000 }], hashes: Buffer.concat(hashes) }
  manifestBytes = encodeManifest(manifest)
  shareId = await shareIdOf(manifestBytes)
  layout = new ManifestLayout(await decodeManifest(manifestBytes, shareId))
})
after(removeTemps)

describe('files over 4 GiB', () => {
  it('keeps sizes exact through the manifest codec and the layout', () => {
    assert.equal(manifest.chunkSize, 2 ** 20)
    assert.equal(layout.manifest.files[0]!.size, SIZE)
    assert.equal(typeof layout.manifest.files[0]!.size, 'number')
    assert.equal(layout.totalSize, SIZE + 1000)
    assert.equal(layout.chunkCount, 4610)
    assert.deepEqual(layout.locate(4095), { fileIndex: 0, offset: TWO_32 - 2 ** 20, length: 2 ** 20 })
    assert.deepEqual(layout.locate(4096), { fileIndex: 0, offset: TWO_32, length: 2 ** 20 })
    assert.deepEqual(layout.locate(4608), { fileIndex: 0, offset: 4608 * 2 ** 20, length: 12_345 })
    assert.deepEqual(layout.locate(4609), { fileIndex: 1, offset: 0, length: 1000 })
  })

  it('serves chunks above 2^32 from a seeded file in place, each matching its hash', async () => {
    const s = await stat(huge)
    const seeded = new SeededShare({ shareId, root: dir, files: [{ absolutePath: huge, size: SIZE, mtimeMs: s.mtimeMs }, { absolutePath: small, size: 1000, mtimeMs: (await stat(small)).mtimeMs }], addedAt: 0 }, manifestBytes, layout)
    for (const i of [4095, 4096, 4097, 4608, 4609]) {
      const loc = layout.locate(i)
      const data = await seeded.readChunk(i)
      assert.ok(Buffer.from(data).equals(await readAt(loc.fileIndex === 0 ? huge : small, loc.offset, loc.length)), `chunk ${i}`)
    }
    assert.equal(seeded.changed, null)
    await seeded.close()
  })

  it('writes chunks above 2^32 at their exact offsets, keeps the part file sparse, and resumes them', async () => {
    const profile = await tempDir()
    const out = await tempDir()
    let store = await StateStore.open(profile)
    const d = await PartialDownload.open(shareId, manifestBytes, layout, out, store)
    const picked = [4095, 4096, 4097, 4608, 4609]
    const chunks = new Map<number, Buffer>()
    for (const i of picked) {
      const loc = layout.locate(i)
      chunks.set(i, await readAt(loc.fileIndex === 0 ? huge : small, loc.offset, loc.length))
      assert.equal(await d.writeChunk(i, chunks.get(i)!), 'written')
    }
    await d.close()
    const part = d.partPath(0)
    const s = await stat(part)
    assert.equal(s.size, SIZE)
    assert.ok(s.blocks * 512 < 64 * 2 ** 20, `the part file stays sparse (${s.blocks * 512} bytes on disk)`)
    for (const [at, n] of REGIONS) assert.ok((await readAt(part, at, n)).equals(await readAt(huge, at, n)), `bytes at ${at}`)
    await store.close()

    store = await StateStore.open(profile)
    const again = await PartialDownload.open(shareId, manifestBytes, layout, out, store)
    assert.deepEqual([...again.have.indices()], picked, 'exactly the written chunks are restored')
    assert.equal(again.remainingBytes, SIZE + 1000 - 3 * 2 ** 20 - 12_345 - 1000)
    for (const i of picked) assert.ok(Buffer.from(await again.readChunk(i)).equals(chunks.get(i)!), `chunk ${i} after resume`)
    await again.discard()
    await store.close()
  })
})
