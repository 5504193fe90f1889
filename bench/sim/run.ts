/** The simulator's set of runs: validation against the recorded crowds, flash crowds and churn at scale. */
import { fileURLToPath } from 'node:url'
import { benchCrowd, residentialChurn, residentialFlash } from './config.ts'
import type { SimConfig } from './config.ts'
import type { SimFigures } from './figures.ts'
import { simulate } from './simulate.ts'
import { validate } from './validation.ts'
import type { Calibration, ValidationRow } from './validation.ts'

export interface ScaleRun { readonly variant: 'shipped' | 'what-if'; readonly figures: SimFigures }

export interface SimReport {
  readonly date: string
  readonly mode: 'full' | 'quick'
  readonly validation: { readonly calibration: Calibration, readonly rows: readonly ValidationRow[] } | null
  readonly flash: readonly ScaleRun[]
  readonly churn: readonly ScaleRun[]
}

/** The scheduler as shipped, and the what-if: no seed sparing (peer exchange lists random members in both, as shipped since 2026-12-02). */
export const WHAT_IF: Partial<SimConfig> = { seedSparing: false }

export async function runSim (opts: { quick: boolean, validation: boolean, ns: number[], churnNs: number[], maxSeconds: number, variants: ReadonlyArray<ScaleRun['variant']>, log: (line: string) => void }): Promise<SimReport> {
  const results = fileURLToPath(new URL('../results/latest.json', import.meta.url))
  const one = (variant: ScaleRun['variant'], config: SimConfig): ScaleRun => {
    const figures = simulate(config)
    opts.log(`${config.name} (${variant}): all done ${figures.allDoneSeconds.toFixed(1)} s = ${figures.allDoneOverBound.toFixed(2)}x the fluid bound ${figures.fluidBoundSeconds.toFixed(1)} s, origin ${figures.originUploadFactor.toFixed(2)}x, median ${figures.downloadSeconds.median.toFixed(1)} s, ${figures.incomplete} incomplete; ${figures.wallSeconds.toFixed(1)} s wall`)
    return { variant, figures }
  }
  let validation: SimReport['validation'] = null
  if (opts.validation) {
    validation = await validate(results, [
      // Messages on a machine whose cores are saturated wait in event loops: 0.2 s one way.
      { label: 'CPU-bound, 0.2 s one-way message delay', config: (n, cpu) => benchCrowd(n, cpu, { accessLatency: [0.1, 0.1] }) },
      { label: 'CPU-bound, initial seeding on', config: (n, cpu) => benchCrowd(n, cpu, { initialSeeding: true }) }
    ])
    for (const r of validation.rows) opts.log(`validation N = ${r.peers}, ${r.label}: ${r.sim.allDoneSeconds.toFixed(1)} s (recorded ${r.recordedSeconds.median.toFixed(1)} s, ${(100 * r.timeError).toFixed(1)} %), origin ${r.sim.originVerifiedFactor.toFixed(2)}x (recorded ${r.recordedOrigin.median.toFixed(2)}x)`)
  }
  const flash: ScaleRun[] = []
  const churn: ScaleRun[] = []
  const settings = (variant: ScaleRun['variant']): Partial<SimConfig> => ({ ...(variant === 'what-if' ? WHAT_IF : {}), maxSeconds: opts.maxSeconds })
  for (const n of opts.ns) for (const v of opts.variants) flash.push(one(v, residentialFlash(n, settings(v))))
  for (const n of opts.churnNs) for (const v of opts.variants) churn.push(one(v, residentialChurn(n, settings(v))))
  return { date: new Date().toISOString(), mode: opts.quick ? 'quick' : 'full', validation, flash, churn }
}
