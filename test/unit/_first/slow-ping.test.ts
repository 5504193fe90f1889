/**
 * A connection is not closed because its pings are slow: two real libp2p nodes, the remote echoing
 * each ping only after 7 s, as a ping queued behind a busy connection's chunks can be. With
 * libp2p's defaults (a ping every 10 s, failed after 5 s at first) the connection was closed at
 * about 15 s; with CONNECTION_MONITOR the first ping goes out at 30 s and is answered in time.
 * Takes about 40 s.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { CONNECTION_MONITOR, createSwarmNode } from '../../../node-core/src/net/node.ts'
import type { SwarmNode } from '../../../node-core/src/net/node.ts'
import type { Stream } from '@libp2p/interface'

const PING = '/ipfs/ping/1.0.0'
const PING_BYTES = 32
const ECHO_DELAY_MS = 7000
const nodes: SwarmNode[] = []
after(async () => { await Promise.all(nodes.map(async n => { await n.stop() })) })

describe('slow pings', { timeout: 150_000 }, () => {
  it('leave a connection open, and a ping fails before the next is due', async () => {
    assert.ok(CONNECTION_MONITOR.pingTimeout.maxTimeout < CONNECTION_MONITOR.pingInterval, 'a ping still out when the next is due fails the connection')
    const local = await createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
    const remote = await createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
    nodes.push(local, remote)
    let echoed = 0
    await remote.unhandle(PING)
    await remote.handle(PING, (stream: Stream) => {
      const received: Uint8Array[] = []
      let length = 0
      stream.addEventListener('message', e => {
        const bytes = e.data.subarray()
        received.push(bytes)
        length += bytes.length
        if (length === PING_BYTES) setTimeout(() => { stream.send(Buffer.concat(received)); echoed++ }, ECHO_DELAY_MS)
      })
    })
    const conn = await local.dial(remote.getMultiaddrs()[0]!)
    const dialedAt = Date.now()
    // The monitor sets `rtt` once it has read a ping's answer: wait for the late one (or the
    // connection closing). The cap is for a hang only: a busy machine delays both.
    const deadline = dialedAt + CONNECTION_MONITOR.pingInterval + ECHO_DELAY_MS + 60_000
    const lateAnswerRead = (): boolean => (conn.rtt ?? 0) >= ECHO_DELAY_MS
    while (!lateAnswerRead() && conn.status === 'open' && Date.now() < deadline) await sleep(100)
    assert.equal(conn.status, 'open', `the connection was closed after ${Math.round((Date.now() - dialedAt) / 1000)} s`)
    assert.ok(echoed >= 1, 'a ping was answered late (else this test proves nothing)')
    assert.ok(lateAnswerRead(), `the monitor read the late answer (rtt ${conn.rtt} ms)`)
    assert.deepEqual(local.getConnections(remote.peerId).map(c => c.id), [conn.id])
  })
})
