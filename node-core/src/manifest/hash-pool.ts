import { availableParallelism } from 'node:os'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'

export interface HashRange { readonly file: string, readonly start: number, readonly end: number }
export interface HashJob { readonly id: number, readonly chunkSize: number, readonly ranges: readonly HashRange[] }
export interface HashResult { readonly id: number, readonly hashes: Uint8Array, readonly error?: string }

// The worker has the same extension as this module: .ts when run from source, .js when compiled.
const WORKER_URL = new URL(`./hash-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url)

/**
 * A fixed pool of hashing workers (one per core, at most 4). Jobs are queued and handed to idle
 * workers; `close()` terminates them.
 */
export class HashPool {
  readonly #workers: Worker[] = []
  readonly #idle: Worker[] = []
  readonly #queue: Array<{ job: HashJob, resolve: (h: Uint8Array) => void, reject: (e: Error) => void }> = []
  readonly #pending = new Map<number, { resolve: (h: Uint8Array) => void, reject: (e: Error) => void }>()
  #nextId = 0

  constructor (size = Math.min(4, availableParallelism())) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(WORKER_URL)
      w.on('message', (r: HashResult) => {
        const p = this.#pending.get(r.id)
        this.#pending.delete(r.id)
        w.unref() // an idle worker does not keep the process alive
        this.#idle.push(w)
        this.#pump()
        if (p == null) return
        if (r.error != null) p.reject(new Error(r.error))
        else p.resolve(r.hashes)
      })
      w.on('error', err => {
        for (const p of this.#pending.values()) p.reject(err)
        this.#pending.clear()
      })
      w.unref()
      this.#workers.push(w)
      this.#idle.push(w)
    }
  }

  /** Hashes the ranges (each chunk-aligned) and returns their 32-byte digests, in order. */
  hash (chunkSize: number, ranges: readonly HashRange[]): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ job: { id: this.#nextId++, chunkSize, ranges }, resolve, reject })
      this.#pump()
    })
  }

  #pump (): void {
    while (this.#idle.length > 0 && this.#queue.length > 0) {
      const w = this.#idle.pop()!
      const { job, resolve, reject } = this.#queue.shift()!
      this.#pending.set(job.id, { resolve, reject })
      w.ref() // a busy one does, until its result arrives
      w.postMessage(job)
    }
  }

  async close (): Promise<void> {
    await Promise.all(this.#workers.map(w => w.terminate()))
  }
}
