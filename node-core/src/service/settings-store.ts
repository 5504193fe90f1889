import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { TokenBucket } from '../bandwidth/token-bucket.ts'
import { loadConfigFile, saveConfigNetwork } from '../config/config-file.ts'
import { defaultDownloadDir } from '../config/paths.ts'
import { InvalidArgumentError } from '../errors.ts'
import { logger } from '../log/logger.ts'
import { cleanDisplayName, defaultDisplayName } from '../text/display-name.ts'
import type { AppSettings, CommandArgs, NodeInfo } from '../contract/index.ts'
import type { Settings, StateStore } from '../storage/state-store.ts'

const log = logger('swarmdrop:settings')

/** The profile's display name: the one chosen, else the default (OS user or host name). */
export function displayNameOf (saved: Settings | undefined): string {
  return cleanDisplayName(saved?.displayName ?? '') || defaultDisplayName()
}

export interface SettingsStoreInit {
  readonly store: StateStore
  readonly profileDir: string
  /** The network this node runs on (null = public): fixed for the node's life. */
  readonly network: string | null
  /** Start-up overrides (flags or config.json): they win over the saved settings, and are saved. */
  readonly downloadDir?: string
  readonly maxUploadBytesPerSecond?: number
  readonly maxDownloadBytesPerSecond?: number
  readonly relayService?: boolean
  /** Seeding limits (null = none): like the caps, they win over the saved settings and are saved. */
  readonly seedRatioLimit?: number | null
  readonly seedMinutesLimit?: number | null
  /** Applies the relayService setting to the node (at open and at every change). */
  applyRelayService? (on: boolean): Promise<void>
}

/**
 * The one copy of every setting of a running node: the download folder, the global caps (as the
 * token buckets every transfer takes from), the relay switch, the seeding limits, the desktop flags, the network. Saved in the state
 * store (`settings`); the network for the next start lives in config.json, the only setting that
 * takes effect at a restart. Start-up overrides (flags, config.json caps) win over what was saved.
 */
export class SettingsStore {
  readonly uploadLimit: TokenBucket
  readonly downloadLimit: TokenBucket
  readonly #store: StateStore
  readonly #profileDir: string
  readonly #network: string | null
  readonly #applyRelayService: (on: boolean) => Promise<void>
  #saved: Settings
  #downloadDir: string

