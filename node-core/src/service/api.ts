/**
 * The service API: the one typed contract between node-core and every front end (CLI, Electron
 * IPC bridge, the daemon's WebSocket, the renderer's client). Commands take one argument object,
 * validated at the boundary with these schemas (`parseCommand`), and resolve with a result;
 * events arrive on one channel as `ServiceEvent`s.
 */
import { z } from 'zod'
import { InvalidArgumentError } from '../errors.ts'
import type { ChunkMap } from '../scheduler/chunk-origins.ts'
import type { SourceSnapshot } from '../scheduler/source-snapshot.ts'

export type { ChunkMap, ChunkRun } from '../scheduler/chunk-origins.ts'
export type { SourceSnapshot } from '../scheduler/source-snapshot.ts'

const shareId = z.string().min(1).max(256)
const byteRate = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)

export const commandSchemas = {
  /** Share a local file or folder; resolves once it is hashed and served. */
  share: z.strictObject({ path: z.string().min(1).max(4096) }),
  /** Stop serving a share (files are left alone). */
  unshare: z.strictObject({ shareId }),
  /** Start downloading a `swarmdrop://` link into `outDir` (default: the download folder). */
  addDownload: z.strictObject({
    link: z.string().min(1).max(8192),
    outDir: z.string().min(1).max(4096).optional(),
    peers: z.array(z.string().min(1).max(1024)).max(64).optional()
  }),
  pause: z.strictObject({ shareId }),
  resume: z.strictObject({ shareId }),
  /** Forget a download; `deleteData` also removes its partial data (never finished files). */
  remove: z.strictObject({ shareId, deleteData: z.boolean().optional() }),
  list: z.strictObject({}),
  /** Global caps in bytes per second; 0 = unlimited. */
  setLimits: z.strictObject({ maxUploadBytesPerSecond: byteRate.optional(), maxDownloadBytesPerSecond: byteRate.optional() }),
  nodeInfo: z.strictObject({}),
  /** Which source delivered each verified chunk of a download (run-length encoded). */
  chunkMap: z.strictObject({ shareId }),
  /** The files of a share or a download (once its manifest is known). */
  files: z.strictObject({ shareId }),
  getSettings: z.strictObject({}),
  /** Changes what is given; `network` is saved to the profile's config.json and applies on restart (null = the public network). */
  setSettings: z.strictObject({
    downloadDir: z.string().min(1).max(4096).optional(),
    maxUploadBytesPerSecond: byteRate.optional(),
    maxDownloadBytesPerSecond: byteRate.optional(),
    network: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i, "1-63 letters, digits, '.', '_' or '-'").nullable().optional(),
    startAtLogin: z.boolean().optional(),
    closeToTray: z.boolean().optional()
  })
} as const

export type CommandName = keyof typeof commandSchemas
export type CommandArgs<C extends CommandName> = z.infer<typeof commandSchemas[C]>

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
  readonly sources: readonly SourceSnapshot[]
  /** Final paths, once complete. */
  readonly files: readonly string[] | null
  readonly error: { readonly code: string, readonly message: string } | null
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
}

export interface CommandResults {
  share: ShareInfo
  unshare: void
  addDownload: DownloadInfo
  pause: DownloadInfo
  resume: DownloadInfo
  remove: void
  list: { shares: ShareInfo[], downloads: DownloadInfo[], peers: PeerInfo[] }
  setLimits: NodeInfo['limits']
  nodeInfo: NodeInfo
  chunkMap: ChunkMap
  files: { files: FileEntry[] }
  getSettings: AppSettings
  setSettings: AppSettings
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
  | { readonly type: 'peer:connected', readonly peer: PeerInfo }
  | { readonly type: 'peer:disconnected', readonly peerId: string }
  /** After every `setSettings`, with the settings as they now are (the Electron shell applies the desktop flags from it). */
  | { readonly type: 'settings:changed', readonly settings: AppSettings }

/** What every front end calls: the service itself, or a client that forwards over IPC / WebSocket. */
export interface SwarmdropApi {
  call<C extends CommandName>(command: C, args: CommandArgs<C>): Promise<CommandResults[C]>
  subscribe (listener: (event: ServiceEvent) => void): () => void
}

/** Names an untrusted command for an error message: a bounded quoted string, or just its type. */
function describeCommand (command: unknown): string {
  if (typeof command !== 'string') return `of type ${command === null ? 'null' : typeof command}`
  return JSON.stringify(command.length > 64 ? command.slice(0, 64) + '…' : command)
}

/** Validates a command name and its arguments from an untrusted caller. */
export function parseCommand (command: unknown, args: unknown): { command: CommandName, args: CommandArgs<CommandName> } {
  if (typeof command !== 'string' || !Object.hasOwn(commandSchemas, command)) {
    throw new InvalidArgumentError(`unknown command ${describeCommand(command)}`)
  }
  const name = command as CommandName
  const result = commandSchemas[name].safeParse(args ?? {})
  if (!result.success) {
    const issue = result.error.issues[0]
    throw new InvalidArgumentError(`${name}: ${issue?.path.join('.') || 'arguments'}: ${issue?.message ?? 'invalid'}`)
  }
  return { command: name, args: result.data }
}
