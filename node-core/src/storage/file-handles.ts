import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { logger } from '../log/logger.ts'

const log = logger('swarmdrop:storage')
import type { FileHandle } from 'node:fs/promises'
import type { Uint8ArrayList } from 'uint8arraylist'
import { SwarmdropError } from '../errors.ts'

/**
 * A chunk's bytes: one buffer, or the pieces it arrived in (views into the received stream data,
 * never joined into one buffer: they are hashed and written piece by piece).
 */
export type ChunkBytes = Uint8Array | Uint8ArrayList

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
  let fh: FileHandle
  try {
    fh = await entry.handle
  } catch {
    return // the open failed: that error went to the caller that opened it; nothing to close
  }
  await fh.close().catch((err: unknown) => { log.warn('could not close a file handle: %s', err) })
}

/** Reads exactly `length` bytes at `position`; fails if the file is shorter. */
export async function readExactly (fh: FileHandle, length: number, position: number): Promise<Uint8Array> {
  const buf = Buffer.allocUnsafe(length)
  let got = 0
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got)
    if (bytesRead === 0) throw new SwarmdropError('error', `file ended at ${position + got}, ${length - got} bytes short`)
    got += bytesRead
  }
  return buf
}

/**
 * SHA-256 of a chunk, on the calling thread: with the CPU's SHA instructions a 512 KiB chunk takes
 * about 0.4 ms here, less than WebCrypto's per-call cost on the main thread plus its copy of the
 * input (docs/PERFORMANCE.md, "Hashing").
 */
export function sha256 (data: ChunkBytes): Uint8Array {
  const hash = createHash('sha256')
  if (data instanceof Uint8Array) hash.update(data)
  else for (const piece of data) hash.update(piece)
  return hash.digest()
}

/** Writes all of `data` at `position` (one `writev` of its pieces, repeated if it writes short). */
export async function writeExactly (fh: FileHandle, data: ChunkBytes, position: number): Promise<void> {
  const pieces = data instanceof Uint8Array ? [data] : [...data]
  let at = position
  while (pieces.length > 0) {
    let { bytesWritten } = await fh.writev(pieces, at)
    if (bytesWritten === 0) throw new SwarmdropError('error', `wrote nothing at ${at}`)
    at += bytesWritten
    while (pieces.length > 0 && bytesWritten >= pieces[0]!.byteLength) bytesWritten -= pieces.shift()!.byteLength
    if (bytesWritten > 0) pieces[0] = pieces[0]!.subarray(bytesWritten)
  }
}

export function bytesEqual (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0
}
