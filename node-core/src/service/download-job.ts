import { lstat } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { InvalidManifestError, ProtocolError, SwarmdropError } from '../errors.ts'
import type { ErrorCode } from '../errors.ts'
import { decodeManifest } from '../manifest/codec.ts'
import { ManifestLayout } from '../manifest/layout.ts'
import { SessionRefusedError } from '../protocol/chunk-client.ts'
import { ChunkOrigins } from '../scheduler/chunk-origins.ts'
import { SwarmTransfer, peerKey } from '../scheduler/download.ts'
import { PartialDownload } from '../storage/partial-download.ts'
import type { DownloadInfo, DownloadState, FileEntry } from '../contract/index.ts'
import type { ChunkMap } from '../scheduler/chunk-origins.ts'
import type { TokenBucket } from '../bandwidth/token-bucket.ts'
import type { ShareLink } from '../link/link.ts'
import type { SourceSession } from '../protocol/chunk-client.ts'
import type { DownloadRecord, StateStore } from '../storage/state-store.ts'

export interface DownloadJobInit {
  readonly link: ShareLink
  readonly linkText: string
  readonly record: DownloadRecord
  readonly store: StateStore
  readonly downloadLimit: TokenBucket
  connect (peer: string, signal: AbortSignal): Promise<SourceSession>
  isLan (peerId: string): boolean
  /** The partial data can be served to others from now on. */
  onServable (data: PartialDownload): void
  /** Every file is in place. */
  onComplete (job: DownloadJob, files: string[]): Promise<void>
  onChange (job: DownloadJob): void
  /** Keeps finding peers that have the share (DHT) until `signal` aborts; null when discovery is off. */
  readonly discover: ((signal: AbortSignal, onPeer: (peer: string) => void) => Promise<void>) | null
  /** Whether peers may still turn up on their own (DHT or mDNS); if not, no peers is an error at once. */
  readonly searching: boolean
}

const MANIFEST_ROUNDS = 20
const MAX_REMEMBERED_PEERS = 64
const SPACE_POLL_MS = 2000

/**
 * One download from start to finish: fetches and checks the manifest (bytes must hash to the
 * share ID), opens the partial area and checks free space, runs the swarm transfer, and moves
 * the files into place. Errors end it in state `error` with a code and a message.
 */
export class DownloadJob {
  readonly shareId: string
  readonly #init: DownloadJobInit
  record: DownloadRecord
  #state: DownloadState
  #layout: ManifestLayout | null = null
  #data: PartialDownload | null = null
  #transfer: SwarmTransfer | null = null
  #origins: ChunkOrigins | null = null
  #files: string[] | null = null
  #error: { code: ErrorCode, message: string } | null = null
  #abort = new AbortController()
  readonly #candidates: Set<string>

  constructor (init: DownloadJobInit) {
    this.#init = init
    this.shareId = init.link.shareId
    this.record = init.record
    this.#state = init.record.status === 'paused' ? 'paused' : init.record.status === 'complete' ? 'complete' : 'connecting'
    this.#candidates = new Set([...init.link.peers, ...init.record.peers])
  }

