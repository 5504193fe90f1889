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

/** Full addresses kept per candidate, freshest first. */
const MAX_ADDRESSES = 8
/**
 * Candidates kept per download. Past it a new peer replaces the least useful one (dropped first,
 * then the one that failed to connect most often), or is ignored: a peer flooding us with fake
 * peers (peer exchange) can neither grow the list without bound nor push out peers that work.
 */
export const MAX_CANDIDATES = 500

/** Peer-exchange addresses taken from one session, in the manifest fetch or the transfer (more than an honest swarm sends). */
export const MAX_PEERS_PER_SOURCE = 256

/**
 * Back-off between connection attempts to a candidate: 2, 4, 8 … s, then every 64 s for as long as
 * the download runs. A candidate is never given up for failing to connect: on a loaded machine or
 * a busy swarm a good source can fail several handshakes in a row (a 16-peer benchmark crowd left
 * each downloader with 10–14 of its 16 sources when it stopped after five).
 */
export function connectBackoffMs (attempts: number): number {
  return 1000 * 2 ** Math.min(attempts, 6)
}

/**
 * Sources a download may hold, as a multiple of its `maxSources`, when the extra ones are peers
 * that opened a session with us for the same share (we serve them; they download it too). Sessions
 * go one way, from a downloader to a source, so with a plain cap a peer that many connect to never
 * gets to download from them: in a simulated flash crowd of 1,000 the origin admitted 512 sessions,
 * the 488 it refused connected to 32 admitted peers each, and no one ever asked them for a chunk
 * (half the crowd's upload idle, docs/PERFORMANCE.md). Connecting back to the peers we serve, as a
 * BitTorrent connection carries both directions, makes every downloader a source of those it
 * downloads from.
 */
export const RECIPROCAL_SOURCES_FACTOR = 2

/** Sources a download may hold before it dials `candidate`: `maxSources`, or more for a peer we serve. */
export function sourceLimit (maxSources: number, candidate: { readonly reciprocal: boolean }): number {
  return candidate.reciprocal ? maxSources * RECIPROCAL_SOURCES_FACTOR : maxSources
}

export interface Candidate {
  /** Peer ID. */
  readonly key: string
  /** Full addresses (multiaddrs ending in /p2p/<id>) heard for it, freshest first. */
  readonly addresses: string[]
  /** What to dial next: the freshest full address, or the bare peer ID (then libp2p's peer store supplies the addresses). */
  readonly address: string
  attempts: number
  nextAttempt: number
  connecting: boolean
  /** Never asked again (it broke the protocol or sent bad chunks). */
  dropped: boolean
  /** It opened a session with us for this share (it downloads it from us): dialed past maxSources (sourceLimit). */
  reciprocal: boolean
  /** Named for this download (a link's hint, --peer, a peer that served it before): never evicted to make room for others. */
  named: boolean
}

/** How a peer was heard of (CandidateList.add). */
export interface CandidateOrigin {
  /** It opened a session with us for the share. */
  readonly reciprocal?: boolean
  /** The user or the link named it. */
  readonly named?: boolean
}

export class CandidateList {
  readonly #byKey = new Map<string, Candidate>()
  readonly #onAdded = new Set<() => void>()

  /** `peers`: those the download was started with (named: see Candidate.named). */
  constructor (peers: Iterable<string> = []) {
    for (const p of peers) this.add(p, { named: true })
  }

  get size (): number { return this.#byKey.size }

  /**
   * Adds a peer. A full address is dialed before every address heard earlier (a peer that moved,
   * restarted on another port or changed network is reached at its new address at once, and its
   * back-off is cleared); a bare peer ID adds the peer only. True if the peer is new.
   */
  add (peer: string, origin: CandidateOrigin = {}): boolean {
    const key = peerKey(peer)
    const full = peer.startsWith('/')
    const reciprocal = origin.reciprocal === true
    const named = origin.named === true
    const existing = this.#byKey.get(key)
    if (existing != null) {
      if (named) existing.named = true
      if (reciprocal && !existing.reciprocal) { existing.reciprocal = true; for (const listener of this.#onAdded) listener() }
      if (!full || existing.addresses[0] === peer) return false
      const at = existing.addresses.indexOf(peer)
      if (at >= 0) existing.addresses.splice(at, 1)
      existing.addresses.unshift(peer)
      if (existing.addresses.length > MAX_ADDRESSES) existing.addresses.pop()
      if (at < 0 && !existing.dropped) { existing.attempts = 0; existing.nextAttempt = 0 } // a new address: worth a try now
      for (const listener of this.#onAdded) listener()
      return false
    }
    if (this.#byKey.size >= MAX_CANDIDATES && !this.#evictOne()) return false
    const addresses = full ? [peer] : []
    this.#byKey.set(key, { key, addresses, get address () { return addresses[0] ?? key }, attempts: 0, nextAttempt: 0, connecting: false, dropped: false, reciprocal, named })
    for (const listener of this.#onAdded) listener()
    return true
  }

  /**
   * Removes the least useful candidate (dropped, else most failed attempts; never one connecting,
   * never tried, or named: a seeder named by the link that missed a few handshakes under load is
   * not pushed out by addresses a peer sent us); false if none may go.
   */
  #evictOne (): boolean {
    let victim: Candidate | null = null
    for (const c of this.#byKey.values()) {
      if (c.connecting || c.named) continue
      if (c.dropped) { victim = c; break }
      if (c.attempts > 0 && (victim == null || c.attempts > victim.attempts)) victim = c
    }
    if (victim == null) return false
    this.#byKey.delete(victim.key)
    return true
  }

  /** Dialing `candidate` failed: its next attempt tries its next address (the failed one goes last). */
  failed (candidate: Candidate): void {
    if (candidate.addresses.length > 1) candidate.addresses.push(candidate.addresses.shift()!)
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
