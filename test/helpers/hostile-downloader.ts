/**
 * A misbehaving *downloader* for tests, built from the project's own node, framing and message
 * code. It attacks one seeder and reports what the seeder did.
 * Usage: node hostile-downloader.ts --target MULTIADDR --share ID --attack NAME[,NAME...] [--attack ...]
 *   oversized    HELLO, then a frame whose length prefix is over the server's 16 KiB cap
 *   slowloris    30 streams that trickle a HELLO one byte every 2 s
 *   bad-index    REQUESTs with a negative, fractional, huge, non-number and out-of-range index
 *   unknown-share 200 HELLOs for shares the seeder does not have
 *   flood        one session sending 20,000 REQUESTs without reading the replies
 *   streams      1,000 streams on one connection, each sending HELLO and never reading
 *   identities   6 separate peer identities, each opening 32 sessions and holding them idle
 * slowloris, streams and identities open their many streams on a connection the seeder has answered
 * one WELCOME on (see readyConnection).
 * The attacks named in one --attack run concurrently; each --attack waits for the previous one.
 * Prints { event: 'result', attack, ... } per attack, then { event: 'done' }.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import * as varint from 'uint8-varint'
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { createSwarmNode } from '../../node-core/src/net/node.ts'
import { CHUNK_PROTOCOL, MAX_CLIENT_MESSAGE_BYTES, MAX_SERVER_MESSAGE_BYTES } from '../../node-core/src/protocol/constants.ts'
import { FramedStream } from '../../node-core/src/protocol/framing.ts'
import { decodeServerMessage, encodeMessage } from '../../node-core/src/protocol/messages.ts'
import type { ServerMessage } from '../../node-core/src/protocol/messages.ts'
import type { SwarmNode } from '../../node-core/src/net/node.ts'
import type { Connection, Stream } from '@libp2p/interface'

const { values } = parseArgs({ options: { target: { type: 'string' }, share: { type: 'string' }, attack: { type: 'string', multiple: true } } })
const target = multiaddr(values.target!)
const shareId = values.share!
const print = (line: Record<string, unknown>): void => { process.stdout.write(JSON.stringify(line) + '\n') }
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

async function newNode (): Promise<SwarmNode> {
  return createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], network: 'swarmdrop-test' })
}

const nodes: SwarmNode[] = []
/** Each attack runs from its own node (its own identity and connection), so they do not share limits. */
async function attackerNode (): Promise<SwarmNode> {
  const node = await newNode()
  nodes.push(node)
  return node
}

/** One session as a downloader: the framed stream and an iterator over decoded server messages. */
interface Session { stream: Stream, framed: FramedStream, next: () => Promise<ServerMessage | null> }

async function open (node: SwarmNode, share = shareId): Promise<Session> {
  return hello(await node.dialProtocol(target, CHUNK_PROTOCOL, { signal: AbortSignal.timeout(30_000) }), share)
}

/**
 * A connection the seeder has finished setting up, with one session it answered (the warm-up).
 * Streams that arrive before the seeder's side of a new connection has its stream handler wait in
 * libp2p's early-stream queue, and the 11th there makes the seeder drop the whole connection
 * (MaxEarlyStreamsError, a guard of libp2p's, not ours). Attacks that open many streams at once
 * would test that guard, and only on a loaded machine; so they wait for a WELCOME first.
 */
async function readyConnection (node: SwarmNode): Promise<{ conn: Connection, warmUp: Session }> {
  const conn = await node.dial(target, { signal: AbortSignal.timeout(30_000) })
  const warmUp = await hello(await conn.newStream(CHUNK_PROTOCOL, { signal: AbortSignal.timeout(30_000) }), shareId)
  const reply = await outcome(warmUp, 30_000)
  if (reply !== 'welcome') throw new Error(`warm-up session: ${reply}`)
  return { conn, warmUp }
}

