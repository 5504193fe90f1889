/**
 * A misbehaving peer for tests, built from the project's own node, server and manifest code.
 * Usage: node hostile-peer.ts --mode MODE --folder DIR [--listen MULTIADDR]
 *   corrupt        serves the folder's real manifest, but every chunk with one byte flipped
 *   wrong-manifest announces the folder's share ID but serves another folder's manifest bytes
 *   evil-manifest  serves (under its true CID) a manifest with an unsafe name or path; pick which
 *                  with --case NAME (repeatable: one share per case; default dotdot, see EVIL_CASES)
 * Prints one JSON line: { event: 'listening', peerId, addresses, shareId, shareIds: { case: id } }.
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

const { values } = parseArgs({ options: { mode: { type: 'string' }, folder: { type: 'string' }, listen: { type: 'string' }, case: { type: 'string', multiple: true } } })

/**
 * Hostile names and paths, each as (share name, file paths): climbing out, absolute, UNC, drive
 * and backslash paths, Windows device names, control characters, over-long names, case,
 * Unicode-normalisation and zero-width collisions, a path that is both a file and a directory.
 */
const EVIL_CASES: Record<string, { name: string, paths: string[] }> = {
  dotdot: { name: 'x', paths: ['x/../../evil.txt', 'x/ok'] },
  'dotdot-name': { name: '..', paths: ['../evil.txt'] },
  absolute: { name: 'x', paths: ['/tmp/evil.txt'] },
  'absolute-name': { name: '/tmp', paths: ['/tmp/evil.txt'] },
  unc: { name: 'x', paths: ['//server/share/evil.txt'] },
  'drive-letter': { name: 'x', paths: ['x/C:/evil.txt'] },
  'drive-name': { name: 'C:', paths: ['C:/evil.txt'] },
  backslash: { name: 'x', paths: ['x/..\\..\\evil.txt'] },
  'reserved-con': { name: 'x', paths: ['x/CON'] },
  'reserved-com1-ext': { name: 'x', paths: ['x/com1.txt'] },
  'reserved-name': { name: 'NUL', paths: ['NUL/a'] },
  'trailing-dot': { name: 'x', paths: ['x/evil.'] },
  'control-nul': { name: 'x', paths: ['x/evil\u0000.txt'] },
  'control-newline': { name: 'x', paths: ['x/evil\n.txt'] },
  'long-component': { name: 'x', paths: ['x/' + 'a'.repeat(256)] },
  'long-path': { name: 'x', paths: ['x/' + Array.from({ length: 20 }, () => 'b'.repeat(250)).join('/')] },
  'case-collision': { name: 'x', paths: ['x/A.txt', 'x/a.txt'] },
  'nfc-nfd-collision': { name: 'x', paths: ['x/caf\u00e9', 'x/cafe\u0301'] },
  'zero-width-collision': { name: 'x', paths: ['x/ab', 'x/a\u200bb'] },
  'file-and-directory': { name: 'x', paths: ['x/a', 'x/a/b'] },
  'empty-component': { name: 'x', paths: ['x//evil.txt'] }
}
const pool = new HashPool(1)
const built = await buildShare(values.folder!, pool)
await pool.close()
const realBytes = encodeManifest(built.manifest)
const realId = await shareIdOf(realBytes)

let shareId = realId
let manifestBytes = realBytes
let manifest: Manifest = built.manifest
/** evil-manifest: share ID -> case name and manifest bytes (never valid, so never decoded here). */
const evil = new Map<string, { name: string, bytes: Uint8Array }>()
if (values.mode === 'wrong-manifest') {
  manifest = { ...built.manifest, name: built.manifest.name + '-other', files: built.manifest.files.map(f => ({ ...f, path: f.path.replace(built.manifest.name, built.manifest.name + '-other') })) }
  manifestBytes = encodeManifest(manifest)
} else if (values.mode === 'evil-manifest') {
  for (const name of values.case ?? ['dotdot']) {
    const c = EVIL_CASES[name]
    if (c == null) throw new Error(`unknown case ${name}; known: ${Object.keys(EVIL_CASES).join(', ')}`)
    const files = c.paths.map(path => ({ path, size: 10 })).sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)))
    const chunkSize = built.manifest.chunkSize
    const bytes = dagCbor.encode({ version: 1, name: c.name, chunkSize, files, hashes: new Uint8Array(32 * files.length) })
    const id = await shareIdOf(bytes)
    evil.set(id, { name, bytes })
  }
  shareId = [...evil.keys()][0]!
  manifestBytes = evil.get(shareId)!.bytes
} else if (values.mode !== 'corrupt') {
  throw new Error(`unknown mode ${values.mode}`)
}

const layout = new ManifestLayout(evil.size > 0 ? built.manifest : manifest)
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
const lookup = (id: string): ServedShare | undefined => {
  const e = evil.get(id)
  return e != null ? { ...share, shareId: id, manifestBytes: e.bytes } : id === shareId ? share : undefined
}
const server = new ChunkServer(node, { lookup, swarmPeers: async () => [], uploadLimit: new TokenBucket(0) })
await server.start()
process.stdout.write(JSON.stringify({ event: 'listening', peerId: node.peerId.toString(), addresses: node.getMultiaddrs().map(String), shareId, shareIds: Object.fromEntries([...evil].map(([id, e]) => [e.name, id])) }) + '\n')
process.on('SIGTERM', () => { void Promise.resolve(node.stop()).finally(() => process.exit(0)) })
