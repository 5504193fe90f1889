import * as dagCbor from '@ipld/dag-cbor'
import { Uint8ArrayList } from 'uint8arraylist'
import { ProtocolError } from '../errors.ts'
import { ERROR_CODES, MAX_PEX_PEERS } from './constants.ts'
import type { ErrorCode } from './constants.ts'
import type { ChunkBytes } from '../storage/file-handles.ts'

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
  | { readonly t: 'block', readonly index: number, readonly data: ChunkBytes }
  | { readonly t: 'have', readonly index: number }
  | { readonly t: 'peers', readonly peers: readonly string[] }
  /** `peers`: a `busy` refusal of a session may name other members of the swarm to try instead. */
  | { readonly t: 'error', readonly code: ErrorCode, readonly index?: number, readonly message?: string, readonly peers?: readonly string[] }

export function encodeMessage (message: ClientMessage | ServerMessage): Uint8Array {
  return dagCbor.encode(message)
}

// BLOCK carries the chunk bytes, so it has its own encoder and decoder that never copy them: the
// canonical dag-cbor of { t: 'block', index, data } is fixed apart from two lengths (keys are in
// dag-cbor order, shortest first: "t", "data", "index"), so its envelope is built and parsed here
// byte for byte, and the chunk travels as a view into the stream's buffers. Both produce and accept
// exactly dagCbor.encode's bytes (test/unit/block-codec.test.ts); any other encoding goes through
// the general decoder.
const utf8 = (s: string): number[] => [...new TextEncoder().encode(s)]
const BLOCK_HEAD = Uint8Array.from([0xa3, 0x61, ...utf8('t'), 0x65, ...utf8('block'), 0x64, ...utf8('data')])
const INDEX_KEY = Uint8Array.from([0x65, ...utf8('index')])

/** A CBOR head (major type + minimal-length argument). */
function cborHead (major: number, n: number): Uint8Array {
  const m = major << 5
  if (n < 24) return Uint8Array.of(m | n)
  if (n < 0x100) return Uint8Array.of(m | 24, n)
  if (n < 0x10000) return Uint8Array.of(m | 25, n >> 8, n & 0xff)
  const out = new Uint8Array(n < 0x100000000 ? 5 : 9)
  const view = new DataView(out.buffer)
  if (out.length === 5) { out[0] = m | 26; view.setUint32(1, n) } else { out[0] = m | 27; view.setBigUint64(1, BigInt(n)) }
  return out
}

/** Reads a minimal-length CBOR head of `major` at `at`, or null (anything else: not our fast path). */
function readHead (bytes: Uint8ArrayList, at: number, major: number): { value: number, next: number } | null {
  if (at >= bytes.byteLength) return null
  const first = bytes.get(at)
  if (first >> 5 !== major) return null
  const info = first & 31
  if (info < 24) return { value: info, next: at + 1 }
  const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0
  if (size === 0 || at + 1 + size > bytes.byteLength) return null
  let value = 0
  for (let i = 1; i <= size; i++) value = value * 256 + bytes.get(at + i)
  const minimal = size === 1 ? 24 : size === 2 ? 0x100 : size === 4 ? 0x10000 : 0x100000000
  if (value < minimal || !Number.isSafeInteger(value)) return null
  return { value, next: at + 1 + size }
}

/** A BLOCK message as the pieces of its frame, the chunk bytes not copied. */
export function encodeBlock (index: number, data: Uint8Array): Uint8ArrayList {
  const head = new Uint8Array(BLOCK_HEAD.length + 9)
  head.set(BLOCK_HEAD)
  const length = cborHead(2, data.byteLength)
  head.set(length, BLOCK_HEAD.length)
  const tail = new Uint8Array(INDEX_KEY.length + 9)
  tail.set(INDEX_KEY)
  const indexHead = cborHead(0, index)
  tail.set(indexHead, INDEX_KEY.length)
  return new Uint8ArrayList(head.subarray(0, BLOCK_HEAD.length + length.length), data, tail.subarray(0, INDEX_KEY.length + indexHead.length))
}

/**
 * Parses a frame that is exactly the canonical encoding of a BLOCK: its index and where its chunk
 * bytes are; null for anything else.
 */
function parseBlock (frame: Uint8ArrayList): { index: number, start: number, end: number } | null {
  if (frame.byteLength < BLOCK_HEAD.length) return null
  for (let i = 0; i < BLOCK_HEAD.length; i++) if (frame.get(i) !== BLOCK_HEAD[i]) return null
  const length = readHead(frame, BLOCK_HEAD.length, 2)
  if (length == null) return null
  const end = length.next + length.value
  if (end + INDEX_KEY.length > frame.byteLength) return null
  for (let i = 0; i < INDEX_KEY.length; i++) if (frame.get(end + i) !== INDEX_KEY[i]) return null
  const index = readHead(frame, end + INDEX_KEY.length, 0)
  if (index == null || index.next !== frame.byteLength) return null
  return { index: index.value, start: length.next, end }
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

/** Decodes one frame from a server; a BLOCK's chunk bytes stay views into `frame`. */
export function decodeServerMessage (frame: Uint8Array | Uint8ArrayList): ServerMessage {
  const list = frame instanceof Uint8Array ? new Uint8ArrayList(frame) : frame
  const block = parseBlock(list)
  if (block != null) {
    const data = frame instanceof Uint8Array ? frame.subarray(block.start, block.end) : frame.sublist(block.start, block.end)
    return { t: 'block', index: block.index, data }
  }
  const m = decodeMap(list.subarray())
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
      keys(m, ['t', 'code', 'index', 'message', 'peers'])
      if (!(ERROR_CODES as readonly unknown[]).includes(m.code)) throw new ProtocolError(`unknown error code ${describe(m.code)}`)
      if (m.message !== undefined && (typeof m.message !== 'string' || m.message.length > 1024)) throw new ProtocolError('field "message" must be a short string')
      return {
        t: 'error',
        code: m.code as ErrorCode,
        ...(m.index !== undefined ? { index: index(m, 'index') } : {}),
        ...(m.message !== undefined ? { message: m.message as string } : {}),
        ...(m.peers !== undefined ? { peers: peerList(m) } : {})
      }
    }
    default: throw new ProtocolError(`unknown message type ${describe(m.t)}`)
  }
}
