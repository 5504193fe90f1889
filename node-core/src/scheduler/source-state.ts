/** What a running transfer keeps of one connected source (scheduler/download.ts). */
import type { Bitfield } from '../storage/bitfield.ts'
import type { SourceSession } from '../protocol/chunk-client.ts'
import { RateMeter } from './source-policy.ts'
import type { SourceSnapshot } from '../contract/source-snapshot.ts'

export interface Source {
  readonly peerId: string
  readonly address: string | null
  readonly session: SourceSession
  readonly has: Bitfield
  readonly inFlight: Map<number, number>
  /** Blocks received from this source and still being verified and written. */
  holding: number
  readonly rate: RateMeter
  bytes: number
  chunks: number
  failures: number
  badChunks: number
  filling: boolean
  busyUntil: number
  /** When this session was attached (the transfer's clock, ms) and `bytes` then: its average rate (planningRate). */
  readonly attachedAt: number
  readonly bytesAtAttach: number
  /** The planning rate when its last chunk arrived (0 before): what its request timeouts assume once nothing arrives. */
  rateAtLastChunk: number
  /** Blocks that may still arrive for requests we cancelled (each cancel allows one late block). */
  lateAllowed: number
  /** When a request to this source first timed out with no block arriving since, or null. */
  stalledSince: number | null
}

/**
 * A source for a session just opened at `address` (a multiaddr, or a bare peer ID: no address),
 * its counters carried over from `previous`, its earlier session with this transfer, if any.
 */
export function newSource (session: SourceSession, address: string, has: Bitfield, previous: SourceSnapshot | undefined, now: () => number): Source {
  return {
    peerId: session.peerId,
    address: address.startsWith('/') ? address : null,
    session,
    has,
    inFlight: new Map(),
    holding: 0,
    rate: new RateMeter(3000, now),
    bytes: previous?.bytes ?? 0,
    chunks: previous?.chunks ?? 0,
    failures: previous?.failures ?? 0,
    badChunks: previous?.badChunks ?? 0,
    filling: false,
    busyUntil: 0,
    attachedAt: now(),
    bytesAtAttach: previous?.bytes ?? 0,
    rateAtLastChunk: 0,
    lateAllowed: 0,
    stalledSince: null
  }
}
