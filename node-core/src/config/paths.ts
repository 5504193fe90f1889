import { homedir } from 'node:os'
import { join } from 'node:path'

/**
 * The default profile folder, where Electron would put it (`app.getPath('userData')`):
 * %APPDATA%\Swarmdrop on Windows, ~/Library/Application Support/Swarmdrop on macOS,
 * $XDG_CONFIG_HOME/Swarmdrop (default ~/.config/Swarmdrop) elsewhere.
 */
export function defaultProfileDir (env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Swarmdrop')
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Swarmdrop')
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Swarmdrop')
}

/** The default download folder: ~/Downloads. */
export function defaultDownloadDir (): string {
  return join(homedir(), 'Downloads')
}
