/** What a scenario measures and reports: figures over repeats, and rows comparing them with a baseline of the same run. */
import { round3, summarize } from './stats.ts'
import type { Summary } from './stats.ts'

export interface Figure extends Summary {
  readonly unit: string
  /** One value per repeat, in run order. */
  readonly values: readonly number[]
}

export function figure (unit: string, values: readonly number[]): Figure {
  return { unit, ...summarize(values), values: values.map(round3) }
}

/** One row of the results table. */
export interface Row {
  /** What is compared, e.g. "throughput, 512 MiB". */
  readonly label: string
  readonly measured: string
  readonly baseline: string
  /** Median over repeats of measured / baseline (per repeat), when a ratio is meaningful. */
  readonly ratio: number | null
  /** The target, e.g. ">= 0.9", or null for "report". */
  readonly target: string | null
  readonly met: boolean | null
}

export interface ScenarioResult {
  readonly id: string
  readonly title: string
  readonly params: Record<string, unknown>
  readonly figures: Record<string, Figure>
  readonly rows: readonly Row[]
  readonly notes: readonly string[]
  /** Points for the chart, if the scenario draws any. */
  readonly chart?: ChartData
}

export interface ChartData {
  /** `baseline` bars are drawn grey, Swarmdrop's blue. */
  readonly bars?: ReadonlyArray<{ readonly group: string, readonly label: string, readonly value: number, readonly unit: string, readonly baseline?: boolean }>
  readonly lines?: ReadonlyArray<{ readonly label: string, readonly points: ReadonlyArray<readonly [number, number]> }>
}

export interface Context {
  readonly quick: boolean
  /** Repeats per measurement (3 or more in full mode). */
  readonly repeats: number
  log (message: string): void
}

export interface Scenario {
  readonly id: string
  readonly title: string
  run (ctx: Context): Promise<ScenarioResult>
}

/** "142 (131–150) MiB/s": median, then min–max when there were several repeats. */
export function show (f: Figure, unit = f.unit): string {
  if (f.n === 0) return 'n/a'
  const m = round3(f.median)
  return f.n > 1 ? `${m} (${round3(f.min)}–${round3(f.max)}) ${unit}` : `${m} ${unit}`
}

/** Per-repeat ratios a[i] / b[i], summarized by their median. */
export function ratioOf (a: readonly number[], b: readonly number[]): number {
  const r = a.map((x, i) => x / b[i]!)
  return round3(summarize(r).median)
}

/** A row with a target "ratio >= limit" (or <= limit). */
export function targetRow (label: string, measured: string, baseline: string, ratio: number, op: '>=' | '<=', limit: number): Row {
  const met = Number.isFinite(ratio) ? (op === '>=' ? ratio >= limit : ratio <= limit) : false
  return { label, measured, baseline, ratio, target: `${op} ${limit}`, met }
}

export function reportRow (label: string, measured: string, baseline: string, ratio: number | null): Row {
  return { label, measured, baseline, ratio, target: null, met: null }
}
