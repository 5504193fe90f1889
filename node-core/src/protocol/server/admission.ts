import { logger } from '../../log/logger.ts'
import { SwarmdropError } from '../../errors.ts'

const log = logger('swarmdrop:chunk-server')

/** A stream admitted to be served: counted against the caps until it is released. */
export interface AdmittedStream {
  readonly peerId: string
  abort (err: Error): void
}

/**
 * The server's session caps: at most `maxPerPeer` sessions per peer and `maxSessions` in all.
 * Many sessions from a few peers cannot lock others out (see `admit`).
 */
export class SessionAdmission {
  readonly #maxSessions: number
  readonly #maxPerPeer: number
  /** Every admitted stream by peer, for the per-peer cap and fair eviction. */
  readonly #byPeer = new Map<string, Set<AdmittedStream>>()
  #count = 0

  constructor (maxSessions: number, maxPerPeer: number) {
    this.#maxSessions = maxSessions
    this.#maxPerPeer = maxPerPeer
  }

  /**
   * Admits a stream under the caps (counted at once, before any await, so concurrent HELLOs cannot
   * all pass): at most `maxPerPeer` per peer; when all `maxSessions` are taken, the oldest stream
   * of the peer holding the most is closed to make room, if that peer holds at least two more
   * than the newcomer.
   */
  admit (stream: AdmittedStream): boolean {
    const mine = this.#byPeer.get(stream.peerId)
    const count = mine?.size ?? 0
    if (count >= this.#maxPerPeer) return false
    if (this.#count >= this.#maxSessions) {
      let largest: Set<AdmittedStream> | undefined
      for (const set of this.#byPeer.values()) if (largest == null || set.size > largest.size) largest = set
      if (largest == null || largest.size < count + 2) return false
      const victim = largest.values().next().value!
      this.release(victim)
      log('closing a session of %s (holding %d) to make room for %s', victim.peerId, largest.size + 1, stream.peerId)
      victim.abort(new SwarmdropError('busy', 'session closed to make room for another peer'))
    }
    let set = mine
    if (set == null) this.#byPeer.set(stream.peerId, set = new Set())
    set.add(stream)
    this.#count++
    return true
  }

  /** Frees a stream's slot (once; a stream closed to make room is released at once). */
  release (stream: AdmittedStream): void {
    const set = this.#byPeer.get(stream.peerId)
    if (set == null || !set.delete(stream)) return
    this.#count--
    if (set.size === 0) this.#byPeer.delete(stream.peerId)
  }
}
