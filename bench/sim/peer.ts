/** A simulated peer and the sessions it serves. */
import type { Bitfield } from '../../node-core/src/storage/bitfield.ts'
import type { SimDownloader } from './downloader.ts'
import type { UploadTicket } from '../../node-core/src/scheduler/upload-turns.ts'
import type { SeedingView } from '../../node-core/src/protocol/initial-seeding.ts'

export type PeerState = 'pending' | 'downloading' | 'seeding' | 'gone'

export interface Peer {
  readonly id: number
  /** Upload and download capacity, bytes/s. */
  readonly up: number
  readonly down: number
  /** One-way access latency, seconds. */
  readonly access: number
  readonly origin: boolean
  /** Accepts no session: never uploads. */
  readonly freeRider: boolean
  readonly arrival: number
  state: PeerState
  /** Verified chunks (all of them for the origin). */
  readonly have: Bitfield
  dl: SimDownloader | null
  /** Sessions this peer serves, by downloader ID. */
  readonly serving: Map<number, ServerSession>
  /** Peers known in the share's swarm, in the order met (the service's swarm set; peer exchange lists its first 32). */
  readonly swarm: Set<number>
  /** Served sessions with a request queued (they share this peer's upload). */
  readonly active: Set<ServerSession>
  /** Completion time, NaN until then. */
  done: number
  /** Bytes uploaded (sent, duplicates included). */
  uploaded: number
  /** Bytes sent of chunks never finished (cancelled, or the session closed part-way); sharing fluid only. */
  wasted: number
  /** Bytes of verified chunks this peer got from the origin (the benchmark's origin figure). */
  fromOrigin: number
  /** Per tick: sum of the rates offered to this peer's downloads (scratch of the fluid model). */
  inOffer: number
}

/** One (server, downloader) session: its request queue, answered in order, one chunk at a time. */
export interface ServerSession {
  readonly server: Peer
  readonly client: Peer
  readonly queue: number[]
  /** Bytes of the queue's head sent so far. */
  progress: number
  /** Per tick: the rate the server offers this session (scratch). */
  offer: number
  /** Sharing fluid: the server's service clock value at which the head chunk is sent (NaN: idle). */
  tag: number
  /** Sharing fluid: bumped whenever the head gets a new tag. */
  seq: number
  /** Upload turns: its place in the server's line while it waits for a turn to send its head chunk, else null. */
  turn: UploadTicket | null
  /** Initial seeding's view of this downloader, when the origin does it. */
  view: SeedingView | null
}

export function newPeer (init: Pick<Peer, 'id' | 'up' | 'down' | 'access' | 'origin' | 'freeRider' | 'arrival' | 'have'>): Peer {
  return { ...init, state: 'pending', dl: null, serving: new Map(), swarm: new Set(), active: new Set(), done: Number.NaN, uploaded: 0, wasted: 0, fromOrigin: 0, inOffer: 0 }
}
