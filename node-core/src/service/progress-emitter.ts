import type { DhtInfo, DownloadInfo, NodeInfo, PeerInfo, ReachInfo, RelayInfo, ServiceEvent, ShareInfo, TransferTotals } from '../contract/index.ts'
import type { Downloads } from './downloads.ts'
import type { LifetimeTotals } from './lifetime-totals.ts'
import type { PeerBook } from './peer-book.ts'
import type { ShareRegistry } from './share-registry.ts'

const TICK_MS = 1000

export interface ProgressSources {
  readonly downloads: Downloads
  readonly shares: ShareRegistry
  readonly peers: PeerBook
  readonly lifetime: LifetimeTotals
  nodeInfo (): NodeInfo
  /** Our relay's state (null: none, as in tests without a node). */
  relayInfo? (): RelayInfo | null
  emit (event: ServiceEvent): void
  /** Runs first on every tick (the seeding limits). */
  beforeTick? (): void
}

function sameDownload (a: DownloadInfo, b: DownloadInfo): boolean {
  if (a.verifiedChunks !== b.verifiedChunks || a.uploadRate !== b.uploadRate || a.state !== b.state || a.sources.length !== b.sources.length || a.waiting?.reason !== b.waiting?.reason) return false
  return a.sources.every((s, i) => { const t = b.sources[i]!; return s.peerId === t.peerId && s.bytes === t.bytes && s.inFlight === t.inFlight && s.connected === t.connected })
}

function samePeer (a: PeerInfo, b: PeerInfo): boolean {
  return a.name === b.name && a.nearby === b.nearby && a.uploadRate === b.uploadRate && a.downloadRate === b.downloadRate && a.latencyMs === b.latencyMs && a.via === b.via && a.addresses[0] === b.addresses[0] &&
    a.connectionKind === b.connectionKind && a.relayPeerId === b.relayPeerId && a.ipFamily === b.ipFamily
}

function sameNode (a: NodeInfo, b: NodeInfo): boolean {
  return a.addresses.length === b.addresses.length && a.addresses.every((x, i) => x === b.addresses[i]) &&
    a.limits.maxUploadBytesPerSecond === b.limits.maxUploadBytesPerSecond && a.limits.maxDownloadBytesPerSecond === b.limits.maxDownloadBytesPerSecond &&
    sameReach(a.reach, b.reach)
}

function sameReach (a: ReachInfo, b: ReachInfo): boolean {
  return a.reachability === b.reachability && a.advice === b.advice && a.relayServing === b.relayServing && a.reservationsServed === b.reservationsServed &&
    sameList(a.publicAddresses, b.publicAddresses) && sameList(a.relaysUsed, b.relaysUsed) &&
    a.upnp?.state === b.upnp?.state && a.upnp?.confirmed === b.upnp?.confirmed && sameList(a.upnp?.addresses ?? [], b.upnp?.addresses ?? [])
}

