/**
 * "Why is it slow?": how a connection is classified from its remote address, how our reachability
 * is judged, and the advice shown for each case (net/reach.ts), plus the UPnP block read from
 * libp2p's address metadata (service/node-reach.ts).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { classifyAddress, preferredConnection, reachAdvice, reachInfo, reachability } from '../../node-core/src/net/reach.ts'
import { upnpFrom } from '../../node-core/src/service/node-reach.ts'
import { connectionText, reachText } from '../../node-core/src/cli/reach-text.ts'
import type { ReachFacts } from '../../node-core/src/net/reach.ts'
import type { NodeAddress } from '@libp2p/interface-internal'

const RELAY = '12D3KooWGn9cNNoY6PXfFNhqGCxovH5L1owJmJAAe1aWjzJaGEN9'
const PEER = '12D3KooWFFSxwbCcAbQwTeuoocJJw4dVc4AErUvvVihZECUEqExT'

describe('classifyAddress', () => {
  it('a circuit address is relayed, via the peer ID before /p2p-circuit, with the family of the hop to the relay', () => {
    assert.deepEqual(classifyAddress(`/ip6/3fff:1::10/tcp/4001/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`), { connectionKind: 'relayed', relayPeerId: RELAY, ipFamily: 'ipv6' })
    assert.deepEqual(classifyAddress(`/ip4/192.168.1.9/tcp/4001/p2p/${RELAY}/p2p-circuit`), { connectionKind: 'relayed', relayPeerId: RELAY, ipFamily: 'ipv4' })
    assert.deepEqual(classifyAddress(`/dns4/relay.example.org/tcp/4001/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`), { connectionKind: 'relayed', relayPeerId: RELAY, ipFamily: 'ipv4' })
  })

  it('a circuit with no relay peer ID is still relayed (relay unknown)', () => {
    assert.deepEqual(classifyAddress(`/p2p-circuit/p2p/${PEER}`), { connectionKind: 'relayed', relayPeerId: null, ipFamily: null })
  })

  it('private, loopback and link-local addresses are LAN, IPv4 and IPv6', () => {
    for (const a of ['/ip4/192.168.1.2/tcp/1', '/ip4/10.1.2.3/tcp/1', '/ip4/172.16.0.5/tcp/1', '/ip4/127.0.0.1/tcp/1', '/ip4/169.254.3.4/tcp/1']) {
      assert.deepEqual(classifyAddress(a), { connectionKind: 'lan', relayPeerId: null, ipFamily: 'ipv4' }, a)
    }
    for (const a of ['/ip6/fd00:1::2/tcp/2', '/ip6/::1/tcp/2', '/ip6/fe80::1/tcp/2']) {
      assert.deepEqual(classifyAddress(a), { connectionKind: 'lan', relayPeerId: null, ipFamily: 'ipv6' }, a)
    }
    assert.equal(classifyAddress(multiaddr(`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`)).connectionKind, 'lan', 'a Multiaddr with /p2p/ too')
  })

  it('public addresses are direct: global IPv6 (3fff::/20 included), public IPv4', () => {
    assert.deepEqual(classifyAddress('/ip6/2a01:4f8::1/tcp/4001'), { connectionKind: 'direct', relayPeerId: null, ipFamily: 'ipv6' })
    assert.deepEqual(classifyAddress(`/ip6/3fff:2:1::2/tcp/4001/p2p/${PEER}`), { connectionKind: 'direct', relayPeerId: null, ipFamily: 'ipv6' })
    assert.deepEqual(classifyAddress('/ip4/8.8.4.4/tcp/4001'), { connectionKind: 'direct', relayPeerId: null, ipFamily: 'ipv4' })
  })

  it('DNS names are direct; dns4 / dns6 give the family, dns and dnsaddr none', () => {
    assert.deepEqual(classifyAddress('/dns4/example.org/tcp/4001'), { connectionKind: 'direct', relayPeerId: null, ipFamily: 'ipv4' })
    assert.deepEqual(classifyAddress('/dns6/example.org/tcp/4001'), { connectionKind: 'direct', relayPeerId: null, ipFamily: 'ipv6' })
    assert.deepEqual(classifyAddress('/dns/example.org/tcp/4001'), { connectionKind: 'direct', relayPeerId: null, ipFamily: null })
    assert.deepEqual(classifyAddress(`/dnsaddr/bootstrap.libp2p.io/p2p/${PEER}`), { connectionKind: 'direct', relayPeerId: null, ipFamily: null })
  })

  it('IPv4 documentation ranges count as LAN (libp2p calls them private)', () => {
    assert.equal(classifyAddress('/ip4/198.51.100.10/tcp/1').connectionKind, 'lan')
  })
})

describe('preferredConnection', () => {
  it('shows a direct or LAN connection before a relayed one, else the first', () => {
    const relayed = { id: 'r', remoteAddr: multiaddr(`/ip6/3fff:1::10/tcp/4001/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`) }
    const direct = { id: 'd', remoteAddr: multiaddr('/ip6/3fff:2::5/tcp/4001') }
    const lan = { id: 'l', remoteAddr: multiaddr('/ip4/192.168.0.4/tcp/4001') }
    assert.equal(preferredConnection([relayed, direct])?.id, 'd')
    assert.equal(preferredConnection([relayed, lan])?.id, 'l')
    assert.equal(preferredConnection([relayed])?.id, 'r')
    assert.equal(preferredConnection([]), undefined)
  })
})

const BASE: ReachFacts = { ownAddresses: [], connectionAddresses: [], upnp: null, relaysUsed: [], relayServing: false, reservationsServed: 0, uploadCap: 0 }
const CIRCUIT_OF_OURS = `/ip6/3fff:1::10/tcp/4001/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`

describe('reachability', () => {
  it('public once a public direct address of ours is announced', () => {
    assert.equal(reachability({ ...BASE, ownAddresses: ['/ip4/127.0.0.1/tcp/1', `/ip6/3fff:2::5/tcp/4001/p2p/${PEER}`] }), 'public')
  })
  it('private with relays, a relayed address, or a connection to a public peer and no public address', () => {
    assert.equal(reachability({ ...BASE, ownAddresses: ['/ip6/fd00:1::2/tcp/1'], relaysUsed: [RELAY] }), 'private')
    assert.equal(reachability({ ...BASE, ownAddresses: [CIRCUIT_OF_OURS] }), 'private')
    assert.equal(reachability({ ...BASE, ownAddresses: ['/ip6/fd00:1::2/tcp/1'], connectionAddresses: ['/ip6/3fff:1::10/tcp/4001'] }), 'private')
  })
  it('a public address of ours: unknown while unchecked, private once a check failed (even with public peers)', () => {
    const publicPeer = { connectionAddresses: ['/ip6/3fff:1::10/tcp/4001'] }
    assert.equal(reachability({ ...BASE, ...publicPeer, checkingAddresses: ['/ip6/3fff:2::5/tcp/4001'] }), 'unknown')
    assert.equal(reachability({ ...BASE, ...publicPeer, failedAddresses: ['/ip6/3fff:2::5/tcp/4001'] }), 'private')
    assert.equal(reachability({ ...BASE, failedAddresses: ['/ip6/3fff:2::5/tcp/4001'] }), 'private')
  })
  it('unknown on loopback or a LAN alone', () => {
    assert.equal(reachability({ ...BASE, ownAddresses: ['/ip4/127.0.0.1/tcp/1'], connectionAddresses: ['/ip4/127.0.0.1/tcp/2', '/ip4/192.168.1.3/tcp/3'] }), 'unknown')
    assert.equal(reachability(BASE), 'unknown')
  })
})

describe('reach advice', () => {
  it('reachable: direct connections, and the reservations served when relaying', () => {
    const info = reachInfo({ ...BASE, ownAddresses: ['/ip6/3fff:2::5/tcp/4001'], relayServing: true, reservationsServed: 3 })
    assert.equal(info.reachability, 'public')
    assert.deepEqual(info.publicAddresses, ['/ip6/3fff:2::5/tcp/4001'])
    assert.equal(info.advice, 'Reachable: other peers connect to you directly. You also relay for peers behind routers (3 reservations now).')
    assert.equal(reachAdvice({ ...info, relayServing: false }, 0), 'Reachable: other peers connect to you directly.')
  })

  it('private with relays and UPnP off: downloads go through a relay at up to the upload cap', () => {
    const info = reachInfo({ ...BASE, ownAddresses: [CIRCUIT_OF_OURS], relaysUsed: [RELAY], upnp: { state: 'none', addresses: [], confirmed: false }, uploadCap: 4 * 1024 * 1024 })
    assert.equal(info.reachability, 'private')
    assert.deepEqual(info.publicAddresses, [])
    assert.equal(info.advice, 'Your router has UPnP off: downloads from you go through a relay at up to 4 MiB/s (your upload limit), usually less; turn UPnP on or forward a port on your router for direct connections.')
  })

  it('private with relays, no upload cap, UPnP not running (named network)', () => {
    assert.equal(reachAdvice({ reachability: 'private', upnp: null, relaysUsed: [RELAY], relayServing: false, reservationsServed: 0 }, 0),
      'Not reachable from the internet (behind a router): downloads from you go through a relay at whatever the relay can carry, usually slower than direct; forward a port on your router for direct connections.')
  })

  it('private with a UPnP mapping nobody could use yet', () => {
    assert.equal(reachAdvice({ reachability: 'private', upnp: { state: 'mapped', addresses: ['/ip4/198.51.100.7/tcp/4001'], confirmed: false }, relaysUsed: [RELAY], relayServing: false, reservationsServed: 0 }, 1_000_000),
      'Your router mapped a port (UPnP), but no peer could connect through it yet: downloads from you go through a relay at up to 977 KiB/s (your upload limit), usually less; check its firewall for direct connections.')
  })

  it('private without a relay: peers behind other routers cannot download from you', () => {
    const info = reachInfo({ ...BASE, ownAddresses: ['/ip6/fd00:1::2/tcp/1'], connectionAddresses: ['/ip6/3fff:1::10/tcp/4001'], upnp: { state: 'none', addresses: [], confirmed: false } })
    assert.equal(info.advice, 'Your router has UPnP off and no relay found yet: peers behind other routers cannot download from you; turn UPnP on or forward a port on your router.')
  })

  it('unknown while checking: names the address being checked', () => {
    assert.equal(reachInfo({ ...BASE, checkingAddresses: ['/ip6/3fff:2::5/tcp/4001', '/ip4/8.8.4.4/tcp/1'] }).advice,
      'Checking whether others can reach you at /ip6/3fff:2::5/tcp/4001 (and 1 more): a peer on the internet will try to connect back.')
  })

  it('unknown: says nobody on the internet checked yet', () => {
    assert.equal(reachInfo(BASE).advice, 'Not known yet whether others can reach you: no peer on the internet has checked it (peers on your network connect directly).')
  })
})

describe('upnpFrom', () => {
  const addr = (a: string, type: NodeAddress['type'], verified: boolean): NodeAddress => ({ multiaddr: multiaddr(a), type, verified, expires: 0 })
  it('is null when UPnP does not run', () => {
    assert.equal(upnpFrom(false, [addr('/ip4/198.51.100.7/tcp/4001', 'ip-mapping', true)]), null)
  })
  it('reports the mapped addresses and whether one is confirmed', () => {
    const addresses = [addr('/ip4/192.168.1.2/tcp/4001', 'transport', false), addr('/ip4/198.51.100.7/tcp/4001', 'ip-mapping', false)]
    assert.deepEqual(upnpFrom(true, addresses), { state: 'mapped', addresses: ['/ip4/198.51.100.7/tcp/4001'], confirmed: false })
    assert.deepEqual(upnpFrom(true, [addr('/ip4/198.51.100.7/tcp/4001', 'ip-mapping', true)])?.confirmed, true)
    assert.deepEqual(upnpFrom(true, addresses.slice(0, 1)), { state: 'none', addresses: [], confirmed: false })
  })
})

describe('reach text for the terminal (doctor, daemon)', () => {
  it('says how a peer is connected in words', () => {
    assert.equal(connectionText({ connectionKind: 'relayed', relayPeerId: RELAY, ipFamily: 'ipv6' }), `relayed via ${RELAY.slice(0, 12)}…${RELAY.slice(-4)}, IPv6`)
    assert.equal(connectionText({ connectionKind: 'lan', relayPeerId: null, ipFamily: 'ipv4' }), 'LAN, IPv4')
    assert.equal(connectionText({ connectionKind: 'direct', relayPeerId: null, ipFamily: null }), 'direct')
  })
  it('prints the reach block with its advice', () => {
    const text = reachText(reachInfo({ ...BASE, ownAddresses: [CIRCUIT_OF_OURS], relaysUsed: [RELAY], upnp: { state: 'none', addresses: [], confirmed: false }, uploadCap: 2 * 1024 * 1024 }))
    assert.equal(text, [
      'reach: private',
      '  public addresses: none',
      '  UPnP: no port mapped',
      `  relays used: ${RELAY}`,
      '  relaying for others: no',
      '  Your router has UPnP off: downloads from you go through a relay at up to 2 MiB/s (your upload limit), usually less; turn UPnP on or forward a port on your router for direct connections.'
    ].join('\n'))
  })
})
