/**
 * Search, browse and discoverable shares (docs/SEARCH.md), the service's room for them: keeps
 * the discoverable shares' keyword index (for the responder) and their keywords on the DHT (the
 * publisher), answers peers' searches, and runs this node's searches and browses, streaming
 * `search:result` and `search:done` events.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { InvalidArgumentError, SwarmdropError } from '../errors.ts'
import { logger } from '../log/logger.ts'
import { PENALTY } from '../scheduler/peer-score.ts'
import { KeywordPublisher } from '../search/keyword-publisher.ts'
import { queryKeywords } from '../search/keywords.ts'
import { indexShare } from '../search/match.ts'
import { SearchResponder } from '../search/responder.ts'
import { askPeer, ResultMerger, runSearch } from '../search/search.ts'
import { MAX_RESULTS_PER_ANSWER } from '../search/wire.ts'
import type { PrivateKey } from '@libp2p/interface'
import type { CommandResults, ServiceEvent } from '../contract/index.ts'
import type { SwarmNode } from '../net/node.ts'
import type { ShareRouting } from '../net/share-routing.ts'
import type { PeerJudge } from '../scheduler/peer-score.ts'
import type { ShareKeywords } from '../search/match.ts'
import type { ShareRegistry } from './share-registry.ts'

const log = logger('swarmdrop:search')

/** Searches of this node running at once; a new one past it ends the oldest. */
const MAX_RUNNING_SEARCHES = 4
/** Penalty for a broken answer (bad signature, over the caps, results that do not match). */
const BAD_ANSWER_PENALTY = PENALTY.protocol / 4
/** Time a browse waits for the peer's answer (dial included). */
const BROWSE_TIMEOUT_MS = 20_000

export interface SearchServiceInit {
  readonly node: SwarmNode
  readonly privateKey: PrivateKey
  /** Null when the DHT is off: nothing is published, and searches find nobody. */
  readonly routing: ShareRouting | null
  readonly shares: ShareRegistry
  readonly judge: PeerJudge
  readonly stopping: AbortSignal
  emit (event: ServiceEvent): void
}

export class SearchService {
  readonly #init: SearchServiceInit
  readonly #responder: SearchResponder
  readonly #publisher: KeywordPublisher | null
  /** The discoverable shares' keywords, by share ID. */
  #index = new Map<string, ShareKeywords>()
  readonly #running = new Map<number, AbortController>()
  #nextId = 1

  constructor (init: SearchServiceInit) {
    this.#init = init
    this.#responder = new SearchResponder(init.node, { privateKey: init.privateKey, shares: () => [...this.#index.values()], judge: init.judge })
    this.#publisher = init.routing == null
      ? null
      : new KeywordPublisher(init.routing, init.stopping, status => { init.emit({ type: 'search:keywords', ...status }) })
  }

  async start (): Promise<void> {
    await this.#responder.start()
    this.refresh()
  }

  async stop (): Promise<void> {
    for (const c of this.#running.values()) c.abort()
    await this.#responder.stop()
  }

  /** The discoverable shares changed (shared, unshared, toggled, stopped): index and publish again. */
  refresh (): void {
    const next = new Map<string, ShareKeywords>()
    for (const s of this.#init.shares.discoverable()) next.set(s.shareId, this.#index.get(s.shareId) ?? indexShare(s))
    this.#index = next
    this.#publisher?.update([...next.values()])
  }

  /** Starts a search; its results come as events. */
  search (query: string): CommandResults['search'] {
    if (queryKeywords(query).length === 0) throw new InvalidArgumentError('the query has no keyword (words of two letters or more, not stop-words)')
    const searchId = this.#nextId++
    const controller = new AbortController()
    if (this.#running.size >= MAX_RUNNING_SEARCHES) {
      const [oldest, c] = this.#running.entries().next().value!
      c.abort()
      this.#running.delete(oldest)
    }
    this.#running.set(searchId, controller)
    const signal = AbortSignal.any([controller.signal, this.#init.stopping])
    const started = performance.now()
    runSearch({
      node: this.#init.node,
      routing: this.#init.routing,
      skip: peerId => this.#init.judge.banned(peerId),
      onBadPeer: (peerId, why) => { this.#badPeer(peerId, why) }
    }, query, signal, result => { this.#init.emit({ type: 'search:result', searchId, result }) }).then(
      summary => { this.#init.emit({ type: 'search:done', done: { searchId, ...summary } }) },
      (err: unknown) => {
        log('search %d failed: %s', searchId, err)
        this.#init.emit({ type: 'search:done', done: { searchId, results: 0, peersAsked: 0, peersAnswered: 0, ms: Math.round(performance.now() - started), error: (err as Error).message } })
      }
    ).finally(() => { this.#running.delete(searchId) }).catch(() => {})
    return { searchId }
  }

  /** Every discoverable share of one peer, asked directly. */
  async browse (peerId: string): Promise<CommandResults['browse']> {
    if (peerId === this.#init.node.peerId.toString()) throw new SwarmdropError('self', 'that is this node')
    try { peerIdFromString(peerId) } catch { throw new InvalidArgumentError(`not a peer ID: ${peerId.slice(0, 64)}`) }
    const signal = AbortSignal.any([AbortSignal.timeout(BROWSE_TIMEOUT_MS), this.#init.stopping])
    let answer
    try {
      answer = await askPeer(this.#init.node, peerId, null, { query: '', limit: MAX_RESULTS_PER_ANSWER, browse: true }, signal)
    } catch (err) {
      if (err instanceof SwarmdropError) throw err
      throw new SwarmdropError('unreachable', `could not browse ${peerId}: ${(err as Error).message}`)
    }
    const merger = new ResultMerger([])
    merger.add(answer)
    return { peerId, results: merger.results() }
  }

  #badPeer (peerId: string, why: string): void {
    log.warn('search answer of %s: %s', peerId, why)
    this.#init.judge.penalise(peerId, BAD_ANSWER_PENALTY, `search answer: ${why}`)
  }
}