function sameList (a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

function sameDht (a: DhtInfo, b: DhtInfo): boolean {
  return a.mode === b.mode && a.routingTableSize === b.routingTableSize
}

function sameRelay (a: RelayInfo, b: RelayInfo): boolean {
  return a.enabled === b.enabled && a.serving === b.serving && a.reservations === b.reservations && a.relayedBytes === b.relayedBytes
}

function sameTotals (a: TransferTotals, b: TransferTotals): boolean {
  return a.downloadRate === b.downloadRate && a.uploadRate === b.uploadRate && a.activeDownloads === b.activeDownloads && a.peers === b.peers &&
    a.lifetimeUploaded === b.lifetimeUploaded && a.lifetimeDownloaded === b.lifetimeDownloaded
}

/**
 * The one progress stream (after Syncthing's progress emitter): a single timer takes snapshots of
 * running downloads, shares, connected peers, the node and the transfer totals, and publishes only
 * what changed since the last tick. Front ends subscribe to these events; none polls.
 */
export class ProgressEmitter {
  readonly #sources: ProgressSources
  readonly #downloads = new Map<string, DownloadInfo>()
  readonly #shares = new Map<string, ShareInfo>()
  #peers = new Map<string, PeerInfo>()
  #node: NodeInfo | null = null
  #totals: TransferTotals | null = null
  #relay: RelayInfo | null = null
  #timer: NodeJS.Timeout | null = null

  constructor (sources: ProgressSources) {
    this.#sources = sources
  }

  start (): void {
    if (this.#timer != null) return
    this.#timer = setInterval(() => { this.tick() }, TICK_MS)
    this.#timer.unref()
  }

  stop (): void {
    if (this.#timer != null) clearInterval(this.#timer)
    this.#timer = null
  }

  /** The latest totals (what the last tick published; computed now before the first). */
  totals (): TransferTotals {
    return this.#totals ?? this.#computeTotals(this.#sources.downloads.rateByPeer())
  }

  /** Takes one set of snapshots and publishes what changed (called by the timer; tests may call it). */
  tick (): void {
    this.#sources.beforeTick?.()
    const { emit } = this.#sources
    const node = this.#sources.nodeInfo()
    if (this.#node == null || !sameDht(this.#node.dht, node.dht)) emit({ type: 'dht', dht: node.dht })
    if (this.#node != null && !sameNode(this.#node, node)) emit({ type: 'node', node })
    this.#node = node
    const relay = this.#sources.relayInfo?.() ?? null
    if (relay != null && (this.#relay == null || !sameRelay(this.#relay, relay))) emit({ type: 'relay', relay })
    this.#relay = relay

    for (const job of this.#sources.downloads.values()) {
      if (job.state === 'paused' || job.state === 'error') { this.#downloads.delete(job.shareId); continue }
      const info = job.info()
      const last = this.#downloads.get(job.shareId)
      if (job.state === 'complete') {
        // A finished download that is seeded: only its upload speed changes.
        this.#downloads.set(job.shareId, info)
        if (last?.state === 'complete' ? last.uploadRate !== info.uploadRate : info.uploadRate > 0) emit({ type: 'download:progress', download: info })
        continue
      }
      if (last != null && sameDownload(last, info)) continue
      this.#downloads.set(job.shareId, info)
      emit({ type: 'download:progress', download: info })
    }

    const shares = new Set<string>()
    for (const share of this.#sources.shares.list()) {
      shares.add(share.shareId)
      const last = this.#shares.get(share.shareId)
      this.#shares.set(share.shareId, share)
      if (last != null && (last.uploadedBytes !== share.uploadedBytes || last.peersFetching !== share.peersFetching)) emit({ type: 'share:progress', share })
    }
    for (const id of this.#shares.keys()) if (!shares.has(id)) this.#shares.delete(id)

    const rates = this.#sources.downloads.rateByPeer()
    const peers = new Map<string, PeerInfo>()
    for (const peer of this.#sources.peers.connected(rates)) {
      peers.set(peer.peerId, peer)
      const last = this.#peers.get(peer.peerId)
      // A peer new to this tick too: what identify told since its peer:connected (its name) is not lost.
      if (last == null ? peer.name != null : !samePeer(last, peer)) emit({ type: 'peer:updated', peer })
    }
    this.#peers = peers

    const totals = this.#computeTotals(rates)
    if (this.#totals == null || !sameTotals(this.#totals, totals)) emit({ type: 'totals', totals })
    this.#totals = totals
  }

  #computeTotals (rates: ReadonlyMap<string, number>): TransferTotals {
    let downloadRate = 0
    for (const r of rates.values()) downloadRate += r
    let activeDownloads = 0
    for (const job of this.#sources.downloads.values()) if (job.state === 'downloading' || job.state === 'connecting') activeDownloads++
    const { lifetime } = this.#sources
    return { downloadRate, uploadRate: Math.round(this.#sources.peers.totalUploadRate()), activeDownloads, peers: this.#peers.size, lifetimeUploaded: lifetime.uploaded, lifetimeDownloaded: lifetime.downloaded }
  }
}
