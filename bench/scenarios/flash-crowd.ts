/**
 * Flash crowd: one origin capped at R, N downloaders started together (they serve each other).
 * Targets: all done within 1.25 x the lower bound share_size / R; the origin uploads at most
 * 1.15 x the share. Baseline: an HTTP server capped at R serving N clients (measured on a smaller
 * file, since it needs N x size / R by construction; its time is scaled to the share size).
 */
import { baselineServer, startSeeder, stopAll, stopSwarm } from '../lib/procs.ts'
import { httpCrowd, sourceSumsRow, swarmCrowd } from '../lib/crowd.ts'
import type { CrowdResult } from '../lib/crowd.ts'
import { figure, ratioOf, reportRow, show, targetRow } from '../lib/result.ts'
import type { Context, Figure, Row, Scenario, ScenarioResult } from '../lib/result.ts'
import { MiB, round3 } from '../lib/stats.ts'
import { tree } from '../lib/fixtures.ts'

export const flashCrowd: Scenario = {
  id: 'flash-crowd',
  title: 'flash crowd: 1 origin capped at R, N downloaders started together',
  async run (ctx: Context): Promise<ScenarioResult> {
    const size = (ctx.quick ? 8 : 256) * MiB
    const rate = (ctx.quick ? 4 : 8) * MiB
    const ns = ctx.quick ? [2, 4] : [8, 16]
    const httpSize = size / (ctx.quick ? 4 : 16)
    const lowerBound = size / rate
    const root = await tree('flash-crowd', { 'data.bin': size })
    const figures: Record<string, Figure> = {}
    const rows: Row[] = []
    const swarmLine: Array<[number, number]> = []
    const httpLine: Array<[number, number]> = []
    const sumProblems: string[] = []
    try {
      const http = await baselineServer(['http-serve', '--bytes', String(httpSize), '--rate', String(rate)])
      for (const n of ns) {
        const origin = await startSeeder(`${root}/data.bin`, ['--max-upload', `${rate / MiB}MiB`])
        const done: number[] = []
        const uploads: number[] = []
        const spread: number[] = []
        const crowds: CrowdResult[] = []
        for (let r = 0; r < ctx.repeats; r++) {
          const c = await swarmCrowd(origin, n, size)
          crowds.push(c)
          sumProblems.push(...c.sourceSumProblems.map(p => `N = ${n}, repeat ${r + 1}: ${p}`))
          done.push(c.allDoneSeconds)
          uploads.push(c.originBytes / size)
          spread.push(c.startSpreadSeconds)
          ctx.log(`  N=${n} repeat ${r + 1}: all done in ${c.allDoneSeconds.toFixed(1)} s (first ${c.firstDoneSeconds.toFixed(1)} s; lower bound ${lowerBound} s), origin uploaded ${(c.originBytes / size).toFixed(2)}x, start spread ${c.startSpreadSeconds.toFixed(1)} s`)
        }
        await stopSwarm()
        const h = await httpCrowd(http, n)
        const httpScaled = h.allDoneSeconds * size / httpSize
        ctx.log(`  N=${n} HTTP capped: ${h.allDoneSeconds.toFixed(1)} s for ${httpSize / MiB} MiB each -> ${httpScaled.toFixed(0)} s scaled to ${size / MiB} MiB`)
        figures[`n${n}AllDoneSeconds`] = figure('s', done)
        figures[`n${n}OriginUploadShares`] = figure('x share', uploads)
        figures[`n${n}StartSpreadSeconds`] = figure('s', spread)
        figures[`n${n}HttpCappedSecondsScaled`] = figure('s', [httpScaled])
        rows.push(
          targetRow(`N = ${n}: all done / lower bound (${size / MiB} MiB at ${rate / MiB} MiB/s = ${lowerBound} s)`, show(figures[`n${n}AllDoneSeconds`]!), `lower bound ${lowerBound} s; HTTP capped at R: ${round3(httpScaled)} s (N x size / R)`, ratioOf(done, done.map(() => lowerBound)), '<=', 1.25),
          targetRow(`N = ${n}: origin upload / share size`, show(figures[`n${n}OriginUploadShares`]!), 'HTTP: N x share', round3(figures[`n${n}OriginUploadShares`]!.median), '<=', 1.15),
          reportRow(`N = ${n}: all done vs HTTP capped at R`, show(figures[`n${n}AllDoneSeconds`]!), `${round3(httpScaled)} s`, round3(figures[`n${n}AllDoneSeconds`]!.median / httpScaled)),
          sourceSumsRow(`N = ${n}: per-source bytes sum to the share`, crowds, n)
        )
        swarmLine.push([n, figures[`n${n}AllDoneSeconds`]!.median])
        httpLine.push([n, httpScaled])
      }
      return {
        id: this.id,
        title: this.title,
        params: { sizeMiB: size / MiB, capMiBps: rate / MiB, ns, repeats: ctx.repeats, httpBaselineSizeMiB: httpSize / MiB },
        figures,
        rows,
        notes: [
          'All done: from the first downloader\'s node being up to the last download in place; the downloaders are separate processes started at once, and their start-up spread (figure nStartSpreadSeconds) counts against them.',
          `The capped HTTP baseline was measured with ${httpSize / MiB} MiB per client and scaled linearly to ${size / MiB} MiB (it is bound by N x size / R).`,
          ...sumProblems
        ],
        chart: {
          lines: [
            { label: 'Swarmdrop, all done', points: swarmLine },
            { label: 'lower bound size / R', points: ns.map(n => [n, lowerBound] as [number, number]) },
            { label: 'target 1.25 x lower bound', points: ns.map(n => [n, 1.25 * lowerBound] as [number, number]) },
            { label: 'HTTP capped at R', points: httpLine }
          ]
        }
      }
    } finally {
      await stopAll()
    }
  }
}
