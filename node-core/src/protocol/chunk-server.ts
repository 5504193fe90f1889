import { CHUNK_PROTOCOL, HANDSHAKE_TIMEOUT_MS, INITIAL_SEEDING_MAX_CHUNKS, INITIAL_SEEDING_MIN_WINDOW, INITIAL_SEEDING_TICK_MS, INITIAL_SEEDING_TTL_MS, INITIAL_SEEDING_WINDOW, MAX_CLIENT_MESSAGE_BYTES, MAX_QUEUED_REQUESTS, MAX_SERVED_SESSIONS, MAX_SESSIONS_PER_PEER, MAX_STREAMS_PER_CONNECTION, MANIFEST_PIECE_BYTES, WELCOME_PEERS_WAIT_MS } from './constants.ts'
import { FramedStream } from './framing.ts'
import { InitialSeeding, SeedingView } from './initial-seeding.ts'
import { Bitfield } from '../storage/bitfield.ts'
import { decodeClientMessage, encodeBlock, encodeMessage } from './messages.ts'
import type { ServerMessage } from './messages.ts'
import type { TokenBucket } from '../bandwidth/token-bucket.ts'
import type { ServedShare } from '../storage/served-share.ts'
import type { Connection, Stream, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'

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
  /** A peer opened a session for a share: it may be a source for us too. */
  onPeerJoined? (shareId: string, peerId: string): void
  /** Sessions served at once (default MAX_SERVED_SESSIONS) and per peer (default MAX_SESSIONS_PER_PEER). */
  readonly maxSessions?: number
  readonly maxSessionsPerPeer?: number
}

interface Session {
  readonly framed: FramedStream
  readonly peerId: string
}

/** Initial seeding of one share: the policy, and how to tell each downloader what it is shown. */
interface ShareSeeding {
  readonly policy: InitialSeeding
  /** Per downloader: what it has been told the seed has, and how to send it HAVE. */
  readonly told: Map<SeedingView, { readonly bits: Bitfield, readonly send: (m: ServerMessage) => Promise<void> }>
  timer: ReturnType<typeof setInterval> | null
}

/**
 * Serves `/swarmdrop/chunks/1.0.0`: one stream per (peer, share). After HELLO the server sends
 * WELCOME (manifest size, what it has, other peers), then answers MANIFEST and REQUEST in order,
 * pushes HAVE as it gets chunks and PEERS as peers join. Requests beyond MAX_QUEUED_REQUESTS get
 * `busy`; CANCEL drops a queued request.
 */
export class ChunkServer {
  readonly #components: ChunkServerComponents
  readonly #init: ChunkServerInit
  readonly #sessions = new Map<string, Set<Session>>()
  #sessionCount = 0
  /** Every admitted session by peer, for the per-peer cap and fair eviction. */
  readonly #byPeer = new Map<string, Set<Session>>()
  /** Initial seeding state of the shares served that way, until every chunk has been shown. */
  readonly #seeding = new Map<string, ShareSeeding>()

  constructor (components: ChunkServerComponents, init: ChunkServerInit) {
    this.#components = components
    this.#init = init
  }

