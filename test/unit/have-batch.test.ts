/**
 * HAVEs coalesced per session (protocol/server/have-batch.ts): the batch alone under fake timers,
 * then a real ChunkServer session between two libp2p nodes (TCP on 127.0.0.1, Noise, Yamux) whose
 * stream writes are counted: HAVEs of one window go out in one write, in front of a block when one
 * goes out first, and the downloader reads each as a message of its own (the wire is unchanged).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { TokenBucket } from '../../node-core/src/bandwidth/token-bucket.ts'
import { encodeManifest, shareIdOf } from '../../node-core/src/manifest/codec.ts'
import { ManifestLayout } from '../../node-core/src/manifest/layout.ts'
import { createSwarmNode } from '../../node-core/src/net/node.ts'
import { SourceSession } from '../../node-core/src/protocol/chunk-client.ts'
import { ChunkServer } from '../../node-core/src/protocol/chunk-server.ts'
import { CHUNK_PROTOCOL } from '../../node-core/src/protocol/constants.ts'
import { decodeServerMessage } from '../../node-core/src/protocol/messages.ts'
import { HAVE_WINDOW_MS, HaveBatch } from '../../node-core/src/protocol/server/have-batch.ts'
import { Bitfield } from '../../node-core/src/storage/bitfield.ts'
import type { Stream } from '@libp2p/interface'
import type { SwarmNode } from '../../node-core/src/net/node.ts'
import type { Manifest } from '../../node-core/src/manifest/types.ts'
import type { ServedShare } from '../../node-core/src/storage/served-share.ts'

describe('HaveBatch', () => {
  it('holds the HAVEs of one window and asks for one flush when it ends, never later', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] })
    let flushes = 0
    const batch = new HaveBatch(() => { flushes++ }, 150)
    batch.add(3)
    t.mock.timers.tick(100)
    batch.add(9) // joins the window opened by 3: no later deadline
    batch.add(4)
    t.mock.timers.tick(49)
    assert.equal(flushes, 0)
    t.mock.timers.tick(1)
    assert.equal(flushes, 1, 'the first HAVE waited exactly the window')
    assert.deepEqual(batch.take().map(b => decodeServerMessage(b)), [{ t: 'have', index: 3 }, { t: 'have', index: 9 }, { t: 'have', index: 4 }])
    assert.equal(batch.size, 0)
    t.mock.timers.tick(1000)
    assert.equal(flushes, 1, 'an empty batch is not flushed')
  })

  it('closes the window when its HAVEs are taken early (they left with another message)', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] })
    let flushes = 0
    const batch = new HaveBatch(() => { flushes++ }, 150)
    batch.add(1)
    t.mock.timers.tick(50)
    assert.equal(batch.take().length, 1)
    t.mock.timers.tick(500)
    assert.equal(flushes, 0)
    batch.add(2) // a new window from here
    t.mock.timers.tick(149)
    assert.equal(flushes, 0)
    t.mock.timers.tick(1)
    assert.equal(flushes, 1)
  })

  it('uses a window of 100-250 ms by default', () => {
    assert.ok(HAVE_WINDOW_MS >= 100 && HAVE_WINDOW_MS <= 250)
  })
})

const CHUNKS = 64
const manifest: Manifest = { version: 1, name: 'h', chunkSize: 65536, files: [{ path: 'h', size: CHUNKS * 65536 }], hashes: new Uint8Array(CHUNKS * 32) }
const manifestBytes = encodeManifest(manifest)
let shareId = ''
let server: SwarmNode
let client: SwarmNode
const listeners = new Set<(index: number) => void>()
const have = new Bitfield(CHUNKS)
/** Writes on the server's side of each session's stream, after WELCOME. */
const writes: number[] = []
let serverStream: Stream | null = null
/** Chunks the server knows the client to have (the client serves it too: the server downloads from it). */
const clientHas = new Set<number>()

before(async () => {
  shareId = await shareIdOf(manifestBytes)
  const layout = new ManifestLayout(manifest)
  have.set(0)
  const share: ServedShare = {
    shareId,
    manifestBytes,
    layout,
    have,
    async readChunk (index) { return new Uint8Array(layout.chunkLength(index)).fill(index) },
    onHave (listener) { listeners.add(listener); return () => { listeners.delete(listener) } }
  }
  server = await createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  client = await createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  // The real node, its streams' writes counted.
  const components = {
    handle: async (protocol: string, handler: Parameters<SwarmNode['handle']>[1], options?: Parameters<SwarmNode['handle']>[2]) => {
      await server.handle(protocol, (stream, connection) => {
        serverStream = stream
        const send = stream.send.bind(stream)
        stream.send = (data) => { writes.push(data.byteLength); return send(data) }
        return (handler as (s: Stream, c: typeof connection) => void)(stream, connection)
      }, options)
    },
    unhandle: async (protocol: string) => { await server.unhandle(protocol) }
  }
  await new ChunkServer(components, { lookup: id => id === shareId ? share : undefined, swarmPeers: async () => [], uploadLimit: new TokenBucket(0), peerHas: (id, peerId, index) => id === shareId && peerId === client.peerId.toString() && clientHas.has(index) }).start()
})
after(async () => { await client?.stop(); await server?.stop() })

/** The share gets chunk `index`: every session is told. */
function gets (index: number): void {
  have.set(index)
  for (const l of listeners) l(index)
}

async function until (what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

describe('a server session coalescing HAVEs', () => {
  it('writes the HAVEs of one window once, each arrives as its own message, and none goes to a peer known to have the chunk', async () => {
    const stream = await client.dialProtocol(server.getMultiaddrs()[0]!, CHUNK_PROTOCOL)
    const s = await SourceSession.open(stream, server.peerId.toString(), shareId)
    const events: string[] = []
    s.start({ onBlock (index) { events.push(`block ${index}`) }, onHave (index) { events.push(`have ${index}`) }, onPeers () {}, onError () {}, onClose () {} })
    try {
      await until('the server side of the session', () => serverStream != null && writes.length >= 1) // WELCOME
      const afterWelcome = writes.length
      for (const i of [5, 6, 7, 8, 9]) gets(i)
      await until('five HAVEs', () => events.length === 5)
      assert.deepEqual(events, ['have 5', 'have 6', 'have 7', 'have 8', 'have 9'])
      assert.equal(writes.length - afterWelcome, 1, 'five HAVEs, one write')

      // A block that goes out inside the window takes the HAVEs queued before it along, in order.
      const beforeBlock = writes.length
      gets(10)
      gets(11)
      s.request(0)
      await until('the block', () => events.includes('block 0'))
      assert.deepEqual(events.slice(5), ['have 10', 'have 11', 'block 0'])
      assert.equal(writes.length - beforeBlock, 1, 'the HAVEs went out with the block, not after it on their own')

      // No HAVE for a chunk the downloader is known to have (it would arrive before 14, in the same write).
      const beforeNext = writes.length
      clientHas.add(13)
      gets(12)
      gets(13)
      gets(14)
      await until('HAVE 14', () => events.includes('have 14'))
      // Nothing came between the block and HAVE 12: the HAVEs that went with the block were not
      // sent again when their window closed (that would have been written before HAVE 14).
      assert.deepEqual(events.slice(8), ['have 12', 'have 14'])
      assert.equal(writes.length - beforeNext, 1, 'HAVE 12 and 14 in one write, nothing else written')
    } finally {
      s.close()
    }
  })
})
