/** The simulator's report as markdown tables and an SVG of the figures against N. */
import { simChartSvg } from './chart.ts'
import type { Series } from './chart.ts'
import type { SimFigures, Spread } from './figures.ts'
import type { ScaleRun, SimReport } from './run.ts'

const f1 = (x: number): string => Number.isFinite(x) ? x.toFixed(1) : 'n/a'
const f2 = (x: number): string => Number.isFinite(x) ? x.toFixed(2) : 'n/a'
const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)} %`
const spreadText = (s: Spread | null): string => s == null || s.count === 0 ? 'n/a' : `${f1(s.median)} / ${f1(s.p90)} / ${f1(s.max)}`
const VARIANT = { shipped: 'as shipped', 'what-if': 'what-if: no seed sparing' }

function scaleRow (r: ScaleRun): string {
  const f: SimFigures = r.figures
  const done = f.incomplete > 0 ? `not all done at ${f1(f.virtualSeconds)} s (${f.incomplete} of ${f.peers} incomplete, holding ${(100 * f.meanProgress).toFixed(0)} % of the chunks on average)` : `${f1(f.allDoneSeconds)} s`
  return `| ${f.peers.toLocaleString('en-US')} | ${VARIANT[r.variant]} | ${done} | ${f1(f.fluidBoundSeconds)} s | ${f2(f.allDoneOverBound)} | ${f2(f.originUploadFactor)} | ${spreadText(f.downloadSeconds)} | ${f1(f.wallSeconds)} s |`
}

export function simMarkdown (report: SimReport): string {
  const out: string[] = [`Swarm simulator run ${report.date} (${report.mode} mode). Written by \`npm run sim\`; see docs/PERFORMANCE.md, "Swarm simulator".`, '']
  const v = report.validation
  if (v != null) {
    const c = v.calibration
    out.push('## Validation against the recorded real-process crowds (bench/results/latest.json)', '',
      `CPU model: ${f2(c.msPerMiB)} CPU-ms per delivered MiB (the 1 -> 1 transfer) + ${c.msPerHave.toFixed(3)} CPU-ms per HAVE message (the uncapped crowd of ${c.crowdPeers}, ${f2(c.crowdMsPerMiB)} CPU-ms/MiB, less the 1 -> 1 cost, over its HAVEs per MiB), 2 cores.`, '',
      '| model | N | simulated all done | recorded (median, min–max) | difference | simulated origin | recorded origin | difference |',
      '|---|---|---|---|---|---|---|---|')
    for (const r of v.rows) {
      out.push(`| ${r.label} | ${r.peers} | ${f1(r.sim.allDoneSeconds)} s | ${f1(r.recordedSeconds.median)} (${f1(r.recordedSeconds.min)}–${f1(r.recordedSeconds.max)}) s | ${pct(r.timeError)} | ${f2(r.sim.originVerifiedFactor)}x | ${f2(r.recordedOrigin.median)} (${f2(r.recordedOrigin.min)}–${f2(r.recordedOrigin.max)})x | ${pct(r.originError)} |`)
    }
    out.push('')
  }
  if (report.flash.length > 0) {
    out.push('## Flash crowd, residential mix (1–40 Mbit/s up, 10–500 down; origin 100 Mbit/s; 64 MiB in 256 KiB chunks; everyone stays)', '',
      '| N | scheduler | all done | fluid bound | all done / bound | origin upload / share | download time median / p90 / max (s) | wall time |',
      '|---|---|---|---|---|---|---|---|', ...report.flash.map(scaleRow), '')
  }
  if (report.churn.length > 0) {
    out.push('## Poisson arrivals, churn, 20 % free riders', '',
      '| N | scheduler | contributors: download time median / p90 / max (s) | free riders: median / p90 / max (s) | origin upload / share | incomplete | wall time |',
      '|---|---|---|---|---|---|---|')
    for (const r of report.churn) {
      const f = r.figures
      out.push(`| ${f.peers.toLocaleString('en-US')} | ${VARIANT[r.variant]} | ${spreadText(f.contributorSeconds)} | ${spreadText(f.freeRiderSeconds)} | ${f2(f.originUploadFactor)} | ${f.incomplete} | ${f1(f.wallSeconds)} s |`)
    }
    out.push('')
  }
  return out.join('\n')
}

/** The flash crowds against N; runs stopped at their cap before every peer finished are left out. */
export function simSvg (report: SimReport): string {
  const line = (variant: ScaleRun['variant'], pick: (f: SimFigures) => number, label: string): Series =>
    ({ label, points: report.flash.filter(r => r.variant === variant && r.figures.incomplete === 0).map(r => [r.figures.peers, pick(r.figures)] as const) })
  const ns = report.flash.map(r => r.figures.peers)
  const target = (y: number, label: string): Series => ({ label, dashed: true, points: [[Math.min(...ns), y], [Math.max(...ns), y]] })
  return simChartSvg(`Swarm simulator, residential flash crowd (${report.date.slice(0, 10)})`, [
    {
      title: 'All done / fluid lower bound (Kumar and Ross)',
      series: [line('shipped', f => f.allDoneOverBound, 'as shipped'), line('what-if', f => f.allDoneOverBound, 'no seed sparing'), target(1.2, 'target 1.2')]
    },
    {
      title: 'Origin upload / share size',
      series: [line('shipped', f => f.originUploadFactor, 'as shipped'), line('what-if', f => f.originUploadFactor, 'no seed sparing'), target(1.1, 'target 1.1')]
    },
    {
      title: 'Download time / fluid bound: median, p90, max (as shipped)',
      series: [
        line('shipped', f => f.downloadSeconds.median / f.fluidBoundSeconds, 'median'),
        line('shipped', f => f.downloadSeconds.p90 / f.fluidBoundSeconds, 'p90'),
        line('shipped', f => f.downloadSeconds.max / f.fluidBoundSeconds, 'max')
      ]
    }
  ])
}
