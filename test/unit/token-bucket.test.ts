import { test } from 'node:test'
import assert from 'node:assert/strict'
import { getEventListeners } from 'node:events'
import { TokenBucket } from '../../node-core/src/bandwidth/token-bucket.ts'
import { seededRandom } from '../helpers/random.ts'

const KiB = 1024
const MiB = 1024 * 1024

/** A clock that only moves when a sleep asks it to: every sleep completes at once, time jumps. */
function autoClock (): { now: () => number, sleep: (ms: number) => Promise<void>, sleeps: number[] } {
  let t = 0
  const sleeps: number[] = []
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms)
      t += ms
    },
    sleeps
  }
}

interface Timer { at: number, resolve: () => void }

/** A manual clock: sleeps resolve when `advance` passes their deadline, or reject when aborted. */
class ManualClock {
  t = 0
  readonly timers: Timer[] = []
  readonly requested: number[] = []
  now = (): number => this.t
  sleep = (ms: number, signal?: AbortSignal): Promise<void> => new Promise<void>((resolve, reject) => {
    this.requested.push(ms)
    const timer: Timer = { at: this.t + ms, resolve }
    this.timers.push(timer)
    signal?.addEventListener('abort', () => {
      const i = this.timers.indexOf(timer)
      if (i !== -1) this.timers.splice(i, 1)
      reject(signal.reason)
    }, { once: true })
  })

  async advance (ms: number): Promise<void> {
    const target = this.t + ms
    for (;;) {
      await settle()
      const due = this.timers.filter(x => x.at <= target).sort((a, b) => a.at - b.at)[0]
      if (due === undefined) break
      this.timers.splice(this.timers.indexOf(due), 1)
      this.t = Math.max(this.t, due.at)
      due.resolve()
    }
    this.t = target
    await settle()
  }
}

/** Takes `bytes` and checks on the manual clock that they pass after exactly `ms`, not a millisecond sooner. */
async function passesAfter (clock: ManualClock, bucket: TokenBucket, bytes: number, ms: number): Promise<void> {
  let passed = false
  const take = bucket.take(bytes).then(() => { passed = true })
  await clock.advance(ms - 1)
  assert.equal(passed, false, `${bytes} bytes passed before ${ms} ms`)
  await clock.advance(1)
  assert.equal(passed, true, `${bytes} bytes did not pass at ${ms} ms`)
  await take
}

/** Lets pending promise callbacks run (not a timing assertion: no clock is read). */
function settle (): Promise<void> {
  return new Promise(resolve => setImmediate(resolve))
}


test('total wait over a sequence of takes matches bytes / rate within one burst', async () => {
  const rnd = seededRandom(1)
  for (const [rate, burst] of [[MiB, undefined], [100 * KiB, 16 * KiB], [10 * MiB, undefined]] as const) {
    const c = autoClock()
    const bucket = new TokenBucket(rate, { burst, now: c.now, sleep: c.sleep })
    const cap = burst ?? Math.max(rate / 4, 64 * KiB)
    let sent = 0
    for (let k = 0; k < 200; k++) {
      const bytes = Math.floor(rnd() < 0.2 ? rnd() * 4 * MiB : rnd() * 256 * KiB)
      await bucket.take(bytes)
      sent += bytes
      // Never ahead of the rate by more than one burst plus the request just let through.
      assert.ok(sent <= cap + rate * c.now() / 1000 + bytes + 1, `ahead of the cap at take ${k}`)
    }
    // A zero-byte take waits off any debt: the bytes have then fully "passed".
    await bucket.take(0)
    const elapsed = c.now() / 1000
    const rounding = c.sleeps.length / 1000 // each sleep is rounded up to a whole millisecond
    assert.ok(elapsed * rate >= sent - cap - 1, `too fast: ${elapsed} s for ${sent} bytes`)
    assert.ok(elapsed <= sent / rate + rounding, `too slow: ${elapsed} s for ${sent} bytes`)
  }
})

test('concurrent takes pass at the capped rate too', async () => {
  const c = autoClock()
  const bucket = new TokenBucket(MiB, { now: c.now, sleep: c.sleep })
  const done: number[] = []
  await Promise.all(Array.from({ length: 40 }, async () => {
    await bucket.take(256 * KiB)
    done.push(c.now())
  }))
  // 10 MiB at 1 MiB/s, the first 256 KiB from the full bucket: about 9.75 s.
  const elapsed = c.now() / 1000
  assert.ok(elapsed >= 9.75 - 0.001 && elapsed <= 9.75 + 0.05, `elapsed ${elapsed}`)
  assert.deepEqual(done, [...done].sort((a, b) => a - b))
})

