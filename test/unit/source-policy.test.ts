import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MAX_BYTES_OUTSTANDING, MIN_REQUESTS_PER_SOURCE, RateMeter, pipelineDepth, planningRate, rankSources, requestTimeoutMs, seedSparingLimit, shouldDropSource, withinByteBudget } from '../../node-core/src/scheduler/source-policy.ts'
import type { SourceLoad } from '../../node-core/src/scheduler/source-policy.ts'

const KiB = 1024
const MiB = 1024 * 1024

function near (actual: number, expected: number, tolerance: number, message?: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, message ?? `${actual} not within ${tolerance} of ${expected}`)
}

test('pipelineDepth keeps about targetSeconds of data in flight', () => {
  // 10 MiB/s, 1 MiB chunks, 0.5 s: 5 chunks + 1.
  assert.equal(pipelineDepth(10 * MiB, MiB), 6)
  assert.equal(pipelineDepth(10 * MiB, MiB, { targetSeconds: 1 }), 11)
  // Slow link: the floor.
  assert.equal(pipelineDepth(10 * KiB, MiB), 2)
  // Very fast link: the cap.
  assert.equal(pipelineDepth(1000 * MiB, 256 * KiB), 32)
  assert.equal(pipelineDepth(1000 * MiB, 256 * KiB, { max: 64 }), 64)
  assert.equal(pipelineDepth(Infinity, MiB), 32)
  assert.equal(pipelineDepth(MiB, MiB, { min: 4 }), 4)
  // ceil: 1.5 chunks -> 2, + 1.
  assert.equal(pipelineDepth(3 * MiB, MiB), 3)
})

test('pipelineDepth gives an unknown rate min + 2', () => {
  assert.equal(pipelineDepth(0, MiB), 4)
  assert.equal(pipelineDepth(0, MiB, { min: 5 }), 7)
  assert.equal(pipelineDepth(0, MiB, { min: 3, max: 4 }), 4)
  assert.equal(pipelineDepth(NaN, MiB), 4)
  assert.throws(() => pipelineDepth(MiB, 0), { name: 'InvalidArgumentError' })
  assert.throws(() => pipelineDepth(MiB, MiB, { min: 8, max: 4 }), { name: 'InvalidArgumentError' })
})

function src (id: string, rate: number, inFlight = 0, failures = 0): SourceLoad {
  return { id, rate, inFlight, failures }
}

const ids = (list: SourceLoad[]): string[] => list.map(s => s.id)

test('rankSources prefers the lowest expected time for one more chunk', () => {
  const chunk = MiB
  const sources = [
    src('slow', 1 * MiB, 0), // 1 s
    src('fast-busy', 10 * MiB, 19), // 2 s
    src('fast', 10 * MiB, 4), // 0.5 s
    src('mid', 4 * MiB, 1) // 0.5 s, ties with fast: by id
  ]
  const ranked = rankSources(sources, chunk)
  assert.deepEqual(ids(ranked), ['fast', 'mid', 'slow', 'fast-busy'])
  assert.notEqual(ranked, sources)
  assert.deepEqual(ids(sources), ['slow', 'fast-busy', 'fast', 'mid'], 'input untouched')
})

test('rankSources doubles the expected time per failure', () => {
  const ranked = rankSources([src('a', 4 * MiB, 0, 2), src('b', 2 * MiB, 0, 0), src('c', 8 * MiB, 0, 3)], MiB)
  // a: 0.25 s * 4 = 1 s; b: 0.5 s; c: 0.125 s * 8 = 1 s.
  assert.deepEqual(ids(ranked), ['b', 'a', 'c'])
})

test('rankSources treats an unknown rate as the median known rate', () => {
  const known = [src('k1', 1 * MiB), src('k2', 3 * MiB), src('k3', 9 * MiB)]
  // Median 3 MiB/s: unknown with nothing in flight ties k2, id decides.
  assert.deepEqual(ids(rankSources([...known, src('a-new', 0)], MiB)), ['k3', 'a-new', 'k2', 'k1'])
  assert.deepEqual(ids(rankSources([...known, src('z-new', 0)], MiB)), ['k3', 'k2', 'z-new', 'k1'])
  // Even count: mean of the middle two (2 and 4 -> 3 MiB/s); one in flight makes it 0.67 s,
  // between k2 (0.5 s) and k1 (1 s).
  const even = [src('k1', 1 * MiB), src('k2', 2 * MiB), src('k3', 4 * MiB), src('k4', 8 * MiB)]
  assert.deepEqual(ids(rankSources([...even, src('new', 0, 1)], MiB)), ['k4', 'k3', 'k2', 'new', 'k1'])
})

