import { SwarmdropError } from '../errors.ts'
import type { Bitfield } from './bitfield.ts'
import type { ManifestLayout } from '../manifest/layout.ts'

/** Thrown when a chunk cannot be served (missing, or its file changed on disk). */
export class ChunkUnavailableError extends SwarmdropError {
  constructor (message: string) {
    super('unavailable', message)
    this.name = 'ChunkUnavailableError'
  }
}

/**
 * What the chunk server needs of a share it serves, whether seeded in place or still downloading:
 * looked up by share ID, chunks read by index (never by a path from a peer), verified before
 * they are returned.
 */
export interface ServedShare {
  readonly shareId: string
  readonly manifestBytes: Uint8Array
  readonly layout: ManifestLayout
  /** Chunks that can be served now. */
  readonly have: Bitfield
  /** Verified bytes of chunk `index`, or ChunkUnavailableError. */
  readChunk (index: number): Promise<Uint8Array>
  /**
   * Serve it by initial seeding (protocol/initial-seeding.ts): set for a share seeded from the
   * user's own files, whose node starts out as its only source.
   */
  readonly initialSeeding?: boolean
  /** Calls `listener` for every chunk that becomes servable; returns an unsubscribe function. */
  onHave (listener: (index: number) => void): () => void
}
