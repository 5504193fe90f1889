import { EventEmitter } from 'node:events'
import { parseLink } from '../link/link.ts'
import { logger } from '../log/logger.ts'
import { HashPool } from '../manifest/hash-pool.ts'
import { ShareRouting } from '../net/share-routing.ts'
import { keepJoined } from '../net/rejoin.ts'
import { ChunkServer } from '../protocol/chunk-server.ts'
import { peerKey } from '../scheduler/candidates.ts'
import { parseCommand } from '../contract/index.ts'
import { runCommand } from './dispatch.ts'
import { downloadContext } from './download-context.ts'
import { Downloads } from './downloads.ts'
import { MediaFiles } from './media-files.ts'
import { NearbyDevices } from './nearby.ts'
import { PeerBook } from './peer-book.ts'
import { LifetimeTotals } from './lifetime-totals.ts'
import { ProgressEmitter } from './progress-emitter.ts'
import { SettingsStore } from './settings-store.ts'
import { SeedLimits } from './seed-limits.ts'
import { nodeInfoOf, relayInfoOf } from './node-reach.ts'
import { startNode } from './start-node.ts'
import { ShareDiscovery } from './share-discovery.ts'
import { ShareRegistry } from './share-registry.ts'
import { SearchService } from './search-service.ts'
import { OfferService } from './offer-service.ts'
import type { PrivateKey } from '@libp2p/interface'
import type { CommandArgs, CommandName, CommandResults, NodeInfo, RelayInfo, ServiceEvent, SwarmdropApi } from '../contract/index.ts'
import type { SwarmNode } from '../net/node.ts'
import type { MovedAside } from '../storage/level-recovery.ts'
import type { DialPolicy } from '../net/dial-policy.ts'
import type { LevelDatastore } from 'datastore-level'
import type { StateStore } from '../storage/state-store.ts'
import type { NodeStores, SwarmdropServiceOptions } from './start-node.ts'
import type { CommandRooms } from './dispatch.ts'

const log = logger('swarmdrop:service')

export type { SwarmdropServiceOptions } from './start-node.ts'

/**
 * The Swarmdrop node behind the contract (`swarmdrop/contract`): one libp2p node and the parts
 * that own each fact (ShareRegistry: what is served; Downloads: the downloads; PeerBook: the
 * peers; SettingsStore: the settings; ProgressEmitter: the progress stream). Every front end
 * drives it through `call(command, args)` (validated there) and `subscribe(listener)`; this
 * class only wires the parts together and dispatches. docs/ARCHITECTURE.md draws the map.
 */
export class SwarmdropService implements SwarmdropApi {
  readonly node: SwarmNode
  /** Profile stores that could not be read at start-up and were moved aside (started empty). */
  readonly movedAside: readonly MovedAside[]
  /** A share's or download's files for a player, verified bytes only (host side: the web UI's media route, Electron's media protocol). */
  readonly media: MediaFiles
  readonly #events = new EventEmitter<{ event: [ServiceEvent] }>()
  readonly #stopping = new AbortController()
  readonly #store: StateStore
  readonly #datastore: LevelDatastore
  readonly #dialPolicy: DialPolicy
  readonly #pool = new HashPool()
  readonly #settings: SettingsStore
  readonly #peers: PeerBook
  readonly #shares: ShareRegistry
  readonly #discovery: ShareDiscovery
  readonly #downloads: Downloads
  readonly #server: ChunkServer
  readonly #progress: ProgressEmitter
  readonly #search: SearchService
  readonly #offers: OfferService
  /** What each command is answered by (dispatch.ts). */
  readonly #rooms: CommandRooms

  readonly #lifetime: LifetimeTotals
  readonly #nearby: NearbyDevices

