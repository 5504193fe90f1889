/** The Send to… box: a peer ID is sent as it is; a full address is sent with the peer ID it ends in. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { sendTarget } from '../../renderer/src/lib/send-target.ts'

const ID = '12D3KooWHg2ndvC9ScpSrB9e2xiJXcxktuGCxB9jtYVV3tdJ5GYH'

describe('Send to… target', () => {
  it('a peer ID, trimmed, has no address', () => {
    assert.deepEqual(sendTarget(`  ${ID}\n`), { peerId: ID })
  })

  it('a full address gives the peer ID after its last /p2p/ (a relayed address names the relay first)', () => {
    assert.deepEqual(sendTarget(`/ip4/192.0.2.7/tcp/4001/p2p/${ID}`), { peerId: ID, address: `/ip4/192.0.2.7/tcp/4001/p2p/${ID}` })
    const relayed = `/ip4/192.0.2.1/tcp/4001/p2p/12D3KooWRelay/p2p-circuit/p2p/${ID}`
    assert.deepEqual(sendTarget(relayed), { peerId: ID, address: relayed })
  })

  it('an address without /p2p/ is sent as both (the service refuses it: "does not end with /p2p/<peer id>")', () => {
    assert.deepEqual(sendTarget('/ip4/192.0.2.7/tcp/4001'), { peerId: '/ip4/192.0.2.7/tcp/4001', address: '/ip4/192.0.2.7/tcp/4001' })
  })
})
