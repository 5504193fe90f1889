import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { PUBLIC_BOOTSTRAP, bootstrapFor, dhtProtocolFor } from '../../node-core/src/net/node.ts'

describe('network settings', () => {
  it('uses the public DHT and its bootstrap peers only on the default network', () => {
    assert.equal(dhtProtocolFor(undefined), '/ipfs/kad/1.0.0')
    assert.deepEqual(bootstrapFor(undefined, []), { list: [...PUBLIC_BOOTSTRAP], public: true })
    assert.deepEqual(bootstrapFor(undefined, ['/ip4/127.0.0.1/tcp/1/p2p/x']), { list: ['/ip4/127.0.0.1/tcp/1/p2p/x'], public: true })
    assert.equal(dhtProtocolFor('team-a'), '/swarmdrop/team-a/kad/1.0.0')
    assert.deepEqual(bootstrapFor('team-a', []), { list: [], public: false }, 'a named network never contacts public peers')
  })

  it('rejects network names that would not make a clean protocol id', () => {
    for (const bad of ['a/b', ' x', 'x'.repeat(64), '../kad', 'é']) assert.throws(() => dhtProtocolFor(bad), { name: 'InvalidArgumentError' }, bad)
  })
})
