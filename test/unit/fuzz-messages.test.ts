/**
 * Property and fuzz tests of the chunk-exchange wire decoders (messages.ts) and the frame decoder
 * (framing.ts): any input either decodes to a message that passes the decoder again unchanged, or
 * is refused with a ProtocolError, never another error. Frames over the cap are refused before
 * they are buffered.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import * as dagCbor from '@ipld/dag-cbor'
import * as varint from 'uint8-varint'
import { ProtocolError } from '../../node-core/src/errors.ts'
import { ERROR_CODES, MAX_PEX_PEERS } from '../../node-core/src/protocol/constants.ts'
import { FramedStream } from '../../node-core/src/protocol/framing.ts'
import { decodeClientMessage, decodeServerMessage, encodeMessage } from '../../node-core/src/protocol/messages.ts'
import type { ClientMessage, ServerMessage } from '../../node-core/src/protocol/messages.ts'
import type { Stream } from '@libp2p/interface'
import { cborInteger, cborValue, mutatedBytes } from '../helpers/arbitraries.ts'
import { assertTypedError, fuzzParams, typedOrResult } from '../helpers/fuzz.ts'

const index = fc.nat({ max: Number.MAX_SAFE_INTEGER })
const address = fc.string({ maxLength: 80 })

const clientMessage: fc.Arbitrary<ClientMessage> = fc.oneof(
  fc.record({ t: fc.constant('hello' as const), share: fc.string({ maxLength: 256 }) }),
  fc.record({ t: fc.constant('manifest' as const), offset: index }),
  fc.record({ t: fc.constant('request' as const), index }),
  fc.record({ t: fc.constant('cancel' as const), index })
).map(m => ({ ...m })) // plain objects, as the decoder returns

const serverMessage: fc.Arbitrary<ServerMessage> = fc.oneof(
  fc.record({ t: fc.constant('welcome' as const), manifestSize: index, have: fc.uint8Array({ maxLength: 64 }), peers: fc.array(address, { maxLength: MAX_PEX_PEERS }) }),
  fc.record({ t: fc.constant('manifest-piece' as const), offset: index, data: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ t: fc.constant('block' as const), index, data: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ t: fc.constant('have' as const), index }),
  fc.record({ t: fc.constant('peers' as const), peers: fc.array(address, { maxLength: MAX_PEX_PEERS }) }),
  fc.record({ t: fc.constant('error' as const), code: fc.constantFrom(...ERROR_CODES), index, message: fc.string({ maxLength: 1024 }) }, { requiredKeys: ['t', 'code'] })
).map(m => ({ ...m }))

const FIELDS = ['t', 'share', 'offset', 'index', 'manifestSize', 'have', 'peers', 'data', 'code', 'message', 'extra']
const TYPES = ['hello', 'manifest', 'request', 'cancel', 'welcome', 'manifest-piece', 'block', 'have', 'peers', 'error', 'HELLO', '']

/** A map shaped like a message, each field valid-looking or hostile (wrong type, negative, huge, bigint). */
const messageLike: fc.Arbitrary<Uint8Array> = fc.record({
  t: fc.oneof(fc.constantFrom(...TYPES), cborValue),
  fields: fc.dictionary(fc.constantFrom(...FIELDS.slice(1)), fc.oneof(cborInteger, cborValue, fc.array(address, { maxLength: 40 }), fc.constantFrom(...ERROR_CODES)), { maxKeys: 4 })
}).map(({ t, fields }) => dagCbor.encode({ ...fields, t } as never))

const anyBytes = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  messageLike,
  mutatedBytes(fc.oneof(clientMessage, serverMessage).map(m => encodeMessage(m)))
)

