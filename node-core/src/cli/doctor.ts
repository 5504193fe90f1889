/**
 * `swarmdrop doctor [--repo DIR] [--out FILE]`: writes a bug report of the profile (log tails,
 * config.json, versions, OS and the node's state) without starting a node and without changing
 * the profile. With no swarmdrop process on the profile, the state is what the profile has
 * stored. When one runs, its store is locked: doctor then asks it over its web API if it serves
 * one (the port from its log line "web UI on port N", config.json's webPort, or 7717; the token
 * from the profile; the peer ID must be the profile's) for the live state; otherwise the report
 * says the live state was not available and still holds the logs and config. With the live
 * state it also prints the node's reach block (public / private / unknown, UPnP, relays, advice)
 * and how each peer is connected (direct / relayed via X / LAN, IPv4 or IPv6, round trip).
 */
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { loadConfigFile } from '../config/config-file.ts'
import { NotFoundError } from '../errors.ts'
import { liveState, logTails, storedPeerId, storedState, writeBugReport } from '../log/bug-report.ts'
import type { LiveState, ReportState } from '../log/bug-report.ts'
import type { PeerInfo, ReachInfo } from '../contract/index.ts'
import { LOG_DIR } from '../log/log-file.ts'
import { logger } from '../log/logger.ts'
import { DaemonApiClient } from '../web/api-client.ts'
import { DEFAULT_WEB_PORT } from '../web/web-server.ts'
import { WEB_TOKEN_FILE } from '../web/web-token.ts'

const log = logger('swarmdrop:doctor')
/** How much of the newest log file is searched for the running daemon's web port. */
const PORT_SEARCH_BYTES = 1024 * 1024

export interface DoctorResult {
  readonly path: string
  readonly bytes: number
  /** 'stored', 'live (…)', or why the node's state is not in the report. */
  readonly state: string
  /** The running node's reach (whether others can reach it, relays, UPnP, advice); null without a live state. */
  readonly reach: ReachInfo | null
  /** How each connected peer is connected (live state only; empty otherwise). */
  readonly peers: ReadonlyArray<Pick<PeerInfo, 'peerId' | 'connectionKind' | 'relayPeerId' | 'ipFamily' | 'latencyMs'>>
}

export async function doctor (profileDir: string, outFile: string | undefined): Promise<DoctorResult> {
  const isFolder = await stat(profileDir).then(s => s.isDirectory(), (err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT') return false; throw err })
  if (!isFolder) throw new NotFoundError(`no profile folder at ${profileDir} (use --repo DIR)`)
  let state: ReportState = await storedState(profileDir)
  let summary: string = state.kind === 'unavailable' ? state.reason : state.kind
  if (state.kind === 'unavailable' && state.locked) {
    const live = await askRunningDaemon(profileDir)
    if (live != null) { state = live.state; summary = `live (from the running daemon's web API on port ${live.port})` }
  }
  const { path, bytes } = await writeBugReport({ profileDir, state, ...(outFile != null ? { outFile } : {}) })
  const live = state.kind === 'live' ? state : null
  const peers = (live?.peers ?? []).map(p => ({ peerId: p.peerId, connectionKind: p.connectionKind, relayPeerId: p.relayPeerId, ipFamily: p.ipFamily, latencyMs: p.latencyMs }))
  return { path, bytes, state: summary, reach: live?.node.reach ?? null, peers }
}

/** The live state of the daemon running on this profile, through its web API; null if it serves none we can reach. */
async function askRunningDaemon (profileDir: string): Promise<{ state: LiveState, port: number } | null> {
  const token = await readFile(join(profileDir, WEB_TOKEN_FILE), 'utf8').then(t => t.trim(), () => null)
  if (token == null) return null // this profile never served a web UI
  const peerId = await storedPeerId(profileDir)
  for (const port of await candidatePorts(profileDir)) {
    let client: DaemonApiClient | null = null
    try {
      client = await DaemonApiClient.connect(port, token)
      const state = await liveState(client)
      if (state.node.peerId === peerId) return { state, port }
      log.warn('the web API on port %d is another node (%s)', port, state.node.peerId)
    } catch (err) {
      log('no web API of this profile on port %d: %s', port, err)
    } finally {
      client?.close()
    }
  }
  return null
}

async function candidatePorts (profileDir: string): Promise<number[]> {
  const ports: number[] = []
  const newest = (await logTails(join(profileDir, LOG_DIR), PORT_SEARCH_BYTES))[0]?.lines ?? []
  for (let i = newest.length - 1; i >= 0; i--) {
    const m = / swarmdrop:cli web UI on port (\d+)$/.exec(newest[i]!)
    if (m != null) { ports.push(Number(m[1])); break }
  }
  const config = await loadConfigFile(profileDir).catch((err: unknown) => { log('config.json unreadable (reported in the bug report): %s', err); return null })
  if (config?.webPort != null && config.webPort !== 0) ports.push(config.webPort)
  ports.push(DEFAULT_WEB_PORT)
  return [...new Set(ports)]
}
