/**
 * Keeps the discoverable shares' keywords on the DHT: one provider record per keyword (key:
 * `keywordKey`), published once however many shares hold it, withdrawn when no discoverable share
 * holds it any more. kad-dht re-provides published records before they expire, as it does for
 * share records (net/share-routing.ts). A share publishes at most MAX_KEYWORDS_PER_SHARE keywords
 * (its name's, then its files' commonest), the node at most MAX_PUBLISHED_KEYWORDS. A keyword
 * whose announce failed (no DHT peer stored it) is tried again after RETRY_FAILED_MS (60 s).
 */
import { logger } from '../log/logger.ts'
import { keywordKey } from './keywords.ts'
import { publishedKeywords } from './match.ts'
import type { Announcement } from '../net/share-routing.ts'
import type { ShareKeywords } from './match.ts'

const log = logger('swarmdrop:search')

export const MAX_KEYWORDS_PER_SHARE = 24
export const MAX_PUBLISHED_KEYWORDS = 512
/** Keywords being announced at once (each announce is a DHT query of its own). */
const CONCURRENCY = 3
/** Failed keywords are announced again after this long (the routing table may have filled since). */
export const RETRY_FAILED_MS = 60_000

/** The part of share routing publishing uses. */
export interface KeywordAnnouncer {
  announce (key: string, options: { signal?: AbortSignal }): Promise<Announcement>
  withdraw (key: string): Promise<void>
}

export interface PublisherStatus {
  readonly published: number
  readonly pending: number
  readonly failed: number
}

export class KeywordPublisher {
  readonly #routing: KeywordAnnouncer
  readonly #signal: AbortSignal
  readonly #onStatus: (status: PublisherStatus) => void
  /** keyword → its state: waiting in the queue, being announced, published, or failed. */
  readonly #state = new Map<string, 'queued' | 'announcing' | 'published' | 'failed'>()
  readonly #queue: string[] = []
  #running = 0
  #retry: NodeJS.Timeout | null = null
  readonly #retryMs: number

  constructor (routing: KeywordAnnouncer, signal: AbortSignal, onStatus: (status: PublisherStatus) => void, retryMs = RETRY_FAILED_MS) {
    this.#routing = routing
    this.#signal = signal
    this.#onStatus = onStatus
    this.#retryMs = retryMs
  }

  /** The keywords the shares want published (deduplicated, capped). */
  static wanted (shares: readonly ShareKeywords[]): Set<string> {
    const wanted = new Set<string>()
    for (const s of shares) {
      for (const k of publishedKeywords(s, MAX_KEYWORDS_PER_SHARE)) {
        if (wanted.size >= MAX_PUBLISHED_KEYWORDS) return wanted
        wanted.add(k)
      }
    }
    return wanted
  }

  get status (): PublisherStatus {
    let published = 0
    let pending = 0
    let failed = 0
    for (const s of this.#state.values()) {
      if (s === 'published') published++
      else if (s === 'failed') failed++
      else pending++
    }
    return { published, pending, failed }
  }

  /** Publishes what the shares now want and withdraws what they no longer do. */
  update (shares: readonly ShareKeywords[]): void {
    const wanted = KeywordPublisher.wanted(shares)
    for (const [k, state] of this.#state) {
      if (wanted.has(k)) continue
      this.#state.delete(k)
      if (state === 'published' || state === 'announcing') void this.#withdraw(k)
    }
    for (let i = this.#queue.length - 1; i >= 0; i--) if (!wanted.has(this.#queue[i]!)) this.#queue.splice(i, 1)
    for (const k of wanted) {
      const state = this.#state.get(k)
      if (state === undefined || state === 'failed') { this.#state.set(k, 'queued'); this.#queue.push(k) }
    }
    this.#pump()
    this.#onStatus(this.status)
  }

  async #withdraw (keyword: string): Promise<void> {
    try {
      await this.#routing.withdraw(await keywordKey(keyword))
    } catch (err) {
      log.warn('could not withdraw keyword %s: %s', keyword, err)
    }
  }

  #pump (): void {
    while (this.#running < CONCURRENCY && this.#queue.length > 0 && !this.#signal.aborted) {
      const keyword = this.#queue.shift()!
      this.#state.set(keyword, 'announcing')
      this.#running++
      this.#announce(keyword).finally(() => {
        this.#running--
        this.#pump()
        if (this.#running === 0 && this.#queue.length === 0) {
          this.#onStatus(this.status)
          this.#scheduleRetry()
        }
      }).catch(() => {})
    }
  }

  /** Queues the failed keywords again in RETRY_FAILED_MS (once; not after the node stops). */
  #scheduleRetry (): void {
    if (this.#retry != null || this.#signal.aborted || this.status.failed === 0) return
    this.#retry = setTimeout(() => {
      this.#retry = null
      if (this.#signal.aborted) return
      for (const [k, state] of this.#state) if (state === 'failed') { this.#state.set(k, 'queued'); this.#queue.push(k) }
      this.#pump()
    }, this.#retryMs)
    this.#retry.unref()
  }

  async #announce (keyword: string): Promise<void> {
    try {
      await this.#routing.announce(await keywordKey(keyword), { signal: this.#signal })
      if (this.#state.get(keyword) === 'announcing') this.#state.set(keyword, 'published')
      else await this.#withdraw(keyword) // no longer wanted while it was announced
    } catch (err) {
      if (this.#signal.aborted) return
      log.warn('announcing keyword %s failed: %s', keyword, err)
      if (this.#state.get(keyword) === 'announcing') this.#state.set(keyword, 'failed')
    }
  }
}
