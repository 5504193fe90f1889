/**
 * Error replies between two real libp2p nodes (TCP on 127.0.0.1, Noise, Yamux) in one process.
 *
 * - The seeder reads each requested chunk from what is served at that moment, so a session opened
 *   while the share was still downloading keeps working once the finished download is served
 *   from its final files (before, it answered `unavailable` for ever).
 * - A downloader asks a source that answers with errors again only after a pause, so the two do
 *   not trade requests and errors as fast as they can (a benchmark crowd spun like that for
 *   minutes, holding the last chunks from the origin that had them).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { TokenBucket } from '../../node-core/src/bandwidth/token-bucket.ts'
import { encodeManifest, shareIdOf } from '../../node-core/src/manifest/codec.ts'
import { ManifestLayout } from '../../node-core/src/manifest/layout.ts'
import { createSwarmNode } from '../../node-core/src/net/node.ts'
import { SourceSession } from '../../node-core/src/protocol/chunk-client.ts'
import { ChunkServer } from '../../node-core/src/protocol/chunk-server.ts'
import { CHUNK_PROTOCOL, MAX_CLIENT_MESSAGE_BYTES } from '../../node-core/src/protocol/constants.ts'
import { FramedStream } from '../../node-core/src/protocol/framing.ts'
import { decodeClientMessage, encodeMessage } from '../../node-core/src/protocol/messages.ts'
import { SwarmTransfer, peerKey } from '../../node-core/src/scheduler/download.ts'
import { Bitfield } from '../../node-core/src/storage/bitfield.ts'
import { PartialDownload } from '../../node-core/src/storage/partial-download.ts'
import { StateStore } from '../../node-core/src/storage/state-store.ts'
import type { SwarmNode } from '../../node-core/src/net/node.ts'
import type { Manifest } from '../../node-core/src/manifest/types.ts'
import type { ServedShare } from '../../node-core/src/storage/served-share.ts'
import type { ChunkBytes } from '../../node-core/src/storage/file-handles.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'

const manifest: Manifest = { version: 1, name: 'x', chunkSize: 65536, files: [{ path: 'x', size: 8 * 65536 }], hashes: new Uint8Array(8 * 32) }
const manifestBytes = encodeManifest(manifest)
const layout = new ManifestLayout(manifest)
let shareId = ''
let seeder: SwarmNode
let refuser: SwarmNode
let client: SwarmNode
let store: StateStore
/** Requests the refusing source received, and when (performance.now()). */
const refused = { requests: 0, times: [] as number[] }

before(async () => {
  shareId = await shareIdOf(manifestBytes)
  const key = async (): Promise<Parameters<typeof createSwarmNode>[0]> => ({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  seeder = await createSwarmNode(await key())
  refuser = await createSwarmNode(await key())
  client = await createSwarmNode(await key())
  // A source that has everything and answers every request `unavailable`.
  await refuser.handle(CHUNK_PROTOCOL, stream => {
    void (async () => {
      const framed = new FramedStream(stream, MAX_CLIENT_MESSAGE_BYTES)
      for await (const frame of framed.frames()) {
        const m = decodeClientMessage(frame)
        if (m.t === 'hello') await framed.send(encodeMessage({ t: 'welcome', manifestSize: manifestBytes.length, have: Bitfield.full(8).bytes, peers: [] }))
        if (m.t === 'request') {
          refused.requests++
          refused.times.push(performance.now())
          await framed.send(encodeMessage({ t: 'error', code: 'unavailable', index: m.index, message: 'cannot read it' }))
        }
      }
    })().catch(() => {})
  })
  store = await StateStore.open(await tempDir())
})
after(async () => { await store?.close(); await client?.stop(); await refuser?.stop(); await seeder?.stop(); await removeTemps() })

/** A complete share whose chunks are filled with `fill`, or whose reads fail with `fails`. */
function servedShare (fill: number, fails?: string): ServedShare {
  return {
    shareId,
    manifestBytes,
    layout,
    have: Bitfield.full(8),
    async readChunk (i) {
      if (fails != null) throw new Error(fails)
      return new Uint8Array(layout.chunkLength(i)).fill(fill)
    },
    onHave () { return () => {} }
  }
}

describe('error replies', () => {
  it('the seeder serves a session from what is served now: one opened on a download keeps working once it is served from its final files', async () => {
    const downloading = servedShare(1, 'part file moved: the download has finished')
    let current: ServedShare | undefined = downloading
    const server = new ChunkServer(seeder, { lookup: id => id === shareId ? current : undefined, swarmPeers: async () => [], uploadLimit: new TokenBucket(0) })
    await server.start()
    try {
      const session = await SourceSession.open(await client.dialProtocol(seeder.getMultiaddrs()[0]!, CHUNK_PROTOCOL), seeder.peerId.toString(), shareId)
      const replies: Array<{ index: number, error?: string, fill?: number }> = []
      let wake: (() => void) | null = null
      session.start({
        onBlock (index: number, data: ChunkBytes) { replies.push({ index, fill: (data instanceof Uint8Array ? data : data.subarray())[0] }); wake?.() },
        onHave () {},
        onPeers () {},
        onError (code, index) { replies.push({ index: index ?? -1, error: code }); wake?.() },
        onClose () {}
      })
      const reply = async (): Promise<{ index: number, error?: string, fill?: number }> => {
        while (replies.length === 0) await new Promise<void>(resolve => { wake = resolve })
        return replies.shift()!
      }
      session.request(0)
      assert.deepEqual(await reply(), { index: 0, error: 'unavailable' }, 'the moved part file cannot be read')
      current = servedShare(2) // the service now serves the finished download from its final files
      session.request(1)
      assert.deepEqual(await reply(), { index: 1, fill: 2 }, 'the same session is served from the new share')
      session.close()
    } finally {
      await server.stop()
    }
  })

  it('a downloader asks a source that answers `unavailable` again only after a pause, and keeps it', async (t) => {
    const data = await PartialDownload.open(shareId, manifestBytes, layout, await tempDir(), store)
    const transfer = new SwarmTransfer({
      data,
      downloadLimit: new TokenBucket(0),
      async connect (peer, signal) {
        return SourceSession.open(await client.dialProtocol(multiaddr(peer), CHUNK_PROTOCOL, { signal }), peerKey(peer), shareId)
      }
    })
    transfer.addCandidate(refuser.getMultiaddrs()[0]!.toString())
    transfer.start()
    try {
      // 10 requests: a few per pause of 1 s (the pipeline to a source that never delivered is short).
      const end = Date.now() + 60_000
      while (refused.requests < 10 && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 20))
      assert.ok(refused.requests >= 10, `asked again after each pause (${refused.requests} requests)`)
      // No 900 ms holds more than the share's 8 chunks; without the pause all 10 come within
      // milliseconds. A slow machine only spreads them further apart.
      const times = refused.times.slice(0, 10)
      const busiest = Math.max(...times.map(t => times.filter(u => u >= t && u < t + 900).length))
      t.diagnostic(`request times (ms): ${times.map(x => Math.round(x - times[0]!)).join(", ")}`)
      assert.ok(busiest <= 8, `${busiest} requests within 900 ms`)
      assert.equal(transfer.snapshot().find(s => s.peerId === refuser.peerId.toString())?.connected, true, 'an error reply alone does not drop the source')
    } finally {
      transfer.stop()
      await data.close()
    }
  })
})
