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
import { Calendar, Msg } from './calendar.ts'
import { MiB, prng } from './config.ts'
import type { SimConfig } from './config.ts'
import { SimDownloader } from './downloader.ts'
import type { Network } from './downloader.ts'
import { OriginSeeding } from './origin-seeding.ts'
import { newPeer } from './peer.ts'
import type { Peer, ServerSession } from './peer.ts'

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
  readonly #activeServers = new Set<Peer>()
  readonly #seeding: OriginSeeding | null
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
  }

  now (): number { return this.#now }
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
    if (server.state === 'gone' || server.state === 'pending' || server.freeRider || server.serving.has(client.id) || server.serving.size >= MAX_SERVED_SESSIONS) {
      dl.connectFailed(server)
      return
    }
    const session: ServerSession = { server, client, queue: [], progress: 0, offer: 0, view: null }
    const shown = server.origin ? this.#seeding?.open(session, server.serving.size) ?? null : null
    const has = new Bitfield(this.chunkCount, (shown ?? server.have).bytes)
    // WELCOME's peer list: some of the server's other downloaders (peer exchange).
    const others = [...server.serving.keys()]
    server.serving.set(client.id, session)
    if (!dl.attach(server, has)) {
      this.#close(session)
      return
    }
    for (let k = 0; k < Math.min(MAX_PEX_PEERS, others.length); k++) dl.addCandidate(others[Math.floor(this.#random() * others.length)]!)
    // The server's own download, if any, takes the newcomer as a candidate source; its other
    // downloaders hear of it (PEERS).
    server.dl?.addCandidate(client.id)
    if (!client.freeRider) for (const id of others) this.#all[id]!.dl?.addCandidate(client.id)
  }

  closeSession (downloader: Peer, source: Peer): void {
    const s = source.serving.get(downloader.id)
    if (s != null) this.#close(s)
  }

  #close (s: ServerSession): void {
    const server = s.server
    if (server.serving.get(s.client.id) !== s) return
    server.serving.delete(s.client.id)
    server.active.delete(s)
    s.queue.length = 0
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
    const after = this.config.after
    if (p.freeRider || this.#random() < after.leaveAtOnce) this.#leave(p)
    else if (Number.isFinite(after.meanStaySeconds)) this.#cal.call(this.#now - Math.log(1 - this.#random()) * after.meanStaySeconds, () => { this.#leave(p) })
  }

  #leave (p: Peer): void {
    p.state = 'gone'
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
      if (s.queue.length === 1) { dest.active.add(s); this.#activeServers.add(dest) }
      if (dest.origin) this.#seeding?.requested(s, index)
      return
    }
    const at = s.queue.indexOf(index)
    if (at < 0) return
    s.queue.splice(at, 1)
    if (at === 0) s.progress = 0
    if (s.queue.length === 0) dest.active.delete(s)
    if (dest.origin) this.#seeding?.sent(s, index)
  }

  /** Moves data for one tick starting at `t`: offers, download and CPU limits, then transfers. */
  #transfer (t: number, dt: number): void {
    const touched: Peer[] = []
    for (const server of this.#activeServers) {
      if (server.active.size === 0) { this.#activeServers.delete(server); continue }
      const per = server.up / server.active.size
      for (const s of server.active) {
        s.offer = per
        if (s.client.inOffer === 0) touched.push(s.client)
        s.client.inOffer += per
      }
    }
    const cpu = this.config.cpu
    // CPU-ms per byte of each flow: the bytes, and the HAVE its downloader sends per chunk to each
    // peer it serves. Every flow gets a max-min fair share of the machine's CPU.
    const msPerByte = (s: ServerSession): number => cpu == null ? 0 : (cpu.msPerMiB + cpu.msPerHave * s.client.serving.size * MiB / this.config.chunkBytes) / MiB
    let level = Infinity
    if (cpu != null) {
      const wants: number[] = []
      for (const server of this.#activeServers) for (const s of server.active) wants.push(s.offer * Math.min(1, s.client.down / s.client.inOffer) * msPerByte(s))
      level = fairLevel(wants, cpu.cores * 1000)
    }
    for (const server of this.#activeServers) {
      for (const s of [...server.active]) {
        const rate = Math.min(level / (msPerByte(s) || 1), s.offer * Math.min(1, s.client.down / s.client.inOffer))
        let budget = rate * dt
        let used = 0
        while (budget > 0 && s.queue.length > 0) {
          const index = s.queue[0]!
          const need = this.chunkLength(index) - s.progress
          if (budget < need) { s.progress += budget; break }
          budget -= need
          used += need
          s.queue.shift()
          s.progress = 0
          this.#sent(s, index, t + used / rate)
        }
        if (s.queue.length === 0) server.active.delete(s)
      }
    }
    for (const p of touched) p.inOffer = 0
  }

  #sent (s: ServerSession, index: number, at: number): void {
    const len = this.chunkLength(index)
    s.server.uploaded += len
    this.#cal.message(at + this.latency(s.server, s.client), Msg.Block, s.client.id, s.server.id, index)
    if (s.server.origin) this.#seeding?.sent(s, index)
  }

  #arrive (p: Peer): void {
    p.state = 'downloading'
    p.dl = new SimDownloader(p, this, { chunkCount: this.chunkCount, chunkBytes: this.config.chunkBytes, maxSources: this.config.maxSources, maxCandidates: this.config.maxCandidates, random: this.#random })
    p.dl.addCandidate(this.origin.id)
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
      }
      this.#cal.run(slot, (kind, to, from, index) => { this.#onMessage(kind, to, from, index) })
      if (this.#completed === n || this.#now >= this.config.maxSeconds) break
      this.#transfer(this.#now, dt)
    }
    return { peers: this.#all.slice(1), origin: this.origin, seconds: this.#now, ticks: slot + 1 }
  }

  get departed (): number { return this.#departed }
}

/**
 * Max-min fair share of `capacity` among flows that want `wants`: the level L with
 * sum(min(want, L)) = capacity (Infinity when everything fits). The machine's cores, shared by
 * every process as the scheduler would: a flow that wants less than its share gets what it wants.
 */
export function fairLevel (wants: number[], capacity: number): number {
  wants.sort((a, b) => a - b)
  let left = capacity
  for (let i = 0; i < wants.length; i++) {
    const share = left / (wants.length - i)
    if (wants[i]! >= share) return share
    left -= wants[i]!
  }
  return Infinity
}
