import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { InvalidArgumentError, NotFoundError } from '../errors.ts'
import { validatePeerAddress } from '../link/link.ts'
import { logger } from '../log/logger.ts'
import { peerKey } from '../scheduler/candidates.ts'
import { DownloadJob } from './download-job.ts'
import { NOTHING_SAVED, savedSeeding, SEEDING_SAVE_MS } from './seeding-ledger.ts'
import type { CommandArgs, DownloadInfo, ServiceEvent } from '../contract/index.ts'
import type { ShareLink } from '../link/link.ts'
import type { DownloadRecord, StateStore } from '../storage/state-store.ts'
import type { DownloadContext } from './download-context.ts'
import type { PeerBook } from './peer-book.ts'
import type { ShareRegistry } from './share-registry.ts'

const log = logger('swarmdrop:downloads')

export interface DownloadsInit {
  readonly store: StateStore
  readonly context: DownloadContext
  readonly peers: PeerBook
  readonly shares: ShareRegistry
  emit (event: ServiceEvent): void
}

/**
 * The node's downloads: starts them (from a link, or the profile at start-up), pauses, resumes
 * and removes them, and hands every new LAN peer to each as a candidate. Each job's state changes
 * become service events here; its progress is published by the progress emitter.
 */
export class Downloads {
  readonly #init: DownloadsInit
  readonly #jobs = new Map<string, DownloadJob>()
  /** The rates of rateOf, until the end of the current synchronous run. */
  #rates: Map<string, number> | null = null
  /** Saves the downloads' seeding records (bytes uploaded, time seeded) while they change. */
  readonly #seedingSaver: NodeJS.Timeout

  constructor (init: DownloadsInit) {
    this.#init = init
    this.#seedingSaver = setInterval(() => { this.saveSeeding().catch(() => { /* logged by each ledger */ }) }, SEEDING_SAVE_MS)
    this.#seedingSaver.unref()
  }

