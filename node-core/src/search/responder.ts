/**
 * The responder side of `/swarmdrop/search/1.0.0`: answers a peer's query (or browse) from this
 * node's discoverable shares only, at most MAX_RESULTS_PER_ANSWER results, each summary sanitised,
 * the answer signed with the node's key. Every peer has a budget of requests (a token bucket,
 * scheduler/peer-budget.ts): past it a request is refused unanswered, and a peer that keeps going
 * is scored down and disconnected.
 */
import { SwarmdropError } from '../errors.ts'
import { logger } from '../log/logger.ts'
import { FramedStream } from '../protocol/framing.ts'
import { BUDGETS, PeerBudgets } from '../scheduler/peer-budget.ts'
import { PENALTY } from '../scheduler/peer-score.ts'
import { queryKeywords } from './keywords.ts'
import { matchShare } from './match.ts'
import { cleanSummary, decodeRequest, encodeAnswer, encodeBody, MAX_REQUEST_BYTES, MAX_RESULTS_PER_ANSWER, SEARCH_PROTOCOL } from './wire.ts'
import type { Connection, PrivateKey, Stream, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'
import type { BudgetSpec } from '../scheduler/peer-budget.ts'
import type { PeerJudge } from '../scheduler/peer-score.ts'
import type { ShareKeywords, ShareMatch } from './match.ts'
import type { ResultSummary, SearchRequest } from './wire.ts'

const log = logger('swarmdrop:search')

/** Requests a peer may send: 20 at once, then 2 a second; 40 more refused and it is over. */
export const SEARCH_BUDGET: BudgetSpec = { burst: 20, perSecond: 2, debt: 40 }
/** Search streams one connection may have open at once. */
export const MAX_SEARCH_STREAMS = 4
/** Time for the asker to send its request. */
const REQUEST_TIMEOUT_MS = 10_000

export interface ResponderComponents {
  handle (protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
  unhandle (protocol: string): Promise<void>
}

export interface ResponderInit {
  readonly privateKey: PrivateKey
  /** The discoverable shares now (hidden ones are never in it). */
  shares (): readonly ShareKeywords[]
  readonly judge?: PeerJudge
  readonly budget?: BudgetSpec
  readonly now?: () => number
}

/** What a request is answered with: the best matches first (most keywords in the name, then most matching files). */
export function answerRequest (request: SearchRequest, shares: readonly ShareKeywords[]): ResultSummary[] {
  const limit = Math.min(request.limit, MAX_RESULTS_PER_ANSWER)
  let matches: ShareMatch[]
  if (request.browse === true) {
    matches = shares.map(share => ({ share, nameMatches: 0, matchingFiles: [] }))
  } else {
    const query = queryKeywords(request.query)
    matches = shares.map(s => matchShare(query, s)).filter(m => m != null)
    matches.sort((a, b) => b.nameMatches - a.nameMatches || b.matchingFiles.length - a.matchingFiles.length)
  }
  return matches.slice(0, limit).map(m => cleanSummary({ shareId: m.share.shareId, name: m.share.name, size: m.share.size, fileCount: m.share.fileCount, matchingFiles: m.matchingFiles }))
}

export class SearchResponder {
  readonly #components: ResponderComponents
  readonly #init: ResponderInit
  readonly #budgets: PeerBudgets
  /** Requests answered and refused (for tests and the log). */
  answered = 0
  refused = 0

  constructor (components: ResponderComponents, init: ResponderInit) {
    this.#components = components
    this.#init = init
    this.#budgets = new PeerBudgets({ ...BUDGETS, stream: init.budget ?? SEARCH_BUDGET }, init.now)
  }

  async start (): Promise<void> {
    await this.#components.handle(SEARCH_PROTOCOL, (stream, connection) => {
      if (!this.#allowed(connection)) {
        this.refused++
        stream.abort(new SwarmdropError('busy', 'too many search requests'))
        return
      }
      this.#serve(stream, connection).catch((err: unknown) => {
        log('search request from %s failed: %s', connection.remotePeer, err)
        stream.abort(err as Error)
      })
    }, { maxInboundStreams: MAX_SEARCH_STREAMS, maxOutboundStreams: MAX_SEARCH_STREAMS })
  }

  async stop (): Promise<void> {
    await this.#components.unhandle(SEARCH_PROTOCOL)
  }

  #allowed (connection: Connection): boolean {
    const peerId = connection.remotePeer.toString()
    if (this.#init.judge?.banned(peerId) === true) return false
    const verdict = this.#budgets.charge(peerId, 'stream')
    if (verdict === 'over') {
      this.#budgets.forget(peerId)
      log.warn('%s went past its search budget: disconnected', peerId)
      this.#init.judge?.penalise(peerId, PENALTY.flood, 'went past its search budget')
      connection.abort(new SwarmdropError('protocol', 'went past its search budget'))
    }
    return verdict === 'ok'
  }

  async #serve (stream: Stream, connection: Connection): Promise<void> {
    const framed = new FramedStream(stream, MAX_REQUEST_BYTES)
    const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS)
    const onAbort = (): void => { framed.abort(new SwarmdropError('protocol', 'no search request in time')) }
    signal.addEventListener('abort', onAbort, { once: true })
    let request: SearchRequest | undefined
    try {
      for await (const frame of framed.frames()) { request = decodeRequest(frame); break }
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
    if (request == null) throw new SwarmdropError('protocol', 'the stream ended before a search request')
    const results = answerRequest(request, this.#init.shares())
    const body = encodeBody({ query: request.browse === true ? '' : request.query, results })
    const sig = await this.#init.privateKey.sign(body)
    await framed.send(encodeAnswer(body, sig))
    await framed.close()
    this.answered++
    log('answered %s from %s with %d result(s)', request.browse === true ? 'a browse' : 'a search', connection.remotePeer, results.length)
  }
}
