/**
 * The desktop app's own settings, in `<profile>/desktop.json`: close-to-tray (on by default) and
 * start at login (off). Read with validation (a broken file falls back to the defaults and is
 * reported, never trusted), written atomically.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
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

/** Writes the settings (temp file + rename, so a crash never leaves half a file). */
export async function saveDesktopSettings (profileDir: string, settings: DesktopSettings): Promise<void> {
  const valid = settingsSchema.parse(settings)
  const path = join(profileDir, DESKTOP_SETTINGS_FILE)
  await mkdir(dirname(path), { recursive: true })
  const temp = `${path}.${process.pid}.tmp`
  await writeFile(temp, JSON.stringify(valid, null, 2) + '\n', { mode: 0o600 })
  await rename(temp, path)
}
