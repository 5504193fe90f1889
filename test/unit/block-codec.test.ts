/**
 * The BLOCK message's own encoder and decoder (messages.ts), which carry a chunk without copying
 * it: they must produce and accept exactly the canonical dag-cbor bytes of
 * { t: 'block', index, data }, whatever pieces the frame arrived in, and leave every other
 * encoding to the general decoder.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import * as dagCbor from '@ipld/dag-cbor'
import { Uint8ArrayList } from 'uint8arraylist'
import { ProtocolError } from '../../node-core/src/errors.ts'
import { decodeServerMessage, encodeBlock } from '../../node-core/src/protocol/messages.ts'
import { fuzzParams } from '../helpers/fuzz.ts'

/** Every length where CBOR changes the size of its head, and either side of it. */
const EDGES = [0, 1, 23, 24, 25, 255, 256, 257, 65535, 65536, 65537, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER]
const index = fc.oneof(fc.constantFrom(...EDGES), fc.nat({ max: Number.MAX_SAFE_INTEGER }))
const length = fc.oneof(fc.constantFrom(0, 1, 23, 24, 255, 256, 65535, 65536, 70000), fc.nat({ max: 3000 }))

/** Cuts `bytes` into pieces at the given points. */
function pieces (bytes: Uint8Array, cuts: number[]): Uint8ArrayList {
  const points = [...new Set(cuts.map(c => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const list = new Uint8ArrayList()
  let from = 0
  for (const p of [...points, bytes.length]) { if (p > from) list.append(bytes.subarray(from, p)); from = Math.max(from, p) }
  return list
}

function bytesOf (data: Uint8Array | Uint8ArrayList): Buffer {
  return Buffer.from(data instanceof Uint8Array ? data : data.subarray())
}

describe('BLOCK codec', () => {
  it('encodes byte for byte what dag-cbor encodes', () => {
    fc.assert(fc.property(index, length, (i, n) => {
      const data = new Uint8Array(n).map((_, k) => k * 7)
      assert.deepEqual(Buffer.from(encodeBlock(i, data).subarray()), Buffer.from(dagCbor.encode({ t: 'block', index: i, data })))
    }), fuzzParams())
  })

  it('decodes a BLOCK split into any pieces, the chunk bytes as views into them (not copied)', () => {
    fc.assert(fc.property(index, length, fc.array(fc.nat(), { maxLength: 12 }), (i, n, cuts) => {
      const data = new Uint8Array(n).map((_, k) => k * 13)
      const encoded = dagCbor.encode({ t: 'block', index: i, data })
      const frame = pieces(encoded, cuts)
      const m = decodeServerMessage(frame)
      assert.equal(m.t, 'block')
      if (m.t !== 'block') return
      assert.equal(m.index, i)
      assert.deepEqual(bytesOf(m.data), Buffer.from(data))
      if (n > 0) {
        // A view, not a copy: a byte changed in the received frame shows in the decoded chunk.
        const at = encoded.length - n - 1 - (i < 24 ? 1 : i < 256 ? 2 : i < 65536 ? 3 : i < 2 ** 32 ? 5 : 9) - 5
        encoded[at] = encoded[at]! ^ 0xff
        assert.equal(bytesOf(m.data)[0], data[0]! ^ 0xff)
      }
    }), fuzzParams())
  })

  it('leaves other encodings to the general decoder: non-minimal lengths, extra bytes, other key orders', () => {
    const data = Uint8Array.of(1, 2, 3)
    const canonical = dagCbor.encode({ t: 'block', index: 5, data })
    const head = canonical.subarray(0, canonical.length - 1 - 3 - 6) // up to the byte-string head
    const variants = [
      // index 5 written as a 2-byte integer: not canonical
      Buffer.concat([canonical.subarray(0, canonical.length - 1), Uint8Array.of(0x19, 0x00, 0x05)]),
      // data length 3 written as a 1-byte length: not canonical
      Buffer.concat([head, Uint8Array.of(0x58, 0x03), data, canonical.subarray(canonical.length - 7)]),
      // a byte after the message
      Buffer.concat([canonical, Uint8Array.of(0x00)]),
      // cut short
      canonical.subarray(0, canonical.length - 1)
    ]
    for (const bytes of variants) {
      assert.throws(() => decodeServerMessage(new Uint8ArrayList(bytes)), ProtocolError)
      assert.throws(() => decodeServerMessage(bytes), ProtocolError)
    }
  })

  it('takes for a BLOCK only a frame with its type and keys, not one of the same shape with another name', () => {
    const data = Uint8Array.of(1, 2, 3)
    const look = (m: Record<string, unknown>): unknown => {
      try { return decodeServerMessage(new Uint8ArrayList(dagCbor.encode(m))) } catch (err) { return (err as Error).message }
    }
    // Same lengths as 't', 'block', 'data' and 'index', so every byte but one is where a BLOCK has it.
    assert.equal(look({ t: 'blocc', index: 5, data }), 'unknown message type "blocc"')
    assert.equal(look({ t: 'block', indey: 5, data }), 'unexpected field "indey" in block message')
  })
})
