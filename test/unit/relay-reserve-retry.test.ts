/**
 * A relay reservation that fails is tried again after a back-off (RESERVE_RETRY_MS): in a flash
 * crowd at load 47 one timed out and the node kept a single relay for the rest of its life. The
 * node's parts are stand-ins: a connection to a swarm relay, and a transport manager whose first
 * `listen` on the relay's /p2p-circuit address fails.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as delay } from 'node:timers/promises'
import { RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2'
import { TypedEventEmitter } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { RESERVE_RETRY_MS, SwarmRelays } from '../../node-core/src/net/relays.ts'
import type { Multiaddr } from '@multiformats/multiaddr'

const SWARM = '/swarmdrop/chunk/test'
const RELAY = peerIdFromString('12D3KooWHZDG4hMmX4AWquUPi8FR7KaEkQVe7bEyBm2njYk73QtM')

describe('relay reservations', () => {
  it('are tried again after one fails, and not again once one is held', async () => {
    const listens: Array<{ at: number, addrs: string[] }> = []
    let failures = 1
    let reserved = 0
    const events = new TypedEventEmitter()
    const connection = { remotePeer: RELAY, remoteAddr: multiaddr(`/ip6/3fff:1::10/tcp/4001/p2p/${RELAY.toString()}`) }
    const components = {
      events,
      logger: { forComponent: () => Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false }) },
      addressManager: { getAddresses: (): Multiaddr[] => [] }, // not reachable: it needs relays
      connectionManager: { getConnections: () => [connection] },
      peerStore: { get: async () => ({ id: RELAY, protocols: [RELAY_V2_HOP_CODEC, SWARM] }) },
      transportManager: {
        getListeners: () => [],
        listen: async (addrs: Multiaddr[]) => {
          listens.push({ at: performance.now(), addrs: addrs.map(String) })
          if (failures-- > 0) throw new Error('The operation was aborted due to timeout')
          reserved++
        }
      }
    }
    const relays = new SwarmRelays(components as never, { serve: false, swarmProtocol: SWARM })
    relays.start()
    try {
      events.dispatchEvent(new CustomEvent('self:peer:update'))
      const deadline = performance.now() + RESERVE_RETRY_MS * 6
      while (listens.length < 2 && performance.now() < deadline) await delay(50)
      assert.equal(listens.length, 2, 'a second reservation after the first failed')
      assert.deepEqual(listens[1]!.addrs, [`/ip6/3fff:1::10/tcp/4001/p2p/${RELAY.toString()}/p2p-circuit`])
      assert.ok(listens[1]!.at - listens[0]!.at >= RESERVE_RETRY_MS - 50, `after the back-off: ${listens[1]!.at - listens[0]!.at} ms`)
      const held = performance.now() + 20_000
      while (reserved === 0 && performance.now() < held) await delay(20)
      await new Promise(resolve => setImmediate(resolve)) // what follows the reservation has run
      assert.deepEqual(relays.state().relays, [RELAY.toString()], 'the relay is held')
      assert.equal(relays.state().searchDue, false, 'no further attempt is scheduled once it is held')
      assert.equal(listens.length, 2)
    } finally {
      await relays.stop()
    }
  })
})
