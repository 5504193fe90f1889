/**
 * The asker side of search: looks up the providers of the query's rarest keywords on the DHT
 * (rarity guessed by length: longer words are rarer; the two longest are looked up at once), asks
 * each provider over `/swarmdrop/search/1.0.0` (a few at a time), checks each answer (signature by
 * the provider's key, caps, every query keyword in the name or a file shown), merges the results
 * by share ID and streams them: a result comes again whenever another peer turns out to hold it.
 * Ranking: query keywords in the share's name, then holders.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { InvalidArgumentError, ProtocolError } from '../errors.ts'
import { formatLink } from '../link/link.ts'
import { logger } from '../log/logger.ts'
import { FramedStream } from '../protocol/framing.ts'
import { keywordKey, queryKeywords } from './keywords.ts'
import { summaryMatches } from './match.ts'
import { decodeAnswer, decodeBody, encodeRequest, MAX_ANSWER_BYTES, MAX_RESULTS_PER_ANSWER, SEARCH_PROTOCOL } from './wire.ts'
import type { Connection, PeerId } from '@libp2p/interface'
import type { Provider } from '../net/share-routing.ts'
import type { ResultSummary, SearchRequest } from './wire.ts'
import type { SearchResult } from '../contract/index.ts'

const log = logger('swarmdrop:search')

/** Keywords whose providers are looked up per search. */
export const LOOKUP_KEYWORDS = 2
/** Providers asked per search at most. */
export const MAX_PEERS_ASKED = 64
/** Providers asked at once. */
export const ASK_CONCURRENCY = 6
/** Time for one provider to answer (dial included). */
export const ASK_TIMEOUT_MS = 10_000
/** Distinct results kept per search (merging stops adding new shares past it). */
export const MAX_RESULTS = 500
/** Holders' addresses put in a result's link. */
const LINK_PEERS = 4

/** The part of the libp2p node an asker uses. */
export interface AskerNode {
  readonly peerId: PeerId
  dial (peer: PeerId | ReturnType<typeof multiaddr>, options?: { signal?: AbortSignal }): Promise<Connection>
}

/** The part of share routing a search uses: providers of a key. */
export interface KeywordRouting {
  find (key: string, options: { signal?: AbortSignal }): AsyncIterable<Provider>
}

/** One peer's checked answer. */
export interface PeerAnswer {
  readonly peerId: string
  /** The address we reached it at (ends in /p2p/<id>), if known. */
  readonly address: string | null
  readonly results: readonly ResultSummary[]
  /** Results dropped: malformed, or not matching the query by what they showed. */
  readonly dropped: number
}

function withPeer (addr: string, peerId: string): string {
  return addr.endsWith(`/p2p/${peerId}`) ? addr : `${addr}/p2p/${peerId}`
}

/**
 * Asks one peer (at `address`, or by its ID) for its matches of `request` (or its discoverable
 * shares, for a browse); checks the signature and the caps. Throws a ProtocolError for a broken
 * answer, and whatever the dial throws.
 */
