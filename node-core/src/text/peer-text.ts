/**
 * Peer text is data, never control. Every string that came from the network or from a manifest (a
 * peer's error message, a share or file name, a peer ID, a DHT error) goes through here before it
 * reaches a terminal or a log line: control characters (so no escape sequence, 7-bit or 8-bit, can
 * rewrite the screen, set the window title or write the clipboard), format characters (bidi
 * overrides that make `exe.txt` look like `txt.exe`, zero-width characters) and separators are
 * shown escaped as `\u{HEX}`, and the length is bounded. The rule itself is the contract's
 * `displayText`, which the UI uses for the page.
 */
import { displayText } from '../contract/display-text.ts'

/** Default bound of one terminal line of peer text, in UTF-16 code units. */
export const TERMINAL_TEXT_MAX = 1024
/** Bound of one log line (a log line may quote several peer strings). */
export const LOG_LINE_MAX = 8192

/**
 * One line for a terminal or a log: `value` as a string with every non-printing character (line
 * breaks included) shown escaped, at most `maxLength` code units.
 */
export function terminalText (value: unknown, maxLength: number = TERMINAL_TEXT_MAX): string {
  return displayText(typeof value === 'string' ? value : String(value), maxLength)
}

/**
 * Text of several lines for a terminal: its own line breaks kept, each line as `terminalText`.
 * Peer text inside it must not hold a line break of its own (names cannot; quote a peer's message
 * with `terminalText`), or it could start a line that looks like ours.
 */
export function terminalLines (text: string, maxLineLength: number = TERMINAL_TEXT_MAX): string {
  return text.split('\n').map(line => terminalText(line, maxLineLength)).join('\n')
}

/**
 * `value` as one JSON line for a terminal or a pipe: every string in it (at any depth) with its
 * non-printing characters shown escaped as `displayText` does (not bounded: a path must stay whole),
 * so neither the line itself nor a string a script takes out of it (`jq -r .message`) holds a
 * control character or a bidi/zero-width format character. Strings without one are unchanged.
 */
export function terminalJson (value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => typeof v === 'string' ? displayText(v, Infinity) : v) ?? 'null'
}
