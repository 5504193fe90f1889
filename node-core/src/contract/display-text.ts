/**
 * Text that came from a peer or a manifest, made safe to show to a person. Pure, imports nothing:
 * the renderer uses it for names in the page, node-core's peer-text module builds the terminal and
 * log forms on it, and the manifest validator refuses names holding the same characters.
 *
 * Non-printing characters are every control character (C0, DEL, C1: the bytes that start terminal
 * escape sequences, in their 7-bit and 8-bit forms), every format character (Unicode category Cf:
 * the bidi embeddings, overrides and isolates U+202A-202E and U+2066-2069, the zero-width characters
 * U+200B-200F, U+061C, U+FEFF, the tag characters, …), the line and paragraph separators U+2028 and
 * U+2029 and unpaired surrogates. Each is shown as `\u{HEX}` (`\n`, `\r` and `\t` as themselves
 * escaped), so `exe\u{202E}txt.` reads as what it is rather than as `exe.txt`.
 */

/** Matches one non-printing character (see the module comment). */
const NON_PRINTING = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u
const NON_PRINTING_ALL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu

/** Default bound, in UTF-16 code units, of a displayed string (a peer's error message is at most 1 KiB). */
export const DISPLAY_TEXT_MAX = 1024

const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/** True if `text` holds a control, format, separator or unpaired surrogate character. */
export function hasNonPrinting (text: string): boolean {
  return NON_PRINTING.test(text)
}

/** The first non-printing character of `text`, or undefined. */
export function firstNonPrinting (text: string): string | undefined {
  return NON_PRINTING.exec(text)?.[0]
}

/** `\u{202E}` for U+202E: how a non-printing character is shown. */
export function escapeCharacter (c: string): string {
  return SHORT_ESCAPES[c] ?? `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}`
}

/**
 * `text` for display: every non-printing character shown escaped, and at most `maxLength` UTF-16
 * code units long (cut between characters, never inside an escape or a surrogate pair, and ended
 * with `…` when cut). The result never holds a non-printing character.
 */
export function displayText (text: string, maxLength: number = DISPLAY_TEXT_MAX): string {
  if (text.length <= maxLength && !NON_PRINTING.test(text)) return text
  const escaped = text.length <= maxLength ? text.replace(NON_PRINTING_ALL, escapeCharacter) : text
  if (escaped.length <= maxLength) return escaped
  const limit = Math.max(0, maxLength - 1) // room for the ellipsis
  let out = ''
  for (const c of text) {
    const shown = NON_PRINTING.test(c) ? escapeCharacter(c) : c
    if (out.length + shown.length > limit) break
    out += shown
  }
  return out + '…'
}
