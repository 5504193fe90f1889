/**
 * Play while downloading, the pure parts: the piece picker's focus window (the chunks a player reads
 * next come first, in order) and the media route's Range parsing. The whole path (a daemon serving
 * a file still downloading to an HTTP client, and to Chromium's player) is
 * test/integration/media.test.ts and test/e2e/play.test.ts.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Bitfield } from '../../node-core/src/storage/bitfield.ts'
import { PiecePicker } from '../../node-core/src/scheduler/piece-picker.ts'
import { parseRange } from '../../node-core/src/web/media-route.ts'
import { mediaKey } from '../../node-core/src/web/web-token.ts'
import { seededRandom } from '../helpers/random.ts'

function bits (length: number, indices: Iterable<number>): Bitfield {
  const b = new Bitfield(length)
  for (const i of indices) b.set(i)
  return b
}
const all = (n: number): Bitfield => bits(n, Array.from({ length: n }, (_, i) => i))

test('a focus window is picked lowest index first, past chunks held, in flight or missing at the source', () => {
  const n = 64
  const picker = new PiecePicker(n, bits(n, [20]), { random: seededRandom(3), randomFirst: 0 })
  const source = bits(n, Array.from({ length: n }, (_, i) => i).filter(i => i !== 22))
  picker.addSource(source)
  picker.focus({ first: 20, last: 25 })
  const inFlight = new Map<number, number>([[21, 1]])
  // 20 held, 21 in flight elsewhere, 22 not at this source: 23 is next.
  assert.equal(picker.pick(source, inFlight, new Set()), 23)
  inFlight.set(23, 1)
  assert.equal(picker.pick(source, inFlight, new Set([24])), 25, 'a chunk already asked of this source is skipped')
  inFlight.set(25, 1)
  // Window exhausted: back to rarest first, outside the window.
  const next = picker.pick(source, inFlight, new Set([24]))
  assert.ok(next !== -1 && (next < 20 || next > 25), `picked ${next}`)
  picker.focus(null)
  assert.equal(picker.focused, null)
})

test('without focus the same picker does not go in order (the window is what orders it)', () => {
  const n = 256
  const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(9), randomFirst: 0 })
  const seed = all(n)
  picker.addSource(seed)
  const picked: number[] = []
  const inFlight = new Map<number, number>()
  for (let k = 0; k < 8; k++) { const i = picker.pick(seed, inFlight, new Set()); picked.push(i); inFlight.set(i, 1) }
  assert.notDeepEqual(picked, [0, 1, 2, 3, 4, 5, 6, 7])
  const focused = new PiecePicker(n, new Bitfield(n), { random: seededRandom(9), randomFirst: 0 })
  focused.addSource(seed)
  focused.focus({ first: 100, last: 107 })
  const inOrder: number[] = []
  const f = new Map<number, number>()
  for (let k = 0; k < 8; k++) { const i = focused.pick(seed, f, new Set()); inOrder.push(i); f.set(i, 1) }
  assert.deepEqual(inOrder, [100, 101, 102, 103, 104, 105, 106, 107])
})

test('seed sparing does not hold back a focused chunk', () => {
  const n = 16
  const picker = new PiecePicker(n, new Bitfield(n), { random: seededRandom(1), randomFirst: 0 })
  const seed = all(n)
  const peer = bits(n, [5])
  picker.addSource(seed)
  picker.addSource(peer)
  // maxAvailability 1: the seed may only be asked for chunks nobody else has; chunk 5 has two holders.
  picker.focus({ first: 5, last: 5 })
  assert.equal(picker.pick(seed, new Map(), new Set(), 1), 5)
  picker.focus(null)
  assert.notEqual(picker.pick(seed, new Map(), new Set(), 1), 5)
})

test('a focus outside the chunks is refused', () => {
  const picker = new PiecePicker(8, new Bitfield(8))
  assert.throws(() => { picker.focus({ first: 2, last: 8 }) }, /out of range/)
  assert.throws(() => { picker.focus({ first: 5, last: 2 }) }, /bad focus/)
})

test('Range headers: single ranges clamped to the file, others served whole, past the end unsatisfiable', () => {
  assert.deepEqual(parseRange('bytes=0-', 1000), { start: 0, end: 999 })
  assert.deepEqual(parseRange('bytes=10-19', 1000), { start: 10, end: 19 })
  assert.deepEqual(parseRange('bytes=990-5000', 1000), { start: 990, end: 999 })
  assert.deepEqual(parseRange('bytes=-100', 1000), { start: 900, end: 999 })
  assert.deepEqual(parseRange('bytes=-5000', 1000), { start: 0, end: 999 })
  assert.equal(parseRange('bytes=1000-', 1000), 'unsatisfiable')
  assert.equal(parseRange('bytes=20-10', 1000), 'unsatisfiable')
  assert.equal(parseRange('bytes=-0', 1000), 'unsatisfiable')
  assert.equal(parseRange(undefined, 1000), null)
  assert.equal(parseRange('bytes=0-1,5-6', 1000), null)
  assert.equal(parseRange('items=0-1', 1000), null)
  assert.equal(parseRange('bytes=-', 1000), null)
})

test('the media key is derived from the token and does not contain it', () => {
  const token = 'a'.repeat(43)
  const key = mediaKey(token)
  assert.match(key, /^[A-Za-z0-9_-]{43}$/)
  assert.equal(key, mediaKey(token))
  assert.notEqual(key, mediaKey('b'.repeat(43)))
  assert.ok(!key.includes(token))
})
