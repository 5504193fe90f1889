import { open } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'

/**
 * A small cache of open file handles (least recently used closed first), so serving or writing
 * many chunks does not reopen a file per chunk and a share of 50,000 files does not hold 50,000
 * descriptors.
 */
export class FileHandleCache {
  readonly #max: number
  readonly #flags: string
  readonly #handles = new Map<string, Promise<FileHandle>>()

  constructor (flags: 'r' | 'r+', max = 64) {
    this.#flags = flags
    this.#max = max
  }

  async get (path: string): Promise<FileHandle> {
    let p = this.#handles.get(path)
    if (p != null) {
      this.#handles.delete(path)
      this.#handles.set(path, p)
      return p
    }
    p = open(path, this.#flags)
    this.#handles.set(path, p)
    p.catch(() => { if (this.#handles.get(path) === p) this.#handles.delete(path) })
    while (this.#handles.size > this.#max) {
      const [oldest, handle] = this.#handles.entries().next().value as [string, Promise<FileHandle>]
      this.#handles.delete(oldest)
      handle.then(h => h.close(), () => {}).catch(() => {})
    }
    return p
  }

  async close (path?: string): Promise<void> {
    const entries = path == null ? [...this.#handles.entries()] : [[path, this.#handles.get(path)] as const]
    for (const [p, h] of entries) {
      this.#handles.delete(p)
      if (h != null) await h.then(fh => fh.close(), () => {}).catch(() => {})
    }
  }
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
