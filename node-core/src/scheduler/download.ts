import { EventEmitter } from 'node:events'
import { ProtocolError, SwarmdropError } from '../errors.ts'
import { logger } from '../log/logger.ts'
import { Bitfield } from '../storage/bitfield.ts'
import { CandidateList, MAX_PEERS_PER_SOURCE, connectBackoffMs, sourceLimit } from './candidates.ts'
import type { Candidate } from './candidates.ts'
import { PiecePicker } from './piece-picker.ts'
import { SourceTallies, newSource, snapshotOf } from './source-state.ts'
import type { Source } from './source-state.ts'
import { BUDGETS, RateBudget } from './peer-budget.ts'
import { PENALTY, type PeerJudge } from './peer-score.ts'
import { RateMeter, pipelineDepth, planningRate, rankSources, requestTimeoutMs, seedSparingLimit, shouldDropSource, withinByteBudget } from './source-policy.ts'
import type { SourceSnapshot } from '../contract/source-snapshot.ts'
import type { TokenBucket } from '../bandwidth/token-bucket.ts'
import { SessionRefusedError } from '../protocol/chunk-client.ts'
import type { SourceSession } from '../protocol/chunk-client.ts'
import type { ChunkBytes } from '../storage/file-handles.ts'
import type { PartialDownload } from '../storage/partial-download.ts'

export type { SourceSnapshot } from '../contract/source-snapshot.ts'
export { peerKey } from './candidates.ts'

export interface SwarmTransferInit {
  readonly data: PartialDownload
  readonly downloadLimit: TokenBucket
  /** Opens a started-less session to a peer (multiaddr or peer ID) for this share. */
  connect (peer: string, signal: AbortSignal): Promise<SourceSession>
  readonly maxSources?: number
  /** Whether a peer is on the local network (preferred as a source, dialed first). */
  isLan? (peerId: string): boolean
  readonly now?: () => number
  /** A chunk from `peerId` was verified and written. */
  onChunk? (index: number, peerId: string): void
  /** The download's candidate list (shared with whoever fills it); a new one by default. */
  readonly candidates?: CandidateList
  /** Peer scores: a source that floods or cheats is scored down, and a shut-out peer is not dialed. */
  readonly judge?: PeerJudge
  /** Who delivered how much (shared by every transfer of a download, so a resume keeps counting); a new one by default. */
  readonly tallies?: SourceTallies
}

const log = logger('swarmdrop:transfer')

const TICK_MS = 1000

/**
 * The mechanism of one swarm download, once its manifest is known: it keeps sessions to sources,
 * asks the piece picker (policy) what to request, keeps each source's pipeline as deep as its
 * measured rate calls for, verifies and writes every chunk, cancels endgame duplicates, re-queues
 * on timeout or disconnect, penalises and drops sources that send bad chunks, and reconnects to
 * known peers with back-off. It emits `complete` once every chunk is verified and written, and
 * `tick` after each of its once-a-second rounds (timeouts, requests, connections), with the time
 * of its clock that round judged by (a test that moves the clock waits for a round to pass).
 */
export class SwarmTransfer extends EventEmitter<{ complete: [], source: [SourceSnapshot], error: [Error], tick: [number] }> {
  readonly #init: SwarmTransferInit
  readonly #data: PartialDownload
  readonly #picker: PiecePicker
  readonly #sources = new Map<string, Source>()
  readonly #candidates: CandidateList
  #unsubscribeCandidates: (() => void) | null = null
  #connectScheduled = false
  /** Chunk -> number of sources it is requested from (or being verified). */
  readonly #inFlight = new Map<number, number>()
  /** Chunks received and being verified and written: never worth requesting again meanwhile. */
  readonly #verifying = new Set<number>()
  /** Bytes requested and not yet received, or received and not yet written (see MAX_BYTES_OUTSTANDING). */
  #outstandingBytes = 0
  readonly #tallies: SourceTallies
  readonly #now: () => number
  readonly #abort = new AbortController()
  #timer: NodeJS.Timeout | null = null
  #running = false
  #completed = false
  readonly rate: RateMeter
  /** The last source that disconnected, and when; null if none has. */
  lastSeen: { readonly peerId: string, readonly address: string | null, readonly at: number } | null = null
  /** When the last chunk was verified and written (this clock), null if none yet. */
  lastChunkAt: number | null = null

