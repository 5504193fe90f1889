import { open } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'

/**
 * A small cache of open file handles (least recently used closed first), so serving or writing
 * many chunks does not reopen a file per chunk and a share of 50,000 files does not hold 50,000
 * descriptors. Handles are lent out through `use()`: one pushed out of the cache while a read or
 * write is still using it is closed when the last user is done, never under it.
 */
export class FileHandleCache {
  readonly #max: number
  readonly #flags: string
  readonly #entries = new Map<string, CachedHandle>()

  constructor (flags: 'r' | 'r+', max = 64) {
    this.#flags = flags
    this.#max = max
  }

  /** Runs `fn` with an open handle on `path`; the handle stays open until `fn` settles. */
  async use<T> (path: string, fn: (fh: FileHandle) => Promise<T>): Promise<T> {
    let entry = this.#entries.get(path)
    if (entry != null) {
      this.#entries.delete(path)
      this.#entries.set(path, entry)
    } else {
      const opened: CachedHandle = { handle: open(path, this.#flags), users: 0, retired: false }
      entry = opened
      this.#entries.set(path, opened)
      opened.handle.catch(() => { if (this.#entries.get(path) === opened) this.#entries.delete(path) })
    }
    entry.users++
    this.#evict()
    try {
      return await fn(await entry.handle)
    } finally {
      entry.users--
      if (entry.retired && entry.users === 0) void closeQuietly(entry)
    }
  }

  /** How many handles the cache holds (in use or not); for tests. */
  get size (): number {
    return this.#entries.size
  }

  #evict (): void {
    for (const [path, entry] of this.#entries) {
      if (this.#entries.size <= this.#max) break
      this.#entries.delete(path)
      entry.retired = true
      if (entry.users === 0) void closeQuietly(entry)
    }
  }

  /** Closes the handle on `path` (or every handle); one in use is closed when its user is done. */
  async close (path?: string): Promise<void> {
    const entries = path == null ? [...this.#entries] : [[path, this.#entries.get(path)] as const]
    for (const [p, entry] of entries) {
      if (entry == null) continue
      this.#entries.delete(p)
      entry.retired = true
      if (entry.users === 0) await closeQuietly(entry)
    }
  }
}

interface CachedHandle {
  readonly handle: Promise<FileHandle>
  users: number
  /** Out of the cache: close once no one uses it. */
  retired: boolean
}

async function closeQuietly (entry: CachedHandle): Promise<void> {
  await entry.handle.then(async fh => { await fh.close() }, () => {}).catch(() => {})
}

/** Reads exactly `length` bytes at `position`; fails if the file is shorter. */
export async function readExactly (fh: FileHandle, length: number, position: number): Promise<Uint8Array> {
  const buf = Buffer.allocUnsafe(length)
  let got = 0
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got)
    if (bytesRead === 0) throw new Error(`file ended at ${position + got}, ${length - got} bytes short`)
    got += bytesRead
  }
  return buf
}

/** SHA-256 on libuv's thread pool (WebCrypto), so verifying a chunk never blocks the event loop. */
export async function sha256 (data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>))
}

export function bytesEqual (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0
}
