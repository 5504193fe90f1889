/**
 * Exact per-source accounting: every verified byte is one source's, whatever happens to its
 * session. The download's SwarmTransfer against a real server (two real libp2p nodes on
 * 127.0.0.1, real chunks, a real PartialDownload on disk): chunks whose verification is still
 * under way when their source's session breaks, a source that comes back in a new session, and a
 * download resumed by a second transfer, all sum to the file.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import type { Stream } from '@libp2p/interface'
import { TokenBucket } from '../../node-core/src/bandwidth/token-bucket.ts'
import { encodeManifest, shareIdOf } from '../../node-core/src/manifest/codec.ts'
import { ManifestLayout } from '../../node-core/src/manifest/layout.ts'
import { createSwarmNode } from '../../node-core/src/net/node.ts'
import { SourceSession } from '../../node-core/src/protocol/chunk-client.ts'
import { CHUNK_PROTOCOL, MAX_CLIENT_MESSAGE_BYTES } from '../../node-core/src/protocol/constants.ts'
import { FramedStream } from '../../node-core/src/protocol/framing.ts'
import { decodeClientMessage, encodeBlock, encodeMessage } from '../../node-core/src/protocol/messages.ts'
import { SwarmTransfer, peerKey } from '../../node-core/src/scheduler/download.ts'
import { SourceTallies } from '../../node-core/src/scheduler/source-state.ts'
import { Bitfield } from '../../node-core/src/storage/bitfield.ts'
import { PartialDownload } from '../../node-core/src/storage/partial-download.ts'
import { StateStore } from '../../node-core/src/storage/state-store.ts'
import type { SwarmNode } from '../../node-core/src/net/node.ts'
import type { Manifest } from '../../node-core/src/manifest/types.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'

const CHUNK = 65536
const COUNT = 8
const file = randomBytes(COUNT * CHUNK)
const hashes = new Uint8Array(COUNT * 32)
for (let i = 0; i < COUNT; i++) hashes.set(createHash('sha256').update(file.subarray(i * CHUNK, (i + 1) * CHUNK)).digest(), i * 32)
const manifest: Manifest = { version: 1, name: 'x', chunkSize: CHUNK, files: [{ path: 'x', size: COUNT * CHUNK }], hashes }
const manifestBytes = encodeManifest(manifest)
let shareId = ''
let server: SwarmNode
let client: SwarmNode
let store: StateStore
/** How many requests each session answers (then it ignores the rest); Infinity: all. */
let answerPerSession = Infinity
/** Whether blocks are sent with one byte flipped (they then fail verification). */
let corrupt = false
const sessions: Stream[] = []

before(async () => {
  shareId = await shareIdOf(manifestBytes)
  server = await createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  client = await createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  // A server with the whole file that answers the first `answerPerSession` requests of a session.
  await server.handle(CHUNK_PROTOCOL, stream => {
    sessions.push(stream)
    void (async () => {
      const framed = new FramedStream(stream, MAX_CLIENT_MESSAGE_BYTES)
      let answered = 0
      for await (const frame of framed.frames()) {
        const m = decodeClientMessage(frame)
        if (m.t === 'hello') await framed.send(encodeMessage({ t: 'welcome', manifestSize: manifestBytes.length, have: Bitfield.full(COUNT).bytes, peers: [] }))
        if (m.t === 'request' && answered++ < answerPerSession) {
          const block = Uint8Array.from(file.subarray(m.index * CHUNK, (m.index + 1) * CHUNK))
          if (corrupt) block[0]! ^= 1
          await framed.send(encodeBlock(m.index, block))
        }
      }
    })().catch(() => {})
  })
  store = await StateStore.open(await tempDir())
})
after(async () => { await store?.close(); await client?.stop(); await server?.stop(); await removeTemps() })

