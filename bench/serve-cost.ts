/**
 * CPU per MiB of serving chunks, by the storage classes alone (no network): a downloader's
 * PartialDownload serving chunks it wrote, and a SeededShare serving each chunk for the 2nd to
 * 4th time. For a paired before/after: run it from two checkouts, alternating.
 *   node bench/serve-cost.ts [CHECKOUT_ROOT]     (default: this checkout)
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const root = resolve(process.argv[2] ?? join(import.meta.dirname, '..'))
const load = async <T>(path: string): Promise<T> => await import(pathToFileURL(join(root, path)).href) as T
const { buildShare } = await load<typeof import('../node-core/src/manifest/builder.ts')>('node-core/src/manifest/builder.ts')
const { encodeManifest, shareIdOf } = await load<typeof import('../node-core/src/manifest/codec.ts')>('node-core/src/manifest/codec.ts')
const { HashPool } = await load<typeof import('../node-core/src/manifest/hash-pool.ts')>('node-core/src/manifest/hash-pool.ts')
const { ManifestLayout } = await load<typeof import('../node-core/src/manifest/layout.ts')>('node-core/src/manifest/layout.ts')
const { PartialDownload } = await load<typeof import('../node-core/src/storage/partial-download.ts')>('node-core/src/storage/partial-download.ts')
const { SeededShare } = await load<typeof import('../node-core/src/storage/seeded-share.ts')>('node-core/src/storage/seeded-share.ts')
const { StateStore } = await load<typeof import('../node-core/src/storage/state-store.ts')>('node-core/src/storage/state-store.ts')
const { makeTree } = await load<typeof import('../test/helpers/files.ts')>('test/helpers/files.ts')

const MIB = 64
const dir = await mkdtemp(join(tmpdir(), 'swarmdrop-serve-cost-'))
try {
  await makeTree(join(dir, 's'), { 'a.bin': MIB * 1024 * 1024 })
  const pool = new HashPool(1)
  const built = await buildShare(join(dir, 's'), pool)
  await pool.close()
  const bytes = encodeManifest(built.manifest)
  const shareId = await shareIdOf(bytes)
  const layout = new ManifestLayout(built.manifest)
  const seeded = new SeededShare({ shareId, root: join(dir, 's'), files: built.files.map(f => ({ absolutePath: f.absolutePath, size: f.size, mtimeMs: f.mtimeMs })), addedAt: 0 }, bytes, layout)
  const store = await StateStore.open(join(dir, 'profile'))
  const partial = await PartialDownload.open(shareId, bytes, layout, join(dir, 'out'), store)
  for (let i = 0; i < layout.chunkCount; i++) await partial.writeChunk(i, await seeded.readChunk(i))
  for (const [name, share] of [['downloader, chunks it wrote', partial], ['seeder, each chunk served again', seeded]] as const) {
    const before = process.cpuUsage()
    for (let round = 0; round < 3; round++) for (let i = 0; i < layout.chunkCount; i++) await share.readChunk(i)
    const used = process.cpuUsage(before)
    console.log(`${name}: ${((used.user + used.system) / 1000 / (3 * MIB)).toFixed(2)} CPU-ms per MiB served`)
  }
  await partial.close()
  await store.close()
  await seeded.close()
} finally {
  await rm(dir, { recursive: true, force: true })
}
