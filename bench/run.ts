/**
 * The benchmark suite: every scenario runs real processes on 127.0.0.1 (named network, no mDNS),
 * repeats its measurements, and compares them with baselines measured in the same run.
 *
 *   npm run bench                      full run (about 15 minutes), writes bench/results/latest.{json,md} and chart.svg
 *   npm run bench -- --quick           small sizes, 1 repeat: proves every scenario runs (CI smoke)
 *   npm run bench -- --only a,b        only these scenarios (ids below)
 *   npm run bench -- --out DIR         write the results into DIR instead
 *   npm run bench -- --profile         also record a --cpu-prof of every Swarmdrop process and
 *                                      summarize the top self-time functions per scenario
 *   npm run bench -- --repeats-of flash-crowd=1,peak-memory=2
 *                                      fewer (or more) repeats for some scenarios; recorded in the results
 *
 *   npm run bench -- --only small-files --merge
 *                                      re-run some scenarios into the existing results of the out
 *                                      folder (default bench/results), keeping the others
 *
 * The results are written again after every scenario, so a run stopped part-way keeps what it measured.
 *
 * --quick and --only write into bench/results/partial/ unless --out is given, so they never
 * replace the committed full run. The discovery benchmark (50-node DHT) is separate: npm run bench:discovery.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { availableParallelism, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { removeTemps, tempDir } from '../test/helpers/files.ts'
import { chartSvg } from './lib/chart.ts'
import { hotFunctions, hotFunctionsMarkdown } from './lib/cpu-profile.ts'
import { markdown } from './lib/markdown.ts'
import type { RunInfo } from './lib/markdown.ts'
import { loadAverage1 } from './lib/proc-stats.ts'
import { profileInto, roles, stopAll } from './lib/procs.ts'
import type { Scenario, ScenarioResult } from './lib/result.ts'
import { cappedSeeders } from './scenarios/capped-seeders.ts'
import { flashCrowdUncapped } from './scenarios/flash-crowd-uncapped.ts'
import { flashCrowd } from './scenarios/flash-crowd.ts'
import { latency } from './scenarios/latency.ts'
import { oneToOne } from './scenarios/one-to-one.ts'
import { playStart } from './scenarios/play-start.ts'
import { peakMemory } from './scenarios/peak-memory.ts'
import { shareCreation } from './scenarios/share-creation.ts'
import { smallFilesScenario } from './scenarios/small-files.ts'

/** In run order: the heaviest (the flash crowd, 25 processes) last. */
export const SCENARIOS: readonly Scenario[] = [oneToOne, cappedSeeders, shareCreation, latency, playStart, smallFilesScenario, flashCrowdUncapped, peakMemory, flashCrowd]

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, only: { type: 'string' }, out: { type: 'string' }, profile: { type: 'boolean' }, repeats: { type: 'string' }, 'repeats-of': { type: 'string' }, merge: { type: 'boolean' } } })
const quick = values.quick === true
const only = values.only?.split(',').map(s => s.trim()).filter(s => s !== '')
for (const id of only ?? []) if (!SCENARIOS.some(s => s.id === id)) throw new Error(`unknown scenario "${id}"; known: ${SCENARIOS.map(s => s.id).join(', ')}`)
const chosen = SCENARIOS.filter(s => only == null || only.includes(s.id))
const results = fileURLToPath(new URL('./results/', import.meta.url))
const outDir = resolve(values.out ?? (values.merge !== true && (quick || only != null) ? join(results, 'partial') : results))
const repeats = Number(values.repeats ?? (quick ? 1 : 3))
if (!Number.isInteger(repeats) || repeats < 1) throw new Error('--repeats takes a positive integer')
const repeatsOf = new Map((values['repeats-of']?.split(',') ?? []).filter(s => s !== '').map(pair => {
  const [id, n] = pair.split('=')
  if (!SCENARIOS.some(s => s.id === id) || !(Number(n) >= 1) || !Number.isInteger(Number(n))) throw new Error(`--repeats-of takes scenario=count pairs, got "${pair}"`)
  return [id!, Number(n)] as const
}))

