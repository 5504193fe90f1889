/**
 * Search and browse in the app: the running search's results as they stream in (`search:result`
 * events, merged by share ID, ranked like the service ranks them), whether it is done, and the
 * last peer browsed. One click downloads a result (its link holds the holders' addresses).
 */
import { createContext } from 'svelte'
import type { DownloadInfo, SearchDone, SearchResult, ServiceEvent } from 'swarmdrop/contract'
import type { ServiceClient } from '../lib/service-client.ts'

/** Best first: query keywords in the name, then holders, then name (as the service ranks). */
export function rankResults (results: readonly SearchResult[]): SearchResult[] {
  return [...results].sort((a, b) => b.keywordMatches - a.keywordMatches || b.holders.length - a.holders.length || a.name.localeCompare(b.name))
}

export class SearchState {
  readonly #client: ServiceClient
  query = $state('')
  /** The search whose results are shown (null before the first). */
  searchId = $state<number | null>(null)
  results = $state.raw<readonly SearchResult[]>([])
  done = $state.raw<SearchDone | null>(null)
  /** The peer browsed last, and its discoverable shares (null: none browsed, or a search since). */
  browsing = $state.raw<{ readonly peerId: string, readonly results: readonly SearchResult[] | null, readonly error: string | null } | null>(null)
  /** Events of a search that came before `search` resolved with its ID. */
  #early: ServiceEvent[] = []
  #starting = false

  constructor (client: ServiceClient) {
    this.#client = client
    client.subscribe(event => { this.#apply(event) })
  }

  get running (): boolean { return this.searchId != null && this.done == null }

  get ranked (): SearchResult[] { return rankResults(this.results) }

  async search (query: string): Promise<void> {
    this.query = query
    this.results = []
    this.done = null
    this.browsing = null
    this.#early = []
    this.#starting = true
    try {
      this.searchId = (await this.#client.call('search', { query })).searchId
    } finally {
      this.#starting = false
    }
    for (const e of this.#early.splice(0)) this.#apply(e)
  }

  async browse (peerId: string): Promise<void> {
    this.browsing = { peerId, results: null, error: null }
    try {
      const { results } = await this.#client.call('browse', { peerId })
      if (this.browsing?.peerId === peerId) this.browsing = { peerId, results: rankResults(results), error: null }
    } catch (err) {
      if (this.browsing?.peerId === peerId) this.browsing = { peerId, results: null, error: err instanceof Error ? err.message : String(err) }
    }
  }

  async download (result: SearchResult): Promise<DownloadInfo> {
    return await this.#client.call('addDownload', { link: result.link })
  }

  #apply (event: ServiceEvent): void {
    if (event.type !== 'search:result' && event.type !== 'search:done') return
    if (this.#starting) { this.#early.push(event); return }
    if (event.type === 'search:result') {
      if (event.searchId !== this.searchId) return
      const i = this.results.findIndex(r => r.shareId === event.result.shareId)
      this.results = i < 0 ? [...this.results, event.result] : this.results.with(i, event.result)
    } else if (event.done.searchId === this.searchId) {
      this.done = event.done
    }
  }
}

export const [getSearchState, setSearchState] = createContext<SearchState>()
