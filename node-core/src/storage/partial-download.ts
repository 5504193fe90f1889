import { EventEmitter } from 'node:events'
import { lstat, mkdir, open, rename, rm, rmdir, statfs } from 'node:fs/promises'
import { join } from 'node:path'
import { InsufficientSpaceError, SwarmdropError } from '../errors.ts'
import { Bitfield } from './bitfield.ts'
import { FileHandleCache, bytesEqual, readExactly, sha256, writeExactly } from './file-handles.ts'
import type { ChunkBytes } from './file-handles.ts'
import { ChunkUnavailableError } from './served-share.ts'
import { logger } from '../log/logger.ts'
import type { ServedShare } from './served-share.ts'
import type { ManifestLayout } from '../manifest/layout.ts'
import type { StateStore } from './state-store.ts'

const log = logger('swarmdrop:storage')

/** Folder, inside the download folder, that holds downloads in progress. */
export const PARTIAL_DIR = '.swarmdrop-partial'
const COMMIT_INTERVAL_MS = 250
const SPACE_MARGIN_BYTES = 16 * 1024 * 1024

/**
 * A download's bytes on disk while it is incomplete. Each file is written to
 * `<outDir>/.swarmdrop-partial/<shareId>/<file number>.part` (names never come from a peer).
 * A chunk is written only after its hash matched; written chunks are fsynced and then recorded in
 * the state store in batches (`commit`), so a chunk recorded as verified is on disk. `finish()`
 * moves each file into place with an atomic rename, creating only directories it checked
 * are real directories (not symbolic links).
 */
export class PartialDownload implements ServedShare {
  readonly shareId: string
  readonly manifestBytes: Uint8Array
  readonly layout: ManifestLayout
  readonly outDir: string
  readonly partialDir: string
  /** Chunks verified and written (served to others at once). */
  readonly have: Bitfield
  /**
   * Chunks whose bytes on disk this process has checked: verified before it wrote them, or read
   * and hashed once. They are served without hashing them again (a chunk restored from the
   * record is hashed the first time it is served).
   */
  readonly #checked: Uint8Array
  readonly #store: StateStore
  readonly #handles = new FileHandleCache('r+', 128)
  readonly #dirty = new Set<string>()
  readonly #writing = new Set<number>()
  readonly #events = new EventEmitter<{ have: [index: number] }>()
  /** Files moved into place by an interrupted finish(), by file number. */
  readonly #moved = new Map<number, string>()
  #commitTimer: NodeJS.Timeout | null = null
  #committing: Promise<void> = Promise.resolve()
  #closed = false

  private constructor (shareId: string, manifestBytes: Uint8Array, layout: ManifestLayout, outDir: string, have: Bitfield, store: StateStore) {
    this.shareId = shareId
    this.manifestBytes = manifestBytes
    this.layout = layout
    this.outDir = outDir
    this.partialDir = join(outDir, PARTIAL_DIR, shareId)
    this.have = have
    this.#checked = new Uint8Array(layout.chunkCount)
    this.#store = store
    this.#events.setMaxListeners(0)
  }

