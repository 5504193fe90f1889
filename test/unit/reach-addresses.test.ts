import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { namedPublicHosts, orderAddresses } from '../../node-core/src/net/announce.ts'
import { BOOTSTRAP_LIST_ENV, PUBLIC_BOOTSTRAP, bootstrapFor, publicBootstrapList } from '../../node-core/src/net/node.ts'
import { DialPolicy } from '../../node-core/src/net/dial-policy.ts'
import { isCircuit, isPublicDirect } from '../../node-core/src/net/relays.ts'

const RELAY = '12D3KooWGn9cNNoY6PXfFNhqGCxovH5L1owJmJAAe1aWjzJaGEN9'
const PEER = '12D3KooWFFSxwbCcAbQwTeuoocJJw4dVc4AErUvvVihZECUEqExT'
const circuit = `/ip6/3fff:1::10/tcp/4001/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`

describe('announced addresses', () => {
  it('puts public direct addresses first, then relayed, then LAN, then loopback (3fff::/20 is public)', () => {
    const given = ['/ip4/127.0.0.1/tcp/1', '/ip4/192.168.1.2/tcp/1', circuit, '/ip6/::1/tcp/2', '/ip6/fd00:1::2/tcp/2', '/ip6/3fff:2:1::2/tcp/2']
    assert.deepEqual(orderAddresses(given.map(a => multiaddr(a))).map(String), [
      '/ip6/3fff:2:1::2/tcp/2', circuit, '/ip4/192.168.1.2/tcp/1', '/ip6/fd00:1::2/tcp/2', '/ip4/127.0.0.1/tcp/1', '/ip6/::1/tcp/2'
    ])
    assert.equal(isCircuit(multiaddr(circuit)), true)
    assert.equal(isPublicDirect(multiaddr(circuit)), false)
    assert.equal(isPublicDirect(multiaddr('/ip4/198.51.100.10/tcp/1')), false, 'IPv4 documentation ranges count as private to libp2p')
  })

  it('trusts only listen addresses that name one public IP', () => {
    assert.deepEqual([...namedPublicHosts(['/ip6/3fff:1::10/tcp/4001', '/ip4/0.0.0.0/tcp/0', '/ip6/::/tcp/0', '/ip4/10.0.0.1/tcp/1', '/ip4/203.0.113.9/tcp/1', 'not an address'])], ['3fff:1::10'])
  })
})

describe('bootstrap list hook', () => {
  it('replaces the built-in public list from the environment, never a given or named-network list', () => {
    const env = { [BOOTSTRAP_LIST_ENV]: ` /ip6/3fff:1::10/tcp/4001/p2p/${RELAY},/ip6/3fff:1::11/tcp/4001/p2p/${PEER} ` }
    assert.deepEqual(publicBootstrapList(env), [`/ip6/3fff:1::10/tcp/4001/p2p/${RELAY}`, `/ip6/3fff:1::11/tcp/4001/p2p/${PEER}`])
    assert.deepEqual(publicBootstrapList({ [BOOTSTRAP_LIST_ENV]: '' }), [], 'empty: no bootstrap peers at all')
    assert.deepEqual(publicBootstrapList({}), [...PUBLIC_BOOTSTRAP])
    assert.deepEqual(bootstrapFor(undefined, [], env), { list: publicBootstrapList(env), public: true })
    assert.deepEqual(bootstrapFor(undefined, ['/ip4/127.0.0.1/tcp/1/p2p/x'], env).list, ['/ip4/127.0.0.1/tcp/1/p2p/x'])
    assert.deepEqual(bootstrapFor('team', [], env), { list: [], public: false })
  })
})

describe('dial policy and relayed addresses', () => {
  it('does not take a relayed address for our own, though it names the relay\'s host and port', () => {
    const policy = new DialPolicy(false)
    policy.ownAddresses = () => [multiaddr(`/ip6/3fff:1::10/tcp/4001/p2p/${RELAY}/p2p-circuit/p2p/${RELAY}`)]
    assert.equal(policy.isOwn(multiaddr(circuit)), false)
    assert.equal(policy.denies(multiaddr(circuit)), false)
  })
})
