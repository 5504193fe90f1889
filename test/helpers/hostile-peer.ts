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
 *   unrequested     claims only the even chunks and answers each request with the next (odd) chunk's
 *                   correct bytes: a chunk never asked of it, since it never claimed it
 *   flood           has nothing to give, and floods every message type as fast as the stream takes
 *                   them: PEERS of made-up peers, HAVE, unsolicited errors; answers requests `busy`.
 *                   With --flood-back it also floods each downloader that opens a session, as a
 *                   downloader would flood a seeder, over the same connection (see leechFlood: new
 *                   streams in a loop, MANIFEST, REQUEST past the end and past the queue, HELLO again,
 *                   CANCEL); --target MULTIADDR (repeatable) floods that peer the same way from start;
 *                   --leech KIND (repeatable: streams, manifest, requests, hello, cancel; default all)
 *                   picks what those floods send
 *   hostile-text    refuses every HELLO (unknown-share) with an error message made of terminal escape
 *                   sequences and a U+202E (REFUSAL_TEXT)
 * Prints one JSON line { event: 'listening', peerId, addresses, shareId, shareIds: { case: id } }, then one line
 * { event: 'session' } per accepted HELLO and { event: 'request', index } per REQUEST it gets; a
 * flood as a downloader ends with { event: 'leech-flood-ended', target, reason: 'closed' | 'bound',
 * streams, messages } (closed: the target cut it off; bound: it sent all it would; `dial failed …`:
 * the target was never reached), then one { event: 'redial', target, ok } for a dial to the target
 * after it.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
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
import { decodeClientMessage, decodeServerMessage, encodeMessage } from '../../node-core/src/protocol/messages.ts'
import { Bitfield } from '../../node-core/src/storage/bitfield.ts'
import type { Manifest } from '../../node-core/src/manifest/types.ts'
import type { ServedShare } from '../../node-core/src/storage/served-share.ts'
import type { Connection, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'

const MODES = ['corrupt', 'wrong-manifest', 'evil-manifest', 'stall', 'oversized-block', 'wrong-length', 'unrequested', 'hostile-text', 'flood'] as const
type Mode = typeof MODES[number]

const { values } = parseArgs({ options: { mode: { type: 'string' }, folder: { type: 'string' }, listen: { type: 'string' }, case: { type: 'string', multiple: true }, 'flood-back': { type: 'boolean' }, target: { type: 'string', multiple: true }, leech: { type: 'string', multiple: true } } })
const LEECH_KINDS = ['streams', 'manifest', 'requests', 'hello', 'cancel'] as const
const leechKinds = new Set<string>(values.leech ?? LEECH_KINDS)
for (const k of leechKinds) if (!(LEECH_KINDS as readonly string[]).includes(k)) throw new Error(`unknown --leech ${k}`)

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
  await node.handle(CHUNK_PROTOCOL, (stream, connection) => { serveHostile(stream, connection).catch(err => { stream.abort(err as Error) }) })
}

/** Made-up peers for `flood` (real peer IDs, addresses where nobody listens). */
const fakePeers = mode === 'flood' ? await Promise.all(Array.from({ length: 2000 }, async (_, i) => `/ip4/127.0.0.1/tcp/${1 + (i % 1000)}/p2p/${peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()}`)) : []

/**
 * `flood`: WELCOME with nothing to give, then PEERS (32 made-up peers each), HAVE and unsolicited
 * `busy` errors as fast as the stream drains, answering every request `busy`, until the
 * downloader closes or drops the stream.
 */
async function flood (framed: FramedStream): Promise<void> {
  await framed.send(encodeMessage({ t: 'welcome', manifestSize: manifestBytes.length, have: new Bitfield(layout.chunkCount).bytes, peers: [] }))
  let open = true
  const reader = (async () => {
    for await (const frame of framed.frames()) {
      const m = decodeClientMessage(frame)
      if (m.t === 'request') await framed.send(encodeMessage({ t: 'error', code: 'busy', index: m.index }))
    }
  })().catch(() => {}).finally(() => { open = false })
  for (let i = 0; open; i++) {
    const peers = Array.from({ length: 32 }, (_, k) => fakePeers[(i * 32 + k) % fakePeers.length]!)
    try {
      if (i % YIELD_EVERY === 0) await yieldToEventLoop()
      await framed.send(encodeMessage({ t: 'peers', peers }))
      await framed.send(encodeMessage({ t: 'have', index: i % layout.chunkCount }))
      await framed.send(encodeMessage({ t: 'error', code: 'busy', index: (i * 7) % layout.chunkCount }))
    } catch { break }
  }
  await reader
}

