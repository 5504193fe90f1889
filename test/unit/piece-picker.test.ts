import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Bitfield } from '../../node-core/src/storage/bitfield.ts'
import { PiecePicker } from '../../node-core/src/scheduler/piece-picker.ts'
import { seededRandom } from '../helpers/random.ts'
import { bits, range } from '../helpers/bitfields.ts'

const none = new Map<number, number>()
const noneSet = new Set<number>()

test('rarest first after the random-first phase', () => {
  const n = 10
  // Chunk 7 is held only by source c; chunks 0..3 by all three; the rest by two.
  const a = bits(n, [0, 1, 2, 3, 4, 5, 6, 8, 9])
  const b = bits(n, [0, 1, 2, 3, 4, 5, 6, 8, 9])
  const c = bits(n, range(0, 10))
  for (let seed = 1; seed <= 20; seed++) {
    const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(seed), randomFirst: 0 })
    picker.addSource(a)
    picker.addSource(b)
    picker.addSource(c)
    assert.equal(picker.availability(7), 1)
    assert.equal(picker.pick(c, none, noneSet), 7)
  }
})

test('rarest first orders by availability across several buckets', () => {
  const n = 6
  const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(3), randomFirst: 0 })
  // availability: chunk i held by (i + 1) sources, shuffled order of addition.
  for (let s = 0; s < n; s++) picker.addSource(bits(n, range(s, n)))
  const seed = bits(n, range(0, n))
  const order: number[] = []
  const inFlight = new Map<number, number>()
  for (let k = 0; k < n; k++) {
    const i = picker.pick(seed, inFlight, noneSet)
    order.push(i)
    inFlight.set(i, 1)
  }
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5])
})

test('random among equals: seeds differ and every equal chunk is picked over many runs', () => {
  const n = 16
  const src = bits(n, range(0, n))
  const firstPicks = new Set<number>()
  for (let seed = 1; seed <= 400; seed++) {
    const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(seed), randomFirst: 0 })
    picker.addSource(src)
    firstPicks.add(picker.pick(src, none, noneSet))
  }
  assert.equal(firstPicks.size, n)

  const pickWith = (seed: number): number => {
    const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(seed), randomFirst: 0 })
    picker.addSource(src)
    return picker.pick(src, none, noneSet)
  }
  const bySeed = new Set(range(1, 10).map(pickWith))
  assert.ok(bySeed.size > 1, 'different seeds should pick different chunks')
  assert.equal(pickWith(5), pickWith(5), 'same seed, same pick')
})

test('random-first phase ignores rarity until randomFirst chunks are held', () => {
  const n = 40
  const all = bits(n, range(0, n))
  const make = (seed: number, have = new Bitfield(n)): PiecePicker => {
    const picker = new PiecePicker(n, have, { random: seededRandom(seed), randomFirst: 2 })
    picker.addSource(all)
    picker.addSource(all)
    for (let s = 0; s < 3; s++) picker.addSource(bits(n, range(1, n))) // chunk 0 is the rarest
    return picker
  }
  const firstPicks = new Set<number>()
  for (let seed = 1; seed <= 200; seed++) firstPicks.add(make(seed).pick(all, none, noneSet))
  assert.ok(firstPicks.size > 20, `random phase should spread picks, got ${firstPicks.size}`)

  for (let seed = 1; seed <= 20; seed++) {
    const picker = make(seed)
    picker.markHave(5)
    assert.notEqual(new Set(range(0, 20).map(() => picker.pick(all, none, noneSet))).size, 1, 'one chunk held: still random')
    picker.markHave(6)
    assert.equal(picker.pick(all, none, noneSet), 0, 'two chunks held: rarest first')
  }
  // Chunks held from the start count too.
  assert.equal(make(1, bits(n, [7, 8])).pick(all, none, noneSet), 0)
})

