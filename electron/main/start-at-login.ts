/**
 * Start at login. macOS and Windows: Electron's login item. Linux has no such API in Electron: an
 * XDG autostart entry (`~/.config/autostart/swarmdrop.desktop`) that starts the app hidden in the tray.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { App } from 'electron'

export const AUTOSTART_FILE = 'swarmdrop.desktop'
/** Given on the command line of a launch at login: start in the tray, no window. */
export const HIDDEN_FLAG = '--hidden'

/** A desktop entry value may not carry newlines; a path with spaces or quotes is quoted (XDG Exec rules). */
export function quoteExecArg (arg: string): string {
  if (/[\n\r]/.test(arg)) throw new Error('a command-line argument with a newline cannot go in a desktop entry')
  if (/^[\w./+-]+$/.test(arg)) return arg
  return `"${arg.replace(/(["`$\\])/g, '\\$1')}"`
}

export function autostartEntry (command: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Swarmdrop',
    'Comment=Peer-to-peer file sharing',
    `Exec=${[...command, HIDDEN_FLAG].map(quoteExecArg).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    ''
  ].join('\n')
}

/** The autostart folder: $XDG_CONFIG_HOME/autostart (default ~/.config/autostart). */
export function autostartDir (env: NodeJS.ProcessEnv, home: string): string {
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'autostart')
}

export interface StartAtLoginTarget {
  readonly platform: NodeJS.Platform
  readonly app: Pick<App, 'setLoginItemSettings'>
  /** Linux: where the entry goes, and the command that starts this app (an AppImage's own path). */
  readonly autostartDir: string
  readonly command: readonly string[]
}

export async function applyStartAtLogin (target: StartAtLoginTarget, enabled: boolean): Promise<void> {
  if (target.platform === 'darwin' || target.platform === 'win32') {
    target.app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_FLAG] })
    return
  }
  const file = join(target.autostartDir, AUTOSTART_FILE)
  if (!enabled) {
    await rm(file, { force: true })
    return
  }
  await mkdir(target.autostartDir, { recursive: true })
  await writeFile(file, autostartEntry(target.command))
}