test('rankSources with no known rate ranks by load and failures, then id', () => {
  const ranked = rankSources([src('c', 0, 1), src('b', 0, 0), src('a', 0, 0, 1), src('d', 0, 0)], MiB)
  assert.deepEqual(ids(ranked), ['b', 'd', 'a', 'c'])
  // With no known rates and equal load, order is deterministic.
  assert.deepEqual(ids(rankSources([src('y', 0), src('x', 0)], MiB)), ['x', 'y'])
  assert.deepEqual(rankSources([], MiB), [])
})

test('seedSparingLimit limits a seed to chunks only seeds hold while seeds are no more than the partial sources', () => {
  const seed = { complete: true }
  const seed2 = { complete: true }
  const partial = { complete: false }
  const isSeed = (s: { complete: boolean }): boolean => s.complete
  assert.equal(seedSparingLimit(partial, [seed, partial], isSeed), Infinity)
  assert.equal(seedSparingLimit(seed, [seed], isSeed), Infinity)
  assert.equal(seedSparingLimit(seed, [seed, seed2], isSeed), Infinity)
  assert.equal(seedSparingLimit(seed, [seed, partial], isSeed), 1)
  const partial2 = { complete: false }
  assert.equal(seedSparingLimit(seed, [seed, seed2, partial, partial2], isSeed), 2)
  // Seeds outnumber the partial sources (most of a crowd has finished): no sparing.
  assert.equal(seedSparingLimit(seed, [seed, seed2, partial], isSeed), Infinity)
})

test('shouldDropSource after maxStrikes bad chunks', () => {
  assert.equal(shouldDropSource(0), false)
  assert.equal(shouldDropSource(1), false)
  assert.equal(shouldDropSource(2), true)
  assert.equal(shouldDropSource(3), true)
  assert.equal(shouldDropSource(2, 3), false)
  assert.equal(shouldDropSource(3, 3), true)
  assert.equal(shouldDropSource(1, 1), true)
})

function clock (start = 0): { now: () => number, advance: (ms: number) => void } {
  let t = start
  return { now: () => t, advance: (ms: number) => { t += ms } }
}

test('RateMeter measures a steady rate', () => {
  const c = clock(1_000_000)
  const meter = new RateMeter(3000, c.now)
  assert.equal(meter.rate(), 0)
  // 1000 bytes every 100 ms = 10,000 B/s, for 10 s; sample the rate at many phases.
  for (let k = 1; k <= 100; k++) {
    c.advance(100)
    meter.add(1000)
    if (k >= 5) near(meter.rate(), 10_000, 1000, `after ${k * 100} ms: ${meter.rate()}`)
    if (k >= 31) near(meter.rate(), 10_000, 400, `after ${k * 100} ms: ${meter.rate()}`)
  }
  assert.equal(meter.total, 100_000)
})

test('RateMeter follows changes and drops to 0 after a silent window', () => {
  const c = clock(0)
  const meter = new RateMeter(3000, c.now)
  for (let k = 0; k < 50; k++) {
    c.advance(100)
    meter.add(1000)
  }
  // 1.5 s of silence: half the window still holds traffic.
  c.advance(1500)
  near(meter.rate(), 5000, 600)
  c.advance(1600)
  assert.equal(meter.rate(), 0)
  assert.equal(meter.total, 50_000)
  // Faster traffic afterwards is picked up.
  for (let k = 0; k < 40; k++) {
    c.advance(100)
    meter.add(5000)
  }
  near(meter.rate(), 50_000, 2000)
  assert.equal(meter.total, 250_000)
})

