import { logger } from '../log/logger.ts'
import { SeedingClock } from './seed-limits.ts'
import type { SeedStopped } from '../contract/index.ts'
import type { SeedingRecord, StateStore } from '../storage/state-store.ts'

const log = logger('swarmdrop:seeding')

/** While they change, a download's seeding figures are saved at most this often (Downloads' timer), and at once on a seeding switch and at stop. */
export const SEEDING_SAVE_MS = 5000

/** Nothing recorded yet: a new download. */
export const NOTHING_SAVED: SeedingRecord = { uploadedBytes: 0, seedingMs: 0, seedStopped: null }

const count = (v: unknown): number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0

function stoppedFrom (v: unknown): SeedStopped | null {
  if (typeof v !== 'object' || v == null) return null
  const o = v as Record<string, unknown>
  if (o.reason !== 'ratio' && o.reason !== 'time') return null
  if (typeof o.ratio !== 'number' || !Number.isFinite(o.ratio) || o.ratio < 0) return null
  if (typeof o.at !== 'number' || !Number.isFinite(o.at)) return null
  return { reason: o.reason, ratio: o.ratio, seedingMinutes: count(o.seedingMinutes), at: o.at }
}

/**
 * A stored seeding record read tolerantly: an absent record (a download from before these were
 * kept) or an odd field counts as zero, or as no stop.
 */
export function savedSeeding (v: unknown): SeedingRecord {
  const o = typeof v === 'object' && v != null ? v as Record<string, unknown> : {}
  return { uploadedBytes: count(o.uploadedBytes), seedingMs: count(o.seedingMs), seedStopped: stoppedFrom(o.seedStopped) }
}

const same = (a: SeedingRecord, b: SeedingRecord): boolean =>
  a.uploadedBytes === b.uploadedBytes && a.seedingMs === b.seedingMs && JSON.stringify(a.seedStopped) === JSON.stringify(b.seedStopped)

/**
 * What one download has done as a seed, across restarts: the chunk bytes of its share uploaded
 * (earlier runs' plus `uploadedNow`, this process's count in the share registry), its seeding
 * clock and why a limit stopped it. `save()` writes the record (`seeding/<shareId>`) when it
 * changed; the owner calls it every SEEDING_SAVE_MS, on each seeding switch and at stop, so a crash
 * loses at most those seconds.
 */
export class SeedingLedger {
  readonly clock: SeedingClock
  readonly #store: StateStore
  readonly #shareId: string
  readonly #earlierUploaded: number
  readonly #uploadedNow: () => number
  /** What the store holds (as far as this process knows). */
  #saved: SeedingRecord
  #saving: Promise<void> = Promise.resolve()
  #closed = false

  constructor (store: StateStore, shareId: string, uploadedNow: () => number, saved: SeedingRecord = NOTHING_SAVED) {
    this.#store = store
    this.#shareId = shareId
    this.#uploadedNow = uploadedNow
    this.#earlierUploaded = saved.uploadedBytes
    this.#saved = saved
    this.clock = new SeedingClock({ ms: saved.seedingMs, stopped: saved.seedStopped })
  }

  /** Chunk bytes of the share sent to others over every run (the share ratio's numerator). */
  uploadedBytes (): number { return this.#earlierUploaded + this.#uploadedNow() }

  /** The record as it stands now. */
  current (now = Date.now()): SeedingRecord {
    return { uploadedBytes: this.uploadedBytes(), seedingMs: Math.floor(this.clock.ms(now)), seedStopped: this.clock.stopped }
  }

  /** Writes the record if it changed since the last write (one write at a time); never throws (a failure is logged and tried again next time). */
  async save (now = Date.now()): Promise<void> {
    this.#saving = this.#saving.then(async () => {
      if (this.#closed) return
      const record = this.current(now)
      if (same(record, this.#saved)) return
      await this.#store.putSeeding(this.#shareId, record)
      this.#saved = record
    }).catch((err: unknown) => { log.error('could not save the seeding record of %s: %s', this.#shareId, err) })
    await this.#saving
  }

  /** No more writes after this one (`save`: write what changed first; not when the download is removed). */
  async close (save: boolean): Promise<void> {
    if (save) await this.save()
    this.#closed = true
    await this.#saving
  }
}
