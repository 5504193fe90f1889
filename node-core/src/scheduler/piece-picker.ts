import { Bitfield } from '../storage/bitfield.ts'
import { InvalidArgumentError } from '../errors.ts'
import { addBits, forEachSet } from './availability-bits.ts'

export interface PiecePickerOptions {
  /** Uniform random number in [0, 1); injectable so tests can seed it. Default Math.random. */
  random?: () => number
  /** Pick uniformly at random (not rarest first) while we hold fewer than this many chunks. Default 4. */
  randomFirst?: number
}

/**
 * Candidate checks a pick spends walking the availability buckets before it gives up on them and
 * scans the source's bitfield byte by byte instead (see `pick`).
 */
const BUCKET_SCAN_BUDGET = 1024
/** Random probes into each bucket before walking it from a random position. */
const BUCKET_PROBES = 4
/** addSource / removeSource re-sort in bulk (O(n)) when a bitfield holds more than n / 2^BULK_SHIFT chunks. */
const BULK_SHIFT = 3
/** Random probes the random-first phase tries before it falls back to a full scan. */
const RANDOM_PROBES = 32

/**
 * Decides which chunk to request next from a source: random first, then rarest first, then endgame.
 * Pure policy; no I/O and no timers.
 *
 * Layout: `#order` is a permutation of all chunk indices. Its prefix `[0, #missing)` holds the chunks
 * we lack, sorted by availability into contiguous buckets: bucket `a` is `[#start[a], #start[a + 1])`
 * (the last bucket ends at `#missing`); the suffix holds the chunks we have, in no order. `#pos` is
 * the inverse permutation and `#avail` the availability of every chunk (including those we have).
 * Moving a chunk one availability step is one swap with its bucket's edge plus a boundary shift.
 *
 * Complexity (n chunks, A = highest availability seen, i.e. about the number of sources):
 * - memory: 12 bytes per chunk (three 32-bit arrays), ~192 MiB at the 16 Mi chunk cap, plus a copy
 *   of `have` (n / 8 bytes);
 * - `addSourceChunk` O(1); `markHave` O(A); `availability` / `remaining` O(1);
 * - `addSource` / `removeSource`: a complete bitfield (a seed) shifts every bucket at once, O(n)
 *   sequential + O(A); a bitfield with few chunks is applied one swap per chunk, O(n / 8 + bits);
 *   one with many chunks (> n / 8) re-sorts everything by counting sort, O(n + A), sequential
 *   passes instead of millions of cache-missing swaps. The constructor is one such re-sort.
 * - `pick`: O(A + k) where k is the number of chunks skipped because the source lacks them or they
 *   are in flight, typically a handful. k is capped at max(BUCKET_SCAN_BUDGET, n / 16): past it (a
 *   source that holds few of the chunks we need) the pick scans the source's bitfield a byte at a
 *   time, skipping bytes with nothing wanted, so the worst case is O(A + n / 8 + wanted bits) with
 *   a small constant. The endgame step is O(|inFlight|).
 */
export class PiecePicker {
  readonly #count: number
  readonly #have: Bitfield
  readonly #avail: Uint32Array
  readonly #order: Uint32Array
  readonly #pos: Uint32Array
  /** Bucket starts; bucket a >= #start.length is empty and starts at #missing. */
  #start: number[]
  #missing: number
  readonly #random: () => number
  readonly #randomFirst: number
  /** A window of chunks wanted first and in order (a file being played), or null. */
  #focus: { first: number, last: number } | null = null

  constructor (chunkCount: number, have: Bitfield, options: PiecePickerOptions = {}) {
    if (!Number.isSafeInteger(chunkCount) || chunkCount < 0) throw new InvalidArgumentError(`bad chunk count ${chunkCount}`)
    if (have.length !== chunkCount) throw new InvalidArgumentError(`have bitfield has ${have.length} bits, expected ${chunkCount}`)
    const randomFirst = options.randomFirst ?? 4
    if (!(randomFirst >= 0)) throw new InvalidArgumentError(`bad randomFirst ${randomFirst}`)
    this.#count = chunkCount
    this.#have = new Bitfield(chunkCount, have.bytes)
    this.#avail = new Uint32Array(chunkCount)
    this.#order = new Uint32Array(chunkCount)
    this.#pos = new Uint32Array(chunkCount)
    this.#random = options.random ?? Math.random
    this.#randomFirst = randomFirst
    this.#missing = 0
    this.#start = [0]
    this.#rebuild()
  }

