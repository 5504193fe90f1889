/**
 * Initial seeding (BitTorrent's "super-seeding"), the policy alone: a seed that starts out as the
 * only holder of a share shows each downloader a few chunks, each not yet shown to anyone else, and
 * one more every time the downloader requests one of them. So the seed uploads every chunk about
 * once, and the downloaders, each holding chunks the others lack, get the rest from each other.
 *
 * - Each downloader is shown a window of chunks it has not requested yet: `window` alone, less
 *   with more downloaders (window / downloaders, at least `minWindow`), as a downloader's share of
 *   a seed's upload is smaller then.
 * - Chunks a downloader leaves without receiving, or does not request within `ttlMs` of being shown
 *   them (a stalled or hostile peer, or one that had them already), are handed out again, and it is
 *   shown others instead.
 * - Once every chunk has been sent at least once, the seed shows everything (ordinary seeding)
 *   for good: chunks whose downloader left before passing them on stay reachable.
 *
 * Chunks are handed out in a random order. No I/O: `InitialSeedingPolicy`
 * (server/initial-seeding-policy.ts) applies it to a share's sessions, calling `expire()` now and
 * then, from the second downloader on (one alone is shown everything).
 */
export interface InitialSeedingOptions {
  readonly window: number
  readonly minWindow: number
  readonly ttlMs: number
  readonly now?: () => number
  readonly random?: () => number
}

/** One downloader's session, as the policy sees it. */
export class SeedingView {
  /** Shown, not requested yet: chunk -> when it was shown. */
  readonly shown = new Map<number, number>()
  /** Shown, requested, not sent yet. */
  readonly unsent = new Set<number>()
}

export class InitialSeeding {
  /** Chunks to hand out: `#pool[0..#left)`, taken from a random position. */
  readonly #pool: Uint32Array
  /** Where each chunk is in `#pool`, or -1 while it is not there (shown, or out). */
  readonly #where: Int32Array
  #left: number
  /** Chunks out in the swarm: sent at least once (or claimed, or got elsewhere); never handed out again. */
  readonly #out: Uint8Array
  #outCount = 0
  #finished = false
  readonly #views = new Set<SeedingView>()
  readonly #options: InitialSeedingOptions
  readonly #now: () => number
  readonly #random: () => number

  constructor (chunkCount: number, options: InitialSeedingOptions) {
    this.#pool = new Uint32Array(chunkCount)
    this.#where = new Int32Array(chunkCount)
    for (let i = 0; i < chunkCount; i++) { this.#pool[i] = chunkCount - 1 - i; this.#where[chunkCount - 1 - i] = i }
    this.#left = chunkCount
    this.#out = new Uint8Array(chunkCount)
    this.#options = options
    this.#now = options.now ?? Date.now
    this.#random = options.random ?? Math.random
    this.#finished = chunkCount === 0
  }

  /** Every chunk has been sent at least once: show everything from now on. Never turns back. */
  get finished (): boolean { return this.#finished }

  /** Chunks waiting to be handed out. */
  get unshown (): number { return this.#left }

  /** A downloader arrived: its view and the chunks to show it (none once finished). */
  open (): { view: SeedingView, show: number[] } {
    const view = new SeedingView()
    if (this.#finished) return { view, show: [] }
    this.#views.add(view)
    return { view, show: this.#topUp(view) }
  }

  /** The downloader requested `index`: the chunks to show it now. */
  requested (view: SeedingView, index: number): number[] {
    if (!this.#views.has(view) || !view.shown.delete(index)) return []
    view.unsent.add(index)
    return this.#topUp(view)
  }

  /**
   * A downloader that was shown everything (the first, alone when it came) requested `index`: it
   * is not handed out to anyone else.
   */
  claim (index: number): void {
    this.#markOut(index)
  }

  /**
   * Chunk `index` was sent to the downloader of `view` (or it cancelled the request, having got
   * the chunk elsewhere): it is out in the swarm.
   */
  sent (view: SeedingView, index: number): void {
    view.unsent.delete(index)
    this.#markOut(index)
  }

  #markOut (index: number): void {
    if (this.#finished || !Number.isInteger(index) || index < 0 || index >= this.#out.length || this.#out[index] === 1) return
    this.#out[index] = 1
    this.#outCount++
    const at = this.#where[index]!
    if (at >= 0) this.#remove(at)
    this.#checkFinished()
  }

  /** The downloader left: what it did not receive is handed out again. */
  close (view: SeedingView): void {
    if (!this.#views.delete(view)) return
    this.#giveBack([...view.shown.keys(), ...view.unsent])
    view.shown.clear()
    view.unsent.clear()
  }

  /** Downloaders with a view (until finished). */
  get viewers (): number { return this.#views.size }

  /**
   * Chunks shown more than `ttlMs` ago and not requested are handed out again; returns, per
   * downloader, the chunks to show it instead.
   */
  expire (): Map<SeedingView, number[]> {
    const out = new Map<SeedingView, number[]>()
    const cutoff = this.#now() - this.#options.ttlMs
    for (const view of this.#views) {
      const stale = [...view.shown].filter(([, at]) => at < cutoff).map(([i]) => i)
      if (stale.length === 0) continue
      for (const i of stale) view.shown.delete(i)
      this.#giveBack(stale)
    }
    for (const view of this.#views) {
      const show = this.#topUp(view)
      if (show.length > 0) out.set(view, show)
    }
    return out
  }

  #window (): number {
    return Math.max(this.#options.minWindow, Math.ceil(this.#options.window / Math.max(1, this.#views.size)))
  }

  #topUp (view: SeedingView): number[] {
    const out: number[] = []
    const want = this.#window()
    const now = this.#now()
    while (view.shown.size < want && this.#left > 0) {
      const chunk = this.#remove(Math.min(this.#left - 1, Math.floor(this.#random() * this.#left)))
      view.shown.set(chunk, now)
      out.push(chunk)
    }
    return out
  }

  /** Takes the chunk at pool position `at` out of the pool. */
  #remove (at: number): number {
    const last = this.#left - 1
    const chunk = this.#pool[at]!
    const moved = this.#pool[last]!
    this.#pool[at] = moved
    this.#where[moved] = at
    this.#pool[last] = chunk
    this.#where[chunk] = -1
    this.#left--
    return chunk
  }

  #giveBack (chunks: readonly number[]): void {
    for (const chunk of chunks) {
      // A chunk already sent (to this downloader or, after it was shown again, to another) stays out.
      if (this.#left >= this.#pool.length || this.#where[chunk]! >= 0 || this.#out[chunk] === 1) continue
      this.#where[chunk] = this.#left
      this.#pool[this.#left++] = chunk
    }
  }

  /**
   * Finished once every chunk is out. Not when every chunk has merely been shown: a downloader may
   * never request a chunk it was shown (it got it elsewhere first), and waiting for it would wait
   * for ever; a chunk shown and never sent is handed out again (`expire`) until someone takes it.
   */
  #checkFinished (): void {
    if (this.#finished || this.#outCount < this.#out.length) return
    this.#finished = true
    this.#views.clear()
  }
}
