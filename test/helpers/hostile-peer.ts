/**
 * A misbehaving *seeder* for tests, built from the project's own node, server, framing, message and
 * manifest code. Usage: node hostile-peer.ts --mode MODE --folder DIR [--listen MULTIADDR]
 *   corrupt         serves the folder's real manifest, but every chunk with one byte flipped
 *   wrong-manifest  announces the folder's share ID but serves another folder's manifest bytes
 *   evil-manifest   serves (under its true CID) a manifest with an unsafe name or path; pick which
 *                   with --case NAME (repeatable: one share per case; default dotdot, see EVIL_CASES)
 *   stall           welcomes the downloader, serves the manifest, then never answers a request
 *   oversized-block answers a request with a frame over the downloader's cap (4 MiB + 64 KiB)
 *   wrong-length    answers each request with the right chunk minus its last byte
 *   unrequested     answers each request with another chunk's (correct) bytes, never the one asked for
 *   hostile-text    refuses every HELLO (unknown-share) with an error message made of terminal escape
 *                   sequences and a U+202E (REFUSAL_TEXT)
 * Prints one JSON line { event: 'listening', peerId, addresses, shareId, shareIds: { case: id } }, then one line
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

const MODES = ['corrupt', 'wrong-manifest', 'evil-manifest', 'stall', 'oversized-block', 'wrong-length', 'unrequested', 'hostile-text'] as const
type Mode = typeof MODES[number]

const { values } = parseArgs({ options: { mode: { type: 'string' }, folder: { type: 'string' }, listen: { type: 'string' }, case: { type: 'string', multiple: true } } })

/**
 * Hostile names and paths, each as (share name, file paths): climbing out, absolute, UNC, drive
 * and backslash paths, Windows device names, control characters, over-long names, case,
 * Unicode-normalisation and zero-width collisions, a path that is both a file and a directory, a
 * right-to-left override (U+202E) and terminal escape sequences in a name or a path.
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
  'empty-component': { name: 'x', paths: ['x//evil.txt'] },
  'rlo-name': { name: 'invoice\u202Etxt.exe', paths: ['invoice\u202Etxt.exe'] },
  'rlo-path': { name: 'x', paths: ['x/photo\u202Egpj.exe'] },
  'ansi-name': { name: 'x\x1b[2K\rcomplete\x1b]0;pwned\x07', paths: ['x\x1b[2K\rcomplete\x1b]0;pwned\x07/a'] },
  'osc52-path': { name: 'x', paths: ['x/a\x1b]52;c;cm0gLXJmIH4=\x07\u009b2K'] }
}

/** hostile-text: a screen rewrite faking a finished line, a window title, a clipboard write (OSC 52), 8-bit CSI and a U+202E. */
const REFUSAL_TEXT = 'busy\x1b[2K\rcomplete: 100%\x1b]0;pwned\x07\x1b]52;c;cm0gLXJmIH4=\x07\u009b31m invoice\u202Etxt.exe\nswarmdrop: fake line'

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
/** evil-manifest: share ID -> case name and manifest bytes (never valid, so never decoded here). */
const evil = new Map<string, { name: string, bytes: Uint8Array }>()
if (mode === 'wrong-manifest') {
  manifest = { ...built.manifest, name: built.manifest.name + '-other', files: built.manifest.files.map(f => ({ ...f, path: f.path.replace(built.manifest.name, built.manifest.name + '-other') })) }
  manifestBytes = encodeManifest(manifest)
} else if (mode === 'evil-manifest') {
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
}

const layout = new ManifestLayout(evil.size > 0 ? built.manifest : manifest)
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
  const lookup = (id: string): ServedShare | undefined => {
    const e = evil.get(id)
    return e != null ? { ...share, shareId: id, manifestBytes: e.bytes } : id === shareId ? share : undefined
  }
  const server = new ChunkServer(node, { lookup, swarmPeers: async () => [], uploadLimit: new TokenBucket(0), onPeerJoined: () => { print({ event: 'session' }) } })
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
      if (m.share !== shareId || mode === 'hostile-text') { await framed.send(encodeMessage({ t: 'error', code: 'unknown-share', ...(mode === 'hostile-text' ? { message: REFUSAL_TEXT } : {}) })); await framed.close(); return }
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

print({ event: 'listening', peerId: node.peerId.toString(), addresses: node.getMultiaddrs().map(String), shareId, shareIds: Object.fromEntries([...evil].map(([id, e]) => [e.name, id])) })
process.on('SIGTERM', () => { void Promise.resolve(node.stop()).finally(() => process.exit(0)) })