test('random-first phase only picks chunks the source has and we lack', () => {
  const n = 1000
  const have = bits(n, [10, 20])
  const src = bits(n, [10, 20, 500, 999])
  for (let seed = 1; seed <= 50; seed++) {
    const picker = new PiecePicker(n, have, { random: seededRandom(seed) })
    picker.addSource(src)
    picker.addSource(Bitfield.full(n))
    const i = picker.pick(src, none, noneSet)
    assert.ok(i === 500 || i === 999, `picked ${i}`)
  }
})

test('never picks a chunk we have or the source lacks; -1 when done', () => {
  const n = 64
  const src = bits(n, range(0, n).filter(i => i % 3 !== 0))
  const have = bits(n, range(0, n).filter(i => i % 5 === 0))
  const picker = new PiecePicker(n, have, { random: seededRandom(9), randomFirst: 0 })
  picker.addSource(src)
  picker.addSource(Bitfield.full(n))
  const got = new Set<number>()
  for (;;) {
    const i = picker.pick(src, none, noneSet)
    if (i === -1) break
    assert.ok(src.has(i) && !have.has(i), `picked ${i}`)
    assert.ok(!got.has(i))
    got.add(i)
    picker.markHave(i)
  }
  const expected = range(0, n).filter(i => i % 3 !== 0 && i % 5 !== 0)
  assert.deepEqual([...got].sort((x, y) => x - y), expected)
  assert.equal(picker.remaining, n - have.count - expected.length)

  const done = new PiecePicker(4, Bitfield.full(4))
  done.addSource(Bitfield.full(4))
  assert.equal(done.remaining, 0)
  assert.equal(done.pick(Bitfield.full(4), none, noneSet), -1)
})

test('chunks nobody announced (availability 0) are never picked', () => {
  const n = 8
  const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(1), randomFirst: 0 })
  // The source bitfield was never registered with addSource.
  assert.equal(picker.pick(Bitfield.full(n), none, noneSet), -1)
  const withRandom = new PiecePicker(n, new Bitfield(n), { random: seededRandom(1) })
  assert.equal(withRandom.pick(Bitfield.full(n), none, noneSet), -1)
})

test('never picks an in-flight chunk outside endgame', () => {
  const n = 50
  const src = Bitfield.full(n)
  for (const randomFirst of [0, 100]) {
    for (let seed = 1; seed <= 30; seed++) {
      const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(seed), randomFirst })
      picker.addSource(src)
      const inFlight = new Map<number, number>()
      for (let i = 0; i < n; i += 2) inFlight.set(i, 1)
      for (let k = 0; k < n / 2; k++) {
        const i = picker.pick(src, inFlight, noneSet)
        assert.ok(!inFlight.has(i), `picked in-flight ${i}`)
        inFlight.set(i, 1)
      }
    }
  }
})

test('endgame: duplicates with fewest requests first, never one already asked of this source', () => {
  const n = 6
  const picker = new PiecePicker(n, bits(n, [0, 1]), { random: seededRandom(4), randomFirst: 0 })
  const full = Bitfield.full(n)
  picker.addSource(full)
  picker.addSource(full)
  picker.addSource(bits(n, [5]))
  // Everything we lack (2..5) is in flight.
  const inFlight = new Map<number, number>([[2, 3], [3, 1], [4, 2], [5, 1], [0, 1]])
  // 3 and 5 have one request each; 5 is more available (3 sources) than 3 (2 sources).
  assert.equal(picker.pick(full, inFlight, noneSet), 3)
  // Already asked this source for 3: next fewest is 5.
  assert.equal(picker.pick(full, inFlight, new Set([3])), 5)
  assert.equal(picker.pick(full, inFlight, new Set([3, 5])), 4)
  assert.equal(picker.pick(full, inFlight, new Set([2, 3, 4, 5])), -1)
  // A source lacking every in-flight chunk gets nothing.
  picker.addSource(bits(n, [0, 1]))
  assert.equal(picker.pick(bits(n, [0, 1]), inFlight, noneSet), -1)
  // Once we hold everything there is no endgame either.
  for (const i of [2, 3, 4, 5]) picker.markHave(i)
  assert.equal(picker.pick(full, inFlight, noneSet), -1)
})

