/**
 * One simulated download: the mechanism of `SwarmTransfer` (node-core/src/scheduler/download.ts)
 * over the virtual clock, driving the real policy code: `PiecePicker` chooses every chunk,
 * `pipelineDepth`, `withinByteBudget` and `seedSparingLimit` decide how many requests go to which
 * source and which chunks a seed is asked for, `rankSources` orders the sources each second,
 * `RateMeter` measures each source on the virtual clock. The tick's request timeouts and stall
 * drop are modelled as download.ts has them. Not modelled: bad chunks, `busy` answers (no source is
 * ever asked for more than 32 while a server queues 64), error back-offs, verification and disk
 * time (a chunk is written the instant it arrives).
 */
import { Bitfield } from '../../node-core/src/storage/bitfield.ts'
import { PiecePicker } from '../../node-core/src/scheduler/piece-picker.ts'
import { RateMeter, pipelineDepth, planningRate, rankSources, seedSparingLimit, withinByteBudget } from '../../node-core/src/scheduler/source-policy.ts'
import type { Peer } from './peer.ts'
import { RECIPROCAL_SOURCES_FACTOR, connectBackoffMs, sourceLimit } from '../../node-core/src/scheduler/candidates.ts'

/** What a download needs from the simulated network. */
export interface Network {
  /** Virtual time, seconds. */
  now (): number
  chunkLength (index: number): number
  peer (id: number): Peer
  /** Starts opening a session from `downloader` to `to`; ends in `attach` or `connectFailed`. */
  connect (downloader: Peer, to: Peer): void
  request (downloader: Peer, to: Peer, index: number): void
  cancel (downloader: Peer, to: Peer, index: number): void
  /** A chunk from `from` was verified: record it and tell the peers this one serves. */
  delivered (downloader: Peer, from: Peer, index: number): void
  completed (downloader: Peer): void
  /** Ends the session `downloader` holds with `source`. */
  closeSession (downloader: Peer, source: Peer): void
}

interface Source {
  readonly peer: Peer
  readonly has: Bitfield
  readonly requested: Set<number>
  /** When each request was sent, seconds. */
  readonly sentAt: Map<number, number>
  readonly rate: RateMeter
  /** When the session opened (seconds) and the chunk bytes it delivered since (planningRate). */
  readonly attachedAt: number
  delivered: number
  rateAtLastChunk: number
  failures: number
  /** When a request first timed out with no block since, or null. */
  stalledSince: number | null
}

interface Candidate { attempts: number, nextAttempt: number, connecting: boolean, reciprocal: boolean }

/** download.ts MIN_REQUEST_TIMEOUT_MS, in seconds. */
const MIN_REQUEST_TIMEOUT = 15

export class SimDownloader {
  readonly #self: Peer
  readonly #net: Network
  readonly #picker: PiecePicker
  readonly #chunkBytes: number
  readonly #maxSources: number
  readonly #maxCandidates: number
  readonly #seedSparing: boolean
  readonly #reciprocity: boolean
  readonly sources = new Map<number, Source>()
  readonly #candidates = new Map<number, Candidate>()
  readonly #inFlight = new Map<number, number>()
  /** Failures of sources no longer connected, carried into their next session (download.ts: the peer's tally in source-state.ts). */
  readonly #pastFailures = new Map<number, number>()
  #outstanding = 0
  #connecting = 0
  #running = true
  readonly #clockMs: () => number

  constructor (self: Peer, net: Network, opts: { chunkCount: number, chunkBytes: number, maxSources: number, maxCandidates: number, seedSparing: boolean, reciprocity: boolean, random: () => number }) {
    this.#self = self
    this.#net = net
    this.#picker = new PiecePicker(opts.chunkCount, self.have, { random: opts.random })
    this.#chunkBytes = opts.chunkBytes
    this.#maxSources = opts.maxSources
    this.#maxCandidates = opts.maxCandidates
    this.#seedSparing = opts.seedSparing
    this.#reciprocity = opts.reciprocity
    this.#clockMs = () => net.now() * 1000
  }

