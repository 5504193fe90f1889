/**
 * Search benchmark on a local Kad-DHT (issue 14): 20 DHT-server daemons on 127.0.0.1, each with 10
 * discoverable shares whose names and file names draw on one small vocabulary (so they overlap)
 * and 2–3 hidden ones (50 in all); a 21st daemon, holding nothing, runs 30 queries one after
 * another through the service API, as the app does. For each query the expected answer is every
 * discoverable share that the search rules match (node-core's own `matchShare` over the shares'
 * names and paths: all query keywords in the name or a file path); the benchmark reports
 * precision and recall against it (micro-averaged over the queries, and the worst query), hidden
 * shares returned (must be 0), and the time to the first result and to `search:done` (median, p90).
 * Shares are tiny: the figures are about finding, not downloading.
 * Usage: node bench/search.ts [--nodes N] [--seed S]   (writes bench/results/search.json)
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadavg } from 'node:os'
import { makeTree, removeTemps, tempDir } from '../test/helpers/files.ts'
import { killAll } from '../test/helpers/processes.ts'
import { seededRandom } from '../test/helpers/random.ts'
import { startWebDaemon } from '../test/e2e/helpers/daemon.ts'
import { queryKeywords } from '../node-core/src/search/keywords.ts'
import { indexShare, matchShare } from '../node-core/src/search/match.ts'
import { KeywordPublisher } from '../node-core/src/search/keyword-publisher.ts'
import type { WebDaemon } from '../test/e2e/helpers/daemon.ts'
import type { ServiceEvent } from '../node-core/src/contract/index.ts'

const { values } = parseArgs({ options: { nodes: { type: 'string' }, seed: { type: 'string' } } })
const NODES = Number(values.nodes ?? 20)
const DISCOVERABLE_PER_NODE = 10
const HIDDEN = 50
const QUERIES = 30
const DHT = ['--dht-server', '--allow-private']
/** Longest wait for every node to publish its keywords, and for one search to finish. */
const PUBLISH_CAP_MS = 900_000
const SEARCH_CAP_MS = 120_000

const WORDS = ['holiday', 'rome', 'paris', 'beach', 'summer', 'winter', 'family', 'photos', 'music', 'jazz', 'concert', 'lecture',
  'physics', 'notes', 'report', 'garden', 'recipes', 'wedding', 'mountain', 'river', 'piano', 'guitar', 'kyoto', 'berlin',
  'football', 'birthday', 'project', 'drafts', 'scans', 'invoices', 'café', 'naïve', 'Zürich', 'São']

/** Deterministic, so every run builds the same shares and queries. */
const random = seededRandom(Number(values.seed ?? 14))
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
const words = (n: number): string[] => { const s = new Set<string>(); while (s.size < n) s.add(pick(WORDS)); return [...s] }

interface PlannedShare { name: string, files: string[], discoverable: boolean }
function plan (node: number, hidden: number): PlannedShare[] {
  const shares: PlannedShare[] = []
  for (let i = 0; i < DISCOVERABLE_PER_NODE + hidden; i++) {
    const name = `${words(1 + Math.floor(random() * 2)).join(' ')} ${node}-${i}`
    const files = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, f) => `${words(1 + Math.floor(random() * 2)).join('_')}-${f}.txt`)
    shares.push({ name, files, discoverable: i < DISCOVERABLE_PER_NODE })
  }
  return shares
}

function quantile (xs: number[], q: number): number | null {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!
}

/** Follows `daemon`'s keyword publishing; `settled(want)` resolves once `want` keywords are published or failed and none is pending. */
function publishing (daemon: WebDaemon): { settled (want: number): Promise<{ published: number, failed: number }> } {
  let last = { published: 0, pending: 0, failed: 0 }
  let check = (): void => {}
  daemon.onEvent(e => { if (e.type === 'search:keywords') { last = e; check() } })
  return {
    settled: want => new Promise((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`keywords not published in time: ${JSON.stringify(last)} of ${want}`)) }, PUBLISH_CAP_MS)
      check = () => { if (last.pending === 0 && last.published + last.failed >= want) { clearTimeout(timer); check = () => {}; resolve(last) } }
      check()
    })
  }
}

/** One search from `asker`: the share IDs it returned, when the first came and when it was done. */
async function search (asker: WebDaemon, query: string): Promise<{ ids: Set<string>, firstMs: number | null, doneMs: number, error: string | null }> {
  const ids = new Set<string>()
  let searchId = -1
  const early: ServiceEvent[] = []
  const started = performance.now()
  let firstMs: number | null = null
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`search "${query}" not done in time`)) }, SEARCH_CAP_MS)
    const handle = (e: ServiceEvent): void => {
      if (e.type === 'search:result' && e.searchId === searchId) {
        firstMs ??= performance.now() - started
        ids.add(e.result.shareId)
      } else if (e.type === 'search:done' && e.done.searchId === searchId) {
        clearTimeout(timer)
        off()
        resolve({ ids, firstMs, doneMs: performance.now() - started, error: e.done.error ?? null })
      }
    }
    const off = asker.onEvent(e => { if (searchId < 0) early.push(e); else handle(e) })
    asker.call('search', { query }).then(r => { searchId = r.searchId; for (const e of early.splice(0)) handle(e) }, (err: unknown) => { clearTimeout(timer); off(); reject(err as Error) })
  })
}