test('endgame only starts when no free chunk is left', () => {
  const n = 4
  const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(2), randomFirst: 0 })
  const full = Bitfield.full(n)
  picker.addSource(full)
  const inFlight = new Map<number, number>([[0, 1], [1, 1], [2, 1]])
  assert.equal(picker.pick(full, inFlight, noneSet), 3)
  inFlight.set(3, 1)
  const dup = picker.pick(full, inFlight, new Set([3]))
  assert.ok([0, 1, 2].includes(dup))
})

test('endgame tie breaks randomly among equally requested, equally rare chunks', () => {
  const n = 8
  const full = Bitfield.full(n)
  const seen = new Set<number>()
  for (let seed = 1; seed <= 100; seed++) {
    const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(seed), randomFirst: 0 })
    picker.addSource(full)
    const inFlight = new Map(range(0, n).map(i => [i, 1] as [number, number]))
    seen.add(picker.pick(full, inFlight, noneSet))
  }
  assert.equal(seen.size, n)
})

test('availability follows addSource, removeSource and addSourceChunk', () => {
  const n = 20
  const picker = new PiecePicker(n, bits(n, [3]), { random: seededRandom(1), randomFirst: 0 })
  const a = bits(n, [0, 1, 2, 3])
  const b = bits(n, [2, 3, 4, 19])
  picker.addSource(a)
  picker.addSource(b)
  assert.deepEqual(range(0, 6).map(i => picker.availability(i)), [1, 1, 2, 2, 1, 0])
  assert.equal(picker.availability(19), 1)
  picker.addSourceChunk(5)
  picker.addSourceChunk(5)
  assert.equal(picker.availability(5), 2)
  picker.removeSource(a)
  assert.deepEqual(range(0, 6).map(i => picker.availability(i)), [0, 0, 1, 1, 1, 2])
  picker.removeSource(b)
  assert.deepEqual(range(0, 6).map(i => picker.availability(i)), [0, 0, 0, 0, 0, 2])
  // Removing a source that was never added does not underflow.
  picker.removeSource(bits(n, [0]))
  assert.equal(picker.availability(0), 0)
  // Only chunk 5 is available now.
  assert.equal(picker.pick(Bitfield.full(n), none, noneSet), 5)
  assert.throws(() => picker.availability(n), { name: 'InvalidArgumentError' })
  assert.throws(() => picker.addSource(new Bitfield(n + 1)), { name: 'InvalidArgumentError' })
  assert.throws(() => picker.markHave(-1), { name: 'InvalidArgumentError' })
})

test('the caller\'s have bitfield is copied, and markHave is idempotent', () => {
  const n = 10
  const have = new Bitfield(n)
  const picker = new PiecePicker(n, have)
  have.set(4)
  assert.equal(picker.remaining, 10)
  picker.markHave(4)
  picker.markHave(4)
  assert.equal(picker.remaining, 9)
})

