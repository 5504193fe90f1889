/**
 * 1 seeder -> 1 downloader: throughput and CPU per MiB (both processes) against a bare libp2p
 * stream on the same TCP + Noise + Yamux stack, a plain TCP socket and Node HTTP, in the same run.
 */
import { rm } from 'node:fs/promises'
import { cpuSeconds, peakRssBytes } from '../lib/proc-stats.ts'
import { baselineServer, baselineTransfer, startDownload, startSeeder, stopAll, stopProcess } from '../lib/procs.ts'
import { figure, ratioOf, reportRow, show, targetRow } from '../lib/result.ts'
import { MiB } from '../lib/stats.ts'
import { tree } from '../lib/fixtures.ts'
import type { Context, Scenario, ScenarioResult } from '../lib/result.ts'

export const oneToOne: Scenario = {
  id: 'one-to-one',
  title: '1 seeder -> 1 downloader',
  async run (ctx: Context): Promise<ScenarioResult> {
    const size = (ctx.quick ? 32 : 512) * MiB
    const mib = size / MiB
    const root = await tree('one-to-one', { 'data.bin': size })
    try {
      const seeder = await startSeeder(`${root}/data.bin`)
      const p2p = await baselineServer(['p2p-serve', '--bytes', String(size)])
      const tcp = await baselineServer(['tcp-serve', '--bytes', String(size)])
      const http = await baselineServer(['http-serve', '--bytes', String(size)])
      const rate: Record<string, number[]> = { swarmdrop: [], libp2p: [], tcp: [], http: [] }
      const cpu: Record<string, number[]> = { swarmdrop: [], libp2p: [], tcp: [], http: [] }
      const rss: { downloader: number[], seeder: number[] } = { downloader: [], seeder: [] }
      for (let i = 0; i < ctx.repeats; i++) {
        const seedCpu0 = cpuSeconds(seeder.proc.pid) ?? Number.NaN
        const d = await startDownload(seeder.link, [], [seeder.proc.pid])
        const f = await d.finished
        const seconds = (f.at - d.startedAt) / 1000
        rate.swarmdrop!.push(mib / seconds)
        cpu.swarmdrop!.push(1000 * ((f.cpu[0]! - d.cpuAtStart) + (f.cpu[1]! - seedCpu0)) / mib)
        rss.downloader.push((peakRssBytes(d.proc.pid) ?? Number.NaN) / MiB)
        await d.proc.event('complete', 600_000) // the CLI's own report; a profile is only written after it
        await stopProcess(d.proc)
        await rm(d.out, { recursive: true, force: true })
        for (const [name, server, args] of [
          ['libp2p', p2p, ['p2p-get', '--addr', p2p.address]],
          ['tcp', tcp, ['tcp-get', '--port', String(tcp.port)]],
          ['http', http, ['http-get', '--port', String(http.port)]]
        ] as const) {
          const r = await baselineTransfer(server.proc, [...args])
          if (r.bytes !== size) throw new Error(`${name} baseline received ${r.bytes} of ${size} bytes`)
          rate[name]!.push(mib / (r.ms / 1000))
          cpu[name]!.push(1000 * (r.cpuSeconds + r.serverCpuSeconds) / mib)
        }
        ctx.log(`  repeat ${i + 1}: swarmdrop ${rate.swarmdrop!.at(-1)!.toFixed(0)} MiB/s, libp2p ${rate.libp2p!.at(-1)!.toFixed(0)}, tcp ${rate.tcp!.at(-1)!.toFixed(0)}, http ${rate.http!.at(-1)!.toFixed(0)}; CPU ms/MiB swarmdrop ${cpu.swarmdrop!.at(-1)!.toFixed(1)}, libp2p ${cpu.libp2p!.at(-1)!.toFixed(1)}`)
      }
      rss.seeder.push((peakRssBytes(seeder.proc.pid) ?? Number.NaN) / MiB)
      const figures = {
        swarmdropMiBps: figure('MiB/s', rate.swarmdrop!),
        libp2pMiBps: figure('MiB/s', rate.libp2p!),
        tcpMiBps: figure('MiB/s', rate.tcp!),
        httpMiBps: figure('MiB/s', rate.http!),
        swarmdropCpuMsPerMiB: figure('CPU-ms/MiB', cpu.swarmdrop!),
        libp2pCpuMsPerMiB: figure('CPU-ms/MiB', cpu.libp2p!),
        tcpCpuMsPerMiB: figure('CPU-ms/MiB', cpu.tcp!),
        httpCpuMsPerMiB: figure('CPU-ms/MiB', cpu.http!),
        downloaderPeakRssMiB: figure('MiB', rss.downloader),
        seederPeakRssMiB: figure('MiB', rss.seeder)
      }
      const baselines = `bare libp2p ${show(figures.libp2pMiBps)}; TCP ${show(figures.tcpMiBps)}; HTTP ${show(figures.httpMiBps)}`
      return {
        id: this.id,
        title: this.title,
        params: { sizeMiB: mib, repeats: ctx.repeats, baselineWriteBytes: 64 * 1024 },
        figures,
        rows: [
          targetRow(`throughput, ${mib} MiB (vs bare libp2p stream)`, show(figures.swarmdropMiBps), baselines, ratioOf(rate.swarmdrop!, rate.libp2p!), '>=', 0.9),
          targetRow('CPU per MiB, both processes (vs bare libp2p stream)', show(figures.swarmdropCpuMsPerMiB), `bare libp2p ${show(figures.libp2pCpuMsPerMiB)}; TCP ${show(figures.tcpCpuMsPerMiB)}; HTTP ${show(figures.httpCpuMsPerMiB)}`, ratioOf(cpu.swarmdrop!, cpu.libp2p!), '<=', 1.3),
          reportRow('throughput vs plain TCP socket', show(figures.swarmdropMiBps), `TCP ${show(figures.tcpMiBps)}`, ratioOf(rate.swarmdrop!, rate.tcp!)),
          reportRow('throughput vs Node HTTP', show(figures.swarmdropMiBps), `HTTP ${show(figures.httpMiBps)}`, ratioOf(rate.swarmdrop!, rate.http!))
        ],
        notes: [
          'Swarmdrop time: from the downloader\'s node being up (its `listening` line) to the file in place (the partial area removed); it includes dialing, the handshake, the manifest, hashing every chunk, writing and fsyncing. The CLI\'s later re-hash for its `complete` line is not counted.',
          'Baselines push 64 KiB writes from memory; their time runs from the client\'s dial to the last byte.',
          'CPU: user + system seconds of both processes over the transfer (/proc/<pid>/stat for Swarmdrop and the baseline servers, process.cpuUsage in the baseline clients).'
        ],
        chart: { bars: (['swarmdrop', 'libp2p', 'tcp', 'http'] as const).map(k => ({ group: `1 -> 1, ${mib} MiB`, label: k === 'libp2p' ? 'bare libp2p' : k === 'tcp' ? 'TCP socket' : k === 'http' ? 'Node HTTP' : 'Swarmdrop', value: figures[`${k}MiBps`].median, unit: 'MiB/s', baseline: k !== 'swarmdrop' })) }
      }
    } finally {
      await stopAll()
    }
  }
}