test('a chunk larger than the burst passes by going into debt', async () => {
  const c = autoClock()
  const bucket = new TokenBucket(MiB, { burst: 256 * KiB, now: c.now, sleep: c.sleep })
  const times: number[] = []
  for (let k = 0; k < 5; k++) {
    await bucket.take(4 * MiB)
    times.push(c.now())
  }
  // The first goes at once on a full bucket; each later one waits ~4 s for the debt plus a full bucket.
  const expected = [0, 4000, 8000, 12000, 16000]
  times.forEach((t, k) => assert.ok(Math.abs(t - expected[k]!) <= 2, `take ${k} at ${t} ms`))
})

test('callers are served in FIFO order', async () => {
  const clock = new ManualClock()
  const bucket = new TokenBucket(1000, { burst: 1000, now: clock.now, sleep: clock.sleep })
  const order: string[] = []
  const all = [
    bucket.take(1000).then(() => order.push('a')), // passes on the full bucket
    bucket.take(800).then(() => order.push('b')),
    bucket.take(10).then(() => order.push('c')), // small, but must not overtake b
    bucket.take(5000).then(() => order.push('d')),
    bucket.take(1).then(() => order.push('e'))
  ]
  await clock.advance(0)
  assert.deepEqual(order, ['a'])
  await clock.advance(799)
  assert.deepEqual(order, ['a'])
  await clock.advance(1)
  assert.deepEqual(order, ['a', 'b'])
  await clock.advance(10)
  assert.deepEqual(order, ['a', 'b', 'c'])
  await clock.advance(1000) // d needs a full bucket (burst), then goes 4000 into debt
  assert.deepEqual(order, ['a', 'b', 'c', 'd'])
  await clock.advance(4000)
  assert.deepEqual(order, ['a', 'b', 'c', 'd'])
  await clock.advance(1)
  assert.deepEqual(order, ['a', 'b', 'c', 'd', 'e'])
  await Promise.all(all)
  // A later small take queues behind a waiting one even if it would fit.
  const late: string[] = []
  const p1 = bucket.take(1000).then(() => late.push('big'))
  const p2 = bucket.take(0).then(() => late.push('zero'))
  await clock.advance(2000)
  assert.deepEqual(late, ['big', 'zero'])
  await Promise.all([p1, p2])
})

test('unlimited (0 or Infinity) resolves immediately without sleeping', async () => {
  for (const rate of [0, Infinity]) {
    // A clock that never moves: nothing may depend on time passing.
    const bucket = new TokenBucket(rate, { now: () => 0, sleep: () => { throw new Error('must not sleep') } })
    assert.equal(bucket.rate, rate)
    for (let k = 0; k < 100; k++) await bucket.take(1024 * MiB)
  }
})

test('setRate from limited to unlimited releases waiters', async () => {
  const clock = new ManualClock()
  const bucket = new TokenBucket(1000, { burst: 1000, now: clock.now, sleep: clock.sleep })
  await bucket.take(1000)
  let released = 0
  const waiting = [bucket.take(5000), bucket.take(5000), bucket.take(1)].map(p => p.then(() => { released++ }))
  await clock.advance(10)
  assert.equal(released, 0)
  bucket.setRate(0)
  assert.equal(bucket.rate, 0)
  await settle()
  assert.equal(released, 3)
  await Promise.all(waiting)
  assert.equal(clock.timers.length, 0, 'the pending sleep was cancelled')
  // And back to limited: a full bucket to start with.
  bucket.setRate(1000)
  await bucket.take(1000)
  let late = false
  const p = bucket.take(500).then(() => { late = true })
  await clock.advance(499)
  assert.equal(late, false)
  await clock.advance(1)
  assert.equal(late, true)
  await p
})

test('setRate changes the wait of callers already waiting', async () => {
  const clock = new ManualClock()
  const bucket = new TokenBucket(100, { burst: 1000, now: clock.now, sleep: clock.sleep })
  await bucket.take(1000)
  let done = false
  const p = bucket.take(1000).then(() => { done = true })
  await clock.advance(0)
  assert.deepEqual(clock.requested, [10_000])
  await clock.advance(1000) // 100 tokens earned at the old rate
  bucket.setRate(900) // 900 more take one second
  await clock.advance(999)
  assert.equal(done, false)
  await clock.advance(1)
  assert.equal(done, true)
  await p
})

