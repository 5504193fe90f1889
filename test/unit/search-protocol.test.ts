/**
 * The search protocol between two real libp2p nodes on 127.0.0.1: matching, signing and the
 * asker's checks, with hostile responders (huge answer, too many results, wrong signature, results
 * that do not match) and a flooding asker.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as dagCbor from '@ipld/dag-cbor'
import { generateKeyPair } from '@libp2p/crypto/keys'
import * as varint from 'uint8-varint'
import { createSwarmNode } from '../../node-core/src/net/node.ts'
import { indexShare, matchShare, MAX_MATCHING_FILES, publishedKeywords } from '../../node-core/src/search/match.ts'
import { queryKeywords } from '../../node-core/src/search/keywords.ts'
import { SearchResponder } from '../../node-core/src/search/responder.ts'
import { askPeer, ResultMerger } from '../../node-core/src/search/search.ts'
import { encodeAnswer, encodeBody, MAX_ANSWER_BYTES, SEARCH_PROTOCOL } from '../../node-core/src/search/wire.ts'
import { PeerScore } from '../../node-core/src/scheduler/peer-score.ts'
import type { SwarmNode } from '../../node-core/src/net/node.ts'
import type { ShareKeywords } from '../../node-core/src/search/match.ts'
import type { Stream } from '@libp2p/interface'

// Real share IDs (dag-cbor CIDv1 sha2-256) of made-up manifests.
const ID_A = 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const ID_B = 'bafyreibvjvcv745gig4mvqs4hctx4zfkono4rjejm2ta6gtyzkqxfjeily'

function share (shareId: string, name: string, files: string[]): ShareKeywords {
  return indexShare({ shareId, name, size: 1000 * files.length, files: files.map(path => ({ path })) })
}

describe('search matching', () => {
  const holiday = share(ID_A, 'Holiday 2024', ['Holiday 2024/Rome/colosseum.jpg', 'Holiday 2024/Rome/forum.jpg', 'Holiday 2024/Paris/louvre.jpg'])

  it('matches when every query keyword is in the name or a file path', () => {
    assert.ok(matchShare(queryKeywords('holiday rome'), holiday) != null)
    assert.ok(matchShare(queryKeywords('louvre colosseum'), holiday) != null)
    assert.equal(matchShare(queryKeywords('holiday berlin'), holiday), null)
    assert.equal(matchShare([], holiday), null, 'an empty query matches nothing')
  })

  it('shows, for each keyword not in the name, a file that holds it; files capped', () => {
    const m = matchShare(queryKeywords('louvre colosseum'), holiday)!
    assert.deepEqual(m.matchingFiles.toSorted(), ['Holiday 2024/Paris/louvre.jpg', 'Holiday 2024/Rome/colosseum.jpg'])
    const many = share(ID_B, 'big', [...Array.from({ length: 40 }, (_, i) => `big/rome ${i}.jpg`), 'big/zz/paris.jpg'])
    const m2 = matchShare(queryKeywords('rome paris'), many)!
    assert.equal(m2.matchingFiles.length, MAX_MATCHING_FILES)
    assert.ok(m2.matchingFiles.includes('big/zz/paris.jpg'), 'the one file with "paris" is shown even past the cap')
  })

  it('publishes the name keywords first, then the commonest file keywords', () => {
    assert.deepEqual(publishedKeywords(holiday, 4), ['holiday', '2024', 'jpg', 'rome'])
  })
})

describe('search protocol', { timeout: 60_000 }, () => {
  let responderNode: SwarmNode
  let asker: SwarmNode
  let hostile: SwarmNode
  let responder: SearchResponder
  const scores = new PeerScore()
  let shares: ShareKeywords[] = []

  before(async () => {
    const listen = ['/ip4/127.0.0.1/tcp/0']
    const responderKey = await generateKeyPair('Ed25519')
    responderNode = await createSwarmNode({ privateKey: responderKey, listen })
    asker = await createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen })
    hostile = await createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen })
    shares = [
      share(ID_A, 'Holiday 2024', ['Holiday 2024/Rome/colosseum.jpg', 'Holiday 2024/notes.txt']),
      share(ID_B, 'Rome lectures', ['Rome lectures/week1.pdf'])
    ]
    responder = new SearchResponder(responderNode, { privateKey: responderKey, shares: () => shares, judge: scores, budget: { burst: 5, perSecond: 0.001, debt: 5 } })
    await responder.start()
  })

  after(async () => {
    await responder.stop()
    await Promise.all([responderNode.stop(), asker.stop(), hostile.stop()])
  })

  const addr = (n: SwarmNode): string => n.getMultiaddrs()[0]!.toString()

  it('answers a query with the matching shares, signed; a browse with all of them', async () => {
    const answer = await askPeer(asker, responderNode.peerId.toString(), addr(responderNode), { query: 'ROME', limit: 50 }, AbortSignal.timeout(10_000))
    assert.deepEqual(answer.results.map(r => r.shareId).toSorted(), [ID_A, ID_B].toSorted())
    assert.equal(answer.results.find(r => r.shareId === ID_A)!.matchingFiles[0], 'Holiday 2024/Rome/colosseum.jpg')
    const only = await askPeer(asker, responderNode.peerId.toString(), addr(responderNode), { query: 'holiday notes', limit: 50 }, AbortSignal.timeout(10_000))
    assert.deepEqual(only.results.map(r => r.shareId), [ID_A])
    const browse = await askPeer(asker, responderNode.peerId.toString(), addr(responderNode), { query: '', limit: 50, browse: true }, AbortSignal.timeout(10_000))
    assert.deepEqual(browse.results.map(r => r.name).toSorted(), ['Holiday 2024', 'Rome lectures'])
    assert.ok(answer.address?.endsWith(`/p2p/${responderNode.peerId.toString()}`))
  })

  it('merges answers by share ID and ranks by keywords in the name, then holders', () => {
    const merger = new ResultMerger(queryKeywords('rome'))
    const r = (shareId: string, name: string) => ({ shareId, name, size: 1, fileCount: 1, matchingFiles: ['x/rome.txt'] })
    merger.add({ peerId: 'p1', address: null, results: [r(ID_A, 'Holiday'), r(ID_B, 'Rome lectures')], dropped: 0 })
    const changed = merger.add({ peerId: 'p2', address: null, results: [r(ID_A, 'Holiday')], dropped: 0 })
    assert.equal(changed.length, 1)
    assert.deepEqual(changed[0]!.holders, ['p1', 'p2'])
    assert.deepEqual(merger.results().map(x => x.shareId), [ID_B, ID_A], 'the name match first even with fewer holders')
  })

  /** Makes the hostile node answer every search with `answer(stream)`'s bytes. */
  async function hostileAnswers (answer: (query: string) => Promise<Uint8Array>): Promise<void> {
    await hostile.unhandle(SEARCH_PROTOCOL)
    await hostile.handle(SEARCH_PROTOCOL, async (stream: Stream) => {
      let got = new Uint8Array()
      for await (const chunk of stream) { got = Uint8Array.from([...got, ...chunk.subarray()]); if (got.byteLength > 2) break }
      const request = dagCbor.decode<{ query: string }>(got.subarray(varint.encodingLength(varint.decode(got))))
      const payload = await answer(request.query)
      stream.send(Uint8Array.from([...varint.encode(payload.byteLength)]))
      stream.send(payload)
      await stream.close().catch(() => {})
    })
  }

  const askHostile = (query: string) => askPeer(asker, hostile.peerId.toString(), addr(hostile), { query, limit: 50 }, AbortSignal.timeout(10_000))
  const hostileKey = async (): Promise<{ sign: (b: Uint8Array) => Promise<Uint8Array> }> => {
    const key = (hostile as unknown as { components: { privateKey: { sign: (b: Uint8Array) => Promise<Uint8Array> } } }).components.privateKey
    return key
  }

  it('refuses an answer over the frame cap', async () => {
    await hostileAnswers(async () => new Uint8Array(MAX_ANSWER_BYTES + 1))
    await assert.rejects(askHostile('rome'), (err: Error) => err.name === 'ProtocolError')
  })

  it('refuses an answer with more results than asked for', async () => {
    const key = await hostileKey()
    await hostileAnswers(async query => {
      const body = encodeBody({ query, results: Array.from({ length: 51 }, () => ({ shareId: ID_A, name: 'rome', size: 1, fileCount: 1, matchingFiles: [] })) })
      return encodeAnswer(body, await key.sign(body))
    })
    await assert.rejects(askHostile('rome'), /51 results/)
  })

  it('refuses an answer not signed by the peer, and one for another query', async () => {
    const other = await generateKeyPair('Ed25519')
    await hostileAnswers(async query => {
      const body = encodeBody({ query, results: [] })
      return encodeAnswer(body, await other.sign(body))
    })
    await assert.rejects(askHostile('rome'), /not signed by the peer/)
    const key = await hostileKey()
    await hostileAnswers(async () => {
      const body = encodeBody({ query: 'something else', results: [] })
      return encodeAnswer(body, await key.sign(body))
    })
    await assert.rejects(askHostile('rome'), /another query/)
  })

  it('drops results that do not show the query keywords, and sanitises names', async () => {
    const key = await hostileKey()
    await hostileAnswers(async query => {
      const body = encodeBody({
        query,
        results: [
          { shareId: ID_A, name: 'spam spam', size: 1, fileCount: 1, matchingFiles: [] },
          { shareId: ID_B, name: 'rome\u001b[2J\u202Eevil', size: 1, fileCount: 1, matchingFiles: [] },
          { shareId: 'not-a-cid', name: 'rome', size: 1, fileCount: 1, matchingFiles: [] }
        ]
      })
      return encodeAnswer(body, await key.sign(body))
    })
    const answer = await askHostile('rome')
    assert.deepEqual(answer.results.map(r => r.shareId), [ID_B])
    assert.equal(answer.dropped, 1)
    assert.ok(!answer.results[0]!.name.includes('\u001b') && !answer.results[0]!.name.includes('\u202e'), answer.results[0]!.name)
  })

  it('answers a flooding asker within its budget, then disconnects and scores it down', async () => {
    const flooder = await createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
    try {
      let ok = 0
      let failed = 0
      for (let i = 0; i < 20; i++) {
        try {
          await askPeer(flooder, responderNode.peerId.toString(), addr(responderNode), { query: 'rome', limit: 50 }, AbortSignal.timeout(10_000))
          ok++
        } catch { failed++ }
      }
      assert.equal(ok, 5, 'the burst is answered, nothing after it')
      assert.equal(failed, 15)
      assert.ok(responder.refused > 0)
      assert.ok(scores.score(flooder.peerId.toString()) < 0, 'scored down')
      // An honest asker is still answered.
      const honest = await askPeer(asker, responderNode.peerId.toString(), addr(responderNode), { query: 'rome', limit: 50 }, AbortSignal.timeout(10_000))
      assert.equal(honest.results.length, 2)
    } finally {
      await flooder.stop()
    }
  })
})
