/**
 * How chunk data moves: two fluid models of the servers' upload, each session with a request
 * queued taking an equal share of its server's upload (the upload token bucket serves waiting
 * chunks in turn).
 * - `SharingFluid` (event-driven processor sharing): each server's clock of service per session
 *   advances at upload / sessions; a session's head chunk finishes when that clock reaches its
 *   tag. One event per chunk sent, whatever the virtual time; downloaders' links are not limits.
 * - `TickedFluid` (fixed ticks): the same shares, plus each downloader's link (offers above it are
 *   scaled down in proportion) and, when `cpu` is set, the one machine's CPU shared max-min fairly
 *   among all flows. Used for the validation against the real crowd, which was CPU-bound.
 */
import { MiB } from './config.ts'
import type { SimConfig } from './config.ts'
import type { Peer, ServerSession } from './peer.ts'
import type { UploadTurns } from '../../node-core/src/scheduler/upload-turns.ts'

export type Sent = (s: ServerSession, index: number, at: number) => void

export interface Fluid {
  /** The session's queue went from empty to one request. */
  started (s: ServerSession): void
  /** The head of the session's queue was cancelled (removed). */
  headCancelled (s: ServerSession): void
  /** The session ended (its queue is already empty). */
  closed (s: ServerSession): void
  /** The tick starting at `t`. */
  tick (t: number, dt: number): void
}

export class TickedFluid implements Fluid {
  readonly #config: SimConfig
  readonly #chunkLength: (i: number) => number
  readonly #sent: Sent
  readonly #servers = new Set<Peer>()

  constructor (config: SimConfig, chunkLength: (i: number) => number, sent: Sent) {
    this.#config = config
    this.#chunkLength = chunkLength
    this.#sent = sent
  }

  started (s: ServerSession): void { s.server.active.add(s); this.#servers.add(s.server) }

  headCancelled (s: ServerSession): void {
    s.progress = 0
    if (s.queue.length === 0) s.server.active.delete(s)
  }

  closed (s: ServerSession): void { s.server.active.delete(s) }

  /** Moves data for one tick starting at `t`: offers, download and CPU limits, then transfers. */
  tick (t: number, dt: number): void {
    const touched: Peer[] = []
    for (const server of this.#servers) {
      if (server.active.size === 0) { this.#servers.delete(server); continue }
      const per = server.up / server.active.size
      for (const s of server.active) {
        s.offer = per
        if (s.client.inOffer === 0) touched.push(s.client)
        s.client.inOffer += per
      }
    }
    const cpu = this.#config.cpu
    // CPU-ms per byte of each flow: the bytes, and the HAVE its downloader sends per chunk to each
    // peer it serves. Every flow gets a max-min fair share of the machine's CPU.
    const msPerByte = (s: ServerSession): number => cpu == null ? 0 : (cpu.msPerMiB + cpu.msPerHave * s.client.serving.size * MiB / this.#config.chunkBytes) / MiB
    let level = Infinity
    if (cpu != null) {
      const wants: number[] = []
      for (const server of this.#servers) for (const s of server.active) wants.push(s.offer * Math.min(1, s.client.down / s.client.inOffer) * msPerByte(s))
      level = fairLevel(wants, cpu.cores * 1000)
    }
    const emptied: ServerSession[] = []
    for (const server of this.#servers) {
      for (const s of server.active) {
        const rate = Math.min(level / (msPerByte(s) || 1), s.offer * Math.min(1, s.client.down / s.client.inOffer))
        let budget = rate * dt
        let used = 0
        while (budget > 0 && s.queue.length > 0) {
          const index = s.queue[0]!
          const need = this.#chunkLength(index) - s.progress
          if (budget < need) { s.progress += budget; break }
          budget -= need
          used += need
          s.queue.shift()
          s.progress = 0
          this.#sent(s, index, t + used / rate)
        }
        if (s.queue.length === 0) emptied.push(s)
      }
    }
    for (const s of emptied) if (s.queue.length === 0) s.server.active.delete(s)
    for (const p of touched) p.inOffer = 0
  }
}

interface Share { v: number, last: number, k: number, version: number, readonly heap: Entry[] }

export class SharingFluid implements Fluid {
  readonly #chunkLength: (i: number) => number
  readonly #sent: Sent
  readonly #at: (time: number, fn: () => void) => void
  readonly #now: () => number
  readonly #shares = new Map<Peer, Share>()
  /** Upload turns per server (the real UploadTurns), or null: every session with a request queued shares the upload at once. */
  readonly #turns: ((server: Peer) => UploadTurns) | null

  constructor (chunkLength: (i: number) => number, sent: Sent, at: (time: number, fn: () => void) => void, now: () => number, turns: ((server: Peer) => UploadTurns) | null = null) {
    this.#chunkLength = chunkLength
    this.#sent = sent
    this.#at = at
    this.#now = now
    this.#turns = turns
  }

  #share (server: Peer): Share {
    let sh = this.#shares.get(server)
    if (sh == null) this.#shares.set(server, sh = { v: 0, last: 0, k: 0, version: 0, heap: [] })
    return sh
  }

  #advance (sh: Share, server: Peer, now: number): void {
    if (now <= sh.last) return
    if (sh.k > 0) sh.v += (now - sh.last) * server.up / sh.k
    sh.last = now
  }

  #head (sh: Share, s: ServerSession): void {
    s.tag = sh.v + this.#chunkLength(s.queue[0]!)
    push(sh.heap, s)
  }

  /** The session's head chunk starts sending (it shares the upload from now on). */
  #enter (s: ServerSession): void {
    const sh = this.#share(s.server)
    this.#advance(sh, s.server, this.#now())
    sh.k++
    this.#head(sh, s)
    this.#schedule(sh, s.server)
  }

