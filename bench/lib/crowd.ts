/** A flash crowd: N downloaders started together against one origin, and the HTTP equivalent. */
import { rm } from 'node:fs/promises'
import { cpuSeconds, peakRssBytes, writeSyscalls } from './proc-stats.ts'
import { baselineClient, startDownload, stopProcess } from './procs.ts'
import type { Seeder } from './procs.ts'
import type { JsonProcess } from '../../test/helpers/processes.ts'
import type { Row } from './result.ts'

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
  /** Write system calls of the origin (over the crowd) and every downloader (since it started): a message-per-write cost shows here. */
  readonly writeSyscalls: number
  /** Downloaders whose per-source bytes do not sum to the share, one line each (checkSourceSums); empty when exact. */
  readonly sourceSumProblems: readonly string[]
}

/**
 * Exact per-source accounting: every downloader's `complete` line must attribute each byte of the
 * share to exactly one source (its sources' bytes plus `earlierBytes`, those on disk before the
 * run, sum to the share). One line per downloader where they do not; empty when all are exact.
 */
export function checkSourceSums (completes: ReadonlyArray<Record<string, unknown>>, shareBytes: number): string[] {
  const problems: string[] = []
  completes.forEach((c, i) => {
    const sources = (c.sources ?? []) as Array<{ peerId: string, bytes: number }>
    const sum = sources.reduce((s, x) => s + x.bytes, 0) + (typeof c.earlierBytes === 'number' ? c.earlierBytes : 0)
    if (c.bytes !== shareBytes || sum !== shareBytes) {
      problems.push(`downloader ${i + 1}: sources sum to ${sum} bytes (${sum - shareBytes > 0 ? '+' : ''}${sum - shareBytes}) of a ${shareBytes}-byte share (complete line says ${String(c.bytes)}; ${sources.length} sources)`)
    }
  })
  return problems
}

/** A row that fails (MISSED) when any downloader of any repeat had per-source bytes not summing to the share. */
export function sourceSumsRow (label: string, crowds: readonly CrowdResult[], downloaders: number): Row {
  const wrong = crowds.reduce((s, c) => s + c.sourceSumProblems.length, 0)
  const all = crowds.length * downloaders
  return { label, measured: `${all - wrong} of ${all} downloaders exact`, baseline: 'every byte attributed to one source', ratio: all > 0 ? (all - wrong) / all : null, target: '= 1', met: wrong === 0 }
}

/** N downloaders started together against `origin` (sharing `shareBytes`); the crowd's times, CPU and per-source check. */
export async function swarmCrowd (origin: Seeder, n: number, shareBytes: number): Promise<CrowdResult> {
  const originCpu0 = cpuSeconds(origin.proc.pid) ?? Number.NaN
  const originWrites0 = writeSyscalls(origin.proc.pid) ?? Number.NaN
  const ds = await Promise.all(Array.from({ length: n }, () => startDownload(origin.link)))
  const finishes = await Promise.all(ds.map(d => d.finished))
  const cpu = (cpuSeconds(origin.proc.pid) ?? Number.NaN) - originCpu0 +
    ds.reduce((s, d) => s + (cpuSeconds(d.proc.pid) ?? Number.NaN) - d.cpuAtStart, 0)
  const writes = (writeSyscalls(origin.proc.pid) ?? Number.NaN) - originWrites0 + ds.reduce((s, d) => s + (writeSyscalls(d.proc.pid) ?? Number.NaN), 0)
  const start = Math.min(...ds.map(d => d.startedAt))
  const end = Math.max(...finishes.map(f => f.at))
  const completes = await Promise.all(ds.map(d => d.proc.event('complete', 600_000)))
  let originBytes = 0
  for (const c of completes) {
    for (const s of c.sources as Array<{ peerId: string, bytes: number }>) if (s.peerId === origin.peerId) originBytes += s.bytes
  }
  const sourceSumProblems = checkSourceSums(completes, shareBytes)
  // Loud: a wrong sum makes every per-source figure (the origin's share above all) untrustworthy.
  for (const p of sourceSumProblems) console.log(`  PER-SOURCE SUM WRONG: ${p}`)
  const maxPeakRssBytes = Math.max(...ds.map(d => peakRssBytes(d.proc.pid) ?? 0))
  await Promise.all(ds.map(d => stopProcess(d.proc)))
  await Promise.all(ds.map(d => rm(d.out, { recursive: true, force: true })))
  return {
    allDoneSeconds: (end - start) / 1000,
    firstDoneSeconds: (Math.min(...finishes.map(f => f.at)) - start) / 1000,
    startSpreadSeconds: (Math.max(...ds.map(d => d.startedAt)) - start) / 1000,
    originBytes,
    cpuSeconds: cpu,
    maxPeakRssBytes,
    writeSyscalls: writes,
    sourceSumProblems
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
