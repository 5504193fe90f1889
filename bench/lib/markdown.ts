/** The results as a Markdown table: one row per comparison, the baseline of the same run beside it. */
import type { ScenarioResult } from './result.ts'

export interface RunInfo {
  readonly date: string
  readonly mode: 'full' | 'quick'
  readonly seconds: number
  readonly machine: { readonly cpus: number, readonly memoryGiB: number, readonly node: string }
  /** 1-minute load average before each scenario: other work on a shared machine shows here. */
  readonly load: Record<string, number>
  /** Repeats of each scenario. */
  readonly repeats: Record<string, number>
}

const cell = (s: string): string => s.replace(/\|/g, '\\|')

export function markdown (info: RunInfo, results: readonly ScenarioResult[]): string {
  const lines = [
    `Benchmark run ${info.date} (${info.mode} mode, ${Math.round(info.seconds)} s), ${info.machine.cpus} CPUs, ${info.machine.memoryGiB} GiB RAM, Node ${info.machine.node}.`,
    `1-minute load average before each scenario: ${Object.entries(info.load).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}${Math.max(...Object.values(info.load)) > 1 ? ' — the machine was loaded by other work during this run, so absolute figures are noisy; the ratios are against baselines measured in the same run.' : '.'}`,
    `Figures are median (min–max) over the repeats: ${Object.entries(info.repeats).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    '| scenario | measured | baseline in the same run | ratio | target | met |',
    '|---|---|---|---|---|---|'
  ]
  for (const r of results) {
    for (const row of r.rows) {
      const met = row.met == null ? 'report' : row.met ? 'yes' : '**no**'
      lines.push(`| ${cell(`${r.title}: ${row.label}`)} | ${cell(row.measured)} | ${cell(row.baseline)} | ${row.ratio ?? '—'} | ${row.target ?? 'report'} | ${met} |`)
    }
  }
  const notes = results.flatMap(r => r.notes.map(n => `- ${r.title}: ${n}`))
  if (notes.length > 0) lines.push('', 'Notes:', ...notes)
  return lines.join('\n') + '\n'
}
