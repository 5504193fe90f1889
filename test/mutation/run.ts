/**
 * `npm run test:mutation [-- DEFENCE…] [--only ID,…] [--unit-only] [--check]`: applies the fixed one-line
 * mutants of test/mutation/mutants.ts one at a time, in place, runs the test files of that defence
 * (unit first; integration only for mutants the unit tests let through) and reports each mutant as
 * killed (a test failed), timed out (counted as killed: the tests hung on it) or survived. Every
 * source file is restored after each mutant, and on SIGINT/SIGTERM/SIGHUP. Not part of `npm test`.
 * A Markdown table of the results is written to .tmp/mutation/report.md (docs/TESTING.md holds the
 * last one). Before any mutant, each stage runs once unmutated and must pass.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { stripTypeScriptTypes } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFENCES } from './mutants.ts'
import type { Defence, Mutant } from './mutants.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** A stage that runs this much longer than its clean run (plus a margin) is taken as hung. */
const TIMEOUT_FACTOR = 4
const TIMEOUT_MARGIN_MS = 120_000

const args = process.argv.slice(2)
const unitOnly = args.includes('--unit-only')
const onlyAt = args.indexOf('--only')
const only = onlyAt === -1 ? null : new Set(args[onlyAt + 1]?.split(',') ?? [])
const named = args.filter((a, i) => !a.startsWith('--') && (onlyAt === -1 || i !== onlyAt + 1))
for (const name of named) if (DEFENCES[name] == null) throw new Error(`unknown defence ${name}: one of ${Object.keys(DEFENCES).join(', ')}`)
const chosen = named.length > 0 ? named : Object.keys(DEFENCES)

/** Original contents of files currently mutated, restored on every exit path. */
const originals = new Map<string, string>()
let running: { pid: number } | null = null

function restoreAll (): void {
  for (const [file, text] of originals) writeFileSync(file, text)
  originals.clear()
}
/** Every live descendant of `root` (from /proc): children put in process groups of their own too. */
function descendantsOf (root: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)])
    } catch { /* gone meanwhile */ }
  }
  const found: number[] = []
  const todo = [root]
  while (todo.length > 0) for (const c of children.get(todo.pop()!) ?? []) { found.push(c); todo.push(c) }
  return found
}

/**
 * Ends a test run: SIGTERM to its group (the tests then clean up what they started), and SIGKILL,
 * a moment later, to the group and to every process group of its descendants found before (a test
 * process killed first leaves its swarmdrop children running otherwise: seen in crash.test.ts).
 */
function endRun (pid: number, graceMs: number): void {
  const found = descendantsOf(pid)
  try { process.kill(-pid, 'SIGTERM') } catch { /* gone */ }
  const kill = (): void => { for (const p of [pid, ...found]) { try { process.kill(-p, 'SIGKILL') } catch { try { process.kill(p, 'SIGKILL') } catch { /* gone */ } } } }
  if (graceMs === 0) kill()
  else setTimeout(kill, graceMs).unref()
}

function onSignal (signal: NodeJS.Signals): void {
  if (running != null) endRun(running.pid, 0)
  restoreAll()
  process.kill(process.pid, signal)
}
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, onSignal)
process.on('exit', restoreAll)

interface RunResult { readonly passed: boolean, readonly timedOut: boolean, readonly ms: number, readonly failing: string[] }

/** Runs `files` with node's test runner in a process group of its own; kills the group after `capMs`. */
function runTests (files: readonly string[], capMs: number): Promise<RunResult> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--test', '--test-reporter=tap', '--test-concurrency=1', ...files], {
      cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FUZZ_RUNS: process.env.FUZZ_RUNS ?? '25' }
    })
    if (child.pid === undefined) { reject(new Error('could not start node --test')); return }
    running = { pid: child.pid }
    let out = ''
    child.stdout.on('data', (b: Buffer) => { out += b.toString() })
    child.stderr.on('data', (b: Buffer) => { out += b.toString() })
    let timedOut = false
    const timer = setTimeout(() => { timedOut = true; endRun(child.pid!, 5000) }, capMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      try { process.kill(-child.pid!, 'SIGKILL') } catch { /* group already gone */ }
      running = null
      const failing = [...out.matchAll(/^\s*not ok \d+ - (.*)$/gm)].map(m => m[1]!.trim())
      resolve({ passed: code === 0 && !timedOut, timedOut, ms: performance.now() - started, failing })
    })
  })
}

