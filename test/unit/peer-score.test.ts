// The per-peer score: penalties add up, fade with a half-life, shut a peer out below the ban line
// (until a time it can say), tell listeners once, and the table stays bounded.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { PENALTY, PeerScore } from '../../node-core/src/scheduler/peer-score.ts'

describe('peer score', () => {
  it('a flood shuts a peer out for about one half-life, then it is forgotten', () => {
    let now = 1_000_000
    const score = new PeerScore({ now: () => now, halfLifeMs: 60_000, banLine: 50 })
    assert.equal(score.banned('p'), false)
    assert.equal(score.penalise('p', PENALTY.flood, 'flood'), true, 'shut out by this penalty')
    assert.equal(score.banned('p'), true)
    assert.equal(score.banned('q'), false, 'others are not touched')
    const until = score.bannedUntil('p')
    assert.equal(until, now + 60_000, '-100 fades to -50 in one half-life')
    now = until - 1
    assert.equal(score.banned('p'), true)
    now = until + 1
    assert.equal(score.banned('p'), false)
    assert.equal(score.bannedUntil('p'), 0)
    now += 10 * 60_000
    assert.equal(score.score('p'), 0)
    assert.equal(score.size, 0, 'a faded penalty is forgotten')
  })

  it('penalties add up: one bad chunk is a warning, two shut the peer out; repeat offences last longer', () => {
    let now = 0
    const score = new PeerScore({ now: () => now, halfLifeMs: 60_000 })
    assert.equal(score.penalise('p', PENALTY.badChunk, 'bad'), false)
    assert.equal(score.banned('p'), false, 'exactly at the line is not below it')
    assert.equal(score.penalise('p', PENALTY.badChunk, 'bad'), true)
    assert.equal(score.penalise('p', PENALTY.flood, 'flood'), false, 'already shut out: not news again')
    assert.equal(score.bannedUntil('p'), 2 * 60_000, '-200 takes two half-lives to reach -50')
    now += 30_000
    assert.ok(score.score('p') < -140 && score.score('p') > -142)
  })

  it('tells listeners once per shut-out, with the reason', () => {
    const score = new PeerScore({ now: () => 0 })
    const told: string[] = []
    const off = score.onBanned((peerId, reason) => { told.push(`${peerId}: ${reason}`) })
    score.penalise('p', PENALTY.protocol, 'unrequested block')
    score.penalise('p', PENALTY.protocol, 'again')
    off()
    score.penalise('q', PENALTY.protocol, 'not heard')
    assert.deepEqual(told, ['p: unrequested block'])
  })

  it('remembers at most maxPeers, forgetting the mildest first', () => {
    const score = new PeerScore({ now: () => 0, maxPeers: 3 })
    score.penalise('worst', 300, 'x')
    score.penalise('a', 10, 'x')
    score.penalise('b', 20, 'x')
    score.penalise('c', 30, 'x')
    assert.equal(score.size, 3)
    assert.equal(score.score('a'), 0, 'the mildest was forgotten')
    assert.equal(score.banned('worst'), true)
  })

  it('refuses nonsense', () => {
    const score = new PeerScore()
    assert.throws(() => score.penalise('p', 0, 'x'), { name: 'InvalidArgumentError' })
    assert.throws(() => score.penalise('p', Number.NaN, 'x'), { name: 'InvalidArgumentError' })
    assert.throws(() => new PeerScore({ halfLifeMs: 0 }), { name: 'InvalidArgumentError' })
  })
})
