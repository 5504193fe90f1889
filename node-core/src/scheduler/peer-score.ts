/**
 * A score per peer, as libtorrent and GossipSub keep one: misbehaviour (a flood past its budget, a
 * broken protocol, chunks that fail verification) takes points off, and the penalty fades with a
 * half-life. A peer whose score is below the ban line is neither dialed nor let in (the node's
 * connection gater asks `banned`), the download's candidate list skips it, and the chunk server
 * refuses its streams, until enough of the penalty has faded. Clock-injected; no I/O.
 */
import { InvalidArgumentError } from '../errors.ts'

/** What the protocol and scheduler need of the score: report a peer, ask whether it is shut out. */
export interface PeerJudge {
  /** Takes `points` off the peer's score; true if that shuts it out (it was not before). */
  penalise (peerId: string, points: number, reason: string): boolean
  banned (peerId: string): boolean
  /** When a banned peer may be tried again (the same clock as the score), 0 if it is not banned. */
  bannedUntil (peerId: string): number
}

/** Points taken off for each kind of misbehaviour. One flood or protocol breach shuts a peer out for one half-life. */
export const PENALTY = {
  /** It went past a message or stream budget (throttled, then still over). */
  flood: 100,
  /** It broke the protocol: a malformed or oversized frame, an unrequested block or manifest piece. */
  protocol: 100,
  /** One chunk that failed verification (a source is dropped after two). */
  badChunk: 50
} as const

export interface PeerScoreOptions {
  /** A peer is shut out while its score is below minus this. Default 50. */
  readonly banLine?: number
  /** Time for a penalty to fade by half. Default 10 min. */
  readonly halfLifeMs?: number
  /** Peers remembered at most (peer IDs cost a flooder nothing to make); the mildest goes first. Default 4096. */
  readonly maxPeers?: number
  readonly now?: () => number
}

interface Entry { score: number, at: number }

export class PeerScore implements PeerJudge {
  readonly #banLine: number
  readonly #halfLifeMs: number
  readonly #maxPeers: number
  readonly #now: () => number
  readonly #entries = new Map<string, Entry>()
  readonly #onBanned = new Set<(peerId: string, reason: string) => void>()

  constructor (options: PeerScoreOptions = {}) {
    this.#banLine = options.banLine ?? 50
    this.#halfLifeMs = options.halfLifeMs ?? 10 * 60_000
    this.#maxPeers = options.maxPeers ?? 4096
    this.#now = options.now ?? Date.now
    if (!(this.#banLine > 0) || !(this.#halfLifeMs > 0) || !(this.#maxPeers >= 1)) throw new InvalidArgumentError('bad peer score options')
  }

  /** Peers with a penalty remembered. */
  get size (): number { return this.#entries.size }

  /** The peer's score now: 0 for a peer with nothing against it, negative otherwise. */
  score (peerId: string): number {
    const e = this.#entries.get(peerId)
    if (e == null) return 0
    const s = this.#decayed(e, this.#now())
    if (s > -1) { this.#entries.delete(peerId); return 0 } // faded: forgotten
    return s
  }

  penalise (peerId: string, points: number, reason: string): boolean {
    if (!(points > 0) || !Number.isFinite(points)) throw new InvalidArgumentError(`bad penalty ${points}`)
    const was = this.banned(peerId)
    const now = this.#now()
    const e = this.#entries.get(peerId)
    const score = (e == null ? 0 : this.#decayed(e, now)) - points
    if (e == null && this.#entries.size >= this.#maxPeers) this.#forgetMildest()
    this.#entries.set(peerId, { score, at: now })
    if (was || !this.banned(peerId)) return false
    for (const listener of this.#onBanned) listener(peerId, reason)
    return true
  }

  banned (peerId: string): boolean {
    return this.score(peerId) < -this.#banLine
  }

  bannedUntil (peerId: string): number {
    const e = this.#entries.get(peerId)
    if (e == null || !this.banned(peerId)) return 0
    // score * 2^(-dt / halfLife) = -banLine  =>  dt = halfLife * log2(-score / banLine)
    return e.at + Math.ceil(this.#halfLifeMs * Math.log2(-e.score / this.#banLine))
  }

  /** Calls `listener` each time a peer becomes shut out (to hang up on it); returns an unsubscribe function. */
  onBanned (listener: (peerId: string, reason: string) => void): () => void {
    this.#onBanned.add(listener)
    return () => { this.#onBanned.delete(listener) }
  }

  #decayed (e: Entry, now: number): number {
    return e.score * 2 ** (-Math.max(0, now - e.at) / this.#halfLifeMs)
  }

  /** Makes room: forgets the peer whose score is closest to 0 (O(n), only when the table is full). */
  #forgetMildest (): void {
    const now = this.#now()
    let mildest: string | null = null
    let best = -Infinity
    for (const [id, e] of this.#entries) {
      const s = this.#decayed(e, now)
      if (s > best) { best = s; mildest = id }
    }
    if (mildest != null) this.#entries.delete(mildest)
  }
}
