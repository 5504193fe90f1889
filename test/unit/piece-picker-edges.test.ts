/**
 * Piece picker edge cases: the fallback bitfield scan (a source holding few of the chunks we lack),
 * chunks nobody announced, the endgame's ordering and the entries of the in-flight map it ignores,
 * seed sparing (maxAvailability) at its limit, and availability that must never underflow.
 * The main behaviour is in piece-picker.test.ts.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Bitfield } from '../../node-core/src/storage/bitfield.ts'
import { PiecePicker } from '../../node-core/src/scheduler/piece-picker.ts'
import { seededRandom } from '../helpers/random.ts'
import { bits, range } from '../helpers/bitfields.ts'

const none = new Map<number, number>()
const noneSet = new Set<number>()

test('random-first phase stays uniform for a source holding few of the chunks we lack', () => {
  // 4096 chunks, the source holds 4: random probes almost always miss, so the bitfield scan decides.
  // Chunk 100 is rarer than the others, yet the random-first phase must not prefer it.
  const n = 4096
  const source = bits(n, [100, 1000, 2000, 3000])
  const counts = new Map<number, number>()
  const runs = 400
  for (let seed = 1; seed <= runs; seed++) {
    const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(seed) })
    picker.addSource(Bitfield.full(n))
    picker.addSource(source)
    picker.addSource(bits(n, [1000, 2000, 3000]))
    const i = picker.pick(source, none, noneSet)
    counts.set(i, (counts.get(i) ?? 0) + 1)
  }
  assert.deepEqual([...counts.keys()].sort((a, b) => a - b), [100, 1000, 2000, 3000])
  for (const [i, c] of counts) assert.ok(c > runs / 4 * 0.6 && c < runs / 4 * 1.4, `chunk ${i} picked ${c} times out of ${runs}`)
})

test('random-first phase: when every chunk the source has is in flight, the pick is an endgame duplicate', () => {
  const n = 1000
  const source = bits(n, [500, 999])
  for (let seed = 1; seed <= 5; seed++) {
    const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(seed) })
    picker.addSource(Bitfield.full(n))
    picker.addSource(source)
    assert.equal(picker.pick(source, new Map([[500, 1], [999, 2]]), noneSet), 500)
    assert.equal(picker.pick(source, new Map([[500, 1], [999, 2]]), new Set([500])), 999)
    assert.equal(picker.pick(source, new Map([[500, 1], [999, 2]]), new Set([500, 999])), -1)
  }
})

test('random-first phase never picks a chunk we hold, even with chunks nobody announced', () => {
  // Chunks 10..15 have no source; we hold 0..3, which the source has too.
  const n = 16
  const source = bits(n, range(0, 10))
  for (let seed = 1; seed <= 30; seed++) {
    const picker = new PiecePicker(n, bits(n, range(0, 4)), { random: seededRandom(seed), randomFirst: 8 })
    picker.addSource(source)
    const i = picker.pick(source, none, noneSet)
    assert.ok(i >= 4 && i < 10, `seed ${seed}: picked ${i}`)
  }
})

test('a random source returning exactly 1 still yields a chunk we lack', () => {
  // Outside the documented [0, 1), but an injected generator may do it: draws are clamped to the range.
  const n = 10
  for (const randomFirst of [0, 4]) {
    const picker = new PiecePicker(n, bits(n, [9]), { random: () => 1, randomFirst })
    picker.addSource(Bitfield.full(n))
    const i = picker.pick(Bitfield.full(n), none, noneSet)
    assert.ok(i >= 0 && i < 9, `randomFirst ${randomFirst}: picked ${i}`)
  }
})

test('the fallback scan picks rarest first and never a chunk we hold', () => {
  // 20,000 chunks: the source holds 4, one of them (96) already ours, so walking the buckets runs
  // past its budget and the bitfield scan decides. 96 is the rarest of the four, 100 the rarest we lack.
  const n = 20_000
  const source = bits(n, [96, 100, 5000, 15_000])
  for (let seed = 1; seed <= 10; seed++) {
    const picker = new PiecePicker(n, bits(n, [96]), { random: seededRandom(seed), randomFirst: 0 })
    picker.addSource(bits(n, range(0, n).filter(i => i !== 96)))
    picker.addSource(source)
    picker.addSource(bits(n, [5000, 15_000]))
    assert.equal(picker.pick(source, none, noneSet), 100)
    const next = picker.pick(source, new Map([[100, 1]]), noneSet)
    assert.ok(next === 5000 || next === 15_000, `seed ${seed}: picked ${next}`)
  }
})

test('chunks nobody announced are never picked, even when the source\'s bitfield claims them', () => {
  // Only chunks 0..15 were announced; the bitfield passed to pick claims all 32.
  const n = 32
  for (let seed = 1; seed <= 10; seed++) {
    const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(seed), randomFirst: 0 })
    picker.addSource(bits(n, range(0, 16)))
    const i = picker.pick(Bitfield.full(n), none, noneSet)
    assert.ok(i >= 0 && i < 16, `seed ${seed}: picked ${i}`)
  }
  // The same through the random-first phase's fallback scan: 0..99 announced and all in flight,
  // 500 claimed but never announced. The pick duplicates a request instead.
  const m = 1000
  const claimed = bits(m, [...range(0, 100), 500])
  const inFlight = new Map(range(0, 100).map(i => [i, 1] as [number, number]))
  for (let seed = 1; seed <= 10; seed++) {
    const picker = new PiecePicker(m, new Bitfield(m), { random: seededRandom(seed) })
    picker.addSource(bits(m, range(0, 100)))
    const i = picker.pick(claimed, inFlight, noneSet)
    assert.ok(i >= 0 && i < 100, `seed ${seed}: picked ${i}`)
  }
  // And in the endgame: 1 is in flight (its source left) with fewer requests than 0, but nobody has it now.
  const picker = new PiecePicker(4, new Bitfield(4), { random: seededRandom(1), randomFirst: 0 })
  picker.addSource(bits(4, [0]))
  assert.equal(picker.pick(bits(4, [0, 1]), new Map([[0, 2], [1, 1]]), noneSet), 0)
})

test('endgame: fewest requests first, then the rarest, whatever the order of the in-flight map', () => {
  const n = 6
  const full = Bitfield.full(n)
  const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(3), randomFirst: 0 })
  picker.addSource(full)
  picker.addSource(bits(n, [3, 5]))
  picker.addSource(bits(n, [5]))
  // Availability: 3 -> 2, 5 -> 3, the rest 1. Everything is in flight.
  const inFlight = new Map<number, number>([[5, 1], [3, 1], [4, 2], [0, 3], [1, 3], [2, 3]])
  assert.equal(picker.pick(full, inFlight, noneSet), 3, 'one request each for 5 and 3: 3 is rarer')
  assert.equal(picker.pick(full, inFlight, new Set([3])), 5, 'a rarer chunk with more requests (4) waits')
  assert.equal(picker.pick(full, inFlight, new Set([3, 5])), 4)
})

test('endgame ignores in-flight entries that are not requests for a chunk', () => {
  // Two seeds and a peer holding 1 and 2; the second seed is spared (maxAvailability 2). 0 is
  // requested at the first seed, 2 at the peer; 1 is listed with no request outstanding, and the
  // map holds keys that are no chunk index at all.
  const n = 3
  const seed = Bitfield.full(n)
  const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(5), randomFirst: 0 })
  picker.addSource(seed)
  picker.addSource(seed)
  picker.addSource(bits(n, [1, 2]))
  const inFlight = new Map<number, number>([[0.5, 1], [0, 1], [1, 0], [2, 1], [-1, 1], [3, 1]])
  assert.equal(picker.pick(seed, inFlight, noneSet, 2), 0)
})

test('a spared seed still duplicates requests for chunks only seeds hold, at the limit exactly', () => {
  // Two seeds (maxAvailability 2) and a peer holding 0 and 1: 2 and 3 are held by exactly 2 sources.
  const n = 4
  const seed = Bitfield.full(n)
  for (let s = 1; s <= 5; s++) {
    const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(s), randomFirst: 0 })
    picker.addSource(seed)
    picker.addSource(seed)
    picker.addSource(bits(n, [0, 1]))
    // 2 and 3 are requested at the first seed; 0 and 1 are free but the peer has them.
    const i = picker.pick(seed, new Map([[2, 1], [3, 1]]), noneSet, 2)
    assert.ok(i === 2 || i === 3, `picked ${i}`)
  }
})

test('the seed-sparing limit also ends the random-first phase: rarest first within it', () => {
  const n = 8
  const seed = Bitfield.full(n)
  for (let s = 1; s <= 20; s++) {
    const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(s) }) // no chunk held yet
    picker.addSource(seed)
    picker.addSource(bits(n, range(0, 6)))
    const i = picker.pick(seed, none, noneSet, 2)
    assert.ok(i === 6 || i === 7, `seed ${s}: picked ${i}`)
  }
})

test('a spared seed is not asked for a peer\'s chunk when the pick falls back to the scan', () => {
  // Two seeds and a peer holding 1100..2047. The 1100 chunks only the seeds hold are all requested
  // at the first seed: walking them runs past the budget, and the scan must respect the limit too.
  const n = 2048
  const seed = Bitfield.full(n)
  const inFlight = new Map(range(0, 1100).map(i => [i, 1] as [number, number]))
  for (let s = 1; s <= 5; s++) {
    const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(s), randomFirst: 0 })
    picker.addSource(seed)
    picker.addSource(seed)
    picker.addSource(bits(n, range(1100, n)))
    const i = picker.pick(seed, inFlight, noneSet, 2)
    assert.ok(i >= 0 && i < 1100, `seed ${s}: picked ${i}, a chunk the peer holds`)
  }
})

test('a seed that was never added leaving does not underflow availability', () => {
  // We hold chunk 0, which no source announced; a source holds the rest.
  const n = 16
  const picker = new PiecePicker(n, bits(n, [0]), { random: seededRandom(1), randomFirst: 0 })
  picker.addSource(bits(n, range(1, n)))
  picker.removeSource(Bitfield.full(n))
  assert.deepEqual(range(0, n).map(i => picker.availability(i)), new Array<number>(n).fill(0))
  assert.equal(picker.pick(Bitfield.full(n), none, noneSet), -1)
  picker.addSource(Bitfield.full(n))
  assert.deepEqual(range(0, n).map(i => picker.availability(i)), new Array<number>(n).fill(1))
})

test('after a complete source that was never added leaves, a seed joining makes every chunk pickable', () => {
  // Chunks 8..15 have no source yet when a complete bitfield that was never added is removed.
  const n = 16
  const seed = Bitfield.full(n)
  const inFlight = new Map(range(0, 8).map(i => [i, 1] as [number, number]))
  for (let s = 1; s <= 5; s++) {
    const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(s), randomFirst: 0 })
    picker.addSource(bits(n, range(0, 8)))
    picker.removeSource(seed)
    picker.addSource(seed)
    assert.deepEqual(range(0, n).map(i => picker.availability(i)), new Array<number>(n).fill(1))
    // 0..7 are in flight: the seed is asked for one of 8..15, not for a duplicate.
    const i = picker.pick(seed, inFlight, noneSet)
    assert.ok(i >= 8 && i < n, `seed ${s}: picked ${i}`)
  }
})
