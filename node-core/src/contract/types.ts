/**
 * What the service API returns and announces: plain data, no imports from the rest of node-core,
 * so every front end (the renderer in a browser included) type-checks against it alone.
 */
import type { ChunkMap } from './chunk-map.ts'
import type { ErrorCode } from './errors.ts'
import type { CommandArgs, CommandName } from './commands.ts'
import type { SourceSnapshot } from './source-snapshot.ts'

export interface ShareInfo {
  readonly shareId: string
  readonly link: string
  readonly name: string
  readonly root: string
  readonly totalBytes: number
  readonly fileCount: number
  readonly chunkCount: number
  readonly chunkSize: number
  /** Why the share stopped being served (a file changed), or null. */
  readonly changed: string | null
  readonly uploadedBytes: number
  /** Peers with an open session for this share right now. */
  readonly peersFetching: number
  /** Found by search and browse (off by default; absent from older nodes = off). */
  readonly discoverable?: boolean
}

/**
 * A share found by `search` or `browse`: what the peers holding it said (sanitised; the share ID
 * is checked against the manifest when it is downloaded), merged over every peer that answered.
 */
export interface SearchResult {
  readonly shareId: string
  readonly name: string
  /** Total bytes, as the holders said. */
  readonly size: number
  readonly fileCount: number
  /** Some file paths that hold the query's keywords (at most 10; none for a browse). */
  readonly matchingFiles: readonly string[]
  /** Query keywords in the share's name (the first ranking key). */
  readonly keywordMatches: number
  /** Peer IDs that answered with this share (the second ranking key). */
  readonly holders: readonly string[]
  /** Download it with `addDownload { link }`: holds the holders' addresses as hints. */
  readonly link: string
}

/** A share a peer offered us (Send to…), waiting for Accept or Decline. Name sanitised; figures as the peer said. */
export interface ShareOffer {
  readonly offerId: number
  readonly peerId: string
  readonly shareId: string
  readonly name: string
  readonly size: number
  readonly fileCount: number
  /** ms since the epoch. */
  readonly receivedAt: number
}

/** How a search went: distinct results, providers asked and those that answered. */
export interface SearchDone {
  readonly searchId: number
  readonly results: number
  readonly peersAsked: number
  readonly peersAnswered: number
  readonly ms: number
  /** Set when the search could not run (for instance the DHT is off and no peer was known). */
  readonly error?: string
}

export interface FileEntry {
  /** Relative `/` path as in the manifest (starts with the share's name for a folder). */
  readonly path: string
  readonly size: number
}

export type DownloadState = 'connecting' | 'downloading' | 'paused' | 'complete' | 'error'

/**
 * Why a running download receives nothing, for a state that explains itself:
 * `finding-peers`: no peer is known yet (looking on the DHT / LAN); `connecting`: peers are known,
 * none connected yet; `sources-gone`: every source disconnected (it keeps dialing them, freshest
 * address first, and keeps looking); `sources-idle`: sources are connected but nothing arrived for
 * a while (they may be busy or capped).
 */
export interface DownloadWaiting {
  readonly reason: 'finding-peers' | 'connecting' | 'sources-gone' | 'sources-idle'
  /** Peers known for this download. */
  readonly knownPeers: number
  /** The last source that disconnected: who, at which address, when (ms since the epoch). */
  readonly lastSeen: { readonly peerId: string, readonly address: string | null, readonly at: number } | null
  /** When the last verified chunk arrived in this session (ms since the epoch), null if none. */
  readonly lastChunkAt: number | null
}

