import { CHUNK_PROTOCOL, MAX_CLIENT_MESSAGE_BYTES, MAX_PEX_PEERS, MAX_SERVED_SESSIONS, MAX_SESSIONS_PER_PEER, MAX_STREAMS_PER_CONNECTION, WELCOME_PEERS_WAIT_MS } from './constants.ts'
import { FramedStream } from './framing.ts'
import { logger } from '../log/logger.ts'
import { SessionAdmission } from './server/admission.ts'
import { readHello, refuse } from './server/handlers/hello.ts'
import { InitialSeedingPolicy } from './server/initial-seeding-policy.ts'
import { ordinaryServing } from './server/serving-policy.ts'
import { ServerSession } from './server/session.ts'
import type { ServingPolicy } from './server/serving-policy.ts'
import type { TokenBucket } from '../bandwidth/token-bucket.ts'
import { UploadTurns } from '../scheduler/upload-turns.ts'
import type { ServedShare } from '../storage/served-share.ts'
import type { Connection, Stream, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'
import { SwarmdropError } from '../errors.ts'
import { PeerBudgets } from '../scheduler/peer-budget.ts'
import { PENALTY } from '../scheduler/peer-score.ts'
import type { BudgetKind, Verdict } from '../scheduler/peer-budget.ts'
import type { PeerJudge } from '../scheduler/peer-score.ts'
import type { SessionContext } from './server/session.ts'

const log = logger('swarmdrop:chunk-server')

/** How long a drained session may take to hand over what it sent and end (dropShare 'drain'). */
const DRAIN_DEADLINE_MS = 30_000

/** The narrow part of the libp2p node the server needs. */
export interface ChunkServerComponents {
  handle (protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
  unhandle (protocol: string): Promise<void>
}

export interface ChunkServerInit {
  /** Looks a share up by ID: the only way from peer input to bytes. */
  lookup (shareId: string): ServedShare | undefined
  /** Addresses of other peers in this share's swarm (peer exchange), excluding `peerId`. */
  swarmPeers (shareId: string, peerId: string): Promise<string[]>
  uploadLimit: TokenBucket
  onUpload? (shareId: string, peerId: string, bytes: number): void
  /** Whether `peerId` is known to have chunk `index` of a share (we download it from them too): no HAVE for it then. */
  peerHas? (shareId: string, peerId: string, index: number): boolean
  /** A peer opened a session for a share: it may be a source for us too. */
  onPeerJoined? (shareId: string, peerId: string): void
  /** What `peerId` gives us now (bytes/s we download from it): whose upload turn comes first (scheduler/upload-turns.ts). */
  credit? (peerId: string): number
  /** Sessions served at once (default MAX_SERVED_SESSIONS) and per peer (default MAX_SESSIONS_PER_PEER). */
  readonly maxSessions?: number
  readonly maxSessionsPerPeer?: number
  /** Peer scores: a peer over a budget is scored down, and a shut-out peer's streams are refused. */
  readonly judge?: PeerJudge
  /** The budgets of every peer (scheduler/peer-budget.ts); new ones by default. */
  readonly budgets?: PeerBudgets
  /** The clock initial seeding uses to find chunks shown and not requested in time (Date.now; tests stop it). */
  readonly seedingClock?: () => number
}

/**
 * Serves `/swarmdrop/chunks/1.0.0`: one stream per (peer, share). After HELLO the server sends
 * WELCOME (manifest size, what it has, other peers), then answers MANIFEST and REQUEST in order,
 * pushes HAVE as it gets chunks and PEERS as peers join. Requests beyond MAX_QUEUED_REQUESTS get
 * `busy`; CANCEL drops a queued request.
 *
 * This class admits streams (server/admission.ts), keeps the sessions of each share and chooses
 * each share's serving policy; a session (server/session.ts) serves one stream, a handler per
 * message type (server/handlers/).
 */
export class ChunkServer {
  readonly #components: ChunkServerComponents
  readonly #init: ChunkServerInit
  /** Sessions past WELCOME, by share. */
  readonly #sessions = new Map<string, Set<ServerSession>>()
  readonly #admission: SessionAdmission
  /** Policies of the shares served by initial seeding, until the share is dropped. */
  readonly #policies = new Map<string, ServingPolicy>()
  /** What each peer may still make us do: streams opened, messages sent (scheduler/peer-budget.ts). */
  readonly #budgets: PeerBudgets
  /** Whole chunks sent in turn, a few at once, tit for tat (scheduler/upload-turns.ts). */
  readonly #turns: UploadTurns

  constructor (components: ChunkServerComponents, init: ChunkServerInit) {
    this.#components = components
    this.#init = init
    this.#budgets = init.budgets ?? new PeerBudgets()
    this.#turns = new UploadTurns({ credit: peerId => init.credit?.(peerId) ?? 0 })
    this.#admission = new SessionAdmission(init.maxSessions ?? MAX_SERVED_SESSIONS, init.maxSessionsPerPeer ?? MAX_SESSIONS_PER_PEER)
  }

  async start (): Promise<void> {
    await this.#components.handle(CHUNK_PROTOCOL, (stream, connection) => {
      // Before anything is read: a shut-out peer, or one opening streams past its budget, costs a reset.
      if (!this.#streamAllowed(connection)) { stream.abort(new SwarmdropError('busy', 'too many streams')); return }
      this.#serve(stream, connection).catch(err => {
        log('session with %s ended: %s', connection.remotePeer, err)
        stream.abort(err as Error)
      })
    }, { maxInboundStreams: MAX_STREAMS_PER_CONNECTION, maxOutboundStreams: MAX_STREAMS_PER_CONNECTION })
  }

  async stop (): Promise<void> {
    await this.#components.unhandle(CHUNK_PROTOCOL)
    for (const set of this.#sessions.values()) for (const s of set) s.framed.abort(new SwarmdropError('unavailable', 'server stopping'))
    this.#sessions.clear()
    for (const policy of this.#policies.values()) policy.stop()
    this.#policies.clear()
  }

  /** How many distinct peers have a session open for a share. */
  peersFetching (shareId: string): number {
    return new Set([...this.#sessions.get(shareId) ?? []].map(s => s.peerId)).size
  }

  /**
   * Ends every session of a share. `abort` (its files changed, or were removed): at once, what is
   * on its way is lost. `drain` (unshared, or a seeding limit reached): what was already sent
   * arrives (and was counted as uploaded), then the sessions close (ServerSession.drain).
   */
  dropShare (shareId: string, how: 'abort' | 'drain' = 'abort'): void {
    for (const s of this.#sessions.get(shareId) ?? []) {
      if (how === 'drain') s.drain(DRAIN_DEADLINE_MS)
      else s.framed.abort(new SwarmdropError('unavailable', 'share no longer served'))
    }
    this.#sessions.delete(shareId)
    this.#policies.get(shareId)?.stop()
    this.#policies.delete(shareId)
  }

  /** Tells every session of a share about a new peer (peer exchange): its addresses, best first, in one PEERS message. */
  announcePeer (shareId: string, addresses: readonly string[], peerId: string): void {
    const peers = addresses.slice(0, MAX_PEX_PEERS)
    if (peers.length === 0) return
    for (const s of this.#sessions.get(shareId) ?? []) {
      if (s.peerId !== peerId) s.post({ t: 'peers', peers })
    }
  }

  /** A new stream from the connection's peer: refused when the peer is shut out or past its stream budget. */
  #streamAllowed (connection: Connection): boolean {
    const peerId = connection.remotePeer.toString()
    if (this.#init.judge?.banned(peerId) === true) {
      connection.abort(new SwarmdropError('protocol', 'peer shut out for misbehaving'))
      return false
    }
    return this.#charge(peerId, 'stream', connection) === 'ok'
  }

  /**
   * Charges one message or stream to the peer's budget; a peer past its debt is over: its budgets
   * are forgotten, it is scored down (shut out for a while) and its connection is closed.
   */
  #charge (peerId: string, kind: BudgetKind, connection: Connection): Verdict {
    const verdict = this.#budgets.charge(peerId, kind)
    if (verdict !== 'over') return verdict
    this.#budgets.forget(peerId)
    log.warn('%s went past its %s budget: disconnected', peerId, kind)
    this.#init.judge?.penalise(peerId, PENALTY.flood, `went past its ${kind} budget`)
    connection.abort(new SwarmdropError('protocol', `went past its ${kind} budget`))
    return verdict
  }

  /** The server's parts a session of `peerId` over `connection` uses. */
  #sessionContext (peerId: string, connection: Connection): SessionContext {
    const init = this.#init
    return {
      lookup: id => init.lookup(id),
      uploadLimit: init.uploadLimit,
      uploadTurns: this.#turns,
      onUpload: (id, peer, bytes) => { init.onUpload?.(id, peer, bytes) },
      charge: kind => this.#charge(peerId, kind, connection),
      peerHas: (id, index) => init.peerHas?.(id, peerId, index) === true
    }
  }

  /** How a share is served: by initial seeding when it asks for it, else the ordinary way. */
  #policyFor (share: ServedShare): ServingPolicy {
    if (share.initialSeeding !== true) return ordinaryServing
    let policy = this.#policies.get(share.shareId)
    if (policy == null) this.#policies.set(share.shareId, policy = new InitialSeedingPolicy(this.#init.seedingClock))
    return policy
  }

  async #serve (stream: Stream, connection: Connection): Promise<void> {
    const framed = new FramedStream(stream, MAX_CLIENT_MESSAGE_BYTES)
    const peerId = connection.remotePeer.toString()
    const frames = framed.frames()
    const share = await readHello(framed, frames, shareId => this.#init.lookup(shareId))
    if (share == null) return
    const admitted = { peerId, abort: (err: Error) => { framed.abort(err) } }
    if (!this.#admission.admit(admitted)) {
      // Turned away, the newcomer still learns of other members of the swarm: in a crowd larger
      // than MAX_SERVED_SESSIONS, those refused by the origin would otherwise know no one else.
      const others = await within(this.#init.swarmPeers(share.shareId, peerId), WELCOME_PEERS_WAIT_MS).catch((err: unknown) => {
        log('could not list the swarm of %s for a refused %s: %s', share.shareId, peerId, err)
        return null
      })
      await refuse(framed, 'busy', 'too many sessions', others ?? [])
      return
    }
    try {
      // WELCOME goes first: no HAVE or PEERS may be queued before it. It carries the swarm's
      // addresses if they are read within WELCOME_PEERS_WAIT_MS; otherwise they follow in a PEERS
      // message once read (peer exchange is advice: a failed read only means no addresses).
      const listing = this.#init.swarmPeers(share.shareId, peerId).catch((err: unknown) => {
        log.warn('could not list the swarm of %s for %s: %s', share.shareId, peerId, err)
        return []
      })
      const listed = await within(listing, WELCOME_PEERS_WAIT_MS)
      let set = this.#sessions.get(share.shareId)
      if (set == null) this.#sessions.set(share.shareId, set = new Set())
      const session = new ServerSession(framed, peerId, share, this.#sessionContext(peerId, connection), this.#policyFor(share), set.size)
      const welcomeSent = session.welcome(listed ?? [])
      if (listed == null) void listing.then(peers => { if (peers.length > 0) session.post({ t: 'peers', peers }) })
      set.add(session)
      log('serving %s to %s', share.shareId, peerId)
      this.#joined(share.shareId, peerId)
      try {
        await session.serve(frames, welcomeSent)
      } finally {
        set.delete(session)
        if (set.size === 0 && this.#sessions.get(share.shareId) === set) this.#sessions.delete(share.shareId)
      }
    } finally {
      this.#admission.release(admitted)
    }
  }

  /** Tells the service a peer opened a session; its failure is its own, not the session's. */
  #joined (shareId: string, peerId: string): void {
    try {
      this.#init.onPeerJoined?.(shareId, peerId)
    } catch (err) {
      log.error('onPeerJoined failed for %s on %s: %s', peerId, shareId, err)
    }
  }
}

/** The value of `promise` if it settles within `ms`, else null (the promise runs on). */
async function within<T> (promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([promise, new Promise<null>(resolve => { timer = setTimeout(resolve, ms, null) })])
  } finally {
    clearTimeout(timer)
  }
}
