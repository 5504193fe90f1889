/**
 * Peer exchange hands on a NAT'd peer's relay addresses, and the receiver dials them first.
 *
 * libp2p's peer store keeps a peer's addresses in string order, where a NAT'd peer's loopback and
 * LAN addresses (/ip4/127…, /ip4/192.168…, /ip6/::1) come before its /p2p-circuit ones: cut to four
 * in that order, peer exchange passed on one of its two relay addresses at most. PeerBook now ranks
 * them as announce.ts does (public direct, relayed, private, loopback), and a download takes a
 * PEERS list so that a peer's first address listed is the first dialed.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as delay } from 'node:timers/promises'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { TokenBucket } from '../../node-core/src/bandwidth/token-bucket.ts'
import { encodeManifest, shareIdOf } from '../../node-core/src/manifest/codec.ts'
import { ManifestLayout } from '../../node-core/src/manifest/layout.ts'
import { DialPolicy } from '../../node-core/src/net/dial-policy.ts'
import { SessionRefusedError } from '../../node-core/src/protocol/chunk-client.ts'
import { SwarmTransfer } from '../../node-core/src/scheduler/download.ts'
import { PeerBook } from '../../node-core/src/service/peer-book.ts'
import { PartialDownload } from '../../node-core/src/storage/partial-download.ts'
import { StateStore } from '../../node-core/src/storage/state-store.ts'
import type { Manifest } from '../../node-core/src/manifest/types.ts'
import type { SourceSession } from '../../node-core/src/protocol/chunk-client.ts'
import type { PeerBookComponents } from '../../node-core/src/service/peer-book.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'

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

describe('a download given a list of peer addresses', () => {
  const manifest: Manifest = { version: 1, name: 'x', chunkSize: 65536, files: [{ path: 'x', size: 4 * 65536 }], hashes: new Uint8Array(4 * 32) }
  const manifestBytes = encodeManifest(manifest)
  const layout = new ManifestLayout(manifest)
  let store: StateStore
  before(async () => { store = await StateStore.open(await tempDir()) })
  after(async () => { await store?.close(); await removeTemps() })

  it('dials each peer at the first address listed for it first', async () => {
    const data = await PartialDownload.open(await shareIdOf(manifestBytes), manifestBytes, layout, await tempDir(), store)
    const asked: string[] = []
    const best = `${circuitA}/p2p/${PEER}`
    const next = `${circuitB}/p2p/${PEER}`
    const lan = `/ip4/192.168.2.2/tcp/45553/p2p/${PEER}`
    const transfer = new SwarmTransfer({
      data,
      downloadLimit: new TokenBucket(0),
      connect: (peer, signal) => new Promise<SourceSession>((_resolve, reject) => {
        asked.push(peer)
        // The origin is full and names the member, its addresses best first (as PeerBook lists them).
        if (peer === 'origin') reject(new SessionRefusedError('busy', 'too many sessions', [best, next, lan]))
        else signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
      })
    })
    transfer.addCandidate('origin')
    transfer.start()
    try {
      const deadline = Date.now() + 30_000
      while (!asked.some(a => a.endsWith(PEER)) && Date.now() < deadline) await delay(20)
      assert.equal(asked.find(a => a.endsWith(PEER)), best, `the first dial of the member: ${JSON.stringify(asked)}`)
    } finally {
      transfer.stop()
      await data.close()
    }
  })
})