describe('fuzz: protocol message decoders', () => {
  it('round-trips every valid message', () => {
    fc.assert(fc.property(clientMessage, m => { assert.deepEqual(decodeClientMessage(encodeMessage(m)), m) }), fuzzParams())
    fc.assert(fc.property(serverMessage, m => { assert.deepEqual(decodeServerMessage(encodeMessage(m)), m) }), fuzzParams())
  })

  it('decodes any bytes to a valid message or refuses them with a ProtocolError', () => {
    fc.assert(fc.property(anyBytes, bytes => {
      const c = typedOrResult(() => decodeClientMessage(bytes), ProtocolError)
      if (c !== undefined) assert.deepEqual(decodeClientMessage(encodeMessage(c)), c, 'a decoded message passes the decoder again')
      const s = typedOrResult(() => decodeServerMessage(bytes), ProtocolError)
      if (s !== undefined) assert.deepEqual(decodeServerMessage(encodeMessage(s)), s, 'a decoded message passes the decoder again')
    }), fuzzParams())
  })

  it('refuses indices that are negative, fractional, huge or not numbers', () => {
    const bad = fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true }), cborInteger.filter(v => typeof v === 'bigint'), fc.string(), fc.constant(null))
    fc.assert(fc.property(fc.constantFrom('request', 'cancel', 'have'), bad, (t, value) => {
      const bytes = dagCbor.encode({ t, index: value } as never)
      const decode = t === 'have' ? decodeServerMessage : decodeClientMessage
      assert.throws(() => decode(bytes), ProtocolError)
    }), fuzzParams())
  })

  it('regression: a bigint type tag or error code is refused with a ProtocolError (was a TypeError from JSON.stringify)', () => {
    for (const v of [{ t: 2n ** 60n }, { t: 'error', code: 2n ** 60n }]) {
      assert.throws(() => decodeServerMessage(dagCbor.encode(v)), ProtocolError)
      assert.throws(() => decodeClientMessage(dagCbor.encode(v)), ProtocolError)
    }
  })

  it('regression: CBOR headers announcing huge arrays, maps or strings are refused without allocating them', () => {
    const huge = [
      Uint8Array.of(0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), // array of 2^64-1 items
      Uint8Array.of(0xbb, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00), // map of 2^32 entries
      Uint8Array.of(0x5b, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00), // byte string of 1 TiB
      Uint8Array.of(0x7b, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00), // text string of 64 GiB
      Uint8Array.of(0xa1, 0x61, 0x74, 0x9a, 0xff, 0xff, 0xff, 0xff), // { t: array of 2^32-1 }
      new Uint8Array(10_000).fill(0x81) // 10,000 nested arrays
    ]
    for (const bytes of huge) {
      assert.throws(() => decodeClientMessage(bytes), ProtocolError)
      assert.throws(() => decodeServerMessage(bytes), ProtocolError)
    }
  })
})

/** A byte source standing in for the remote end of a stream: FramedStream only iterates it. */
function byteSource (chunks: Uint8Array[]): Stream {
  return { async * [Symbol.asyncIterator] () { for (const c of chunks) yield c } } as unknown as Stream
}

async function readFrames (chunks: Uint8Array[], cap: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const frame of new FramedStream(byteSource(chunks), cap).frames()) out.push(frame)
  return out
}

function frame (payload: Uint8Array): Uint8Array {
  const prefix = varint.encode(payload.length)
  const out = new Uint8Array(prefix.length + payload.length)
  out.set(prefix)
  out.set(payload, prefix.length)
  return out
}

/** Cuts `bytes` at the given points (any order, any values). */
function split (bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map(c => bytes.length === 0 ? 0 : c % bytes.length))].sort((a, b) => a - b)
  const out: Uint8Array[] = []
  let from = 0
  for (const p of points) { out.push(bytes.subarray(from, p)); from = p }
  out.push(bytes.subarray(from))
  return out.filter(c => c.length > 0)
}

describe('fuzz: frame decoder', () => {
  it('yields exactly the frames sent, however the bytes are split', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), async (payloads, cuts) => {
      const all = Buffer.concat(payloads.map(frame))
      const got = await readFrames(split(all, cuts), 1024)
      assert.deepEqual(got.map(f => Buffer.from(f)), payloads.map(p => Buffer.from(p)))
    }), fuzzParams())
  })

  it('refuses any byte stream it cannot frame with a ProtocolError, never yielding a frame over the cap', async () => {
    const cap = 256
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(), { maxLength: 10 }), async (bytes, cuts) => {
      try {
        for (const f of await readFrames(split(bytes, cuts), cap)) assert.ok(f.length <= cap)
      } catch (err) {
        assertTypedError(err, ProtocolError)
      }
    }), fuzzParams())
  })

  it('regression: a length prefix over the cap, or a prefix that never ends, fails before buffering', async () => {
    for (const chunks of [
      [varint.encode(2 ** 40)], // announces a terabyte
      [Uint8Array.of(0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01)], // an 11-byte varint
      [frame(Uint8Array.of(1, 2, 3)).subarray(0, 3)], // the stream ends inside a frame
      Array.from({ length: 200 }, () => new Uint8Array(1024).fill(0x80)) // a varint that never ends
    ]) {
      await assert.rejects(readFrames(chunks, 16 * 1024), ProtocolError)
    }
  })
})