test('matches a brute-force model under random operations', () => {
  const n = 300
  const rnd = seededRandom(77)
  const picker = new PiecePicker(n, bits(n, range(0, 20)), { random: seededRandom(78), randomFirst: 0 })
  const have = new Set(range(0, 20))
  const avail = new Array<number>(n).fill(0)
  const sources: Bitfield[] = []
  const inFlight = new Map<number, number>()
  for (let step = 0; step < 3000; step++) {
    const op = rnd()
    if (op < 0.08 || sources.length === 0) {
      // Seeds (complete bitfields), dense and sparse partial sources all take different paths.
      const density = rnd() < 0.25 ? 1 : rnd() < 0.5 ? rnd() * 0.1 : rnd()
      const s = density === 1 ? Bitfield.full(n) : bits(n, range(0, n).filter(() => rnd() < density))
      sources.push(s)
      picker.addSource(s)
      for (const i of s.indices()) avail[i]!++
    } else if (op < 0.12 && sources.length > 1) {
      const [s] = sources.splice(Math.floor(rnd() * sources.length), 1)
      picker.removeSource(s!)
      for (const i of s!.indices()) avail[i]!--
    } else if (op < 0.3) {
      const s = sources[Math.floor(rnd() * sources.length)]!
      const i = Math.floor(rnd() * n)
      if (s.set(i)) {
        picker.addSourceChunk(i)
        avail[i]!++
      }
    } else if (op < 0.45) {
      const i = Math.floor(rnd() * n)
      picker.markHave(i)
      have.add(i)
      inFlight.delete(i)
    } else {
      const s = sources[Math.floor(rnd() * sources.length)]!
      const i = picker.pick(s, inFlight, noneSet)
      const free = range(0, n).filter(j => !have.has(j) && s.has(j) && !inFlight.has(j) && avail[j]! > 0)
      if (free.length === 0) {
        const dup = range(0, n).filter(j => !have.has(j) && s.has(j) && inFlight.has(j) && avail[j]! > 0)
        if (dup.length === 0) assert.equal(i, -1)
        else {
          const minCount = Math.min(...dup.map(j => inFlight.get(j)!))
          assert.equal(inFlight.get(i), minCount)
        }
      } else {
        assert.ok(free.includes(i), `step ${step}: picked ${i}`)
        assert.equal(avail[i], Math.min(...free.map(j => avail[j]!)), `step ${step}: not rarest`)
      }
      if (i !== -1) inFlight.set(i, (inFlight.get(i) ?? 0) + 1)
      if (inFlight.size > 15) inFlight.delete(inFlight.keys().next().value!)
    }
    if (step % 100 === 0) {
      for (let j = 0; j < n; j++) assert.equal(picker.availability(j), avail[j])
      assert.equal(picker.remaining, n - have.size)
    }
  }
})

test('falls back to a bitfield scan when a source holds few wanted chunks', () => {
  const n = 50_000
  const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(5), randomFirst: 0 })
  picker.addSource(Bitfield.full(n))
  const sparse = bits(n, [123, 45_678])
  picker.addSource(sparse)
  picker.addSource(sparse)
  picker.addSource(bits(n, [45_678]))
  // 123 has availability 3, 45678 has 4: rarest first even through the fallback scan.
  assert.equal(picker.pick(sparse, none, noneSet), 123)
  assert.equal(picker.pick(sparse, new Map([[123, 1]]), noneSet), 45_678)
  const rf = new PiecePicker(n, new Bitfield(n), { random: seededRandom(5) })
  rf.addSource(Bitfield.full(n))
  rf.addSource(sparse)
  const i = rf.pick(sparse, none, noneSet)
  assert.ok(i === 123 || i === 45_678)
})

test('large case: 200,000 chunks, 10,000 picks', () => {
  const n = 200_000
  const rnd = seededRandom(11)
  const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(12) })
  const sources: Bitfield[] = []
  for (let s = 0; s < 20; s++) {
    const b = s < 2 ? Bitfield.full(n) : bits(n, range(0, n).filter(() => rnd() < 0.5))
    sources.push(b)
    picker.addSource(b)
  }
  const inFlight = new Map<number, number>()
  const picked = new Set<number>()
  for (let k = 0; k < 10_000; k++) {
    const s = sources[k % sources.length]!
    const i = picker.pick(s, inFlight, noneSet)
    assert.ok(i >= 0 && s.has(i) && !picked.has(i))
    picked.add(i)
    inFlight.set(i, 1)
    // Keep a realistic window in flight: the oldest request completes.
    if (inFlight.size > 256) {
      const done = inFlight.keys().next().value!
      inFlight.delete(done)
      picker.markHave(done)
    }
  }
  assert.equal(picked.size, 10_000)
})