test('abort rejects with the reason and leaves no debt', async () => {
  const clock = new ManualClock()
  const bucket = new TokenBucket(1000, { burst: 1000, now: clock.now, sleep: clock.sleep })
  await bucket.take(1000)
  const ac = new AbortController()
  const reason = new Error('cancelled')
  const aborted = bucket.take(1000, ac.signal)
  const middle = new AbortController()
  const abortedMiddle = bucket.take(300, middle.signal)
  let nextAt = -1
  const next = bucket.take(500).then(() => { nextAt = clock.t })
  await clock.advance(100)
  ac.abort(reason)
  middle.abort()
  await assert.rejects(aborted, err => err === reason)
  await assert.rejects(abortedMiddle, (err: Error) => err.name === 'AbortError')
  await clock.advance(1000)
  // Only `next` was charged: 500 tokens at 1000/s, ready at 500 ms.
  assert.equal(nextAt, 500)
  await next
  // An already aborted signal rejects at once, and takes nothing.
  await assert.rejects(bucket.take(1, AbortSignal.abort(reason)), err => err === reason)
  await assert.rejects(new TokenBucket(0).take(1, AbortSignal.abort(reason)), err => err === reason)
})

test('argument checks', async () => {
  assert.throws(() => new TokenBucket(-1), { name: 'InvalidArgumentError', message: 'bad rate -1' })
  assert.throws(() => new TokenBucket(NaN), { name: 'InvalidArgumentError' })
  assert.throws(() => new TokenBucket(100, { burst: 0 }), { name: 'InvalidArgumentError', message: 'bad burst 0' })
  const bucket = new TokenBucket(100)
  assert.throws(() => bucket.setRate(-5), { name: 'InvalidArgumentError' })
  await assert.rejects(bucket.take(-1), { name: 'InvalidArgumentError', message: 'bad byte count -1' })
  await assert.rejects(bucket.take(NaN), { name: 'InvalidArgumentError' })
})

test('at a low rate the burst is still 64 KiB', async () => {
  const clock = new ManualClock()
  const bucket = new TokenBucket(1000, { now: clock.now, sleep: clock.sleep })
  await bucket.take(64 * KiB) // a full bucket
  await passesAfter(clock, bucket, 1, 1) // one byte at 1000 B/s: the bucket was empty
})

test('lowering the rate lowers the burst: tokens above the new burst are dropped', async () => {
  const clock = new ManualClock()
  const bucket = new TokenBucket(MiB, { now: clock.now, sleep: clock.sleep }) // burst 256 KiB, full
  bucket.setRate(100 * 1024) // burst 64 KiB (a quarter second is less)
  await bucket.take(64 * KiB)
  await passesAfter(clock, bucket, 64 * KiB, 640) // 64 KiB at 100 KiB/s: the 192 KiB above the new burst are gone
})

test('a granted or aborted take leaves no listener on its signal', async () => {
  const clock = new ManualClock()
  const bucket = new TokenBucket(1000, { burst: 1000, now: clock.now, sleep: clock.sleep })
  await bucket.take(1000)
  const granted = new AbortController()
  const p = bucket.take(500, granted.signal)
  assert.equal(getEventListeners(granted.signal, 'abort').length, 1, 'listening while it waits')
  await clock.advance(500)
  await p
  assert.equal(getEventListeners(granted.signal, 'abort').length, 0)
  const aborted = new AbortController()
  const q = bucket.take(500, aborted.signal)
  aborted.abort()
  await assert.rejects(q)
  assert.equal(getEventListeners(aborted.signal, 'abort').length, 0)
})

test('default clock and sleep work (no timing assertions)', async () => {
  const bucket = new TokenBucket(10 * MiB, { burst: 64 * KiB })
  await bucket.take(64 * KiB)
  await bucket.take(10 * KiB) // ~1 ms
  await bucket.take(64 * KiB)
  const ac = new AbortController()
  const p = bucket.take(64 * KiB, ac.signal)
  ac.abort(new Error('stop'))
  await assert.rejects(p, /stop/)
})

test('idle time fills the bucket only up to the burst', async () => {
  // 1 MiB/s: the default burst is a quarter second, 256 KiB; an explicit burst caps the same way.
  for (const burst of [undefined, 100 * KiB]) {
    const cap = burst ?? 256 * KiB
    const clock = new ManualClock()
    const bucket = new TokenBucket(MiB, { burst, now: clock.now, sleep: clock.sleep })
    await bucket.take(cap) // empty it
    await clock.advance(10_000) // ten seconds idle would earn 10 MiB without the cap
    let passed = 0
    const pending: Array<Promise<void>> = []
    for (let k = 0; k < 128; k++) pending.push(bucket.take(4 * KiB).then(() => { passed += 4 * KiB }))
    await clock.advance(0)
    assert.equal(passed, cap, `at once after idling: ${passed} bytes, the burst is ${cap}`)
    // The rest passes at the rate: 4 KiB every 4 ms.
    await clock.advance(4)
    assert.equal(passed, cap + 4 * KiB)
    await clock.advance(1000)
    await Promise.all(pending)
    assert.equal(passed, 512 * KiB)
  }
})
