/** Peak memory (VmHWM) of every process while one downloader takes a 2 GiB folder from 4 sources. */
import { rm } from 'node:fs/promises'
import { peakRssBytes } from '../lib/proc-stats.ts'
import { startDownload, startSeeder, stopAll, stopProcess } from '../lib/procs.ts'
import type { Seeder } from '../lib/procs.ts'
import { figure, show } from '../lib/result.ts'
import type { Context, Row, Scenario, ScenarioResult } from '../lib/result.ts'
import { MiB } from '../lib/stats.ts'
import { tree } from '../lib/fixtures.ts'
import { mixedFolder } from '../lib/tree-sizes.ts'

const LIMIT_MIB = 300

export const peakMemory: Scenario = {
  id: 'peak-memory',
  title: 'peak memory while downloading a 2 GiB folder from 4 sources',
  async run (ctx: Context): Promise<ScenarioResult> {
    const spec = mixedFolder(ctx.quick)
    const total = Object.values(spec).reduce((a, b) => a + b, 0)
    const root = await tree('mixed', spec)
    try {
      const seeders: Seeder[] = []
      for (let i = 0; i < 4; i++) seeders.push(await startSeeder(root))
      const dl: number[] = []; const rate: number[] = []
      for (let r = 0; r < ctx.repeats; r++) {
        const d = await startDownload(seeders[0]!.link, seeders.slice(1).flatMap(s => ['--peer', s.address]))
        const f = await d.finished
        dl.push((peakRssBytes(d.proc.pid) ?? Number.NaN) / MiB)
        rate.push(total / MiB / ((f.at - d.startedAt) / 1000))
        const complete = await d.proc.event('complete', 600_000)
        const sources = (complete.sources as Array<{ bytes: number }>).filter(s => s.bytes > 0).length
        await stopProcess(d.proc)
        await rm(d.out, { recursive: true, force: true })
        ctx.log(`  repeat ${r + 1}: downloader peak RSS ${dl.at(-1)!.toFixed(0)} MiB, ${rate.at(-1)!.toFixed(0)} MiB/s from ${sources} sources`)
      }
      const seederRss = seeders.map(s => (peakRssBytes(s.proc.pid) ?? Number.NaN) / MiB)
      const figures = { downloaderPeakRssMiB: figure('MiB', dl), seederPeakRssMiB: figure('MiB', seederRss), downloadMiBps: figure('MiB/s', rate) }
      const row = (label: string, f: typeof figures.downloaderPeakRssMiB): Row => ({ label, measured: show(f), baseline: '—', ratio: null, target: `<= ${LIMIT_MIB} MiB`, met: f.max <= LIMIT_MIB })
      return {
        id: this.id,
        title: this.title,
        params: { totalMiB: total / MiB, sources: 4, repeats: ctx.repeats },
        figures,
        rows: [row(`downloader peak RSS, ${total / MiB} MiB from 4 sources (max over repeats)`, figures.downloaderPeakRssMiB), row('seeder peak RSS (each of 4; max)', figures.seederPeakRssMiB)],
        notes: ['Peak RSS is VmHWM from /proc/<pid>/status, read while the process is alive after the download; the seeders figure includes building the share (hashing in worker threads).']
      }
    } finally {
      await stopAll()
    }
  }
}
