/**
 * `npm run sim`: the swarm simulator's runs, written to bench/results/sim.{json,md,svg}.
 *   npm run sim                        validation (N = 8, 16), flash crowds at N = 100, 1,000, 10,000, churn at 1,000
 *   npm run sim -- --quick             the N = 1,000 flash crowd only, into bench/results/partial/
 *   npm run sim -- --ns 100,1000       other sizes; --churn-ns, --out DIR, --max-seconds S (cap per run)
 *   npm run sim -- --ns 10000 --churn-ns '' --no-validation --merge   adds runs to the out folder's sim.json
 *   npm run sim -- --redraw            rewrites sim.md and sim.svg from the out folder's sim.json
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { simMarkdown, simSvg } from './report.ts'
import { runSim } from './run.ts'
import type { ScaleRun, SimReport } from './run.ts'

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    ns: { type: 'string' },
    'churn-ns': { type: 'string' },
    out: { type: 'string' },
    'max-seconds': { type: 'string', default: '3600' },
    'no-validation': { type: 'boolean', default: false },
    merge: { type: 'boolean', default: false },
    variant: { type: 'string' },
    redraw: { type: 'boolean', default: false }
  }
})
const list = (s: string | undefined, fallback: number[]): number[] => s == null ? fallback : s.split(',').filter(x => x !== '').map(Number)
const quick = values.quick
const out = values.out ?? fileURLToPath(new URL(quick ? '../results/partial/' : '../results/', import.meta.url))
if (values.redraw) {
  const saved = JSON.parse(await readFile(join(out, 'sim.json'), 'utf8')) as SimReport
  await writeFile(join(out, 'sim.md'), simMarkdown(saved) + '\n')
  if (saved.flash.length > 0) await writeFile(join(out, 'sim.svg'), simSvg(saved))
  console.log(`rewrote ${join(out, 'sim.md')} and sim.svg`)
  process.exit(0)
}
let report = await runSim({
  quick,
  validation: !quick && !values['no-validation'],
  ns: list(values.ns, quick ? [1000] : [100, 1000, 10_000]),
  churnNs: list(values['churn-ns'], quick ? [] : [1000]),
  maxSeconds: Number(values['max-seconds']),
  variants: values.variant == null ? ['shipped', 'what-if'] : [values.variant as ScaleRun['variant']],
  log: line => { console.log(line) }
})
await mkdir(out, { recursive: true })
if (values.merge) {
  // Runs of the same kind, N and variant replace the earlier ones; the rest is kept.
  const old = JSON.parse(await readFile(join(out, 'sim.json'), 'utf8')) as SimReport
  const key = (r: ScaleRun): string => `${r.figures.peers} ${r.variant}`
  const merged = (a: readonly ScaleRun[], b: readonly ScaleRun[]): ScaleRun[] =>
    [...a.filter(r => !b.some(n => key(n) === key(r))), ...b].sort((x, y) => x.figures.peers - y.figures.peers)
  report = { ...report, mode: old.mode, validation: report.validation ?? old.validation, flash: merged(old.flash, report.flash), churn: merged(old.churn, report.churn) }
}
await writeFile(join(out, 'sim.json'), JSON.stringify(report, null, 1) + '\n')
await writeFile(join(out, 'sim.md'), simMarkdown(report) + '\n')
if (report.flash.length > 0) await writeFile(join(out, 'sim.svg'), simSvg(report))
console.log(`wrote ${join(out, 'sim.json')}, sim.md${report.flash.length > 0 ? ', sim.svg' : ''}`)