  constructor (init: SwarmTransferInit) {
    super()
    this.#init = init
    this.#data = init.data
    this.#now = init.now ?? Date.now
    this.#candidates = init.candidates ?? new CandidateList()
    this.#tallies = init.tallies ?? new SourceTallies()
    this.#picker = new PiecePicker(this.#data.layout.chunkCount, this.#data.have)
    this.rate = new RateMeter(3000, this.#now)
  }

  get running (): boolean { return this.#running }
  get connectedSources (): number { return this.#sources.size }

  start (): void {
    if (this.#running) return
    this.#running = true
    this.#candidates.judgeAfresh()
    this.#unsubscribeCandidates = this.#candidates.onAdded(() => { this.#connectSoon() })
    this.#timer = setInterval(() => { this.#tick() }, TICK_MS)
    this.#timer.unref()
    if (this.#picker.remaining === 0) { this.#finish(); return }
    this.#tick()
  }

  stop (): void {
    if (!this.#running) return
    this.#running = false
    this.#unsubscribeCandidates?.()
    if (this.#timer != null) clearInterval(this.#timer)
    this.#abort.abort()
    for (const s of [...this.#sources.values()]) this.#removeSource(s, undefined)
  }

  /** Chunks first..last are fetched first, in order (a file being played; PiecePicker.focus); null ends it. */
  focus (range: { first: number, last: number } | null): void { this.#picker.focus(range); if (range != null) this.#fillAll() }

  /** A peer that may have the share: from a link hint, `--peer`, peer exchange, or one that asked us for it (`reciprocal`: see sourceLimit). */
  addCandidate (peer: string, reciprocal = false): void {
    this.#candidates.add(peer, { reciprocal })
  }

  /** Every peer that had a session in this download (connected now or not), with its tally: the bytes sum to those verified in this process. */
  snapshot (): SourceSnapshot[] {
    return [...this.#tallies.values()].map(t => snapshotOf(t, this.#sources.get(t.peerId)))
  }

  /** Whether `peerId` is a connected source whose bitfield has chunk `index`. */
  sourceHas (peerId: string, index: number): boolean { return this.#sources.get(peerId)?.has.has(index) === true }

  #connectSoon (): void { // one connection round after a burst of new candidates (a PEERS message adds many)
    if (this.#connectScheduled || !this.#running) return
    this.#connectScheduled = true
    setImmediate(() => { this.#connectScheduled = false; if (this.#running) this.#connectSome() })
  }

  #connectSome (): void {
    const max = this.#init.maxSources ?? 32
    const now = this.#now()
    let connecting = 0
    for (const c of this.#candidates.values()) if (c.connecting) connecting++
    const isLan = (c: Candidate): boolean => this.#init.isLan?.(c.key) === true
    // LAN peers first (dialed before others, as they are faster), in two passes rather than a sort.
    const lanFirst = [...[...this.#candidates.values()].filter(isLan), ...[...this.#candidates.values()].filter(c => !isLan(c))]
    for (const c of lanFirst) {
      if (this.#sources.size + connecting >= sourceLimit(max, c)) continue
      // A peer scored down (peer-score.ts) is not dialed until its penalty fades.
      if (c.dropped || c.connecting || this.#sources.has(c.key) || c.nextAttempt > now || this.#init.judge?.banned(c.key) === true) continue
      c.connecting = true
      c.attempts++
      connecting++
      const address = c.address
      this.#init.connect(address, this.#abort.signal).then(session => {
        c.connecting = false
        if (!this.#running || this.#sources.has(session.peerId)) { session.close(); return }
        this.#attach(session, address)
      }, (err: unknown) => {
        c.connecting = false
        this.#candidates.failed(c)
        c.nextAttempt = this.#now() + connectBackoffMs(c.attempts)
        // A full server names other members of the swarm (at most MAX_PEX_PEERS, checked by the decoder).
        if (err instanceof SessionRefusedError && this.#running) for (const p of [...err.peers].reverse()) this.addCandidate(p)
      })
    }
  }

  #attach (session: SourceSession, address: string): void {
    let has: Bitfield
    try {
      has = new Bitfield(this.#data.layout.chunkCount, session.initialHave)
    } catch {
      session.abort(new ProtocolError('source sent a bitfield of the wrong length'))
      this.#dropCandidate(session.peerId, PENALTY.protocol, 'a bitfield of the wrong length')
      return
    }
    const source = newSource(session, address, has, this.#tallies.of(session.peerId), this.#now)
    this.#sources.set(source.peerId, source)
    const candidate = this.#candidates.get(source.peerId)
    if (candidate != null) { candidate.attempts = 0; candidate.nextAttempt = 0 }
    this.#picker.addSource(has)
    // Peer exchange: at most MAX_PEERS_PER_SOURCE addresses taken from one session (a flood of
    // PEERS messages costs the flooder, not us). Taken last first: a peer's first address listed (its best) is dialed first.
    let peersTaken = 0
    const takePeers = (peers: readonly string[]): void => {
      for (const p of [...peers].reverse()) if (peersTaken++ < MAX_PEERS_PER_SOURCE) this.addCandidate(p)
    }
    takePeers(session.initialPeers)
    const budget = new RateBudget(BUDGETS.chatter, this.#now)
    /** A message that gives nothing: acted on within budget (true), else ignored; past the debt too, the source is dropped and scored down. */
    const chatter = (): boolean => {
      const verdict = budget.charge()
      if (verdict === 'over' && this.#sources.get(source.peerId) === source) {
        this.#dropCandidate(source.peerId, PENALTY.flood, 'flooded us with messages that carry nothing')
        this.#removeSource(source, new ProtocolError('dropped: it flooded us with messages that carry nothing'))
      }
      return verdict === 'ok'
    }
    session.start({
      // A write that fails (a full disk) ends the transfer; writes still under way when it has
      // stopped fail the same way and are not news (an 'error' with no listener would throw).
      onBlock: (index, data) => { this.#onBlock(source, index, data).catch(err => { if (this.#running) this.emit('error', err as Error) }) },
      onHave: index => {
        if (index < has.length && has.set(index)) { this.#picker.addSourceChunk(index); this.#fill(source) } else chatter()
      },
      onPeers: peers => { if (chatter()) takePeers(peers) },
      onError: (code, index) => {
        if ((index === undefined || !source.inFlight.has(index)) && !chatter()) return
        if (index !== undefined) this.#release(source, index)
        // Asked again only after a pause: at once, a source that cannot serve a chunk it has (busy,
        // or `unavailable`: a download that has just finished and is moving its files, a seeded file
        // gone) and we would trade requests and errors as fast as both can, holding its chunks
        // from every other source meanwhile.
        source.busyUntil = this.#now() + (code === 'busy' ? 500 : 1000)
        if (code !== 'busy') source.tally.failures++
        this.#fill(source)
      },
      onClose: err => {
        // A source that breaks the protocol (a frame over the cap, a malformed message) is not asked again (judged once: not when we closed it).
        if (err instanceof ProtocolError && this.#sources.get(source.peerId) === source) this.#dropCandidate(source.peerId, PENALTY.protocol, err.message)
        this.#removeSource(source, err)
      }
    })
    this.emit('source', snapshotOf(source.tally, source))
    this.#fill(source)
  }

  #release (source: Source, index: number): void {
    if (source.inFlight.delete(index)) {
      this.#outstandingBytes -= this.#data.layout.chunkLength(index)
      this.#decrementInFlight(index)
    }
  }

  #decrementInFlight (index: number): void {
    const n = (this.#inFlight.get(index) ?? 1) - 1
    if (n <= 0) this.#inFlight.delete(index)
    else this.#inFlight.set(index, n)
  }

  #removeSource (source: Source, err: Error | undefined): void {
    if (this.#sources.get(source.peerId) !== source) return
    this.#sources.delete(source.peerId)
    for (const index of [...source.inFlight.keys()]) this.#release(source, index)
    this.#picker.removeSource(source.has)
    if (this.#running) this.lastSeen = { peerId: source.peerId, address: source.address, at: this.#now() }
    if (!source.session.closed) {
      if (err != null) source.session.abort(err)
      else source.session.close()
    }
    const c = this.#candidates.get(source.peerId)
    if (c != null && !c.dropped) c.nextAttempt = this.#now() + 1000 * 2 ** Math.min(c.attempts + 1, 5)
    this.#fillAll() // its chunks go to the others
  }

  #planningRate (s: Source): number { // recent, or this session's average when nothing arrived lately
    return planningRate(s.rate.rate(), s.tally.bytes - s.bytesAtAttach, this.#now() - s.attachedAt)
  }

  /** Offers free work to every source, the one expected to deliver soonest first (source policy). */
  #fillAll (): void {
    const loads = [...this.#sources.values()].map(s => ({ id: s.peerId, rate: this.#planningRate(s), inFlight: s.inFlight.size, failures: s.tally.failures, lan: this.#init.isLan?.(s.peerId) === true }))
    for (const load of rankSources(loads, this.#data.layout.manifest.chunkSize)) {
      const s = this.#sources.get(load.id)
      if (s != null) this.#fill(s)
    }
  }

  /** Not asked again by this transfer, and `points` off its score (a score shuts it out of every download for a while). */
  #dropCandidate (peerId: string, points: number, reason: string): void {
    if (!this.#running) return // blocks and closes after stop() say nothing about the peer
    const c = this.#candidates.get(peerId)
    if (c != null) c.dropped = true
    if (points > 0) this.#init.judge?.penalise(peerId, points, reason)
  }

  async #onBlock (source: Source, index: number, data: ChunkBytes): Promise<void> {
    if (!source.inFlight.delete(index)) {
      // A block we cancelled may cross the CANCEL on the wire; any other block was never requested.
      if (source.lateAllowed > 0) { source.lateAllowed--; return }
      this.#dropCandidate(source.peerId, PENALTY.protocol, `sent chunk ${index}, which was not requested`)
      this.#removeSource(source, new ProtocolError(`dropped: sent chunk ${index}, which was not requested`))
      return
    }
    source.stalledSince = null
    // The source's slot is free at once (keep its pipeline full while we verify); the chunk stays
    // counted in #inFlight until it is written, so nobody requests it again meanwhile, and its bytes
    // stay counted against the download's byte budget until then.
    this.#verifying.add(index)
    source.holding++
    this.#fill(source)
    let result: 'written' | 'duplicate' | 'bad'
    try {
      result = this.#data.have.has(index) ? 'duplicate' : await this.#data.writeChunk(index, data)
    } finally {
      source.holding--
      this.#outstandingBytes -= this.#data.layout.chunkLength(index)
      this.#verifying.delete(index)
      this.#decrementInFlight(index)
    }
    if (result === 'bad') {
      source.tally.badChunks++
      source.tally.failures++
      if (this.#running) this.#init.judge?.penalise(source.peerId, PENALTY.badChunk, `chunk ${index} failed verification`)
      if (shouldDropSource(source.tally.badChunks)) {
        this.#dropCandidate(source.peerId, 0, 'bad chunks')
        this.#removeSource(source, new ProtocolError(`dropped: sent ${source.tally.badChunks} chunks that failed verification`))
        return
      }
      this.#fill(source)
      return
    }
    if (result === 'duplicate') { this.#fill(source); return } // an endgame duplicate
    // Counted even when this session has closed meanwhile (dropped, stalled): its tally outlives it.
    source.tally.bytes += data.byteLength
    source.tally.chunks++
    source.rate.add(data.byteLength)
    source.rateAtLastChunk = this.#planningRate(source)
    this.rate.add(data.byteLength)
    this.lastChunkAt = this.#now()
    this.#init.onChunk?.(index, source.peerId)
    this.#picker.markHave(index)
    for (const other of this.#sources.values()) {
      if (other !== source && other.inFlight.has(index)) {
        this.#release(other, index)
        this.#cancel(other, index)
        this.#fill(other)
      }
    }
    if (this.#picker.remaining === 0) { this.#finish(); return }
    this.#fill(source)
  }

  #cancel (source: Source, index: number): void {
    source.lateAllowed++
    source.session.cancel(index)
  }

  #fill (source: Source): void {
    if (source.filling || !this.#running || this.#completed) return
    source.filling = true
    this.#fillLoop(source).catch((err: unknown) => {
      // The download limit's wait ends with an abort when the transfer stops; anything else is news.
      if (this.#running) log.warn('requests to %s stopped: %s', source.peerId, err)
    }).finally(() => { source.filling = false })
  }

  async #fillLoop (source: Source): Promise<void> {
    const chunkSize = this.#data.layout.manifest.chunkSize
    while (this.#running && this.#sources.get(source.peerId) === source && source.busyUntil <= this.#now()) {
      if (source.inFlight.size >= pipelineDepth(this.#planningRate(source), chunkSize)) return
      if (!withinByteBudget(this.#outstandingBytes, source.inFlight.size + source.holding, chunkSize)) return
      const index = this.#picker.pick(source.has, this.#inFlight, new Set([...source.inFlight.keys(), ...this.#verifying]), seedSparingLimit(source, this.#sources.values(), s => s.has.complete))
      if (index < 0) return
      source.inFlight.set(index, this.#now())
      this.#outstandingBytes += this.#data.layout.chunkLength(index)
      this.#inFlight.set(index, (this.#inFlight.get(index) ?? 0) + 1)
      await this.#init.downloadLimit.take(this.#data.layout.chunkLength(index), this.#abort.signal)
      if (this.#sources.get(source.peerId) !== source || !source.inFlight.has(index)) continue
      source.session.request(index)
    }
  }

  #tick (): void {
    if (!this.#running) return
    const now = this.#now()
    const chunkSize = this.#data.layout.manifest.chunkSize
    for (const s of [...this.#sources.values()]) {
      const timeout = requestTimeoutMs(s.rate.rate(), s.rateAtLastChunk, s.inFlight.size * chunkSize)
      let stalled = false
      for (const [index, since] of s.inFlight) {
        if (now - since > timeout) {
          this.#release(s, index)
          this.#cancel(s, index)
          s.tally.failures++
          // A request sent after an earlier timeout timed out too, with no block between: stalled.
          if (s.stalledSince != null && since >= s.stalledSince) stalled = true
          s.stalledSince ??= now
        }
      }
      if (stalled) {
        // It accepts requests and answers none: close the session; it is retried after a back-off
        // (a stall may be a passing overload), its requests go to others meanwhile.
        this.#removeSource(s, new SwarmdropError('unreachable', 'dropped: its requests timed out twice in a row'))
      }
    }
    this.#fillAll()
    this.#connectSome()
    this.emit('tick', now)
  }

  #finish (): void {
    if (this.#completed) return
    this.#completed = true
    this.stop()
    this.emit('complete')
  }
}
