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
