/**
 * Progress of a share being made, as `share:hashing` events: one when hashing starts, then at most
 * one per `intervalMs` while it runs, and always the last (`done` or `failed`). The builder reports
 * after each hashed job (up to 64 MiB), so a large share moves the bar in steps of that size.
 */
import { basename, resolve } from 'node:path'
import type { ServiceEvent, ShareHashing } from '../contract/index.ts'

export const HASHING_EVENT_INTERVAL_MS = 250

let nextId = 1

export class ShareHashingProgress {
  readonly #emit: (event: ServiceEvent) => void
  readonly #intervalMs: number
  readonly #now: () => number
  readonly #id = nextId++
  readonly #name: string
  readonly #startedAt: number
  #lastEmitAt = -Infinity
  #bytesHashed = 0
  #totalBytes = 0

  constructor (path: string, emit: (event: ServiceEvent) => void, options: { intervalMs?: number, now?: () => number } = {}) {
    this.#emit = emit
    this.#intervalMs = options.intervalMs ?? HASHING_EVENT_INTERVAL_MS
    this.#now = options.now ?? (() => performance.now())
    this.#name = basename(resolve(path))
    this.#startedAt = this.#now()
  }

  /** The builder's callback: emits at most one event per interval (the first always). */
  readonly update = (bytesHashed: number, totalBytes: number): void => {
    this.#bytesHashed = bytesHashed
    this.#totalBytes = totalBytes
    const now = this.#now()
    if (now - this.#lastEmitAt < this.#intervalMs) return
    this.#lastEmitAt = now
    this.#send('hashing')
  }

  done (): void { this.#send('done') }

  failed (): void { this.#send('failed') }

  #send (state: ShareHashing['state']): void {
    this.#emit({
      type: 'share:hashing',
      hashing: { id: this.#id, name: this.#name, bytesHashed: this.#bytesHashed, totalBytes: this.#totalBytes, elapsedMs: Math.round(this.#now() - this.#startedAt), state }
    })
  }
}