  get remaining (): number { return this.#picker.remaining }

  /** What this download gets from peer `id` now (bytes/s; 0 if it is not a source): the credit of upload turns. */
  rateFrom (id: number): number {
    const s = this.sources.get(id)
    return s == null ? 0 : s.rate.rate()
  }

  /** A peer that may have the share; `reciprocal`: it opened a session with us (sourceLimit, as SwarmTransfer). */
  addCandidate (id: number, reciprocal = false): void {
    if (id === this.#self.id) return
    const known = this.#candidates.get(id)
    if (known != null) {
      if (!reciprocal || known.reciprocal || !this.#reciprocity) return
      known.reciprocal = true
    } else {
      if (this.#candidates.size >= this.#maxCandidates) return
      this.#candidates.set(id, { attempts: 0, nextAttempt: 0, connecting: false, reciprocal: reciprocal && this.#reciprocity })
    }
    if (this.#running) this.connectSome()
  }

  connectSome (): void {
    const now = this.#net.now()
    for (const [id, c] of this.#candidates) {
      if (this.sources.size + this.#connecting >= this.#maxSources * RECIPROCAL_SOURCES_FACTOR) return
      if (this.sources.size + this.#connecting >= sourceLimit(this.#maxSources, c)) continue
      if (c.connecting || this.sources.has(id) || c.nextAttempt > now) continue
      const peer = this.#net.peer(id)
      if (peer.state === 'gone') { this.#candidates.delete(id); continue }
      c.connecting = true
      c.attempts++
      this.#connecting++
      this.#net.connect(this.#self, peer)
    }
  }

  connectFailed (peer: Peer): void {
    const c = this.#candidates.get(peer.id)
    if (c == null || !c.connecting) return
    c.connecting = false
    this.#connecting--
    if (peer.state === 'gone') this.#candidates.delete(peer.id)
    else c.nextAttempt = this.#net.now() + connectBackoffMs(c.attempts) / 1000 // the real back-off, in virtual seconds
  }

  /** A session opened: the source's WELCOME bitfield is `has`. Returns false if it is not wanted. */
  attach (peer: Peer, has: Bitfield): boolean {
    const c = this.#candidates.get(peer.id)
    if (c?.connecting === true) { c.connecting = false; this.#connecting-- }
    if (!this.#running || this.sources.has(peer.id)) return false
    if (c != null) { c.attempts = 0; c.nextAttempt = 0 }
    const source: Source = { peer, has, requested: new Set(), sentAt: new Map(), rate: new RateMeter(3000, this.#clockMs), attachedAt: this.#net.now(), delivered: 0, rateAtLastChunk: 0, failures: this.#pastFailures.get(peer.id) ?? 0, stalledSince: null }
    this.sources.set(peer.id, source)
    this.#picker.addSource(has)
    this.#fill(source)
    return true
  }

  onHave (from: number, index: number): void {
    const s = this.sources.get(from)
    if (s != null && s.has.set(index)) { this.#picker.addSourceChunk(index); this.#fill(s) }
  }

  /** A BLOCK arrived from `from`: verified and written at once. */
  onBlock (from: number, index: number): void {
    const source = this.sources.get(from)
    // A block for a request cancelled meanwhile (it crossed the CANCEL) is dropped.
    if (source == null || !source.requested.delete(index)) return
    source.sentAt.delete(index)
    source.stalledSince = null
    const len = this.#net.chunkLength(index)
    this.#outstanding -= len
    this.#decrementInFlight(index)
    if (this.#self.have.has(index)) { this.#fill(source); return } // an endgame duplicate
    source.rate.add(len)
    source.delivered += len
    source.rateAtLastChunk = this.#rate(source)
    this.#picker.markHave(index)
    this.#net.delivered(this.#self, source.peer, index)
    for (const other of this.sources.values()) {
      if (other !== source && other.requested.has(index)) {
        this.#release(other, index)
        this.#net.cancel(this.#self, other.peer, index)
        this.#fill(other)
      }
    }
    if (this.#picker.remaining === 0) { this.#finish(); return }
    this.#fill(source)
  }

  /** The source left the swarm (or closed the session): its requests go to the others. */
  removeSource (id: number): void {
    const s = this.sources.get(id)
    if (s == null) return
    this.sources.delete(id)
    this.#pastFailures.set(id, s.failures)
    for (const index of [...s.requested]) this.#release(s, index)
    this.#picker.removeSource(s.has)
    const c = this.#candidates.get(id)
    if (c != null) {
      if (s.peer.state === 'gone') this.#candidates.delete(id)
      else c.nextAttempt = this.#net.now() + 2 ** Math.min(c.attempts + 1, 5)
    }
    if (this.#running) { this.fillAll(); this.connectSome() }
  }

  /**
   * SwarmTransfer's one-second tick: requests older than max(15 s, 4000 x bytes in flight / rate)
   * are cancelled (a failure); a source whose requests time out twice with no block between is
   * dropped (retried after back-off); then work is offered to every source, best ranked first.
   */
  tick (): void {
    if (!this.#running) return
    const now = this.#net.now()
    for (const s of [...this.sources.values()]) {
      const rate = s.rate.rate() > 0 ? s.rate.rate() : s.rateAtLastChunk // as SwarmTransfer#tick
      const timeout = Math.max(MIN_REQUEST_TIMEOUT, rate > 0 ? 4 * s.requested.size * this.#chunkBytes / rate : 0)
      let stalled = false
      for (const [index, since] of s.sentAt) {
        if (now - since <= timeout) continue
        this.#release(s, index)
        this.#net.cancel(this.#self, s.peer, index)
        s.failures++
        if (s.stalledSince != null && since >= s.stalledSince) stalled = true
        s.stalledSince ??= now
      }
      if (stalled) {
        this.#net.closeSession(this.#self, s.peer)
        this.removeSource(s.peer.id)
      }
    }
    this.fillAll()
    this.connectSome()
  }

  /** The rate the policy plans with (planningRate), as SwarmTransfer computes it. */
  #rate (s: Source): number {
    return planningRate(s.rate.rate(), s.delivered, 1000 * (this.#net.now() - s.attachedAt))
  }

  fillAll (): void {
    const loads = [...this.sources.values()].map(s => ({ id: String(s.peer.id), rate: this.#rate(s), inFlight: s.requested.size, failures: s.failures }))
    for (const load of rankSources(loads, this.#chunkBytes)) {
      const s = this.sources.get(Number(load.id))
      if (s != null) this.#fill(s)
    }
  }

  #fill (source: Source): void {
    if (!this.#running) return
    const isSeed = (s: Source): boolean => s.has.complete
    while (source.requested.size < pipelineDepth(this.#rate(source), this.#chunkBytes)) {
      if (!withinByteBudget(this.#outstanding, source.requested.size, this.#chunkBytes)) return
      const limit = this.#seedSparing ? seedSparingLimit(source, this.sources.values(), isSeed) : Infinity
      const index = this.#picker.pick(source.has, this.#inFlight, source.requested, limit)
      if (index < 0) return
      source.requested.add(index)
      source.sentAt.set(index, this.#net.now())
      this.#outstanding += this.#net.chunkLength(index)
      this.#inFlight.set(index, (this.#inFlight.get(index) ?? 0) + 1)
      this.#net.request(this.#self, source.peer, index)
    }
  }

  #release (source: Source, index: number): void {
    if (!source.requested.delete(index)) return
    source.sentAt.delete(index)
    this.#outstanding -= this.#net.chunkLength(index)
    this.#decrementInFlight(index)
  }

  #decrementInFlight (index: number): void {
    const n = (this.#inFlight.get(index) ?? 1) - 1
    if (n <= 0) this.#inFlight.delete(index)
    else this.#inFlight.set(index, n)
  }

  #finish (): void {
    this.#running = false
    for (const s of this.sources.values()) this.#net.closeSession(this.#self, s.peer)
    this.sources.clear()
    this.#net.completed(this.#self)
  }
}
