/**
 * Which shares match a query: every query keyword must be a keyword of the share's name or of one
 * of its file paths. Pure; the responder (responder.ts) keeps one ShareKeywords per discoverable
 * share so a query costs set lookups only.
 */
import { keywords } from './keywords.ts'

/** Matching file names returned per result at most. */
export const MAX_MATCHING_FILES = 10

export interface IndexedFile {
  readonly path: string
  readonly keywords: ReadonlySet<string>
}

/** A share's keywords, worked out once. */
export interface ShareKeywords {
  readonly shareId: string
  readonly name: string
  readonly size: number
  readonly fileCount: number
  readonly nameKeywords: ReadonlySet<string>
  /** Every keyword of the name and of every file path. */
  readonly all: ReadonlySet<string>
  readonly files: readonly IndexedFile[]
}

export function indexShare (share: { shareId: string, name: string, size: number, files: ReadonlyArray<{ path: string }> }): ShareKeywords {
  const nameKeywords = new Set(keywords(share.name))
  const all = new Set(nameKeywords)
  // A folder share's paths all start with its name: a file matches by the rest of its path.
  const top = `${share.name}/`
  const files = share.files.map(f => {
    const k = new Set(keywords(f.path.startsWith(top) ? f.path.slice(top.length) : f.path))
    for (const w of k) all.add(w)
    return { path: f.path, keywords: k }
  })
  return { shareId: share.shareId, name: share.name, size: share.size, fileCount: share.files.length, nameKeywords, all, files }
}

export interface ShareMatch {
  readonly share: ShareKeywords
  /** Query keywords found in the share's own name. */
  readonly nameMatches: number
  /** Files whose path holds a query keyword (at most MAX_MATCHING_FILES), most keywords first. */
  readonly matchingFiles: readonly string[]
}

/**
 * The match of `query` (its keywords) in `share`, or null when a keyword is missing. An empty
 * query matches nothing. `matchingFiles` first holds, for each query keyword not in the name, the
 * first file that has it (so an asker can check that every keyword is in the name or in a file
 * it was shown), then the files with the most query keywords.
 */
export function matchShare (query: readonly string[], share: ShareKeywords): ShareMatch | null {
  if (query.length === 0 || !query.every(k => share.all.has(k))) return null
  const nameMatches = query.filter(k => share.nameKeywords.has(k)).length
  const chosen = new Set<number>()
  for (const k of query) {
    if (share.nameKeywords.has(k) || [...chosen].some(i => share.files[i]!.keywords.has(k))) continue
    const i = share.files.findIndex(f => f.keywords.has(k))
    if (i >= 0) chosen.add(i)
  }
  const scored: Array<{ hits: number, at: number }> = []
  share.files.forEach((f, at) => {
    const hits = query.filter(k => f.keywords.has(k)).length
    if (hits > 0 && !chosen.has(at)) scored.push({ hits, at })
  })
  scored.sort((a, b) => b.hits - a.hits || a.at - b.at)
  const order = [...chosen, ...scored.map(s => s.at)].slice(0, MAX_MATCHING_FILES)
  return { share, nameMatches, matchingFiles: order.map(i => share.files[i]!.path) }
}

/** Query keywords found in a summary's name and matching files (what an asker can check itself). */
export function summaryMatches (query: readonly string[], name: string, matchingFiles: readonly string[]): { inName: number, all: number } {
  const inName = new Set(keywords(name))
  const anywhere = new Set(inName)
  for (const p of matchingFiles) for (const k of keywords(p)) anywhere.add(k)
  return { inName: query.filter(k => inName.has(k)).length, all: query.filter(k => anywhere.has(k)).length }
}

/** The keywords a share publishes: its name's first, then its files' by how many files hold each, at most `max`. */
export function publishedKeywords (share: ShareKeywords, max: number): string[] {
  const counts = new Map<string, number>()
  for (const f of share.files) for (const k of f.keywords) counts.set(k, (counts.get(k) ?? 0) + 1)
  const rest = [...counts.entries()].filter(([k]) => !share.nameKeywords.has(k)).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k]) => k)
  return [...share.nameKeywords, ...rest].slice(0, max)
}
