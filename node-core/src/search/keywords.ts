/**
 * Keywords of a share's name and file names, and of a search query: the same rule on both sides, so
 * a query finds what a share published. The rule (docs/SEARCH.md): Unicode NFKC, case folded,
 * diacritics folded (é → e, ø → o, ß → ss), split on everything that is not a letter or a digit,
 * stop-words and one-character tokens dropped, each keyword at most MAX_KEYWORD_LENGTH characters.
 * Pure; no I/O.
 */
import { sha256 } from 'multiformats/hashes/sha2'
import { CID } from 'multiformats/cid'

/** Longest keyword kept, in code points (a longer token is cut: it still matches itself). */
export const MAX_KEYWORD_LENGTH = 48
/** Keywords a query may hold; more are ignored (every one must match). */
export const MAX_QUERY_KEYWORDS = 8
/** Longest query accepted, in UTF-16 code units. */
export const MAX_QUERY_LENGTH = 256

/** Common words in a few languages: they would match almost everything and load the DHT for nothing. */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  // English
  'the', 'and', 'of', 'an', 'in', 'on', 'to', 'for', 'with', 'by', 'at', 'from', 'is', 'it', 'or', 'as', 'be', 'this', 'that', 'are', 'was', 'not', 'but', 'my', 'your', 'our',
  // French
  'le', 'la', 'les', 'de', 'des', 'du', 'un', 'une', 'et', 'au', 'aux', 'en', 'pour', 'par', 'sur',
  // German
  'der', 'die', 'das', 'und', 'ein', 'eine', 'mit', 'von', 'zu', 'im', 'den', 'dem',
  // Spanish, Italian, Portuguese
  'el', 'los', 'las', 'con', 'por', 'il', 'di', 'da', 'del', 'che', 'do', 'dos', 'um', 'uma'
])

/** Letters that carry no combining mark under NFD but read as a base letter plus a stroke or ligature. */
const FOLDS: Readonly<Record<string, string>> = {
  ß: 'ss', ø: 'o', đ: 'd', ł: 'l', ħ: 'h', ı: 'i', ŧ: 't', æ: 'ae', œ: 'oe', þ: 'th', ð: 'd', ŀ: 'l', ſ: 's'
}
const FOLD_RE = new RegExp(`[${Object.keys(FOLDS).join('')}]`, 'gu')

/**
 * Combining diacritical marks (the blocks U+0300–036F, U+1AB0–1AFF, U+1DC0–1DFF, U+20D0–20FF,
 * U+FE20–FE2F). Only these are removed: the vowel signs of Indic scripts (also marks) are part of
 * the word and stay.
 */
const DIACRITICS = /[\u0300-\u036f]|[\u1ab0-\u1aff]|[\u1dc0-\u1dff]|[\u20d0-\u20ff]|[\ufe20-\ufe2f]/gu
/** A token: letters, digits and the marks that belong to them. */
const TOKEN = /[\p{L}\p{N}](?:\p{L}|\p{N}|\p{M})*/gu

/** `text` normalised for matching: NFKC, case folded, diacritics folded (then NFC again). */
export function foldText (text: string): string {
  const lower = text.normalize('NFKC').toLowerCase().replace(FOLD_RE, c => FOLDS[c] ?? c)
  return lower.normalize('NFD').replace(DIACRITICS, '').normalize('NFC')
}

/** The distinct keywords of `text`, in order of first appearance. */
export function keywords (text: string): string[] {
  const seen = new Set<string>()
  for (const m of foldText(text).matchAll(TOKEN)) {
    let token = m[0]
    const points = [...token]
    if (points.length < 2 || STOP_WORDS.has(token)) continue
    if (points.length > MAX_KEYWORD_LENGTH) token = points.slice(0, MAX_KEYWORD_LENGTH).join('')
    seen.add(token)
  }
  return [...seen]
}

/** The keywords of a query (at most MAX_QUERY_KEYWORDS, longest first: a longer word is usually rarer). */
export function queryKeywords (query: string): string[] {
  return keywords(query.slice(0, MAX_QUERY_LENGTH))
    .sort((a, b) => [...b].length - [...a].length)
    .slice(0, MAX_QUERY_KEYWORDS)
}

const PREFIX = 'swarmdrop-kw:'
const RAW_CODEC = 0x55

/** The DHT key of a keyword: the CID (v1, raw, sha2-256) of the bytes of `swarmdrop-kw:<keyword>`. */
export async function keywordKey (keyword: string): Promise<string> {
  const digest = await sha256.digest(new TextEncoder().encode(PREFIX + keyword))
  return CID.createV1(RAW_CODEC, digest).toString()
}
