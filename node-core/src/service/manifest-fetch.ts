import { InvalidManifestError, ProtocolError, SwarmdropError } from '../errors.ts'
import { logger } from '../log/logger.ts'
import { decodeManifest } from '../manifest/codec.ts'
import { SessionRefusedError } from '../protocol/chunk-client.ts'
import { MAX_PEERS_PER_SOURCE } from '../scheduler/candidates.ts'
import type { Manifest } from '../manifest/types.ts'
import type { SourceSession } from '../protocol/chunk-client.ts'
import type { CandidateList } from '../scheduler/candidates.ts'
import type { DownloadContext } from './download-context.ts'

const log = logger('swarmdrop:download')

const MANIFEST_ROUNDS = 20

/** What fetching a download's manifest needs of the download. */
export interface ManifestFetch {
  readonly shareId: string
  readonly ctx: DownloadContext
  readonly candidates: CandidateList
  /** The download paused or closed. */
  readonly signal: AbortSignal
  addCandidate (peer: string): void
}

/** Asks each known peer in turn for the manifest until one sends bytes that hash to the share ID (decoded once, here). */
export async function fetchManifest (job: ManifestFetch): Promise<{ bytes: Uint8Array, manifest: Manifest }> {
  const { shareId, ctx, candidates, signal, addCandidate } = job
  const bad = new Set<string>()
  let lastError: Error | null = null
  for (let round = 0; round < MANIFEST_ROUNDS && !signal.aborted; round++) {
    for (const { key, address } of [...candidates.values()]) {
      if (bad.has(key)) continue
      let session: SourceSession | null = null
      try {
        session = await ctx.connect(address, shareId, AbortSignal.any([signal, AbortSignal.timeout(15_000)]))
        // Each list taken last first: a peer's first address listed (its best) is dialed first. At
        // most MAX_PEERS_PER_SOURCE from one session: a peer flooding PEERS costs itself, not us.
        let peersTaken = 0
        const takePeers = (peers: readonly string[]): void => {
          for (const p of [...peers].reverse()) if (peersTaken++ < MAX_PEERS_PER_SOURCE) addCandidate(p)
        }
        session.start({ onBlock () {}, onHave () {}, onPeers: takePeers, onError () {}, onClose () {} })
        takePeers(session.initialPeers)
        const bytes = await session.fetchManifest()
        return { bytes, manifest: await decodeManifest(bytes, shareId) }
      } catch (err) {
        lastError = err as Error
        log('no manifest of %s from %s: %s', shareId, key, err)
        if (err instanceof InvalidManifestError || err instanceof ProtocolError) bad.add(key)
        if (err instanceof SessionRefusedError && err.code === 'unknown-share') bad.add(key)
      } finally {
        session?.close()
      }
    }
    if (candidates.size === 0 && !ctx.searching) throw new SwarmdropError('no-peers', 'no peers known for this share: add one with --peer or use a link with peer hints')
    if (candidates.size > 0 && [...candidates.values()].every(c => bad.has(c.key))) break // every peer known sent a bad manifest
    await new Promise(resolve => setTimeout(resolve, Math.min(500 * 2 ** round, 5000)))
  }
  if (lastError instanceof InvalidManifestError) throw lastError
  throw new SwarmdropError('unreachable', `could not get the share's manifest from any peer${lastError != null ? ` (last error: ${lastError.message})` : ''}`)
}
