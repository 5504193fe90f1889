/**
 * WELCOME does not wait for peer exchange: two real libp2p nodes, the server's list of the swarm's
 * addresses held back by the test. On a loaded machine reading that list from the peer store took
 * longer than the downloader's 10 s handshake deadline, and sessions failed with "no WELCOME in time".
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { TokenBucket } from '../../node-core/src/bandwidth/token-bucket.ts'
import { SourceSession } from '../../node-core/src/protocol/chunk-client.ts'
import { ChunkServer } from '../../node-core/src/protocol/chunk-server.ts'
import { CHUNK_PROTOCOL } from '../../node-core/src/protocol/constants.ts'
import type { SwarmNode } from '../../node-core/src/net/node.ts'
import type { Manifest } from '../../node-core/src/manifest/types.ts'
import { memoryShare, nodePair } from '../helpers/served-share.ts'

const manifest: Manifest = { version: 1, name: 'x', chunkSize: 65536, files: [{ path: 'x', size: 4 * 65536 }], hashes: new Uint8Array(4 * 32) }
const PEERS = ['/ip4/127.0.0.1/tcp/1/p2p/12D3KooWPeerA', '/ip4/127.0.0.1/tcp/2/p2p/12D3KooWPeerB']
let shareId = ''
let server: SwarmNode
let client: SwarmNode
/** What the server's swarmPeers returns next: the test settles it. */
let listing: PromiseWithResolvers<string[]>
let asked = 0

before(async () => {
  const share = await memoryShare(manifest)
  shareId = share.shareId
  ;({ server, client } = await nodePair())
  await new ChunkServer(server, {
    lookup: id => id === shareId ? share : undefined,
    swarmPeers: async () => { asked++; return await listing.promise },
    uploadLimit: new TokenBucket(0)
  }).start()
})
after(async () => { await client?.stop(); await server?.stop() })

async function open (): Promise<SourceSession> {
  const stream = await client.dialProtocol(server.getMultiaddrs()[0]!, CHUNK_PROTOCOL)
  return SourceSession.open(stream, server.peerId.toString(), shareId)
}

describe('WELCOME while the swarm\'s addresses are still being read', () => {
  it('comes without them, and they follow in PEERS once read', async () => {
    listing = Promise.withResolvers()
    const before = asked
    const s = await open() // on the old code this waited for the list, then failed: no WELCOME in time
    assert.equal(asked, before + 1, 'the server did ask for the list')
    assert.deepEqual(s.initialPeers, [])
    const peers = Promise.withResolvers<readonly string[]>()
    const blocks: number[] = []
    const block = Promise.withResolvers<void>()
    s.start({ onBlock (index) { blocks.push(index); block.resolve() }, onHave () {}, onPeers (p) { peers.resolve(p) }, onError () {}, onClose () {} })
    s.request(2)
    await block.promise // the session serves while the list is pending
    assert.deepEqual(blocks, [2])
    listing.resolve(PEERS)
    assert.deepEqual(await peers.promise, PEERS)
    s.close()
  })

  it('carries them when they are read at once', async () => {
    listing = Promise.withResolvers()
    listing.resolve(PEERS)
    const s = await open()
    assert.deepEqual(s.initialPeers, PEERS)
    s.close()
  })

  it('still serves when reading them fails', async () => {
    listing = Promise.withResolvers()
    listing.promise.catch(() => {}) // handled by the server when it asks; not unhandled meanwhile
    listing.reject(new Error('peer store closed'))
    const s = await open()
    assert.deepEqual(s.initialPeers, [])
    const got = Promise.withResolvers<number>()
    s.start({ onBlock (index) { got.resolve(index) }, onHave () {}, onPeers () {}, onError () {}, onClose () {} })
    s.request(3)
    assert.equal(await got.promise, 3)
    s.close()
  })
})