export interface DownloadInfo {
  readonly shareId: string
  readonly link: string
  readonly name: string | null
  readonly outDir: string
  readonly state: DownloadState
  readonly totalBytes: number | null
  readonly verifiedBytes: number
  /**
   * Of `verifiedBytes`, those already on disk when this process opened the download (an earlier
   * run's), attributed to no source: the sources' `bytes` plus these sum to `verifiedBytes`.
   */
  readonly earlierBytes?: number
  readonly chunkCount: number | null
  readonly verifiedChunks: number
  readonly downloadRate: number
  /** Chunk bytes per second this node sends to others from this download (its data while it runs, its files once seeded). */
  readonly uploadRate: number
  /** When the download was added (ms since the epoch). */
  readonly addedAt: number
  /** A finished download whose files this node serves to others (see the `seed` command); false until it is finished. */
  readonly seeding: boolean
  readonly sources: readonly SourceSnapshot[]
  /** Final paths, once complete. */
  readonly files: readonly string[] | null
  readonly error: { readonly code: ErrorCode, readonly message: string } | null
  /** Why a connecting or downloading download receives nothing now; null while chunks arrive (and when not running). */
  readonly waiting: DownloadWaiting | null
  /** Chunk bytes of this share sent to others (while it downloaded and while seeded), over every run of the profile: the share ratio's numerator. */
  readonly uploadedBytes?: number
  /** How long this finished download has been seeded, over every run of the profile (ms). */
  readonly seedingMs?: number
  /** Why seeding stopped by itself (a share-ratio or seeding-time limit in Settings); null while seeded, or when it did not. */
  readonly seedStopped?: SeedStopped | null
}

/** A seeding limit (Settings: `seedRatioLimit`, `seedMinutesLimit`) stopped a finished download's seeding. */
export interface SeedStopped {
  readonly reason: 'ratio' | 'time'
  /** The share ratio then: bytes uploaded of the share / its size. */
  readonly ratio: number
  /** Minutes seeded then. */
  readonly seedingMinutes: number
  /** When (ms since the epoch). */
  readonly at: number
}

/** How a peer was first found: a DHT provider record (or a DHT bootstrap peer), mDNS, a link's hints, `peers`/`--peer`, it dialed us, or none of these (peer exchange, DHT routing). */
export type PeerVia = 'dht' | 'mdns' | 'link' | 'direct' | 'inbound' | 'other'

export interface PeerInfo {
  readonly peerId: string
  readonly addresses: readonly string[]
  readonly direction: 'inbound' | 'outbound'
  /** Round-trip time measured by libp2p's connection monitor (a ping every 10 s), null until then. */
  readonly latencyMs: number | null
  /** Chunk bytes per second we send to / receive from this peer, over all shares. */
  readonly uploadRate: number
  readonly downloadRate: number
  readonly via: PeerVia
  /**
   * How we are connected: `direct` (to a public address), `relayed` (through a circuit relay,
   * `relayPeerId`), or `lan` (a private, loopback or link-local address). When a peer has several
   * connections, the direct one is shown (libp2p opens new streams on it).
   */
  readonly connectionKind: ConnectionKind
  /** The relay's peer ID when `connectionKind` is `relayed`, else null. */
  readonly relayPeerId: string | null
  /** The IP family of the connection (to the relay, when relayed); null for a DNS name or an address with no IP. */
  readonly ipFamily: 'ipv4' | 'ipv6' | null
  /** The display name the peer gives (another Swarmdrop's identify agentVersion), cleaned; null if none. Peer text. */
  readonly name: string | null
  /** Found on the local network by mDNS (at any time, whatever `via` says): the app's Nearby view lists these. */
  readonly nearby: boolean
}

export type ConnectionKind = 'direct' | 'relayed' | 'lan'

/** A port mapped on the home router by UPnP (only on the public network, where UPnP runs). */
export interface UpnpInfo {
  /** `mapped`: the router gave us a port (`addresses`); `none`: no mapping (no UPnP router answered, or it refused, or not yet). */
  readonly state: 'mapped' | 'none'
  /** The router's external addresses mapped to us. */
  readonly addresses: readonly string[]
  /** Whether a peer confirmed a mapped address (AutoNAT). */
  readonly confirmed: boolean
}

/** Whether others can reach this node, and how it is reached when they cannot (see README, "Across home routers"). */
export interface ReachInfo {
  /**
   * `public`: a public, direct address of ours is confirmed (AutoNAT, a UPnP mapping or a named
   * listen address); `private`: none is, and we hold relay reservations, a check found our public
   * address unreachable, or we see the internet (a peer on a public address); `unknown`: nothing
   * tells yet (no peer beyond the local network, or a public address of ours awaits its check).
   */
  readonly reachability: 'public' | 'private' | 'unknown'
  /** Our confirmed public, direct addresses. */
  readonly publicAddresses: readonly string[]
  /** The UPnP mapping, or null when UPnP is off (named networks) or its state is unknown. */
  readonly upnp: UpnpInfo | null
  /** Peer IDs of the relays we hold (or are making) reservations on. */
  readonly relaysUsed: readonly string[]
  /** Whether we relay for others now (only while reachable, and with the relay setting on). */
  readonly relayServing: boolean
  /** Reservations other peers hold on our relay. */
  readonly reservationsServed: number
  /** One line of plain advice on what this means for transfers, or null when there is nothing to say. */
  readonly advice: string | null
}

