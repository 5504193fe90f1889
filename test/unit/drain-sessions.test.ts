/**
 * ChunkServer.dropShare(id, 'drain'), as unsharing or a seeding limit ends a share's sessions: what
 * the server already sent (and counted as uploaded) reaches the downloader, and the session ends
 * cleanly; 'abort' (a changed or removed share) resets it at once.
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
import { Bitfield } from '../../node-core/src/storage/bitfield.ts'
import { dialUntilOpen } from '../helpers/dial.ts'
import type { Manifest } from '../../node-core/src/manifest/types.ts'
import type { SwarmNode } from '../../node-core/src/net/node.ts'
import type { ServedShare } from '../../node-core/src/storage/served-share.ts'

const CHUNKS = 64
const MIB = 1024 * 1024
const manifest: Manifest = { version: 1, name: 'drained', chunkSize: MIB, files: [{ path: 'drained', size: CHUNKS * MIB }], hashes: new Uint8Array(CHUNKS * 32) }
let shareId = ''
let server: SwarmNode
let client: SwarmNode
let chunkServer: ChunkServer
/** Blocks the server counted as uploaded (onUpload), by share. */
let uploaded = 0

before(async () => {
  const manifestBytes = encodeManifest(manifest)
  shareId = await shareIdOf(manifestBytes)
  const layout = new ManifestLayout(manifest)
  const share: ServedShare = {
    shareId,
    manifestBytes,
    layout,
    have: Bitfield.full(CHUNKS),
    async readChunk (index) { return new Uint8Array(layout.chunkLength(index)).fill(index) },
    onHave () { return () => {} }
  }
  server = await createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], connectionMonitor: false })
  client = await createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], connectionMonitor: false })
  chunkServer = new ChunkServer(server, {
    lookup: id => id === shareId ? share : undefined,
    swarmPeers: async () => [],
    // Capped at 8 MiB/s: 64 MiB takes seconds, so requests are still queued when the share is dropped.
    uploadLimit: new TokenBucket(8 * MIB),
    onUpload: () => { uploaded++ }
  })
  await chunkServer.start()
})
after(async () => { await client?.stop(); await server?.stop() })

/** Requests every chunk, drops the share's sessions `how` at the first block, and reports what arrived and how the session ended. */
async function dropAtFirstBlock (how: 'drain' | 'abort'): Promise<{ received: number, counted: number, closedBy: Error | undefined }> {
  uploaded = 0
  const stream = await dialUntilOpen(client, server.getMultiaddrs()[0]!, CHUNK_PROTOCOL)
  const s = await SourceSession.open(stream, server.peerId.toString(), shareId)
  let received = 0
  const closed = new Promise<Error | undefined>(resolve => {
    s.start({
      onBlock (index, data) {
        assert.equal((data instanceof Uint8Array ? data : data.subarray())[0], index)
        if (received++ === 0) chunkServer.dropShare(shareId, how)
      },
      onHave () {},
      onPeers () {},
      onError () {},
      onClose (err) { resolve(err) }
    })
  })
  for (let i = 0; i < CHUNKS; i++) s.request(i)
  const closedBy = await closed
  // The server counts a block once its write returned; the last count may land just after the
  // downloader saw the end. Wait for the server's session to be gone (bounded), then compare.
  for (let i = 0; i < 200 && chunkServer.peersFetching(shareId) > 0; i++) await new Promise(resolve => setTimeout(resolve, 50))
  return { received, counted: uploaded, closedBy }
}

describe('dropping a share\'s sessions', () => {
  it('drain: every block the server counted as sent arrives, and the session ends cleanly', async () => {
    const { received, counted, closedBy } = await dropAtFirstBlock('drain')
    assert.equal(closedBy, undefined, `the session ended with ${String(closedBy)}`)
    assert.ok(received >= 1)
    assert.equal(received, counted, `${counted} blocks counted as sent, ${received} arrived`)
    assert.ok(received < CHUNKS, 'the requests still queued were dropped')
  })

  it('abort: the session is reset', async () => {
    const { closedBy } = await dropAtFirstBlock('abort')
    assert.ok(closedBy instanceof Error)
  })
})