test('RateMeter on a young meter divides by its age, at least one bucket', () => {
  const c = clock(500)
  const meter = new RateMeter(3000, c.now)
  c.advance(100)
  meter.add(5000)
  c.advance(400)
  assert.equal(meter.rate(), 10_000) // 5000 bytes in 0.5 s
  const fresh = new RateMeter(3000, c.now)
  fresh.add(1000)
  assert.equal(fresh.rate(), 4000) // no spike: at least one 250 ms bucket
})

test('RateMeter with a short window and odd clock values', () => {
  const c = clock(-1234.5)
  const meter = new RateMeter(100, c.now)
  for (let k = 0; k < 20; k++) {
    c.advance(10)
    meter.add(100)
  }
  near(meter.rate(), 10_000, 1500)
  c.advance(200)
  assert.equal(meter.rate(), 0)
  assert.throws(() => new RateMeter(0), { name: 'InvalidArgumentError' })
  assert.throws(() => meter.add(-1), { name: 'InvalidArgumentError' })
})

test('rankSources prefers a LAN source over an equally fast internet one', () => {
  const internet = { id: 'a', rate: 1_000_000, inFlight: 2, failures: 0 }
  const lan = { id: 'b', rate: 1_000_000, inFlight: 2, failures: 0, lan: true }
  assert.deepEqual(rankSources([internet, lan], 65536).map(s => s.id), ['b', 'a'])
  // ...but not over one that is much faster.
  const fast = { id: 'c', rate: 10_000_000, inFlight: 2, failures: 0 }
  assert.deepEqual(rankSources([lan, fast], 65536).map(s => s.id), ['c', 'b'])
})

test('withinByteBudget caps the bytes a download holds, but never starves a source below its minimum', () => {
  // Within the budget: yes; one chunk over it: no.
  assert.equal(withinByteBudget(31 * MiB, 5, MiB, 32 * MiB), true)
  assert.equal(withinByteBudget(31 * MiB + 1, 5, MiB, 32 * MiB), false)
  // The default budget is MAX_BYTES_OUTSTANDING.
  assert.equal(withinByteBudget(MAX_BYTES_OUTSTANDING - MiB, 5, MiB), true)
  assert.equal(withinByteBudget(MAX_BYTES_OUTSTANDING, 5, MiB), false)
  // A source holding fewer than MIN_REQUESTS_PER_SOURCE may always ask, whatever the others hold.
  assert.equal(withinByteBudget(10 * MAX_BYTES_OUTSTANDING, MIN_REQUESTS_PER_SOURCE - 1, MiB), true)
  assert.equal(withinByteBudget(10 * MAX_BYTES_OUTSTANDING, MIN_REQUESTS_PER_SOURCE, MiB), false)
})

test('planningRate: recent rate first, else the session average, 0 only when nothing came yet', () => {
  assert.equal(planningRate(5000, 1_000_000, 10_000), 5000)
  // A source whose one chunk (256 KiB) takes 20 s reads 0 on a 3 s meter most of the time: its
  // session average still says it is slow, not unknown.
  const slow = planningRate(0, 4 * 262144, 80_000)
  assert.ok(Math.abs(slow - 13107.2) < 1e-6, `got ${slow}`)
  assert.equal(planningRate(0, 0, 80_000), 0)
  assert.equal(planningRate(0, 1000, 0), 0)
  // Planned with its average, the slow source gets the fewest requests and ranks last, where the
  // unknown rate (0) would have given it min + 2 and the median's rank.
  assert.equal(pipelineDepth(slow, 262144), 2)
  assert.equal(pipelineDepth(0, 262144), 4)
  const ranked = rankSources([
    { id: 'slow', rate: slow, inFlight: 0, failures: 0 },
    { id: 'a', rate: 1_000_000, inFlight: 0, failures: 0 },
    { id: 'b', rate: 500_000, inFlight: 0, failures: 0 }
  ], 262144)
  assert.deepEqual(ranked.map(s => s.id), ['a', 'b', 'slow'])
})

test('requestTimeoutMs is 4x the time the bytes in flight take at the recent rate, never under 15 s', () => {
  assert.equal(requestTimeoutMs(1024 * 1024, 0, 8 * 1024 * 1024), 32_000)
  assert.equal(requestTimeoutMs(100 * 1024 * 1024, 0, 1024 * 1024), 15_000)
})