test('maxAvailability: a seed is asked only for chunks no other source has, until the true endgame', () => {
  const n = 64
  const seed = bits(n, range(0, n))
  const peer = bits(n, range(0, 48)) // a peer holds 0..47; 48..63 only the seed has
  for (let s = 1; s <= 10; s++) {
    const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(s) }) // still in the random-first phase
    picker.addSource(seed)
    picker.addSource(peer)
    const asked = new Set<number>()
    const inFlight = new Map<number, number>()
    for (;;) {
      const i = picker.pick(seed, inFlight, asked, 1)
      if (i < 0) break
      assert.ok(i >= 48, `chunk ${i} is held by the peer too, yet was asked of the seed`)
      asked.add(i)
      inFlight.set(i, 1)
    }
    assert.equal(asked.size, 16, 'every chunk only the seed has is asked of it')
    // Endgame does not reach past the limit while a chunk we lack is requested nowhere (chunk 0,
    // which the peer will be asked for): chunks in flight at the peer are not duplicated at the seed.
    const inFlightAll = new Map<number, number>([...range(1, 48), ...range(48, 64)].map(i => [i, 1]))
    assert.equal(picker.pick(seed, inFlightAll, new Set(range(48, 64)), 1), -1)
    // Without the limit the seed would be asked for them.
    assert.ok(picker.pick(seed, inFlightAll, new Set(range(48, 64))) < 48)
    // The true endgame, every chunk we lack requested somewhere: the seed may duplicate one held
    // at the peer, so the last chunks do not wait on a slow peer while the seed idles.
    inFlightAll.set(0, 1)
    const duplicate = picker.pick(seed, inFlightAll, new Set(range(48, 64)), 1)
    assert.ok(duplicate >= 0 && duplicate < 48, `the seed is asked for a chunk in flight at the peer (got ${duplicate})`)
    // Once the peer leaves, its chunks are the seed's alone.
    picker.removeSource(peer)
    assert.ok(picker.pick(seed, none, asked, 1) < 48)
  }
})

test('refuses bad arguments, naming the value and the allowed range', () => {
  const n = 10
  assert.throws(() => new PiecePicker(-1, new Bitfield(0)), { message: 'bad chunk count -1' })
  assert.throws(() => new PiecePicker(2.5, new Bitfield(2)), { message: 'bad chunk count 2.5' })
  assert.throws(() => new PiecePicker(4, new Bitfield(5)), { message: 'have bitfield has 5 bits, expected 4' })
  assert.throws(() => new PiecePicker(n, new Bitfield(n), { randomFirst: -1 }), { message: 'bad randomFirst -1' })
  assert.throws(() => new PiecePicker(n, new Bitfield(n), { randomFirst: NaN }), { message: 'bad randomFirst NaN' })

  const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(1), randomFirst: 0 })
  for (const index of [-1, 10, 1.5]) {
    const message = `chunk ${index} out of range 0..9`
    assert.throws(() => picker.availability(index), { message })
    assert.throws(() => { picker.addSourceChunk(index) }, { message })
    assert.throws(() => { picker.markHave(index) }, { message })
  }
  for (const length of [9, 11]) {
    const message = `bitfield has ${length} bits, expected 10`
    assert.throws(() => { picker.addSource(Bitfield.full(length)) }, { message })
    assert.throws(() => { picker.removeSource(Bitfield.full(length)) }, { message })
    assert.throws(() => picker.pick(Bitfield.full(length), none, noneSet), { message })
  }
  // Nothing refused changed anything.
  assert.deepEqual(range(0, n).map(i => picker.availability(i)), new Array<number>(n).fill(0))
  assert.equal(picker.remaining, n)
})

