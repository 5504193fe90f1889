/**
 * Initial seeding at the simulated origin: the real `InitialSeeding` policy on the virtual clock,
 * applied as `ChunkServer` applies it (node-core/src/protocol/chunk-server.ts): from the second
 * downloader on, each new session is shown only what the policy hands it, one more chunk per
 * request; a request from a session shown everything (the first) is a claim; sent or cancelled
 * chunks are out; every second, chunks shown and not requested within the TTL are handed out
 * again; once every chunk is out, every viewer is told about everything.
 */
import { InitialSeeding } from '../../node-core/src/protocol/initial-seeding.ts'
import { INITIAL_SEEDING_MAX_CHUNKS, INITIAL_SEEDING_MIN_WINDOW, INITIAL_SEEDING_TTL_MS, INITIAL_SEEDING_WINDOW } from '../../node-core/src/protocol/constants.ts'
import { Bitfield } from '../../node-core/src/storage/bitfield.ts'
import type { SeedingView } from '../../node-core/src/protocol/initial-seeding.ts'
import type { ServerSession } from './peer.ts'

export class OriginSeeding {
  readonly #chunkCount: number
  readonly #nowMs: () => number
  readonly #random: () => number
  /** Tells a session's downloader the origin has `chunks` (HAVE messages). */
  readonly #show: (session: ServerSession, chunks: readonly number[]) => void
  #policy: InitialSeeding | null = null
  readonly #told = new Map<SeedingView, { session: ServerSession, bits: Bitfield }>()

  constructor (chunkCount: number, nowMs: () => number, random: () => number, show: (session: ServerSession, chunks: readonly number[]) => void) {
    this.#chunkCount = chunkCount
    this.#nowMs = nowMs
    this.#random = random
    this.#show = show
  }

  get finished (): boolean { return this.#policy?.finished ?? false }

  /** A session opens (`othersOpen`: sessions already open): the bitfield of its WELCOME, or null for the full one. */
  open (session: ServerSession, othersOpen: number): Bitfield | null {
    if (this.#chunkCount > INITIAL_SEEDING_MAX_CHUNKS) return null
    if (this.#policy == null && othersOpen === 0) return null
    this.#policy ??= new InitialSeeding(this.#chunkCount, { window: INITIAL_SEEDING_WINDOW, minWindow: INITIAL_SEEDING_MIN_WINDOW, ttlMs: INITIAL_SEEDING_TTL_MS, now: this.#nowMs, random: this.#random })
    if (this.#policy.finished) return null
    const { view, show } = this.#policy.open()
    const bits = new Bitfield(this.#chunkCount)
    for (const i of show) bits.set(i)
    session.view = view
    this.#told.set(view, { session, bits })
    return bits
  }

  requested (session: ServerSession, index: number): void {
    const policy = this.#policy
    if (policy == null) return
    if (session.view != null) this.#tell(session.view, policy.requested(session.view, index))
    else { policy.claim(index); this.#afterChange() }
  }

  /** Sent, or cancelled by the downloader (it got the chunk elsewhere): out in the swarm. */
  sent (session: ServerSession, index: number): void {
    if (this.#policy == null || session.view == null) return
    this.#policy.sent(session.view, index)
    this.#afterChange()
  }

  close (session: ServerSession): void {
    if (this.#policy == null || session.view == null) return
    this.#policy.close(session.view)
    this.#told.delete(session.view)
    this.#afterChange()
  }

  /** The server's timer (INITIAL_SEEDING_TICK_MS). */
  expire (): void {
    if (this.#policy == null || this.#policy.finished) return
    for (const [view, chunks] of this.#policy.expire()) this.#tell(view, chunks)
    this.#afterChange()
  }

  #tell (view: SeedingView, chunks: readonly number[]): void {
    const told = this.#told.get(view)
    if (told == null) return
    const fresh = chunks.filter(i => told.bits.set(i))
    if (fresh.length > 0) this.#show(told.session, fresh)
  }

  #afterChange (): void {
    if (this.#policy?.finished !== true) return
    for (const { session, bits } of this.#told.values()) {
      const rest: number[] = []
      for (let i = 0; i < bits.length; i++) if (bits.set(i)) rest.push(i)
      if (rest.length > 0) this.#show(session, rest)
    }
    this.#told.clear()
  }
}