async function until (what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

function transferOf (data: PartialDownload, clock: () => number, tallies?: SourceTallies): SwarmTransfer {
  return new SwarmTransfer({
    data,
    downloadLimit: new TokenBucket(0),
    now: clock,
    ...(tallies != null ? { tallies } : {}),
    async connect (peer, signal) {
      const stream = await client.dialProtocol(multiaddr(peer), CHUNK_PROTOCOL, { signal })
      return SourceSession.open(stream, peerKey(peer), shareId)
    }
  })
}

const sum = (t: SwarmTransfer): number => t.snapshot().reduce((s, x) => s + x.bytes, 0)

describe('per-source accounting', () => {
  it('counts no byte of a chunk that fails verification, and lets a source go after two of them', async () => {
    const data = await PartialDownload.open(shareId, manifestBytes, new ManifestLayout(manifest), await tempDir(), store)
    corrupt = true
    answerPerSession = Infinity
    sessions.length = 0
    const transfer = transferOf(data, Date.now)
    transfer.addCandidate(server.getMultiaddrs()[0]!.toString())
    transfer.start()
    const serverId = server.peerId.toString()
    const mine = (): ReturnType<SwarmTransfer['snapshot']>[number] | undefined => transfer.snapshot().find(s => s.peerId === serverId)
    try {
      await until('a session', () => sessions.length >= 1)
      await until('the source to be let go after bad chunks', () => (mine()?.failures ?? 0) >= 2 && mine()?.connected === false, 60_000)
      assert.equal(mine()!.bytes, 0, 'a chunk that failed verification is no one\'s bytes')
      assert.equal(mine()!.chunks, 0)
      assert.equal(data.have.count, 0)
    } finally {
      corrupt = false
      transfer.stop()
      await data.close()
    }
  })

  it('counts chunks still being verified when their session breaks, and the same peer in its next session, once each', async () => {
    const data = await PartialDownload.open(shareId, manifestBytes, new ManifestLayout(manifest), await tempDir(), store)
    // Verification is held until the first session has broken: its two chunks complete after it closed.
    let held = 0
    let release!: () => void
    const gate = new Promise<void>(resolve => { release = resolve })
    const writeChunk = data.writeChunk.bind(data)
    data.writeChunk = async (index, bytes) => { held++; await gate; return await writeChunk(index, bytes) }
    let clock = 1_000_000
    answerPerSession = 2
    sessions.length = 0
    const transfer = transferOf(data, () => clock)
    const completed = new Promise<void>(resolve => transfer.once('complete', resolve))
    transfer.addCandidate(server.getMultiaddrs()[0]!.toString())
    transfer.start()
    const serverId = server.peerId.toString()
    const connected = (): boolean => transfer.snapshot().some(s => s.peerId === serverId && s.connected)
    try {
      await until('two chunks under verification', () => held === 2)
      sessions[0]!.abort(new Error('the seeder went away')) // as a killed process would
      await until('the source to be let go', () => !connected())
      answerPerSession = Infinity
      release()
      await until('the two held chunks to be verified', () => data.have.count === 2)
      assert.equal(sum(transfer), 2 * CHUNK, 'chunks verified after their session closed still count for their source')
      clock += 120_000 // its back-off passes: the next tick dials it again
      await completed
      const [only, ...others] = transfer.snapshot()
      assert.equal(others.length, 0)
      assert.equal(only!.peerId, serverId)
      assert.equal(only!.bytes, COUNT * CHUNK)
      assert.equal(only!.chunks, COUNT)
      assert.ok(sessions.length >= 2, 'served by a second session')
    } finally {
      release()
      transfer.stop()
      await data.close()
    }
  })

  it('keeps counting across transfers that share a download\'s tallies (a pause and a resume)', async () => {
    const data = await PartialDownload.open(shareId, manifestBytes, new ManifestLayout(manifest), await tempDir(), store)
    const tallies = new SourceTallies()
    answerPerSession = 3
    const first = transferOf(data, Date.now, tallies)
    first.addCandidate(server.getMultiaddrs()[0]!.toString())
    first.start()
    try {
      await until('three chunks', () => data.have.count === 3)
      // What the chunk server asks before a HAVE: this connected source's bitfield has every chunk.
      assert.equal(first.sourceHas(server.peerId.toString(), COUNT - 1), true)
      assert.equal(first.sourceHas(client.peerId.toString(), 0), false, 'not a source')
    } finally {
      first.stop()
    }
    answerPerSession = Infinity
    const second = transferOf(data, Date.now, tallies)
    const completed = new Promise<void>(resolve => second.once('complete', resolve))
    second.addCandidate(server.getMultiaddrs()[0]!.toString())
    second.start()
    try {
      await completed
      assert.equal(sum(second), COUNT * CHUNK)
      assert.equal(tallies.totalBytes, COUNT * CHUNK)
      assert.deepEqual(second.snapshot().map(s => s.chunks), [COUNT])
    } finally {
      second.stop()
      await data.close()
    }
  })
})
