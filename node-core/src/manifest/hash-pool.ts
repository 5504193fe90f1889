import { availableParallelism } from 'node:os'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { InvalidArgumentError, SwarmdropError } from '../errors.ts'

export interface HashRange { readonly file: string, readonly start: number, readonly end: number }
export interface HashJob { readonly id: number, readonly chunkSize: number, readonly ranges: readonly HashRange[] }
export interface HashResult { readonly id: number, readonly hashes: Uint8Array, readonly error?: string }

// The worker has the same extension as this module: .ts when run from source, .js when compiled.
const WORKER_URL = new URL(`./hash-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url)

/** How long the workers of a pool that has no work are kept before they are stopped. */
export const HASH_POOL_IDLE_MS = 5000

/**
 * A pool of hashing workers (one per core, at most 4), started on demand: jobs are queued and
 * handed to idle workers, a worker is started when a job finds none idle, and all of them are
 * stopped once the pool has had no work for `idleMs`. Each worker is a V8 isolate of about 30 MiB
 * resident, so a node that is not building a share (a downloader, a seeder after its share is
 * built) keeps none. `close()` stops them for good.
 */
export class HashPool {
  readonly #size: number
  readonly #idleMs: number
  readonly #workers = new Set<Worker>()
  readonly #idle: Worker[] = []
  readonly #queue: Array<{ job: HashJob, resolve: (h: Uint8Array) => void, reject: (e: Error) => void }> = []
  /** Job -> the worker running it and its promise. */
  readonly #pending = new Map<number, { worker: Worker, resolve: (h: Uint8Array) => void, reject: (e: Error) => void }>()
  #nextId = 0
  #stopTimer: NodeJS.Timeout | null = null
  #closed = false

  constructor (size = Math.min(4, availableParallelism()), idleMs = HASH_POOL_IDLE_MS) {
    if (!Number.isInteger(size) || size < 1) throw new InvalidArgumentError(`bad hash pool size ${size}`)
    this.#size = size
    this.#idleMs = idleMs
  }

  /** Workers running now (0 when the pool has been idle for `idleMs`). */
  get workers (): number { return this.#workers.size }

  /** Hashes the ranges (each chunk-aligned) and returns their 32-byte digests, in order. */
  hash (chunkSize: number, ranges: readonly HashRange[]): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new SwarmdropError('unavailable', 'hash pool closed'))
    return new Promise((resolve, reject) => {
      this.#queue.push({ job: { id: this.#nextId++, chunkSize, ranges }, resolve, reject })
      this.#pump()
    })
  }

  #start (): Worker {
    const w = new Worker(WORKER_URL)
    w.on('message', (r: HashResult) => {
      const p = this.#pending.get(r.id)
      this.#pending.delete(r.id)
      w.unref() // an idle worker does not keep the process alive
      this.#idle.push(w)
      this.#pump()
      if (p == null) return
      if (r.error != null) p.reject(new SwarmdropError('error', r.error))
      else p.resolve(r.hashes)
    })
    w.on('error', err => { this.#lose(w, err) })
    w.on('exit', () => { this.#lose(w, new SwarmdropError('internal', 'hash worker exited')) })
    this.#workers.add(w)
    return w
  }

  /** A worker died: its jobs fail, and a later job starts a new one. */
  #lose (w: Worker, err: Error): void {
    if (!this.#workers.delete(w)) return
    const at = this.#idle.indexOf(w)
    if (at >= 0) this.#idle.splice(at, 1)
    for (const [id, p] of this.#pending) {
      if (p.worker === w) { this.#pending.delete(id); p.reject(err) }
    }
    this.#pump()
  }

  #pump (): void {
    if (this.#stopTimer != null) { clearTimeout(this.#stopTimer); this.#stopTimer = null }
    while (this.#queue.length > 0 && !this.#closed && (this.#idle.length > 0 || this.#workers.size < this.#size)) {
      const w = this.#idle.pop() ?? this.#start()
      const { job, resolve, reject } = this.#queue.shift()!
      this.#pending.set(job.id, { worker: w, resolve, reject })
      w.ref() // a busy one does, until its result arrives
      w.postMessage(job)
    }
    if (this.#pending.size === 0 && this.#queue.length === 0 && this.#workers.size > 0 && !this.#closed) {
      this.#stopTimer = setTimeout(() => { this.#stopTimer = null; this.#stopAll() }, this.#idleMs)
      this.#stopTimer.unref()
    }
  }

  #stopAll (): Promise<unknown> {
    const all = [...this.#workers]
    this.#workers.clear()
    this.#idle.length = 0
    return Promise.all(all.map(w => w.terminate()))
  }

  async close (): Promise<void> {
    this.#closed = true
    if (this.#stopTimer != null) { clearTimeout(this.#stopTimer); this.#stopTimer = null }
    for (const { reject } of this.#queue.splice(0)) reject(new SwarmdropError('unavailable', 'hash pool closed'))
    for (const { reject } of this.#pending.values()) reject(new SwarmdropError('unavailable', 'hash pool closed'))
    this.#pending.clear()
    await this.#stopAll()
  }
}
