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
  /** The display name the peer gives (another Swarmdrop's identify agentVersion), cleaned; null if none. Peer text. */
  readonly name: string | null
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
  /** The name others see next to this node's peer ID (identify's agentVersion); a change applies at the next start. */
  readonly displayName: string
  /** Whether a download that finishes is seeded (its files served to others); on by default. Each finished download can be switched with `seed`. */
  readonly keepSeeding: boolean
}

export interface DhtInfo {
  readonly mode: 'client' | 'server'
  /** Peers in the DHT routing table. */
  readonly routingTableSize: number
}

export interface NodeInfo {
  readonly peerId: string
  readonly addresses: readonly string[]
  readonly dht: DhtInfo
  readonly limits: { readonly maxUploadBytesPerSecond: number, readonly maxDownloadBytesPerSecond: number }
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
  /** The node's addresses or limits changed (the progress stream's tick). */
  | { readonly type: 'node', readonly node: NodeInfo }
  /** A share's upload counter or its peers fetching changed (the progress stream's tick). */
  | { readonly type: 'share:progress', readonly share: ShareInfo }
  /** A connected peer's rates, latency or address changed (the progress stream's tick). */
  | { readonly type: 'peer:updated', readonly peer: PeerInfo }
  /** The transfer totals changed (the progress stream's tick). */
  | { readonly type: 'totals', readonly totals: TransferTotals }
  | { readonly type: 'peer:connected', readonly peer: PeerInfo }
  | { readonly type: 'peer:disconnected', readonly peerId: string }
  /** After every `setSettings`, with the settings as they now are (the Electron shell applies the desktop flags from it). */
  | { readonly type: 'settings:changed', readonly settings: AppSettings }
  /** A share being created: its files are hashed (throttled: a few a second, plus the first and the last). */
  | { readonly type: 'share:hashing', readonly hashing: ShareHashing }

/** What every front end calls: the service itself, or a client that forwards over IPC / WebSocket. */
export interface SwarmdropApi {
  call<C extends CommandName>(command: C, args: CommandArgs<C>): Promise<CommandResults[C]>
  subscribe (listener: (event: ServiceEvent) => void): () => void
}
