// Budgets for what a peer can make us do: a burst, a refill rate, throttling past it, and "over"
// past the debt; the per-peer table is bounded and forgets idle peers first.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { BUDGETS, PeerBudgets, RateBudget } from '../../node-core/src/scheduler/peer-budget.ts'
import type { Verdict } from '../../node-core/src/scheduler/peer-budget.ts'

describe('rate budget', () => {
  it('allows a burst, then the refill rate, and no more', () => {
    let now = 0
    const budget = new RateBudget({ burst: 5, perSecond: 2, debt: 1000 }, () => now)
    for (let i = 0; i < 5; i++) assert.equal(budget.charge(), 'ok')
    assert.equal(budget.charge(), 'throttle', 'burst spent')
    now += 60_000
    for (let i = 0; i < 5; i++) assert.equal(budget.charge(), 'ok', 'refilled, but to the burst only')
    assert.equal(budget.charge(), 'throttle', 'never more than the burst, however long it was idle')
  })

  it('refills at its rate while throttled', () => {
    let now = 0
    const budget = new RateBudget({ burst: 2, perSecond: 2, debt: 100 }, () => now)
    budget.charge(); budget.charge()
    assert.equal(budget.charge(), 'throttle') // tokens -1
    now += 1000 // +2 tokens: 1
    assert.equal(budget.charge(), 'ok')
    assert.equal(budget.charge(), 'throttle')
  })

  it('is over once the throttled messages pass the debt, and stays over while it keeps flooding', () => {
    let now = 0
    const budget = new RateBudget({ burst: 3, perSecond: 1, debt: 4 }, () => now)
    const verdicts: Verdict[] = []
    for (let i = 0; i < 9; i++) verdicts.push(budget.charge())
    assert.deepEqual(verdicts, ['ok', 'ok', 'ok', 'throttle', 'throttle', 'throttle', 'throttle', 'over', 'over'])
    now += 2000 // pays back 2 of its 4 debt: throttled again, not over
    assert.equal(budget.charge(), 'throttle')
  })

  it('an honest rate never gets throttled', () => {
    let now = 0
    const budget = new RateBudget(BUDGETS.chatter, () => now)
    for (let i = 0; i < 10_000; i++) {
      assert.equal(budget.charge(), 'ok')
      now += 1000 / (BUDGETS.chatter.perSecond - 1)
    }
    budget.charge()
    assert.equal(budget.idle, false, 'just spent')
    now += 60_000
    assert.equal(budget.idle, true, 'full again')
  })

  it('refuses nonsense specs', () => {
    assert.throws(() => new RateBudget({ burst: 0, perSecond: 1, debt: 1 }), { name: 'InvalidArgumentError' })
    assert.throws(() => new RateBudget({ burst: 1, perSecond: -1, debt: 1 }), { name: 'InvalidArgumentError' })
    assert.throws(() => new RateBudget({ burst: 1, perSecond: 1, debt: Number.NaN }), { name: 'InvalidArgumentError' })
  })
})

describe('per-peer budgets', () => {
  const specs = { chatter: { burst: 2, perSecond: 0, debt: 1 }, stream: { burst: 1, perSecond: 0, debt: 0 }, manifest: BUDGETS.manifest, refused: BUDGETS.refused, cancel: BUDGETS.cancel }

  it('keeps each peer and each kind apart', () => {
    const budgets = new PeerBudgets(specs, () => 0)
    assert.deepEqual(['a', 'a', 'a', 'a'].map(p => budgets.charge(p, 'chatter')), ['ok', 'ok', 'throttle', 'over'])
    assert.equal(budgets.charge('a', 'stream'), 'ok', 'another kind has its own budget')
    assert.equal(budgets.charge('a', 'stream'), 'over', 'no debt allowed: over at once')
    assert.equal(budgets.charge('b', 'chatter'), 'ok', 'another peer has its own budget')
    budgets.forget('a')
    assert.equal(budgets.charge('a', 'chatter'), 'ok', 'a forgotten peer starts afresh')
  })

  it('holds at most 4096 peers, forgetting idle ones first', () => {
    let now = 0
    const budgets = new PeerBudgets(specs, () => now)
    for (let i = 0; i < 5000; i++) budgets.charge(`p${i}`, 'manifest')
    assert.equal(budgets.size, 4096, 'bounded')
    now += 60_000 // the p* peers' manifest budgets are full again: idle
    budgets.charge('flooder', 'chatter'); budgets.charge('flooder', 'chatter'); budgets.charge('flooder', 'chatter') // in debt
    assert.ok(budgets.size < 4096, 'idle peers were forgotten to make room')
    for (let i = 0; i < 4000; i++) budgets.charge(`q${i}`, 'manifest')
    assert.ok(budgets.size <= 4096)
    assert.equal(budgets.charge('flooder', 'chatter'), 'over', 'the flooder, in debt, was kept while idle peers went')
  })
})
