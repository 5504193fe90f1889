import { EventEmitter } from 'node:events'
import { stat } from 'node:fs/promises'
import { Bitfield } from './bitfield.ts'
import { FileHandleCache, bytesEqual, readExactly, sha256 } from './file-handles.ts'
import { ChunkUnavailableError } from './served-share.ts'
import type { ServedShare } from './served-share.ts'
import type { ManifestLayout } from '../manifest/layout.ts'
import type { ShareRecord } from './state-store.ts'

const STAT_TTL_MS = 1000

/**
 * A complete share served from the user's own files, in place (no copy). Before a chunk is sent
 * its file's size and mtime are compared with those recorded when it was hashed (re-checked at
 * most once a second) and the chunk is hashed again; on any difference the share is marked
 * changed and nothing more is served from it until it is shared again.
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
  readonly #events = new EventEmitter<{ changed: [reason: string] }>()

  constructor (record: ShareRecord, manifestBytes: Uint8Array, layout: ManifestLayout) {
    this.shareId = record.shareId
    this.record = record
    this.manifestBytes = manifestBytes
    this.layout = layout
    this.have = Bitfield.full(layout.chunkCount)
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
    const now = Date.now()
    if ((this.#statChecked.get(loc.fileIndex) ?? 0) + STAT_TTL_MS < now) {
      const s = await stat(file.absolutePath).catch(() => null)
      if (s == null) this.#markChanged(`${file.absolutePath} was removed`)
      if (s.size !== file.size || s.mtimeMs !== file.mtimeMs) this.#markChanged(`${file.absolutePath} changed on disk`)
      this.#statChecked.set(loc.fileIndex, now)
    }
    let data: Uint8Array
    try {
      data = await this.#handles.use(file.absolutePath, async fh => await readExactly(fh, loc.length, loc.offset))
    } catch (err) {
      this.#markChanged(`${file.absolutePath} cannot be read: ${(err as Error).message}`)
    }
    if (!bytesEqual(sha256(data), this.layout.hashOf(index))) this.#markChanged(`${file.absolutePath} changed on disk (chunk ${index} no longer matches)`)
    return data
  }

  async close (): Promise<void> {
    await this.#handles.close()
  }
}
