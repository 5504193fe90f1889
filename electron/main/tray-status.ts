/**
 * What the tray shows: the transfer totals of the service's progress stream as the tooltip text,
 * and the bulk actions of its menu (pause all, resume all).
 */
import { formatRate } from 'swarmdrop/node'
import type { DownloadInfo, SwarmdropApi, TransferTotals } from 'swarmdrop/contract'
import type { SupervisorState } from './service-supervisor.ts'

const ACTIVE_STATES: ReadonlySet<DownloadInfo['state']> = new Set(['connecting', 'downloading'])

/** Calls `show` with the transfer totals each time the service's progress stream publishes new ones; returns an unsubscribe function. */
export function followTotals (api: Pick<SwarmdropApi, 'subscribe'>, show: (totals: TransferTotals) => void): () => void {
  return api.subscribe(event => { if (event.type === 'totals') show(event.totals) })
}

/** The tray tooltip: `Swarmdrop\n↓ 1.5 MiB/s  ↑ 200 KiB/s\n2 downloads`, or the node's state when it does not run. */
export function formatTrayTooltip (status: TransferTotals | null, state: SupervisorState = 'running'): string {
  if (state !== 'running' || status == null) {
    const why = state === 'stopped' ? 'stopped' : state === 'waiting' ? 'node restarting' : 'starting'
    return `Swarmdrop\n${why}`
  }
  const lines = ['Swarmdrop', `↓ ${formatRate(status.downloadRate)}  ↑ ${formatRate(status.uploadRate)}`]
  if (status.activeDownloads > 0) lines.push(`${status.activeDownloads} download${status.activeDownloads === 1 ? '' : 's'}`)
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
