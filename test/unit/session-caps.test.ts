/**
 * The seeder's session caps, between real libp2p nodes (TCP on 127.0.0.1, Noise, Yamux) in one
 * process, with small caps so they are reached quickly: a peer gets at most its per-peer share of
 * sessions; when the table is full, a newcomer is admitted by closing the oldest session of the
 * peer holding the most, so a few greedy peers cannot lock others out.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { TokenBucket } from '../../node-core/src/bandwidth/token-bucket.ts'
import { encodeManifest, shareIdOf } from '../../node-core/src/manifest/codec.ts'
import { ManifestLayout } from '../../node-core/src/manifest/layout.ts'
import { createSwarmNode } from '../../node-core/src/net/node.ts'
import { SessionRefusedError, SourceSession } from '../../node-core/src/protocol/chunk-client.ts'
import { ChunkServer } from '../../node-core/src/protocol/chunk-server.ts'
import { CHUNK_PROTOCOL } from '../../node-core/src/protocol/constants.ts'
import { Bitfield } from '../../node-core/src/storage/bitfield.ts'
import type { SwarmNode } from '../../node-core/src/net/node.ts'
import type { Manifest } from '../../node-core/src/manifest/types.ts'
import type { ServedShare } from '../../node-core/src/storage/served-share.ts'

const manifest: Manifest = { version: 1, name: 'x', chunkSize: 65536, files: [{ path: 'x', size: 4 * 65536 }], hashes: new Uint8Array(4 * 32) }
let shareId = ''
let server: SwarmNode
const clients: SwarmNode[] = []

before(async () => {
  const manifestBytes = encodeManifest(manifest)
  shareId = await shareIdOf(manifestBytes)
  const layout = new ManifestLayout(manifest)
  const share: ServedShare = { shareId, manifestBytes, layout, have: Bitfield.full(4), async readChunk (i) { return new Uint8Array(layout.chunkLength(i)) }, onHave () { return () => {} } }
  server = await createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  await new ChunkServer(server, { lookup: id => id === shareId ? share : undefined, swarmPeers: async () => [], uploadLimit: new TokenBucket(0), maxSessions: 4, maxSessionsPerPeer: 2 }).start()
  for (let i = 0; i < 3; i++) clients.push(await createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] }))
})
after(async () => { for (const c of clients) await c.stop(); await server?.stop() })

async function open (client: SwarmNode): Promise<SourceSession> {
  const stream = await client.dialProtocol(server.getMultiaddrs()[0]!, CHUNK_PROTOCOL)
  return SourceSession.open(stream, server.peerId.toString(), shareId)
}

/** Resolves when the session ends (with the reason, if it was aborted). */
function ended (session: SourceSession): Promise<Error | undefined> {
  return new Promise(resolve => { session.start({ onBlock () {}, onHave () {}, onPeers () {}, onError () {}, onClose: resolve }) })
}

describe('seeder session caps', () => {
  it('refuses a peer past its per-peer cap, and makes room for a newcomer when the table is full', async () => {
    const [a, b, c] = clients as [SwarmNode, SwarmNode, SwarmNode]
    const a1 = await open(a)
    const a1End = ended(a1)
    await open(a)
    await assert.rejects(open(a), (err: unknown) => err instanceof SessionRefusedError && err.code === 'busy', 'a third session from one peer is busy')
    const b1 = await open(b)
    const b2 = await open(b)
    // The table (4) is full: b holds 2, c holds 0, so c gets in and the oldest of a's sessions is closed.
    const c1 = await open(c)
    assert.ok((await a1End) !== undefined || a1.closed, "a's oldest session was closed to make room")
    // Now a holds 1, b 2, c 1: no peer holds two more than c, so c's second session is busy.
    await assert.rejects(open(c), (err: unknown) => err instanceof SessionRefusedError && err.code === 'busy')
    for (const s of [b1, b2, c1]) assert.equal(s.closed, false)
  })
})

describe('a full seeder', () => {
  it('names other members of the swarm when it refuses a session as busy', async () => {
    const full = await createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
    const members = ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWA', '/ip4/127.0.0.1/tcp/4002/p2p/12D3KooWB']
    const asked: string[] = []
    try {
      const manifestBytes = encodeManifest(manifest)
      const layout = new ManifestLayout(manifest)
      const share: ServedShare = { shareId, manifestBytes, layout, have: Bitfield.full(4), async readChunk (i) { return new Uint8Array(layout.chunkLength(i)) }, onHave () { return () => {} } }
      await new ChunkServer(full, { lookup: id => id === shareId ? share : undefined, swarmPeers: async (_id, peerId) => { asked.push(peerId); return members }, uploadLimit: new TokenBucket(0), maxSessions: 1, maxSessionsPerPeer: 1 }).start()
      const [a, b] = clients as [SwarmNode, SwarmNode]
      const openAt = async (client: SwarmNode): Promise<SourceSession> => SourceSession.open(await client.dialProtocol(full.getMultiaddrs()[0]!, CHUNK_PROTOCOL), full.peerId.toString(), shareId)
      const first = await openAt(a)
      assert.deepEqual(first.initialPeers, members, 'the admitted session gets them in its WELCOME')
      await assert.rejects(openAt(b), (err: unknown) => err instanceof SessionRefusedError && err.code === 'busy' && err.peers.join() === members.join(), 'the refused one gets them with its busy answer')
      assert.deepEqual(asked, [a.peerId.toString(), b.peerId.toString()], 'listed for each newcomer, without the newcomer itself')
      first.close()
    } finally {
      await full.stop()
    }
  })
})