  /**
   * Opens (or creates) the partial area and restores the recorded bitfield. Part files are
   * created at full size (sparse) so chunks can be written at any offset. The record is trusted
   * only where it can be: a file whose part has the wrong size (truncated or extended by someone)
   * has its chunks re-checked from disk, and so has every part file when the record is missing
   * or unreadable (state lost): only chunks whose bytes match the manifest count as verified.
   * A part file that does not exist yet (a new folder, or the share was downloaded before) has
   * no verified chunks, whatever an old record says.
   * With `targetName`, a part missing because an interrupted `finish()` already moved the file
   * into place is recognised (the moved file is re-checked) rather than downloaded again.
   */
  static async open (shareId: string, manifestBytes: Uint8Array, layout: ManifestLayout, outDir: string, store: StateStore, targetName: string | null = null): Promise<PartialDownload> {
    const recorded = await store.getHave(shareId)
    let trusted: Bitfield | null = null
    if (recorded != null) {
      try {
        trusted = new Bitfield(layout.chunkCount, recorded)
      } catch (err) {
        log.warn('the recorded chunks of %s are unreadable (%s): re-checking them from disk', shareId, err)
      }
    }
    const d = new PartialDownload(shareId, manifestBytes, layout, outDir, new Bitfield(layout.chunkCount), store)
    await mkdir(outDir, { recursive: true })
    await d.checkFreeSpace() // before the partial area is created
    // Another download of the folder may create the shared area at the same time, or remove it
    // (empty) as it finishes, between these two steps: then they are taken again.
    for (let attempt = 0; ; attempt++) {
      try {
        await ensureRealDirectory(join(outDir, PARTIAL_DIR), true)
        await ensureRealDirectory(d.partialDir, true)
        break
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw err
      }
    }
    const recheck: Array<{ fileIndex: number, path: string }> = []
    const fresh = new Set<number>()
    for (let i = 0; i < layout.manifest.files.length; i++) {
      const size = layout.manifest.files[i]!.size
      const path = d.partPath(i)
      const s = await lstat(path).catch(() => null)
      if (s != null && !s.isFile()) throw new SwarmdropError('unsafe-path', `${path} is not a regular file`)
      if (s == null && targetName != null) {
        const target = d.targetPath(targetName, i)
        const t = await lstat(target).catch(() => null)
        if (t?.isFile() === true && t.size === size) { recheck.push({ fileIndex: i, path: target }); d.#moved.set(i, target); continue }
      }
      if (s == null || s.size !== size) {
        const fh = await open(path, s == null ? 'wx' : 'r+')
        try { await fh.truncate(size) } finally { await fh.close() }
      }
      if (s == null) fresh.add(i) // nothing on disk: whatever the record says about it is stale
      else if (s.size !== size || trusted == null) recheck.push({ fileIndex: i, path })
    }
    const rechecked = new Set(recheck.map(r => r.fileIndex))
    for (let i = 0; i < layout.chunkCount; i++) {
      const file = layout.fileOf(i)
      if (!rechecked.has(file) && !fresh.has(file) && trusted?.has(i) === true) d.have.set(i)
    }
    for (const { fileIndex, path } of recheck) await d.#recheck(fileIndex, path)
    for (const [fileIndex, target] of d.#moved) {
      if (!d.#fileComplete(fileIndex)) { // not our file after all (or damaged): leave it alone, download again
        d.#moved.delete(fileIndex)
        throw new SwarmdropError('exists', `${target} already exists and does not match the download; not overwriting it`)
      }
    }
    if (recheck.length > 0) await d.commit()
    return d
  }

  /** Hashes every chunk of one file on disk and marks those that match the manifest. */
  async #recheck (fileIndex: number, path: string): Promise<void> {
    const fh = await open(path, 'r')
    try {
      for (let i = this.layout.firstChunk[fileIndex]!; i < this.layout.firstChunk[fileIndex + 1]!; i++) {
        const loc = this.layout.locate(i)
        const data = await readExactly(fh, loc.length, loc.offset)
        if (bytesEqual(sha256(data), this.layout.hashOf(i))) { this.have.set(i); this.#checked[i] = 1 }
      }
    } finally {
      await fh.close()
    }
  }

  #fileComplete (fileIndex: number): boolean {
    for (let i = this.layout.firstChunk[fileIndex]!; i < this.layout.firstChunk[fileIndex + 1]!; i++) if (!this.have.has(i)) return false
    return true
  }

  /** Where file `fileIndex` goes when finished: `<outDir>/<targetName>/<rest of its path>`. */
  targetPath (targetName: string, fileIndex: number): string {
    const parts = this.layout.manifest.files[fileIndex]!.path.split('/')
    parts[0] = targetName
    return join(this.outDir, ...parts)
  }

  partPath (fileIndex: number): string {
    return join(this.partialDir, `${fileIndex}.part`)
  }

  /** Bytes still missing. */
  get remainingBytes (): number {
    let n = this.layout.totalSize
    for (const i of this.have.indices()) n -= this.layout.chunkLength(i)
    return n
  }

  /** Fails with InsufficientSpaceError unless the folder's file system can hold what is missing. */
  async checkFreeSpace (): Promise<void> {
    const s = await statfs(this.outDir)
    const free = Number(s.bavail) * Number(s.bsize)
    const need = this.remainingBytes + SPACE_MARGIN_BYTES
    if (free < need) throw new InsufficientSpaceError(`not enough free space in ${this.outDir}: ${free} bytes free, ${need} needed`)
  }

  onHave (listener: (index: number) => void): () => void {
    this.#events.on('have', listener)
    return () => { this.#events.off('have', listener) }
  }

  /**
   * Verifies `data` against the manifest and writes it: `written`, `duplicate` (already had it,
   * nothing written) or `bad` (hash or length mismatch, nothing written).
   */
  async writeChunk (index: number, data: ChunkBytes): Promise<'written' | 'duplicate' | 'bad'> {
    const loc = this.layout.locate(index)
    if (data.byteLength !== loc.length || !bytesEqual(sha256(data), this.layout.hashOf(index))) return 'bad'
    if (this.have.has(index) || this.#writing.has(index)) return 'duplicate'
    this.#writing.add(index)
    try {
      const path = this.partPath(loc.fileIndex)
      await this.#handles.use(path, async fh => { await writeExactly(fh, data, loc.offset) })
      this.#dirty.add(path)
    } finally {
      this.#writing.delete(index)
    }
    this.have.set(index)
    this.#checked[index] = 1
    this.#events.emit('have', index)
    this.#scheduleCommit()
    return 'written'
  }

  #scheduleCommit (): void {
    if (this.#commitTimer != null || this.#closed) return
    this.#commitTimer = setTimeout(() => {
      this.#commitTimer = null
      this.commit().catch((err: unknown) => { log.error('recording the verified chunks of %s failed (retried at the next commit): %s', this.shareId, err) })
    }, COMMIT_INTERVAL_MS)
  }