async function hello (stream: Stream, share: string): Promise<Session> {
  const framed = new FramedStream(stream, MAX_SERVER_MESSAGE_BYTES)
  const frames = framed.frames()
  await framed.send(encodeMessage({ t: 'hello', share }))
  return { stream, framed, next: async () => { const r = await frames.next(); return r.done === true ? null : decodeServerMessage(r.value) } }
}

/** What the seeder did next: a message, the end of the stream, or a reset/abort. */
async function outcome (s: Session, timeoutMs = 15_000): Promise<string> {
  const timer = setTimeout(() => { s.stream.abort(new Error('test timeout')) }, timeoutMs)
  try {
    let m = await s.next()
    while (m != null && (m.t === 'peers' || m.t === 'have')) m = await s.next() // swarm news, not a reply
    return m == null ? 'closed' : m.t === 'error' ? `error:${m.code}` : m.t
  } catch (err) {
    return (err as Error).message === 'test timeout' ? 'no-reply' : 'reset'
  } finally {
    clearTimeout(timer)
  }
}

/** Sends raw bytes on a stream (for frames the encoder would refuse to make). */
async function raw (stream: Stream, bytes: Uint8Array): Promise<void> {
  if (!stream.send(bytes)) await stream.onDrain()
}

function frameOf (payload: Uint8Array): Uint8Array {
  return Uint8Array.from([...varint.encode(payload.length), ...payload])
}

