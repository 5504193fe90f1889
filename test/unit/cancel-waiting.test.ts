/**
 * A CANCEL reaches a chunk the server has already taken from its queue and is holding until its
 * upload budget allows: the chunk is never sent. Two real libp2p nodes, ChunkServer with a
 * 64 KiB/s upload limit and 64 KiB chunks, so each chunk after the first waits about a second.
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

const CHUNK = 65536
const manifest: Manifest = { version: 1, name: 'x', chunkSize: CHUNK, files: [{ path: 'x', size: 4 * CHUNK }], hashes: new Uint8Array(4 * 32) }
let shareId = ''
let server: SwarmNode
let client: SwarmNode

before(async () => {
  const share = await memoryShare(manifest)
  shareId = share.shareId
  ;({ server, client } = await nodePair())
  await new ChunkServer(server, { lookup: id => id === shareId ? share : undefined, swarmPeers: async () => [], uploadLimit: new TokenBucket(CHUNK, { burst: CHUNK }) }).start()
})
after(async () => { await client?.stop(); await server?.stop() })

describe('a CANCEL for a chunk waiting for upload budget', () => {
  it('keeps it from being sent, and the budget goes to the next request', async () => {
    const stream = await client.dialProtocol(server.getMultiaddrs()[0]!, CHUNK_PROTOCOL)
    const s = await SourceSession.open(stream, server.peerId.toString(), shareId)
    const blocks: number[] = []
    let arrived: (() => void) | null = null
    s.start({ onBlock (index) { blocks.push(index); arrived?.() }, onHave () {}, onPeers () {}, onError () {}, onClose () {} })
    const next = async (): Promise<void> => { await new Promise<void>(resolve => { arrived = resolve }) }
    let got = next()
    s.request(0) // the burst: sent at once
    s.request(1) // taken from the queue, then waits about 1 s for budget
    await got
    assert.deepEqual(blocks, [0])
    s.cancel(1)
    got = next()
    s.request(2)
    await got
    // Blocks come in request order, so a block 1 that was sent would have come before block 2.
    assert.deepEqual(blocks, [0, 2])
    s.close()
  })
})