function apply (m: Mutant): void {
  const path = join(ROOT, m.file)
  const text = readFileSync(path, 'utf8')
  const at = text.indexOf(m.from)
  if (at === -1 || text.indexOf(m.from, at + 1) !== -1) throw new Error(`mutant ${m.id}: its text occurs ${at === -1 ? 'nowhere' : 'more than once'} in ${m.file}; update mutants.ts`)
  const mutated = text.slice(0, at) + m.to + text.slice(at + m.from.length)
  stripTypeScriptTypes(mutated) // throws on a syntax error: a mutant must be valid code, or it would be "killed" for nothing
  originals.set(path, text)
  writeFileSync(path, mutated)
}

interface Outcome { readonly defence: string, readonly mutant: Mutant, readonly result: 'killed' | 'timed out' | 'survived' | 'not run', readonly stage: number, readonly by: string[], readonly ms: number }

if (args.includes('--check')) { // only check that every mutant applies and parses
  for (const name of chosen) for (const m of DEFENCES[name]!.mutants) { apply(m); restoreAll() }
  console.log('every mutant applies')
  process.exit(0)
}

const outcomes: Outcome[] = []
const fmt = (ms: number): string => `${(ms / 1000).toFixed(0)} s`

for (const name of chosen) {
  const defence: Defence = DEFENCES[name]!
  const stages = unitOnly ? defence.stages.slice(0, 1) : defence.stages
  const mutants = defence.mutants.filter(m => only == null || only.has(m.id))
  if (mutants.length === 0) continue
  console.log(`\n== ${name}: ${defence.title}`)
  const clean: number[] = []
  let survivors = mutants
  for (let s = 0; s < stages.length && survivors.length > 0; s++) {
    const files = stages[s]!
    const base = await runTests(files, 30 * 60_000)
    if (!base.passed) {
      console.log(`stage ${s + 1} fails without any mutant (${base.failing.join('; ') || 'no TAP failure line'}): fix that first`)
      process.exitCode = 1
      for (const m of survivors) outcomes.push({ defence: name, mutant: m, result: 'not run', stage: s + 1, by: [], ms: 0 })
      survivors = []
      break
    }
    clean[s] = base.ms
    console.log(`stage ${s + 1} (${files.join(' ')}) passes unmutated in ${fmt(base.ms)}`)
    const left: Mutant[] = []
    for (const m of survivors) {
      apply(m)
      let r: RunResult
      try {
        r = await runTests(files, base.ms * TIMEOUT_FACTOR + TIMEOUT_MARGIN_MS)
      } finally {
        restoreAll()
      }
      const result = r.timedOut ? 'timed out' : r.passed ? null : 'killed'
      if (result != null) {
        outcomes.push({ defence: name, mutant: m, result, stage: s + 1, by: r.failing, ms: r.ms })
        console.log(`  ${result.padEnd(9)} ${m.id} (${fmt(r.ms)}): ${r.failing.slice(0, 3).join('; ')}`)
      } else {
        console.log(`  passed    ${m.id} (${fmt(r.ms)}) at stage ${s + 1}`)
        left.push(m)
      }
    }
    survivors = left
  }
  for (const m of survivors) outcomes.push({ defence: name, mutant: m, result: 'survived', stage: stages.length, by: [], ms: 0 })
}

const lines: string[] = ['| defence | mutants | killed | timed out | survived | score |', '|---|---|---|---|---|---|']
for (const name of chosen) {
  const mine = outcomes.filter(o => o.defence === name)
  if (mine.length === 0) continue
  const k = mine.filter(o => o.result === 'killed').length
  const t = mine.filter(o => o.result === 'timed out').length
  const sv = mine.filter(o => o.result === 'survived').length
  const run = k + t + sv
  lines.push(`| ${name} | ${mine.length}${run < mine.length ? ` (${mine.length - run} not run)` : ''} | ${k} | ${t} | ${sv} | ${run === 0 ? '–' : (100 * (k + t) / run).toFixed(0) + ' %'} |`)
}
lines.push('', '| defence | mutant | what it breaks | result |', '|---|---|---|---|')
for (const o of outcomes) {
  const where = o.result === 'survived' ? '**survived**' : o.result === 'not run' ? 'not run (the clean run failed)' : `${o.result} (${o.stage === 1 ? 'unit' : 'integration'}: ${o.by[0] ?? 'exit code'})`
  lines.push(`| ${o.defence} | \`${o.mutant.id}\` | ${o.mutant.what} | ${where.replaceAll('|', '\\|')} |`)
}
const report = lines.join('\n')
mkdirSync(join(ROOT, '.tmp/mutation'), { recursive: true })
writeFileSync(join(ROOT, '.tmp/mutation/report.md'), report + '\n')
console.log('\n' + report)
if (outcomes.some(o => o.result === 'survived')) process.exitCode = 1
