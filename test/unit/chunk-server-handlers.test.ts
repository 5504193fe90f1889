/**
 * The chunk server's seams: the serving policy (the default shows everything and does nothing
 * else; initial seeding is the other one) and the handler table (every client message type has a
 * handler; an illegal or unknown message is refused as before). Wire checks run between two real
 * libp2p nodes on 127.0.0.1 with a raw framed stream as the downloader, comparing reply bytes.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as dagCbor from '@ipld/dag-cbor'
import { TokenBucket } from '../../node-core/src/bandwidth/token-bucket.ts'
import { ChunkServer } from '../../node-core/src/protocol/chunk-server.ts'
import { CHUNK_PROTOCOL, INITIAL_SEEDING_WINDOW, MAX_SERVER_MESSAGE_BYTES } from '../../node-core/src/protocol/constants.ts'
import { FramedStream } from '../../node-core/src/protocol/framing.ts'
import { decodeServerMessage, encodeMessage } from '../../node-core/src/protocol/messages.ts'
import type { ClientMessage, ServerMessage } from '../../node-core/src/protocol/messages.ts'
import { HANDLERS } from '../../node-core/src/protocol/server/handlers/index.ts'
import { InitialSeedingPolicy } from '../../node-core/src/protocol/server/initial-seeding-policy.ts'
import { ordinaryServing } from '../../node-core/src/protocol/server/serving-policy.ts'
import { Bitfield } from '../../node-core/src/storage/bitfield.ts'
import type { SwarmNode } from '../../node-core/src/net/node.ts'
import type { Manifest } from '../../node-core/src/manifest/types.ts'
import type { ServedShare } from '../../node-core/src/storage/served-share.ts'
import { memoryShare, nodePair } from '../helpers/served-share.ts'

const CHUNKS = 100
const manifest: Manifest = { version: 1, name: 'plain', chunkSize: 65536, files: [{ path: 'plain', size: CHUNKS * 65536 }], hashes: new Uint8Array(CHUNKS * 32) }

describe('serving policy', () => {
  it('the default shows the live bitfield to every session and never tells anything', async () => {
    const share = await memoryShare(manifest)
    const told: number[] = []
    for (const others of [0, 1, 7]) {
      const view = ordinaryServing.open(share, others, { tellHave: i => told.push(i) })
      assert.equal(view.have, share.have.bytes, 'the share\'s own bytes, copied when WELCOME is encoded')
      for (let i = 0; i < CHUNKS; i++) { view.requested(i); view.sent(i) }
      view.cancelled(3)
      view.closed()
    }
    ordinaryServing.stop()
    assert.deepEqual(told, [])
  })

  it('initial seeding: the first session is shown everything, the next a window, and one more chunk per request', async () => {
    const share = await memoryShare(manifest, { initialSeeding: true })
    const policy = new InitialSeedingPolicy()
    try {
      const first = policy.open(share, 0, { tellHave: () => assert.fail('the first session is told nothing') })
      assert.equal(first.have, share.have.bytes)
      const told: number[] = []
      const second = policy.open(share, 1, { tellHave: i => told.push(i) })
      const shown = [...new Bitfield(CHUNKS, second.have).indices()]
      assert.equal(shown.length, INITIAL_SEEDING_WINDOW)
      second.requested(shown[0]!)
      assert.equal(told.length, 1)
      assert.ok(!shown.includes(told[0]!), 'a chunk not shown before')
      second.closed()
    } finally {
      policy.stop()
    }
  })
})

describe('handler table', () => {
  it('has one handler for each client message type', () => {
    const types: Array<ClientMessage['t']> = ['hello', 'manifest', 'request', 'cancel']
    assert.deepEqual(Object.keys(HANDLERS).sort(), [...types].sort())
  })
})

describe('ChunkServer on the wire', () => {
  let server: SwarmNode
  let client: SwarmNode
  let share: ServedShare

  before(async () => {
    share = await memoryShare(manifest)
    ;({ server, client } = await nodePair())
    await new ChunkServer(server, { lookup: id => id === share.shareId ? share : undefined, swarmPeers: async () => [], uploadLimit: new TokenBucket(0) }).start()
  })
  after(async () => { await client?.stop(); await server?.stop() })

  /** A raw stream to the server: send any bytes, read each reply frame, or how the stream ended. */
  async function raw (): Promise<{ send: (bytes: Uint8Array) => Promise<void>, next: () => Promise<Uint8Array | 'closed' | 'reset'>, close: () => Promise<void> }> {
    const framed = new FramedStream(await client.dialProtocol(server.getMultiaddrs()[0]!, CHUNK_PROTOCOL), MAX_SERVER_MESSAGE_BYTES)
    const frames = framed.frames()
    return {
      send: async bytes => { await framed.send(bytes) },
      next: async () => {
        try {
          const r = await frames.next()
          return r.done === true ? 'closed' : Uint8Array.from(r.value)
        } catch {
          return 'reset'
        }
      },
      close: async () => { await framed.close() }
    }
  }

  const bytesOf = (m: ServerMessage): Uint8Array => encodeMessage(m)

  it('refuses a first message other than HELLO with bad-request, then closes', async () => {
    const s = await raw()
    await s.send(encodeMessage({ t: 'request', index: 0 }))
    assert.deepEqual(await s.next(), bytesOf({ t: 'error', code: 'bad-request', message: 'first message must be HELLO' }))
    assert.equal(await s.next(), 'closed')
  })

  it('answers a second HELLO with bad-request and goes on serving; the default policy shows everything, no HAVE', async () => {
    const sessions = [await raw(), await raw()]
    for (const s of sessions) {
      await s.send(encodeMessage({ t: 'hello', share: share.shareId }))
      assert.deepEqual(await s.next(), bytesOf({ t: 'welcome', manifestSize: share.manifestBytes.length, have: Bitfield.full(CHUNKS).bytes, peers: [] }))
    }
    const s = sessions[1]!
    await s.send(encodeMessage({ t: 'hello', share: share.shareId }))
    assert.deepEqual(await s.next(), bytesOf({ t: 'error', code: 'bad-request', message: 'HELLO sent twice' }))
    await s.send(encodeMessage({ t: 'request', index: CHUNKS }))
    assert.deepEqual(await s.next(), bytesOf({ t: 'error', code: 'out-of-range', index: CHUNKS }))
    await s.send(encodeMessage({ t: 'manifest', offset: share.manifestBytes.length }))
    assert.deepEqual(await s.next(), bytesOf({ t: 'error', code: 'out-of-range', message: 'manifest offset past the end' }))
    for (const i of [5, 6, 7]) await s.send(encodeMessage({ t: 'request', index: i }))
    for (const i of [5, 6, 7]) {
      const frame = await s.next()
      assert.ok(frame instanceof Uint8Array)
      const m = decodeServerMessage(frame)
      assert.ok(m.t === 'block' && m.index === i, `block ${i} next, got ${m.t}`)
    }
    // The downloader closes its side: nothing more comes (no HAVE ever), and the server closes.
    await s.close()
    assert.equal(await s.next(), 'closed')
    await sessions[0]!.close()
    assert.equal(await sessions[0]!.next(), 'closed')
  })

  it('aborts the stream on a message of an unknown type, with no reply', async () => {
    const s = await raw()
    await s.send(encodeMessage({ t: 'hello', share: share.shareId }))
    assert.equal(decodeServerMessage((await s.next()) as Uint8Array).t, 'welcome')
    await s.send(dagCbor.encode({ t: 'ping' }))
    assert.equal(await s.next(), 'reset')
  })
})