  /** fsyncs written part files, then records the bitfield: what is recorded is on disk. */
  commit (): Promise<void> {
    // After the previous commit whatever its outcome (its failure went to its own caller): a failed commit does not block later ones.
    const run = async (): Promise<void> => {
      const snapshot = Uint8Array.from(this.have.bytes)
      const dirty = [...this.#dirty]
      this.#dirty.clear()
      try {
        for (const path of dirty) await this.#handles.use(path, async fh => { await fh.datasync() })
        await this.#store.putHave(this.shareId, snapshot)
      } catch (err) {
        for (const path of dirty) this.#dirty.add(path) // synced again by the next commit
        throw err
      }
    }
    this.#committing = this.#committing.then(run, run)
    return this.#committing
  }

  async readChunk (index: number): Promise<Uint8Array> {
    if (!this.have.has(index)) throw new ChunkUnavailableError(`chunk ${index} not downloaded yet`)
    const loc = this.layout.locate(index)
    const data = await this.#handles.use(this.#moved.get(loc.fileIndex) ?? this.partPath(loc.fileIndex), async fh => await readExactly(fh, loc.length, loc.offset))
    if (this.#checked[index] === 1) return data
    if (!bytesEqual(sha256(data), this.layout.hashOf(index))) throw new ChunkUnavailableError(`chunk ${index} on disk does not match its hash`)
    this.#checked[index] = 1
    return data
  }

  /**
   * Moves every file into `<outDir>/<targetName>/...` with an atomic rename and removes the
   * partial area. Returns the final absolute paths, in manifest order. `reserved`: the target name
   * was reserved on disk for this download (storage/target-name.ts), so a single-file share may
   * replace its empty placeholder; any other existing file is never overwritten.
   */
  async finish (targetName: string, reserved = false): Promise<string[]> {
    if (!this.have.complete) throw new SwarmdropError('internal', 'download is not complete')
    await this.commit()
    await this.close()
    const finals: string[] = []
    for (let i = 0; i < this.layout.manifest.files.length; i++) {
      const parts = this.layout.manifest.files[i]!.path.split('/')
      parts[0] = targetName
      let dir = this.outDir
      for (const component of parts.slice(0, -1)) {
        dir = join(dir, component)
        await ensureRealDirectory(dir, true)
      }
      const target = join(dir, parts[parts.length - 1]!)
      const source = this.partPath(i)
      const [sourceStat, targetStat] = await Promise.all([lstat(source).catch(() => null), lstat(target).catch(() => null)])
      if (sourceStat == null && targetStat?.isFile() === true) { finals.push(target); continue } // moved before a crash
      const placeholder = reserved && parts.length === 1 && targetStat?.isFile() === true && targetStat.size === 0
      if (targetStat != null && !placeholder) throw new SwarmdropError('exists', `${target} already exists; not overwriting it`)
      await rename(source, target)
      finals.push(target)
    }
    await rm(this.partialDir, { recursive: true, force: true })
    await rmdir(join(this.outDir, PARTIAL_DIR)).catch((err: NodeJS.ErrnoException) => { // only if empty (other downloads may use it)
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST' && err.code !== 'ENOENT') log.warn('could not remove %s: %s', join(this.outDir, PARTIAL_DIR), err)
    })
    return finals
  }

  /** Deletes the partial area (download removed). */
  async discard (): Promise<void> {
    await this.close()
    await rm(this.partialDir, { recursive: true, force: true })
  }

  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#commitTimer != null) clearTimeout(this.#commitTimer)
    this.#commitTimer = null
    if (this.#dirty.size > 0) {
      this.#closed = false
      await this.commit()
      this.#closed = true
    }
    await this.#committing.catch((err: unknown) => { log('the last commit of %s had failed (logged when it ran): %s', this.shareId, err) })
    await this.#handles.close()
  }
}

/** Creates `dir` if missing; fails if it exists as anything but a real directory (e.g. a planted symlink). */
async function ensureRealDirectory (dir: string, create: boolean): Promise<void> {
  const s = await lstat(dir).catch(() => null)
  if (s == null) {
    if (!create) throw new SwarmdropError('unsafe-path', `${dir} does not exist`)
    const made = await mkdir(dir).then(() => true, (err: NodeJS.ErrnoException) => { if (err.code === 'EEXIST') return false; throw err })
    if (made) return
    await ensureRealDirectory(dir, false) // made by someone else meanwhile: checked like any other
    return
  }
  if (!s.isDirectory()) throw new SwarmdropError('unsafe-path', `${dir} exists and is not a directory (a link or a file); refusing to write through it`)
}