  async start (): Promise<void> {
    await this.#components.handle(CHUNK_PROTOCOL, (stream, connection) => {
      this.#serve(stream, connection).catch(err => { stream.abort(err as Error) })
    }, { maxInboundStreams: MAX_STREAMS_PER_CONNECTION, maxOutboundStreams: MAX_STREAMS_PER_CONNECTION })
  }

  async stop (): Promise<void> {
    await this.#components.unhandle(CHUNK_PROTOCOL)
    for (const set of this.#sessions.values()) for (const s of set) s.framed.abort(new Error('server stopping'))
    this.#sessions.clear()
    for (const seeding of this.#seeding.values()) if (seeding.timer != null) clearInterval(seeding.timer)
    this.#seeding.clear()
  }

  /** How many distinct peers have a session open for a share. */
  peersFetching (shareId: string): number {
    return new Set([...this.#sessions.get(shareId) ?? []].map(s => s.peerId)).size
  }

  /** Closes every session of a share (unshared or changed). */
  dropShare (shareId: string): void {
    for (const s of this.#sessions.get(shareId) ?? []) s.framed.abort(new Error('share no longer served'))
    this.#sessions.delete(shareId)
    const seeding = this.#seeding.get(shareId)
    if (seeding?.timer != null) clearInterval(seeding.timer)
    this.#seeding.delete(shareId)
  }

  /**
   * A new session of a share served by initial seeding: its view and the bitfield for its WELCOME;
   * null if the share is served the ordinary way (or initial seeding has finished).
   */
  #openView (share: ServedShare, send: (m: ServerMessage) => Promise<void>): { seeding: ShareSeeding, view: SeedingView, bits: Bitfield } | null {
    if (share.initialSeeding !== true || !share.have.complete || share.layout.chunkCount > INITIAL_SEEDING_MAX_CHUNKS) return null
    let seeding = this.#seeding.get(share.shareId)
    // It starts with the second downloader at once: a downloader alone is shown everything, so one
    // taking chunks from several seeds is never held back by what each chose to show it.
    if (seeding == null && (this.#sessions.get(share.shareId)?.size ?? 0) === 0) return null
    if (seeding == null) {
      const policy = new InitialSeeding(share.layout.chunkCount, { window: INITIAL_SEEDING_WINDOW, minWindow: INITIAL_SEEDING_MIN_WINDOW, ttlMs: INITIAL_SEEDING_TTL_MS })
      this.#seeding.set(share.shareId, seeding = { policy, told: new Map(), timer: null })
    }
    if (seeding.policy.finished) return null
    const { view, show } = seeding.policy.open()
    const bits = new Bitfield(share.layout.chunkCount)
    for (const i of show) bits.set(i)
    seeding.told.set(view, { bits, send })
    if (seeding.timer == null) {
      const s = seeding
      s.timer = setInterval(() => {
        for (const [v, chunks] of s.policy.expire()) this.#show(s, v, chunks)
        this.#afterSeedingChange(s)
      }, INITIAL_SEEDING_TICK_MS)
      s.timer.unref()
    }
    return { seeding, view, bits }
  }

  /** Tells a downloader the seed has these chunks. */
  #show (seeding: ShareSeeding, view: SeedingView, chunks: readonly number[]): void {
    const told = seeding.told.get(view)
    if (told == null) return
    for (const i of chunks) if (told.bits.set(i)) told.send({ t: 'have', index: i }).catch(() => {})
  }

  /** Once initial seeding has finished, every downloader is told about every chunk; idle, its timer stops. */
  #afterSeedingChange (seeding: ShareSeeding): void {
    if (seeding.policy.finished) {
      for (const told of seeding.told.values()) {
        for (let i = 0; i < told.bits.length; i++) if (told.bits.set(i)) told.send({ t: 'have', index: i }).catch(() => {})
      }
      seeding.told.clear()
    }
    if ((seeding.policy.finished || seeding.told.size === 0) && seeding.timer != null) {
      clearInterval(seeding.timer)
      seeding.timer = null
    }
  }

  /** Tells every session of a share about a new peer (peer exchange). */
  announcePeer (shareId: string, address: string, peerId: string): void {
    for (const s of this.#sessions.get(shareId) ?? []) {
      if (s.peerId !== peerId) s.framed.send(encodeMessage({ t: 'peers', peers: [address] })).catch(() => {})
    }
  }

  /**
   * Admits a session under the caps (counted before any await, so concurrent HELLOs cannot all
   * pass): at most MAX_SESSIONS_PER_PEER per peer; when all MAX_SERVED_SESSIONS are taken, the
   * oldest session of the peer holding the most is closed to make room, if that peer holds at
   * least two more than the newcomer. Many sessions from a few peers cannot lock others out.
   */
  #admit (session: Session): boolean {
    const mine = this.#byPeer.get(session.peerId)
    const count = mine?.size ?? 0
    if (count >= (this.#init.maxSessionsPerPeer ?? MAX_SESSIONS_PER_PEER)) return false
    if (this.#sessionCount >= (this.#init.maxSessions ?? MAX_SERVED_SESSIONS)) {
      let largest: Set<Session> | undefined
      for (const set of this.#byPeer.values()) if (largest == null || set.size > largest.size) largest = set
      if (largest == null || largest.size < count + 2) return false
      const victim = largest.values().next().value!
      this.#release(victim)
      victim.framed.abort(new Error('session closed to make room for another peer'))
    }
    let set = mine
    if (set == null) this.#byPeer.set(session.peerId, set = new Set())
    set.add(session)
    this.#sessionCount++
    return true
  }

  /** Frees a session's slot (once; a session closed to make room is released at once). */
  #release (session: Session): void {
    const set = this.#byPeer.get(session.peerId)
    if (set == null || !set.delete(session)) return
    this.#sessionCount--
    if (set.size === 0) this.#byPeer.delete(session.peerId)
  }

  async #serve (stream: Stream, connection: Connection): Promise<void> {
    const framed = new FramedStream(stream, MAX_CLIENT_MESSAGE_BYTES)
    const peerId = connection.remotePeer.toString()
    const send = (m: ServerMessage): Promise<void> => framed.send(encodeMessage(m))
    const frames = framed.frames()

    const timer = setTimeout(() => { framed.abort(new Error('no HELLO in time')) }, HANDSHAKE_TIMEOUT_MS)
    const first = await frames.next()
    clearTimeout(timer)
    if (first.done === true) return
    const hello = decodeClientMessage(first.value)
    if (hello.t !== 'hello') {
      await send({ t: 'error', code: 'bad-request', message: 'first message must be HELLO' })
      await framed.close()
      return
    }
    const share = this.#init.lookup(hello.share)
    if (share == null) {
      await send({ t: 'error', code: 'unknown-share', message: 'this peer does not have that share' })
      await framed.close()
      return
    }
    const session: Session = { framed, peerId }
    if (!this.#admit(session)) {
      await send({ t: 'error', code: 'busy', message: 'too many sessions' })
      await framed.close()
      return
    }

    // WELCOME goes first: no HAVE or PEERS may be queued before it. Its bitfield is copied in the
    // same tick as the HAVE subscription starts, so no chunk falls between the two. It carries the
    // swarm's addresses if they are read within WELCOME_PEERS_WAIT_MS; otherwise they follow in a
    // PEERS message once read (peer exchange is advice: a failed read only means no addresses).
    const listing = this.#init.swarmPeers(share.shareId, peerId).catch(() => [])
    const listed = await within(listing, WELCOME_PEERS_WAIT_MS)
    const initial = this.#openView(share, send)
    const welcomeSent = send({ t: 'welcome', manifestSize: share.manifestBytes.length, have: initial?.bits.bytes ?? share.have.bytes, peers: listed ?? [] })
    welcomeSent.catch(() => {})
    if (listed == null) void listing.then(peers => { if (peers.length > 0) send({ t: 'peers', peers }).catch(() => {}) })
    let set = this.#sessions.get(share.shareId)
    if (set == null) this.#sessions.set(share.shareId, set = new Set())
    set.add(session)
    const unsubscribe = share.onHave(index => { send({ t: 'have', index }).catch(() => {}) })
    this.#init.onPeerJoined?.(share.shareId, peerId)

    const queue: number[] = []
    /** The chunk taken from the queue and not yet sent, with a way to call it off while it waits for upload budget. */
    const state: { wake: (() => void) | null, ended: boolean, sending: { index: number, cancel: AbortController } | null } = { wake: null, ended: false, sending: null }
    const wake = (): void => { const w = state.wake; state.wake = null; w?.() }
    const worker = (async () => {
      while (true) {
        if (queue.length === 0) {
          if (state.ended) return
          await new Promise<void>(resolve => { state.wake = resolve })
          continue
        }
        const index = queue.shift()!
        const sending = { index, cancel: new AbortController() }
        state.sending = sending
        let data: Uint8Array
        try {
          // From what is served now, not what was at HELLO: a download that finishes moves its files
          // and is served from them from then on (the service swaps it for a seeded share), and a
          // session opened while it was downloading must follow, or it answers `unavailable` for good.
          data = await (this.#init.lookup(share.shareId) ?? share).readChunk(index)
        } catch (err) {
          state.sending = null
          await send({ t: 'error', code: 'unavailable', index, message: (err as Error).message.slice(0, 200) })
          continue
        }
        try {
          // Cancelled while it waits for budget (the downloader got the chunk from another source in
          // the endgame, or gave up waiting), or the session ended: never sent, and the budget goes
          // to the next chunk. A capped seed keeps a crowd's requests waiting about a second.
          await this.#init.uploadLimit.take(data.length, sending.cancel.signal)
        } catch {
          continue
        } finally {
          state.sending = null
        }
        await framed.send(encodeBlock(index, data))
        if (initial != null) {
          initial.seeding.policy.sent(initial.view, index)
          this.#afterSeedingChange(initial.seeding)
        }
        this.#init.onUpload?.(share.shareId, peerId, data.length)
      }
    })()
    worker.catch(() => {})

    try {
      await welcomeSent
      for await (const frame of frames) {
        const m = decodeClientMessage(frame)
        if (m.t === 'request') {
          if (m.index >= share.layout.chunkCount) await send({ t: 'error', code: 'out-of-range', index: m.index })
          else if (queue.length >= MAX_QUEUED_REQUESTS) await send({ t: 'error', code: 'busy', index: m.index })
          else {
            queue.push(m.index)
            wake()
            if (initial != null) {
              this.#show(initial.seeding, initial.view, initial.seeding.policy.requested(initial.view, m.index))
            } else {
              // A downloader shown everything (it came alone): what it takes is not handed out again.
              const seeding = this.#seeding.get(share.shareId)
              if (seeding != null && share.initialSeeding === true) {
                seeding.policy.claim(m.index)
                this.#afterSeedingChange(seeding)
              }
            }
          }
        } else if (m.t === 'cancel') {
          const at = queue.indexOf(m.index)
          if (at >= 0) queue.splice(at, 1)
          else if (state.sending?.index === m.index) state.sending.cancel.abort()
          if ((at >= 0 || state.sending?.index === m.index) && initial != null) {
            // It got the chunk elsewhere: the chunk is out in the swarm, as good as sent.
            initial.seeding.policy.sent(initial.view, m.index)
            this.#afterSeedingChange(initial.seeding)
          }
        } else if (m.t === 'manifest') {
          if (m.offset >= share.manifestBytes.length) await send({ t: 'error', code: 'out-of-range', message: 'manifest offset past the end' })
          else await send({ t: 'manifest-piece', offset: m.offset, data: share.manifestBytes.subarray(m.offset, m.offset + MANIFEST_PIECE_BYTES) })
        } else {
          await send({ t: 'error', code: 'bad-request', message: 'HELLO sent twice' })
        }
      }
      state.ended = true
      wake()
      await worker
      await framed.close()
    } finally {
      state.ended = true
      queue.length = 0
      state.sending?.cancel.abort()
      wake()
      unsubscribe()
      if (initial != null) {
        initial.seeding.policy.close(initial.view)
        initial.seeding.told.delete(initial.view)
        this.#afterSeedingChange(initial.seeding)
      }
      set.delete(session)
      this.#release(session)
      if (set.size === 0 && this.#sessions.get(share.shareId) === set) this.#sessions.delete(share.shareId)
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
