import { EventEmitter } from 'node:events'
import { stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { LevelDatastore } from 'datastore-level'
import { setTimeout as delay } from 'node:timers/promises'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { TokenBucket } from '../bandwidth/token-bucket.ts'
import { loadConfigFile, saveConfigNetwork } from '../config/config-file.ts'
import { defaultDownloadDir } from '../config/paths.ts'
import { InvalidArgumentError, NotFoundError, SwarmdropError } from '../errors.ts'
import { loadOrCreateIdentity } from '../identity/identity.ts'
import { formatLink, parseLink } from '../link/link.ts'
import { buildShare } from '../manifest/builder.ts'
import { decodeManifest, encodeManifest, shareIdOf } from '../manifest/codec.ts'
import { HashPool } from '../manifest/hash-pool.ts'
import { ManifestLayout } from '../manifest/layout.ts'
import { DialPolicy, hostOf } from '../net/dial-policy.ts'
import { bootstrapFor, createSwarmNode } from '../net/node.ts'
import { ShareRouting } from '../net/share-routing.ts'
import { keepJoined } from '../net/rejoin.ts'
import { SourceSession } from '../protocol/chunk-client.ts'
import { ChunkServer } from '../protocol/chunk-server.ts'
import { CHUNK_PROTOCOL, MAX_PEX_PEERS } from '../protocol/constants.ts'
import { peerKey } from '../scheduler/download.ts'
import { RateMeter } from '../scheduler/source-policy.ts'
import { SeededShare } from '../storage/seeded-share.ts'
import { openLevelRecovering } from '../storage/level-recovery.ts'
import { StateStore } from '../storage/state-store.ts'
import { parseCommand } from './api.ts'
import { DownloadJob } from './download-job.ts'
import type { SingleKadDHT } from '@libp2p/kad-dht'
import type { AppSettings, CommandArgs, CommandName, CommandResults, DhtInfo, DownloadInfo, NodeInfo, PeerInfo, PeerVia, ServiceEvent, ShareInfo, SwarmdropApi } from './api.ts'
import type { Connection } from '@libp2p/interface'
import type { SwarmNode } from '../net/node.ts'
import type { MovedAside } from '../storage/level-recovery.ts'
import type { ServedShare } from '../storage/served-share.ts'
import type { Settings, ShareRecord } from '../storage/state-store.ts'

export interface SwarmdropServiceOptions {
  /** Profile folder: identity key and state. */
  readonly profileDir: string
  readonly listen?: readonly string[]
  /** Default folder for downloads. */
  readonly downloadDir?: string
  /** Bytes per second, 0 = unlimited; override the saved settings when given. */
  readonly maxUploadBytesPerSecond?: number
  readonly maxDownloadBytesPerSecond?: number
  readonly allowPrivate?: boolean
  /** DHT network name (see net/node.ts) and bootstrap peers. */
  readonly network?: string
  readonly bootstrap?: readonly string[]
  /** Pre-shared key of a closed swarm (swarm.key format). */
  readonly psk?: Uint8Array
  /** Serve DHT queries. */
  readonly dhtServer?: boolean
  /** Announce shares and look up providers on the DHT (default true). */
  readonly dht?: boolean
  /** Find peers on the local network with mDNS (default true). */
  readonly mdns?: boolean
  /** Resume the profile's unfinished downloads and serve its shares at start (default true). */
  readonly restore?: boolean
}

const PROGRESS_INTERVAL_MS = 1000
const PEX_ADDRESSES_PER_PEER = 4
const DISCOVERY_INTERVAL_MS = 10_000

/**
 * The Swarmdrop node: one libp2p node, the chunk server, the shares it seeds and the downloads
 * it runs, behind the command/event contract of `api.ts`. Every front end drives it through
 * `call(command, args)` (arguments validated there) and `subscribe(listener)`.
 */
export class SwarmdropService implements SwarmdropApi {
  readonly node: SwarmNode
  readonly #store: StateStore
  readonly #pool = new HashPool()
  readonly #server: ChunkServer
  readonly #events = new EventEmitter<{ event: [ServiceEvent] }>()
  readonly #uploadLimit: TokenBucket
  readonly #downloadLimit: TokenBucket
  #downloadDir: string
  #settings: Settings
  readonly #profileDir: string
  readonly #network: string | null
  /** How each peer was first found (see PeerVia). */
  readonly #via = new Map<string, PeerVia>()
  /** Chunk bytes sent to each connected peer. */
  readonly #uploadRates = new Map<string, RateMeter>()
  /** What we serve, by share ID: seeded shares and downloads in progress. */
  readonly #served = new Map<string, ServedShare>()
  readonly #shares = new Map<string, { record: ShareRecord, seeded: SeededShare, uploaded: number }>()
  readonly #downloads = new Map<string, DownloadJob>()
  /** Peers seen in each share's swarm (for peer exchange). */
  readonly #swarms = new Map<string, Set<string>>()
  readonly #lastProgress = new Map<string, string>()
  readonly #routing: ShareRouting | null
  readonly #lanPeers = new Set<string>()
  readonly #mdns: boolean
  /** Profile stores that could not be read at start-up and were moved aside (started empty). */
  movedAside: readonly MovedAside[] = []
  readonly #stopping = new AbortController()
  #progressTimer: NodeJS.Timeout | null = null

  readonly #datastore: LevelDatastore
  readonly #dialPolicy: DialPolicy

  private constructor (node: SwarmNode, store: StateStore, options: SwarmdropServiceOptions, limits: { up: number, down: number }, datastore: LevelDatastore, dialPolicy: DialPolicy, saved: Settings | undefined) {
    this.node = node
    this.#datastore = datastore
    this.#dialPolicy = dialPolicy
    this.#store = store
    this.#downloadDir = options.downloadDir ?? saved?.downloadDir ?? defaultDownloadDir()
    this.#settings = { ...saved, maxUploadBytesPerSecond: limits.up, maxDownloadBytesPerSecond: limits.down }
    this.#profileDir = options.profileDir
    this.#network = options.network == null || options.network === '' ? null : options.network
    this.#routing = options.dht === false ? null : new ShareRouting(node.services.dht)
    this.#mdns = options.mdns !== false
    this.#uploadLimit = new TokenBucket(limits.up)
    this.#downloadLimit = new TokenBucket(limits.down)
    this.#events.setMaxListeners(0)
    this.#server = new ChunkServer(node, {
      lookup: id => this.#served.get(id),
      swarmPeers: (id, peerId) => this.#swarmAddresses(id, peerId),
      uploadLimit: this.#uploadLimit,
      onUpload: (id, peer, bytes) => {
        const s = this.#shares.get(id)
        if (s != null) s.uploaded += bytes
        let meter = this.#uploadRates.get(peer)
        if (meter == null) this.#uploadRates.set(peer, meter = new RateMeter(3000))
        meter.add(bytes)
      },
      onPeerJoined: (id, peerId) => { this.#peerJoined(id, peerId) }
    })
  }

  static async create (options: SwarmdropServiceOptions): Promise<SwarmdropService> {
    const privateKey = await loadOrCreateIdentity(options.profileDir)
    const store = await StateStore.open(options.profileDir)
    // libp2p's peer store and DHT records, persisted so a restart reconnects without a lookup.
    let peersDb: Awaited<ReturnType<typeof openLevelRecovering>>
    try {
      peersDb = await openLevelRecovering(join(options.profileDir, 'peers'))
    } catch (err) {
      await store.close()
      throw err
    }
    const datastore = new LevelDatastore(peersDb.db)
    const movedAside = [store.movedAside, peersDb.movedAside].filter(m => m != null)
    const dialPolicy = new DialPolicy(options.allowPrivate === true)
    const bootstrap = bootstrapFor(options.network, options.bootstrap ?? [])
    for (const b of bootstrap.list) dialPolicy.trust(b)
    const lan: { found: ((peerId: string) => void) | null } = { found: null }
    let node: SwarmNode
    try {
      await datastore.open()
      node = await createSwarmNode({ privateKey, datastore, connectionGater: dialPolicy.gater(), mdns: options.mdns !== false, onLanPeer: peerId => { dialPolicy.trust(peerId); lan.found?.(peerId) }, listen: options.listen, allowPrivate: options.allowPrivate, network: options.network, bootstrap: bootstrap.list, publicNetwork: bootstrap.public, psk: options.psk, dhtServer: options.dhtServer })
    } catch (err) {
      await store.close()
      await datastore.close().catch(() => {})
      throw err
    }
    const saved = await store.getSettings()
    const limits = {
      up: options.maxUploadBytesPerSecond ?? saved?.maxUploadBytesPerSecond ?? 0,
      down: options.maxDownloadBytesPerSecond ?? saved?.maxDownloadBytesPerSecond ?? 0
    }
    dialPolicy.connectionsFrom = ip => node.getConnections().filter(c => hostOf(c.remoteAddr) === ip).length
    dialPolicy.ownAddresses = () => node.getMultiaddrs()
    const service = new SwarmdropService(node, store, options, limits, datastore, dialPolicy, saved)
    service.movedAside = movedAside
    for (const b of bootstrap.list) service.#found(peerKey(b), 'dht')
    if (options.dht !== false) keepJoined(node, bootstrap.list, service.#stopping.signal)
    lan.found = peerId => { service.#lanPeerFound(peerId) }
    await service.#start(options.restore !== false)
    return service
  }

  async #start (restore: boolean): Promise<void> {
    await this.#server.start()
    this.node.addEventListener('peer:connect', evt => {
      const peer = this.#peerInfo(evt.detail.toString())
      if (peer != null) this.#emit({ type: 'peer:connected', peer })
    })
    this.node.addEventListener('peer:disconnect', evt => {
      const peerId = evt.detail.toString()
      this.#uploadRates.delete(peerId)
      this.#emit({ type: 'peer:disconnected', peerId })
    })
    this.#progressTimer = setInterval(() => { this.#emitProgress() }, PROGRESS_INTERVAL_MS)
    this.#progressTimer.unref()
    if (!restore) return
    for (const record of await this.#store.listShares()) {
      await this.#serveShare(record).then(() => { this.#announce(record.shareId) }, () => {})
    }
    for (const record of await this.#store.listDownloads()) {
      if (record.status === 'complete') continue
      const linkText = formatLink({ shareId: record.shareId, peers: [] })
      this.#startJob(new DownloadJob(this.#jobInit(linkText, record)))
    }
  }

  async stop (): Promise<void> {
    this.#stopping.abort()
    if (this.#progressTimer != null) clearInterval(this.#progressTimer)
    for (const job of this.#downloads.values()) await job.close()
    for (const s of this.#shares.values()) await s.seeded.close()
    await this.#server.stop()
    await this.node.stop()
    await this.#datastore.close()
    await this.#pool.close()
    await this.#store.close()
  }

  /** Never dial `port` on this machine (the web UI's port): see DialPolicy.denyLocalPort. */
  denyLocalPort (port: number): void {
    this.#dialPolicy.denyLocalPort(port)
  }

  // ---- the contract ----

  async call<C extends CommandName> (command: C, args: CommandArgs<C>): Promise<CommandResults[C]> {
    const parsed = parseCommand(command, args)
    const a = parsed.args as unknown
    switch (parsed.command) {
      case 'share': return await this.share(a as CommandArgs<'share'>) as CommandResults[C]
      case 'unshare': return await this.unshare(a as CommandArgs<'unshare'>) as CommandResults[C]
      case 'addDownload': return await this.addDownload(a as CommandArgs<'addDownload'>) as CommandResults[C]
      case 'pause': return await this.pause(a as CommandArgs<'pause'>) as CommandResults[C]
      case 'resume': return await this.resume(a as CommandArgs<'resume'>) as CommandResults[C]
      case 'remove': return await this.remove(a as CommandArgs<'remove'>) as CommandResults[C]
      case 'list': return await this.list() as CommandResults[C]
      case 'setLimits': return await this.setLimits(a as CommandArgs<'setLimits'>) as CommandResults[C]
      case 'nodeInfo': return this.nodeInfo() as CommandResults[C]
      case 'chunkMap': return this.chunkMap(a as CommandArgs<'chunkMap'>) as CommandResults[C]
      case 'files': return this.files(a as CommandArgs<'files'>) as CommandResults[C]
      case 'getSettings': return await this.getSettings() as CommandResults[C]
      case 'setSettings': return await this.setSettings(a as CommandArgs<'setSettings'>) as CommandResults[C]
    }
  }

  subscribe (listener: (event: ServiceEvent) => void): () => void {
    this.#events.on('event', listener)
    return () => { this.#events.off('event', listener) }
  }

  async share ({ path }: CommandArgs<'share'>): Promise<ShareInfo> {
    const built = await buildShare(path, this.#pool)
    const bytes = encodeManifest(built.manifest)
    const shareId = await shareIdOf(bytes)
    await this.#store.putManifest(shareId, bytes)
    const record: ShareRecord = {
      shareId,
      root: resolve(path),
      files: built.files.map(f => ({ absolutePath: f.absolutePath, size: f.size, mtimeMs: f.mtimeMs })),
      addedAt: Date.now()
    }
    await this.#store.putShare(record)
    const info = await this.#serveShare(record, bytes)
    this.#emit({ type: 'share:added', share: info })
    this.#announce(shareId)
    return info
  }

  async unshare ({ shareId }: CommandArgs<'unshare'>): Promise<void> {
    const s = this.#shares.get(shareId)
    if (s == null) throw new NotFoundError(`no share ${shareId}`)
    this.#shares.delete(shareId)
    if (this.#served.get(shareId) === s.seeded) this.#served.delete(shareId)
    this.#server.dropShare(shareId)
    await s.seeded.close()
    await this.#routing?.withdraw(shareId)
    await this.#store.deleteShare(shareId)
    this.#emit({ type: 'share:removed', shareId })
  }

  async addDownload ({ link, outDir, peers }: CommandArgs<'addDownload'>): Promise<DownloadInfo> {
    const parsed = parseLink(link)
    for (const p of peers ?? []) parseLink(formatLink({ shareId: parsed.shareId, peers: [p] }))
    for (const p of [...parsed.peers, ...(peers ?? [])]) this.#dialPolicy.trust(p) // named by the user
    for (const p of parsed.peers) this.#found(peerKey(p), 'link')
    for (const p of peers ?? []) this.#found(peerKey(p), 'direct')
    const existing = this.#downloads.get(parsed.shareId)
    if (existing != null) {
      for (const p of [...parsed.peers, ...(peers ?? [])]) existing.addCandidate(p)
      return existing.info()
    }
    const dir = resolve(outDir ?? this.#downloadDir)
    const old = await this.#store.getDownload(parsed.shareId)
    let record = old
    if (record == null || record.outDir !== dir || record.status === 'complete') {
      record = { shareId: parsed.shareId, outDir: dir, targetName: null, status: 'active', peers: [...parsed.peers, ...(peers ?? [])], addedAt: Date.now() }
    } else {
      record = { ...record, status: 'active', peers: [...new Set([...record.peers, ...parsed.peers, ...(peers ?? [])])] }
    }
    await this.#store.putDownload(record)
    const job = new DownloadJob(this.#jobInit(formatLink(parsed), record, parsed))
    for (const p of peers ?? []) job.addCandidate(p)
    this.#startJob(job)
    const info = job.info()
    this.#emit({ type: 'download:added', download: info })
    for (const p of parsed.peers) this.#emit({ type: 'download:provider', shareId: parsed.shareId, peerId: peerKey(p), via: 'link' })
    for (const p of peers ?? []) this.#emit({ type: 'download:provider', shareId: parsed.shareId, peerId: peerKey(p), via: 'direct' })
    return info
  }

  async pause ({ shareId }: CommandArgs<'pause'>): Promise<DownloadInfo> {
    const job = this.#job(shareId)
    await job.pause()
    return job.info()
  }

  async resume ({ shareId }: CommandArgs<'resume'>): Promise<DownloadInfo> {
    const job = this.#job(shareId)
    await job.resume()
    return job.info()
  }

  async remove ({ shareId, deleteData }: CommandArgs<'remove'>): Promise<void> {
    const job = this.#job(shareId)
    this.#downloads.delete(shareId)
    if (job.data != null && this.#served.get(shareId) === job.data) {
      this.#served.delete(shareId)
      this.#server.dropShare(shareId)
    }
    await job.close(deleteData === true)
    await this.#store.deleteDownload(shareId)
    this.#emit({ type: 'download:removed', shareId })
  }

  async list (): Promise<CommandResults['list']> {
    const peers = new Map<string, PeerInfo>()
    for (const c of this.node.getConnections()) {
      const id = c.remotePeer.toString()
      if (!peers.has(id)) peers.set(id, this.#connectionInfo(id, c))
    }
    return { shares: [...this.#shares.values()].map(s => this.#shareInfo(s)), downloads: [...this.#downloads.values()].map(j => j.info()), peers: [...peers.values()] }
  }

  /** Sets the global caps; like every settings change, announced with `settings:changed`. */
  async setLimits (args: CommandArgs<'setLimits'>): Promise<NodeInfo['limits']> {
    const limits = await this.#applyLimits(args)
    this.#emit({ type: 'settings:changed', settings: await this.getSettings() })
    return limits
  }

  async #applyLimits (args: CommandArgs<'setLimits'>): Promise<NodeInfo['limits']> {
    if (args.maxUploadBytesPerSecond !== undefined) this.#uploadLimit.setRate(args.maxUploadBytesPerSecond)
    if (args.maxDownloadBytesPerSecond !== undefined) this.#downloadLimit.setRate(args.maxDownloadBytesPerSecond)
    const limits = { maxUploadBytesPerSecond: this.#uploadLimit.rate, maxDownloadBytesPerSecond: this.#downloadLimit.rate }
    this.#settings = { ...this.#settings, ...limits }
    await this.#store.putSettings(this.#settings)
    return limits
  }

  chunkMap ({ shareId }: CommandArgs<'chunkMap'>): CommandResults['chunkMap'] {
    const map = this.#job(shareId).chunkMap()
    if (map == null) throw new NotFoundError(`the manifest of download ${shareId} is not known yet`)
    return map
  }

  files ({ shareId }: CommandArgs<'files'>): CommandResults['files'] {
    const share = this.#shares.get(shareId)
    if (share != null) return { files: share.seeded.layout.manifest.files.map(f => ({ path: f.path, size: f.size })) }
    const files = this.#job(shareId).files()
    if (files == null) throw new NotFoundError(`the manifest of download ${shareId} is not known yet`)
    return { files }
  }

  async getSettings (): Promise<AppSettings> {
    const saved = await loadConfigFile(this.#profileDir).catch(() => ({ network: undefined }))
    return {
      downloadDir: this.#downloadDir,
      maxUploadBytesPerSecond: this.#uploadLimit.rate,
      maxDownloadBytesPerSecond: this.#downloadLimit.rate,
      network: this.#network,
      savedNetwork: saved.network ?? null,
      startAtLogin: this.#settings.startAtLogin === true,
      closeToTray: this.#settings.closeToTray !== false
    }
  }

  async setSettings (args: CommandArgs<'setSettings'>): Promise<AppSettings> {
    if (args.downloadDir !== undefined) {
      const dir = resolve(args.downloadDir)
      const s = await stat(dir).catch(() => null)
      if (s == null || !s.isDirectory()) throw new InvalidArgumentError(`download folder ${dir} is not an existing folder`)
      this.#downloadDir = dir
    }
    if (args.network !== undefined) await saveConfigNetwork(this.#profileDir, args.network)
    if (args.maxUploadBytesPerSecond !== undefined || args.maxDownloadBytesPerSecond !== undefined) {
      await this.#applyLimits({ maxUploadBytesPerSecond: args.maxUploadBytesPerSecond, maxDownloadBytesPerSecond: args.maxDownloadBytesPerSecond })
    }
    this.#settings = {
      ...this.#settings,
      downloadDir: this.#downloadDir,
      ...(args.startAtLogin !== undefined ? { startAtLogin: args.startAtLogin } : {}),
      ...(args.closeToTray !== undefined ? { closeToTray: args.closeToTray } : {})
    }
    await this.#store.putSettings(this.#settings)
    const settings = await this.getSettings()
    this.#emit({ type: 'settings:changed', settings })
    return settings
  }

  nodeInfo (): NodeInfo {
    return {
      peerId: this.node.peerId.toString(),
      addresses: this.node.getMultiaddrs().map(String),
      dht: this.#dhtInfo(),
      limits: { maxUploadBytesPerSecond: this.#uploadLimit.rate, maxDownloadBytesPerSecond: this.#downloadLimit.rate }
    }
  }

  // ---- internals ----

  #job (shareId: string): DownloadJob {
    const job = this.#downloads.get(shareId)
    if (job == null) throw new NotFoundError(`no download ${shareId}`)
    return job
  }

  #emit (event: ServiceEvent): void {
    this.#events.emit('event', event)
  }

  #shareInfo (s: { record: ShareRecord, seeded: SeededShare, uploaded: number }): ShareInfo {
    const m = s.seeded.layout.manifest
    return {
      shareId: s.record.shareId,
      link: formatLink({ shareId: s.record.shareId, name: m.name, size: s.seeded.layout.totalSize, peers: this.nodeInfo().addresses.slice(0, 4) }),
      name: m.name,
      root: s.record.root,
      totalBytes: s.seeded.layout.totalSize,
      fileCount: m.files.length,
      chunkCount: s.seeded.layout.chunkCount,
      chunkSize: m.chunkSize,
      changed: s.seeded.changed,
      uploadedBytes: s.uploaded,
      peersFetching: this.#server.peersFetching(s.record.shareId)
    }
  }

  async #serveShare (record: ShareRecord, manifestBytes?: Uint8Array): Promise<ShareInfo> {
    const bytes = manifestBytes ?? await this.#store.getManifest(record.shareId)
    if (bytes == null) throw new SwarmdropError('missing-manifest', `the manifest of share ${record.shareId} is missing; share it again`)
    const layout = new ManifestLayout(await decodeManifest(bytes, record.shareId))
    const seeded = new SeededShare(record, bytes, layout)
    const previous = this.#shares.get(record.shareId)
    const entry = { record, seeded, uploaded: previous?.uploaded ?? 0 }
    seeded.onChanged(() => {
      if (this.#served.get(record.shareId) === seeded) this.#served.delete(record.shareId)
      this.#server.dropShare(record.shareId)
      this.#emit({ type: 'share:changed', share: this.#shareInfo(entry) })
    })
    this.#shares.set(record.shareId, entry)
    this.#served.set(record.shareId, seeded)
    await previous?.seeded.close()
    return this.#shareInfo(entry)
  }

  #jobInit (linkText: string, record: DownloadJob['record'], link = parseLink(linkText)): ConstructorParameters<typeof DownloadJob>[0] {
    for (const p of record.peers) this.#dialPolicy.trust(p) // named by the user, or served this download before
    return {
      link,
      linkText,
      record,
      store: this.#store,
      downloadLimit: this.#downloadLimit,
      connect: (peer, signal) => this.#connect(peer, record.shareId, signal),
      isLan: peerId => this.#lanPeers.has(peerId),
      onServable: data => { if (!this.#shares.has(data.shareId)) this.#served.set(data.shareId, data) },
      onComplete: async (job, files) => {
        const filesInfo = await Promise.all(files.map(async f => { const s = await stat(f); return { absolutePath: f, size: s.size, mtimeMs: s.mtimeMs } }))
        const shareRecord: ShareRecord = { shareId: job.shareId, root: resolve(job.record.outDir, job.record.targetName!), files: filesInfo, addedAt: Date.now() }
        await this.#store.putShare(shareRecord)
        await this.#serveShare(shareRecord)
        this.#announce(job.shareId) // a finished download is one more source
      },
      discover: this.#routing == null ? null : (signal, onPeer) => this.#discover(record.shareId, signal, onPeer),
      searching: this.#routing != null || this.#mdns,
      onChange: job => {
        const info = job.info()
        if (info.state === 'complete') this.#emit({ type: 'download:complete', download: info })
        else if (info.state === 'error') this.#emit({ type: 'download:error', download: info })
        else this.#emit({ type: 'download:progress', download: info })
      }
    }
  }

  /** A peer on the local network: a possible source for every download, now and later. */
  #lanPeerFound (peerId: string): void {
    if (peerId === this.node.peerId.toString() || this.#lanPeers.has(peerId)) return
    this.#lanPeers.add(peerId)
    this.#found(peerId, 'mdns')
    for (const job of this.#downloads.values()) {
      if (job.state === 'complete') continue
      job.addCandidate(peerId)
      this.#emit({ type: 'download:provider', shareId: job.shareId, peerId, via: 'mdns' })
    }
  }

  /** Publishes a provider record in the background; the outcome is an event. */
  #announce (shareId: string): void {
    if (this.#routing == null) return
    this.#routing.announce(shareId, { signal: this.#stopping.signal }).then(
      a => { this.#emit({ type: 'share:announced', shareId, ms: a.ms, stored: a.stored, errors: a.errors }) },
      err => { if (!this.#stopping.signal.aborted) this.#emit({ type: 'share:announce-failed', shareId, message: (err as Error).message }) }
    )
  }

  /** Looks providers up now and every DISCOVERY_INTERVAL_MS until `signal` aborts. */
  async #discover (shareId: string, signal: AbortSignal, onPeer: (peer: string) => void): Promise<void> {
    const seen = new Set<string>()
    while (!signal.aborted) {
      try {
        for await (const p of this.#routing!.find(shareId, { signal })) {
          if (p.peerId === this.node.peerId.toString()) continue
          if (!seen.has(p.peerId)) {
            seen.add(p.peerId)
            this.#found(p.peerId, 'dht')
            this.#emit({ type: 'download:provider', shareId, peerId: p.peerId, via: 'dht' })
          }
          onPeer(p.addresses.find(a => a.startsWith('/ip')) ?? p.peerId)
        }
      } catch { /* a failed lookup is retried on the next round */ }
      await delay(DISCOVERY_INTERVAL_MS, undefined, { signal }).catch(() => {})
    }
  }

  #startJob (job: DownloadJob): void {
    this.#downloads.set(job.shareId, job)
    for (const peerId of this.#lanPeers) job.addCandidate(peerId)
    job.run().catch(() => {})
  }

  /** Opens a chunk-exchange session with `peer` (a multiaddr with /p2p/, or a peer ID) for a share. */
  async #connect (peer: string, shareId: string, signal: AbortSignal): Promise<SourceSession> {
    const id = peerKey(peer)
    if (id === this.node.peerId.toString()) throw new SwarmdropError('self', 'that address is this node')
    const target = peer.startsWith('/') ? multiaddr(peer) : peerIdFromString(peer)
    // An address that no longer works (a relay gone) falls back to every address known for the peer.
    const stream = await this.node.dialProtocol(target, CHUNK_PROTOCOL, { signal }).catch(async err => { if (!peer.startsWith('/') || signal.aborted) throw err; return await this.node.dialProtocol(peerIdFromString(id), CHUNK_PROTOCOL, { signal }) })
    this.#swarm(shareId).add(id)
    return SourceSession.open(stream, id, shareId)
  }

  #swarm (shareId: string): Set<string> {
    let s = this.#swarms.get(shareId)
    if (s == null) this.#swarms.set(shareId, s = new Set())
    return s
  }

  #peerJoined (shareId: string, peerId: string): void {
    const swarm = this.#swarm(shareId)
    if (swarm.has(peerId)) return
    swarm.add(peerId)
    // A peer that asks us for a share we are downloading may have chunks of it too.
    const job = this.#downloads.get(shareId)
    if (job != null && job.state !== 'complete') job.addCandidate(peerId)
    // Tell the rest of the swarm once identify has told us the peer's listen addresses.
    setTimeout(() => {
      this.#addressesOf(peerId).then(addrs => { for (const a of addrs.slice(0, PEX_ADDRESSES_PER_PEER)) this.#server.announcePeer(shareId, a, peerId) }, () => {})
    }, 500).unref()
  }

  async #addressesOf (peerId: string): Promise<string[]> {
    const peer = await this.node.peerStore.get(peerIdFromString(peerId))
    return peer.addresses.map(a => `${a.multiaddr.toString()}/p2p/${peerId}`)
  }

  /**
   * Addresses of up to 32 other members of a share's swarm (peer exchange), at most
   * PEX_ADDRESSES_PER_PEER each. The peer-store reads run together: in a crowd of 16 on 2 cores
   * each read took 0.1 to 3 s, and one after another they added up to a median 9 s.
   */
  async #swarmAddresses (shareId: string, exclude: string): Promise<string[]> {
    const members = [...(this.#swarms.get(shareId) ?? [])].filter(p => p !== exclude).slice(0, MAX_PEX_PEERS)
    const lists = await Promise.all(members.map(async p => await this.#addressesOf(p).catch(() => [])))
    const out: string[] = []
    for (const addrs of lists) out.push(...addrs.slice(0, Math.min(PEX_ADDRESSES_PER_PEER, MAX_PEX_PEERS - out.length)))
    return out
  }

  /** Remembers how a peer was first found (the first reason wins). */
  #found (peerId: string, via: PeerVia): void {
    if (!this.#via.has(peerId)) this.#via.set(peerId, via)
  }

  #peerInfo (peerId: string): PeerInfo | null {
    const conn = this.node.getConnections().find(c => c.remotePeer.toString() === peerId)
    return conn == null ? null : this.#connectionInfo(peerId, conn)
  }

  #connectionInfo (peerId: string, conn: Connection): PeerInfo {
    let downloadRate = 0
    for (const job of this.#downloads.values()) {
      for (const s of job.info().sources) if (s.peerId === peerId) downloadRate += s.rate
    }
    // libp2p's connection monitor pings every connection (every 10 s) and records the round trip.
    // No extra ping here: one on every connect took the ping protocol's single outbound stream
    // from kad-dht and made DHT lookups fail (seen in the discovery tests).
    const rtt = this.node.getConnections(conn.remotePeer).map(c => c.rtt).find(r => r != null)
    return {
      peerId,
      addresses: [conn.remoteAddr.toString()],
      direction: conn.direction,
      latencyMs: rtt != null && Number.isFinite(rtt) ? Math.round(rtt) : null,
      uploadRate: this.#uploadRates.get(peerId)?.rate() ?? 0,
      downloadRate,
      via: this.#via.get(peerId) ?? (conn.direction === 'inbound' ? 'inbound' : 'other')
    }
  }

  #dhtInfo (): DhtInfo {
    const dht = this.node.services.dht as SingleKadDHT
    return { mode: dht.getMode(), routingTableSize: dht.routingTable?.size ?? 0 }
  }

  #emitProgress (): void {
    const dht = this.#dhtInfo()
    const dhtKey = `${dht.mode}/${dht.routingTableSize}`
    if (this.#lastProgress.get('dht') !== dhtKey) {
      this.#lastProgress.set('dht', dhtKey)
      this.#emit({ type: 'dht', dht })
    }
    for (const job of this.#downloads.values()) {
      if (job.state !== 'downloading' && job.state !== 'connecting') continue
      const info = job.info()
      const key = JSON.stringify([info.verifiedChunks, info.state, info.sources.map(s => [s.bytes, s.inFlight, s.connected])])
      if (this.#lastProgress.get(job.shareId) === key) continue
      this.#lastProgress.set(job.shareId, key)
      this.#emit({ type: 'download:progress', download: info })
    }
  }
}
