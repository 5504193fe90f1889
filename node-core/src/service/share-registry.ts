import { resolve } from 'node:path'
import { NotFoundError, SwarmdropError } from '../errors.ts'
import { formatLink } from '../link/link.ts'
import { logger } from '../log/logger.ts'
import { buildShare } from '../manifest/builder.ts'
import { decodeManifest, encodeManifest, shareIdOf } from '../manifest/codec.ts'
import { ManifestLayout } from '../manifest/layout.ts'
import { RateMeter } from '../scheduler/source-policy.ts'
import { SeededShare } from '../storage/seeded-share.ts'
import { ShareHashingProgress } from './share-hashing.ts'
import type { FileEntry, ServiceEvent, ShareInfo } from '../contract/index.ts'
import type { HashPool } from '../manifest/hash-pool.ts'
import type { ServedShare } from '../storage/served-share.ts'
import type { ShareRecord, StateStore } from '../storage/state-store.ts'

const log = logger('swarmdrop:shares')

export interface ShareRegistryInit {
  readonly store: StateStore
  readonly pool: HashPool
  /** This node's addresses, for the links of its shares. */
  addresses (): readonly string[]
  /** Peers with a session open for a share (the chunk server). */
  peersFetching (shareId: string): number
  /** Ends the chunk server's sessions for a share that is no longer served (ChunkServer.dropShare). */
  dropSessions (shareId: string, how?: 'abort' | 'drain'): void
  emit (event: ServiceEvent): void
}

interface Seeded {
  /** Replaced when the share's discoverable flag changes. */
  record: ShareRecord
  readonly seeded: SeededShare
  uploaded: number
}

/**
 * What this node serves, by share ID: shares seeded from the user's files in place (shared, or
 * downloads that finished) and the data of downloads still running. `servedFor` is the one answer
 * to "which object serves this share ID": an intact seeded share first, else a download's data.
 */
export class ShareRegistry {
  readonly #init: ShareRegistryInit
  readonly #seeded = new Map<string, Seeded>()
  readonly #downloading = new Map<string, ServedShare>()
  /** Bytes per second sent for each share ID (seeded or still downloading). */
  readonly #uploadRates = new Map<string, RateMeter>()
  /** Chunk bytes sent for each share ID since start (seeded or still downloading): share ratios. */
  readonly #uploadedTotal = new Map<string, number>()

  constructor (init: ShareRegistryInit) {
    this.#init = init
  }

  servedFor (shareId: string): ServedShare | undefined {
    const s = this.#seeded.get(shareId)
    if (s != null && s.seeded.changed == null) return s.seeded
    return this.#downloading.get(shareId)
  }

