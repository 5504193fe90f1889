// A download's candidate list: freshest address first, bounded against peer-exchange floods,
// judged afresh by each new transfer.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CandidateList, MAX_CANDIDATES, RECIPROCAL_SOURCES_FACTOR, peerKey, sourceLimit } from '../../node-core/src/scheduler/candidates.ts'

const ID = '12D3KooWHg2ndvC9ScpSrB9e2xiJXcxktuGCxB9jtYVV3tdJ5GYH'
const at = (port: number, id = ID): string => `/ip4/127.0.0.1/tcp/${port}/p2p/${id}`
const fake = (i: number): string => `12D3KooFake${String(i).padStart(8, '0')}`

describe('candidate list', () => {
  it('dials the freshest address first: a later address is never shadowed by an earlier one', () => {
    const list = new CandidateList([at(1000)])
    const c = list.get(ID)!
    c.attempts = 6
    c.nextAttempt = Date.now() + 64_000
    assert.equal(list.add(at(2000)), false, 'the same peer')
    assert.equal(c.address, at(2000))
    assert.deepEqual(c.addresses, [at(2000), at(1000)])
    assert.equal(c.nextAttempt, 0, 'a new address clears the back-off: dialed at once')
    assert.equal(c.attempts, 0)
    list.add(at(1000)) // heard again: fresh again, no new back-off reset needed
    assert.deepEqual(c.addresses, [at(1000), at(2000)])
    list.add(ID) // a bare peer ID adds nothing to a peer with addresses
    assert.equal(c.address, at(1000))
  })

  it('tries the next address after a failed dial', () => {
    const list = new CandidateList([at(1), at(2), at(3)])
    const c = list.get(ID)!
    assert.equal(c.address, at(3))
    list.failed(c)
    assert.equal(c.address, at(2))
    list.failed(c)
    assert.equal(c.address, at(1))
    list.failed(c)
    assert.equal(c.address, at(3))
  })

  it('a bare peer ID is dialed as itself until an address is heard', () => {
    const list = new CandidateList([ID])
    assert.equal(list.get(ID)!.address, ID)
    list.add(at(7))
    assert.equal(list.get(ID)!.address, at(7))
    assert.equal(peerKey(at(7)), ID)
  })

  it('stays bounded under a flood of fake peers and keeps the peers that work', () => {
    const list = new CandidateList([at(1)])
    let added = 0
    list.onAdded(() => { added++ })
    for (let i = 0; i < 100_000; i++) list.add(fake(i))
    assert.equal(list.size, MAX_CANDIDATES)
    assert.ok(list.get(ID) != null, 'the honest peer stays')
    assert.equal(added, MAX_CANDIDATES - 1)
    // Fakes that failed to connect make room, the most failed first; a dropped one goes before any.
    list.get(fake(1))!.attempts = 3
    list.get(fake(2))!.attempts = 5
    list.get(fake(3))!.dropped = true
    list.add(fake(200_000))
    assert.equal(list.get(fake(3)), undefined, 'the dropped one went first')
    list.add(fake(200_001))
    assert.equal(list.get(fake(2)), undefined, 'then the one that failed most')
    assert.ok(list.get(fake(1)) != null)
    assert.equal(list.size, MAX_CANDIDATES)
  })

  it('never makes room by evicting a peer the download was started with or the user named, however often it failed', () => {
    const NAMED = '12D3KooNamedPeer'
    const list = new CandidateList([at(1)]) // the link's seeder
    list.get(ID)!.attempts = 6 // missed six handshakes (a seeder under a flood of its own)
    list.add(at(9, NAMED), { named: true }) // --peer
    list.get(NAMED)!.attempts = 9
    list.add(fake(0)) // heard from a peer, then named by the user too
    list.add(fake(0), { named: true })
    list.get(fake(0))!.attempts = 50
    for (let i = 1; i < 2 * MAX_CANDIDATES; i++) {
      list.add(fake(i))
      list.get(fake(i))!.attempts = 1 // every address a peer sent us failed once
    }
    assert.equal(list.size, MAX_CANDIDATES)
    assert.ok(list.get(ID) != null, 'the link\'s seeder stays')
    assert.ok(list.get(NAMED) != null, 'the --peer stays')
    assert.ok(list.get(fake(0)) != null, 'named later: stays too')
    assert.ok(list.get(fake(2 * MAX_CANDIDATES - 1)) != null, 'room was made among the others')
  })

  it('judges afresh: back-off and drops are cleared for a new transfer', () => {
    const list = new CandidateList([at(1)])
    const c = list.get(ID)!
    Object.assign(c, { attempts: 4, nextAttempt: Date.now() + 60_000, dropped: true })
    list.judgeAfresh()
    assert.deepEqual([c.attempts, c.nextAttempt, c.dropped], [0, 0, false])
  })

  it('a peer that joined us is marked reciprocal (even if already known) and dialed past maxSources', () => {
    const list = new CandidateList([fake(1)])
    let added = 0
    list.onAdded(() => { added++ })
    assert.equal(list.get(fake(1))!.reciprocal, false)
    assert.equal(sourceLimit(32, list.get(fake(1))!), 32)
    assert.equal(list.add(fake(1), { reciprocal: true }), false) // known already: not new, but now reciprocal
    assert.equal(list.get(fake(1))!.reciprocal, true)
    assert.equal(added, 1, 'marking it reciprocal wakes the transfer to dial it')
    assert.equal(sourceLimit(32, list.get(fake(1))!), 32 * RECIPROCAL_SOURCES_FACTOR)
    assert.ok(RECIPROCAL_SOURCES_FACTOR > 1)
    list.add(fake(2), { reciprocal: true })
    assert.equal(list.get(fake(2))!.reciprocal, true)
    list.add(fake(2))
    assert.equal(list.get(fake(2))!.reciprocal, true, 'a later plain mention does not unmark it')
  })
})
