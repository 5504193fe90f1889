/**
 * The progress stream publishes reach changes: `peer:updated` when a peer's connection moves from
 * a relay to a direct path (or changes family), `node` when our reach changes. The emitter is the
 * real one; its sources are small stand-ins that return the snapshots a test sets.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ProgressEmitter } from '../../node-core/src/service/progress-emitter.ts'
import { reachInfo } from '../../node-core/src/net/reach.ts'
import type { ProgressSources } from '../../node-core/src/service/progress-emitter.ts'
import type { NodeInfo, PeerInfo, ServiceEvent } from '../../node-core/src/contract/index.ts'

const RELAY = '12D3KooWGn9cNNoY6PXfFNhqGCxovH5L1owJmJAAe1aWjzJaGEN9'
const PEER = '12D3KooWFFSxwbCcAbQwTeuoocJJw4dVc4AErUvvVihZECUEqExT'
const FACTS = { ownAddresses: [], connectionAddresses: [], upnp: null, relaysUsed: [], relayServing: false, reservationsServed: 0, uploadCap: 0 }

function stand (): { emitter: ProgressEmitter, events: ServiceEvent[], set: { peer: PeerInfo, node: NodeInfo } } {
  const set = {
    peer: { peerId: PEER, addresses: [`/ip6/3fff:1::10/tcp/4001/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`], direction: 'outbound', latencyMs: 40, uploadRate: 0, downloadRate: 0, via: 'dht', connectionKind: 'relayed', relayPeerId: RELAY, ipFamily: 'ipv6', name: null, nearby: false } as PeerInfo,
    node: { peerId: 'me', addresses: [], dht: { mode: 'client', routingTableSize: 1 }, limits: { maxUploadBytesPerSecond: 0, maxDownloadBytesPerSecond: 0 }, reach: reachInfo(FACTS), totals: { downloadRate: 0, uploadRate: 0, activeDownloads: 0, peers: 1, lifetimeUploaded: 0, lifetimeDownloaded: 0 } } as NodeInfo
  }
  const events: ServiceEvent[] = []
  const sources = {
    downloads: { values: () => [], rateByPeer: () => new Map() },
    shares: { list: () => [] },
    peers: { connected: () => [set.peer], totalUploadRate: () => 0 },
    lifetime: { uploaded: 0, downloaded: 0 },
    nodeInfo: () => set.node,
    emit: (e: ServiceEvent) => { events.push(e) }
  } as unknown as ProgressSources
  return { emitter: new ProgressEmitter(sources), events, set }
}

describe('reach in the progress stream', () => {
  it('publishes peer:updated when a relayed peer becomes direct, with the new fields', () => {
    const { emitter, events, set } = stand()
    emitter.tick()
    emitter.tick()
    assert.equal(events.filter(e => e.type === 'peer:updated').length, 0, 'nothing changed')
    set.peer = { ...set.peer, addresses: ['/ip6/3fff:2::5/tcp/4001'], connectionKind: 'direct', relayPeerId: null }
    emitter.tick()
    const updated = events.flatMap(e => e.type === 'peer:updated' ? [e.peer] : [])
    assert.equal(updated.length, 1)
    assert.deepEqual([updated[0]!.connectionKind, updated[0]!.relayPeerId, updated[0]!.ipFamily], ['direct', null, 'ipv6'])
    set.peer = { ...set.peer, ipFamily: 'ipv4' }
    emitter.tick()
    assert.equal(events.filter(e => e.type === 'peer:updated').length, 2, 'a change of family alone is published')
  })

  it('publishes node when our reach changes (unknown, then private behind a relay), and not otherwise', () => {
    const { emitter, events, set } = stand()
    emitter.tick()
    emitter.tick()
    assert.equal(events.filter(e => e.type === 'node').length, 0)
    set.node = { ...set.node, reach: reachInfo({ ...FACTS, relaysUsed: [RELAY] }) }
    emitter.tick()
    const nodes = events.flatMap(e => e.type === 'node' ? [e.node] : [])
    assert.equal(nodes.length, 1)
    assert.equal(nodes[0]!.reach.reachability, 'private')
    assert.deepEqual(nodes[0]!.reach.relaysUsed, [RELAY])
    set.node = { ...set.node, reach: reachInfo({ ...FACTS, relaysUsed: [RELAY], relayServing: false }) }
    emitter.tick()
    assert.equal(events.filter(e => e.type === 'node').length, 1, 'an equal reach is not published again')
    set.node = { ...set.node, reach: { ...set.node.reach, upnp: { state: 'mapped', addresses: ['/ip4/198.51.100.7/tcp/4001'], confirmed: false } } }
    emitter.tick()
    assert.equal(events.filter(e => e.type === 'node').length, 2, 'a UPnP mapping is published')
  })
})
