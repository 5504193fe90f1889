/**
 * A misbehaving peer of search, for tests, built from the project's own node, routing, framing and
 * search wire code. It joins the test network's DHT (server mode, through --bootstrap), publishes
 * provider records for the keywords given (--keyword, repeatable), and answers every search as
 * --mode says:
 *   huge   an answer frame over the asker's cap (MAX_ANSWER_BYTES + 1 bytes)
 *   many   a correctly signed answer of 1,000 results (past MAX_RESULTS_PER_ANSWER)
 *   lies   a correctly signed answer of 50 results with made-up share IDs that match nothing
 *   slow   never answers (holds the stream open)
 * With --flood MULTIADDR it also asks that peer the same search as fast as it is let, 300 times,
 * and prints { event: 'flood-ended', answered, refused, ms }.
 * Prints { event: 'listening', peerId, addresses }, then { event: 'published', keywords } once
 * every keyword's record is stored, then { event: 'asked', query } per search it gets.
 */
import { parseArgs } from 'node:util'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createSwarmNode } from '../../node-core/src/net/node.ts'
import { ShareRouting } from '../../node-core/src/net/share-routing.ts'
import { FramedStream } from '../../node-core/src/protocol/framing.ts'
import { keywordKey } from '../../node-core/src/search/keywords.ts'
import { askPeer } from '../../node-core/src/search/search.ts'
import { decodeRequest, encodeAnswer, encodeBody, MAX_ANSWER_BYTES, MAX_REQUEST_BYTES, SEARCH_PROTOCOL } from '../../node-core/src/search/wire.ts'
import { multiaddr } from '@multiformats/multiaddr'
import * as varint from 'uint8-varint'

const { values } = parseArgs({
  options: {
    mode: { type: 'string' },
    keyword: { type: 'string', multiple: true },
    bootstrap: { type: 'string' },
    network: { type: 'string', default: 'swarmdrop-test' },
    flood: { type: 'string' }
  }
})
const print = (line: Record<string, unknown>): void => { process.stdout.write(JSON.stringify(line) + '\n') }
const privateKey = await generateKeyPair('Ed25519')
const node = await createSwarmNode({ privateKey, listen: ['/ip4/127.0.0.1/tcp/0'], network: values.network, bootstrap: values.bootstrap != null ? [values.bootstrap] : [], allowPrivate: true, dhtServer: true })
const mode = values.mode ?? 'huge'

/** A CIDv1 dag-cbor sha2-256 share ID made from a number (well formed, names no real manifest). */
function fakeShareId (i: number): string {
  const bytes = new Uint8Array(36)
  bytes.set([0x01, 0x71, 0x12, 0x20])
  new DataView(bytes.buffer).setUint32(4, i)
  return 'b' + base32(bytes)
}
function base32 (bytes: Uint8Array): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  let bits = 0
  let value = 0
  let out = ''
  for (const b of bytes) {
    value = (value << 8) | b
    bits += 8
    while (bits >= 5) { out += alphabet[(value >>> (bits - 5)) & 31]; bits -= 5 }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31]
  return out
}

await node.handle(SEARCH_PROTOCOL, async stream => {
  const framed = new FramedStream(stream, MAX_REQUEST_BYTES)
  let query = ''
  for await (const frame of framed.frames()) { query = decodeRequest(frame).query; break }
  print({ event: 'asked', query })
  if (mode === 'slow') return // the stream stays open: the asker's timeout ends it
  let payload: Uint8Array
  if (mode === 'huge') {
    payload = new Uint8Array(MAX_ANSWER_BYTES + 1)
  } else {
    const count = mode === 'many' ? 1000 : 50
    const results = Array.from({ length: count }, (_, i) => ({ shareId: fakeShareId(i), name: mode === 'many' ? `${query} ${i}` : `spam ${i}`, size: 1, fileCount: 1, matchingFiles: [] }))
    const body = encodeBody({ query, results })
    payload = encodeAnswer(body, await privateKey.sign(body))
  }
  // Written raw: the frame may be past any cap.
  stream.send(varint.encode(payload.byteLength))
  if (!stream.send(payload)) await stream.onDrain()
  await stream.close().catch(() => {})
}, { maxInboundStreams: 64 })

print({ event: 'listening', peerId: node.peerId.toString(), addresses: node.getMultiaddrs().map(String) })

if ((values.keyword ?? []).length > 0) {
  if (node.services.dht == null) throw new Error('the hostile searcher needs the DHT')
  const routing = new ShareRouting(node.services.dht)
  // Wait for a peer in the routing table first: a provide with none stores nothing.
  while (node.getConnections().length === 0) await new Promise(resolve => setTimeout(resolve, 200))
  await Promise.all(values.keyword!.map(async k => await routing.announce(await keywordKey(k))))
  print({ event: 'published', keywords: values.keyword })
}

if (values.flood != null) {
  const target = multiaddr(values.flood)
  const peerId = target.getComponents().findLast(c => c.name === 'p2p')!.value!
  let answered = 0
  let refused = 0
  const started = performance.now()
  for (let i = 0; i < 300; i++) {
    try {
      await askPeer(node, peerId, values.flood, { query: 'rome', limit: 50 }, AbortSignal.timeout(5000))
      answered++
    } catch {
      refused++
    }
  }
  print({ event: 'flood-ended', answered, refused, ms: Math.round(performance.now() - started) })
}

await new Promise<void>(resolve => {
  process.once('SIGTERM', () => { resolve() })
  process.once('SIGINT', () => { resolve() })
})
await node.stop()