export interface AppSettings {
  readonly downloadDir: string
  readonly maxUploadBytesPerSecond: number
  readonly maxDownloadBytesPerSecond: number
  /** The network this node runs on now (null = public). */
  readonly network: string | null
  /** The network saved for the next start (config.json), null = public. A `--network` flag still wins. */
  readonly savedNetwork: string | null
  /** Desktop-only preferences, stored here (the one copy) and applied by the Electron shell. Close to tray is on by default. */
  readonly startAtLogin: boolean
  readonly closeToTray: boolean
  /** Relay for other nodes (circuit relay v2) while this one is reachable; on by default; its bytes count against the upload limit. */
  readonly relayService: boolean
  /** The name others see next to this node's peer ID (identify's agentVersion); a change applies at the next start. */
  readonly displayName: string
  /** Whether a download that finishes is seeded (its files served to others); on by default. Each finished download can be switched with `seed`. */
  readonly keepSeeding: boolean
  /** Stop seeding a finished download once its share ratio (bytes uploaded of it / its size) reaches this; null = no limit (the default). */
  readonly seedRatioLimit: number | null
  /** Stop seeding a finished download after it has been seeded this many minutes; null = no limit (the default). */
  readonly seedMinutesLimit: number | null
}

export interface DhtInfo {
  readonly mode: 'client' | 'server'
  /** Peers in the DHT routing table. */
  readonly routingTableSize: number
}

/** The relay this node offers to others (circuit relay v2, only while reachable), and its use. */
export interface RelayInfo {
  /** The relayService setting: relaying for others is switched on. */
  readonly enabled: boolean
  /** Relaying for others now (switched on, and a public address is confirmed). */
  readonly serving: boolean
  /** Reservations other peers hold on our relay. */
  readonly reservations: number
  /** Bytes relayed for others since start: they are drawn from the upload cap, like chunk uploads. */
  readonly relayedBytes: number
}

export interface NodeInfo {
  readonly peerId: string
  readonly addresses: readonly string[]
  readonly dht: DhtInfo
  readonly limits: { readonly maxUploadBytesPerSecond: number, readonly maxDownloadBytesPerSecond: number }
  /** Whether others can reach us, relays, UPnP, with advice. */
  readonly reach: ReachInfo
  /** The transfer totals now (the `totals` events follow them). */
  readonly totals: TransferTotals
}

/** What the node moves in all, for a status bar or a tray: published by the progress stream when it changes. */
export interface TransferTotals {
  /** Chunk bytes per second received, over every download. */
  readonly downloadRate: number
  /** Chunk bytes per second sent, over every peer. */
  readonly uploadRate: number
  /** Downloads connecting or downloading. */
  readonly activeDownloads: number
  /** Connected peers. */
  readonly peers: number
  /** Chunk bytes sent and verified chunk bytes received over the profile's whole life (kept across restarts). */
  readonly lifetimeUploaded: number
  readonly lifetimeDownloaded: number
}

/**
 * A share being made (`share`): how far hashing is. `id` tells concurrent ones apart; `state` is
 * `hashing` while it runs, then `done` (its `share:added` follows) or `failed`.
 */
export interface ShareHashing {
  readonly id: number
  /** The file or folder's name (what the share will be called). */
  readonly name: string
  readonly bytesHashed: number
  readonly totalBytes: number
  /** Since hashing started. */
  readonly elapsedMs: number
  readonly state: 'hashing' | 'done' | 'failed'
}