  private constructor (node: SwarmNode, stores: NodeStores, dialPolicy: DialPolicy, settings: SettingsStore, lifetime: LifetimeTotals, options: SwarmdropServiceOptions, privateKey: PrivateKey) {
    this.#lifetime = lifetime
    this.node = node
    this.movedAside = stores.movedAside
    this.#store = stores.store
    this.#datastore = stores.datastore
    this.#dialPolicy = dialPolicy
    this.#settings = settings
    this.#events.setMaxListeners(0)
    const emit = (event: ServiceEvent): void => {
      this.#events.emit('event', event)
      if (event.type === 'share:added' || event.type === 'share:changed' || event.type === 'share:removed') this.#search.refresh()
    }
    this.#peers = new PeerBook(node, dialPolicy)
    this.#shares = new ShareRegistry({
      store: this.#store,
      pool: this.#pool,
      addresses: () => node.getMultiaddrs().map(String),
      peersFetching: id => this.#server.peersFetching(id),
      dropSessions: (id, how) => { this.#server.dropShare(id, how) },
      emit
    })
    const dht = options.dht === false ? undefined : node.services.dht
    this.#discovery = new ShareDiscovery({ routing: dht == null ? null : new ShareRouting(dht), selfId: node.peerId.toString(), peers: this.#peers, stopping: this.#stopping.signal, emit })
    const context = downloadContext({ node, store: this.#store, settings, peers: this.#peers, shares: this.#shares, discovery: this.#discovery, mdns: options.mdns !== false, judge: dialPolicy.scores, totals: lifetime })
    this.#downloads = new Downloads({ store: this.#store, context, peers: this.#peers, shares: this.#shares, emit })
    this.#nearby = new NearbyDevices({ node, peers: this.#peers, downloads: this.#downloads })
    this.#server = new ChunkServer(node, {
      lookup: id => this.#shares.servedFor(id),
      swarmPeers: async (id, peerId) => await this.#peers.swarmAddresses(id, peerId),
      uploadLimit: settings.uploadLimit,
      onUpload: (id, peerId, bytes) => { this.#shares.recordUpload(id, bytes); this.#peers.recordUpload(peerId, bytes); lifetime.addUploaded(bytes) },
      onPeerJoined: (id, peerId) => { this.#peerJoined(id, peerId) },
      peerHas: (id, peerId, index) => this.#downloads.sourceHas(id, peerId, index),
      credit: peerId => this.#downloads.rateOf(peerId),
      judge: dialPolicy.scores
    })
    this.#search = new SearchService({ node, privateKey, routing: dht == null ? null : new ShareRouting(dht), shares: this.#shares, judge: dialPolicy.scores, stopping: this.#stopping.signal, emit })
    this.#offers = new OfferService({ node, shares: this.#shares, stopping: this.#stopping.signal, download: async link => await this.#downloads.add(parseLink(link), {}, settings.downloadDir), trust: address => { this.#peers.trust(address) }, emit })
    this.media = new MediaFiles({
      servedFor: id => this.#shares.servedFor(id),
      focus: (id, range) => { for (const job of this.#downloads.values()) if (job.shareId === id) job.focus(range) }
    })
    // Bytes relayed for others are uploads too: they draw on the same cap as chunk uploads.
    node.services.relays.useUploadBudget(settings.uploadLimit)
    const seedLimits = new SeedLimits({ limits: () => settings.seedLimits, downloads: () => this.#downloads.values(), stop: async id => { await this.#downloads.seed(id, false) } })
    this.#progress = new ProgressEmitter({ downloads: this.#downloads, shares: this.#shares, peers: this.#peers, lifetime, nodeInfo: () => this.nodeInfo(), relayInfo: () => this.relayInfo(), emit, beforeTick: () => { seedLimits.check() } })
    this.#rooms = { shares: this.#shares, discovery: this.#discovery, downloads: this.#downloads, peers: this.#peers, settings, search: this.#search, offers: this.#offers, profileDir: options.profileDir, api: this, nodeInfo: () => this.nodeInfo(), emit: e => { this.#events.emit('event', e) } }
  }

  static async create (options: SwarmdropServiceOptions): Promise<SwarmdropService> {
    const started = await startNode(options)
    const { node, bootstrap } = started
    const network = options.network == null || options.network === '' ? null : options.network
    const settings = await SettingsStore.open({ store: started.stores.store, profileDir: options.profileDir, network, downloadDir: options.downloadDir, maxUploadBytesPerSecond: options.maxUploadBytesPerSecond, maxDownloadBytesPerSecond: options.maxDownloadBytesPerSecond, relayService: options.relayService, seedRatioLimit: options.seedRatioLimit, seedMinutesLimit: options.seedMinutesLimit, applyRelayService: async on => { await node.services.relays.setServe(on) } })
    const service = new SwarmdropService(node, started.stores, started.dialPolicy, settings, await LifetimeTotals.open(started.stores.store), options, started.privateKey)
    for (const b of bootstrap.list) service.#peers.found(peerKey(b), 'dht')
    if (options.dht !== false) keepJoined(node, bootstrap.list, service.#stopping.signal)
    started.onLanPeer(peerId => { service.#nearby.found(peerId) })
    await service.#start(options.restore !== false)
    log.info('node %s started on %s', node.peerId.toString(), node.getMultiaddrs().map(String).join(' '))
    return service
  }

  async #start (restore: boolean): Promise<void> {
    await this.#server.start()
    this.node.addEventListener('peer:connect', evt => {
      const peer = this.#peers.peer(evt.detail.toString(), 0)
      if (peer != null) this.#events.emit('event', { type: 'peer:connected', peer })
    })
    this.node.addEventListener('peer:identify', evt => { this.#peers.identified(evt.detail.peerId.toString(), evt.detail.agentVersion) })
    this.node.addEventListener('peer:disconnect', evt => {
      const peerId = evt.detail.toString()
      this.#peers.disconnected(peerId)
      this.#events.emit('event', { type: 'peer:disconnected', peerId })
    })
    this.#progress.start()
    if (restore) for (const shareId of await this.#shares.restore()) this.#discovery.announce(shareId)
    await this.#search.start()
    await this.#offers.start()
    if (!restore) return
    await this.#downloads.restore()
  }

  async stop (): Promise<void> {
    this.#stopping.abort()
    this.#progress.stop()
    await this.#search.stop()
    await this.#offers.stop()
    await this.#downloads.close()
    await this.#shares.close()
    await this.#server.stop()
    await this.node.stop()
    await this.#datastore.close()
    await this.#pool.close()
    await this.#lifetime.flush()
    await this.#store.close()
    log.info('node stopped')
  }

  /** Never dial `port` on this machine (the web UI's port): see DialPolicy.denyLocalPort. Host API, not a command. */
  denyLocalPort (port: number): void {
    this.#dialPolicy.denyLocalPort(port)
  }

  // ---- the contract ----

  async call<C extends CommandName> (command: C, args: CommandArgs<C>): Promise<CommandResults[C]> {
    const parsed = parseCommand(command, args)
    return await runCommand(this.#rooms, parsed.command, parsed.args) as CommandResults[C]
  }

  subscribe (listener: (event: ServiceEvent) => void): () => void {
    this.#events.on('event', listener)
    return () => { this.#events.off('event', listener) }
  }

  /** The node's identity, addresses, DHT state, limits and reach (also the `nodeInfo` command). */
  nodeInfo (): NodeInfo { return nodeInfoOf(this.node, this.#settings.limits, this.#progress.totals()) }

  /** The relay we offer to others: switched on, serving, reservations held on it, bytes relayed. */
  relayInfo (): RelayInfo { return relayInfoOf(this.node) }

  // ---- wiring ----

  /** A peer opened a session for a share: a candidate if we download it, and news for the rest of its swarm. */
  #peerJoined (shareId: string, peerId: string): void {
    if (!this.#peers.joinSwarm(shareId, peerId)) return
    this.#downloads.peerJoined(shareId, peerId)
    // Tell the rest of the swarm once identify has told us the peer's listen addresses.
    setTimeout(() => {
      this.#peers.exchangeAddresses(peerId).then(
        addrs => { this.#server.announcePeer(shareId, addrs, peerId) },
        (err: unknown) => { log('no addresses of %s to pass on: %s', peerId, err) })
    }, 500).unref()
  }
}
