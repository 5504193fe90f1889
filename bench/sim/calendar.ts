/**
 * The virtual clock's event queue, one bucket per tick (a calendar queue): O(1) to schedule and to
 * take. Messages between peers (by far the most events: a HAVE per chunk per neighbour) are packed
 * as four numbers; rarer events (arrivals, sessions opening, departures) are closures.
 */

export const Msg = { Request: 0, Block: 1, Have: 2, Cancel: 3 } as const
export type Msg = typeof Msg[keyof typeof Msg]

export class Calendar {
  readonly tick: number
  readonly #messages = new Map<number, number[]>()
  readonly #calls = new Map<number, Array<() => void>>()
  /** The tick whose events are being processed: nothing is scheduled before it. */
  #cursor = 0

  constructor (tickSeconds: number) {
    if (!(tickSeconds > 0)) throw new RangeError(`bad tick ${tickSeconds}`)
    this.tick = tickSeconds
  }

  get cursor (): number { return this.#cursor }

  #slot (at: number): number {
    return Math.max(this.#cursor, Math.floor(at / this.tick + 1e-9))
  }

  /** A message `kind` to peer `to` from peer `from` about chunk `chunk`, delivered at time `at`. */
  message (at: number, kind: Msg, to: number, from: number, chunk: number): void {
    const slot = this.#slot(at)
    let list = this.#messages.get(slot)
    if (list == null) this.#messages.set(slot, list = [])
    list.push(kind, to, from, chunk)
  }

  call (at: number, fn: () => void): void {
    const slot = this.#slot(at)
    let list = this.#calls.get(slot)
    if (list == null) this.#calls.set(slot, list = [])
    list.push(fn)
  }

  /** Whether anything is scheduled at or after the cursor. */
  get pending (): boolean { return this.#messages.size > 0 || this.#calls.size > 0 }

  /**
   * Runs tick `slot`'s events: calls first (arrivals, opened sessions), then messages in the
   * order sent. Events that handlers schedule for this same tick run in this pass too.
   */
  run (slot: number, onMessage: (kind: Msg, to: number, from: number, chunk: number) => void): void {
    this.#cursor = slot
    for (;;) {
      const calls = this.#calls.get(slot)
      const messages = this.#messages.get(slot)
      if (calls == null && messages == null) break
      if (calls != null) {
        this.#calls.delete(slot)
        for (const fn of calls) fn()
        continue
      }
      this.#messages.delete(slot)
      for (let i = 0; i < messages!.length; i += 4) onMessage(messages![i] as Msg, messages![i + 1]!, messages![i + 2]!, messages![i + 3]!)
    }
    // Whatever this tick's transfers complete is delivered from the next tick on.
    this.#cursor = slot + 1
  }
}
