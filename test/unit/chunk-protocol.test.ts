/**
 * The chunk-exchange protocol between two real libp2p nodes (TCP on 127.0.0.1, Noise, Yamux) in
 * one process: the server is ChunkServer, the client SourceSession.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { TokenBucket } from '../../node-core/src/bandwidth/token-bucket.ts'
import { decodeManifest, encodeManifest, shareIdOf } from '../../node-core/src/manifest/codec.ts'
import { ManifestLayout } from '../../node-core/src/manifest/layout.ts'
import { createSwarmNode } from '../../node-core/src/net/node.ts'
import { SourceSession } from '../../node-core/src/protocol/chunk-client.ts'
import { ChunkServer } from '../../node-core/src/protocol/chunk-server.ts'
import { CHUNK_PROTOCOL, MANIFEST_PIECE_BYTES, MAX_CLIENT_MESSAGE_BYTES } from '../../node-core/src/protocol/constants.ts'
import { FramedStream } from '../../node-core/src/protocol/framing.ts'
import { decodeClientMessage, encodeMessage } from '../../node-core/src/protocol/messages.ts'
import { Bitfield } from '../../node-core/src/storage/bitfield.ts'
import type { SwarmNode } from '../../node-core/src/net/node.ts'
import { dialUntilOpen } from '../helpers/dial.ts'
import type { Manifest } from '../../node-core/src/manifest/types.ts'
import type { ServedShare } from '../../node-core/src/storage/served-share.ts'

const CHUNKS = 100_000 // 3.2 MB of hashes: the manifest takes several pieces
const manifest: Manifest = { version: 1, name: 'big', chunkSize: 65536, files: [{ path: 'big', size: CHUNKS * 65536 }], hashes: new Uint8Array(CHUNKS * 32) }
const manifestBytes = encodeManifest(manifest)
let shareId = ''
/** A second share with 1 MiB chunks, for the deep-pipeline test. */
const large: Manifest = { version: 1, name: 'large', chunkSize: 1024 * 1024, files: [{ path: 'large', size: 512 * 1024 * 1024 }], hashes: new Uint8Array(512 * 32) }
let largeId = ''
let server: SwarmNode
let client: SwarmNode

before(async () => {
  shareId = await shareIdOf(manifestBytes)
  const layout = new ManifestLayout(manifest)
  const have = new Bitfield(CHUNKS)
  have.set(7)
  const share: ServedShare = {
    shareId,
    manifestBytes,
    layout,
    have,
    async readChunk (index) { return new Uint8Array(layout.chunkLength(index)).fill(index & 0xff) },
    onHave () { return () => {} }
  }
  largeId = await shareIdOf(encodeManifest(large))
  const largeLayout = new ManifestLayout(large)
  const largeShare: ServedShare = {
    shareId: largeId,
    manifestBytes: encodeManifest(large),
    layout: largeLayout,
    have: Bitfield.full(512),
    async readChunk (index) { return new Uint8Array(largeLayout.chunkLength(index)) },
    onHave () { return () => {} }
  }
  // No connection monitor: under load (two CPU burners beside a load of 40) a ping queued behind
  // the deep pipeline's 16 MiB window missed its 25 s and the monitor aborted the connection
  // (StreamResetError, or "stream ended inside a frame"). The pipeline is what is tested here;
  // the monitor's timing has its own test (slow-ping.test.ts).
  server = await createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], connectionMonitor: false })
  client = await createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], connectionMonitor: false })
  await new ChunkServer(server, { lookup: id => id === shareId ? share : id === largeId ? largeShare : undefined, swarmPeers: async () => ['/ip4/127.0.0.1/tcp/1/p2p/x'], uploadLimit: new TokenBucket(0) }).start()
})
after(async () => { await client?.stop(); await server?.stop() })

async function open (id: string): Promise<SourceSession> {
  const stream = await dialUntilOpen(client, server.getMultiaddrs()[0]!, CHUNK_PROTOCOL)
  return SourceSession.open(stream, server.peerId.toString(), id)
}

