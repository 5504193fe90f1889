import { formatBytes, formatRate } from '../bandwidth/units.ts'
import type { DownloadInfo } from '../contract/index.ts'

/** One line of download progress with per-source speeds, as the CLI prints it. */
export function progressLine (d: DownloadInfo, width = 24): string {
  const total = d.totalBytes ?? 0
  const fraction = total > 0 ? d.verifiedBytes / total : (d.state === 'complete' ? 1 : 0)
  const filled = Math.round(fraction * width)
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled)
  const eta = d.downloadRate > 0 && total > 0 ? ` ETA ${formatDuration((total - d.verifiedBytes) / d.downloadRate)}` : ''
  const active = d.sources.filter(s => s.connected)
  const sources = active.slice(0, 6).map(s => `${shortPeer(s.peerId)} ${formatRate(s.rate)}`).join(', ')
  const state = d.state === 'connecting' ? ' connecting…' : ''
  return `[${bar}] ${(fraction * 100).toFixed(1).padStart(5)}% ${formatBytes(d.verifiedBytes)}/${formatBytes(total)} ${formatRate(d.downloadRate)}${eta}${state} | ${active.length} source${active.length === 1 ? '' : 's'}${sources.length > 0 ? ': ' + sources : ''}`
}

export function shortPeer (peerId: string): string {
  return peerId.length > 10 ? `…${peerId.slice(-6)}` : peerId
}

export function formatDuration (seconds: number): string {
  if (!Number.isFinite(seconds)) return '?'
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`
}
