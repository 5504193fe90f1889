/**
 * The simulated swarm: peers arrive, open sessions (at most 32 sources each, the origin admitting
 * at most MAX_SERVED_SESSIONS), exchange REQUEST / BLOCK / HAVE / CANCEL with a one-way latency per
 * pair, and move chunk data through a fluid model ticked at `tickSeconds`: a server's upload is
 * shared equally among its sessions with a request queued (its upload token bucket serves waiting
 * chunks in turn), a downloader whose offers exceed its download capacity has them scaled down in
 * proportion, and, when `cpu` is set, all transfers together are scaled to what the machine's
 * cores can move at `msPerMiB` per MiB plus `msPerHave` per HAVE message.
 */
import { Bitfield } from '../../node-core/src/storage/bitfield.ts'
import { MAX_PEX_PEERS, MAX_SERVED_SESSIONS } from '../../node-core/src/protocol/constants.ts'
import { introduceMembers } from '../../node-core/src/scheduler/peer-exchange.ts'
import { Calendar, Msg } from './calendar.ts'
import { UploadTurns } from '../../node-core/src/scheduler/upload-turns.ts'
import { prng } from './config.ts'
import type { SimConfig } from './config.ts'
import { SimDownloader } from './downloader.ts'
import type { Network } from './downloader.ts'
import { OriginSeeding } from './origin-seeding.ts'
import { newPeer } from './peer.ts'
import { SharingFluid, TickedFluid } from './fluid.ts'
import type { Fluid } from './fluid.ts'
import type { Peer, ServerSession } from './peer.ts'

/** A download looks providers up every 10 s (the service's DISCOVERY_INTERVAL_MS). */
const DISCOVERY_SECONDS = 10
/** Providers one lookup yields (Kademlia's k). */
const DHT_PROVIDERS = 20

export interface SwarmOutcome {
  readonly peers: readonly Peer[]
  readonly origin: Peer
  /** Virtual seconds simulated. */
  readonly seconds: number
  readonly ticks: number
}

export class Swarm implements Network {
  readonly config: SimConfig
  readonly chunkCount: number
  readonly #cal: Calendar
  readonly #random: () => number
  readonly #all: Peer[] = []
  readonly origin: Peer
  readonly #fluid: Fluid
  readonly #seeding: OriginSeeding | null
  readonly #turns = new Map<Peer, UploadTurns>()
  /** Finished peers still in the swarm (DHT provider records). */
  readonly #providers: number[] = []
  /** Called once per virtual second, after the downloads' ticks (bench/sim/trace.ts). */
  probe: ((swarm: Swarm) => void) | null = null
  #now = 0
  #completed = 0
  #departed = 0

