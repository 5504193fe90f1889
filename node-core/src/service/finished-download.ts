import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { InvalidArgumentError } from '../errors.ts'
import { logger } from '../log/logger.ts'
import { decodeManifest } from '../manifest/codec.ts'
import { ManifestLayout } from '../manifest/layout.ts'
import { SeedingLedger } from './seeding-ledger.ts'
import type { ShareInfo } from '../contract/index.ts'
import type { SeedingRecord, ShareRecord, StateStore } from '../storage/state-store.ts'
import type { DownloadContext } from './download-context.ts'
import type { SeedingTally } from './seed-limits.ts'

const log = logger('swarmdrop:download')

/** What a finished download serves from: its manifest, as stored and decoded. */
export interface FinishedData {
  readonly manifestBytes: Uint8Array
  readonly layout: ManifestLayout
}

/** A finished download's manifest from the profile; null (logged) if it is gone or unreadable. */
export async function openFinished (store: StateStore, shareId: string): Promise<FinishedData | null> {
  const bytes = await store.getManifest(shareId)
  if (bytes == null) {
    log.error('finished download %s not restored: its manifest is missing from the profile', shareId)
    return null
  }
  try {
    return { manifestBytes: bytes, layout: new ManifestLayout(await decodeManifest(bytes, shareId)) }
  } catch (err) {
    log.error('finished download %s not restored: its stored manifest is unreadable: %s', shareId, err)
    return null
  }
}

/** Where a finished download's files are: each manifest path with its first part replaced by `targetName` (as PartialDownload.finish moved them). */
export function finishedFiles (outDir: string, targetName: string, layout: ManifestLayout): string[] {
  return layout.manifest.files.map(f => {
    const parts = f.path.split('/')
    parts[0] = targetName
    return join(outDir, ...parts)
  })
}

/**
 * A seed record for files written in an earlier run whose record was not kept (seeding was off):
 * each file's size from the manifest and its mtime now. A file that is gone or whose size differs
 * makes the seeded share stop with the reason on its first read (SeededShare's check), and every
 * chunk is hashed before it is first served: the same path as a changed share.
 */
export async function seedRecordNow (shareId: string, root: string, files: readonly string[], layout: ManifestLayout): Promise<ShareRecord> {
  const entries = await Promise.all(files.map(async (absolutePath, i) => {
    const s = await stat(absolutePath).catch(() => null)
    return { absolutePath, size: layout.manifest.files[i]!.size, mtimeMs: s?.mtimeMs ?? -1 }
  }))
  return { shareId, root, files: entries, addedAt: Date.now() }
}

/**
 * A finished download as a seed: what it serves (its manifest, its files as they were when it
 * finished) and what it has done as one (its SeedingLedger, kept across restarts). The job owns its
 * state and record and asks this for the seeding switch.
 */
export class FinishedSeeding {
  readonly ledger: SeedingLedger
  readonly #ctx: DownloadContext
  readonly #shareId: string
  #data: FinishedData | null = null
  /** Its files as they were when it finished (what seeding serves, and checks against). */
  #record: ShareRecord | null = null

  constructor (ctx: DownloadContext, shareId: string, saved?: SeedingRecord) {
    this.#ctx = ctx
    this.#shareId = shareId
    this.ledger = new SeedingLedger(ctx.store, shareId, () => ctx.uploadedBytes(shareId), saved)
  }

  get data (): FinishedData | null { return this.#data }

  /** Finished in this run: serves from `data`, its files as `record` says. */
  finished (data: FinishedData, record: ShareRecord): void {
    this.#data = data
    this.#record = record
  }

  /**
   * Finished in an earlier run (its files under `root`): its manifest from the profile, and its
   * share's record if the share registry serves it from there (reused, nothing hashed). False if the
   * manifest is gone (logged).
   */
  async restore (root: string): Promise<boolean> {
    this.#data = await openFinished(this.#ctx.store, this.#shareId)
    if (this.#data == null) return false
    const share = await this.#ctx.store.getShare(this.#shareId)
    if (share != null && share.root === root) this.#record = share
    return true
  }

  /** Whether its files under `root` are served now. */
  seededAt (root: string | null): boolean { return root != null && this.#ctx.seededAt(this.#shareId, root) }

  /** Serves its files under `root` (`files`: their paths) or stops; the share when it starts. Its clock follows. */
  async set (on: boolean, root: string, files: readonly string[]): Promise<ShareInfo | null> {
    const data = this.#data
    if (data == null) throw new InvalidArgumentError('only a finished download can be seeded')
    let share: ShareInfo | null = null
    if (on && !this.seededAt(root)) {
      this.#record ??= await seedRecordNow(this.#shareId, root, files, data.layout) // finished in an earlier run, not seeded since
      share = await this.#ctx.seed(this.#record, data.manifestBytes, data.layout)
    }
    if (!on && this.seededAt(root)) await this.#ctx.unseed(this.#shareId)
    if (on) this.ledger.clock.started(); else this.ledger.clock.ended()
    return share
  }

  /** What the seeding limits weigh (seed-limits.ts). */
  tally (): SeedingTally {
    return { uploadedBytes: this.ledger.uploadedBytes(), totalBytes: this.#data?.layout.totalSize ?? 0, seedingMs: this.ledger.clock.ms() }
  }
}
