/** Redraws bench/results/chart.svg (or DIR/chart.svg) from latest.json: node bench/chart.ts [DIR] */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chartSvg } from './lib/chart.ts'
import type { ScenarioResult } from './lib/result.ts'

const dir = process.argv[2] ?? fileURLToPath(new URL('./results/', import.meta.url))
const run = JSON.parse(await readFile(join(dir, 'latest.json'), 'utf8')) as { date: string, mode: string, scenarios: ScenarioResult[] }
await writeFile(join(dir, 'chart.svg'), chartSvg(run.scenarios.map(r => r.chart ?? {}), `Swarmdrop benchmarks (${run.date.slice(0, 10)}, ${run.mode} run)`))
