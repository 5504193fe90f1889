/**
 * HAVEs to one downloader, sent together: each verified chunk used to cost every connected peer a
 * write of its own (a Noise frame and a yamux frame for a 15-byte message). A session queues its
 * HAVEs here and writes them as one (several length-prefixed messages back to back: the wire format
 * is unchanged) when the window ends, or in front of the next message it sends, whichever is first.
 * No HAVE waits longer than the window.
 */
import { encodeMessage } from '../messages.ts'

/** How long a HAVE may wait for company (ms): well under a request's round trip on a busy link. */
export const HAVE_WINDOW_MS = 150

export class HaveBatch {
  readonly #flush: () => void
  readonly #windowMs: number
  #pending: Uint8Array[] = []
  #timer: NodeJS.Timeout | null = null

  /** `flush` is called when a window ends with HAVEs queued: it should `take()` and write them. */
  constructor (flush: () => void, windowMs = HAVE_WINDOW_MS) {
    this.#flush = flush
    this.#windowMs = windowMs
  }

  /** HAVEs queued and not yet taken. */
  get size (): number { return this.#pending.length }

  /** Queues a HAVE; the first one of a window starts its timer. */
  add (index: number): void {
    this.#pending.push(encodeMessage({ t: 'have', index }))
    if (this.#timer != null) return
    this.#timer = setTimeout(() => {
      this.#timer = null
      if (this.#pending.length > 0) this.#flush()
    }, this.#windowMs)
    this.#timer.unref()
  }

  /** The queued HAVEs, encoded, in order; the queue is emptied and its window closed. */
  take (): Uint8Array[] {
    if (this.#timer != null) { clearTimeout(this.#timer); this.#timer = null }
    const out = this.#pending
    this.#pending = []
    return out
  }
}
