import { Level } from 'level'
import { join } from 'node:path'
import { openLevelExisting, openLevelRecovering } from './level-recovery.ts'
import { logger } from '../log/logger.ts'
import type { MovedAside } from './level-recovery.ts'

/** A share seeded in place: where its files are and the size and mtime they had when hashed. */
export interface ShareRecord {
  readonly shareId: string
  readonly root: string
  readonly files: ReadonlyArray<{ readonly absolutePath: string, readonly size: number, readonly mtimeMs: number }>
  readonly addedAt: number
  /** Found by search and browse (absent: hidden). */
  readonly discoverable?: boolean
}

export type DownloadStatus = 'active' | 'paused' | 'complete'

export interface DownloadRecord {
  readonly shareId: string
  readonly outDir: string
  /** Top-level name written in outDir (the share's name, or "name (1)" if that was taken). */
  readonly targetName: string | null
  /** The target name was created on disk at once (an empty folder or placeholder file) and is ours to fill. */
  readonly reserved?: boolean
  readonly status: DownloadStatus
  readonly peers: readonly string[]
  readonly addedAt: number
  /** A finished download that is not seeded (switched off, or finished while keepSeeding was off). */
  readonly seeding?: boolean
}

/**
 * What a download has done as a seed, kept across restarts (`seeding/<shareId>`; service/seeding-ledger.ts
 * reads it tolerantly: a field missing or odd counts as zero or none).
 */
export interface SeedingRecord {
  /** Chunk bytes of the share sent to others (while it downloaded and while seeded): the share ratio's numerator. */
  readonly uploadedBytes: number
  /** Time seeded (ms). */
  readonly seedingMs: number
  /** Why a seeding limit stopped it (kept once set: a limit stops a download once). */
  readonly seedStopped: { readonly reason: 'ratio' | 'time', readonly ratio: number, readonly seedingMinutes: number, readonly at: number } | null
}

export interface Settings {
  readonly maxUploadBytesPerSecond: number
  readonly maxDownloadBytesPerSecond: number
  readonly downloadDir?: string
  readonly startAtLogin?: boolean
  readonly closeToTray?: boolean
  readonly relayService?: boolean
  readonly keepSeeding?: boolean
  readonly displayName?: string
  /** Seeding limits (null or absent: none). */
  readonly seedRatioLimit?: number | null
  readonly seedMinutesLimit?: number | null
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const log = logger('swarmdrop:storage')

/**
 * The app's state in one embedded LevelDB (`level`, the store the libp2p/IPFS ecosystem uses):
 * shares, downloads, each download's verified-chunk bitfield and seeding record, manifests and settings. Values are
 * JSON except bitfields and manifests, which are raw bytes. A value that cannot be decoded is
 * treated as absent (start-up then re-checks instead of crashing); a store that cannot be read
 * at all is moved aside and started empty (`movedAside`).
 */
export class StateStore {
  readonly #db: Level<string, Uint8Array>

  /** Set when the state folder could not be read and was moved aside at open (see level-recovery.ts). */
  readonly movedAside: MovedAside | null

  private constructor (db: Level<string, Uint8Array>, movedAside: MovedAside | null) {
    this.#db = db
    this.movedAside = movedAside
  }

  static async open (profileDir: string): Promise<StateStore> {
    const { db, movedAside } = await openLevelRecovering(join(profileDir, 'state'))
    return new StateStore(db, movedAside)
  }

  /** Opens the profile's store as it is, to read it (nothing created or recovered); see openLevelExisting. */
  static async openExisting (profileDir: string): Promise<StateStore> {
    return new StateStore(await openLevelExisting(join(profileDir, 'state')), null)
  }

  async close (): Promise<void> {
    await this.#db.close()
  }

  async #getJson<T> (key: string): Promise<T | undefined> {
    const v = await this.#db.get(key)
    if (v == null) return undefined
    try {
      return JSON.parse(decoder.decode(v)) as T
    } catch (err) {
      log.warn('unreadable record %s taken as absent: %s', key, err)
      return undefined
    }
  }

  async #putJson (key: string, value: unknown): Promise<void> {
    await this.#db.put(key, encoder.encode(JSON.stringify(value)))
  }

  async * #values<T> (prefix: string): AsyncGenerator<T> {
    for await (const v of this.#db.values({ gte: prefix, lt: prefix + '\xff' })) {
      let value: T
      try {
        value = JSON.parse(decoder.decode(v)) as T
      } catch (err) {
        log.warn('unreadable %s record skipped: %s', prefix, err)
        continue
      }
      yield value
    }
  }

  async getManifest (shareId: string): Promise<Uint8Array | undefined> { return this.#db.get(`manifest/${shareId}`) }
  async putManifest (shareId: string, bytes: Uint8Array): Promise<void> { await this.#db.put(`manifest/${shareId}`, bytes) }

  async getShare (shareId: string): Promise<ShareRecord | undefined> { return this.#getJson(`share/${shareId}`) }
  async putShare (record: ShareRecord): Promise<void> { await this.#putJson(`share/${record.shareId}`, record) }
  async deleteShare (shareId: string): Promise<void> { await this.#db.del(`share/${shareId}`) }
  async listShares (): Promise<ShareRecord[]> { return Array.fromAsync(this.#values<ShareRecord>('share/')) }

  async getDownload (shareId: string): Promise<DownloadRecord | undefined> { return this.#getJson(`download/${shareId}`) }
  async putDownload (record: DownloadRecord): Promise<void> { await this.#putJson(`download/${record.shareId}`, record) }
  async deleteDownload (shareId: string): Promise<void> {
    await this.#db.batch([{ type: 'del', key: `download/${shareId}` }, { type: 'del', key: `have/${shareId}` }, { type: 'del', key: `seeding/${shareId}` }])
  }

  async listDownloads (): Promise<DownloadRecord[]> { return Array.fromAsync(this.#values<DownloadRecord>('download/')) }

  /** A download's seeding record as stored (unknown shape: see SeedingRecord). */
  async getSeeding (shareId: string): Promise<unknown> { return this.#getJson(`seeding/${shareId}`) }
  async putSeeding (shareId: string, record: SeedingRecord): Promise<void> { await this.#putJson(`seeding/${shareId}`, record) }
  async deleteSeeding (shareId: string): Promise<void> { await this.#db.del(`seeding/${shareId}`) }

  /** The bitfield of chunks that are verified and fsynced on disk. */
  async getHave (shareId: string): Promise<Uint8Array | undefined> { return this.#db.get(`have/${shareId}`) }
  async putHave (shareId: string, bits: Uint8Array): Promise<void> { await this.#db.put(`have/${shareId}`, bits, { sync: true }) }

  async getSettings (): Promise<Settings | undefined> { return this.#getJson('settings') }
  /** Chunk bytes moved over the profile's life (service/lifetime-totals.ts). */
  async getTotals (): Promise<{ uploaded?: unknown, downloaded?: unknown } | undefined> { return this.#getJson('totals') }
  async putTotals (totals: { uploaded: number, downloaded: number }): Promise<void> { await this.#putJson('totals', totals) }
  async putSettings (settings: Settings): Promise<void> { await this.#putJson('settings', settings) }
}
