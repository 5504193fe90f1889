import { logger } from '../log/logger.ts'
import type { SeedStopped } from '../contract/index.ts'

const log = logger('swarmdrop:seed-limits')

/** The seeding limits in Settings (null: no limit). */
export interface SeedLimitSettings {
  /** Share ratio: bytes uploaded of the share / its size. */
  readonly ratio: number | null
  readonly minutes: number | null
}

/** What a seeded download has done so far. */
export interface SeedingTally {
  /** Chunk bytes of the share sent to others (while it downloaded and while seeded). */
  readonly uploadedBytes: number
  readonly totalBytes: number
  /** Time seeded. */
  readonly seedingMs: number
}

/**
 * The rule, as qBittorrent has it: a finished download stops seeding once its share ratio reaches
 * the ratio limit, or once it has been seeded for the time limit, whichever comes first (the ratio
 * is checked first). An empty share has no ratio: only the time limit applies to it.
 */
export function seedLimitReached (limits: SeedLimitSettings, tally: SeedingTally, now: number): SeedStopped | null {
  const ratio = tally.totalBytes > 0 ? tally.uploadedBytes / tally.totalBytes : 0
  const seedingMinutes = tally.seedingMs / 60_000
  const stopped = (reason: SeedStopped['reason']): SeedStopped => ({ reason, ratio: Math.round(ratio * 1000) / 1000, seedingMinutes: Math.floor(seedingMinutes), at: now })
  if (limits.ratio != null && tally.totalBytes > 0 && ratio >= limits.ratio) return stopped('ratio')
  if (limits.minutes != null && seedingMinutes >= limits.minutes) return stopped('time')
  return null
}

/**
 * A finished download's seeding time (over every time it was seeded, earlier runs' included when
 * restored from its seeding record) and why a limit stopped it. A limit stops a download once:
 * switched on again by hand, it seeds until switched off.
 */
export class SeedingClock {
  #since: number | null = null
  #ms: number
  /** Set when a seeding limit stopped the seeding. */
  stopped: SeedStopped | null

  /** `saved`: what earlier runs recorded (service/seeding-ledger.ts). */
  constructor (saved: { readonly ms?: number, readonly stopped?: SeedStopped | null } = {}) {
    this.#ms = saved.ms ?? 0
    this.stopped = saved.stopped ?? null
  }

  started (now = Date.now()): void { this.#since ??= now }

  ended (now = Date.now()): void {
    if (this.#since != null) this.#ms += now - this.#since
    this.#since = null
  }

  ms (now = Date.now()): number { return this.#ms + (this.#since != null ? now - this.#since : 0) }

  /** The DownloadInfo fields (`seedStopped` only while not seeded). */
  info (seeding: boolean, uploadedBytes: number): { uploadedBytes: number, seedingMs: number, seedStopped: SeedStopped | null } {
    return { uploadedBytes, seedingMs: this.ms(), seedStopped: seeding ? null : this.stopped }
  }
}

/** A finished download as the limits see it (DownloadJob). */
export interface SeededDownload {
  readonly shareId: string
  readonly seeding: boolean
  readonly seedClock: SeedingClock
  seedingTally (): SeedingTally
}

export interface SeedLimitsInit {
  limits (): SeedLimitSettings
  downloads (): Iterable<SeededDownload>
  /** Stops seeding `shareId` (the same path as the Keep seeding switch); `seedClock.stopped` is set already. */
  stop (shareId: string): Promise<void>
  now? (): number
}

/**
 * Applies the seeding limits: `check()` runs on each progress tick and stops the seeding of every
 * finished download that reached one. A stop in progress is not started twice.
 */
export class SeedLimits {
  readonly #init: SeedLimitsInit
  readonly #stopping = new Set<string>()

  constructor (init: SeedLimitsInit) {
    this.#init = init
  }

  check (): void {
    const limits = this.#init.limits()
    if (limits.ratio == null && limits.minutes == null) return
    const now = this.#init.now?.() ?? Date.now()
    for (const d of this.#init.downloads()) {
      if (!d.seeding || d.seedClock.stopped != null || this.#stopping.has(d.shareId)) continue
      const why = seedLimitReached(limits, d.seedingTally(), now)
      if (why == null) continue
      this.#stopping.add(d.shareId)
      d.seedClock.stopped = why
      log.info('stopping the seeding of %s: %s limit reached (ratio %d, %d min)', d.shareId, why.reason, why.ratio, why.seedingMinutes)
      this.#init.stop(d.shareId)
        .catch((err: unknown) => { log.error('could not stop seeding %s: %s', d.shareId, err) })
        .finally(() => { this.#stopping.delete(d.shareId) })
    }
  }
}
