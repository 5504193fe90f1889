/**
 * A misbehaving peer for tests, built from the project's own node, server and manifest code.
 * Usage: node hostile-peer.ts --mode MODE --folder DIR [--listen MULTIADDR]
 *   corrupt        serves the folder's real manifest, but every chunk with one byte flipped
 *   wrong-manifest announces the folder's share ID but serves another folder's manifest bytes
 *   evil-manifest  serves (under its true CID) a manifest whose file path climbs out with `..`
 * Prints one JSON line: { event: 'listening', peerId, addresses, shareId }.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { parseArgs } from 'node:util'
import { TokenBucket } from '../../node-core/src/bandwidth/token-bucket.ts'
import { buildShare } from '../../node-core/src/manifest/builder.ts'
import { encodeManifest, shareIdOf } from '../../node-core/src/manifest/codec.ts'
import { HashPool } from '../../node-core/src/manifest/hash-pool.ts'
import { ManifestLayout } from '../../node-core/src/manifest/layout.ts'
import { createSwarmNode } from '../../node-core/src/net/node.ts'
import { ChunkServer } from '../../node-core/src/protocol/chunk-server.ts'
import { Bitfield } from '../../node-core/src/storage/bitfield.ts'
import { readFile } from 'node:fs/promises'
import type { Manifest } from '../../node-core/src/manifest/types.ts'
import type { ServedShare } from '../../node-core/src/storage/served-share.ts'

const { values } = parseArgs({ options: { mode: { type: 'string' }, folder: { type: 'string' }, listen: { type: 'string' } } })
const pool = new HashPool(1)
const built = await buildShare(values.folder!, pool)
await pool.close()
const realBytes = encodeManifest(built.manifest)
const realId = await shareIdOf(realBytes)

let shareId = realId
let manifestBytes = realBytes
let manifest: Manifest = built.manifest
if (values.mode === 'wrong-manifest') {
  manifest = { ...built.manifest, name: built.manifest.name + '-other', files: built.manifest.files.map(f => ({ ...f, path: f.path.replace(built.manifest.name, built.manifest.name + '-other') })) }
  manifestBytes = encodeManifest(manifest)
} else if (values.mode === 'evil-manifest') {
  const first = built.manifest.files[0]!
  manifest = { ...built.manifest, name: 'x', files: [{ path: 'x/../../evil.txt', size: first.size }, ...built.manifest.files.slice(1).map(f => ({ ...f, path: 'x/' + f.path }))] }
  manifestBytes = dagCbor.encode({ ...manifest, files: manifest.files.map(f => ({ path: f.path, size: f.size })) })
  shareId = await shareIdOf(manifestBytes)
} else if (values.mode !== 'corrupt') {
  throw new Error(`unknown mode ${values.mode}`)
}

const layout = new ManifestLayout(manifest)
const files = built.files
const share: ServedShare = {
  shareId,
  manifestBytes,
  layout,
  have: Bitfield.full(layout.chunkCount),
  async readChunk (index) {
    const loc = layout.locate(index)
    const data = Buffer.from(await readFile(files[loc.fileIndex]!.absolutePath)).subarray(loc.offset, loc.offset + loc.length)
    const copy = Uint8Array.from(data)
    copy[0] = copy[0]! ^ 0xff
    return copy
  },
  onHave () { return () => {} }
}

const node = await createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen: [values.listen ?? '/ip4/127.0.0.1/tcp/0'] })
const server = new ChunkServer(node, { lookup: id => id === shareId ? share : undefined, swarmPeers: async () => [], uploadLimit: new TokenBucket(0) })
await server.start()
process.stdout.write(JSON.stringify({ event: 'listening', peerId: node.peerId.toString(), addresses: node.getMultiaddrs().map(String), shareId }) + '\n')
process.on('SIGTERM', () => { void Promise.resolve(node.stop()).finally(() => process.exit(0)) })
