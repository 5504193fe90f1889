/** Flash crowd uncapped: N downloaders against one origin with no cap, against an HTTP server and N clients. */
import { baselineServer, startSeeder, stopAll } from '../lib/procs.ts'
import { httpCrowd, sourceSumsRow, swarmCrowd } from '../lib/crowd.ts'
import type { CrowdResult } from '../lib/crowd.ts'
import { figure, ratioOf, reportRow, show } from '../lib/result.ts'
import type { Context, Scenario, ScenarioResult } from '../lib/result.ts'
import { MiB } from '../lib/stats.ts'
import { tree } from '../lib/fixtures.ts'

export const flashCrowdUncapped: Scenario = {
  id: 'flash-crowd-uncapped',
  title: 'flash crowd uncapped: 1 origin, N downloaders started together',
  async run (ctx: Context): Promise<ScenarioResult> {
    const size = (ctx.quick ? 8 : 256) * MiB
    const n = ctx.quick ? 2 : 8
    const delivered = n * size / MiB
    const root = await tree('flash-crowd', { 'data.bin': size })
    try {
      const http = await baselineServer(['http-serve', '--bytes', String(size)])
      const origin = await startSeeder(`${root}/data.bin`)
      const t: number[] = []; const cpu: number[] = []; const ht: number[] = []; const hcpu: number[] = []; const up: number[] = []; const writes: number[] = []
      const crowds: CrowdResult[] = []
      for (let r = 0; r < ctx.repeats; r++) {
        const c = await swarmCrowd(origin, n, size)
        crowds.push(c)
        t.push(c.allDoneSeconds)
        cpu.push(1000 * c.cpuSeconds / delivered)
        up.push(c.originBytes / size)
        writes.push(c.writeSyscalls / delivered)
        const h = await httpCrowd(http, n)
        if (h.bytes !== n * size) throw new Error(`HTTP clients received ${h.bytes} of ${n * size} bytes`)
        ht.push(h.allDoneSeconds)
        hcpu.push(1000 * h.cpuSeconds / delivered)
        ctx.log(`  repeat ${r + 1}: swarmdrop ${c.allDoneSeconds.toFixed(1)} s, ${cpu.at(-1)!.toFixed(1)} CPU-ms/MiB, ${writes.at(-1)!.toFixed(0)} write syscalls/MiB; HTTP ${h.allDoneSeconds.toFixed(1)} s, ${hcpu.at(-1)!.toFixed(1)} CPU-ms/MiB`)
      }
      const figures = {
        allDoneSeconds: figure('s', t),
        cpuMsPerDeliveredMiB: figure('CPU-ms/MiB', cpu),
        originUploadShares: figure('x share', up),
        writeSyscallsPerDeliveredMiB: figure('writes/MiB', writes),
        httpAllDoneSeconds: figure('s', ht),
        httpCpuMsPerDeliveredMiB: figure('CPU-ms/MiB', hcpu)
      }
      return {
        id: this.id,
        title: this.title,
        params: { sizeMiB: size / MiB, n, repeats: ctx.repeats },
        figures,
        rows: [
          reportRow(`N = ${n}, ${size / MiB} MiB: all done`, show(figures.allDoneSeconds), `HTTP, ${n} clients: ${show(figures.httpAllDoneSeconds)}`, ratioOf(t, ht)),
          reportRow('CPU seconds per delivered MiB (all processes)', show(figures.cpuMsPerDeliveredMiB), `HTTP: ${show(figures.httpCpuMsPerDeliveredMiB)}`, ratioOf(cpu, hcpu)),
          sourceSumsRow(`N = ${n}: per-source bytes sum to the share`, crowds, n)
        ],
        notes: ['CPU: the origin and every downloader (Swarmdrop), the server and every client (HTTP), over the whole crowd, per MiB delivered (N x size).', ...crowds.flatMap(c => c.sourceSumProblems)]
      }
    } finally {
      await stopAll()
    }
  }
}
