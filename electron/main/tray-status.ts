/**
 * What the tray shows: transfer rates computed from `list` snapshots, the tooltip text, and the
 * bulk actions of its menu (pause all, resume all).
 */
import { formatRate } from 'swarmdrop/node'
import type { CommandResults, DownloadInfo, SwarmdropApi } from 'swarmdrop/contract'
import type { SupervisorState } from './service-supervisor.ts'

export interface TransferStatus {
  /** Bytes per second received by running downloads. */
  readonly down: number
  /** Bytes per second sent by our shares, from the growth of their upload counters. */
  readonly up: number
  /** Downloads connecting or downloading. */
  readonly active: number
}

const ACTIVE_STATES: ReadonlySet<DownloadInfo['state']> = new Set(['connecting', 'downloading'])

/** Turns successive `list` results into rates. The first sample has no upload rate yet (0). */
export class TransferRates {
  #lastUploaded: number | null = null
  #lastAt = 0

  sample (list: Pick<CommandResults['list'], 'shares' | 'downloads'>, nowMs: number): TransferStatus {
    const down = list.downloads.reduce((sum, d) => sum + (d.state === 'downloading' ? d.downloadRate : 0), 0)
    const active = list.downloads.filter(d => ACTIVE_STATES.has(d.state)).length
    const uploaded = list.shares.reduce((sum, s) => sum + s.uploadedBytes, 0)
    let up = 0
    if (this.#lastUploaded != null && nowMs > this.#lastAt && uploaded >= this.#lastUploaded) {
      up = Math.round((uploaded - this.#lastUploaded) * 1000 / (nowMs - this.#lastAt))
    }
    this.#lastUploaded = uploaded
    this.#lastAt = nowMs
    return { down, up, active }
  }
}

/** The tray tooltip: `Swarmdrop\n↓ 1.5 MiB/s  ↑ 200 KiB/s\n2 downloads`, or the node's state when it does not run. */
export function formatTrayTooltip (status: TransferStatus | null, state: SupervisorState = 'running'): string {
  if (state !== 'running' || status == null) {
    const why = state === 'stopped' ? 'stopped' : state === 'waiting' ? 'node restarting' : 'starting'
    return `Swarmdrop\n${why}`
  }
  const lines = ['Swarmdrop', `↓ ${formatRate(status.down)}  ↑ ${formatRate(status.up)}`]
  if (status.active > 0) lines.push(`${status.active} download${status.active === 1 ? '' : 's'}`)
  return lines.join('\n')
}

export interface BulkResult {
  readonly changed: number
  readonly failed: ReadonlyArray<{ readonly shareId: string, readonly message: string }>
}

async function forEachDownload (api: SwarmdropApi, pick: (d: DownloadInfo) => boolean, act: (shareId: string) => Promise<unknown>): Promise<BulkResult> {
  const { downloads } = await api.call('list', {})
  let changed = 0
  const failed: Array<{ shareId: string, message: string }> = []
  for (const d of downloads.filter(pick)) {
    try {
      await act(d.shareId)
      changed++
    } catch (err) {
      failed.push({ shareId: d.shareId, message: err instanceof Error ? err.message : String(err) })
    }
  }
  return { changed, failed }
}

/** Pauses every connecting or downloading download. */
export function pauseAll (api: SwarmdropApi): Promise<BulkResult> {
  return forEachDownload(api, d => ACTIVE_STATES.has(d.state), shareId => api.call('pause', { shareId }))
}

/** Resumes every paused download. */
export function resumeAll (api: SwarmdropApi): Promise<BulkResult> {
  return forEachDownload(api, d => d.state === 'paused', shareId => api.call('resume', { shareId }))
}