/**
 * Iterations of a send loop between turns of the event loop. A send that does not have to wait for
 * the stream to drain resolves on the microtask queue: a loop of them (on a stream the other side
 * dropped, whose writes are discarded) would starve timers and I/O, and with them the reader that
 * ends the loop and every line this process prints.
 */
const YIELD_EVERY = 16
const yieldToEventLoop = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }

/** Peers flooded back already (one flood per peer). */
const floodedBack = new Set<string>()
/** Most streams and messages one flood as a downloader sends: far past every budget, so only a defence ends it early. */
const LEECH_MAX_STREAMS = 5000
const LEECH_MAX_MESSAGES = 200_000
/** Most sessions one flood opens for its messages (one is refused while the target does not serve the share yet, 100 ms apart). */
const LEECH_MAX_SESSIONS = 600

/**
 * Floods a seeder as a downloader would, over `connection`: opens chunk-protocol streams in a loop
 * (HELLO, then reset), and on a session (opened again while refused or reset) floods MANIFEST,
 * REQUEST past the end, REQUEST of chunk 0 (past the queue: `busy`), HELLO again and CANCEL (those
 * of --leech), reading and discarding every answer. Ends when the target closes the connection or
 * its muxer (`closed`) or both bounds are reached (`bound`), then dials the target again to see
 * whether it lets us back in.
 */
async function leechFlood (connection: Connection, target: string): Promise<void> {
  let streams = 0
  let messages = 0
  /** The target closed the connection's muxer (libp2p can still report the connection `open` for a while then). */
  let cutOff = false
  const isClosed = (err: unknown): boolean => {
    if ((err as Error | undefined)?.name === 'ConnectionClosedError') cutOff = true
    return cutOff
  }
  /** Why streams failed to open, with counts. */
  const streamErrors: Record<string, number> = {}
  const streamLoop = async (): Promise<void> => {
    while (leechKinds.has('streams') && streams < LEECH_MAX_STREAMS && connection.status === 'open' && !cutOff) {
      streams++
      try {
        // A stream the target resets (throttled) fails here: the next one is opened all the same.
        const s = await connection.newStream(CHUNK_PROTOCOL)
        const f = new FramedStream(s, MAX_SERVER_MESSAGE_BYTES)
        await f.send(encodeMessage({ t: 'hello', share: shareId }))
        s.abort(new Error('flood'))
      } catch (err) {
        const name = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
        streamErrors[name] = (streamErrors[name] ?? 0) + 1
        if (isClosed(err)) break
      }
    }
  }
  const sessionLoop = async (): Promise<void> => {
    const kinds = [...leechKinds].filter(k => k !== 'streams')
    for (let attempt = 0; kinds.length > 0 && messages < LEECH_MAX_MESSAGES && attempt < LEECH_MAX_SESSIONS && connection.status === 'open' && !cutOff; attempt++) {
      // A session refused (not served yet), reset or dropped is opened again while the connection lasts.
      const closed = await leechSession(kinds).then(() => false, async (err: unknown) => {
        await new Promise(resolve => setTimeout(resolve, 100))
        return isClosed(err)
      })
      if (closed) break
    }
  }
  const leechSession = async (kinds: string[]): Promise<void> => {
    const s = await connection.newStream(CHUNK_PROTOCOL)
    try {
      const f = new FramedStream(s, MAX_SERVER_MESSAGE_BYTES)
      const frames = f.frameLists()
      await f.send(encodeMessage({ t: 'hello', share: shareId }))
      const first = await frames.next()
      if (first.done === true || decodeServerMessage(first.value).t !== 'welcome') throw new Error('refused')
      const drain = (async () => { for await (const frame of frames) void frame })().catch(() => {})
      const chunks = layout.chunkCount
      for (let i = 0; messages < LEECH_MAX_MESSAGES; i++) {
        if (i % YIELD_EVERY === 0) await yieldToEventLoop()
        for (const kind of kinds) {
          if (kind === 'manifest') await f.send(encodeMessage({ t: 'manifest', offset: 0 }))
          if (kind === 'requests') {
            await f.send(encodeMessage({ t: 'request', index: chunks + (i % 100) }))
            await f.send(encodeMessage({ t: 'request', index: 0 }))
          }
          if (kind === 'hello') await f.send(encodeMessage({ t: 'hello', share: shareId }))
          if (kind === 'cancel') await f.send(encodeMessage({ t: 'cancel', index: i % chunks }))
          messages++
        }
      }
      await f.close()
      await drain
    } catch (err) {
      s.abort(err as Error)
      throw err
    }
  }
  await Promise.all([streamLoop().catch(() => {}), sessionLoop().catch(() => {})])
  const reason = connection.status === 'open' && !cutOff ? 'bound' : 'closed'
  print({ event: 'leech-flood-ended', target, reason, streams, messages, streamErrors })
  const ok = await node.dialProtocol(connection.remotePeer, CHUNK_PROTOCOL, { signal: AbortSignal.timeout(10_000) }).then(s => { s.abort(new Error('done')); return true }, () => false)
  print({ event: 'redial', target, ok })
}

