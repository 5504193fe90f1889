/** What a running transfer keeps of one connected source, and of every peer that served the download (scheduler/download.ts). */
import type { Bitfield } from '../storage/bitfield.ts'
import type { SourceSession } from '../protocol/chunk-client.ts'
import { RateMeter } from './source-policy.ts'
import type { SourceSnapshot } from '../contract/source-snapshot.ts'

/**
 * One peer's counters over the whole download: every session to it (it may be dropped, time out,
 * restart and come back) and every transfer of the job (pause and resume, a full disk) add to the
 * same tally, so the bytes of all tallies sum to exactly the bytes verified in this process.
 */
export interface PeerTally {
  readonly peerId: string
  /** The multiaddr of its latest session, null if dialed by peer ID alone. */
  address: string | null
  /** Bytes and chunks it delivered that were verified and written (an endgame duplicate counts for nobody). */
  bytes: number
  chunks: number
  failures: number
  badChunks: number
}

/** The tallies of one download, by peer ID (the one owner of "who delivered how much"). */
export class SourceTallies {
  readonly #byPeer = new Map<string, PeerTally>()

  /** The peer's tally, made (all zero) the first time. */
  of (peerId: string): PeerTally {
    let t = this.#byPeer.get(peerId)
    if (t == null) {
      t = { peerId, address: null, bytes: 0, chunks: 0, failures: 0, badChunks: 0 }
      this.#byPeer.set(peerId, t)
    }
    return t
  }

  values (): IterableIterator<PeerTally> { return this.#byPeer.values() }

  /** Bytes attributed to all peers. */
  get totalBytes (): number {
    let sum = 0
    for (const t of this.#byPeer.values()) sum += t.bytes
    return sum
  }
}

export interface Source {
  readonly peerId: string
  readonly address: string | null
  readonly session: SourceSession
  readonly has: Bitfield
  readonly inFlight: Map<number, number>
  /** Blocks received from this source and still being verified and written. */
  holding: number
  readonly rate: RateMeter
  /** The peer's counters (shared with its earlier and later sessions). */
  readonly tally: PeerTally
  filling: boolean
  busyUntil: number
  /** When this session was attached (the transfer's clock, ms) and the tally's bytes then: its average rate (planningRate). */
  readonly attachedAt: number
  readonly bytesAtAttach: number
  /** The planning rate when its last chunk arrived (0 before): what its request timeouts assume once nothing arrives. */
  rateAtLastChunk: number
  /** Blocks that may still arrive for requests we cancelled (each cancel allows one late block). */
  lateAllowed: number
  /** When a request to this source first timed out with no block arriving since, or null. */
  stalledSince: number | null
}

/** What the service reports of a peer: its tally, and its session `s` if connected. */
export function snapshotOf (t: PeerTally, s: Source | undefined): SourceSnapshot {
  return { peerId: t.peerId, address: t.address, bytes: t.bytes, rate: s != null ? s.rate.rate() : 0, inFlight: s?.inFlight.size ?? 0, failures: t.failures, badChunks: t.badChunks, chunks: t.chunks, connected: s != null }
}

/**
 * A source for a session just opened at `address` (a multiaddr, or a bare peer ID: no address),
 * counting into `tally`, the peer's tally over every session of the download.
 */
export function newSource (session: SourceSession, address: string, has: Bitfield, tally: PeerTally, now: () => number): Source {
  const multiaddr = address.startsWith('/') ? address : null
  if (multiaddr != null || tally.address == null) tally.address = multiaddr
  return {
    peerId: session.peerId,
    address: multiaddr,
    session,
    has,
    inFlight: new Map(),
    holding: 0,
    rate: new RateMeter(3000, now),
    tally,
    filling: false,
    busyUntil: 0,
    attachedAt: now(),
    bytesAtAttach: tally.bytes,
    rateAtLastChunk: 0,
    lateAllowed: 0,
    stalledSince: null
  }
}
