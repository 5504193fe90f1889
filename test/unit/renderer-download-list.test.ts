/// <reference lib="dom" />
/** The Downloads view's list: which downloads it shows and in which order, and the choice kept across reloads. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { DEFAULT_PREFS, listDownloads, loadPrefs, savePrefs } from '../../renderer/src/lib/download-list.ts'
import type { DownloadInfo } from '../../node-core/src/contract/index.ts'

function download (name: string, addedAt: number, state: DownloadInfo['state'], verifiedBytes: number, downloadRate = 0, uploadRate = 0): DownloadInfo {
  return {
    shareId: `bafy-${name}`, link: `swarmdrop://bafy-${name}`, name, outDir: '/dl', state, totalBytes: 100, verifiedBytes,
    chunkCount: 1, verifiedChunks: 0, downloadRate, uploadRate, addedAt, seeding: false, sources: [], files: null, error: null, waiting: null
  }
}

const all = [
  download('beta', 2, 'complete', 100, 0, 500),
  download('alpha', 3, 'downloading', 40, 1000),
  download('Gamma 10', 1, 'error', 10),
  download('gamma 9', 4, 'paused', 70)
]
const names = (list: DownloadInfo[]): string[] => list.map(d => d.name!)

describe('the downloads list', () => {
  it('is newest first by default; sorts by name (numbers in order, any case), progress, speed', () => {
    assert.deepEqual(names(listDownloads(all, DEFAULT_PREFS)), ['gamma 9', 'alpha', 'beta', 'Gamma 10'])
    assert.deepEqual(names(listDownloads(all, { ...DEFAULT_PREFS, sort: 'name' })), ['alpha', 'beta', 'gamma 9', 'Gamma 10'])
    assert.deepEqual(names(listDownloads(all, { ...DEFAULT_PREFS, sort: 'progress' })), ['beta', 'gamma 9', 'alpha', 'Gamma 10'])
    assert.deepEqual(names(listDownloads(all, { ...DEFAULT_PREFS, sort: 'speed' })), ['alpha', 'beta', 'gamma 9', 'Gamma 10'])
  })

  it('filters by state and by text in the name', () => {
    assert.deepEqual(names(listDownloads(all, { ...DEFAULT_PREFS, filter: 'active' })), ['gamma 9', 'alpha'])
    assert.deepEqual(names(listDownloads(all, { ...DEFAULT_PREFS, filter: 'done' })), ['beta'])
    assert.deepEqual(names(listDownloads(all, { ...DEFAULT_PREFS, filter: 'failed' })), ['Gamma 10'])
    assert.deepEqual(names(listDownloads(all, { ...DEFAULT_PREFS, text: ' GAMMA ' })), ['gamma 9', 'Gamma 10'])
    assert.deepEqual(names(listDownloads(all, { ...DEFAULT_PREFS, filter: 'done', text: 'gamma' })), [])
  })

  it('keeps the choice; an odd saved value gives the default', () => {
    const saved = new Map<string, string>()
    const storage = { getItem: (k: string) => saved.get(k) ?? null, setItem: (k: string, v: string) => { saved.set(k, v) } }
    assert.deepEqual(loadPrefs(storage), DEFAULT_PREFS)
    savePrefs({ sort: 'name', filter: 'done', text: 'x' }, storage)
    assert.deepEqual(loadPrefs(storage), { sort: 'name', filter: 'done', text: 'x' })
    saved.set('swarmdrop.downloads', '{"sort":"evil","filter":3,"text":{}}')
    assert.deepEqual(loadPrefs(storage), DEFAULT_PREFS)
    saved.set('swarmdrop.downloads', 'not json')
    assert.deepEqual(loadPrefs(storage), DEFAULT_PREFS)
    assert.deepEqual(loadPrefs(null), DEFAULT_PREFS)
  })
})
