import * as dagCbor from '@ipld/dag-cbor'
import { ProtocolError } from '../errors.ts'
import { ERROR_CODES, MAX_PEX_PEERS } from './constants.ts'
import type { ErrorCode } from './constants.ts'

/**
 * Chunk-exchange messages: dag-cbor maps with a type tag `t`. Downloader ("client") to server:
 * HELLO, MANIFEST (piece request), REQUEST, CANCEL. Server to downloader: WELCOME, MANIFEST_PIECE,
 * BLOCK, HAVE, PEERS, ERROR. Each decoder validates every field; anything else is a ProtocolError.
 */
export type ClientMessage =
  | { readonly t: 'hello', readonly share: string }
  | { readonly t: 'manifest', readonly offset: number }
  | { readonly t: 'request', readonly index: number }
  | { readonly t: 'cancel', readonly index: number }

export type ServerMessage =
  | { readonly t: 'welcome', readonly manifestSize: number, readonly have: Uint8Array, readonly peers: readonly string[] }
  | { readonly t: 'manifest-piece', readonly offset: number, readonly data: Uint8Array }
  | { readonly t: 'block', readonly index: number, readonly data: Uint8Array }
  | { readonly t: 'have', readonly index: number }
  | { readonly t: 'peers', readonly peers: readonly string[] }
  | { readonly t: 'error', readonly code: ErrorCode, readonly index?: number, readonly message?: string }

export function encodeMessage (message: ClientMessage | ServerMessage): Uint8Array {
  return dagCbor.encode(message)
}

/** Describes an untrusted value for an error message: a short quoted string, or just its type. */
function describe (v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v)
  return v instanceof Uint8Array ? 'bytes' : Array.isArray(v) ? 'a list' : typeof v
}

function decodeMap (bytes: Uint8Array): Record<string, unknown> {
  let value: unknown
  try {
    value = dagCbor.decode(bytes)
  } catch (err) {
    throw new ProtocolError(`undecodable message: ${(err as Error).message}`, { cause: err })
  }
  if (value == null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    throw new ProtocolError('message is not a map')
  }
  return value as Record<string, unknown>
}

function keys (m: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(m)) {
    if (!allowed.includes(k)) throw new ProtocolError(`unexpected field "${k}" in ${String(m.t)} message`)
  }
}

function index (m: Record<string, unknown>, field: string): number {
  const v = m[field]
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ProtocolError(`field "${field}" must be a non-negative integer`)
  return v
}

function bytes (m: Record<string, unknown>, field: string): Uint8Array {
  const v = m[field]
  if (!(v instanceof Uint8Array)) throw new ProtocolError(`field "${field}" must be bytes`)
  return v
}

function peerList (m: Record<string, unknown>): string[] {
  const v = m.peers
  if (!Array.isArray(v) || v.length > MAX_PEX_PEERS) throw new ProtocolError(`field "peers" must be a list of at most ${MAX_PEX_PEERS} addresses`)
  for (const p of v) {
    if (typeof p !== 'string' || p.length > 512) throw new ProtocolError('peer address must be a string of at most 512 characters')
  }
  return v as string[]
}

export function decodeClientMessage (data: Uint8Array): ClientMessage {
  const m = decodeMap(data)
  switch (m.t) {
    case 'hello': {
      keys(m, ['t', 'share'])
      if (typeof m.share !== 'string' || m.share.length > 256) throw new ProtocolError('field "share" must be a share ID')
      return { t: 'hello', share: m.share }
    }
    case 'manifest': keys(m, ['t', 'offset']); return { t: 'manifest', offset: index(m, 'offset') }
    case 'request': keys(m, ['t', 'index']); return { t: 'request', index: index(m, 'index') }
    case 'cancel': keys(m, ['t', 'index']); return { t: 'cancel', index: index(m, 'index') }
    default: throw new ProtocolError(`unknown message type ${describe(m.t)}`)
  }
}

export function decodeServerMessage (data: Uint8Array): ServerMessage {
  const m = decodeMap(data)
  switch (m.t) {
    case 'welcome':
      keys(m, ['t', 'manifestSize', 'have', 'peers'])
      return { t: 'welcome', manifestSize: index(m, 'manifestSize'), have: bytes(m, 'have'), peers: peerList(m) }
    case 'manifest-piece':
      keys(m, ['t', 'offset', 'data'])
      return { t: 'manifest-piece', offset: index(m, 'offset'), data: bytes(m, 'data') }
    case 'block':
      keys(m, ['t', 'index', 'data'])
      return { t: 'block', index: index(m, 'index'), data: bytes(m, 'data') }
    case 'have': keys(m, ['t', 'index']); return { t: 'have', index: index(m, 'index') }
    case 'peers': keys(m, ['t', 'peers']); return { t: 'peers', peers: peerList(m) }
    case 'error': {
      keys(m, ['t', 'code', 'index', 'message'])
      if (!(ERROR_CODES as readonly unknown[]).includes(m.code)) throw new ProtocolError(`unknown error code ${describe(m.code)}`)
      if (m.message !== undefined && (typeof m.message !== 'string' || m.message.length > 1024)) throw new ProtocolError('field "message" must be a short string')
      return {
        t: 'error',
        code: m.code as ErrorCode,
        ...(m.index !== undefined ? { index: index(m, 'index') } : {}),
        ...(m.message !== undefined ? { message: m.message as string } : {})
      }
    }
    default: throw new ProtocolError(`unknown message type ${describe(m.t)}`)
  }
}
