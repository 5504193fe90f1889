/** The figures of one simulated run: completion against the fluid lower bound, origin upload, spread. */
import { MiB } from './config.ts'
import type { SimConfig } from './config.ts'
import type { SwarmOutcome } from './swarm.ts'

export interface Spread {
  readonly count: number
  readonly median: number
  readonly p90: number
  readonly max: number
  readonly mean: number
}

export interface SimFigures {
  readonly name: string
  readonly peers: number
  readonly arrivals: 'flash' | 'poisson'
  readonly shareMiB: number
  readonly chunkKiB: number
  readonly originMiBps: number
  readonly initialSeeding: boolean
  readonly cpuMsPerMiB: number | null
  /** Peers that did not finish within maxSeconds. */
  readonly incomplete: number
  /** Mean fraction of the chunks the peers held at the end (1 when all finished). */
  readonly meanProgress: number
  /** Flash crowd: from the first arrival to the last completion (the benchmark's "all done"). */
  readonly allDoneSeconds: number
  /** Kumar and Ross: max(F / u_origin, F / d_min, N F / (u_origin + sum u_i)). */
  readonly fluidBoundSeconds: number
  readonly allDoneOverBound: number
  /** With `cpu`: N F x msPerMiB / cores, the machine's own bound. */
  readonly cpuBoundSeconds: number | null
  /** Bytes the origin sent, duplicates included, / share size. */
  readonly originUploadFactor: number
  /** Verified bytes downloaders got from the origin / share size (how the benchmark counts it). */
  readonly originVerifiedFactor: number
  /** Download time of each peer (completion - arrival), seconds. */
  readonly downloadSeconds: Spread
  readonly contributorSeconds: Spread | null
  readonly freeRiderSeconds: Spread | null
  readonly virtualSeconds: number
  readonly wallSeconds: number
}

function quantile (sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  const at = (sorted.length - 1) * q
  const lo = Math.floor(at)
  const hi = Math.ceil(at)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo)
}

export function spread (values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b)
  const mean = sorted.reduce((s, v) => s + v, 0) / (sorted.length || 1)
  return { count: sorted.length, median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), max: sorted[sorted.length - 1] ?? Number.NaN, mean }
}

export function fluidBound (shareBytes: number, originUp: number, ups: readonly number[], downs: readonly number[]): number {
  const sumUp = ups.reduce((s, u) => s + u, 0)
  return Math.max(shareBytes / originUp, shareBytes / Math.min(...downs), ups.length * shareBytes / (originUp + sumUp))
}

export function figuresOf (config: SimConfig, out: SwarmOutcome, wallSeconds: number): SimFigures {
  const F = config.shareBytes
  const finished = out.peers.filter(p => Number.isFinite(p.done))
  const times = finished.map(p => p.done - p.arrival)
  const firstArrival = Math.min(...out.peers.map(p => p.arrival))
  const bound = fluidBound(F, config.originUp, out.peers.map(p => p.up), out.peers.map(p => p.down))
  const allDone = finished.length === out.peers.length ? Math.max(...finished.map(p => p.done)) - firstArrival : Number.NaN
  const riders = finished.filter(p => p.freeRider).map(p => p.done - p.arrival)
  const contributors = finished.filter(p => !p.freeRider).map(p => p.done - p.arrival)
  const cpu = config.cpu
  return {
    name: config.name,
    peers: config.peers,
    arrivals: config.arrivals.kind,
    shareMiB: F / MiB,
    chunkKiB: config.chunkBytes / 1024,
    originMiBps: config.originUp / MiB,
    initialSeeding: config.initialSeeding,
    cpuMsPerMiB: cpu?.msPerMiB ?? null,
    incomplete: out.peers.length - finished.length,
    meanProgress: out.peers.reduce((sum, p) => sum + p.have.count / p.have.length, 0) / out.peers.length,
    allDoneSeconds: allDone,
    fluidBoundSeconds: bound,
    allDoneOverBound: allDone / bound,
    cpuBoundSeconds: cpu == null ? null : config.peers * (F / MiB) * cpu.msPerMiB / 1000 / cpu.cores,
    originUploadFactor: out.origin.uploaded / F,
    originVerifiedFactor: out.peers.reduce((s, p) => s + p.fromOrigin, 0) / F,
    downloadSeconds: spread(times),
    contributorSeconds: config.freeRiders > 0 ? spread(contributors) : null,
    freeRiderSeconds: config.freeRiders > 0 ? spread(riders) : null,
    virtualSeconds: out.seconds,
    wallSeconds
  }
}
