/**
 * `npm run mutate`: runs Stryker once per module of stryker.config.mjs (or only those named as
 * arguments), one after another, and prints each module's mutation score. Slow (minutes per
 * module); not part of `npm test`.
 *
 * `npm run mutate -- --survivors <module>` re-runs only the mutants that survived the module's last
 * full run (its report in .stryker-tmp/reports) and folds the new verdicts into that report. Tests
 * only ever get added between the two runs, so a mutant killed before is still killed; the merge
 * refuses a report whose mutated source has changed since (then run the module in full).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

interface Mutant { id: string, status: string, mutatorName: string, replacement?: string, location: { start: { line: number, column: number }, end: { line: number, column: number } } }
interface Report { files: Record<string, { source: string, mutants: Mutant[] }> }

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const CONFIG = new URL('../../stryker.config.mjs', import.meta.url).href
const { MODULES } = await import(CONFIG) as { MODULES: Record<string, { mutate: string[], tests: string[] }> }
const args = process.argv.slice(2)
const survivorsOnly = args.includes('--survivors')
const names = args.filter(a => a !== '--survivors')
if (survivorsOnly && names.length === 0) throw new Error('--survivors needs the module names to re-run')
const reportPath = (name: string, suffix = ''): string => `${ROOT}.stryker-tmp/reports/${name}${suffix}.json`
const detected = (m: Mutant): boolean => m.status === 'Killed' || m.status === 'Timeout'
const key = (file: string, m: Mutant): string =>
  `${file}:${m.location.start.line}:${m.location.start.column}-${m.location.end.line}:${m.location.end.column} ${m.mutatorName} ${m.replacement ?? ''}`

function stryker (name: string, ranges?: string[]): boolean {
  const env: NodeJS.ProcessEnv = { ...process.env, MUTATE_MODULE: name }
  if (ranges != null) env.MUTATE_RANGES = JSON.stringify(ranges)
  const run = spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs'], { cwd: ROOT, stdio: 'inherit', env })
  return run.status === 0
}

/** Re-runs the survivors of `name`'s last report; returns false if Stryker failed. */
function rerunSurvivors (name: string): boolean {
  if (!existsSync(reportPath(name))) throw new Error(`${name}: no report of a full run to take the survivors from`)
  const old = JSON.parse(readFileSync(reportPath(name), 'utf8')) as Report
  const ranges = new Set<string>()
  for (const [file, { source, mutants }] of Object.entries(old.files)) {
    if (readFileSync(`${ROOT}${file}`, 'utf8') !== source) throw new Error(`${file} changed since the last full run of ${name}: run it in full`)
    for (const m of mutants) {
      // Whole lines: a range with columns left out mutants that end at its last column. Mutants
      // of those lines killed before are tested again; only the survivors' verdicts are taken.
      if (!detected(m)) ranges.add(`${file}:${m.location.start.line}-${m.location.end.line}`)
    }
  }
  if (ranges.size === 0) return true
  if (!stryker(name, [...ranges])) return false
  const rerun = JSON.parse(readFileSync(reportPath(name, '.survivors'), 'utf8')) as Report
  const verdicts = new Map<string, string>()
  for (const [file, { mutants }] of Object.entries(rerun.files)) for (const m of mutants) verdicts.set(key(file, m), m.status)
  for (const [file, { mutants }] of Object.entries(old.files)) {
    for (const m of mutants) {
      const status = detected(m) ? undefined : verdicts.get(key(file, m))
      if (status != null) m.status = status
    }
  }
  writeFileSync(reportPath(name), JSON.stringify(old))
  return true
}

const scores: string[] = []
let failed = false
for (const name of names.length > 0 ? names : Object.keys(MODULES)) {
  const ok = survivorsOnly ? rerunSurvivors(name) : stryker(name)
  if (!ok) { failed = true; scores.push(`${name}: stryker failed`); continue }
  const report = JSON.parse(readFileSync(reportPath(name), 'utf8')) as Report
  const all = Object.values(report.files).flatMap(f => f.mutants)
  const valid = all.filter(m => m.status !== 'CompileError' && m.status !== 'RuntimeError' && m.status !== 'Ignored')
  const hits = valid.filter(detected).length
  scores.push(`${name}: ${(100 * hits / valid.length).toFixed(1)} % (${hits} of ${valid.length} mutants detected)`)
}
console.log(['', 'Mutation scores:', ...scores].join('\n'))
process.exit(failed ? 1 : 0)
