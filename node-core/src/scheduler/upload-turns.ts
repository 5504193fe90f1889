import { InvalidArgumentError } from '../errors.ts'
/**
 * Upload turns: which waiting session sends its next chunk, and how many chunks are sent at once.
 * Pure policy (no clock, no I/O); the chunk server's sessions and the simulator (bench/sim) use it.
 *
 * Why: a seed serving 40 sessions that sends to all of them at once (every session writing its
 * chunk, the link shared among them) finishes no chunk for 40 chunk-times, and a downloader that
 * gives up waiting (its request timeout, or the endgame's CANCEL) throws away what was sent. In the
 * simulated crowds 20–30 % of all upload went that way (docs/PERFORMANCE.md). Sending whole chunks
 * in turn, `slots` at a time, finishes each one `slots` chunk-times after it starts, and a request
 * called off while it waits for its turn costs nothing.
 *
 * Whose turn: tit for tat with an optimistic turn, as BitTorrent's choker. Of every
 * `optimisticEvery` turns, one goes to the session that has waited longest (a newcomer with
 * nothing to give yet, or a peer that has nothing we need, still gets served); the others go to
 * the waiting session whose peer gives us the most (`credit`: the rate we download from it), ties
 * to the longest waiting. A peer that never uploads (a free rider) is served only when no one who
 * gives waits, and on the optimistic turns. A seed (credit 0 for everyone) serves in turn.
 */

/** Chunks sent at once by one server, by default. */
export const UPLOAD_SLOTS = 4
/** One turn in this many goes to the longest-waiting session whatever it gives. */
export const OPTIMISTIC_EVERY = 4

export interface UploadTurnsOptions {
  readonly slots?: number
  readonly optimisticEvery?: number
  /** What the peer gives us now (bytes per second we download from it); 0 if nothing. */
  readonly credit?: (peer: string) => number
}

/** A place in the line: `cancel()` leaves it before its turn (no slot taken). */
export interface UploadTicket {
  cancel (): void
}

interface Waiter {
  readonly peer: string
  readonly seq: number
  readonly grant: () => void
  done: boolean
}

export class UploadTurns {
  readonly #slots: number
  readonly #optimisticEvery: number
  readonly #credit: (peer: string) => number
  readonly #waiting: Waiter[] = []
  #busy = 0
  #turns = 0
  #seq = 0

  constructor (options: UploadTurnsOptions = {}) {
    const slots = options.slots ?? UPLOAD_SLOTS
    const every = options.optimisticEvery ?? OPTIMISTIC_EVERY
    if (!Number.isInteger(slots) || slots < 1) throw new InvalidArgumentError(`bad upload slots ${slots}`)
    if (!Number.isInteger(every) || every < 1) throw new InvalidArgumentError(`bad optimisticEvery ${every}`)
    this.#slots = slots
    this.#optimisticEvery = every
    this.#credit = options.credit ?? (() => 0)
  }

  /** Chunks being sent now (slots taken). */
  get busy (): number { return this.#busy }
  /** Sessions waiting for a turn. */
  get waiting (): number { return this.#waiting.length }

  /**
   * Waits for a turn to send one chunk to `peer`: `grant` is called (at once if a slot is free,
   * else when one is released and this session is chosen) and the caller then holds a slot until
   * it calls `release()`.
   */
  wait (peer: string, grant: () => void): UploadTicket {
    const w: Waiter = { peer, seq: this.#seq++, grant, done: false }
    this.#waiting.push(w)
    this.#dispatch()
    return {
      cancel: () => {
        if (w.done) return
        w.done = true
        const at = this.#waiting.indexOf(w)
        if (at >= 0) this.#waiting.splice(at, 1)
      }
    }
  }

  /** The chunk of a granted turn was sent (or given up): its slot goes to the next session. */
  release (): void {
    if (this.#busy <= 0) throw new InvalidArgumentError('release without a turn')
    this.#busy--
    this.#dispatch()
  }

  /** Waits for a turn as a promise (rejects with the signal's reason if aborted first). */
  take (peer: string, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(signal.reason)
    return new Promise<void>((resolve, reject) => {
      let granted = false
      const onAbort = (): void => { ticket.cancel(); reject(signal!.reason) }
      const ticket = this.wait(peer, () => { granted = true; signal?.removeEventListener('abort', onAbort); resolve() })
      if (!granted) signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  #dispatch (): void {
    while (this.#busy < this.#slots && this.#waiting.length > 0) {
      const at = this.#next()
      const w = this.#waiting[at]!
      this.#waiting.splice(at, 1)
      w.done = true
      this.#busy++
      this.#turns++
      w.grant()
    }
  }

  /** Index of the waiter whose turn it is. */
  #next (): number {
    if (this.#turns % this.#optimisticEvery === this.#optimisticEvery - 1) return 0 // the longest waiting
    let best = 0
    let bestCredit = -1
    for (let i = 0; i < this.#waiting.length; i++) {
      const c = this.#credit(this.#waiting[i]!.peer)
      if (c > bestCredit) { best = i; bestCredit = c } // ties: the earlier (longer waiting) one
    }
    return best
  }
}
