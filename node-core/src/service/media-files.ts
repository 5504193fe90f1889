import { InvalidArgumentError, NotFoundError, SwarmdropError } from '../errors.ts'
import type { ServedShare } from '../storage/served-share.ts'

/** How far past the chunk a player reads the download fetches first, in order. */
export const READ_AHEAD_BYTES = 8 * 1024 * 1024
/** At most this much is returned by one read (a player asks again for the rest). */
export const MAX_READ_BYTES = 4 * 1024 * 1024
/** A read waits this long at most for a chunk that is still downloading. */
export const CHUNK_WAIT_MS = 120_000

export interface MediaFilesInit {
  /** The share or download whose verified chunks can be read (ShareRegistry.servedFor). */
  servedFor (shareId: string): ServedShare | undefined
  /** Ask a running download to fetch these chunks first, in order (null: no such download). */
  focus (shareId: string, range: { first: number, last: number }): void
}

export interface MediaFile {
  /** The file's path inside the share ('/'-separated, as in the manifest). */
  readonly path: string
  readonly size: number
}

/**
 * Reads a file of a share or of a download for a player (play while downloading): only verified
 * chunks are ever returned; a read of a chunk still missing asks the download to fetch it and the
 * chunks after it first (sequential with a read-ahead window; rarest first for the rest) and waits
 * for it. A read returns the bytes from `start` up to the first chunk not yet here, at least one
 * chunk's worth and at most MAX_READ_BYTES, so a player starts as soon as its first chunk arrives.
 */
export class MediaFiles {
  readonly #init: MediaFilesInit

  constructor (init: MediaFilesInit) {
    this.#init = init
  }

  file (shareId: string, fileIndex: number): MediaFile {
    const share = this.#share(shareId)
    const file = share.layout.manifest.files[fileIndex]
    if (!Number.isSafeInteger(fileIndex) || file == null) throw new NotFoundError(`share ${shareId} has no file ${fileIndex}`)
    return { path: file.path, size: file.size }
  }

  /** Verified bytes of file `fileIndex` from `start`, at most `maxLength` (see the class comment). */
  async read (shareId: string, fileIndex: number, start: number, maxLength: number, signal?: AbortSignal): Promise<Uint8Array> {
    const { size } = this.file(shareId, fileIndex)
    if (!Number.isSafeInteger(start) || start < 0 || start >= size) throw new SwarmdropError('out-of-range', `offset ${start} is outside the file (${size} bytes)`)
    if (!Number.isSafeInteger(maxLength) || maxLength < 1) throw new InvalidArgumentError(`bad length ${maxLength}`)
    const share = this.#share(shareId)
    const { layout } = share
    const chunkSize = layout.manifest.chunkSize
    const base = layout.firstChunk[fileIndex]!
    const first = base + Math.floor(start / chunkSize)
    const lastOfFile = base + Math.ceil(size / chunkSize) - 1
    const end = Math.min(size, start + Math.min(maxLength, MAX_READ_BYTES))
    const lastWanted = base + Math.floor((end - 1) / chunkSize)
    if (!share.have.has(first)) {
      this.#init.focus(shareId, { first, last: Math.min(lastOfFile, first + Math.max(0, Math.ceil(READ_AHEAD_BYTES / chunkSize) - 1)) })
      await waitForChunk(share, first, signal)
    }
    // The current copy of the share (a finished download is served from its final place).
    const now = this.#share(shareId)
    let last = first
    while (last < lastWanted && now.have.has(last + 1)) last++
    const parts: Uint8Array[] = []
    for (let i = first; i <= last; i++) parts.push(await now.readChunk(i))
    const bytes = Buffer.concat(parts)
    const from = start - (first - base) * chunkSize
    return bytes.subarray(from, Math.min(bytes.length, from + (end - start)))
  }

  #share (shareId: string): ServedShare {
    const share = this.#init.servedFor(shareId)
    if (share == null) throw new NotFoundError(`no share or download ${shareId}`)
    return share
  }
}

/** Resolves once `index` is verified; rejects on `signal` or after CHUNK_WAIT_MS. */
function waitForChunk (share: ServedShare, index: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      unsubscribe()
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      if (err == null) resolve()
      else reject(err)
    }
    const unsubscribe = share.onHave(i => { if (i === index) done() })
    const timer = setTimeout(() => { done(new SwarmdropError('unavailable', `chunk ${index} did not arrive within ${CHUNK_WAIT_MS / 1000} s (no source has it, or the download is paused)`)) }, CHUNK_WAIT_MS)
    timer.unref()
    const onAbort = (): void => { done(new SwarmdropError('disconnected', 'the reader went away')) }
    signal?.addEventListener('abort', onAbort, { once: true })
    if (share.have.has(index)) done() // arrived before we listened
    else if (signal?.aborted === true) onAbort()
  })
}
