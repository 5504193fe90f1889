/**
 * The peers that may have a download's share (from a link, `--peer`, the DHT, mDNS, peer exchange,
 * or a peer that asked us for it), with each one's connection back-off: the one list of a
 * download's candidates, filled before the manifest is known and used by the transfer after.
 */

/** The peer ID inside a multiaddr string (`/p2p/<id>`), or the string itself if it is a bare peer ID. */
export function peerKey (peer: string): string {
  const at = peer.lastIndexOf('/p2p/')
  return at >= 0 ? peer.slice(at + 5) : peer
}

export interface Candidate {
  /** Peer ID. */
  readonly key: string
  /** What to dial: a multiaddr ending in /p2p/<id>, or the bare peer ID (the peer store's addresses). */
  address: string
  attempts: number
  nextAttempt: number
  connecting: boolean
  /** Never asked again (it broke the protocol or sent bad chunks). */
  dropped: boolean
}

export class CandidateList {
  readonly #byKey = new Map<string, Candidate>()
  readonly #onAdded = new Set<() => void>()

  constructor (peers: Iterable<string> = []) {
    for (const p of peers) this.add(p)
  }

  get size (): number { return this.#byKey.size }

  /** Adds a peer (a full address replaces a bare peer ID); true if it is new. */
  add (peer: string): boolean {
    const key = peerKey(peer)
    const existing = this.#byKey.get(key)
    if (existing != null) {
      if (peer.startsWith('/') && !existing.address.startsWith('/')) existing.address = peer
      return false
    }
    this.#byKey.set(key, { key, address: peer, attempts: 0, nextAttempt: 0, connecting: false, dropped: false })
    for (const listener of this.#onAdded) listener()
    return true
  }

  get (key: string): Candidate | undefined { return this.#byKey.get(key) }

  /**
   * Clears every candidate's back-off and drop: a new transfer (a download resumed after a pause,
   * a full disk or a failure) judges each peer afresh, as a fresh list would.
   */
  judgeAfresh (): void {
    for (const c of this.#byKey.values()) {
      c.attempts = 0
      c.nextAttempt = 0
      c.dropped = false
    }
  }

  values (): IterableIterator<Candidate> { return this.#byKey.values() }

  /** Calls `listener` after each new candidate; returns an unsubscribe function. */
  onAdded (listener: () => void): () => void {
    this.#onAdded.add(listener)
    return () => { this.#onAdded.delete(listener) }
  }
}
