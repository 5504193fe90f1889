/**
 * The shell's view of the desktop flags (start at login, close to tray), whose one copy is the
 * service's settings. After every (re)start of the node it reads `getSettings` (migrating a legacy
 * `desktop.json` once), and on every `settings:changed` event (from the renderer's Settings view or
 * the tray) it adopts the new values and applies start at login to the OS.
 */
import { DEFAULT_DESKTOP_SETTINGS, loadDesktopSettings, removeDesktopSettings } from './desktop-settings.ts'
import type { DesktopSettings } from './desktop-settings.ts'
import type { AppSettings, SwarmdropApi } from 'swarmdrop/contract'

export interface DesktopSettingsSyncInit {
  readonly api: SwarmdropApi
  readonly profileDir: string
  /** Makes the OS start the app at login, or not (start-at-login.ts). */
  readonly applyStartAtLogin: (enabled: boolean) => Promise<void>
  /** Called after the flags changed (the tray menu is rebuilt). */
  readonly onChange: (settings: DesktopSettings) => void
  /** Something the user should hear about (a failed apply, a broken legacy file). */
  readonly onProblem: (title: string, message: string) => void
}

function sameAsDefaults (s: DesktopSettings): boolean {
  return s.startAtLogin === DEFAULT_DESKTOP_SETTINGS.startAtLogin && s.closeToTray === DEFAULT_DESKTOP_SETTINGS.closeToTray
}

export class DesktopSettingsSync {
  readonly #init: DesktopSettingsSyncInit
  #current: DesktopSettings = { ...DEFAULT_DESKTOP_SETTINGS }
  /** The start-at-login value last applied to the OS (null: not yet, so the first read applies it). */
  #appliedLogin: boolean | null = null
  /** Applies run one after another, so a quick on-off cannot end with the wrong state. */
  #applying: Promise<void> = Promise.resolve()

  constructor (init: DesktopSettingsSyncInit) {
    this.#init = init
  }

  /** The flags as last read from the service (the defaults until then). */
  get current (): DesktopSettings { return this.#current }

  /** Follows `settings:changed` events; returns the unsubscribe function. */
  listen (): () => void {
    return this.#init.api.subscribe(event => {
      if (event.type === 'settings:changed') this.#adopt(event.settings)
    })
  }

  /** Reads the service's values (call after each start of the node); migrates a legacy desktop.json first. */
  async refresh (): Promise<void> {
    let settings = await this.#init.api.call('getSettings', {})
    const legacy = await loadDesktopSettings(this.#init.profileDir)
    if (legacy.problem != null) this.#init.onProblem('Old desktop settings were not used', legacy.problem)
    else if (!sameAsDefaults(legacy.settings) && sameAsDefaults(settings)) {
      settings = await this.#init.api.call('setSettings', { ...legacy.settings })
    }
    this.#adopt(settings)
    await removeDesktopSettings(this.#init.profileDir).catch((err: unknown) => {
      this.#init.onProblem('Could not remove the old desktop settings', err instanceof Error ? err.message : String(err))
    })
  }

  /** A tray toggle: saved by the service; its `settings:changed` event applies it here. */
  async set (patch: Partial<DesktopSettings>): Promise<void> {
    this.#adopt(await this.#init.api.call('setSettings', patch))
  }

  #adopt (settings: Pick<AppSettings, 'startAtLogin' | 'closeToTray'>): void {
    const next = { startAtLogin: settings.startAtLogin, closeToTray: settings.closeToTray }
    const changed = next.startAtLogin !== this.#current.startAtLogin || next.closeToTray !== this.#current.closeToTray
    this.#current = next
    if (this.#appliedLogin !== next.startAtLogin) {
      const enabled = next.startAtLogin
      this.#appliedLogin = enabled
      this.#applying = this.#applying.then(() => this.#init.applyStartAtLogin(enabled)).catch((err: unknown) => {
        this.#appliedLogin = null // tried again on the next change or start
        this.#init.onProblem('Could not change start at login', err instanceof Error ? err.message : String(err))
      })
    }
    if (changed) this.#init.onChange(next)
  }
}
