import { logger } from '../log/logger.ts'
import type { StateStore } from '../storage/state-store.ts'

const log = logger('swarmdrop:totals')

/** Saved at most this often while bytes move (and at stop). */
const SAVE_EVERY_MS = 5000

/**
 * Chunk bytes uploaded and downloaded over the profile's whole life, kept across restarts in the
 * state store (`totals`). Counted as they move; saved at most every few seconds and at stop, so a
 * crash loses at most those seconds.
 */
export class LifetimeTotals {
  readonly #store: StateStore
  #uploaded: number
  #downloaded: number
  #dirty = false
  #lastSave = 0
  #saving: Promise<void> = Promise.resolve()

  private constructor (store: StateStore, saved: { uploaded: number, downloaded: number }) {
    this.#store = store
    this.#uploaded = saved.uploaded
    this.#downloaded = saved.downloaded
  }

  static async open (store: StateStore): Promise<LifetimeTotals> {
    const saved = await store.getTotals()
    const n = (v: unknown): number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0
    return new LifetimeTotals(store, { uploaded: n(saved?.uploaded), downloaded: n(saved?.downloaded) })
  }

  get uploaded (): number { return this.#uploaded }
  get downloaded (): number { return this.#downloaded }

  addUploaded (bytes: number): void { this.#uploaded += bytes; this.#changed() }
  addDownloaded (bytes: number): void { this.#downloaded += bytes; this.#changed() }

  /** Saves now if anything changed since the last save. */
  async flush (): Promise<void> {
    await this.#saving
    if (!this.#dirty) return
    this.#dirty = false
    this.#lastSave = Date.now()
    this.#saving = this.#store.putTotals({ uploaded: this.#uploaded, downloaded: this.#downloaded })
      .catch((err: unknown) => { this.#dirty = true; log.error('could not save the lifetime totals: %s', err) })
    await this.#saving
  }

  #changed (): void {
    this.#dirty = true
    if (Date.now() - this.#lastSave >= SAVE_EVERY_MS) this.flush().catch(() => { /* logged in flush */ })
  }
}
