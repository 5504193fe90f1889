/**
 * FramedStream over a real in-memory libp2p stream pair (@libp2p/utils streamPair): what one side
 * sends, the other reads frame for frame; close ends the reader cleanly, abort fails it. And the
 * BLOCK fast path of messages.ts refuses, like the general decoder, what is not exactly a block.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as dagCbor from '@ipld/dag-cbor'
import { streamPair } from '@libp2p/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { ProtocolError } from '../../node-core/src/errors.ts'
import { FramedStream } from '../../node-core/src/protocol/framing.ts'
import { decodeServerMessage, encodeBlock } from '../../node-core/src/protocol/messages.ts'
import type { Stream } from '@libp2p/interface'

const filled = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff)

/** Reads every frame `stream` gets until it ends; rejects as the reader does. */
async function readAll (stream: Stream, cap: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const f of new FramedStream(stream, cap).frames()) out.push(Uint8Array.from(f))
  return out
}

/** A source of the given chunks, as the remote end of a stream (FramedStream only iterates it). */
function byteSource (chunks: Uint8Array[]): Stream {
  return { async * [Symbol.asyncIterator] () { for (const c of chunks) yield c } } as unknown as Stream
}

describe('FramedStream over a stream pair', () => {
  it('delivers what send and sendAll write, in order, bytes and lists alike; close ends the reader cleanly', async () => {
    const [a, b] = await streamPair()
    const sender = new FramedStream(a, 1024 * 1024)
    const reading = readAll(b, 1024 * 1024)
    const sent = [filled(1, 1), filled(1, 2), filled(300, 3), filled(70_000, 4), filled(1024 * 1024, 5)]
    await sender.send(sent[0]!)
    await sender.sendAll([sent[1]!, new Uint8ArrayList(sent[2]!.subarray(0, 100), sent[2]!.subarray(100))])
    await sender.sendAll([sent[3]!, sent[4]!])
    await sender.close()
    assert.deepEqual(await reading, sent)
  })

  it('keeps order under backpressure (a stream that takes one message at a time)', async () => {
    const [a, b] = await streamPair({ capacity: 1, delay: 1 })
    const sender = new FramedStream(a, 64 * 1024)
    const reading = readAll(b, 64 * 1024)
    const sent = Array.from({ length: 50 }, (_, i) => filled(1000 + i, i))
    await Promise.all(sent.map(p => sender.send(p)))
    await sender.close()
    assert.deepEqual(await reading, sent)
  })

  it('abort fails the reader', async () => {
    const [a, b] = await streamPair()
    const sender = new FramedStream(a, 1024)
    const reading = readAll(b, 1024)
    await sender.send(filled(10, 1))
    sender.abort(new Error('bad source'))
    await assert.rejects(reading)
  })

  it('reads frames of exactly the cap, back to back in one large chunk (an honest fast peer never trips the buffer cap)', async () => {
    const cap = 65_534 // prefix 3 bytes: each frame is 65,537 bytes, one more than a feed slice
    const sent = [filled(cap, 1), filled(cap, 2), filled(cap, 3)]
    const [a, b] = await streamPair()
    const reading = readAll(b, cap)
    const sender = new FramedStream(a, cap)
    await sender.sendAll(sent)
    await sender.close()
    assert.deepEqual(await reading, sent)
  })

  it('says what went wrong: a frame over the cap (the decoder\'s error is the cause), or a stream ending inside a frame', async () => {
    await assert.rejects(readAll(byteSource([Uint8Array.of(0x81, 0x08)]), 1000), (err: unknown) => {
      assert.ok(err instanceof ProtocolError)
      assert.match(err.message, /^bad frame: /)
      assert.ok(err.cause instanceof Error)
      return true
    })
    await assert.rejects(readAll(byteSource([Uint8Array.of(5, 1, 2)]), 1000), { name: 'ProtocolError', message: 'stream ended inside a frame (3 bytes left over)' })
  })
})