  /** The session waits for its turn (or, without turns, starts at once). */
  #queue (s: ServerSession): void {
    if (this.#turns == null) { this.#enter(s); return }
    const turns = this.#turns(s.server)
    let granted = false // a free slot grants the turn inside wait()
    const ticket = turns.wait(String(s.client.id), () => { granted = true; s.turn = null; this.#enter(s) })
    if (!granted) s.turn = ticket
  }

  /** The session stops sending (its head was sent, cancelled, or it closed): its turn ends. */
  #left (s: ServerSession): void {
    if (this.#turns != null) this.#turns(s.server).release()
  }

  started (s: ServerSession): void { this.#queue(s) }

  headCancelled (s: ServerSession): void {
    if (s.turn != null) { // waiting for its turn: nothing sent yet
      if (s.queue.length === 0) { s.turn.cancel(); s.turn = null }
      return
    }
    const sh = this.#share(s.server)
    this.#advance(sh, s.server, this.#now())
    this.#waste(sh, s)
    sh.k--
    s.tag = Number.NaN
    this.#schedule(sh, s.server)
    this.#left(s)
    if (s.queue.length > 0) this.#queue(s)
  }

  closed (s: ServerSession): void {
    if (s.turn != null) { s.turn.cancel(); s.turn = null; return }
    if (Number.isNaN(s.tag)) return
    const sh = this.#share(s.server)
    this.#advance(sh, s.server, this.#now())
    this.#waste(sh, s)
    sh.k--
    s.tag = Number.NaN
    this.#schedule(sh, s.server)
    this.#left(s)
  }

  tick (): void {}

  /** The bytes of a chunk sent so far and now thrown away (its request cancelled, or the session closed). */
  #waste (sh: Share, s: ServerSession): void {
    s.server.wasted += Math.max(0, this.#chunkLength(0) - (s.tag - sh.v))
  }

  /** Wakes the server when its next head chunk is done. */
  #schedule (sh: Share, server: Peer): void {
    const version = ++sh.version
    const first = top(sh.heap)
    if (first == null || sh.k === 0) return
    const at = sh.last + (first.tag - sh.v) * sh.k / server.up
    this.#at(at, () => { if (sh.version === version) this.#complete(sh, server, at) })
  }

  #complete (sh: Share, server: Peer, at: number): void {
    this.#advance(sh, server, at)
    const done: ServerSession[] = []
    for (let s = top(sh.heap); s != null && s.tag <= sh.v + 1e-6; s = top(sh.heap)) {
      pop(sh.heap)
      const index = s.queue.shift()!
      if (this.#turns == null && s.queue.length > 0) this.#head(sh, s)
      else { sh.k--; s.tag = Number.NaN; done.push(s) }
      this.#sent(s, index, at)
    }
    this.#schedule(sh, server)
    // With turns, each session sent one chunk in its turn: the slot goes to the next in line, and
    // the session (if more is queued) waits for another turn, behind those already waiting.
    for (const s of done) {
      if (this.#turns == null) continue
      this.#left(s)
      if (s.queue.length > 0 && s.turn == null && Number.isNaN(s.tag) && s.server.serving.get(s.client.id) === s) this.#queue(s)
    }
  }
}

interface Entry { readonly tag: number, readonly seq: number, readonly s: ServerSession }

/** Min-heap by tag; an entry is stale (dropped when it surfaces) once its session got a new head. */
function push (heap: Entry[], s: ServerSession): void {
  heap.push({ tag: s.tag, seq: ++s.seq, s })
  let i = heap.length - 1
  while (i > 0) {
    const parent = (i - 1) >> 1
    if (heap[parent]!.tag <= heap[i]!.tag) break
    ;[heap[parent], heap[i]] = [heap[i]!, heap[parent]!]
    i = parent
  }
}

/** The session whose current head finishes first, dropping stale entries. */
function top (heap: Entry[]): ServerSession | null {
  while (heap.length > 0) {
    const e = heap[0]!
    if (e.seq === e.s.seq && !Number.isNaN(e.s.tag)) return e.s
    pop(heap)
  }
  return null
}

function pop (heap: Entry[]): void {
  const last = heap.pop()!
  if (heap.length === 0) return
  heap[0] = last
  let i = 0
  for (;;) {
    const l = 2 * i + 1
    const r = l + 1
    let m = i
    if (l < heap.length && heap[l]!.tag < heap[m]!.tag) m = l
    if (r < heap.length && heap[r]!.tag < heap[m]!.tag) m = r
    if (m === i) return
    ;[heap[m], heap[i]] = [heap[i]!, heap[m]!]
    i = m
  }
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