test('requestTimeoutMs falls back to the rate at the last chunk, and to 15 s with no rate at all', () => {
  assert.equal(requestTimeoutMs(0, 512 * 1024, 4 * 1024 * 1024), 32_000)
  assert.equal(requestTimeoutMs(0, 0, 4 * 1024 * 1024), 15_000)
})

test('pipelineDepth refuses a chunk size that is not positive, naming it', () => {
  assert.throws(() => pipelineDepth(MiB, 0), { name: 'InvalidArgumentError', message: 'bad chunk size 0' })
  assert.throws(() => pipelineDepth(MiB, -MiB), { message: `bad chunk size ${-MiB}` })
  assert.throws(() => pipelineDepth(MiB, NaN), { message: 'bad chunk size NaN' })
})

test('pipelineDepth refuses a negative targetSeconds, and with 0 keeps one request in flight', () => {
  assert.throws(() => pipelineDepth(MiB, MiB, { targetSeconds: -0.5 }), { name: 'InvalidArgumentError', message: 'bad targetSeconds -0.5' })
  assert.throws(() => pipelineDepth(MiB, MiB, { targetSeconds: NaN }), { message: 'bad targetSeconds NaN' })
  // 0 s of data ahead: ceil(0) + 1 = 1 request, raised to the floor.
  assert.equal(pipelineDepth(10 * MiB, MiB, { targetSeconds: 0 }), 2)
  assert.equal(pipelineDepth(10 * MiB, MiB, { targetSeconds: 0, min: 1 }), 1)
})

test('pipelineDepth refuses bounds that are not integers, a min under 1, or a max under the min', () => {
  const bad = (min: number | undefined, max: number | undefined, message: string): void => {
    assert.throws(() => pipelineDepth(MiB, MiB, { min, max }), { name: 'InvalidArgumentError', message })
  }
  bad(1.5, undefined, 'bad pipeline bounds 1.5..32')
  bad(undefined, 31.5, 'bad pipeline bounds 2..31.5')
  bad(0, undefined, 'bad pipeline bounds 0..32')
  bad(-1, 4, 'bad pipeline bounds -1..4')
  bad(8, 4, 'bad pipeline bounds 8..4')
  bad(NaN, undefined, 'bad pipeline bounds NaN..32')
})

test('pipelineDepth accepts a min of 1 and a max equal to the min', () => {
  assert.equal(pipelineDepth(0, MiB, { min: 1 }), 3)
  assert.equal(pipelineDepth(10 * KiB, MiB, { min: 1 }), 2)
  assert.equal(pipelineDepth(10 * MiB, MiB, { min: 4, max: 4 }), 4)
  assert.equal(pipelineDepth(10 * KiB, MiB, { min: 4, max: 4 }), 4)
  assert.equal(pipelineDepth(0, MiB, { min: 1, max: 1 }), 1)
})

test('withinByteBudget by default lets a download hold 32 MiB', () => {
  assert.equal(MAX_BYTES_OUTSTANDING, 32 * MiB)
  assert.equal(withinByteBudget(31 * MiB, 5, MiB), true)
  assert.equal(withinByteBudget(32 * MiB - 1, 5, 1), true)
  assert.equal(withinByteBudget(31 * MiB + 1, 5, MiB), false)
})

test('rankSources refuses a chunk size that is not positive, naming it', () => {
  assert.throws(() => rankSources([src('a', MiB)], 0), { name: 'InvalidArgumentError', message: 'bad chunk size 0' })
  assert.throws(() => rankSources([], 0), { message: 'bad chunk size 0' })
  assert.throws(() => rankSources([src('a', MiB)], -MiB), { message: `bad chunk size ${-MiB}` })
  assert.throws(() => rankSources([src('a', MiB)], NaN), { message: 'bad chunk size NaN' })
})

