/** A flash crowd: N downloaders started together against one origin, and the HTTP equivalent. */
import { rm } from 'node:fs/promises'
import { cpuSeconds, peakRssBytes } from './proc-stats.ts'
import { baselineClient, startDownload, stopProcess } from './procs.ts'
import type { Seeder } from './procs.ts'
import type { JsonProcess } from '../../test/helpers/processes.ts'

export interface CrowdResult {
  /** From the first downloader's node being up to the last download in place. */
  readonly allDoneSeconds: number
  /** From the first downloader's node being up to the first download in place. */
  readonly firstDoneSeconds: number
  /** From the first downloader up to the last one up (process start-up on a loaded machine). */
  readonly startSpreadSeconds: number
  /** Bytes the origin delivered, summed from every downloader's per-source report. */
  readonly originBytes: number
  /** CPU seconds of the origin and every downloader over the crowd. */
  readonly cpuSeconds: number
  readonly maxPeakRssBytes: number
}

export async function swarmCrowd (origin: Seeder, n: number): Promise<CrowdResult> {
  const originCpu0 = cpuSeconds(origin.proc.pid) ?? Number.NaN
  const ds = await Promise.all(Array.from({ length: n }, () => startDownload(origin.link)))
  const finishes = await Promise.all(ds.map(d => d.finished))
  const cpu = (cpuSeconds(origin.proc.pid) ?? Number.NaN) - originCpu0 +
    ds.reduce((s, d) => s + (cpuSeconds(d.proc.pid) ?? Number.NaN) - d.cpuAtStart, 0)
  const start = Math.min(...ds.map(d => d.startedAt))
  const end = Math.max(...finishes.map(f => f.at))
  const completes = await Promise.all(ds.map(d => d.proc.event('complete', 600_000)))
  let originBytes = 0
  for (const c of completes) {
    for (const s of c.sources as Array<{ peerId: string, bytes: number }>) if (s.peerId === origin.peerId) originBytes += s.bytes
  }
  const maxPeakRssBytes = Math.max(...ds.map(d => peakRssBytes(d.proc.pid) ?? 0))
  await Promise.all(ds.map(d => stopProcess(d.proc)))
  await Promise.all(ds.map(d => rm(d.out, { recursive: true, force: true })))
  return {
    allDoneSeconds: (end - start) / 1000,
    firstDoneSeconds: (Math.min(...finishes.map(f => f.at)) - start) / 1000,
    startSpreadSeconds: (Math.max(...ds.map(d => d.startedAt)) - start) / 1000,
    originBytes,
    cpuSeconds: cpu,
    maxPeakRssBytes
  }
}

export interface HttpCrowdResult { readonly allDoneSeconds: number, readonly cpuSeconds: number, readonly bytes: number }

/** N HTTP clients (processes) started together against `server`; the slowest client's time. */
export async function httpCrowd (server: { proc: JsonProcess, port: number }, n: number): Promise<HttpCrowdResult> {
  const before = cpuSeconds(server.proc.pid) ?? Number.NaN
  const results = await Promise.all(Array.from({ length: n }, () => baselineClient(['http-get', '--port', String(server.port)])))
  const serverCpu = (cpuSeconds(server.proc.pid) ?? Number.NaN) - before
  return {
    allDoneSeconds: Math.max(...results.map(r => r.ms)) / 1000,
    cpuSeconds: serverCpu + results.reduce((s, r) => s + r.cpuSeconds, 0),
    bytes: results.reduce((s, r) => s + r.bytes, 0)
  }
}