describe('the BLOCK fast path', () => {
  const data = filled(100, 9)
  it('decodes the canonical encoding, as a list too', () => {
    const bytes = new Uint8ArrayList(encodeBlock(7, data)).subarray()
    assert.deepEqual(bytes, dagCbor.encode({ t: 'block', index: 7, data }))
    const m = decodeServerMessage(bytes)
    assert.equal(m.t, 'block')
    assert.deepEqual(m.t === 'block' ? [m.index, Uint8Array.from(m.data instanceof Uint8Array ? m.data : m.data.subarray())] : null, [7, data])
    for (const index of [0, 23, 24, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
      const list = new Uint8ArrayList(encodeBlock(index, data))
      const got = decodeServerMessage(list)
      assert.equal(got.t === 'block' ? got.index : -1, index)
      const plain = (m: ReturnType<typeof decodeServerMessage>): unknown => m.t === 'block' ? [m.index, Uint8Array.from(m.data instanceof Uint8Array ? m.data : m.data.subarray())] : m
      assert.deepEqual(plain(decodeServerMessage(list.subarray())), plain(decodeServerMessage(dagCbor.encode({ t: 'block', index, data }))))
    }
  })

  it('refuses a block whose fields have the wrong type, like the general decoder', () => {
    const bad: unknown[] = [
      { t: 'block', index: 1, data: 'not bytes' },
      { t: 'block', index: 1, data: [1, 2] },
      { t: 'block', index: 'one', data },
      { t: 'block', index: -1, data },
      { t: 'block', index: 1.5, data },
      { t: 'block', index: 1, data, extra: 0 }
    ]
    for (const v of bad) assert.throws(() => decodeServerMessage(dagCbor.encode(v as never)), { name: 'ProtocolError' }, JSON.stringify(v))
  })

  it('refuses a block cut short anywhere, and one with bytes after it', () => {
    const whole = dagCbor.encode({ t: 'block', index: 300, data })
    for (let n = 0; n < whole.length; n++) {
      assert.throws(() => decodeServerMessage(whole.subarray(0, n)), { name: 'ProtocolError' }, `cut at ${n}`)
    }
    const longer = new Uint8Array(whole.length + 1)
    longer.set(whole)
    assert.throws(() => decodeServerMessage(longer), { name: 'ProtocolError' })
  })

  it('refuses non-minimal lengths and indices (not dag-cbor)', () => {
    // data of 5 bytes with a 1-byte length argument (0x58 0x05) where dag-cbor uses 0x45; index 5 as 0x18 0x05.
    const head = [0xa3, 0x61, 0x74, 0x65, ...new TextEncoder().encode('block'), 0x64, ...new TextEncoder().encode('data')]
    const indexKey = [0x65, ...new TextEncoder().encode('index')]
    const nonMinimalLength = Uint8Array.from([...head, 0x58, 0x05, 1, 2, 3, 4, 5, ...indexKey, 0x05])
    const nonMinimalIndex = Uint8Array.from([...head, 0x45, 1, 2, 3, 4, 5, ...indexKey, 0x18, 0x05])
    const nonMinimal2 = Uint8Array.from([...head, 0x45, 1, 2, 3, 4, 5, ...indexKey, 0x19, 0x00, 0x05])
    const nonMinimal4 = Uint8Array.from([...head, 0x45, 1, 2, 3, 4, 5, ...indexKey, 0x1a, 0x00, 0x00, 0x00, 0x05])
    const nonMinimal8 = Uint8Array.from([...head, 0x45, 1, 2, 3, 4, 5, ...indexKey, 0x1b, 0, 0, 0, 0, 0, 0, 0, 0x05])
    const indefinite = Uint8Array.from([...head, 0x5f, 0x45, 1, 2, 3, 4, 5, 0xff, ...indexKey, 0x05])
    const canonical = Uint8Array.from([...head, 0x45, 1, 2, 3, 4, 5, ...indexKey, 0x05])
    assert.deepEqual(decodeServerMessage(canonical), { t: 'block', index: 5, data: Uint8Array.of(1, 2, 3, 4, 5) })
    for (const bytes of [nonMinimalLength, nonMinimalIndex, nonMinimal2, nonMinimal4, nonMinimal8, indefinite]) {
      assert.throws(() => decodeServerMessage(bytes), { name: 'ProtocolError' })
    }
  })
})