const started = performance.now()
interface SavedRun { scenarios: ScenarioResult[], load: Record<string, number>, repeats: Record<string, number>, failures: Array<{ id: string, message: string }>, date: string }
/** With --merge: the results already in the out folder, minus the scenarios run again now. */
const kept: SavedRun | null = values.merge === true ? JSON.parse(await readFile(join(outDir, 'latest.json'), 'utf8')) as SavedRun : null
const rerun = (id: string): boolean => chosen.some(s => s.id === id)
const load: Record<string, number> = Object.fromEntries(Object.entries(kept?.load ?? {}).filter(([id]) => !rerun(id)))
const done: ScenarioResult[] = (kept?.scenarios ?? []).filter(r => !rerun(r.id))
const failures: Array<{ id: string, message: string }> = (kept?.failures ?? []).filter(f => !rerun(f.id))
/** Failures of the scenarios run again, kept on record. */
const earlierFailures = (kept?.failures ?? []).filter(f => rerun(f.id)).map(f => ({ ...f, date: kept!.date }))
const mergeNote = kept != null ? `merged: ${chosen.map(s => s.id).join(', ')} re-run on ${new Date().toISOString()} into the run of ${kept.date}` : null
const profiles: string[] = []
let exitCode = 0
try {
  await mkdir(outDir, { recursive: true })
  for (const s of chosen) {
    load[s.id] = loadAverage1()
    const t0 = performance.now()
    console.log(`== ${s.id}: ${s.title} (load ${load[s.id]!.toFixed(2)})`)
    const profDir = values.profile === true ? await tempDir('swarmdrop-bench-prof-') : null
    profileInto(profDir)
    try {
      const r = await s.run({ quick, repeats: repeatsOf.get(s.id) ?? repeats, log: m => console.log(m) })
      done.push(r)
      for (const row of r.rows) console.log(`  ${row.label}: ${row.measured} | ${row.baseline} | ratio ${row.ratio ?? '—'} | target ${row.target ?? 'report'} | ${row.met == null ? '' : row.met ? 'met' : 'MISSED'}`)
    } catch (err) {
      exitCode = 1
      failures.push({ id: s.id, message: (err as Error).stack ?? String(err) })
      console.log(`  FAILED: ${(err as Error).message}`)
    } finally {
      await stopAll()
      profileInto(null)
    }
    if (profDir != null) {
      const hot = await hotFunctions(profDir, pid => roles.get(pid))
      profiles.push(hotFunctionsMarkdown(s.id, hot))
    }
    console.log(`   (${((performance.now() - t0) / 1000).toFixed(0)} s)`)
    await writeResults()
  }
  console.log(`\nwrote ${outDir}/latest.json, latest.md, chart.svg${profiles.length > 0 ? ', profile.md' : ''} in ${((performance.now() - started) / 1000).toFixed(0)} s${failures.length > 0 ? `; FAILED: ${failures.map(f => f.id).join(', ')}` : ''}`)
} finally {
  await stopAll()
  await removeTemps()
}
process.exit(exitCode)

async function writeResults (): Promise<void> {
  const info: RunInfo = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    seconds: (performance.now() - started) / 1000,
    machine: { cpus: availableParallelism(), memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    load,
    repeats: { ...Object.fromEntries(Object.entries(kept?.repeats ?? {}).filter(([id]) => !rerun(id))), ...Object.fromEntries(chosen.map(s => [s.id, repeatsOf.get(s.id) ?? repeats])) }
  }
  const left = chosen.filter(s => !done.some(d => d.id === s.id) && !failures.some(f => f.id === s.id)).map(s => s.id)
  const order = (r: ScenarioResult): number => SCENARIOS.findIndex(s => s.id === r.id)
  done.sort((a, b) => order(a) - order(b))
  await writeFile(join(outDir, 'latest.json'), JSON.stringify({ ...info, ...(mergeNote != null ? { merged: mergeNote } : {}), scenarios: done, failures, earlierFailures, notRunYet: left }, null, 2) + '\n')
  await writeFile(join(outDir, 'latest.md'), markdown(info, done) + (mergeNote != null ? `\nNote: ${mergeNote}.\n` : '') +
    (failures.length > 0 ? `\nFailed scenarios: ${failures.map(f => `${f.id} (${f.message.split('\n')[0]})`).join('; ')}\n` : '') +
    (earlierFailures.length > 0 ? `\nFailed in the first attempt of this run, then re-run: ${earlierFailures.map(f => `${f.id} (${f.message.split('\n')[0]})`).join('; ')}\n` : '') +
    (left.length > 0 ? `\nNot run (the run was still going or was stopped): ${left.join(', ')}\n` : ''))
  await writeFile(join(outDir, 'chart.svg'), chartSvg(done.map(r => r.chart ?? {}), `Swarmdrop benchmarks (${info.date.slice(0, 10)}, ${info.mode} run)`))
  if (profiles.length > 0) await writeFile(join(outDir, 'profile.md'), profiles.join('\n'))
}
