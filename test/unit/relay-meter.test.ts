/**
 * The relay's meter (net/relay-meter.ts) on loopback, with real libp2p nodes: a relay running
 * @libp2p/circuit-relay-v2's server on metered components, B holding a reservation on it, A
 * sending B 8 MiB over the circuit. With the relay's upload budget at R, the bytes the meter
 * counted pass at no more than R (plus one bucket's burst); every relayed byte is counted and
 * drawn from the budget; the data arrives whole. Without a budget the same transfer runs far
 * faster than R (so the cap is what slowed it). About 10 s.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { multiaddr } from '@multiformats/multiaddr'
import { TokenBucket } from '../../node-core/src/bandwidth/token-bucket.ts'
import { RelayMeter } from '../../node-core/src/net/relay-meter.ts'
import type { CircuitRelayServerComponents } from '@libp2p/circuit-relay-v2'
import type { Libp2p, Stream } from '@libp2p/interface'

const PROTOCOL = '/relay-meter-test/1.0.0'
const SIZE = 8 * 1024 * 1024
const RATE = 2 * 1024 * 1024
const nodes: Libp2p[] = []
after(async () => { await Promise.all(nodes.map(async n => { await n.stop() })) })

async function node (services: Record<string, unknown> = {}, listen = ['/ip4/127.0.0.1/tcp/0']): Promise<Libp2p> {
  const n = await createLibp2p({
    addresses: { listen },
    transports: [tcp(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ...services }
  } as Parameters<typeof createLibp2p>[0])
  nodes.push(n)
  return n
}

interface Run { relayed: number, total: number, taken: number, ms: number, received: number, sameHash: boolean, samples: Array<{ at: number, bytes: number }> }

/** A relay with `meter` (budget: `bucket`, or none), B reserving on it, A sending SIZE bytes to B through it. */
async function relayedTransfer (bucket: TokenBucket | null): Promise<Run> {
  const meter = new RelayMeter()
  let taken = 0
  if (bucket != null) meter.useBudget({ take: async (bytes, signal) => { taken += bytes; await bucket.take(bytes, signal) } })
  const relay = await node({
    relay: (components: CircuitRelayServerComponents) => circuitRelayServer({ reservations: { applyDefaultLimit: false } })(meter.meteredComponents(components))
  })
  const relayAddr = relay.getMultiaddrs()[0]!.toString()
  const b = await node({}, [`${relayAddr}/p2p-circuit`])
  const a = await node()
  const data = randomBytes(SIZE)
  const got = Promise.withResolvers<{ received: number, hash: string }>()
  await b.handle(PROTOCOL, async (stream: Stream) => {
    const hash = createHash('sha256')
    let received = 0
    for await (const chunk of stream) { received += chunk.byteLength; hash.update(chunk.subarray()) }
    got.resolve({ received, hash: hash.digest('hex') })
    await stream.close()
  }, { runOnLimitedConnection: true })
  const circuit = multiaddr(`${relayAddr}/p2p-circuit/p2p/${b.peerId.toString()}`)
  const stream = await a.dialProtocol(circuit, PROTOCOL, { runOnLimitedConnection: true, signal: AbortSignal.timeout(30_000) })
  assert.ok(a.getConnections(b.peerId).every(c => c.remoteAddr.toString().includes('/p2p-circuit')), 'A reaches B only through the relay')
  const samples: Array<{ at: number, bytes: number }> = []
  const sampler = setInterval(() => { samples.push({ at: performance.now(), bytes: meter.bytes }) }, 100)
  const start = performance.now()
  const base = meter.bytes
  for (let at = 0; at < SIZE; at += 64 * 1024) {
    if (!stream.send(data.subarray(at, at + 64 * 1024))) await stream.onDrain()
  }
  await stream.close()
  const result = await got.promise
  const ms = performance.now() - start
  clearInterval(sampler)
  await Promise.all([a, b, relay].map(async n => { await n.stop() }))
  return { relayed: meter.bytes - base, total: meter.bytes, taken, ms, received: result.received, sameHash: result.hash === createHash('sha256').update(data).digest('hex'), samples }
}

describe('relay meter', { timeout: 120_000 }, () => {
  it('holds relayed bytes to the upload budget, counts each once, and keeps the data whole', async () => {
    const bucket = new TokenBucket(RATE)
    const capped = await relayedTransfer(bucket)
    assert.equal(capped.received, SIZE)
    assert.ok(capped.sameHash, 'the data arrived unchanged')
    // Every byte B received went through the relay once (plus the circuit's own handshakes).
    assert.ok(capped.relayed >= SIZE && capped.relayed < SIZE * 1.1, `relayed ${capped.relayed} bytes for ${SIZE}`)
    assert.equal(capped.taken, capped.total, 'every relayed byte (the circuit\'s set-up included) was drawn from the budget')
    // The bucket lets through at most RATE * t + one burst (a quarter second) + one message in debt.
    const allowance = RATE * 0.25 + 1024 * 1024
    const limit = RATE * capped.ms / 1000 + allowance
    assert.ok(capped.relayed <= limit, `relayed ${capped.relayed} bytes in ${Math.round(capped.ms)} ms: more than ${Math.round(limit)} at ${RATE} B/s`)
    // And over every interval of 2 s or more sampled along the way.
    for (const x of capped.samples) {
      for (const y of capped.samples) {
        if (y.at - x.at < 2000) continue
        assert.ok(y.bytes - x.bytes <= RATE * (y.at - x.at) / 1000 + allowance, `${y.bytes - x.bytes} bytes in ${Math.round(y.at - x.at)} ms`)
      }
    }
    console.log(`# capped at ${RATE} B/s: ${capped.relayed} bytes relayed in ${Math.round(capped.ms)} ms (${Math.round(capped.relayed / capped.ms * 1000)} B/s)`)

    const free = await relayedTransfer(null)
    assert.equal(free.received, SIZE)
    assert.ok(free.sameHash)
    assert.ok(free.relayed >= SIZE && free.relayed < SIZE * 1.1, `relayed ${free.relayed} bytes for ${SIZE} (counted once, with no budget too)`)
    console.log(`# no budget: ${free.relayed} bytes relayed in ${Math.round(free.ms)} ms (${Math.round(free.relayed / free.ms * 1000)} B/s)`)
    assert.ok(free.ms < capped.ms / 2, `without a budget the relay is much faster (${Math.round(free.ms)} ms against ${Math.round(capped.ms)} ms): the cap is what held it`)
  })
})
