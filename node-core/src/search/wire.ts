/**
 * The search protocol `/swarmdrop/search/1.0.0` (docs/SEARCH.md): the asker opens a stream and
 * sends one length-prefixed dag-cbor REQUEST `{ query, limit }` (or `{ browse: true, limit }` for
 * all of the peer's discoverable shares); the responder sends one ANSWER `{ body, sig }`, where
 * `body` is the dag-cbor of `{ query, results }` and `sig` the responder's signature of `body` with
 * its peer key, and closes. Each decoder checks every field and cap; anything else is a ProtocolError.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { displayText } from '../contract/display-text.ts'
import { ProtocolError } from '../errors.ts'
import { isShareId } from '../link/link.ts'
import { MAX_QUERY_LENGTH } from './keywords.ts'
import { MAX_MATCHING_FILES } from './match.ts'

export const SEARCH_PROTOCOL = '/swarmdrop/search/1.0.0'
/** Results one answer carries at most (a browse too). */
export const MAX_RESULTS_PER_ANSWER = 50
/** Largest REQUEST frame a responder reads. */
export const MAX_REQUEST_BYTES = 1024
/** Largest ANSWER frame an asker reads: 50 results of 10 file names of up to 512 characters fit. */
export const MAX_ANSWER_BYTES = 512 * 1024
/** A share's name in a result, at most (characters). */
export const MAX_NAME_LENGTH = 255
/** A matching file's path in a result, at most (characters). */
export const MAX_PATH_LENGTH = 512

export interface SearchRequest {
  readonly query: string
  readonly limit: number
  readonly browse?: boolean
}

/** One share in an answer, as the responder describes it (the asker checks the share ID against the manifest when it downloads). */
export interface ResultSummary {
  readonly shareId: string
  readonly name: string
  readonly size: number
  readonly fileCount: number
  readonly matchingFiles: readonly string[]
}

export interface AnswerBody {
  readonly query: string
  readonly results: readonly ResultSummary[]
}

export function encodeRequest (request: SearchRequest): Uint8Array {
  return dagCbor.encode(request.browse === true ? { browse: true, limit: request.limit, query: '' } : { limit: request.limit, query: request.query })
}

function isRecord (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v != null && !Array.isArray(v) && !(v instanceof Uint8Array)
}

function decodeCbor (bytes: Uint8Array, what: string): unknown {
  try {
    return dagCbor.decode(bytes)
  } catch (err) {
    throw new ProtocolError(`${what} is not dag-cbor: ${(err as Error).message}`, { cause: err })
  }
}

export function decodeRequest (bytes: Uint8Array): SearchRequest {
  const m = decodeCbor(bytes, 'a search request')
  if (!isRecord(m)) throw new ProtocolError('a search request must be a map')
  const { query, limit, browse } = m
  if (typeof query !== 'string' || query.length > MAX_QUERY_LENGTH) throw new ProtocolError('a search request needs a query of at most 256 characters')
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) throw new ProtocolError('a search request needs a limit >= 1')
  if (browse !== undefined && browse !== true) throw new ProtocolError('browse must be true or absent')
  return { query, limit: Math.min(limit, MAX_RESULTS_PER_ANSWER), ...(browse === true ? { browse } : {}) }
}

/** Sanitises and bounds a summary: what the responder sends, and what the asker keeps of what it got. */
export function cleanSummary (s: ResultSummary): ResultSummary {
  return {
    shareId: s.shareId,
    name: displayText(s.name, MAX_NAME_LENGTH),
    size: s.size,
    fileCount: s.fileCount,
    matchingFiles: s.matchingFiles.slice(0, MAX_MATCHING_FILES).map(p => displayText(p, MAX_PATH_LENGTH))
  }
}

export function encodeBody (body: AnswerBody): Uint8Array {
  return dagCbor.encode({ query: body.query, results: body.results.map(r => ({ ...r, matchingFiles: [...r.matchingFiles] })) })
}

export function encodeAnswer (body: Uint8Array, sig: Uint8Array): Uint8Array {
  return dagCbor.encode({ body, sig })
}

/** Splits an ANSWER frame into its signed body bytes and signature (checked by the caller before decodeBody). */
export function decodeAnswer (bytes: Uint8Array): { body: Uint8Array, sig: Uint8Array } {
  const m = decodeCbor(bytes, 'a search answer')
  if (!isRecord(m) || !(m.body instanceof Uint8Array) || !(m.sig instanceof Uint8Array)) throw new ProtocolError('a search answer must be { body: bytes, sig: bytes }')
  if (m.sig.byteLength > 1024) throw new ProtocolError('a search answer signature is too long')
  return { body: m.body, sig: m.sig }
}

const isId = (v: unknown): v is string => typeof v === 'string' && v.length <= 256 && isShareId(v)

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

/**
 * The results of a signed body. The answer must be for `query`, hold at most `limit` results (and
 * MAX_RESULTS_PER_ANSWER); a result that is not well formed is dropped, not trusted in part.
 */
export function decodeBody (bytes: Uint8Array, query: string, limit: number): ResultSummary[] {
  const m = decodeCbor(bytes, 'a search answer body')
  if (!isRecord(m) || typeof m.query !== 'string' || !Array.isArray(m.results)) throw new ProtocolError('a search answer body must be { query, results }')
  if (m.query !== query) throw new ProtocolError('a search answer for another query')
  if (m.results.length > Math.min(limit, MAX_RESULTS_PER_ANSWER)) throw new ProtocolError(`a search answer of ${m.results.length} results (asked for at most ${limit})`)
  const out: ResultSummary[] = []
  for (const r of m.results as unknown[]) {
    if (!isRecord(r) || !isId(r.shareId) || typeof r.name !== 'string' || !isCount(r.size) || !isCount(r.fileCount) || !Array.isArray(r.matchingFiles)) continue
    if (r.matchingFiles.length > MAX_MATCHING_FILES || !r.matchingFiles.every(p => typeof p === 'string')) continue
    out.push(cleanSummary({ shareId: r.shareId, name: r.name, size: r.size, fileCount: r.fileCount, matchingFiles: r.matchingFiles as string[] }))
  }
  return out
}
