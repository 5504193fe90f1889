import { setTimeout as delay } from 'node:timers/promises'
import { InvalidArgumentError } from '../errors.ts'

export interface TokenBucketOptions {
  /** Bucket capacity in bytes. Default: a quarter second at the rate, at least 64 KiB. */
  burst?: number
  /** Milliseconds clock (monotonic). Default performance.now. */
  now?: () => number
  /** Resolves after `ms`; rejects early if `signal` aborts. Default timers/promises setTimeout. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

const MIN_BURST = 64 * 1024
const BURST_SECONDS = 0.25

interface Waiter {
  readonly bytes: number
  readonly resolve: () => void
  readonly reject: (reason: unknown) => void
  readonly signal: AbortSignal | undefined
  readonly onAbort: () => void
}

/**
 * A global bandwidth cap (one per direction). Callers `take` bytes before sending or requesting
 * them and are served strictly in order. Tokens refill continuously at `rate` up to `burst`; a
 * request waits until it fits (or, if larger than the burst, until the bucket is full) and is then
 * let through even if that drives the bucket into debt, which later callers wait off. So over any
 * run of takes the bytes passed stay within rate * time + burst, and a chunk larger than the burst
 * still passes. Only the head of the queue ever sleeps; `setRate` and aborts wake it to re-check.
 */
export class TokenBucket {
  #rate: number
  #burst: number
  readonly #fixedBurst: number | undefined
  readonly #now: () => number
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  #tokens: number
  #last: number
  readonly #queue: Waiter[] = []
  #pumping = false
  /** Aborts the head's current sleep so the pump re-checks at once. */
  #wake: AbortController | null = null

  /** rate: bytes per second; 0 or Infinity = unlimited. */
  constructor (rate: number, options: TokenBucketOptions = {}) {
    checkRate(rate)
    if (options.burst !== undefined && !(options.burst > 0 && Number.isFinite(options.burst))) throw new InvalidArgumentError(`bad burst ${options.burst}`)
    this.#fixedBurst = options.burst
    this.#now = options.now ?? (() => performance.now())
    this.#sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }))
    this.#rate = rate
    this.#burst = this.#burstFor(rate)
    this.#tokens = this.#burst
    this.#last = this.#now()
  }

  /** Bytes per second as set; 0 or Infinity means unlimited. */
  get rate (): number { return this.#rate }

  /** Changes the rate; callers already waiting re-check against it (and all pass if it is now unlimited). */
  setRate (rate: number): void {
    checkRate(rate)
    const wasUnlimited = this.#unlimited
    if (!wasUnlimited) this.#refill() // tokens earned so far accrue at the old rate
    this.#rate = rate
    this.#burst = this.#burstFor(rate)
    if (wasUnlimited) {
      this.#tokens = this.#burst
      this.#last = this.#now()
    } else {
      this.#tokens = Math.min(this.#tokens, this.#burst)
    }
    this.#wakeUp()
  }

  /**
   * Waits until `bytes` may pass. FIFO. Rejects with the signal's reason if aborted while waiting,
   * and an aborted request takes no tokens. Unlimited: resolves at once.
   */
  take (bytes: number, signal?: AbortSignal): Promise<void> {
    if (!(bytes >= 0) || !Number.isFinite(bytes)) return Promise.reject(new InvalidArgumentError(`bad byte count ${bytes}`))
    if (signal?.aborted === true) return Promise.reject(signal.reason)
    if (this.#unlimited) return Promise.resolve()
    if (this.#queue.length === 0 && this.#tryPass(bytes)) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const at = this.#queue.indexOf(waiter)
          if (at === -1) return
          this.#queue.splice(at, 1)
          reject(signal!.reason)
          if (at === 0) this.#wakeUp()
        }
      }
      signal?.addEventListener('abort', waiter.onAbort, { once: true })
      this.#queue.push(waiter)
      void this.#pump()
    })
  }

  get #unlimited (): boolean {
    return this.#rate === 0 || this.#rate === Infinity
  }

  #burstFor (rate: number): number {
    if (this.#fixedBurst !== undefined) return this.#fixedBurst
    if (rate === 0 || rate === Infinity) return MIN_BURST
    return Math.max(rate * BURST_SECONDS, MIN_BURST)
  }

  #refill (): void {
    const now = this.#now()
    const elapsed = now - this.#last
    this.#last = now
    if (elapsed > 0) this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#rate / 1000)
  }

  /** Lets `bytes` through if the bucket holds enough (at most a full bucket's worth is required). */
  #tryPass (bytes: number): boolean {
    this.#refill()
    if (this.#tokens < Math.min(bytes, this.#burst)) return false
    this.#tokens -= bytes
    return true
  }

  #wakeUp (): void {
    if (this.#unlimited) {
      for (const w of this.#queue.splice(0)) this.#grant(w)
    }
    this.#wake?.abort()
  }

  #grant (w: Waiter): void {
    w.signal?.removeEventListener('abort', w.onAbort)
    w.resolve()
  }

  /** Serves the queue head by head; only one pump runs at a time. */
  async #pump (): Promise<void> {
    if (this.#pumping) return
    this.#pumping = true
    try {
      for (;;) {
        const head = this.#queue[0]
        if (head === undefined) return
        if (this.#unlimited) {
          this.#wakeUp()
          continue
        }
        if (this.#tryPass(head.bytes)) {
          this.#queue.shift()
          this.#grant(head)
          continue
        }
        const need = Math.min(head.bytes, this.#burst) - this.#tokens
        const ms = Math.max(1, Math.ceil(need * 1000 / this.#rate - 1e-9))
        const wake = new AbortController()
        this.#wake = wake
        try {
          await this.#sleep(ms, wake.signal)
        } catch {
          // woken early by setRate or an abort: re-check
        } finally {
          if (this.#wake === wake) this.#wake = null
        }
      }
    } finally {
      this.#pumping = false
    }
  }
}

function checkRate (rate: number): void {
  if (!(rate >= 0)) throw new InvalidArgumentError(`bad rate ${rate}`)
}
