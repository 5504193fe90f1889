/**
 * A misbehaving *seeder* for tests, built from the project's own node, server, framing, message and
 * manifest code. Usage: node hostile-peer.ts --mode MODE --folder DIR [--listen MULTIADDR]
 *   corrupt         serves the folder's real manifest, but every chunk with one byte flipped
 *   wrong-manifest  announces the folder's share ID but serves another folder's manifest bytes
 *   evil-manifest   serves (under its true CID) a manifest whose file path climbs out with `..`
 *   stall           welcomes the downloader, serves the manifest, then never answers a request
 *   oversized-block answers a request with a frame over the downloader's cap (4 MiB + 64 KiB)
 *   wrong-length    answers each request with the right chunk minus its last byte
 *   unrequested     answers each request with another chunk's (correct) bytes, never the one asked for
 * Prints one JSON line { event: 'listening', peerId, addresses, shareId }, then one line
 * { event: 'session' } per accepted HELLO and { event: 'request', index } per REQUEST it gets.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { generateKeyPair } from '@libp2p/crypto/keys'
import * as varint from 'uint8-varint'
import { parseArgs } from 'node:util'
import { readFile } from 'node:fs/promises'
import { TokenBucket } from '../../node-core/src/bandwidth/token-bucket.ts'
import { buildShare } from '../../node-core/src/manifest/builder.ts'
import { encodeManifest, shareIdOf } from '../../node-core/src/manifest/codec.ts'
import { HashPool } from '../../node-core/src/manifest/hash-pool.ts'
import { ManifestLayout } from '../../node-core/src/manifest/layout.ts'
import { createSwarmNode } from '../../node-core/src/net/node.ts'
import { ChunkServer } from '../../node-core/src/protocol/chunk-server.ts'
import { CHUNK_PROTOCOL, MANIFEST_PIECE_BYTES, MAX_CLIENT_MESSAGE_BYTES, MAX_SERVER_MESSAGE_BYTES } from '../../node-core/src/protocol/constants.ts'
import { FramedStream } from '../../node-core/src/protocol/framing.ts'
import { decodeClientMessage, encodeMessage } from '../../node-core/src/protocol/messages.ts'
import { Bitfield } from '../../node-core/src/storage/bitfield.ts'
import type { Manifest } from '../../node-core/src/manifest/types.ts'
import type { ServedShare } from '../../node-core/src/storage/served-share.ts'
import type { Stream } from '@libp2p/interface'

const MODES = ['corrupt', 'wrong-manifest', 'evil-manifest', 'stall', 'oversized-block', 'wrong-length', 'unrequested'] as const
type Mode = typeof MODES[number]

const { values } = parseArgs({ options: { mode: { type: 'string' }, folder: { type: 'string' }, listen: { type: 'string' } } })
const mode = values.mode as Mode
if (!MODES.includes(mode)) throw new Error(`unknown mode ${values.mode}`)
const pool = new HashPool(1)
const built = await buildShare(values.folder!, pool)
await pool.close()
const realBytes = encodeManifest(built.manifest)
const realId = await shareIdOf(realBytes)

let shareId = realId
let manifestBytes = realBytes
let manifest: Manifest = built.manifest
if (mode === 'wrong-manifest') {
  manifest = { ...built.manifest, name: built.manifest.name + '-other', files: built.manifest.files.map(f => ({ ...f, path: f.path.replace(built.manifest.name, built.manifest.name + '-other') })) }
  manifestBytes = encodeManifest(manifest)
} else if (mode === 'evil-manifest') {
  const first = built.manifest.files[0]!
  manifest = { ...built.manifest, name: 'x', files: [{ path: 'x/../../evil.txt', size: first.size }, ...built.manifest.files.slice(1).map(f => ({ ...f, path: 'x/' + f.path }))] }
  manifestBytes = dagCbor.encode({ ...manifest, files: manifest.files.map(f => ({ path: f.path, size: f.size })) })
  shareId = await shareIdOf(manifestBytes)
}

const layout = new ManifestLayout(manifest)
const files = built.files
async function realChunk (index: number): Promise<Uint8Array> {
  const loc = layout.locate(index)
  return Uint8Array.from((await readFile(files[loc.fileIndex]!.absolutePath)).subarray(loc.offset, loc.offset + loc.length))
}
const print = (line: Record<string, unknown>): void => { process.stdout.write(JSON.stringify(line) + '\n') }

const node = await createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen: [values.listen ?? '/ip4/127.0.0.1/tcp/0'], network: 'swarmdrop-test' })

if (mode === 'corrupt' || mode === 'wrong-manifest' || mode === 'evil-manifest') {
  // The project's own server, over a share whose chunks are all corrupt.
  const share: ServedShare = {
    shareId,
    manifestBytes,
    layout,
    have: Bitfield.full(layout.chunkCount),
    async readChunk (index) {
      const copy = await realChunk(index)
      copy[0] = copy[0]! ^ 0xff
      return copy
    },
    onHave () { return () => {} }
  }
  const server = new ChunkServer(node, { lookup: id => id === shareId ? share : undefined, swarmPeers: async () => [], uploadLimit: new TokenBucket(0), onPeerJoined: () => { print({ event: 'session' }) } })
  await server.start()
} else {
  await node.handle(CHUNK_PROTOCOL, (stream) => { serveHostile(stream).catch(err => { stream.abort(err as Error) }) })
}

/** A server that speaks the protocol correctly up to the first REQUEST, then misbehaves per `mode`. */
async function serveHostile (stream: Stream): Promise<void> {
  const framed = new FramedStream(stream, MAX_CLIENT_MESSAGE_BYTES)
  const have = Bitfield.full(layout.chunkCount)
  for await (const frame of framed.frames()) {
    const m = decodeClientMessage(frame)
    if (m.t === 'hello') {
      if (m.share !== shareId) { await framed.send(encodeMessage({ t: 'error', code: 'unknown-share' })); await framed.close(); return }
      print({ event: 'session' })
      await framed.send(encodeMessage({ t: 'welcome', manifestSize: manifestBytes.length, have: have.bytes, peers: [] }))
    } else if (m.t === 'manifest') {
      await framed.send(encodeMessage({ t: 'manifest-piece', offset: m.offset, data: manifestBytes.subarray(m.offset, m.offset + MANIFEST_PIECE_BYTES) }))
    } else if (m.t === 'request') {
      print({ event: 'request', index: m.index })
      if (mode === 'stall') continue
      if (mode === 'oversized-block') {
        // A length prefix over the cap, then that many bytes: the downloader must refuse it on the prefix.
        const size = MAX_SERVER_MESSAGE_BYTES + 1
        const body = new Uint8Array(size)
        if (!stream.send(varint.encode(size))) await stream.onDrain()
        if (!stream.send(body)) await stream.onDrain()
      } else if (mode === 'wrong-length') {
        const data = await realChunk(m.index)
        await framed.send(encodeMessage({ t: 'block', index: m.index, data: data.subarray(0, data.length - 1) }))
      } else if (mode === 'unrequested') {
        const other = (m.index + 1) % layout.chunkCount
        await framed.send(encodeMessage({ t: 'block', index: other, data: await realChunk(other) }))
      }
    }
  }
  await framed.close()
}

print({ event: 'listening', peerId: node.peerId.toString(), addresses: node.getMultiaddrs().map(String), shareId })
process.on('SIGTERM', () => { void Promise.resolve(node.stop()).finally(() => process.exit(0)) })
