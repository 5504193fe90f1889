/**
 * Peer exchange hands on a NAT'd peer's relay addresses, and the receiver dials them first.
 *
 * libp2p's peer store keeps a peer's addresses in string order, where a NAT'd peer's loopback and
 * LAN addresses (/ip4/127…, /ip4/192.168…, /ip6/::1) come before its /p2p-circuit ones: cut to four
 * in that order, peer exchange passed on one of its two relay addresses at most. PeerBook now ranks
 * them as announce.ts does (public direct, relayed, private, loopback); a download dials a peer's
 * first address listed first (busy-referral.test.ts).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { DialPolicy } from '../../node-core/src/net/dial-policy.ts'
import { PeerBook } from '../../node-core/src/service/peer-book.ts'
import type { PeerBookComponents } from '../../node-core/src/service/peer-book.ts'

const PEER = '12D3KooWReHU94cyH4qHgmLWjTrydkhWVGTULBeLaQZtDTn7neyK'
const RELAY_A = '12D3KooWHZDG4hMmX4AWquUPi8FR7KaEkQVe7bEyBm2njYk73QtM'
const RELAY_B = '12D3KooWSxAn93FmhHxM13MNY3GW3FKrVJy8RzM7NNtvLUHUK5MP'
const circuitA = `/ip6/3fff:1::10/tcp/4001/p2p/${RELAY_A}/p2p-circuit`
const circuitB = `/ip6/3fff:1::11/tcp/4001/p2p/${RELAY_B}/p2p-circuit`
/** A NAT'd peer's addresses as the peer store returns them (string order). */
const stored = ['/ip4/127.0.0.1/tcp/45553', '/ip4/192.168.2.2/tcp/45553', '/ip6/::1/tcp/37953', circuitA, circuitB, '/ip6/fd00:2::2/tcp/37953']

function book (addresses: string[]): PeerBook {
  const components: PeerBookComponents = {
    peerStore: { get: async id => ({ id, addresses: addresses.map(a => ({ multiaddr: multiaddr(a), isCertified: false })) }) as never },
    getConnections: () => []
  }
  return new PeerBook(components, new DialPolicy(false))
}

describe('peer exchange addresses', () => {
  it('are ranked before they are cut: both relay addresses first, then LAN, loopback never among four', async () => {
    assert.deepEqual([...stored].sort((a, b) => a.localeCompare(b)).slice(0, 4).filter(a => a.includes('p2p-circuit')).length, 1, 'string order keeps one relay address of two')
    const passed = await book(stored).exchangeAddresses(PEER)
    assert.deepEqual(passed, [circuitA, circuitB, '/ip4/192.168.2.2/tcp/45553', '/ip6/fd00:2::2/tcp/37953'].map(a => `${a}/p2p/${PEER}`))
  })

  it('put a public direct address before relayed ones', async () => {
    const passed = await book(['/ip4/127.0.0.1/tcp/1', circuitA, '/ip6/3fff:2:1::2/tcp/4001']).addressesOf(PEER)
    assert.deepEqual(passed, ['/ip6/3fff:2:1::2/tcp/4001', circuitA, '/ip4/127.0.0.1/tcp/1'].map(a => `${a}/p2p/${PEER}`))
  })

  it('swarm members each come with their own addresses, best first', async () => {
    const b = book(stored)
    const other = peerIdFromString(RELAY_A).toString()
    b.joinSwarm('share', PEER)
    b.joinSwarm('share', other)
    const listed = await b.swarmAddresses('share', other)
    assert.deepEqual(listed, [circuitA, circuitB, '/ip4/192.168.2.2/tcp/45553', '/ip6/fd00:2::2/tcp/37953'].map(a => `${a}/p2p/${PEER}`))
  })
})
