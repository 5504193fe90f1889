/**
 * A bug report: one JSON file with what is needed to diagnose "it is stuck": the tail of the
 * profile's log files (bounded), the node's state (live from a running service, or as stored in
 * the profile when none runs), config.json, and the versions of the app, Node and the main libp2p
 * packages, and the OS. Written by `swarmdrop doctor` and by the service's `bugReport` command
 * (Settings, "Save a bug report"). It holds file paths, share IDs and peer IDs, never a key.
 */
import { open, readFile, writeFile } from 'node:fs/promises'
import { arch, cpus, freemem, platform, release, totalmem, uptime } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { CONFIG_FILE, loadConfigFile } from '../config/config-file.ts'
import type { ConfigFile } from '../config/config-file.ts'
import { SwarmdropError } from '../errors.ts'
import { StateStore } from '../storage/state-store.ts'
import type { DownloadRecord, Settings, ShareRecord } from '../storage/state-store.ts'
import type { AppSettings, CommandResults, NodeInfo, SwarmdropApi } from '../contract/index.ts'
import { LOG_DIR, logFilePaths } from './log-file.ts'

/** At most this much log text goes into a report, newest lines first. */
export const MAX_LOG_BYTES = 2 * 1024 * 1024
const MAX_CONFIG_TEXT = 64 * 1024
/** The packages whose versions a report names. */
const PACKAGES = ['libp2p', '@libp2p/kad-dht', '@libp2p/tcp', '@chainsafe/libp2p-noise', '@chainsafe/libp2p-yamux', '@libp2p/mdns', '@libp2p/autonat', '@libp2p/upnp-nat', 'level']

/** The state of a running node, as its contract reports it. */
export interface LiveState {
  readonly kind: 'live'
  readonly node: NodeInfo
  readonly settings: AppSettings
  readonly shares: CommandResults['list']['shares']
  readonly downloads: CommandResults['list']['downloads']
  readonly peers: CommandResults['list']['peers']
}

/** What the profile's store holds when no node runs (no addresses, connections or DHT then). */
export interface StoredState {
  readonly kind: 'stored'
  readonly note: string
  readonly peerId: string | null
  readonly settings: Settings | null
  readonly shares: ShareRecord[]
  readonly downloads: Array<DownloadRecord & { verifiedChunks: number | null }>
}

/** Why no state could be read (a running process holds the store, or there is none yet). */
export interface UnavailableState {
  readonly kind: 'unavailable'
  readonly reason: string
  /** Whether a running swarmdrop process holds the profile's store. */
  readonly locked: boolean
}

export type ReportState = LiveState | StoredState | UnavailableState

export interface LogTail {
  readonly path: string
  readonly bytes: number
  /** Whether older lines of this file were left out to keep the report small. */
  readonly truncated: boolean
  readonly lines: string[]
}

export interface BugReport {
  readonly report: 'swarmdrop bug report'
  readonly createdAt: string
  readonly profileDir: string
  readonly versions: Record<string, string | null>
  readonly os: Record<string, string | number>
  readonly config: { readonly path: string, readonly value: ConfigFile | null, readonly error: string | null, readonly text: string | null }
  readonly state: ReportState
  /** Newest file first; each file's lines oldest first. */
  readonly logs: LogTail[]
}

/** The state of a running node, read through its contract (the service itself, or a client). */
export async function liveState (api: Pick<SwarmdropApi, 'call'>): Promise<LiveState> {
  const [node, settings, list] = await Promise.all([api.call('nodeInfo', {}), api.call('getSettings', {}), api.call('list', {})])
  return { kind: 'live', node, settings, shares: list.shares, downloads: list.downloads, peers: list.peers }
}

/** What the profile stores, read without starting a node and without changing anything. */
export async function storedState (profileDir: string): Promise<StoredState | UnavailableState> {
  let store: StateStore
  try {
    store = await StateStore.openExisting(profileDir)
  } catch (err) {
    if (err instanceof SwarmdropError && err.code === 'profile-in-use') {
      return { kind: 'unavailable', locked: true, reason: 'a swarmdrop process is running on this profile (its store is locked) and its live state could not be read (no web API of it answered); the log files and config.json are included. For the live state, use "Save a bug report" in the running app\'s Settings.' }
    }
    return { kind: 'unavailable', locked: false, reason: `the profile's store could not be read: ${(err as Error).message}` }
  }
  try {
    const downloads = await store.listDownloads()
    return {
      kind: 'stored',
      note: 'no swarmdrop process is running on this profile: this is what it has stored (no addresses, connections or DHT state)',
      peerId: await storedPeerId(profileDir),
      settings: (await store.getSettings()) ?? null,
      shares: await store.listShares(),
      downloads: await Promise.all(downloads.map(async d => ({ ...d, verifiedChunks: countBits(await store.getHave(d.shareId)) })))
    }
  } finally {
    await store.close()
  }
}

