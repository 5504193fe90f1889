/**
 * How the Downloads view lists downloads: which ones (a state filter and a text filter on the
 * name) and in which order (newest first by default). The choice is kept across reloads
 * (localStorage; a missing or odd value gives the default).
 */
import type { DownloadInfo } from 'swarmdrop/contract'

export type DownloadSort = 'added' | 'name' | 'progress' | 'speed'
export type DownloadFilter = 'all' | 'active' | 'done' | 'failed'

export interface DownloadListPrefs {
  readonly sort: DownloadSort
  readonly filter: DownloadFilter
  readonly text: string
}

export const SORTS: ReadonlyArray<{ id: DownloadSort, label: string }> = [
  { id: 'added', label: 'Newest first' },
  { id: 'name', label: 'Name' },
  { id: 'progress', label: 'Progress' },
  { id: 'speed', label: 'Speed' }
]

export const FILTERS: ReadonlyArray<{ id: DownloadFilter, label: string }> = [
  { id: 'all', label: 'All' },
  { id: 'active', label: 'Active' },
  { id: 'done', label: 'Done' },
  { id: 'failed', label: 'Failed' }
]

export const DEFAULT_PREFS: DownloadListPrefs = { sort: 'added', filter: 'all', text: '' }
const KEY = 'swarmdrop.downloads'
const MAX_TEXT = 200

/** The share of a download that is verified, 0 to 1. */
export function progressOf (d: DownloadInfo): number {
  if (d.state === 'complete') return 1
  return d.totalBytes != null && d.totalBytes > 0 ? Math.min(1, d.verifiedBytes / d.totalBytes) : 0
}

function matchesFilter (d: DownloadInfo, filter: DownloadFilter): boolean {
  switch (filter) {
    case 'all': return true
    case 'active': return d.state === 'connecting' || d.state === 'downloading' || d.state === 'paused'
    case 'done': return d.state === 'complete'
    case 'failed': return d.state === 'error'
  }
}

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true })

function compare (sort: DownloadSort): (a: DownloadInfo, b: DownloadInfo) => number {
  switch (sort) {
    case 'added': return (a, b) => b.addedAt - a.addedAt
    case 'name': return (a, b) => collator.compare(a.name ?? a.shareId, b.name ?? b.shareId)
    case 'progress': return (a, b) => progressOf(b) - progressOf(a)
    case 'speed': return (a, b) => (b.downloadRate + b.uploadRate) - (a.downloadRate + a.uploadRate)
  }
}

/** The downloads to show, in order; ties keep the newest first (then the share ID, so the order never flickers). */
export function listDownloads (downloads: readonly DownloadInfo[], prefs: DownloadListPrefs): DownloadInfo[] {
  const text = prefs.text.trim().toLocaleLowerCase()
  const byPrefs = compare(prefs.sort)
  return downloads
    .filter(d => matchesFilter(d, prefs.filter) && (text === '' || (d.name ?? d.shareId).toLocaleLowerCase().includes(text)))
    .sort((a, b) => byPrefs(a, b) || b.addedAt - a.addedAt || (a.shareId < b.shareId ? -1 : a.shareId > b.shareId ? 1 : 0))
}

export function loadPrefs (storage: Pick<Storage, 'getItem'> | null = safeStorage()): DownloadListPrefs {
  try {
    const saved: unknown = JSON.parse(storage?.getItem(KEY) ?? 'null')
    if (saved == null || typeof saved !== 'object') return DEFAULT_PREFS
    const s = saved as Record<string, unknown>
    return {
      sort: SORTS.find(x => x.id === s.sort)?.id ?? DEFAULT_PREFS.sort,
      filter: FILTERS.find(x => x.id === s.filter)?.id ?? DEFAULT_PREFS.filter,
      text: typeof s.text === 'string' ? s.text.slice(0, MAX_TEXT) : ''
    }
  } catch {
    return DEFAULT_PREFS
  }
}

export function savePrefs (prefs: DownloadListPrefs, storage: Pick<Storage, 'setItem'> | null = safeStorage()): void {
  try { storage?.setItem(KEY, JSON.stringify({ sort: prefs.sort, filter: prefs.filter, text: prefs.text.slice(0, MAX_TEXT) })) } catch { /* not kept */ }
}

function safeStorage (): Storage | null {
  try { return window.localStorage } catch { return null }
}