  get state (): DownloadState { return this.#state }
  get data (): PartialDownload | null { return this.#data }

  /** Which source delivered each verified chunk; null until the manifest is known. */
  chunkMap (): ChunkMap | null {
    const have = this.#data?.have
    if (this.#origins == null || have == null) return null
    const complete = this.#state === 'complete'
    return this.#origins.map(i => complete || have.has(i))
  }

  /** The share's files (from the manifest); null until it is known. */
  files (): FileEntry[] | null {
    return this.#layout?.manifest.files.map(f => ({ path: f.path, size: f.size })) ?? null
  }

  addCandidate (peer: string): void {
    if (this.#candidates.has(peer)) return
    this.#candidates.add(peer)
    this.#transfer?.addCandidate(peer)
  }

  info (): DownloadInfo {
    const layout = this.#layout
    const have = this.#data?.have
    let verifiedBytes = 0
    if (layout != null && have != null) verifiedBytes = this.#state === 'complete' ? layout.totalSize : layout.totalSize - this.#data!.remainingBytes
    return {
      shareId: this.shareId,
      link: this.#init.linkText,
      name: layout?.manifest.name ?? this.#init.link.name ?? null,
      outDir: this.record.outDir,
      state: this.#state,
      totalBytes: layout?.totalSize ?? this.#init.link.size ?? null,
      verifiedBytes,
      chunkCount: layout?.chunkCount ?? null,
      verifiedChunks: this.#state === 'complete' ? (layout?.chunkCount ?? 0) : (have?.count ?? 0),
      downloadRate: this.#transfer?.running === true ? this.#transfer.rate.rate() : 0,
      sources: this.#transfer?.snapshot() ?? [],
      files: this.#files,
      error: this.#error
    }
  }

  /**
   * Runs until complete, paused or failed; never throws (failures become state `error`). When
   * the disk fills up mid-download the job pauses (state `paused`, error code `no-space`), keeps
   * its verified chunks, and carries on by itself once enough space is free again.
   */
  async run (): Promise<void> {
    while (await this.#attempt() === 'no-space') {
      if (!await this.#waitForSpace()) return
    }
  }

  async #attempt (): Promise<'done' | 'no-space'> {
    if (this.#state === 'complete' || (this.#state === 'paused' && this.#error == null)) return 'done'
    this.#abort = new AbortController()
    this.#error = null
    this.#setState('connecting')
    const discovery = new AbortController()
    this.#abort.signal.addEventListener('abort', () => { discovery.abort() }, { once: true })
    this.#init.discover?.(discovery.signal, peer => { this.addCandidate(peer) }).catch(() => {})
    try {
      if (this.#data == null) await this.#prepare() // a download that does not fit at all fails here
      await this.#data!.checkFreeSpace()
      if (this.#abort.signal.aborted) return 'done'
      this.#init.onChange(this) // what was restored, before anything new arrives
      const origins = this.#origins
      const transfer = new SwarmTransfer({ data: this.#data!, downloadLimit: this.#init.downloadLimit, connect: this.#init.connect, isLan: this.#init.isLan, onChunk: (index, peerId) => { origins?.record(index, peerId) } })
      this.#transfer = transfer
      for (const p of this.#candidates) transfer.addCandidate(p)
      const done = new Promise<void>((resolve, reject) => {
        transfer.once('complete', resolve)
        transfer.once('error', reject)
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
      const files = await this.#data!.finish(this.record.targetName!)
      this.#files = files
      this.record = { ...this.record, status: 'complete' }
      await this.#init.store.putDownload(this.record)
      this.#state = 'complete'
      await this.#init.onComplete(this, files)
      this.#init.onChange(this)
      return 'done'
    } catch (err) {
      this.#transfer?.stop()
      if (this.#abort.signal.aborted) return 'done'
      const e = err as Error
      const noSpace = (e instanceof SwarmdropError && e.code === 'no-space') || (e as NodeJS.ErrnoException).code === 'ENOSPC'
      if (noSpace && this.#data != null) {
        await this.#data.commit().catch(() => {}) // keep what was verified before the disk filled
        this.#error = { code: 'no-space', message: `the disk holding ${this.record.outDir} is full (${e.message}); paused, resumes when space is freed` }
        this.#setState('paused')
        return 'no-space'
      }
      this.#error = { code: e instanceof SwarmdropError ? e.code : (noSpace ? 'no-space' : 'error'), message: e.message }
      this.#setState('error')
      return 'done'
    } finally {
      discovery.abort()
    }
  }

  /** Polls free space until the rest of the download fits; false if the job was paused, resumed or closed meanwhile. */
  async #waitForSpace (): Promise<boolean> {
    const signal = this.#abort.signal
    while (!signal.aborted) {
      await new Promise(resolve => { const t = setTimeout(resolve, SPACE_POLL_MS); signal.addEventListener('abort', () => { clearTimeout(t); resolve(null) }, { once: true }) })
      if (signal.aborted) return false
      if (await this.#data!.checkFreeSpace().then(() => true, () => false)) return true
    }
    return false
  }

  async #prepare (): Promise<void> {
    let manifestBytes = await this.#init.store.getManifest(this.shareId)
    let manifest = manifestBytes == null ? null : await decodeManifest(manifestBytes, this.shareId).catch(() => null) // a damaged copy is fetched again
    if (manifestBytes == null || manifest == null) {
      manifestBytes = await this.#fetchManifest()
      manifest = await decodeManifest(manifestBytes, this.shareId)
      await this.#init.store.putManifest(this.shareId, manifestBytes)
    }
    const layout = new ManifestLayout(manifest)
    this.#layout = layout
    this.#origins = new ChunkOrigins(layout.chunkCount)
    if (this.record.targetName == null) {
      this.record = { ...this.record, targetName: await freeName(this.record.outDir, layout.manifest.name) }
      await this.#init.store.putDownload(this.record)
    }
    this.#data = await PartialDownload.open(this.shareId, manifestBytes, layout, this.record.outDir, this.#init.store, this.record.targetName)
    this.#init.onServable(this.#data)
  }

  /** Asks each known peer in turn for the manifest until one sends bytes that hash to the share ID. */
  async #fetchManifest (): Promise<Uint8Array> {
    const bad = new Set<string>()
    let lastError: Error | null = null
    for (let round = 0; round < MANIFEST_ROUNDS && !this.#abort.signal.aborted; round++) {
      for (const peer of this.#candidates) {
        if (bad.has(peerKey(peer))) continue
        let session: SourceSession | null = null
        try {
          session = await this.#init.connect(peer, AbortSignal.any([this.#abort.signal, AbortSignal.timeout(15_000)]))
          session.start({ onBlock () {}, onHave () {}, onPeers: peers => { for (const p of peers) this.addCandidate(p) }, onError () {}, onClose () {} })
          for (const p of session.initialPeers) this.addCandidate(p)
          const bytes = await session.fetchManifest()
          await decodeManifest(bytes, this.shareId)
          return bytes
        } catch (err) {
          lastError = err as Error
          if (err instanceof InvalidManifestError || err instanceof ProtocolError) bad.add(peerKey(peer))
          if (err instanceof SessionRefusedError && err.code === 'unknown-share') bad.add(peerKey(peer))
        } finally {
          session?.close()
        }
      }
      if (this.#candidates.size === 0 && !this.#init.searching) throw new SwarmdropError('no-peers', 'no peers known for this share: add one with --peer or use a link with peer hints')
      if (this.#candidates.size > 0 && [...this.#candidates].every(p => bad.has(peerKey(p)))) break // every peer known sent a bad manifest
      await new Promise(resolve => setTimeout(resolve, Math.min(500 * 2 ** round, 5000)))
    }
    if (lastError instanceof InvalidManifestError) throw lastError
    throw new SwarmdropError('unreachable', `could not get the share's manifest from any peer${lastError != null ? ` (last error: ${lastError.message})` : ''}`)
  }

  /** Records a peer that served this share, so a restart dials it at once (its addresses are in the peer store). */
  #rememberPeer (peerId: string): void {
    if (this.record.peers.some(p => peerKey(p) === peerId) || this.record.peers.length >= MAX_REMEMBERED_PEERS) return
    this.record = { ...this.record, peers: [...this.record.peers, peerId] }
    this.#init.store.putDownload(this.record).catch(() => {})
  }

  async pause (): Promise<void> {
    if (this.#state === 'complete') return
    this.#abort.abort()
    this.#error = null
    this.#transfer?.stop()
    this.#transfer = null
    await this.#data?.commit()
    this.record = { ...this.record, status: 'paused' }
    await this.#init.store.putDownload(this.record)
    this.#setState('paused')
  }

  async resume (): Promise<void> {
    if (this.#state !== 'paused' && this.#state !== 'error') return
    this.#abort.abort() // ends a wait for free space; run() starts afresh
    this.record = { ...this.record, status: 'active' }
    await this.#init.store.putDownload(this.record)
    this.#state = 'connecting'
    this.run().catch(() => {})
  }

  /** Stops the job; `discard` also deletes its partial data. */
  async close (discard = false): Promise<void> {
    this.#abort.abort()
    this.#transfer?.stop()
    if (discard) await this.#data?.discard()
    else await this.#data?.close()
  }

  #setState (state: DownloadState): void {
    this.#state = state
    this.#init.onChange(this)
  }
}

/** `name`, or `name (1)`, `name (2)`, ... : the first that does not exist in `dir`. */
async function freeName (dir: string, name: string): Promise<string> {
  const ext = extname(name)
  const stem = ext.length > 0 && ext.length < name.length ? name.slice(0, -ext.length) : name
  for (let i = 0; i < 1000; i++) {
    const candidate = i === 0 ? name : `${stem} (${i})${ext.length < name.length ? ext : ''}`
    if (await lstat(join(dir, candidate)).then(() => false, () => true)) return candidate
  }
  throw new SwarmdropError('exists', `${join(dir, name)} and 999 numbered variants already exist`)
}
