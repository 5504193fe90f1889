import type { DownloadInfo, DownloadState } from '../contract/index.ts'
import type { SwarmTransfer } from '../scheduler/download.ts'

/** Sources connected but no chunk for this long: the download says it is stalled. */
export const IDLE_AFTER_MS = 10_000

/** Why a running download receives nothing now (see DownloadWaiting), or null. */
export function downloadWaiting (state: DownloadState, transfer: SwarmTransfer | null, knownPeers: number): DownloadInfo['waiting'] {
  if (state !== 'connecting' && state !== 'downloading') return null
  const running = transfer?.running === true ? transfer : null
  const lastSeen = transfer?.lastSeen ?? null
  const lastChunkAt = transfer?.lastChunkAt ?? null
  const base = { knownPeers, lastSeen, lastChunkAt }
  if (running == null || running.connectedSources === 0) {
    return { reason: knownPeers === 0 ? 'finding-peers' : lastSeen != null ? 'sources-gone' : 'connecting', ...base }
  }
  if (lastChunkAt != null && Date.now() - lastChunkAt > IDLE_AFTER_MS) return { reason: 'sources-idle', ...base }
  return null
}

const SPACE_POLL_MS = 2000

/** A download paused by a full disk: polls `fits` until the rest fits (true), or until `signal` aborts (false: paused, resumed or closed meanwhile). */
export async function waitForSpace (signal: AbortSignal, fits: () => Promise<boolean>): Promise<boolean> {
  while (!signal.aborted) {
    await new Promise(resolve => { const t = setTimeout(resolve, SPACE_POLL_MS); signal.addEventListener('abort', () => { clearTimeout(t); resolve(null) }, { once: true }) })
    if (signal.aborted) return false
    if (await fits()) return true
  }
  return false
}