describe('chunk-exchange protocol', () => {
  it('sends WELCOME with the bitfield and swarm peers, then a large manifest in pieces', async () => {
    assert.ok(manifestBytes.length > 3 * MANIFEST_PIECE_BYTES)
    const s = await open(shareId)
    assert.equal(s.manifestSize, manifestBytes.length)
    assert.deepEqual([...new Bitfield(CHUNKS, s.initialHave).indices()], [7])
    assert.deepEqual(s.initialPeers, ['/ip4/127.0.0.1/tcp/1/p2p/x'])
    s.start({ onBlock () {}, onHave () {}, onPeers () {}, onError () {}, onClose () {} })
    const bytes = await s.fetchManifest()
    assert.equal((await decodeManifest(bytes, shareId)).files[0]!.path, 'big')
    s.close()
  })

  it('answers pipelined requests in order, and out-of-range ones with an error code', async () => {
    const s = await open(shareId)
    const blocks: number[] = []
    const errors: Array<[string, number | undefined]> = []
    const done = new Promise<void>(resolve => {
      s.start({
        onBlock (index, data) { assert.equal((data instanceof Uint8Array ? data : data.subarray())[0], index & 0xff); blocks.push(index); if (blocks.length === 3) resolve() },
        onHave () {},
        onPeers () {},
        onError (code, index) { errors.push([code, index]) },
        onClose () {}
      })
    })
    s.request(5)
    s.request(CHUNKS)
    s.request(1)
    s.request(9)
    await done
    assert.deepEqual(blocks, [5, 1, 9])
    assert.deepEqual(errors, [['out-of-range', CHUNKS]])
    s.close()
  })

  it('keeps a deep pipeline of large blocks flowing (32 MiB in flight at once)', async () => {
    const s = await open(largeId)
    let got = 0
    const done = new Promise<void>((resolve, reject) => {
      s.start({
        onBlock () { if (++got === 512) resolve() },
        onHave () {},
        onPeers () {},
        onError (code) { reject(new Error(code)) },
        onClose (err) { if (got < 512) reject(err ?? new Error('closed early')) }
      })
    })
    // 1 MiB blocks, 32 requested at once: the muxer delivers many frames together.
    for (let i = 0; i < 32; i++) s.request(i)
    let next = 32
    const refill = setInterval(() => { while (next < 512 && next - got < 32) s.request(next++) }, 1)
    await done.finally(() => { clearInterval(refill) })
    s.close()
  })

  it('ends a session whose peer welcomes us with a manifest size and never sends a piece of it', { timeout: 20_000 }, async () => {
    // A peer that says it has the share and then stays silent (the hostile flooder of the
    // integration tests does this while flooding PEERS): the manifest fetch must move on.
    const SILENT = '/swarmdrop-test/silent-manifest/1'
    await server.handle(SILENT, async (stream) => {
      const framed = new FramedStream(stream, MAX_CLIENT_MESSAGE_BYTES)
      for await (const frame of framed.frames()) {
        if (decodeClientMessage(frame).t === 'hello') await framed.send(encodeMessage({ t: 'welcome', manifestSize: manifestBytes.length, have: new Bitfield(CHUNKS).bytes, peers: [] }))
      }
    })
    try {
      const stream = await dialUntilOpen(client, server.getMultiaddrs()[0]!, SILENT)
      const s = await SourceSession.open(stream, server.peerId.toString(), shareId)
      s.start({ onBlock () {}, onHave () {}, onPeers () {}, onError () {}, onClose () {} })
      await assert.rejects(s.fetchManifest(300), { code: 'unreachable', message: /no manifest piece within 0.3 s/ })
      assert.equal(s.closed, true, 'the session is over: the download asks another peer')
    } finally {
      await server.unhandle(SILENT)
    }
  })

  it('refuses a share it does not have', async () => {
    await assert.rejects(open('bafyreif443brn4rx5yvaxryqfrzwhfg7anoad25rmoexlezsjiyxkshwom'), { name: 'SessionRefusedError', code: 'unknown-share' })
  })
})