test('rankSources takes the median of the known rates whatever order the sources come in', () => {
  // Rates 9, 1, 3 MiB/s: the median is 3 MiB/s (not the middle of the list, 1 MiB/s). The unknown
  // source with one in flight takes 0.67 s: after k3 (0.33 s), before k1 (1 s).
  const sources = [src('k9', 9 * MiB), src('k1', 1 * MiB), src('k3', 3 * MiB), src('new', 0, 1)]
  assert.deepEqual(ids(rankSources(sources, MiB)), ['k9', 'k3', 'new', 'k1'])
  const reversed = [src('new', 0, 1), src('k3', 3 * MiB), src('k1', 1 * MiB), src('k9', 9 * MiB)]
  assert.deepEqual(ids(rankSources(reversed, MiB)), ['k9', 'k3', 'new', 'k1'])
})

test('rankSources with an even count of known rates takes the mean of the middle two, not either one', () => {
  // 1, 2, 4, 8 MiB/s: median 3 MiB/s, so an unknown source takes 0.33 s, strictly between k4
  // (0.25 s) and k2 (0.5 s), whatever its id.
  const even = [src('k8', 8 * MiB), src('k2', 2 * MiB), src('k4', 4 * MiB), src('k1', 1 * MiB)]
  assert.deepEqual(ids(rankSources([...even, src('a-new', 0)], MiB)), ['k8', 'k4', 'a-new', 'k2', 'k1'])
  assert.deepEqual(ids(rankSources([...even, src('z-new', 0)], MiB)), ['k8', 'k4', 'z-new', 'k2', 'k1'])
})

test('seedSparingLimit does not limit a seed when no source is listed', () => {
  const isSeed = (s: { complete: boolean }): boolean => s.complete
  // No partial source to spare the seed for: a limit of 0 would leave it nothing to be asked.
  assert.equal(seedSparingLimit({ complete: true }, [], isSeed), Infinity)
})

test('RateMeter refuses a window that is not a positive finite number, naming it', () => {
  assert.throws(() => new RateMeter(0, () => 0), { name: 'InvalidArgumentError', message: 'bad window 0' })
  assert.throws(() => new RateMeter(-3000, () => 0), { message: 'bad window -3000' })
  assert.throws(() => new RateMeter(NaN, () => 0), { message: 'bad window NaN' })
  assert.throws(() => new RateMeter(Infinity, () => 0), { message: 'bad window Infinity' })
})

test('RateMeter accepts zero bytes and refuses a negative or non-finite count, naming it', () => {
  const c = clock(1000)
  const meter = new RateMeter(3000, c.now)
  c.advance(100)
  meter.add(0)
  assert.equal(meter.total, 0)
  assert.equal(meter.rate(), 0)
  meter.add(1000)
  assert.equal(meter.total, 1000)
  assert.throws(() => meter.add(-1), { name: 'InvalidArgumentError', message: 'bad byte count -1' })
  assert.throws(() => meter.add(NaN), { message: 'bad byte count NaN' })
  assert.throws(() => meter.add(Infinity), { message: 'bad byte count Infinity' })
  assert.equal(meter.total, 1000, 'refused counts are not added')
})

test('RateMeter reads performance.now by default, over a 3 s window', (t) => {
  let time = 1000
  t.mock.method(performance, 'now', () => time)
  const meter = new RateMeter()
  time += 500
  meter.add(5000)
  assert.equal(meter.rate(), 10_000) // 5000 bytes in the meter's first 0.5 s
  // The 250 ms bucket the bytes went into leaves the window 3 s after it began (at 1500 ms).
  time = 4499
  assert.ok(meter.rate() > 0)
  time = 4500
  assert.equal(meter.rate(), 0)
})

test('RateMeter does not count bytes stamped later than a clock that stepped back, until it gets there again', () => {
  // Download's default clock is Date.now, which may step back.
  const c = clock(0)
  const meter = new RateMeter(3000, c.now)
  c.advance(10_000)
  meter.add(2750)
  // At the start of a bucket the window's 12 buckets of 250 ms cover 11 of them: 2.75 s.
  assert.equal(meter.rate(), 1000)
  c.advance(-1000)
  assert.equal(meter.rate(), 0)
  c.advance(1000)
  assert.equal(meter.rate(), 1000)
  assert.equal(meter.total, 2750)
})
