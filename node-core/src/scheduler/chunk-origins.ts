/**
 * Which source delivered each verified chunk of a download, for the UI's chunk map. Sources are
 * numbered in the order they first delivered; a chunk that was already on disk when this session
 * started (a resumed download) has no known source.
 */

/** A run of `count` consecutive chunks with the same origin: a source index, or a marker below. */
export type ChunkRun = readonly [origin: number, count: number]

/** The chunk is not verified yet. */
export const ORIGIN_MISSING = -1
/** Verified before this session (resumed from disk, or the source was not recorded). */
export const ORIGIN_EARLIER = -2

export interface ChunkMap {
  /** Peer IDs; a run's origin `i >= 0` means `sources[i]`. */
  readonly sources: readonly string[]
  readonly chunkCount: number
  /** Run-length encoded origins of chunks 0..chunkCount-1. */
  readonly runs: readonly ChunkRun[]
}

const MAX_SOURCES = 0x7fff

export class ChunkOrigins {
  readonly chunkCount: number
  readonly #origin: Int16Array
  readonly #sources: string[] = []
  readonly #index = new Map<string, number>()

  constructor (chunkCount: number) {
    if (!Number.isSafeInteger(chunkCount) || chunkCount < 0) throw new RangeError(`bad chunk count ${chunkCount}`)
    this.chunkCount = chunkCount
    this.#origin = new Int16Array(chunkCount).fill(ORIGIN_MISSING)
  }

  /** Records that `peerId` delivered chunk `index` (verified). */
  record (index: number, peerId: string): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.chunkCount) throw new RangeError(`bad chunk index ${index}`)
    let i = this.#index.get(peerId)
    if (i == null) {
      if (this.#sources.length >= MAX_SOURCES) { this.#origin[index] = ORIGIN_EARLIER; return }
      i = this.#sources.length
      this.#sources.push(peerId)
      this.#index.set(peerId, i)
    }
    this.#origin[index] = i
  }

  /** The map, given which chunks are verified (`has(i)`); verified chunks with no record are ORIGIN_EARLIER. */
  map (has: (index: number) => boolean): ChunkMap {
    const runs: Array<[number, number]> = []
    for (let i = 0; i < this.chunkCount; i++) {
      const recorded = this.#origin[i]!
      const origin = !has(i) ? ORIGIN_MISSING : recorded >= 0 ? recorded : ORIGIN_EARLIER
      const last = runs[runs.length - 1]
      if (last != null && last[0] === origin) last[1]++
      else runs.push([origin, 1])
    }
    return { sources: [...this.#sources], chunkCount: this.chunkCount, runs }
  }
}