/** A server that speaks the protocol correctly up to the first REQUEST, then misbehaves per `mode`. */
async function serveHostile (stream: Stream, connection: Connection): Promise<void> {
  const framed = new FramedStream(stream, MAX_CLIENT_MESSAGE_BYTES)
  let have = Bitfield.full(layout.chunkCount)
  if (mode === 'unrequested') {
    have = new Bitfield(layout.chunkCount)
    for (let i = 0; i < layout.chunkCount; i += 2) have.set(i)
  }
  for await (const frame of framed.frames()) {
    const m = decodeClientMessage(frame)
    if (m.t === 'hello') {
      if (m.share !== shareId || mode === 'hostile-text') { await framed.send(encodeMessage({ t: 'error', code: 'unknown-share', ...(mode === 'hostile-text' ? { message: REFUSAL_TEXT } : {}) })); await framed.close(); return }
      print({ event: 'session' })
      if (mode === 'flood') {
        const peer = connection.remotePeer.toString()
        if (values['flood-back'] === true && !floodedBack.has(peer)) {
          floodedBack.add(peer)
          void leechFlood(connection, connection.remoteAddr.toString())
        }
        await flood(framed)
        return
      }
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
        // Asked only for even chunks (all it claims), it answers with an odd one: one it was never asked for.
        const other = m.index + 1 < layout.chunkCount ? m.index + 1 : m.index - 1
        if (other < 0) continue
        await framed.send(encodeMessage({ t: 'block', index: other, data: await realChunk(other) }))
      }
    }
  }
  await framed.close()
}

/** Dial attempts a flood makes before it gives up on its target (a seeder already under other floods can miss a handshake's deadline). */
const LEECH_DIAL_ATTEMPTS = 10

/** Dials `target` (again, 1 s apart, up to LEECH_DIAL_ATTEMPTS times) and floods it; a target never reached ends the flood with `dial failed`. */
async function leechTarget (target: string): Promise<void> {
  let error: unknown
  for (let attempt = 0; attempt < LEECH_DIAL_ATTEMPTS; attempt++) {
    if (attempt > 0) await new Promise(resolve => setTimeout(resolve, 1000))
    try {
      const connection = await node.dial(multiaddr(target))
      await leechFlood(connection, target)
      return
    } catch (err) {
      error = err
    }
  }
  print({ event: 'leech-flood-ended', target, reason: `dial failed ${LEECH_DIAL_ATTEMPTS} times: ${String(error)}`, streams: 0, messages: 0 })
  print({ event: 'redial', target, ok: false })
}

for (const target of values.target ?? []) void leechTarget(target)

print({ event: 'listening', peerId: node.peerId.toString(), addresses: node.getMultiaddrs().map(String), shareId, shareIds: Object.fromEntries([...evil].map(([id, e]) => [e.name, id])) })
process.on('SIGTERM', () => { void Promise.resolve(node.stop()).finally(() => process.exit(0)) })
