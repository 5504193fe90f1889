import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { introduceMembers } from '../../node-core/src/scheduler/peer-exchange.ts'
import { seededRandom } from '../helpers/random.ts'

describe('introduceMembers (peer exchange)', () => {
  it('lists at most `max` members, never the newcomer, never one twice', () => {
    const members = Array.from({ length: 100 }, (_, i) => `p${i}`)
    for (let seed = 1; seed <= 20; seed++) {
      const picked = introduceMembers(members, 'p7', 32, seededRandom(seed))
      assert.equal(picked.length, 32)
      assert.equal(new Set(picked).size, 32)
      assert.ok(!picked.includes('p7'))
      for (const p of picked) assert.ok(members.includes(p))
    }
    assert.deepEqual(introduceMembers(['a', 'b', 'me'], 'me', 32).sort(), ['a', 'b'])
    assert.deepEqual(introduceMembers([], 'me', 32), [])
  })

  it('gives every member the same chance, not the first ones met', () => {
    const members = Array.from({ length: 200 }, (_, i) => i)
    const count = new Array<number>(200).fill(0)
    const random = seededRandom(42)
    const rounds = 2000
    for (let r = 0; r < rounds; r++) for (const m of introduceMembers(members, -1, 32, random)) count[m]!++
    // Each member is listed with probability 32/200: 320 times expected in 2,000 rounds.
    const expected = rounds * 32 / 200
    for (const c of count) assert.ok(c > expected * 0.7 && c < expected * 1.3, `listed ${c} times, expected about ${expected}`)
    assert.ok(count.slice(32).reduce((a, b) => a + b, 0) > count.slice(0, 32).reduce((a, b) => a + b, 0), 'later members are listed too')
  })
})
