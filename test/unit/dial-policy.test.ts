import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { DialPolicy, MAX_CONNECTIONS_PER_IP } from '../../node-core/src/net/dial-policy.ts'

const A = '12D3KooWMCV4qhDtvpVpLs8TuazLiqgQXuoRyRVp5SREjgMqythn'
const B = '12D3KooWR6LMm1UdANiPzP8z82TPJsr59cZSfDgGtsE5z9vuzTmc'

describe('DialPolicy', () => {
  it('dials public addresses, and private or loopback ones only for trusted peers', () => {
    const p = new DialPolicy(false)
    assert.equal(p.denies(multiaddr(`/ip4/8.8.8.8/tcp/4001/p2p/${A}`)), false)
    assert.equal(p.denies(multiaddr('/dns4/example.com/tcp/4001')), false)
    for (const host of ['/ip4/127.0.0.1', '/ip4/10.0.0.5', '/ip4/192.168.1.2', '/ip4/172.16.0.1', '/ip6/::1', '/ip6/fe80::1']) {
      assert.equal(p.denies(multiaddr(`${host}/tcp/4001/p2p/${A}`)), true, host)
      assert.equal(p.denies(multiaddr(`${host}/tcp/4001`)), true, `${host} without a peer ID`)
    }
    p.trust(`/ip4/127.0.0.1/tcp/1/p2p/${A}`)
    assert.equal(p.denies(multiaddr(`/ip4/192.168.1.2/tcp/4001/p2p/${A}`)), false, 'a trusted peer on any of its addresses')
    assert.equal(p.denies(multiaddr(`/ip4/192.168.1.2/tcp/4001/p2p/${B}`)), true)
    p.trust(B)
    assert.equal(p.isTrusted(B), true)
    assert.equal(p.denies(multiaddr(`/ip4/127.0.0.1/tcp/4001/p2p/${B}`)), false)
  })

  it('caps inbound connections per remote IP, loopback exempt', () => {
    const p = new DialPolicy(false)
    const open = new Map([['203.0.113.7', MAX_CONNECTIONS_PER_IP], ['203.0.113.8', MAX_CONNECTIONS_PER_IP - 1], ['127.0.0.1', 500]])
    p.connectionsFrom = ip => open.get(ip) ?? 0
    assert.equal(p.deniesInbound('203.0.113.7'), true)
    assert.equal(p.deniesInbound('203.0.113.8'), false)
    assert.equal(p.deniesInbound('127.0.0.1'), false)
    const gater = p.gater()
    assert.equal(gater.denyInboundConnection?.({ remoteAddr: multiaddr('/ip4/203.0.113.7/tcp/5555') } as never), true)
  })

  it('allows everything when private addresses are allowed', () => {
    assert.equal(new DialPolicy(true).denies(multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${A}`)), false)
  })
})

describe('DialPolicy: never dial ourselves', () => {
  it('refuses the web UI port on loopback and unspecified addresses, even with allowPrivate', () => {
    for (const allowPrivate of [false, true]) {
      const p = new DialPolicy(allowPrivate)
      p.trust(A)
      p.denyLocalPort(7717)
      for (const host of ['/ip4/127.0.0.1', '/ip4/127.0.0.2', '/ip6/::1', '/ip4/0.0.0.0', '/ip6/::']) {
        assert.equal(p.denies(multiaddr(`${host}/tcp/7717/p2p/${A}`)), true, `${host} allowPrivate=${allowPrivate}`)
        assert.equal(p.gater().denyDialMultiaddr?.(multiaddr(`${host}/tcp/7717`)), true, host)
        assert.equal(p.denies(multiaddr(`${host}/tcp/7718/p2p/${A}`)), false, `${host} another port`)
      }
      assert.equal(p.denies(multiaddr(`/ip4/8.8.8.8/tcp/7717/p2p/${A}`)), false, 'the same port on another machine')
    }
  })

  it('refuses our own listen addresses, and their port on loopback', () => {
    const p = new DialPolicy(true)
    p.ownAddresses = () => [multiaddr(`/ip4/192.168.1.9/tcp/4001/p2p/${A}`), multiaddr(`/ip4/127.0.0.1/tcp/4001/p2p/${A}`)]
    assert.equal(p.denies(multiaddr(`/ip4/192.168.1.9/tcp/4001/p2p/${B}`)), true)
    assert.equal(p.denies(multiaddr(`/ip4/127.0.0.1/tcp/4001/p2p/${B}`)), true)
    assert.equal(p.denies(multiaddr('/ip6/::1/tcp/4001')), true)
    assert.equal(p.denies(multiaddr(`/ip4/192.168.1.10/tcp/4001/p2p/${B}`)), false, 'another machine on the LAN')
    assert.equal(p.denies(multiaddr(`/ip4/127.0.0.1/tcp/4002/p2p/${B}`)), false, 'another local node')
  })
})