export async function askPeer (node: AskerNode, peerId: string, address: string | null, request: SearchRequest, signal: AbortSignal): Promise<PeerAnswer> {
  const id = peerIdFromString(peerId)
  const connection = await node.dial(address != null ? multiaddr(address) : id, { signal })
  const stream = await connection.newStream(SEARCH_PROTOCOL, { signal })
  const framed = new FramedStream(stream, MAX_ANSWER_BYTES)
  const onAbort = (): void => { framed.abort(new ProtocolError('no search answer in time')) }
  signal.addEventListener('abort', onAbort, { once: true })
  let frame: Uint8Array | undefined
  try {
    await framed.send(encodeRequest(request))
    await stream.close() // our side is done: the responder reads one request
    for await (const f of framed.frames()) { frame = f; break }
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
  if (frame == null) throw new ProtocolError('the peer closed the stream without an answer')
  const { body, sig } = decodeAnswer(frame)
  const key = connection.remotePeer.publicKey ?? id.publicKey
  if (key == null || !(await key.verify(body, sig))) throw new ProtocolError('the search answer is not signed by the peer')
  const summaries = decodeBody(body, request.browse === true ? '' : request.query, request.limit)
  const wanted = request.browse === true ? [] : queryKeywords(request.query)
  const results = summaries.filter(r => summaryMatches(wanted, r.name, r.matchingFiles).all === wanted.length)
  const remote = connection.remoteAddr.toString()
  return { peerId, address: remote.includes('/p2p-circuit') || remote === '' ? null : withPeer(remote, peerId), results, dropped: (summaries.length - results.length) }
}

/** A share found by a search, merged over every peer that holds it (the contract's SearchResult). */
export type MergedResult = SearchResult

/** Best first: keyword matches in the name, then holders, then name. */
export function rankResults (results: readonly MergedResult[]): MergedResult[] {
  return [...results].sort((a, b) => b.keywordMatches - a.keywordMatches || b.holders.length - a.holders.length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/** Merges answers by share ID; the first summary seen names the share. */
export class ResultMerger {
  readonly #query: readonly string[]
  readonly #byId = new Map<string, { summary: ResultSummary, holders: Map<string, string | null> }>()

  constructor (query: readonly string[]) { this.#query = query }

  get size (): number { return this.#byId.size }

  /** Adds one peer's answer; returns the results that are new or gained a holder. */
  add (answer: PeerAnswer): MergedResult[] {
    const changed: MergedResult[] = []
    for (const summary of answer.results) {
      let entry = this.#byId.get(summary.shareId)
      if (entry == null) {
        if (this.#byId.size >= MAX_RESULTS) continue
        this.#byId.set(summary.shareId, entry = { summary, holders: new Map() })
      }
      if (entry.holders.has(answer.peerId)) continue
      entry.holders.set(answer.peerId, answer.address)
      changed.push(this.#merged(entry))
    }
    return changed
  }

  results (): MergedResult[] {
    return rankResults([...this.#byId.values()].map(e => this.#merged(e)))
  }

  #merged (entry: { summary: ResultSummary, holders: Map<string, string | null> }): MergedResult {
    const s = entry.summary
    const peers = [...entry.holders.values()].filter(a => a != null).slice(0, LINK_PEERS)
    let link = `swarmdrop://${s.shareId}`
    try { link = formatLink({ shareId: s.shareId, size: s.size, peers }) } catch (err) { log('no hints in the link of %s: %s', s.shareId, err) }
    return { ...s, keywordMatches: summaryMatches(this.#query, s.name, []).inName, holders: [...entry.holders.keys()], link }
  }
}

export interface SearchSummary {
  readonly results: number
  readonly peersAsked: number
  readonly peersAnswered: number
  readonly ms: number
}

export interface SearchInit {
  readonly node: AskerNode
  /** Null when the DHT is off: only `extraPeers` are asked. */
  readonly routing: KeywordRouting | null
  /** Peers asked besides the providers found (for instance the connected LAN peers). */
  readonly extraPeers?: readonly string[]
  /** A peer not to ask (shut out), checked before each ask. */
  skip? (peerId: string): boolean
  /** A peer's answer was broken: `why` says how. */
  onBadPeer? (peerId: string, why: string): void
}

/** Runs one search; `onResult` gets each new or changed result as answers arrive. */
export async function runSearch (init: SearchInit, query: string, signal: AbortSignal, onResult: (r: MergedResult) => void): Promise<SearchSummary> {
  const started = performance.now()
  const words = queryKeywords(query)
  if (words.length === 0) throw new InvalidArgumentError('the query has no keyword (words of two letters or more, not stop-words)')
  const request: SearchRequest = { query, limit: MAX_RESULTS_PER_ANSWER }
  const merger = new ResultMerger(words)
  const selfId = init.node.peerId.toString()
  const queued = new Map<string, string | null>()
  const waiting: string[] = []
  let asked = 0
  let answered = 0
  let running = 0
  let lookupsDone = false
  let wake: (() => void) | null = null
  const offer = (peerId: string, address: string | null): void => {
    if (peerId === selfId || queued.has(peerId) || queued.size >= MAX_PEERS_ASKED) return
    queued.set(peerId, address)
    waiting.push(peerId)
    wake?.()
  }
  for (const p of init.extraPeers ?? []) offer(p, null)
  const lookups = init.routing == null
    ? Promise.resolve()
    : Promise.all(words.slice(0, LOOKUP_KEYWORDS).map(async word => {
      try {
        for await (const p of init.routing!.find(await keywordKey(word), { signal })) offer(p.peerId, p.addresses.find(a => a.startsWith('/ip')) ?? null)
      } catch (err) {
        if (!signal.aborted) log.warn('looking up keyword %s failed: %s', word, err)
      }
    })).then(() => undefined)
  lookups.finally(() => { lookupsDone = true; wake?.() }).catch(() => {})

  const ask = async (peerId: string): Promise<void> => {
    if (init.skip?.(peerId) === true) return
    asked++
    const timeout = AbortSignal.any([signal, AbortSignal.timeout(ASK_TIMEOUT_MS)])
    try {
      const answer = await askPeer(init.node, peerId, queued.get(peerId) ?? null, request, timeout)
      answered++
      if (answer.dropped > 0) init.onBadPeer?.(peerId, `${answer.dropped} result(s) that do not match the query`)
      for (const r of merger.add(answer)) onResult(r)
    } catch (err) {
      if (err instanceof ProtocolError) init.onBadPeer?.(peerId, err.message)
      log('asking %s failed: %s', peerId, err)
    }
  }
  // A small pool: up to ASK_CONCURRENCY asks at once while the lookups go on finding providers.
  await new Promise<void>(resolve => {
    const pump = (): void => {
      while (running < ASK_CONCURRENCY && waiting.length > 0 && !signal.aborted) {
        const peerId = waiting.shift()!
        running++
        ask(peerId).finally(() => { running--; pump() }).catch(() => {})
      }
      if (running === 0 && (waiting.length === 0 || signal.aborted) && (lookupsDone || signal.aborted)) { wake = null; resolve() }
    }
    wake = pump
    pump()
  })
  return { results: merger.size, peersAsked: asked, peersAnswered: answered, ms: Math.round(performance.now() - started) }
}
