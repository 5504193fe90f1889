/**
 * A person's display name, shown next to their short peer ID: ours from the profile's settings
 * (default the OS user name, else the host name), theirs from identify's agentVersion, which
 * carries it as `swarmdrop/0.1.0 (name)`. A name is plain text of at most DISPLAY_NAME_MAX
 * characters: control, format (bidi, zero-width) and separator characters and parentheses are
 * dropped (line breaks and tabs become spaces), runs of spaces become one. Theirs is peer text: it goes through the same rule and is
 * shown as peer text (displayText) too.
 */
import { hostname, userInfo } from 'node:os'

export const DISPLAY_NAME_MAX = 40
/** The app's version as identify tells it (a unit test keeps it equal to package.json's). */
export const APP_VERSION = '0.1.0'
const AGENT_PREFIX = 'swarmdrop/'

/** `name` made safe to show and to carry: at most DISPLAY_NAME_MAX characters, '' if nothing is left. */
export function cleanDisplayName (name: string): string {
  const plain = name.normalize('NFC').replace(/[\t\n\v\f\r\p{Zl}\p{Zp}]/gu, ' ').replace(/[\p{Cc}\p{Cf}\p{Co}\p{Cn}()]/gu, '').replace(/\s+/gu, ' ').trim()
  return Array.from(plain).slice(0, DISPLAY_NAME_MAX).join('').trim()
}

/** The name a profile uses until one is chosen: the OS user name, else the host name, else "Swarmdrop user". */
export function defaultDisplayName (): string {
  let user = ''
  try { user = userInfo().username } catch { /* no user entry (a container): the host name then */ }
  return cleanDisplayName(user) || cleanDisplayName(hostname()) || 'Swarmdrop user'
}

/** identify's agentVersion for this node: `swarmdrop/<version> (<name>)`. */
export function agentVersionFor (version: string, name: string): string {
  const clean = cleanDisplayName(name)
  return `${AGENT_PREFIX}${version}${clean === '' ? '' : ` (${clean})`}`
}

/** The display name in a peer's agentVersion (another Swarmdrop's), cleaned; null if there is none. */
export function displayNameFromAgent (agentVersion: string | undefined): string | null {
  if (agentVersion == null || !agentVersion.startsWith(AGENT_PREFIX) || agentVersion.length > 512) return null
  const m = /^swarmdrop\/\S+ \((.*)\)$/su.exec(agentVersion)
  const name = m == null ? '' : cleanDisplayName(m[1]!)
  return name === '' ? null : name
}