const attacks: Record<string, () => Promise<Record<string, unknown>>> = {
  async oversized () {
    const s = await open(await attackerNode())
    const welcome = await outcome(s)
    await raw(s.stream, varint.encode(MAX_CLIENT_MESSAGE_BYTES + 1)).catch(() => {})
    await raw(s.stream, new Uint8Array(MAX_CLIENT_MESSAGE_BYTES + 1)).catch(() => {})
    return { welcome, then: await drain(s) }
  },

  async slowloris () {
    const hello = frameOf(encodeMessage({ t: 'hello', share: shareId }))
    const { conn, warmUp } = await readyConnection(await attackerNode())
    warmUp.stream.abort(new Error('warmed up'))
    const started = Date.now()
    const closedAfter = await Promise.all(Array.from({ length: 30 }, async () => {
      const stream = await conn.newStream(CHUNK_PROTOCOL, { signal: AbortSignal.timeout(20_000) })
      let open = true
      const reader = (async () => { try { for await (const _ of stream) { /* nothing comes */ } } catch { /* reset */ } open = false })()
      try {
        for (let i = 0; i < hello.length - 1 && open; i++) {
          await raw(stream, hello.subarray(i, i + 1))
          await sleep(2000)
        }
      } catch {
        open = false // the seeder reset the stream
      }
      await Promise.race([reader, sleep(30_000)])
      return open ? -1 : Date.now() - started
    }))
    return { streams: closedAfter.length, stillOpen: closedAfter.filter(t => t < 0).length, minClosedAfterMs: Math.min(...closedAfter), maxClosedAfterMs: Math.max(...closedAfter) }
  },

  async 'bad-index' () {
    const results: Record<string, string> = {}
    const main = await attackerNode()
    const bad: Record<string, unknown> = { negative: -1, fractional: 1.5, huge: 2n ** 64n - 1n, string: '1', null: null, outOfRange: 1_000_000_000 }
    for (const [name, index] of Object.entries(bad)) {
      // A session first (on a loaded machine a handshake may fail; up to three tries), then the bad request.
      let s: Session | null = null
      let welcome = ''
      for (let attempt = 0; attempt < 3 && welcome !== 'welcome'; attempt++) {
        s?.stream.abort(new Error('retry'))
        s = await open(main)
        welcome = await outcome(s, 30_000)
      }
      if (s == null || welcome !== 'welcome') { results[name] = `no welcome: ${welcome}`; continue }
      await raw(s.stream, frameOf(dagCbor.encode({ t: 'request', index } as never)))
      results[name] = await outcome(s)
      s.stream.abort(new Error('done'))
    }
    return results
  },

  async 'unknown-share' () {
    const main = await attackerNode()
    const counts: Record<string, number> = {}
    for (let i = 0; i < 200; i++) {
      const unknown = CID.createV1(0x71, Digest.create(0x12, randomBytes(32))).toString()
      let s: Session
      try { s = await open(main, unknown) } catch { counts.refused = (counts.refused ?? 0) + 1; continue }
      const o = await outcome(s)
      const end = o === 'error:unknown-share' ? await outcome(s) : ''
      s.stream.abort(new Error('done')) // our end too, or the half-closed streams pile up to the stream cap
      counts[`${o}${end === '' ? '' : ` then ${end}`}`] = (counts[`${o}${end === '' ? '' : ` then ${end}`}`] ?? 0) + 1
    }
    return { counts }
  },

  async flood () {
    const s = await open(await attackerNode())
    await outcome(s) // WELCOME
    const sent = 20_000
    // Queue every request without reading a reply; the seeder must push back, not buffer.
    const writing = (async () => { for (let i = 0; i < sent; i++) await s.framed.send(encodeMessage({ t: 'request', index: i % 4 })) })().catch(() => {})
    let blocks = 0
    let busy = 0
    await sleep(3000)
    const deadline = Date.now() + 20_000
    while (Date.now() < deadline) {
      const o = await outcome(s, 5000)
      if (o === 'block') blocks++
      else if (o === 'error:busy') busy++
      else break
      if (blocks + busy >= sent) break
    }
    s.stream.abort(new Error('done'))
    await writing
    return { sent, blocks, busy }
  },

  async streams () {
    const { conn, warmUp } = await readyConnection(await attackerNode())
    warmUp.stream.abort(new Error('warmed up'))
    const tried = 1000
    const replies = await Promise.all(Array.from({ length: tried }, async () => {
      try {
        const stream = await conn.newStream(CHUNK_PROTOCOL, { signal: AbortSignal.timeout(30_000), maxOutboundStreams: tried })
        return await outcome(await hello(stream, shareId), 30_000)
      } catch {
        return 'refused'
      }
    }))
    const counts: Record<string, number> = {}
    for (const r of replies) counts[r] = (counts[r] ?? 0) + 1
    return { tried, counts }
  },

  async identities () {
    const count = 6
    const perIdentity = 32
    const extra = await Promise.all(Array.from({ length: count }, attackerNode))
    const replies = await Promise.all(extra.map(async node => {
      const { conn } = await readyConnection(node) // one connection each, its first session, then the rest at once
      return ['welcome', ...await Promise.all(Array.from({ length: perIdentity - 1 }, async () => {
        try {
          const stream = await conn.newStream(CHUNK_PROTOCOL, { signal: AbortSignal.timeout(30_000) })
          return await outcome(await hello(stream, shareId), 30_000)
        } catch {
          return 'refused'
        }
      }))]
    }))
    const counts: Record<string, number> = {}
    for (const r of replies.flat()) counts[r] = (counts[r] ?? 0) + 1
    return { identities: count, sessionsTried: count * perIdentity, counts, welcomePerIdentity: replies.map(r => r.filter(o => o === 'welcome').length) }
  }
}

/** Reads until the stream ends; says how it ended. */
async function drain (s: Session): Promise<string> {
  for (;;) {
    const o = await outcome(s)
    if (o === 'closed' || o === 'reset' || o === 'no-reply') return o
  }
}

print({ event: 'started' })
for (const group of values.attack ?? []) {
  await Promise.all(group.split(',').map(async name => {
    const attack = attacks[name]
    if (attack == null) throw new Error(`unknown attack ${name}`)
    try {
      print({ event: 'result', attack: name, ...(await attack()) })
    } catch (err) {
      print({ event: 'result', attack: name, failed: (err as Error).message, stack: (err as Error).stack?.split('\n').slice(0, 6).join(' | ') })
    }
  }))
}
print({ event: 'done' })
// Hold the identities' sessions open until killed, so the seeder is still under load while the test checks it.
process.on('SIGTERM', () => { void Promise.all(nodes.map(n => n.stop())).finally(() => process.exit(0)) })
