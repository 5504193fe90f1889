/**
 * k seeders each capped at R (`--max-upload`) -> 1 downloader: the aggregate rate against k x R.
 * Every seeder shares the same folder from its own profile (same content, same share ID).
 */
import { rm } from 'node:fs/promises'
import { startDownload, startSeeder, stopAll, stopSwarm, stopProcess } from '../lib/procs.ts'
import type { Seeder } from '../lib/procs.ts'
import { figure, ratioOf, show, targetRow } from '../lib/result.ts'
import type { Context, Row, Scenario, ScenarioResult, Figure } from '../lib/result.ts'
import { MiB } from '../lib/stats.ts'
import { tree } from '../lib/fixtures.ts'

export const cappedSeeders: Scenario = {
  id: 'capped-seeders',
  title: 'k seeders each capped at R -> 1 downloader',
  async run (ctx: Context): Promise<ScenarioResult> {
    const rate = 4 * MiB
    const seconds = ctx.quick ? 2 : 8
    const ks = ctx.quick ? [1, 2] : [1, 2, 4, 8]
    const figures: Record<string, Figure> = {}
    const rows: Row[] = []
    const bars: Array<{ group: string, label: string, value: number, unit: string, baseline?: boolean }> = []
    try {
      for (const k of ks) {
        const size = k * (rate / MiB) * seconds * MiB
        const root = await tree(`capped-${k}`, { 'data.bin': size })
        const seeders: Seeder[] = []
        for (let i = 0; i < k; i++) seeders.push(await startSeeder(`${root}/data.bin`, ['--max-upload', `${rate / MiB}MiB`]))
        const got: number[] = []
        for (let r = 0; r < ctx.repeats; r++) {
          const d = await startDownload(seeders[0]!.link, seeders.slice(1).flatMap(s => ['--peer', s.address]))
          const f = await d.finished
          got.push(size / MiB / ((f.at - d.startedAt) / 1000))
          await d.proc.event('complete', 600_000) // the CLI's own report; a profile is only written after it
          await stopProcess(d.proc)
          await rm(d.out, { recursive: true, force: true })
          ctx.log(`  k=${k} repeat ${r + 1}: ${got.at(-1)!.toFixed(2)} MiB/s of ${k * rate / MiB}`)
        }
        await stopSwarm()
        const fig = figure('MiB/s', got)
        figures[`k${k}MiBps`] = fig
        const kr = k * rate / MiB
        rows.push(targetRow(`k = ${k}, ${size / MiB} MiB, aggregate vs k x R`, show(fig), `k x R = ${kr} MiB/s`, ratioOf(got, got.map(() => kr)), '>=', 0.9))
        bars.push({ group: `k seeders capped at ${rate / MiB} MiB/s`, label: `k=${k}`, value: fig.median, unit: 'MiB/s' }, { group: `k seeders capped at ${rate / MiB} MiB/s`, label: `k=${k}: k x R`, value: kr, unit: 'MiB/s', baseline: true })
      }
      return {
        id: this.id,
        title: this.title,
        params: { capMiBps: rate / MiB, secondsAtFullRate: seconds, ks, repeats: ctx.repeats },
        figures,
        rows,
        notes: [`Share size k x R x ${seconds} s; the time runs from the downloader's node being up to the files in place, so dialing and the manifest count against the rate.`],
        chart: { bars }
      }
    } finally {
      await stopAll()
    }
  }
}
