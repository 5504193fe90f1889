/**
 * The LEGACY `<profile>/desktop.json` (close to tray, start at login), which earlier versions of the
 * shell kept as their own copy. The service's settings are now the one copy: this file is only read
 * once, to migrate it (desktop-settings-sync.ts), and then removed. Read with validation (a broken
 * file falls back to the defaults and is reported, never trusted).
 */
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'

export const DESKTOP_SETTINGS_FILE = 'desktop.json'

const settingsSchema = z.strictObject({
  closeToTray: z.boolean(),
  startAtLogin: z.boolean()
})

export type DesktopSettings = z.infer<typeof settingsSchema>

export const DEFAULT_DESKTOP_SETTINGS: DesktopSettings = { closeToTray: true, startAtLogin: false }

export interface LoadedSettings {
  readonly settings: DesktopSettings
  /** Why the file was not used (bad JSON or values), or null. */
  readonly problem: string | null
}

export async function loadDesktopSettings (profileDir: string): Promise<LoadedSettings> {
  const path = join(profileDir, DESKTOP_SETTINGS_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { settings: { ...DEFAULT_DESKTOP_SETTINGS }, problem: null }
    return { settings: { ...DEFAULT_DESKTOP_SETTINGS }, problem: `${path}: ${(err as Error).message}` }
  }
  let value: unknown
  try { value = JSON.parse(text) } catch (err) {
    return { settings: { ...DEFAULT_DESKTOP_SETTINGS }, problem: `${path} is not valid JSON: ${(err as Error).message}` }
  }
  const parsed = settingsSchema.partial().safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return { settings: { ...DEFAULT_DESKTOP_SETTINGS }, problem: `${path}: ${issue?.path.join('.') || 'settings'}: ${issue?.message ?? 'invalid'}` }
  }
  return { settings: { ...DEFAULT_DESKTOP_SETTINGS, ...parsed.data }, problem: null }
}

/** Removes the legacy file (after it was migrated, or found broken). */
export async function removeDesktopSettings (profileDir: string): Promise<void> {
  await rm(join(profileDir, DESKTOP_SETTINGS_FILE), { force: true })
}