  /** Chunks we still lack. */
  get remaining (): number { return this.#missing }

  /**
   * Chunks `first..last` (inclusive) are wanted before any other, lowest index first: the part of a
   * file a player reads next (sequential with a read-ahead window, rarest first for the rest).
   * null ends it. Seed sparing does not apply inside the window: a player must not wait for a peer
   * while a seed idles.
   */
  focus (range: { first: number, last: number } | null): void {
    if (range == null) {
      this.#focus = null
      return
    }
    this.#checkIndex(range.first)
    this.#checkIndex(range.last)
    if (range.last < range.first) throw new InvalidArgumentError(`bad focus ${range.first}..${range.last}`)
    this.#focus = { first: range.first, last: range.last }
  }

  /** The focus window, or null. */
  get focused (): { readonly first: number, readonly last: number } | null { return this.#focus }

  /** How many known sources hold chunk `index`. */
  availability (index: number): number {
    this.#checkIndex(index)
    return this.#avail[index]!
  }

  /** A source joined with this bitfield: availability += 1 for each chunk it has. */
  addSource (has: Bitfield): void {
    this.#checkLength(has)
    const avail = this.#avail
    if (has.count > 0 && has.complete) {
      // A seed: every bucket moves up one, in place.
      for (let i = 0; i < avail.length; i++) avail[i]!++
      this.#start.unshift(0)
    } else if (has.count > this.#count >>> BULK_SHIFT) {
      addBits(avail, has.bytes, 1)
      this.#rebuild()
    } else {
      forEachSet(has.bytes, i => this.#increment(i))
    }
  }

  /** A source left: availability -= 1 for each chunk it had. */
  removeSource (has: Bitfield): void {
    this.#checkLength(has)
    const avail = this.#avail
    const dec = (i: number): void => { if (avail[i]! > 0) avail[i]!-- }
    if (has.count > 0 && has.complete && this.#bound(1) === 0 && this.#start.length > 1) {
      // Bucket 0 is empty, so every bucket moves down one, in place.
      for (let i = 0; i < avail.length; i++) dec(i)
      this.#start.shift()
    } else if (has.count > this.#count >>> BULK_SHIFT) {
      addBits(avail, has.bytes, -1)
      this.#rebuild()
    } else {
      forEachSet(has.bytes, i => this.#decrement(i))
    }
  }

  /** A source announced one more chunk. */
  addSourceChunk (index: number): void {
    this.#checkIndex(index)
    this.#increment(index)
  }

  /** We verified chunk `index`; it is never picked again. */
  markHave (index: number): void {
    this.#checkIndex(index)
    if (!this.#have.set(index)) return
    // Carry the chunk to the end of its bucket, across every higher bucket, then out of the prefix.
    const start = this.#start
    let p = this.#pos[index]!
    for (let b = this.#avail[index]! + 1; b < start.length; b++) {
      const last = start[b]! - 1
      this.#swap(p, last)
      p = last
      start[b] = last
    }
    this.#swap(p, this.#missing - 1)
    this.#missing--
  }

  /**
   * The next chunk to request from one source.
   * sourceHas: that source's bitfield; inFlight: index -> how many sources it is currently requested from;
   * fromThisSource: indices already requested from this source.
   * Normal mode: among chunks we lack, the source has, and not in flight anywhere: while we hold fewer than
   * `randomFirst` chunks pick uniformly at random (get something to trade fast); after that rarest first
   * (lowest availability), random among equals. Endgame: if there is no such chunk, but chunks we lack
   * are in flight elsewhere and this source has them (and not already requested from this source), return the one
   * with the fewest duplicate requests (tie: rarest, then random) — the caller cancels the losers on arrival.
   * Returns -1 when there is nothing to request from this source. Chunks with availability 0 are never picked.
   *
   * `maxAvailability` limits every step to chunks held by at most that many sources (no random-first
   * phase): the scheduler passes the number of seeds when picking for a seed while other peers are
   * sources too, so a seed is asked only for chunks no other peer has (see SwarmTransfer). In the true
   * endgame (every chunk we lack requested somewhere) the limit no longer applies to duplicates: the
   * last chunks must not wait on slow sources while a seed idles.
   */
  pick (sourceHas: Bitfield, inFlight: ReadonlyMap<number, number>, fromThisSource: ReadonlySet<number>, maxAvailability = Infinity): number {
    this.#checkLength(sourceHas)
    if (this.#missing === 0) return -1
    const src = sourceHas.bytes
    const avail = this.#avail
    const wanted = (i: number): boolean =>
      (src[i >> 3]! & (0x80 >> (i & 7))) !== 0 && !((inFlight.get(i) ?? 0) > 0) && !fromThisSource.has(i) && avail[i]! <= maxAvailability
    const focused = this.#pickFocused(sourceHas, inFlight, fromThisSource)
    if (focused !== -1) return focused
    const picked = this.#have.count < this.#randomFirst && maxAvailability === Infinity
      ? this.#pickRandom(sourceHas, wanted)
      : this.#pickRarest(sourceHas, wanted, maxAvailability)
    if (picked !== -1) return picked
    // Once every chunk we lack is requested somewhere (the true endgame), a spared seed may
    // duplicate any of them: the last chunks must not wait on slow sources while a seed idles.
    const allRequested = inFlight.size >= this.#missing
    return this.#pickEndgame(sourceHas, inFlight, fromThisSource, allRequested ? Infinity : maxAvailability)
  }

  /** The lowest chunk of the focus window we lack, the source has, and nobody is fetching. */
  #pickFocused (sourceHas: Bitfield, inFlight: ReadonlyMap<number, number>, fromThisSource: ReadonlySet<number>): number {
    const focus = this.#focus
    if (focus == null) return -1
    for (let i = focus.first; i <= focus.last; i++) {
      if (this.#have.has(i) || !sourceHas.has(i) || (inFlight.get(i) ?? 0) > 0 || fromThisSource.has(i)) continue
      return i
    }
    return -1
  }

  /** Uniform among wanted chunks: rejection sampling over available missing chunks, then a full scan. */
  #pickRandom (sourceHas: Bitfield, wanted: (i: number) => boolean): number {
    const lo = this.#bound(1)
    const size = this.#missing - lo
    if (size === 0) return -1
    for (let t = 0; t < RANDOM_PROBES; t++) {
      const i = this.#order[lo + this.#randInt(size)]!
      if (wanted(i)) return i
    }
    return this.#scan(sourceHas, wanted, true)
  }

  /** Walk buckets from the rarest (availability 1 up), each from a random position. */
  #pickRarest (sourceHas: Bitfield, wanted: (i: number) => boolean, maxAvailability: number): number {
    const start = this.#start
    let checks = 0
    const budget = Math.max(BUCKET_SCAN_BUDGET, this.#count >>> 4)
    for (let a = 1; a < start.length && a <= maxAvailability; a++) {
      const lo = start[a]!
      const size = this.#bound(a + 1) - lo
      if (size === 0) continue
      if (size > 8) {
        // A few random probes first, so runs of chunks the source lacks do not bias the choice.
        for (let t = 0; t < BUCKET_PROBES; t++) {
          const i = this.#order[lo + this.#randInt(size)]!
          if (wanted(i)) return i
        }
        checks += BUCKET_PROBES
      }
      const offset = this.#randInt(size)
      for (let k = 0; k < size; k++) {
        let p = offset + k
        if (p >= size) p -= size
        const i = this.#order[lo + p]!
        if (wanted(i)) return i
        if (++checks > budget) return this.#scan(sourceHas, wanted, false)
      }
    }
    return -1
  }

  /**
   * Every chunk the source has and we lack, by bitfield bytes. Picks the rarest (or, if `uniform`,
   * any) wanted chunk with availability > 0, uniformly among equals by reservoir sampling.
   */
  #scan (sourceHas: Bitfield, wanted: (i: number) => boolean, uniform: boolean): number {
    const src = sourceHas.bytes
    const have = this.#have.bytes
    let best = -1
    let bestAvail = Infinity
    let ties = 0
    for (let j = 0; j < src.length; j++) {
      let bits = src[j]! & ~have[j]! & 0xff
      if (bits === 0) continue
      for (let k = 0; bits !== 0; k++, bits = (bits << 1) & 0xff) {
        if ((bits & 0x80) === 0) continue
        const i = j * 8 + k
        const a = this.#avail[i]!
        const key = uniform ? 1 : a
        if (a === 0 || key > bestAvail || !wanted(i)) continue
        if (key < bestAvail) {
          best = i
          bestAvail = key
          ties = 1
        } else if (key === bestAvail && this.#randInt(++ties) === 0) {
          best = i
        }
      }
    }
    return best
  }

  /** Chunks already requested elsewhere: fewest duplicates, then rarest, then random. */
  #pickEndgame (sourceHas: Bitfield, inFlight: ReadonlyMap<number, number>, fromThisSource: ReadonlySet<number>, maxAvailability: number): number {
    let best = -1
    let bestCount = Infinity
    let bestAvail = Infinity
    let ties = 0
    for (const [i, count] of inFlight) {
      if (!(count > 0) || !Number.isInteger(i) || i < 0 || i >= this.#count) continue
      if (this.#have.has(i) || !sourceHas.has(i) || fromThisSource.has(i)) continue
      const a = this.#avail[i]!
      if (a === 0 || a > maxAvailability) continue
      if (count < bestCount || (count === bestCount && a < bestAvail)) {
        best = i
        bestCount = count
        bestAvail = a
        ties = 1
      } else if (count === bestCount && a === bestAvail && this.#randInt(++ties) === 0) {
        best = i
      }
    }
    return best
  }

  #increment (i: number): void {
    const a = this.#avail[i]!
    this.#avail[i] = a + 1
    if (this.#have.has(i)) return
    // Last slot of bucket a becomes the first slot of bucket a + 1.
    const start = this.#start
    while (start.length <= a + 1) start.push(this.#missing)
    const last = start[a + 1]! - 1
    this.#swap(this.#pos[i]!, last)
    start[a + 1] = last
  }

  #decrement (i: number): void {
    const a = this.#avail[i]!
    if (a === 0) return // a source removed that was never added: ignore rather than corrupt the buckets
    this.#avail[i] = a - 1
    if (this.#have.has(i)) return
    // First slot of bucket a becomes the last slot of bucket a - 1.
    const start = this.#start
    const first = start[a]!
    this.#swap(this.#pos[i]!, first)
    start[a] = first + 1
  }

  /** Lays `#order`, `#pos` and `#start` out afresh from `#avail` and `#have`: O(n + A), sequential passes. */
  #rebuild (): void {
    const n = this.#count
    const avail = this.#avail
    const have = this.#have.bytes
    const order = this.#order
    const pos = this.#pos
    let top = 0
    for (let i = 0; i < n; i++) if (avail[i]! > top) top = avail[i]!
    const next = new Uint32Array(top + 1) // counts per bucket, then each bucket's next free slot
    for (let i = 0; i < n; i++) if ((have[i >> 3]! & (0x80 >> (i & 7))) === 0) next[avail[i]!]!++
    const start = new Array<number>(top + 1)
    let sum = 0
    for (let a = 0; a <= top; a++) {
      start[a] = sum
      const c = next[a]!
      next[a] = sum
      sum += c
    }
    let h = sum
    for (let i = 0; i < n; i++) {
      const p = (have[i >> 3]! & (0x80 >> (i & 7))) === 0 ? next[avail[i]!]!++ : h++
      order[p] = i
      pos[i] = p
    }
    this.#missing = sum
    this.#start = start
  }

  /** Start of bucket a (= end of bucket a - 1). */
  #bound (a: number): number {
    return a < this.#start.length ? this.#start[a]! : this.#missing
  }

  #swap (p: number, q: number): void {
    if (p === q) return
    const order = this.#order
    const x = order[p]!
    const y = order[q]!
    order[p] = y
    this.#pos[y] = p
    order[q] = x
    this.#pos[x] = q
  }

  #randInt (n: number): number {
    return Math.min(n - 1, Math.floor(this.#random() * n))
  }

  #checkIndex (index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.#count) throw new InvalidArgumentError(`chunk ${index} out of range 0..${this.#count - 1}`)
  }

  #checkLength (b: Bitfield): void {
    if (b.length !== this.#count) throw new InvalidArgumentError(`bitfield has ${b.length} bits, expected ${this.#count}`)
  }
}
