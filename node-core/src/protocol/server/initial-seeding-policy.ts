/**
 * Initial seeding as a serving policy: applies `InitialSeeding` (../initial-seeding.ts, the policy
 * alone, no I/O) to a share's sessions: what each is shown at WELCOME, a HAVE for each chunk handed
 * out later, and a timer that hands stale chunks out again. Chosen by the server for a share with
 * `ServedShare.initialSeeding`.
 */
import { INITIAL_SEEDING_MAX_CHUNKS, INITIAL_SEEDING_MIN_WINDOW, INITIAL_SEEDING_TICK_MS, INITIAL_SEEDING_TTL_MS, INITIAL_SEEDING_WINDOW } from '../constants.ts'
import { InitialSeeding } from '../initial-seeding.ts'
import { showEverything } from './serving-policy.ts'
import { Bitfield } from '../../storage/bitfield.ts'
import type { SeedingView } from '../initial-seeding.ts'
import type { ServingPolicy, SessionLink, SessionPolicy } from './serving-policy.ts'
import type { ServedShare } from '../../storage/served-share.ts'

/** Per downloader: what it has been told the seed has, and how to tell it more. */
interface Told {
  readonly bits: Bitfield
  readonly link: SessionLink
}

export class InitialSeedingPolicy implements ServingPolicy {
  /** Created with the second session; until every chunk has been shown (then it is `finished`). */
  #seeding: InitialSeeding | null = null
  readonly #told = new Map<SeedingView, Told>()
  #timer: ReturnType<typeof setInterval> | null = null
  #stopped = false
  readonly #now: () => number

  /** `now`: the clock stale chunks are judged by. */
  constructor (now: () => number = Date.now) {
    this.#now = now
  }

  open (share: ServedShare, others: number, link: SessionLink): SessionPolicy {
    if (this.#stopped || !share.have.complete || share.layout.chunkCount > INITIAL_SEEDING_MAX_CHUNKS) return this.#shownEverything(share)
    // It starts with the second downloader at once: a downloader alone is shown everything, so one
    // taking chunks from several seeds is never held back by what each chose to show it.
    if (this.#seeding == null && others === 0) return this.#shownEverything(share)
    const seeding = this.#seeding ??= new InitialSeeding(share.layout.chunkCount, { window: INITIAL_SEEDING_WINDOW, minWindow: INITIAL_SEEDING_MIN_WINDOW, ttlMs: INITIAL_SEEDING_TTL_MS, now: this.#now })
    if (seeding.finished) return this.#shownEverything(share)
    const { view, show } = seeding.open()
    const bits = new Bitfield(share.layout.chunkCount)
    for (const i of show) bits.set(i)
    this.#told.set(view, { bits, link })
    if (this.#timer == null) {
      this.#timer = setInterval(() => { this.#tick(seeding) }, INITIAL_SEEDING_TICK_MS)
      this.#timer.unref()
    }
    const out = (index: number): void => {
      seeding.sent(view, index)
      this.#afterChange(seeding)
    }
    return {
      have: bits.bytes,
      requested: index => { this.#show(view, seeding.requested(view, index)) },
      sent: out,
      // It got the chunk elsewhere: the chunk is out in the swarm, as good as sent.
      cancelled: out,
      closed: () => {
        seeding.close(view)
        this.#told.delete(view)
        this.#afterChange(seeding)
      }
    }
  }

  stop (): void {
    this.#stopped = true
    if (this.#timer != null) clearInterval(this.#timer)
    this.#timer = null
  }

  /**
   * A session shown everything (the first, alone when it came; or one after initial seeding
   * finished): what it takes is not handed out again.
   */
  #shownEverything (share: ServedShare): SessionPolicy {
    return {
      ...showEverything(share),
      requested: index => {
        const seeding = this.#seeding
        if (seeding == null || this.#stopped) return
        seeding.claim(index)
        this.#afterChange(seeding)
      }
    }
  }

  #tick (seeding: InitialSeeding): void {
    for (const [view, chunks] of seeding.expire()) this.#show(view, chunks)
    this.#afterChange(seeding)
  }

  /** Tells a downloader the seed has these chunks. */
  #show (view: SeedingView, chunks: readonly number[]): void {
    const told = this.#told.get(view)
    if (told == null) return
    for (const i of chunks) if (told.bits.set(i)) told.link.tellHave(i)
  }

  /** Once initial seeding has finished, every downloader is told about every chunk; idle, the timer stops. */
  #afterChange (seeding: InitialSeeding): void {
    if (seeding.finished) {
      for (const told of this.#told.values()) {
        for (let i = 0; i < told.bits.length; i++) if (told.bits.set(i)) told.link.tellHave(i)
      }
      this.#told.clear()
    }
    if ((seeding.finished || this.#told.size === 0) && this.#timer != null) {
      clearInterval(this.#timer)
      this.#timer = null
    }
  }
}