test('an empty share (no chunks) is valid: nothing remains, nothing is picked', () => {
  const picker = new PiecePicker(0, new Bitfield(0), { random: seededRandom(1) })
  assert.equal(picker.remaining, 0)
  picker.addSource(new Bitfield(0))
  assert.equal(picker.pick(new Bitfield(0), none, noneSet), -1)
  picker.removeSource(new Bitfield(0))
  assert.throws(() => picker.availability(0), { message: 'chunk 0 out of range 0..-1' })
  assert.throws(() => { picker.focus({ first: 0, last: 0 }) }, { message: 'chunk 0 out of range 0..-1' })
})

test('focus: the window is picked in order before rarer chunks, then rarest first resumes', () => {
  const n = 10
  const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(2), randomFirst: 0 })
  const source = Bitfield.full(n)
  picker.addSource(source)
  picker.addSource(bits(n, range(0, 9))) // chunk 9 is the rarest
  assert.equal(picker.focused, null)
  picker.focus({ first: 3, last: 6 })
  assert.deepEqual(picker.focused, { first: 3, last: 6 })
  const inFlight = new Map<number, number>()
  for (const expected of [3, 4, 5, 6, 9]) {
    const i = picker.pick(source, inFlight, noneSet)
    assert.equal(i, expected, `picked ${i} after ${[...inFlight.keys()].join(', ')}`)
    inFlight.set(i, 1)
  }
  // Also while still in the random-first phase.
  const early = new PiecePicker(n, new Bitfield(n), { random: seededRandom(2) })
  early.addSource(source)
  early.focus({ first: 7, last: 8 })
  assert.equal(early.pick(source, none, noneSet), 7)
})

test('focus skips chunks held, missing at the source, in flight anywhere or asked of this source', () => {
  const n = 10
  const source = bits(n, range(0, n).filter(i => i !== 3))
  const picker = new PiecePicker(n, bits(n, [2]), { random: seededRandom(4), randomFirst: 0 })
  picker.addSource(source)
  picker.addSource(bits(n, range(0, 9))) // chunk 9 is the rarest chunk the source has
  picker.focus({ first: 2, last: 6 })
  // 2 held, 3 not at this source, 4 in flight elsewhere, 5 already asked of this source: 6, the window's last chunk.
  const inFlight = new Map<number, number>([[4, 2]])
  assert.equal(picker.pick(source, inFlight, new Set([5])), 6)
  // A chunk listed with no request outstanding is not in flight.
  assert.equal(picker.pick(source, new Map([[4, 0]]), new Set([5])), 4)
  // Nothing left in the window: rarest first outside it.
  inFlight.set(6, 1)
  assert.equal(picker.pick(source, inFlight, new Set([5])), 9)
})

test('focus on a single chunk, on the last chunk, and focus(null) ending it', () => {
  const n = 10
  const source = Bitfield.full(n)
  const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(6), randomFirst: 0 })
  picker.addSource(source)
  picker.addSource(bits(n, range(1, n))) // chunk 0 is the rarest
  picker.focus({ first: 4, last: 4 })
  assert.deepEqual(picker.focused, { first: 4, last: 4 })
  assert.equal(picker.pick(source, none, noneSet), 4)
  picker.focus({ first: 9, last: 9 })
  assert.equal(picker.pick(source, none, noneSet), 9)
  picker.focus(null)
  assert.equal(picker.focused, null)
  assert.equal(picker.pick(source, none, noneSet), 0)
})

test('a bad focus is refused with its message and leaves the previous window in place', () => {
  const picker = new PiecePicker(10, new Bitfield(10))
  picker.focus({ first: 1, last: 2 })
  assert.throws(() => { picker.focus({ first: -1, last: 2 }) }, { message: 'chunk -1 out of range 0..9' })
  assert.throws(() => { picker.focus({ first: 0, last: 10 }) }, { message: 'chunk 10 out of range 0..9' })
  assert.throws(() => { picker.focus({ first: 5, last: 3 }) }, { message: 'bad focus 5..3' })
  assert.deepEqual(picker.focused, { first: 1, last: 2 })
})
