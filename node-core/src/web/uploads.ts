import { constants } from 'node:fs'
import { lstat, mkdir, open, readdir, statfs, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { InsufficientSpaceError, InvalidArgumentError, SwarmdropError, UnsafePathError } from '../errors.ts'
import { validateRelativePath } from '../manifest/validate.ts'
import { logger } from '../log/logger.ts'

const log = logger('swarmdrop:web')
import type { Readable } from 'node:stream'

/** Free space an upload always leaves on the library's file system. */
export const UPLOAD_RESERVE_BYTES = 64 * 1024 * 1024
const BATCH_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

/** An upload to a path that already exists, or to a batch that was already shared. */
export class UploadConflictError extends SwarmdropError {
  constructor (message: string) {
    super('conflict', message)
    this.name = 'UploadConflictError'
  }
}

/**
 * The daemon's library (`<profile>/library/`): files a browser uploads (a dropped file has no path
 * a browser could give us) land in `library/<batch>/<relative path>`, then the batch is shared from
 * there. Relative paths pass `validateRelativePath`; no symbolic link is followed on the way in; an
 * existing file is never overwritten; bodies are streamed to disk, and an upload that would leave
 * less than UPLOAD_RESERVE_BYTES free is refused (before writing when the length is declared) and
 * its partial file removed.
 */
export class UploadLibrary {
  readonly dir: string
  readonly #shared = new Set<string>()

  constructor (dir: string) {
    this.dir = dir
  }

  /** Streams `body` to `library/<batch>/<path>`; resolves with the bytes written. */
  async receive (batch: string, path: string, body: Readable, declaredLength: number | null): Promise<number> {
    checkBatch(batch)
    validateRelativePath(path)
    if (this.#shared.has(batch)) throw new UploadConflictError(`batch ${batch} was already shared`)
    const parts = path.split('/')
    let dir = await this.#batchDir(batch, true)
    for (const part of parts.slice(0, -1)) {
      dir = join(dir, part)
      await ensureRealDirectory(dir)
    }
    const free = await freeBytes(dir)
    const budget = free - UPLOAD_RESERVE_BYTES
    if (declaredLength != null && declaredLength > budget) {
      throw new InsufficientSpaceError(`not enough free space for ${path}: ${declaredLength} bytes, ${Math.max(0, budget)} available`)
    }
    const file = join(dir, parts[parts.length - 1]!)
    let handle
    try {
      // O_EXCL never replaces an existing file or follows a link planted under the final name.
      handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UploadConflictError(`${path} already exists in batch ${batch}`)
      throw err
    }
    let written = 0
    try {
      // One chunk at a time: each write is awaited before the next chunk is read (backpressure).
      for await (const chunk of body as AsyncIterable<Buffer>) {
        written += chunk.length
        if (written > budget) throw new InsufficientSpaceError(`not enough free space for ${path}: over ${Math.max(0, budget)} bytes`)
        if (declaredLength != null && written > declaredLength) throw new InvalidArgumentError(`${path}: body longer than its Content-Length`)
        await handle.write(chunk)
      }
      if (declaredLength != null && written !== declaredLength) throw new InvalidArgumentError(`${path}: body shorter than its Content-Length`)
      await handle.sync()
    } catch (err) {
      await handle.close().catch((closeErr: unknown) => { log.warn('could not close the failed upload %s: %s', file, closeErr) })
      await unlink(file).catch((unlinkErr: unknown) => { log.warn('could not remove the failed upload %s: %s', file, unlinkErr) })
      throw err
    }
    await handle.close()
    return written
  }

  /**
   * Shares a batch with `share(path)`: its only top-level entry (a dropped file or folder), or the
   * batch folder when several were dropped together. While it runs, and once it succeeded, the
   * batch takes no more files.
   */
  async share<T> (batch: string, share: (path: string) => Promise<T>): Promise<T> {
    checkBatch(batch)
    if (this.#shared.has(batch)) throw new UploadConflictError(`batch ${batch} was already shared`)
    const dir = await this.#batchDir(batch, false)
    const entries = (await readdir(dir, { withFileTypes: true })).filter(e => e.isFile() || e.isDirectory())
    if (entries.length === 0) throw new InvalidArgumentError(`batch ${batch} is empty`)
    this.#shared.add(batch)
    try {
      return await share(entries.length === 1 ? join(dir, entries[0]!.name) : dir)
    } catch (err) {
      this.#shared.delete(batch)
      throw err
    }
  }

  async #batchDir (batch: string, create: boolean): Promise<string> {
    if (create) {
      await mkdir(this.dir, { recursive: true, mode: 0o700 })
      await ensureRealDirectory(this.dir)
    }
    const dir = join(this.dir, batch)
    if (create) await ensureRealDirectory(dir)
    else {
      const s = await lstat(dir).catch(() => null)
      if (s == null) throw new InvalidArgumentError(`no batch ${batch}`)
      if (!s.isDirectory()) throw new UnsafePathError(`batch ${batch} is not a folder`)
    }
    return dir
  }
}

function checkBatch (batch: string): void {
  if (!BATCH_PATTERN.test(batch)) throw new InvalidArgumentError('batch must be 1-64 letters, digits, "-" or "_"')
}

/** Creates `dir` if missing; refuses it if it is a symbolic link or not a folder. */
async function ensureRealDirectory (dir: string): Promise<void> {
  await mkdir(dir, { mode: 0o755 }).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'EEXIST') throw err })
  const s = await lstat(dir)
  if (!s.isDirectory()) throw new UnsafePathError(`${dir} is ${s.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}; not following it`)
}

async function freeBytes (dir: string): Promise<number> {
  const s = await statfs(dir)
  return s.bavail * s.bsize
}
