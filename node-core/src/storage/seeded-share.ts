import { EventEmitter } from 'node:events'
import { stat } from 'node:fs/promises'
import { Bitfield } from './bitfield.ts'
import { FileHandleCache, bytesEqual, readExactly, sha256 } from './file-handles.ts'
import { ChunkUnavailableError } from './served-share.ts'
import type { ServedShare } from './served-share.ts'
import type { ManifestLayout } from '../manifest/layout.ts'
import type { ShareRecord } from './state-store.ts'

const STAT_TTL_MS = 1000

/** Options of a SeededShare; for tests. */
export interface SeededShareOptions {
  /** How long a file's `stat` is trusted (default STAT_TTL_MS). */
  readonly statTtlMs?: number
  /** The clock (default Date.now). */
  readonly now?: () => number
}

/**
 * A complete share served from the user's own files, in place (no copy). Before a chunk is sent
 * its file's size and mtime are compared with those recorded when it was hashed (re-checked at
 * most once a second); the first time a chunk is served it is hashed again. On any difference
 * the share is marked changed and nothing more is served from it until it is shared again.
 *
 * A chunk is hashed once per version of its file, not each time it is served: the `stat` check
 * also watches the file's inode and ctime (which no one can set back, unlike mtime), and when
 * either moves the file's chunks are hashed again as they are served. Rewriting a file's bytes and
 * restoring its mtime is still noticed, within STAT_TTL_MS.
 */
export class SeededShare implements ServedShare {
  readonly shareId: string
  readonly manifestBytes: Uint8Array
  readonly layout: ManifestLayout
  readonly have: Bitfield
  readonly record: ShareRecord
  /**
   * Off: the stalls seen with it are fixed (docs/PERFORMANCE.md, "Initial seeding"), but in the
   * benchmark's flash crowd of 16 it does not lower the origin's upload reliably (after the
   * connectivity fixes of 2026-12-01: 1.07, 1.38 and 1.47x the share, against 1.37x without it),
   * for a reason not found yet. Seed sparing in the downloaders stays on.
   */
  readonly initialSeeding = false
  #changed: string | null = null
  readonly #handles = new FileHandleCache('r')
  readonly #statChecked = new Map<number, number>()
  /** Per file, its inode and ctime at the last `stat`: when they move, its chunks are hashed again. */
  readonly #version = new Map<number, string>()
  /** Per file, how many times its version moved: a hash of bytes read before a move marks nothing. */
  readonly #moves = new Map<number, number>()
  /** 1 for a chunk hashed and found intact since its file's version last moved. */
  readonly #verified: Uint8Array
  readonly #statTtlMs: number
  readonly #now: () => number
  readonly #events = new EventEmitter<{ changed: [reason: string] }>()

  constructor (record: ShareRecord, manifestBytes: Uint8Array, layout: ManifestLayout, options: SeededShareOptions = {}) {
    this.shareId = record.shareId
    this.record = record
    this.manifestBytes = manifestBytes
    this.layout = layout
    this.have = Bitfield.full(layout.chunkCount)
    this.#verified = new Uint8Array(layout.chunkCount)
    this.#statTtlMs = options.statTtlMs ?? STAT_TTL_MS
    this.#now = options.now ?? Date.now
  }

  /** Why the share stopped being served, or null while it is intact. */
  get changed (): string | null { return this.#changed }

  onChanged (listener: (reason: string) => void): void {
    this.#events.on('changed', listener)
  }

  onHave (): () => void {
    return () => {}
  }

  #markChanged (reason: string): never {
    if (this.#changed == null) {
      this.#changed = reason
      this.#events.emit('changed', reason)
    }
    throw new ChunkUnavailableError(reason)
  }

  async readChunk (index: number): Promise<Uint8Array> {
    if (this.#changed != null) throw new ChunkUnavailableError(this.#changed)
    const loc = this.layout.locate(index)
    const file = this.record.files[loc.fileIndex]!
    const now = this.#now()
    if ((this.#statChecked.get(loc.fileIndex) ?? -Infinity) + this.#statTtlMs < now) {
      const s = await stat(file.absolutePath).catch(() => null)
      if (s == null) this.#markChanged(`${file.absolutePath} was removed`)
      if (s.size !== file.size || s.mtimeMs !== file.mtimeMs) this.#markChanged(`${file.absolutePath} changed on disk`)
      const version = `${s.ino}:${s.ctimeMs}`
      if (this.#version.get(loc.fileIndex) !== version) {
        this.#version.set(loc.fileIndex, version)
        this.#moves.set(loc.fileIndex, (this.#moves.get(loc.fileIndex) ?? 0) + 1)
        this.#verified.fill(0, this.layout.firstChunk[loc.fileIndex], this.layout.firstChunk[loc.fileIndex + 1])
      }
      this.#statChecked.set(loc.fileIndex, now)
    }
    const moves = this.#moves.get(loc.fileIndex)
    let data: Uint8Array
    try {
      data = await this.#handles.use(file.absolutePath, async fh => await readExactly(fh, loc.length, loc.offset))
    } catch (err) {
      this.#markChanged(`${file.absolutePath} cannot be read: ${(err as Error).message}`)
    }
    if (this.#verified[index] === 1) return data
    if (!bytesEqual(sha256(data), this.layout.hashOf(index))) this.#markChanged(`${file.absolutePath} changed on disk (chunk ${index} no longer matches)`)
    if (this.#moves.get(loc.fileIndex) === moves) this.#verified[index] = 1
    return data
  }

  async close (): Promise<void> {
    await this.#handles.close()
  }
}