  constructor (config: SimConfig) {
    this.config = config
    this.chunkCount = Math.ceil(config.shareBytes / config.chunkBytes)
    this.#cal = new Calendar(config.tickSeconds)
    this.#random = prng(config.seed)
    const r = this.#random
    const access = (): number => config.accessLatency[0] + r() * (config.accessLatency[1] - config.accessLatency[0])
    this.origin = newPeer({ id: 0, up: config.originUp, down: config.originUp, access: access(), origin: true, freeRider: false, arrival: 0, have: Bitfield.full(this.chunkCount) })
    this.origin.state = 'seeding'
    this.#all.push(this.origin)
    let t = 0
    for (let id = 1; id <= config.peers; id++) {
      const { up, down } = config.capacity(r)
      const arrivals = config.arrivals
      t = arrivals.kind === 'flash' ? r() * arrivals.spreadSeconds : t - Math.log(1 - r()) / arrivals.perSecond
      const freeRider = r() < config.freeRiders
      this.#all.push(newPeer({ id, up: freeRider ? 0 : up, down, access: access(), origin: false, freeRider, arrival: t, have: new Bitfield(this.chunkCount) }))
    }
    this.#seeding = config.initialSeeding
      ? new OriginSeeding(this.chunkCount, () => this.#now * 1000, r, (s, chunks) => { for (const i of chunks) this.#send(this.origin, s.client, Msg.Have, i) })
      : null
    const sent = (s: ServerSession, index: number, at: number): void => { this.#sent(s, index, at) }
    this.#fluid = config.fluid === 'ticks'
      ? new TickedFluid(config, i => this.chunkLength(i), sent)
      : new SharingFluid(i => this.chunkLength(i), sent, (at, fn) => { this.#cal.call(at, fn) }, () => this.#now, config.uploadTurns ? server => this.#turnsOf(server) : null)
  }

  /** A server's upload turns (the real UploadTurns): tit for tat on what its own download gets from each peer. */
  #turnsOf (server: Peer): UploadTurns {
    let turns = this.#turns.get(server)
    if (turns == null) this.#turns.set(server, turns = new UploadTurns({ credit: peer => server.dl?.rateFrom(Number(peer)) ?? 0 }))
    return turns
  }

  now (): number { return this.#now }
  /** Every peer, the origin first. */
  get all (): readonly Peer[] { return this.#all }
  peer (id: number): Peer { return this.#all[id]! }

  chunkLength (index: number): number {
    return index < this.chunkCount - 1 ? this.config.chunkBytes : this.config.shareBytes - (this.chunkCount - 1) * this.config.chunkBytes
  }

  /** One-way latency between two peers: both access latencies and a core latency fixed per pair. */
  latency (a: Peer, b: Peer): number {
    const [lo, hi] = this.config.coreLatency
    let h = Math.imul(Math.min(a.id, b.id) + 0x9e3779b9, 0x85ebca6b) ^ Math.imul(Math.max(a.id, b.id) + 0x27d4eb2f, 0xc2b2ae35)
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995)
    h ^= h >>> 15
    return a.access + b.access + lo + (hi - lo) * ((h >>> 0) / 4294967296)
  }

  #send (from: Peer, to: Peer, kind: Msg, index: number): void {
    this.#cal.message(this.#now + this.latency(from, to), kind, to.id, from.id, index)
  }

  connect (downloader: Peer, to: Peer): void {
    const delay = 3 * this.latency(downloader, to) + this.config.sessionSetupSeconds
    this.#cal.call(this.#now + delay, () => { this.#open(downloader, to) })
  }

  #open (client: Peer, server: Peer): void {
    const dl = client.dl
    if (dl == null) return
    if (server.state === 'gone' || server.state === 'pending' || server.freeRider || server.serving.has(client.id)) {
      dl.connectFailed(server)
      return
    }
    if (server.serving.size >= MAX_SERVED_SESSIONS) {
      // `busy`, with peers of the swarm to try instead, as the chunk server refuses when full.
      dl.connectFailed(server)
      if (this.config.busyPeers) for (const id of introduceMembers(server.swarm, client.id, MAX_PEX_PEERS, this.#random)) dl.addCandidate(id)
      return
    }
    const session: ServerSession = { server, client, queue: [], progress: 0, offer: 0, tag: Number.NaN, seq: 0, turn: null, view: null }
    const shown = server.origin ? this.#seeding?.open(session, server.serving.size) ?? null : null
    const has = new Bitfield(this.chunkCount, (shown ?? server.have).bytes)
    server.serving.set(client.id, session)
    if (!dl.attach(server, has)) {
      this.#close(session)
      return
    }
    // WELCOME's peers: MAX_PEX_PEERS members of the server's swarm at random, as the service
    // does (introduceMembers), or (the earlier product, for comparison) the first ones met.
    if (this.config.pex === 'first') {
      let listed = 0
      for (const id of server.swarm) {
        if (listed >= MAX_PEX_PEERS) break
        if (id !== client.id) { dl.addCandidate(id); listed++ }
      }
    } else {
      for (const id of introduceMembers(server.swarm, client.id, MAX_PEX_PEERS, this.#random)) dl.addCandidate(id)
    }
    client.swarm.add(server.id)
    this.#peerJoined(server, client)
  }

  /**
   * The service's #peerJoined: a newcomer joins the server's swarm, its download (if any) takes it
   * as a candidate, and 0.5 s later every session of the server hears of it (PEERS).
   */
  #peerJoined (server: Peer, client: Peer): void {
    if (server.swarm.has(client.id)) return
    server.swarm.add(client.id)
    server.dl?.addCandidate(client.id, true)
    this.#cal.call(this.#now + 0.5, () => {
      for (const s of server.serving.values()) if (s.client !== client) s.client.dl?.addCandidate(client.id)
    })
  }

  /** A DHT lookup (at once and every 10 s while downloading): up to 20 providers, the origin and finished peers still there. */
  #lookup (p: Peer): void {
    const dl = p.dl
    if (dl == null) return
    dl.addCandidate(this.origin.id)
    const providers = this.#providers
    for (let k = 0; k < Math.min(DHT_PROVIDERS, providers.length); k++) {
      const id = providers[Math.floor(this.#random() * providers.length)]!
      if (this.#all[id]!.state === 'seeding') dl.addCandidate(id)
    }
  }

  closeSession (downloader: Peer, source: Peer): void {
    const s = source.serving.get(downloader.id)
    if (s != null) this.#close(s)
  }

  #close (s: ServerSession): void {
    const server = s.server
    if (server.serving.get(s.client.id) !== s) return
    server.serving.delete(s.client.id)
    s.queue.length = 0
    this.#fluid.closed(s)
    if (server.origin) this.#seeding?.close(s)
  }

  request (downloader: Peer, to: Peer, index: number): void { this.#send(downloader, to, Msg.Request, index) }
  cancel (downloader: Peer, to: Peer, index: number): void { this.#send(downloader, to, Msg.Cancel, index) }

  delivered (downloader: Peer, from: Peer, index: number): void {
    downloader.have.set(index)
    if (from.origin) downloader.fromOrigin += this.chunkLength(index)
    for (const s of downloader.serving.values()) this.#send(downloader, s.client, Msg.Have, index)
  }

  completed (p: Peer): void {
    p.done = this.#now
    p.dl = null
    p.state = 'seeding'
    this.#completed++
    if (!p.freeRider) this.#providers.push(p.id) // a finished download provides the share
    const after = this.config.after
    if (p.freeRider || this.#random() < after.leaveAtOnce) this.#leave(p)
    else if (Number.isFinite(after.meanStaySeconds)) this.#cal.call(this.#now - Math.log(1 - this.#random()) * after.meanStaySeconds, () => { this.#leave(p) })
  }

  #leave (p: Peer): void {
    p.state = 'gone'
    const at = this.#providers.indexOf(p.id)
    if (at >= 0) this.#providers.splice(at, 1)
    this.#departed++
    for (const s of [...p.serving.values()]) {
      this.#close(s)
      s.client.dl?.removeSource(p.id)
    }
  }

  #onMessage (kind: Msg, to: number, from: number, index: number): void {
    const dest = this.#all[to]!
    if (kind === Msg.Have) { dest.dl?.onHave(from, index); return }
    if (kind === Msg.Block) { dest.dl?.onBlock(from, index); return }
    const s = dest.serving.get(from)
    if (s == null) return
    if (kind === Msg.Request) {
      s.queue.push(index)
      if (s.queue.length === 1) this.#fluid.started(s)
      if (dest.origin) this.#seeding?.requested(s, index)
      return
    }
    const at = s.queue.indexOf(index)
    if (at < 0) return
    s.queue.splice(at, 1)
    if (at === 0) this.#fluid.headCancelled(s)
    if (dest.origin) this.#seeding?.sent(s, index)
  }

  /** The fluid model finished sending chunk `index` on session `s` at time `at`. */
  #sent (s: ServerSession, index: number, at: number): void {
    const len = this.chunkLength(index)
    s.server.uploaded += len
    this.#cal.message(at + this.latency(s.server, s.client), Msg.Block, s.client.id, s.server.id, index)
    if (s.server.origin) this.#seeding?.sent(s, index)
  }

  #arrive (p: Peer): void {
    p.state = 'downloading'
    p.dl = new SimDownloader(p, this, { chunkCount: this.chunkCount, chunkBytes: this.config.chunkBytes, maxSources: this.config.maxSources, maxCandidates: this.config.maxCandidates, seedSparing: this.config.seedSparing, reciprocity: this.config.reciprocity, random: this.#random })
    this.#lookup(p)
    this.#cal.call(this.#now + DISCOVERY_SECONDS, () => { this.#rediscover(p) })
  }

  #rediscover (p: Peer): void {
    if (p.dl == null) return
    this.#lookup(p)
    this.#cal.call(this.#now + DISCOVERY_SECONDS, () => { this.#rediscover(p) })
  }

  run (): SwarmOutcome {
    const dt = this.config.tickSeconds
    for (const p of this.#all) if (!p.origin) this.#cal.call(p.arrival, () => { this.#arrive(p) })
    const perSecond = Math.max(1, Math.round(1 / dt))
    const n = this.config.peers
    let slot = 0
    for (; ; slot++) {
      this.#now = slot * dt
      if (slot % perSecond === 0) {
        for (const p of this.#all) p.dl?.tick()
        this.#seeding?.expire()
        this.probe?.(this)
      }
      this.#cal.run(slot, (kind, to, from, index) => { this.#onMessage(kind, to, from, index) })
      if (this.#completed === n || this.#now >= this.config.maxSeconds) break
      this.#fluid.tick(this.#now, dt)
    }
    return { peers: this.#all.slice(1), origin: this.origin, seconds: this.#now, ticks: slot + 1 }
  }

  get departed (): number { return this.#departed }
}

