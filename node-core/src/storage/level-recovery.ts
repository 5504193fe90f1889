import { rename } from 'node:fs/promises'
import { Level } from 'level'
import { SwarmdropError } from '../errors.ts'
import { logger } from '../log/logger.ts'

const log = logger('swarmdrop:storage')

/** A LevelDB folder that could not be read and was moved aside (the store was started empty). */
export interface MovedAside {
  readonly path: string
  readonly movedTo: string
  readonly reason: string
}

/**
 * Opens a LevelDB folder and reads every record once. If it cannot be opened or read
 * (truncated, zeroed or garbled files), the folder is moved aside to `<path>.corrupt-<time>`
 * (kept for inspection, never deleted) and an empty store is created in its place: the caller
 * rebuilds what it needs. A store locked by another process is an error, never moved.
 */
export async function openLevelRecovering (path: string): Promise<{ db: Level<string, Uint8Array>, movedAside: MovedAside | null }> {
  const first = await tryOpen(path)
  if ('db' in first) return { db: first.db, movedAside: null }
  const movedTo = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`
  await rename(path, movedTo)
  const second = await tryOpen(path)
  if ('error' in second) throw second.error
  return { db: second.db, movedAside: { path, movedTo, reason: first.error.message } }
}

async function tryOpen (path: string): Promise<{ db: Level<string, Uint8Array> } | { error: Error }> {
  const db = new Level<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' })
  try {
    await db.open()
  } catch (err) {
    if (isLocked(err)) throw new SwarmdropError('profile-in-use', `${path} is in use by another swarmdrop process (use --repo to pick another profile)`, { cause: err })
    return { error: describe(err) }
  }
  try {
    for await (const entry of db.iterator()) void entry // every block is read and checksummed
    return { db }
  } catch (err) {
    await db.close().catch((closeErr: unknown) => { log.warn('could not close %s after a failed read: %s', path, closeErr) })
    return { error: describe(err) }
  }
}

/**
 * Opens an existing LevelDB folder as it is, for reading (a bug report): nothing is created,
 * recovered or moved. A store locked by another process is a `profile-in-use` error.
 */
export async function openLevelExisting (path: string): Promise<Level<string, Uint8Array>> {
  const db = new Level<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view', createIfMissing: false })
  try {
    await db.open()
  } catch (err) {
    if (isLocked(err)) throw new SwarmdropError('profile-in-use', `${path} is in use by another swarmdrop process`, { cause: err })
    throw describe(err)
  }
  return db
}

function isLocked (err: unknown): boolean {
  const cause = (err as { cause?: { code?: string, message?: string } }).cause
  return cause?.code === 'LEVEL_LOCKED' || /\block\b/i.test(String((err as Error).message) + ' ' + String(cause?.message))
}

function describe (err: unknown): SwarmdropError {
  const cause = (err as { cause?: Error }).cause
  return new SwarmdropError('error', cause != null ? `${(err as Error).message}: ${cause.message}` : (err as Error).message, { cause: err })
}