const daemons: WebDaemon[] = []
try {
  const started = performance.now()
  const first = await startWebDaemon([...DHT], undefined, { ui: false })
  daemons.push(first)
  const bootstrap = ['--bootstrap', String((first.process.lines.find(l => l.event === 'listening')!.addresses as string[])[0])]
  for (let i = 1; i <= NODES; i++) daemons.push(await startWebDaemon([...DHT, ...bootstrap], undefined, { ui: false }))
  const asker = daemons.pop()!
  console.log(`${NODES + 1} daemons up in ${((performance.now() - started) / 1000).toFixed(1)} s (load ${loadavg()[0]!.toFixed(1)})`)

  // Shares: planned per node, made on disk, shared through the API; the discoverable ones indexed as the search rules see them.
  const expected: Array<ReturnType<typeof indexShare>> = []
  const hiddenIds = new Set<string>()
  const followers = daemons.map(d => publishing(d))
  const wanted: number[] = []
  for (const [n, d] of daemons.entries()) {
    const src = await tempDir()
    const mine: Array<ReturnType<typeof indexShare>> = []
    for (const s of plan(n, n < HIDDEN - 2 * NODES ? 3 : 2)) {
      await makeTree(join(src, s.name), Object.fromEntries(s.files.map(f => [f, 100 + Math.floor(random() * 900)])))
      const info = await d.call('share', { path: join(src, s.name), ...(s.discoverable ? { discoverable: true } : {}) })
      if (s.discoverable) mine.push(indexShare({ shareId: info.shareId, name: info.name, size: info.totalBytes, files: s.files.map(f => ({ path: `${s.name}/${f}` })) }))
      else hiddenIds.add(info.shareId)
    }
    expected.push(...mine)
    wanted.push(KeywordPublisher.wanted(mine).size)
  }
  const shareCount = expected.length
  const outcomes = await Promise.all(followers.map((f, i) => f.settled(wanted[i]!)))
  const failedKeywords = outcomes.reduce((a, o) => a + o.failed, 0)
  if (failedKeywords > 0) console.log(`${failedKeywords} keyword record(s) failed to publish (recall may suffer)`)
  const publishedAfter = (performance.now() - started) / 1000
  console.log(`${shareCount} discoverable and ${hiddenIds.size} hidden shares; every node's keywords published ${publishedAfter.toFixed(1)} s after start`)

  // Queries: single words and pairs of words that occur together in some share, and two that match nothing.
  const queries: string[] = []
  while (queries.length < 16) { const w = pick(WORDS); if (!queries.includes(w)) queries.push(w) }
  while (queries.length < QUERIES - 2) {
    const s = pick(expected)
    const ks = [...s.all].filter(k => !/^\d/.test(k))
    if (ks.length < 2) continue
    const q = `${pick(ks)} ${pick(ks)}`
    if (q.split(' ')[0] !== q.split(' ')[1] && !queries.includes(q)) queries.push(q)
  }
  queries.push('zanzibar', 'photos zanzibar')

  const rows: Array<{ query: string, expected: number, returned: number, correct: number, hidden: number, firstMs: number | null, doneMs: number, error: string | null }> = []
  for (const q of queries) {
    const truth = new Set(expected.filter(s => matchShare(queryKeywords(q), s) != null).map(s => s.shareId))
    const r = await search(asker, q)
    const correct = [...r.ids].filter(id => truth.has(id)).length
    const row = { query: q, expected: truth.size, returned: r.ids.size, correct, hidden: [...r.ids].filter(id => hiddenIds.has(id)).length, firstMs: r.firstMs == null ? null : Math.round(r.firstMs), doneMs: Math.round(r.doneMs), error: r.error }
    rows.push(row)
    console.log(`"${q}": expected ${row.expected}, returned ${row.returned}, correct ${row.correct}, hidden ${row.hidden}, first ${row.firstMs ?? '–'} ms, done ${row.doneMs} ms${row.error != null ? `, error ${row.error}` : ''}`)
  }
  const sum = (k: 'expected' | 'returned' | 'correct' | 'hidden'): number => rows.reduce((a, r) => a + r[k], 0)
  const precision = sum('returned') === 0 ? 1 : sum('correct') / sum('returned')
  const recall = sum('expected') === 0 ? 1 : sum('correct') / sum('expected')
  const worstPrecision = Math.min(...rows.map(r => r.returned === 0 ? 1 : r.correct / r.returned))
  const worstRecall = Math.min(...rows.map(r => r.expected === 0 ? 1 : r.correct / r.expected))
  const firsts = rows.map(r => r.firstMs).filter((x): x is number => x != null)
  const dones = rows.map(r => r.doneMs)
  const summary = {
    precision: Number(precision.toFixed(4)),
    recall: Number(recall.toFixed(4)),
    worstQueryPrecision: Number(worstPrecision.toFixed(4)),
    worstQueryRecall: Number(worstRecall.toFixed(4)),
    hiddenReturned: sum('hidden'),
    firstResultMs: { median: quantile(firsts, 0.5), p90: quantile(firsts, 0.9) },
    doneMs: { median: quantile(dones, 0.5), p90: quantile(dones, 0.9) },
    publishSeconds: Math.round(publishedAfter),
    failedKeywords,
    load: Number(loadavg()[0]!.toFixed(1))
  }
  console.log('\n| figure | value |\n|---|---|')
  for (const [k, v] of Object.entries(summary)) console.log(`| ${k} | ${typeof v === 'object' ? `median ${v.median} ms, p90 ${v.p90} ms` : v} |`)
  const out = new URL('./results/', import.meta.url)
  await mkdir(out, { recursive: true })
  await writeFile(new URL('search.json', out), JSON.stringify({ date: new Date().toISOString(), nodes: NODES, discoverable: shareCount, hidden: hiddenIds.size, queries: rows.length, summary, rows }, null, 2) + '\n')
} finally {
  for (const d of daemons) d.close()
  await killAll()
  await removeTemps()
}
