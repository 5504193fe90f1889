/**
 * A source that accepts a session and then never answers a request is let go: the download's
 * SwarmTransfer against a real stalling server (two real libp2p nodes on 127.0.0.1, a real
 * PartialDownload on disk). The transfer's clock is injected so the 15 s request timeouts pass
 * at once; its 1 s tick is real.
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
import { CHUNK_PROTOCOL, MAX_CLIENT_MESSAGE_BYTES } from '../../node-core/src/protocol/constants.ts'
import { FramedStream } from '../../node-core/src/protocol/framing.ts'
import { decodeClientMessage, encodeMessage } from '../../node-core/src/protocol/messages.ts'
import { SwarmTransfer, peerKey } from '../../node-core/src/scheduler/download.ts'
import { Bitfield } from '../../node-core/src/storage/bitfield.ts'
import { PartialDownload } from '../../node-core/src/storage/partial-download.ts'
import { StateStore } from '../../node-core/src/storage/state-store.ts'
import type { SwarmNode } from '../../node-core/src/net/node.ts'
import type { Manifest } from '../../node-core/src/manifest/types.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'

const manifest: Manifest = { version: 1, name: 'x', chunkSize: 65536, files: [{ path: 'x', size: 8 * 65536 }], hashes: new Uint8Array(8 * 32) }
const manifestBytes = encodeManifest(manifest)
let shareId = ''
let server: SwarmNode
let client: SwarmNode
let store: StateStore
const seen = { sessions: 0, requests: 0, cancels: 0 }

before(async () => {
  shareId = await shareIdOf(manifestBytes)
  server = await createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  client = await createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  // A server that welcomes, then counts requests and cancels and answers none.
  await server.handle(CHUNK_PROTOCOL, stream => {
    void (async () => {
      const framed = new FramedStream(stream, MAX_CLIENT_MESSAGE_BYTES)
      for await (const frame of framed.frames()) {
        const m = decodeClientMessage(frame)
        if (m.t === 'hello') { seen.sessions++; await framed.send(encodeMessage({ t: 'welcome', manifestSize: manifestBytes.length, have: Bitfield.full(8).bytes, peers: [] })) }
        if (m.t === 'request') seen.requests++
        if (m.t === 'cancel') seen.cancels++
      }
    })().catch(() => {})
  })
  store = await StateStore.open(await tempDir())
})
after(async () => { await store?.close(); await client?.stop(); await server?.stop(); await removeTemps() })

async function until (what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

/** Resolves once `count` rounds of the transfer have judged by the clock at `time` (its `tick` events). */
async function roundsAt (transfer: SwarmTransfer, time: number, count: number): Promise<void> {
  let seen = 0
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { transfer.off('tick', onTick); reject(new Error(`timed out waiting for ${count} rounds at ${time}`)) }, 20_000)
    const onTick = (at: number): void => {
      if (at === time && ++seen === count) { clearTimeout(timer); transfer.off('tick', onTick); resolve() }
    }
    transfer.on('tick', onTick)
  })
}

describe('a source that accepts and then stalls', () => {
  it('has its requests cancelled and re-sent after a timeout, is let go when the re-sent ones time out too, and is retried only after a back-off', async () => {
    const data = await PartialDownload.open(shareId, manifestBytes, new ManifestLayout(manifest), await tempDir(), store)
    let clock = 1_000_000
    const transfer = new SwarmTransfer({
      data,
      downloadLimit: new TokenBucket(0),
      now: () => clock,
      async connect (peer, signal) {
        const stream = await client.dialProtocol(multiaddr(peer), CHUNK_PROTOCOL, { signal })
        return SourceSession.open(stream, peerKey(peer), shareId)
      }
    })
    const address = server.getMultiaddrs()[0]!.toString()
    transfer.addCandidate(address)
    transfer.start()
    try {
      await until('the first requests', () => seen.requests > 0)
      const connected = (): boolean | undefined => transfer.snapshot().find(s => s.peerId === server.peerId.toString())?.connected
      assert.equal(connected(), true)

      const requestsBefore = seen.requests
      clock += 16_000 // the first requests time out at the next tick: cancelled, asked again
      await until('cancels and re-requests after the first timeout', () => seen.cancels > 0 && seen.requests > requestsBefore)
      assert.equal(connected(), true, 'one timeout is not enough to let it go')

      clock += 16_000 // the re-sent requests time out too, with no block between
      await until('the source to be let go', () => connected() === false)
      const snap = transfer.snapshot().find(s => s.peerId === server.peerId.toString())!
      assert.equal(snap.bytes, 0)
      assert.ok(snap.failures >= 2)

      // Not dialed again until its back-off has passed (the clock stands still meanwhile: two
      // rounds of the transfer judge by it)...
      await roundsAt(transfer, clock, 2)
      assert.equal(seen.sessions, 1)
      // ...then retried: a stall may be a passing overload, and its requests went elsewhere meanwhile.
      clock += 60_000
      await until('a retry after the back-off', () => seen.sessions === 2)
    } finally {
      transfer.stop()
      await data.close()
    }
  })

  it('keeps retrying a candidate that fails to connect, every 64 s at most, and uses it once it answers', async () => {
    const data = await PartialDownload.open(shareId, manifestBytes, new ManifestLayout(manifest), await tempDir(), store)
    let clock = 2_000_000
    const dialedAt: number[] = []
    const sessionsBefore = seen.sessions
    const transfer = new SwarmTransfer({
      data,
      downloadLimit: new TokenBucket(0),
      now: () => clock,
      async connect (peer, signal) {
        dialedAt.push(clock)
        if (dialedAt.length <= 8) throw new Error('connection refused (simulated: a busy or starved peer)')
        const stream = await client.dialProtocol(multiaddr(peer), CHUNK_PROTOCOL, { signal })
        return SourceSession.open(stream, peerKey(peer), shareId)
      }
    })
    transfer.addCandidate(server.getMultiaddrs()[0]!.toString())
    transfer.start()
    try {
      // Each failure is followed by a back-off of 2, 4, 8 ... s, never more than 64 s: with the clock
      // 65 s further at every tick, every tick dials again, well past the 5 attempts it once stopped at.
      for (let attempt = 1; attempt < 8; attempt++) {
        await until(`attempt ${attempt}`, () => dialedAt.length >= attempt)
        clock += 65_000
      }
      await until('attempt 8', () => dialedAt.length >= 8)
      // ...and not less than 64 s either: 63 s later, two rounds of the transfer pass without a dial.
      clock += 63_000
      await roundsAt(transfer, clock, 2)
      assert.equal(dialedAt.length, 8, 'not dialed again before its back-off has passed')
      clock += 2_000
      await until('the ninth attempt to connect', () => seen.sessions > sessionsBefore)
      assert.equal(dialedAt.length, 9)
      await until('the source to be connected', () => transfer.snapshot().some(s => s.peerId === server.peerId.toString() && s.connected))
    } finally {
      transfer.stop()
      await data.close()
    }
  })
})