/**
 * Writes a report to `outFile` (default `<profileDir>/logs/bug-report-<time>.json`) and says
 * where and how big: what the `bugReport` command returns.
 */
export async function writeBugReport (options: { profileDir: string, state: ReportState, outFile?: string }): Promise<{ path: string, bytes: number }> {
  const report = await buildBugReport(options.profileDir, options.state)
  const path = resolve(options.outFile ?? join(options.profileDir, LOG_DIR, `bug-report-${report.createdAt.replace(/[:.]/g, '-')}.json`))
  const text = JSON.stringify(report, null, 2) + '\n'
  await writeFile(path, text, { mode: 0o600 })
  return { path, bytes: Buffer.byteLength(text) }
}

export async function buildBugReport (profileDir: string, state: ReportState): Promise<BugReport> {
  return {
    report: 'swarmdrop bug report',
    createdAt: new Date().toISOString(),
    profileDir: resolve(profileDir),
    versions: await versions(),
    os: { platform: platform(), release: release(), arch: arch(), cpus: cpus().length, totalMemory: totalmem(), freeMemory: freemem(), uptimeSeconds: Math.round(uptime()) },
    config: await configSection(profileDir),
    state,
    logs: await logTails(join(profileDir, LOG_DIR), MAX_LOG_BYTES)
  }
}

/** The tails of the log files, newest first, at most `budget` bytes in all, whole lines only. */
export async function logTails (logDir: string, budget: number): Promise<LogTail[]> {
  const tails: LogTail[] = []
  for (const path of logFilePaths(logDir)) {
    if (budget <= 0) break
    const tail = await readTail(path, budget)
    if (tail == null) continue
    tails.push(tail)
    if (tail.truncated) break // older files would leave a gap
    budget -= tail.bytes
  }
  return tails
}

async function readTail (path: string, budget: number): Promise<LogTail | null> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  try {
    const { size } = await handle.stat()
    const length = Math.min(size, budget)
    const buffer = Buffer.alloc(length)
    await handle.read(buffer, 0, length, size - length)
    let text = buffer.toString('utf8')
    const truncated = length < size
    if (truncated) text = text.slice(text.indexOf('\n') + 1) // drop the cut first line
    const lines = text.split('\n')
    if (lines.at(-1) === '') lines.pop()
    return { path, bytes: size, truncated, lines }
  } finally {
    await handle.close()
  }
}

async function configSection (profileDir: string): Promise<BugReport['config']> {
  const path = join(profileDir, CONFIG_FILE)
  try {
    return { path, value: await loadConfigFile(profileDir), error: null, text: null }
  } catch (err) {
    const text = await readFile(path, 'utf8').then(t => t.slice(0, MAX_CONFIG_TEXT), (e: Error) => `(unreadable: ${e.message})`)
    return { path, value: null, error: (err as Error).message, text }
  }
}

/** The profile's peer ID from its key file, or null if it has none yet (never creates one). */
export async function storedPeerId (profileDir: string): Promise<string | null> {
  try {
    return peerIdFromPrivateKey(privateKeyFromProtobuf(await readFile(join(profileDir, 'identity.key')))).toString()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    return `(unreadable identity key: ${(err as Error).message})`
  }
}

function countBits (bytes: Uint8Array | undefined): number | null {
  if (bytes == null) return null
  let n = 0
  for (let b of bytes) for (; b !== 0; b &= b - 1) n++
  return n
}

/** The app's, Node's and the main packages' versions (null: not installed or not readable). */
async function versions (): Promise<Record<string, string | null>> {
  const root = await appRoot()
  const result: Record<string, string | null> = { swarmdrop: null, node: process.versions.node, electron: process.versions.electron ?? null }
  if (root == null) return result
  result.swarmdrop = await packageVersion(join(root, 'package.json'))
  for (const name of PACKAGES) result[name] ??= await packageVersion(join(root, 'node_modules', name, 'package.json'))
  return result
}

/** The folder of swarmdrop's package.json, found upward from this module (source or bundle). */
async function appRoot (): Promise<string | null> {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const name = await readFile(join(dir, 'package.json'), 'utf8').then(t => (JSON.parse(t) as { name?: string }).name, () => null)
    if (name === 'swarmdrop') return dir
    if (dirname(dir) === dir) return null
  }
}

async function packageVersion (path: string): Promise<string | null> {
  try {
    return (JSON.parse(await readFile(path, 'utf8')) as { version?: string }).version ?? null
  } catch {
    return null // not installed (electron outside the desktop app): reported as null
  }
}
