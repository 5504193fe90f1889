/**
 * A share built from random files, its layout and each chunk's bytes, and a state store in a
 * profile of its own: what the PartialDownload unit tests start from.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { buildShare } from '../../node-core/src/manifest/builder.ts'
import { encodeManifest, shareIdOf } from '../../node-core/src/manifest/codec.ts'
import { ManifestLayout } from '../../node-core/src/manifest/layout.ts'
import { StateStore } from '../../node-core/src/storage/state-store.ts'
import { makeTree, tempDir } from './files.ts'
import type { HashPool } from '../../node-core/src/manifest/hash-pool.ts'

export interface PartialFixture {
  /** The shared file or folder. */
  src: string
  layout: ManifestLayout
  bytes: Uint8Array
  id: string
  chunks: Uint8Array[]
  store: StateStore
  profile: string
}

/** `pkg/` holding a.bin (4 chunks of 64 KiB), sub/b.bin (2 chunks) and sub/empty; or, with `single`, the one file `one.bin`. */
export async function partialFixture (pool: HashPool, single = false): Promise<PartialFixture> {
  const dir = await tempDir()
  const src = single ? join(dir, 'one.bin') : join(dir, 'pkg')
  if (single) await makeTree(dir, { 'one.bin': 100_000 })
  else await makeTree(src, { 'a.bin': 200_000, 'sub/b.bin': 70_000, 'sub/empty': 0 })
  const built = await buildShare(src, pool)
  const bytes = encodeManifest(built.manifest)
  const layout = new ManifestLayout(built.manifest)
  const chunks: Uint8Array[] = []
  for (let i = 0; i < layout.chunkCount; i++) {
    const loc = layout.locate(i)
    chunks.push((await readFile(built.files[loc.fileIndex]!.absolutePath)).subarray(loc.offset, loc.offset + loc.length))
  }
  const profile = await tempDir()
  return { src, layout, bytes, id: await shareIdOf(bytes), chunks, store: await StateStore.open(profile), profile }
}
