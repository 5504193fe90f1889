import { HASH_BYTES } from './types.ts'
import { chunkCountFor } from './validate.ts'
import type { Manifest } from './types.ts'
import { InvalidArgumentError } from '../errors.ts'

/** Where one chunk lives: which file, at which offset, how long. */
export interface ChunkLocation {
  readonly fileIndex: number
  readonly offset: number
  readonly length: number
}

/**
 * Index arithmetic over a validated manifest: chunk numbers are global (file 0's chunks, then file
 * 1's, ...), and every chunk lies inside one file.
 */
export class ManifestLayout {
  readonly manifest: Manifest
  readonly chunkCount: number
  readonly totalSize: number
  /** firstChunk[i] is file i's first global chunk index; firstChunk[files.length] === chunkCount. */
  readonly firstChunk: Float64Array

  constructor (manifest: Manifest) {
    this.manifest = manifest
    const n = manifest.files.length
    this.firstChunk = new Float64Array(n + 1)
    let chunks = 0
    let total = 0
    for (let i = 0; i < n; i++) {
      this.firstChunk[i] = chunks
      const size = manifest.files[i]!.size
      chunks += chunkCountFor(size, manifest.chunkSize)
      total += size
    }
    this.firstChunk[n] = chunks
    this.chunkCount = chunks
    this.totalSize = total
  }

  /** The file holding chunk `index` (binary search over firstChunk). */
  fileOf (index: number): number {
    let lo = 0
    let hi = this.manifest.files.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.firstChunk[mid]! <= index) lo = mid
      else hi = mid - 1
    }
    return lo
  }

  locate (index: number): ChunkLocation {
    if (!Number.isInteger(index) || index < 0 || index >= this.chunkCount) throw new InvalidArgumentError(`chunk ${index} out of range`)
    const fileIndex = this.fileOf(index)
    const size = this.manifest.files[fileIndex]!.size
    const offset = (index - this.firstChunk[fileIndex]!) * this.manifest.chunkSize
    return { fileIndex, offset, length: Math.min(this.manifest.chunkSize, size - offset) }
  }

  chunkLength (index: number): number {
    return this.locate(index).length
  }

  hashOf (index: number): Uint8Array {
    return this.manifest.hashes.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES)
  }
}