  private constructor (init: SettingsStoreInit, saved: Settings | undefined) {
    this.#store = init.store
    this.#profileDir = init.profileDir
    this.#network = init.network
    this.#applyRelayService = init.applyRelayService ?? (async () => {})
    const up = init.maxUploadBytesPerSecond ?? saved?.maxUploadBytesPerSecond ?? 0
    const down = init.maxDownloadBytesPerSecond ?? saved?.maxDownloadBytesPerSecond ?? 0
    this.uploadLimit = new TokenBucket(up)
    this.downloadLimit = new TokenBucket(down)
    this.#downloadDir = init.downloadDir ?? saved?.downloadDir ?? defaultDownloadDir()
    this.#saved = {
      ...saved,
      maxUploadBytesPerSecond: up,
      maxDownloadBytesPerSecond: down,
      ...(init.relayService !== undefined ? { relayService: init.relayService } : {}),
      ...(init.seedRatioLimit !== undefined ? { seedRatioLimit: init.seedRatioLimit } : {}),
      ...(init.seedMinutesLimit !== undefined ? { seedMinutesLimit: init.seedMinutesLimit } : {})
    }
  }

  static async open (init: SettingsStoreInit): Promise<SettingsStore> {
    const saved = await init.store.getSettings()
    const settings = new SettingsStore(init, saved)
    const seedLimitsGiven = (init.seedRatioLimit !== undefined && init.seedRatioLimit !== (saved?.seedRatioLimit ?? null)) ||
      (init.seedMinutesLimit !== undefined && init.seedMinutesLimit !== (saved?.seedMinutesLimit ?? null))
    if ((init.relayService !== undefined && init.relayService !== (saved?.relayService !== false)) || seedLimitsGiven) await settings.#save()
    await settings.#applyRelayService(settings.relayService)
    return settings
  }

  /** Relay for other nodes while reachable (on unless switched off). */
  get relayService (): boolean { return this.#saved.relayService !== false }

  get downloadDir (): string { return this.#downloadDir }

  /** Whether a download that finishes is seeded (on unless switched off). */
  get keepSeeding (): boolean { return this.#saved.keepSeeding !== false }

  /** Stop seeding a finished download at this share ratio / after this many minutes seeded (null: no limit). */
  get seedLimits (): { ratio: number | null, minutes: number | null } {
    return { ratio: this.#saved.seedRatioLimit ?? null, minutes: this.#saved.seedMinutesLimit ?? null }
  }

  get limits (): NodeInfo['limits'] {
    return { maxUploadBytesPerSecond: this.uploadLimit.rate, maxDownloadBytesPerSecond: this.downloadLimit.rate }
  }

  async get (): Promise<AppSettings> {
    const config = await loadConfigFile(this.#profileDir).catch((err: unknown) => {
      log.warn('cannot read config.json for the saved network: %s', err)
      return { network: undefined }
    })
    return {
      downloadDir: this.#downloadDir,
      ...this.limits,
      network: this.#network,
      savedNetwork: config.network ?? null,
      startAtLogin: this.#saved.startAtLogin === true,
      closeToTray: this.#saved.closeToTray !== false,
      relayService: this.relayService,
      keepSeeding: this.keepSeeding,
      displayName: displayNameOf(this.#saved),
      seedRatioLimit: this.seedLimits.ratio,
      seedMinutesLimit: this.seedLimits.minutes
    }
  }

  /** Sets the global caps (bytes per second, 0 = unlimited) at once and saves them. */
  async setLimits (args: CommandArgs<'setLimits'>): Promise<NodeInfo['limits']> {
    this.#applyLimits(args)
    await this.#save()
    return this.limits
  }

  /** Changes what is given; a download folder must exist; the network is saved for the next start. */
  async set (args: CommandArgs<'setSettings'>): Promise<AppSettings> {
    if (args.downloadDir !== undefined) {
      const dir = resolve(args.downloadDir)
      const s = await stat(dir).catch(() => null) // absent or unreadable: refused below
      if (s == null || !s.isDirectory()) throw new InvalidArgumentError(`download folder ${dir} is not an existing folder`)
      this.#downloadDir = dir
    }
    if (args.network !== undefined) await saveConfigNetwork(this.#profileDir, args.network)
    this.#applyLimits(args)
    this.#saved = {
      ...this.#saved,
      downloadDir: this.#downloadDir, // a download folder chosen at start-up (--out) is kept once settings are saved
      ...(args.startAtLogin !== undefined ? { startAtLogin: args.startAtLogin } : {}),
      ...(args.closeToTray !== undefined ? { closeToTray: args.closeToTray } : {}),
      ...(args.relayService !== undefined ? { relayService: args.relayService } : {}),
      ...(args.keepSeeding !== undefined ? { keepSeeding: args.keepSeeding } : {}),
      ...(args.displayName !== undefined ? { displayName: cleanDisplayName(args.displayName) } : {}),
      ...(args.seedRatioLimit !== undefined ? { seedRatioLimit: args.seedRatioLimit } : {}),
      ...(args.seedMinutesLimit !== undefined ? { seedMinutesLimit: args.seedMinutesLimit } : {})
    }
    if (args.relayService !== undefined) await this.#applyRelayService(args.relayService)
    await this.#save()
    return await this.get()
  }

  #applyLimits (args: { maxUploadBytesPerSecond?: number | undefined, maxDownloadBytesPerSecond?: number | undefined }): void {
    if (args.maxUploadBytesPerSecond !== undefined) this.uploadLimit.setRate(args.maxUploadBytesPerSecond)
    if (args.maxDownloadBytesPerSecond !== undefined) this.downloadLimit.setRate(args.maxDownloadBytesPerSecond)
  }

  async #save (): Promise<void> {
    this.#saved = { ...this.#saved, ...this.limits }
    await this.#store.putSettings(this.#saved)
  }
}
