import { EventEmitter } from 'node:events'
import { lstat, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { InvalidArgumentError, SwarmdropError } from '../errors.ts'
import type { ErrorCode } from '../errors.ts'
import { formatLink } from '../link/link.ts'
import { logger } from '../log/logger.ts'
import { terminalText } from '../text/peer-text.ts'
import { decodeManifest } from '../manifest/codec.ts'
import { ManifestLayout } from '../manifest/layout.ts'
import { CandidateList, peerKey } from '../scheduler/candidates.ts'
import type { CandidateOrigin } from '../scheduler/candidates.ts'
import { ChunkOrigins } from '../scheduler/chunk-origins.ts'
import { SwarmTransfer } from '../scheduler/download.ts'
import { SourceTallies } from '../scheduler/source-state.ts'
import { deleteDownloadedFiles } from '../storage/downloaded-files.ts'
import { PARTIAL_DIR, PartialDownload } from '../storage/partial-download.ts'
import { releaseTarget, reserveTarget, targetKindOf } from '../storage/target-name.ts'
import type { DownloadInfo, DownloadState, FileEntry, ShareInfo } from '../contract/index.ts'
import type { ChunkMap } from '../scheduler/chunk-origins.ts'
import type { ShareLink } from '../link/link.ts'
import type { Manifest } from '../manifest/types.ts'
import type { DownloadRecord, DownloadStatus, SeedingRecord } from '../storage/state-store.ts'
import type { DownloadContext } from './download-context.ts'
import { fetchManifest } from './manifest-fetch.ts'
import { downloadWaiting, waitForSpace } from './download-waiting.ts'
import { finishedFiles, FinishedSeeding } from './finished-download.ts'
import type { SeedingClock, SeedingTally } from './seed-limits.ts'

const log = logger('swarmdrop:download')

const MAX_REMEMBERED_PEERS = 64

/** What the profile records of a download in a given state: a failed or disk-full download is resumed at the next start. */
function statusOf (state: DownloadState, error: { code: ErrorCode } | null): DownloadStatus {
  if (state === 'complete') return 'complete'
  return state === 'paused' && error == null ? 'paused' : 'active'
}

/**
 * One download from start to finish: fetches and checks the manifest (bytes must hash to the
 * share ID), opens the partial area and checks free space, runs the swarm transfer, and moves
 * the files into place. Errors end it in state `error` with a code and a message. Emits `change`
 * on every change of state (progress is read from `info()` by the progress emitter).
 *
 * Each fact has one owner: the state is `#state` (the profile's record stores what follows from
 * it), the candidates are `#candidates` (a CandidateList the transfer shares), the verified chunks
 * are the PartialDownload's `have`.
 */
export class DownloadJob extends EventEmitter<{ change: [] }> {
  readonly shareId: string
  readonly #ctx: DownloadContext
  readonly #link: ShareLink
  readonly #linkText: string
  #record: DownloadRecord
  #state: DownloadState
  #layout: ManifestLayout | null = null
  #data: PartialDownload | null = null
  #transfer: SwarmTransfer | null = null
  #origins: ChunkOrigins | null = null
  #files: string[] | null = null
  #error: { code: ErrorCode, message: string } | null = null
  #abort = new AbortController()
  readonly #candidates: CandidateList
  /** Who delivered how much, over every transfer of this job (a pause, a full disk): one tally per peer. */
  readonly #tallies = new SourceTallies()
  /** Bytes already verified on disk when this process opened the download (an earlier run's): no source's. */
  #earlierBytes = 0
  #focus: { first: number, last: number } | null = null
  /** Once finished: what it seeds, bytes uploaded of its share, time seeded, why a limit stopped it (kept across restarts). */
  readonly #seed: FinishedSeeding

  /** `saved`: its seeding record from earlier runs (Downloads reads it). */
  constructor (ctx: DownloadContext, link: ShareLink, record: DownloadRecord, saved?: SeedingRecord) {
    super()
    this.#ctx = ctx
    this.shareId = link.shareId
    this.#seed = new FinishedSeeding(ctx, link.shareId, saved)
    this.#link = link
    this.#linkText = formatLink(link)
    this.#record = record
    this.#state = record.status === 'paused' ? 'paused' : record.status === 'complete' ? 'complete' : 'connecting'
    for (const p of record.peers) ctx.trust(p) // named by the user, or served this download before
    this.#candidates = new CandidateList([...record.peers, ...link.peers]) // the link's addresses are the freshest
  }

  get state (): DownloadState { return this.#state }
  /** How long it has been seeded, and whether a seeding limit stopped it (set by the limits). */
  get seedClock (): SeedingClock { return this.#seed.ledger.clock }
  get outDir (): string { return this.#record.outDir }
  get data (): PartialDownload | null { return this.#data }
  /** The peers it was started with or that served it (what a restart dials first). */
  get rememberedPeers (): readonly string[] { return this.#record.peers }

  /** Which source delivered each verified chunk; null until the manifest is known. */
  chunkMap (): ChunkMap | null {
    const have = this.#data?.have
    if (this.#origins == null) return null
    const complete = this.#state === 'complete'
    if (have == null && !complete) return null
    return this.#origins.map(i => complete || have!.has(i)) // finished in an earlier run: every chunk an earlier one
  }

  /** The share's files (from the manifest); null until it is known. */
  files (): FileEntry[] | null {
    return this.#layout?.manifest.files.map(f => ({ path: f.path, size: f.size })) ?? null
  }

  /** Fetch these chunks first, in order (a file being played; MediaFiles); kept for a transfer started later. */
  focus (range: { first: number, last: number }): void {
    this.#focus = range
    if (this.#transfer?.running === true) this.#transfer.focus(range)
  }

  /** A peer (multiaddr or peer ID) that may have the share; `origin`: how it was heard of (candidates.ts: reciprocal, named). */
  addCandidate (peer: string, origin: CandidateOrigin = {}): void {
    this.#candidates.add(peer, origin)
  }

  /** Whether `peerId` is a connected source known to have chunk `index`. */
  sourceHas (peerId: string, index: number): boolean {
    return this.#transfer?.running === true && this.#transfer.sourceHas(peerId, index)
  }

  /** Bytes per second received from each connected source now. */
  sourceRates (): ReadonlyMap<string, number> {
    const rates = new Map<string, number>()
    if (this.#transfer?.running !== true) return rates
    for (const s of this.#transfer.snapshot()) if (s.connected) rates.set(s.peerId, s.rate)
    return rates
  }

  info (): DownloadInfo {
    const layout = this.#layout
    const have = this.#data?.have
    let verifiedBytes = 0
    if (layout != null && this.#state === 'complete') verifiedBytes = layout.totalSize
    else if (layout != null && have != null) verifiedBytes = layout.totalSize - this.#data!.remainingBytes
    return {
      shareId: this.shareId,
      link: this.#linkText,
      name: layout?.manifest.name ?? this.#link.name ?? null,
      outDir: this.#record.outDir,
      state: this.#state,
      totalBytes: layout?.totalSize ?? this.#link.size ?? null,
      verifiedBytes,
      earlierBytes: this.#earlierBytes,
      chunkCount: layout?.chunkCount ?? null,
      verifiedChunks: this.#state === 'complete' ? (layout?.chunkCount ?? 0) : (have?.count ?? 0),
      downloadRate: this.#transfer?.running === true ? this.#transfer.rate.rate() : 0,
      uploadRate: this.#ctx.uploadRate(this.shareId),
      addedAt: this.#record.addedAt,
      seeding: this.seeding,
      sources: this.#transfer?.snapshot() ?? [...this.#tallies.values()].map(t => ({ ...t, rate: 0, inFlight: 0, connected: false })),
      files: this.#files,
      error: this.#error,
      waiting: downloadWaiting(this.#state, this.#transfer, this.#candidates.size),
      ...this.seedClock.info(this.seeding, this.#seed.ledger.uploadedBytes())
    }
  }

  /**
   * Runs until complete, paused or failed; never throws (failures become state `error`). When
   * the disk fills up mid-download the job pauses (state `paused`, error code `no-space`), keeps
   * its verified chunks, and carries on by itself once enough space is free again.
   */
  async run (): Promise<void> {
    while (await this.#attempt() === 'no-space') {
      const data = this.#data!
      if (!await waitForSpace(this.#abort.signal, async () => await data.checkFreeSpace().then(() => true, () => false))) return
    }
  }

  async #attempt (): Promise<'done' | 'no-space'> {
    if (this.#state === 'complete' || (this.#state === 'paused' && this.#error == null)) return 'done'
    this.#abort = new AbortController()
    this.#error = null
    this.#setState('connecting')
    const discovery = new AbortController()
    this.#abort.signal.addEventListener('abort', () => { discovery.abort() }, { once: true })
    this.#ctx.discover(this.shareId, discovery.signal, peer => { this.addCandidate(peer) })
      .catch((err: unknown) => { log.warn('discovery for %s ended: %s', this.shareId, err) })
    try {
      if (this.#data == null) await this.#prepare() // a download that does not fit at all fails here
      await this.#data!.checkFreeSpace()
      if (this.#abort.signal.aborted) return 'done'
      this.emit('change') // what was restored, before anything new arrives
      const origins = this.#origins
      const transfer = new SwarmTransfer({
        data: this.#data!,
        downloadLimit: this.#ctx.downloadLimit,
        candidates: this.#candidates,
        tallies: this.#tallies,
        connect: async (peer, signal) => await this.#ctx.connect(peer, this.shareId, signal),
        isLan: peerId => this.#ctx.isLan(peerId),
        onChunk: (index, peerId) => { origins?.record(index, peerId); this.#ctx.recordDownload(this.#layout?.chunkLength(index) ?? 0) },
        ...(this.#ctx.judge != null ? { judge: this.#ctx.judge } : {})
      })
      this.#transfer = transfer
      transfer.focus(this.#focus)
      const done = new Promise<void>((resolve, reject) => {
        transfer.once('complete', resolve)
        transfer.on('error', reject) // every one: a second failed write must not find no listener
        this.#abort.signal.addEventListener('abort', () => { resolve() }, { once: true })
      })
      transfer.on('source', source => {
        if (this.#state === 'connecting') this.#setState('downloading')
        this.#rememberPeer(source.peerId)
      })
      transfer.start()
      await done
      transfer.stop()
      if (this.#abort.signal.aborted) return 'done'
      await this.#complete()
      return 'done'
    } catch (err) {
      this.#transfer?.stop()
      if (this.#abort.signal.aborted) return 'done'
      const e = err as Error
      const noSpace = (e instanceof SwarmdropError && e.code === 'no-space') || (e as NodeJS.ErrnoException).code === 'ENOSPC'
      if (noSpace && this.#data != null) {
        // keep what was verified before the disk filled
        await this.#data.commit().catch((commitErr: unknown) => { log.error('could not record the verified chunks of %s: %s', this.shareId, commitErr) })
        this.#error = { code: 'no-space', message: `the disk holding ${this.#record.outDir} is full (${e.message}); paused, resumes when space is freed` }
        log.warn('%s paused: %s', this.shareId, this.#error.message)
        this.#setState('paused')
        return 'no-space'
      }
      this.#error = { code: e instanceof SwarmdropError ? e.code : (noSpace ? 'no-space' : 'error'), message: terminalText(e.message) } // may quote a peer's words
      log.error('download %s failed: %s', this.shareId, e)
      this.#setState('error')
      return 'done'
    } finally {
      discovery.abort()
    }
  }

  /** Every chunk is verified: move the files into place, record it, and seed them. */
  async #complete (): Promise<void> {
    const data = this.#data!
    const targetName = this.#record.targetName!
    const files = await data.finish(targetName, this.#record.reserved === true)
    this.#files = files
    this.#state = 'complete'
    await this.#persist()
    const filesInfo = await Promise.all(files.map(async f => { const s = await stat(f); return { absolutePath: f, size: s.size, mtimeMs: s.mtimeMs } }))
    const seedRecord = { shareId: this.shareId, root: resolve(this.#record.outDir, targetName), files: filesInfo, addedAt: Date.now() }
    this.#seed.finished({ manifestBytes: data.manifestBytes, layout: data.layout }, seedRecord)
    if (this.#ctx.keepSeeding) await this.#ctx.seed(seedRecord, data.manifestBytes, data.layout).then(() => { this.seedClock.started() })
    else await this.#setRecordSeeding(false)
    log.info('download %s complete: %d file(s) in %s', this.shareId, files.length, this.#record.outDir)
    this.emit('change')
  }

  async #prepare (): Promise<void> {
    const stored = await this.#ctx.store.getManifest(this.shareId)
    // A damaged stored copy is fetched again.
    let manifest: { bytes: Uint8Array, manifest: Manifest } | null = stored == null
      ? null
      : await decodeManifest(stored, this.shareId).then(m => ({ bytes: stored, manifest: m }), (err: unknown) => {
        log.warn('stored manifest of %s is unreadable, fetching it again: %s', this.shareId, err)
        return null
      })
    if (manifest == null) {
      manifest = await fetchManifest({ shareId: this.shareId, ctx: this.#ctx, candidates: this.#candidates, signal: this.#abort.signal, addCandidate: peer => { this.addCandidate(peer) } })
      await this.#ctx.store.putManifest(this.shareId, manifest.bytes)
    }
    const layout = new ManifestLayout(manifest.manifest)
    this.#layout = layout
    this.#origins = new ChunkOrigins(layout.chunkCount)
    // Partial data first (it checks free space), then the target name: a download that does not
    // fit leaves nothing behind, not even its reserved name.
    const partialKept = await lstat(join(this.#record.outDir, PARTIAL_DIR, this.shareId)).then(st => st.isDirectory(), () => false)
    this.#data = await PartialDownload.open(this.shareId, manifest.bytes, layout, this.#record.outDir, this.#ctx.store, this.#record.targetName)
    this.#earlierBytes = layout.totalSize - this.#data.remainingBytes
    if (this.#record.targetName == null) {
      await reserveTarget(this.#record.outDir, layout.manifest.name, targetKindOf(layout), async candidate => {
        this.#record = { ...this.#record, targetName: candidate, reserved: true }
        await this.#persist()
      }, partialKept)
    }
    this.#ctx.serve(this.#data)
  }

  /** Records a peer that served this share, so a restart dials it at once (its addresses are in the peer store). */
  #rememberPeer (peerId: string): void {
    if (this.#record.peers.some(p => peerKey(p) === peerId) || this.#record.peers.length >= MAX_REMEMBERED_PEERS) return
    this.#record = { ...this.#record, peers: [...this.#record.peers, peerId] }
    this.#persist().catch((err: unknown) => { log.error('could not record peer %s of %s: %s', peerId, this.shareId, err) })
  }

  /** Merges more peers into the record (a link added again, `--peer`), so a restart dials them too. */
  async rememberPeers (peers: readonly string[]): Promise<void> {
    const merged = [...new Set([...this.#record.peers, ...peers])]
    if (merged.length === this.#record.peers.length) return
    this.#record = { ...this.#record, peers: merged }
    await this.#persist()
  }

  async pause (): Promise<void> {
    if (this.#state === 'complete') return
    this.#abort.abort()
    this.#error = null
    this.#transfer?.stop()
    this.#transfer = null
    await this.#data?.commit()
    this.#state = 'paused'
    await this.#persist()
    this.emit('change')
  }

  async resume (): Promise<void> {
    if (this.#state !== 'paused' && this.#state !== 'error') return
    this.#abort.abort() // ends a wait for free space; run() starts afresh
    this.#error = null
    this.#state = 'connecting'
    await this.#persist()
    this.run().catch((err: unknown) => { log.error('download %s: %s', this.shareId, err) })
  }

  /**
   * Finished in an earlier run: listed as complete again, nothing transferred or hashed, seeded if
   * its share is (FinishedSeeding.restore). False (logged) if its manifest is gone: not listed.
   */
  async restoreFinished (): Promise<boolean> {
    const { targetName, outDir } = this.#record
    if (targetName == null || !await this.#seed.restore(resolve(outDir, targetName))) return false
    const { layout } = this.#seed.data!
    this.#layout = layout
    this.#origins = new ChunkOrigins(layout.chunkCount)
    this.#files = finishedFiles(outDir, targetName, layout)
    this.#earlierBytes = layout.totalSize
    if (this.seeding) this.seedClock.started()
    return true
  }

  /** A finished download whose files this node serves now. */
  get seeding (): boolean { return this.#state === 'complete' && this.#seed.seededAt(this.targetPath) }

  /**
   * Seeds a finished download from its files (as they were when it finished: a file changed since
   * stops the share) or stops; remembered for this download. Returns the share when it starts.
   */
  async setSeeding (on: boolean): Promise<ShareInfo | null> {
    const root = this.targetPath
    if (this.#state !== 'complete' || root == null) throw new InvalidArgumentError('only a finished download can be seeded')
    const share = await this.#seed.set(on, root, this.#files ?? [])
    await this.#setRecordSeeding(on)
    await this.#seed.ledger.save() // a limit's stop is kept at once
    return share
  }

  /** Saves its seeding record if it changed (Downloads calls it every few seconds). */
  async saveSeeding (): Promise<void> { await this.#seed.ledger.save() }

  /** What the seeding limits weigh (seed-limits.ts). */
  seedingTally (): SeedingTally { return this.#seed.tally() }

  async #setRecordSeeding (on: boolean): Promise<void> {
    this.#record = { ...this.#record, seeding: on }
    await this.#persist()
  }

  /** Where its files go (`outDir/targetName`), once the name is chosen. */
  get targetPath (): string | null {
    return this.#record.targetName == null ? null : resolve(this.#record.outDir, this.#record.targetName)
  }

  /**
   * Stops the job; `discard` also deletes its partial data and gives back its reserved name;
   * `deleteFiles` (with `discard`) also deletes the files a finished download wrote (see deleteDownloadedFiles).
   */
  async close (discard = false, deleteFiles = false): Promise<void> {
    this.#abort.abort()
    this.#transfer?.stop()
    this.seedClock.ended()
    await this.#seed.ledger.close(!discard)
    if (!discard) { await this.#data?.close(); return }
    await this.#data?.discard()
    const { targetName, reserved, outDir } = this.#record
    if (reserved === true && targetName != null && this.#state !== 'complete' && this.#layout != null) await releaseTarget(outDir, targetName, targetKindOf(this.#layout))
    if (deleteFiles && targetName != null && this.#state === 'complete' && this.#layout != null) {
      const { deleted, kept } = await deleteDownloadedFiles(outDir, targetName, this.#layout.manifest.files)
      log.info('removed download %s: %d file(s) deleted, %d kept', this.shareId, deleted.length, kept.length)
    }
  }

  async #persist (): Promise<void> {
    await this.#ctx.store.putDownload({ ...this.#record, status: statusOf(this.#state, this.#error) })
  }

  #setState (state: DownloadState): void {
    this.#state = state
    this.emit('change')
  }
}