  values (): IterableIterator<DownloadJob> { return this.#jobs.values() }

  /** Whether a running download of `shareId` knows `peerId` (one of its sources) to have chunk `index`. */
  sourceHas (shareId: string, peerId: string, index: number): boolean {
    return this.#jobs.get(shareId)?.sourceHas(peerId, index) === true
  }

  get (shareId: string): DownloadJob {
    const job = this.#jobs.get(shareId)
    if (job == null) throw new NotFoundError(`no download ${shareId}`)
    return job
  }

  /**
   * The profile's downloads at start-up: unfinished ones resume; finished ones are listed complete
   * again, seeded if their share is, with their seeding record (bytes uploaded, time seeded, a
   * limit's stop). One that cannot be restored is logged and skipped: start-up goes on.
   */
  async restore (): Promise<void> {
    const { store, context } = this.#init
    for (const record of await store.listDownloads()) {
      try {
        const job = new DownloadJob(context, { shareId: record.shareId, peers: [] }, record, savedSeeding(await store.getSeeding(record.shareId)))
        if (record.status === 'complete' && !await job.restoreFinished()) continue
        this.#start(job)
      } catch (err) {
        log.error('download %s not restored: %s', record.shareId, err)
      }
    }
  }

  /** Saves each download's seeding record that changed (every SEEDING_SAVE_MS; each job saves at once on a seeding switch and at close). */
  async saveSeeding (): Promise<void> {
    for (const job of this.#jobs.values()) await job.saveSeeding()
  }

  /**
   * Starts downloading a parsed link into `outDir`. A link for a share already downloading adds
   * its peers to that download (a resumed record keeps its folder and chunks).
   */
  async add (link: ShareLink, args: Pick<CommandArgs<'addDownload'>, 'outDir' | 'peers'>, defaultDir: string): Promise<DownloadInfo> {
    const direct = (args.peers ?? []).map(validatePeerAddress)
    const named = [...link.peers, ...direct]
    for (const p of named) this.#init.peers.trust(p) // named by the user
    for (const p of link.peers) this.#init.peers.found(peerKey(p), 'link')
    for (const p of direct) this.#init.peers.found(peerKey(p), 'direct')
    const existing = this.#jobs.get(link.shareId)
    if (existing != null) {
      // A fresh link for a running download (a seeder that moved): its addresses are dialed first, now.
      for (const p of named) existing.addCandidate(p, { named: true })
      await existing.rememberPeers(named)
      if (named.length > 0) this.#init.emit({ type: 'download:hints', shareId: link.shareId, peers: named.length })
      return existing.info()
    }
    const dir = resolve(args.outDir ?? defaultDir)
    const s = await stat(dir).catch(() => null) // absent: created when the download starts writing
    if (s != null && !s.isDirectory()) throw new InvalidArgumentError(`${dir} is not a folder: downloads go into a folder`)
    const { store } = this.#init
    const old = await store.getDownload(link.shareId)
    const fresh = old == null || old.outDir !== dir || old.status === 'complete'
    const record: DownloadRecord = fresh
      ? { shareId: link.shareId, outDir: dir, targetName: null, status: 'active', peers: named, addedAt: Date.now() }
      : { ...old, status: 'active', peers: [...new Set([...old.peers, ...named])] }
    if (fresh) await store.deleteSeeding(link.shareId) // a new download of it: its ratio starts from zero
    await store.putDownload(record)
    const job = new DownloadJob(this.#init.context, link, record, fresh ? NOTHING_SAVED : savedSeeding(await store.getSeeding(link.shareId)))
    for (const p of direct) job.addCandidate(p, { named: true })
    this.#start(job)
    const info = job.info()
    this.#init.emit({ type: 'download:added', download: info })
    for (const p of link.peers) this.#init.emit({ type: 'download:provider', shareId: link.shareId, peerId: peerKey(p), via: 'link' })
    for (const p of direct) this.#init.emit({ type: 'download:provider', shareId: link.shareId, peerId: peerKey(p), via: 'direct' })
    return info
  }

  /** Forgets a download; `deleteFiles` also deletes its files (a finished one is no longer seeded from them first). */
  async remove (shareId: string, deleteData: boolean, deleteFiles = false): Promise<void> {
    const job = this.get(shareId)
    this.#jobs.delete(shareId)
    job.removeAllListeners('change')
    this.#init.shares.withdrawDownloading(shareId)
    const target = job.targetPath
    if (deleteFiles && target != null && this.#init.context.seededAt(shareId, target)) await this.#init.context.unseed(shareId)
    await job.close(deleteData || deleteFiles, deleteFiles)
    await this.#init.store.deleteDownload(shareId)
    this.#init.shares.forgetUploads(shareId)
    this.#init.emit({ type: 'download:removed', shareId })
  }

  /** Seeds a finished download or stops (`seed`); its share comes or goes with the share events. */
  async seed (shareId: string, on: boolean): Promise<DownloadInfo> {
    const job = this.get(shareId)
    const share = await job.setSeeding(on)
    if (share != null) this.#init.emit({ type: 'share:added', share })
    const download = job.info()
    this.#init.emit({ type: 'download:progress', download }) // not 'change': that would announce it complete again
    return download
  }

  /** A peer on the local network: a candidate for every unfinished download. */
  lanPeerFound (peerId: string): void {
    for (const job of this.#jobs.values()) {
      if (job.state === 'complete') continue
      job.addCandidate(peerId)
      this.#init.emit({ type: 'download:provider', shareId: job.shareId, peerId, via: 'mdns' })
    }
  }

  /** A peer opened a session with us for a share we are downloading: it may have chunks of it too, and is dialed back past maxSources (sourceLimit). */
  peerJoined (shareId: string, peerId: string): void {
    const job = this.#jobs.get(shareId)
    if (job != null && job.state !== 'complete') job.addCandidate(peerId, { reciprocal: true })
  }

  /**
   * Bytes per second received from `peerId` over every running download: the credit of upload
   * turns (scheduler/upload-turns.ts), which asks it of every waiting session on each turn. The
   * rates are read once per synchronous run (one turn decision), not once per session.
   */
  rateOf (peerId: string): number {
    if (this.#rates == null) {
      this.#rates = this.rateByPeer()
      queueMicrotask(() => { this.#rates = null })
    }
    return this.#rates.get(peerId) ?? 0
  }

  /** Bytes per second received from each peer, over every running download. */
  rateByPeer (): Map<string, number> {
    const rates = new Map<string, number>()
    for (const job of this.#jobs.values()) {
      for (const [peerId, rate] of job.sourceRates()) rates.set(peerId, (rates.get(peerId) ?? 0) + rate)
    }
    return rates
  }

  /** Stops every job (each saves its seeding record). */
  async close (): Promise<void> {
    clearInterval(this.#seedingSaver)
    for (const job of this.#jobs.values()) await job.close()
  }

  #start (job: DownloadJob): void {
    this.#jobs.set(job.shareId, job)
    job.on('change', () => {
      const download = job.info()
      if (download.state === 'complete') this.#init.emit({ type: 'download:complete', download })
      else if (download.state === 'error') this.#init.emit({ type: 'download:error', download })
      else this.#init.emit({ type: 'download:progress', download })
    })
    for (const peerId of this.#init.peers.lanPeers) job.addCandidate(peerId)
    job.run().catch((err: unknown) => { log.error('download %s stopped: %s', job.shareId, err) })
  }
}
