/**
 * Baseline peers for the benchmarks: real processes on 127.0.0.1 pushing bytes over a plain Node
 * TCP socket, a Node HTTP server, a bare libp2p stream (the same TCP + Noise + Yamux stack as
 * Swarmdrop, no chunk protocol), or tar over TCP. Servers print `{"event":"listening",…}` and run
 * until killed; clients print `{"event":"done", bytes, ms, cpuSeconds}` (CPU of the transfer only,
 * from process.cpuUsage) and exit.
 *
 *   node bench/baselines/peer.ts tcp-serve --bytes N [--rate BPS]
 *   node bench/baselines/peer.ts tcp-get --port P
 *   node bench/baselines/peer.ts http-serve --bytes N [--rate BPS]
 *   node bench/baselines/peer.ts http-get --port P
 *   node bench/baselines/peer.ts p2p-serve --bytes N
 *   node bench/baselines/peer.ts p2p-get --addr MULTIADDR
 *   node bench/baselines/peer.ts p2p-latency --addr MULTIADDR --runs K
 *   node bench/baselines/peer.ts tar-serve --dir D
 *   node bench/baselines/peer.ts tar-get --port P --dir D
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer, connect } from 'node:net'
import type { Socket } from 'node:net'
import http from 'node:http'
import { parseArgs } from 'node:util'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import type { Libp2p } from '@libp2p/interface'
import { TokenBucket } from '../../node-core/src/bandwidth/token-bucket.ts'

const PUSH_PROTOCOL = '/swarmdrop-bench/push/1.0.0'
const ECHO_PROTOCOL = '/swarmdrop-bench/echo/1.0.0'
/** Write size of every pushing baseline: 64 KiB, the size LIBP2P-NOTES measured with. */
const WRITE_BYTES = 64 * 1024

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { bytes: { type: 'string' }, rate: { type: 'string' }, port: { type: 'string' }, addr: { type: 'string' }, runs: { type: 'string' }, dir: { type: 'string' } }
})
const mode = positionals[0]
const bytes = Number(values.bytes ?? 0)
const rate = Number(values.rate ?? 0)
const block = randomBytes(WRITE_BYTES)

function emit (o: Record<string, unknown>): void { process.stdout.write(JSON.stringify(o) + '\n') }

/** Measures a client transfer: wall time and this process's CPU seconds from `start` to `end`. */
function meter (): { end: (bytes: number) => void } {
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  return {
    end (n: number) {
      const c = process.cpuUsage(c0)
      emit({ event: 'done', bytes: n, ms: performance.now() - t0, cpuSeconds: (c.user + c.system) / 1e6 })
    }
  }
}

/** Writes `total` bytes to a Node writable, waiting on the cap (shared by every client) and on drain. */
async function push (write: (b: Buffer) => boolean, drained: () => Promise<void>, total: number, cap: TokenBucket | null): Promise<void> {
  for (let sent = 0; sent < total;) {
    const n = Math.min(WRITE_BYTES, total - sent)
    if (cap != null) await cap.take(n)
    sent += n
    if (!write(n === WRITE_BYTES ? block : block.subarray(0, n))) await drained()
  }
}

function drainOf (s: NodeJS.WritableStream): () => Promise<void> {
  return () => new Promise(resolve => s.once('drain', resolve))
}

async function p2pNode (listen: string[]): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { inboundConnectionThreshold: 1000, maxIncomingPendingConnections: 64 }
  })
}

const cap = rate > 0 ? new TokenBucket(rate) : null

switch (mode) {
  case 'tcp-serve': {
    const server = createServer(socket => {
      socket.on('error', () => {})
      push(b => socket.write(b), drainOf(socket), bytes, cap).then(() => socket.end(), () => socket.destroy())
    })
    server.listen(0, '127.0.0.1', () => emit({ event: 'listening', port: (server.address() as { port: number }).port }))
    break
  }
  case 'tcp-get': {
    const m = meter()
    let n = 0
    const socket: Socket = connect(Number(values.port), '127.0.0.1')
    socket.on('data', (d: Buffer) => { n += d.length })
    socket.on('end', () => { m.end(n); process.exit(0) })
    break
  }
  case 'http-serve': {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes) })
      push(b => res.write(b), drainOf(res), bytes, cap).then(() => res.end(), () => res.destroy())
    })
    server.listen(0, '127.0.0.1', () => emit({ event: 'listening', port: (server.address() as { port: number }).port }))
    break
  }
  case 'http-get': {
    const m = meter()
    let n = 0
    http.get({ host: '127.0.0.1', port: Number(values.port), path: '/' }, res => {
      res.on('data', (d: Buffer) => { n += d.length })
      res.on('end', () => { m.end(n); process.exit(0) })
    })
    break
  }
  case 'p2p-serve': {
    const node = await p2pNode(['/ip4/127.0.0.1/tcp/0'])
    await node.handle(PUSH_PROTOCOL, async stream => {
      for (let sent = 0; sent < bytes;) {
        const n = Math.min(WRITE_BYTES, bytes - sent)
        sent += n
        if (!stream.send(n === WRITE_BYTES ? block : block.subarray(0, n))) await stream.onDrain()
      }
      await stream.close()
    }, { maxInboundStreams: 64 })
    await node.handle(ECHO_PROTOCOL, async stream => {
      for await (const chunk of stream) {
        if (!stream.send(chunk.subarray())) await stream.onDrain()
      }
      await stream.close()
    }, { maxInboundStreams: 64 })
    emit({ event: 'listening', addresses: node.getMultiaddrs().map(String) })
    break
  }
  case 'p2p-get': {
    const node = await p2pNode([])
    const m = meter()
    const stream = await node.dialProtocol(multiaddr(values.addr!), PUSH_PROTOCOL)
    let n = 0
    for await (const chunk of stream) n += chunk.byteLength
    m.end(n)
    await node.stop()
    process.exit(0)
    break
  }
  case 'p2p-latency': {
    const node = await p2pNode([])
    const runs = Number(values.runs ?? 5)
    const ms: number[] = []
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now()
      const stream = await node.dialProtocol(multiaddr(values.addr!), ECHO_PROTOCOL)
      stream.send(Uint8Array.of(42))
      for await (const _chunk of stream) break
      ms.push(performance.now() - t0)
      await node.hangUp(multiaddr(values.addr!))
    }
    emit({ event: 'done', ms })
    await node.stop()
    process.exit(0)
    break
  }
  case 'tar-serve': {
    const server = createServer(socket => {
      socket.on('error', () => {})
      const tar = spawn('tar', ['-cf', '-', '-C', values.dir!, '.'], { stdio: ['ignore', 'pipe', 'inherit'] })
      tar.stdout.pipe(socket)
    })
    server.listen(0, '127.0.0.1', () => emit({ event: 'listening', port: (server.address() as { port: number }).port }))
    break
  }
  case 'tar-get': {
    const m = meter()
    const socket = connect(Number(values.port), '127.0.0.1')
    const tar = spawn('tar', ['-xf', '-', '-C', values.dir!], { stdio: ['pipe', 'ignore', 'inherit'] })
    let n = 0
    socket.on('data', (d: Buffer) => { n += d.length })
    socket.pipe(tar.stdin)
    tar.on('exit', code => { if (code !== 0) { emit({ event: 'error', message: `tar exited ${code}` }); process.exit(1) } m.end(n); process.exit(0) })
    break
  }
  default:
    console.error(`unknown mode ${mode}`)
    process.exit(2)
}