export interface CommandResults {
  share: ShareInfo
  unshare: void
  addDownload: DownloadInfo
  pause: DownloadInfo
  resume: DownloadInfo
  remove: void
  seed: DownloadInfo
  list: { shares: ShareInfo[], downloads: DownloadInfo[], peers: PeerInfo[] }
  setLimits: NodeInfo['limits']
  nodeInfo: NodeInfo
  chunkMap: ChunkMap
  files: { files: FileEntry[] }
  getSettings: AppSettings
  setSettings: AppSettings
  /** Where the report was written and its size. */
  bugReport: { path: string, bytes: number }
  setDiscoverable: ShareInfo
  search: { searchId: number }
  browse: { peerId: string, results: SearchResult[] }
  sendTo: { peerId: string, shareId: string }
  offers: { offers: ShareOffer[] }
  /** The download an Accept started, null for a Decline. */
  answerOffer: { download: DownloadInfo | null }
}

export type ServiceEvent =
  | { readonly type: 'share:added', readonly share: ShareInfo }
  | { readonly type: 'share:changed', readonly share: ShareInfo }
  | { readonly type: 'share:removed', readonly shareId: string }
  | { readonly type: 'download:added', readonly download: DownloadInfo }
  | { readonly type: 'download:progress', readonly download: DownloadInfo }
  | { readonly type: 'download:complete', readonly download: DownloadInfo }
  | { readonly type: 'download:error', readonly download: DownloadInfo }
  | { readonly type: 'download:removed', readonly shareId: string }
  /** `stored`: DHT peers that accepted the provider record; `errors`: sends and requests that failed. */
  | { readonly type: 'share:announced', readonly shareId: string, readonly ms: number, readonly stored: number, readonly errors: number }
  | { readonly type: 'share:announce-failed', readonly shareId: string, readonly message: string }
  | { readonly type: 'download:provider', readonly shareId: string, readonly peerId: string, readonly via: 'dht' | 'mdns' | 'link' | 'direct' }
  | { readonly type: 'dht', readonly dht: DhtInfo }
  /** A link (or `peers`) given again for a download already running: its `peers` addresses were added to it and are dialed first. */
  | { readonly type: 'download:hints', readonly shareId: string, readonly peers: number }
  /** The node's addresses, limits or reach changed (the progress stream's tick). */
  | { readonly type: 'node', readonly node: NodeInfo }
  /** A share's upload counter or its peers fetching changed (the progress stream's tick). */
  | { readonly type: 'share:progress', readonly share: ShareInfo }
  /** A connected peer's rates, latency, address or connection kind changed (the progress stream's tick). */
  | { readonly type: 'peer:updated', readonly peer: PeerInfo }
  /** Our relay's state or the bytes it relayed changed (the progress stream's tick). */
  | { readonly type: 'relay', readonly relay: RelayInfo }
  /** The transfer totals changed (the progress stream's tick). */
  | { readonly type: 'totals', readonly totals: TransferTotals }
  | { readonly type: 'peer:connected', readonly peer: PeerInfo }
  | { readonly type: 'peer:disconnected', readonly peerId: string }
  /** After every `setSettings`, with the settings as they now are (the Electron shell applies the desktop flags from it). */
  | { readonly type: 'settings:changed', readonly settings: AppSettings }
  /** A share being created: its files are hashed (throttled: a few a second, plus the first and the last). */
  | { readonly type: 'share:hashing', readonly hashing: ShareHashing }
  /** A search found a share, or another holder of one (the result as it now stands). */
  | { readonly type: 'search:result', readonly searchId: number, readonly result: SearchResult }
  /** A search ended: no more `search:result` for it. */
  | { readonly type: 'search:done', readonly done: SearchDone }
  /** The discoverable shares' keywords on the DHT: how many are published, being published, failed. */
  /** A peer offers us a share (Send to…): nothing is downloaded unless `answerOffer { accept: true }`. */
  | { readonly type: 'offer:received', readonly offer: ShareOffer }
  /** An offer was answered or expired. */
  | { readonly type: 'offer:gone', readonly offerId: number }
  | { readonly type: 'search:keywords', readonly published: number, readonly pending: number, readonly failed: number }

/** What every front end calls: the service itself, or a client that forwards over IPC / WebSocket. */
export interface SwarmdropApi {
  call<C extends CommandName>(command: C, args: CommandArgs<C>): Promise<CommandResults[C]>
  subscribe (listener: (event: ServiceEvent) => void): () => void
}