  /** Hashes a file or folder, stores its manifest and record, and serves it. */
  async share (path: string, discoverable = false): Promise<ShareInfo> {
    const progress = new ShareHashingProgress(path, this.#init.emit)
    let built
    try {
      built = await buildShare(path, this.#init.pool, progress.update)
    } catch (err) {
      progress.failed()
      throw err
    }
    progress.done()
    const bytes = encodeManifest(built.manifest)
    const shareId = await shareIdOf(bytes)
    await this.#init.store.putManifest(shareId, bytes)
    const record: ShareRecord = {
      shareId,
      root: resolve(path),
      files: built.files.map(f => ({ absolutePath: f.absolutePath, size: f.size, mtimeMs: f.mtimeMs })),
      addedAt: Date.now(),
      // Sharing the same thing again keeps it discoverable.
      ...(discoverable || this.#seeded.get(shareId)?.record.discoverable === true ? { discoverable: true } : {})
    }
    await this.#init.store.putShare(record)
    const info = await this.seed(record, bytes, new ManifestLayout(built.manifest))
    this.#init.emit({ type: 'share:added', share: info })
    return info
  }

  /** Serves every share stored in the profile; returns the IDs served (a share whose manifest is gone is logged and skipped). */
  async restore (): Promise<string[]> {
    const served: string[] = []
    for (const record of await this.#init.store.listShares()) {
      try {
        const bytes = await this.#init.store.getManifest(record.shareId)
        if (bytes == null) throw new SwarmdropError('missing-manifest', `the manifest of share ${record.shareId} is missing; share it again`)
        await this.seed(record, bytes, new ManifestLayout(await decodeManifest(bytes, record.shareId)))
        served.push(record.shareId)
      } catch (err) {
        log.error('not serving share %s: %s', record.shareId, err)
      }
    }
    return served
  }

  /** Serves a share from files in place, its manifest already known and checked (replacing an earlier copy). */
  async seed (record: ShareRecord, manifestBytes: Uint8Array, layout: ManifestLayout): Promise<ShareInfo> {
    await this.#init.store.putShare(record)
    const seeded = new SeededShare(record, manifestBytes, layout)
    const previous = this.#seeded.get(record.shareId)
    const entry: Seeded = { record, seeded, uploaded: previous?.uploaded ?? 0 }
    seeded.onChanged(reason => {
      log.warn('share %s stopped: %s', record.shareId, reason)
      this.#init.dropSessions(record.shareId)
      this.#init.emit({ type: 'share:changed', share: this.#info(entry) })
    })
    this.#seeded.set(record.shareId, entry)
    this.#downloading.delete(record.shareId) // a finished download: its files are served in place from now on
    await previous?.seeded.close()
    return this.#info(entry)
  }

  async unshare (shareId: string): Promise<void> {
    const s = this.#seeded.get(shareId)
    if (s == null) throw new NotFoundError(`no share ${shareId}`)
    this.#seeded.delete(shareId)
    // Sessions hold the share they opened; a download's data is served on the next. What they
    // already sent still arrives: a seeding limit counted it as uploaded.
    this.#init.dropSessions(shareId, 'drain')
    await s.seeded.close()
    await this.#init.store.deleteShare(shareId)
    this.#init.emit({ type: 'share:removed', shareId })
  }

  /** A running download's data, servable from now on. */
  serveDownloading (data: ServedShare): void {
    this.#downloading.set(data.shareId, data)
  }

  /** A download's data is no longer served (removed): its sessions end (a seeded copy, if any, serves the next). */
  withdrawDownloading (shareId: string): void {
    if (this.#downloading.delete(shareId)) this.#init.dropSessions(shareId)
  }

  isSeeded (shareId: string): boolean { return this.#seeded.has(shareId) }

  /** Makes a share found by search and browse, or hidden; stored with the share. */
  async setDiscoverable (shareId: string, on: boolean): Promise<ShareInfo> {
    const s = this.#seeded.get(shareId)
    if (s == null) throw new NotFoundError(`no share ${shareId}`)
    const record: ShareRecord = { ...s.record, discoverable: on }
    await this.#init.store.putShare(record)
    s.record = record
    const info = this.#info(s)
    this.#init.emit({ type: 'share:progress', share: info })
    return info
  }

  /** The discoverable shares served intact now, with their files (what search answers from). */
  discoverable (): Array<{ shareId: string, name: string, size: number, files: ReadonlyArray<{ path: string }> }> {
    return [...this.#seeded.values()]
      .filter(s => s.record.discoverable === true && s.seeded.changed == null)
      .map(s => ({ shareId: s.record.shareId, name: s.seeded.layout.manifest.name, size: s.seeded.layout.totalSize, files: s.seeded.layout.manifest.files }))
  }

  /** Where a seeded share's files are (its root), or null if it is not seeded. */
  rootOf (shareId: string): string | null { return this.#seeded.get(shareId)?.record.root ?? null }

  recordUpload (shareId: string, bytes: number): void {
    const s = this.#seeded.get(shareId)
    if (s != null) s.uploaded += bytes
    this.#uploadedTotal.set(shareId, (this.#uploadedTotal.get(shareId) ?? 0) + bytes)
    let meter = this.#uploadRates.get(shareId)
    if (meter == null) this.#uploadRates.set(shareId, meter = new RateMeter(3000))
    meter.add(bytes)
  }

  /** Chunk bytes sent for a share since start, while it was downloaded and seeded. */
  uploadedBytes (shareId: string): number { return this.#uploadedTotal.get(shareId) ?? 0 }

  /** A download removed: its share ratio starts again from zero if it is added again. */
  forgetUploads (shareId: string): void { this.#uploadedTotal.delete(shareId) }

  /** Chunk bytes per second sent for a share now (0 when none). */
  uploadRate (shareId: string): number {
    const meter = this.#uploadRates.get(shareId)
    if (meter == null) return 0
    const rate = Math.round(meter.rate())
    if (rate === 0 && !this.#seeded.has(shareId) && !this.#downloading.has(shareId)) this.#uploadRates.delete(shareId)
    return rate
  }

  list (): ShareInfo[] {
    return [...this.#seeded.values()].map(s => this.#info(s))
  }

  /** The files of a seeded share, or null if it is not one. */
  files (shareId: string): FileEntry[] | null {
    return this.#seeded.get(shareId)?.seeded.layout.manifest.files.map(f => ({ path: f.path, size: f.size })) ?? null
  }

  async close (): Promise<void> {
    for (const s of this.#seeded.values()) await s.seeded.close()
  }

  #info (s: Seeded): ShareInfo {
    const { layout } = s.seeded
    const m = layout.manifest
    return {
      shareId: s.record.shareId,
      link: formatLink({ shareId: s.record.shareId, name: m.name, size: layout.totalSize, peers: this.#init.addresses().slice(0, 4) }),
      name: m.name,
      root: s.record.root,
      totalBytes: layout.totalSize,
      fileCount: m.files.length,
      chunkCount: layout.chunkCount,
      chunkSize: m.chunkSize,
      changed: s.seeded.changed,
      uploadedBytes: s.uploaded,
      peersFetching: this.#init.peersFetching(s.record.shareId),
      discoverable: s.record.discoverable === true
    }
  }
}
