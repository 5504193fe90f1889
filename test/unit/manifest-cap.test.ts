/**
 * Manifest requests count against the upload cap: a peer asking a capped seeder for its manifest
 * again and again gets no more bytes than the cap allows (before, a seeder capped at 64 KiB/s
 * served hundreds of MB in seconds this way). Two real libp2p nodes on 127.0.0.1.
 */
import { after, it } from 'node:test'
import assert from 'node:assert/strict'
import { TokenBucket } from '../../node-core/src/bandwidth/token-bucket.ts'
import { ChunkServer } from '../../node-core/src/protocol/chunk-server.ts'
import { CHUNK_PROTOCOL, MAX_SERVER_MESSAGE_BYTES } from '../../node-core/src/protocol/constants.ts'
import { FramedStream } from '../../node-core/src/protocol/framing.ts'
import { decodeServerMessage, encodeMessage } from '../../node-core/src/protocol/messages.ts'
import { memoryShare, nodePair } from '../helpers/served-share.ts'
import type { Manifest } from '../../node-core/src/manifest/types.ts'

const KiB = 1024
const RATE = 64 * KiB
/** 8,192 chunks: a manifest of about 256 KiB. */
const manifest: Manifest = { version: 1, name: 'big', chunkSize: 65536, files: [{ path: 'big', size: 8192 * 65536 }], hashes: new Uint8Array(8192 * 32).fill(7) }
const { server, client } = await nodePair()
after(async () => { await server.stop(); await client.stop() })

it('a manifest flood against a capped seeder stays within the cap', async () => {
  const share = await memoryShare(manifest)
  const limit = new TokenBucket(RATE)
  const chunkServer = new ChunkServer(server, { lookup: id => id === share.shareId ? share : undefined, swarmPeers: async () => [], uploadLimit: limit })
  await chunkServer.start()
  try {
    const stream = await client.dialProtocol(server.getMultiaddrs()[0]!, CHUNK_PROTOCOL)
    const framed = new FramedStream(stream, MAX_SERVER_MESSAGE_BYTES)
    await framed.send(encodeMessage({ t: 'hello', share: share.shareId }))
    // 400 requests for the whole manifest (about 100 MB if answered at once), all sent up front.
    for (let i = 0; i < 400; i++) await framed.send(encodeMessage({ t: 'manifest', offset: 0 }))
    const started = performance.now()
    let received = 0
    let pieces = 0
    for await (const frame of framed.frames()) {
      const m = decodeServerMessage(frame)
      if (m.t !== 'manifest-piece') continue
      received += m.data.byteLength
      pieces++
      if (performance.now() - started > 3000) break
    }
    const seconds = (performance.now() - started) / 1000
    stream.abort(new Error('done'))
    // A busy machine only sends less; what it may never send is more than the cap over the time
    // that passed plus one burst (the bucket's, at most 1 MiB here) and one piece already on its way.
    const allowed = RATE * seconds + 1024 * KiB + share.manifestBytes.length
    assert.ok(pieces >= 1, 'the manifest is still served')
    assert.ok(received <= allowed, `${received} bytes in ${seconds.toFixed(1)} s; the cap allows ${Math.round(allowed)}`)
  } finally {
    await chunkServer.stop()
  }
})
