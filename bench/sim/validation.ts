/**
 * Validation against the recorded real-process runs (bench/results/latest.json): the capped flash
 * crowd (256 MiB, 256 KiB chunks, origin capped at 8 MiB/s, N = 8 and 16 on one 2-core machine)
 * simulated with the machine's CPU as the shared limit. The CPU model is calibrated on *other*
 * recorded scenarios, never on the crowd it predicts:
 * - per delivered MiB: the 1 -> 1 transfer's CPU per MiB (both processes; no peer to announce to);
 * - per HAVE message: what the uncapped crowd of 8 (same share, same chunks) costs beyond that,
 *   divided by the HAVEs it sends per MiB (each downloader announces every chunk to the 7 others).
 */
import { readFile } from 'node:fs/promises'
import { MiB, benchCrowd } from './config.ts'
import type { CpuModel, SimConfig } from './config.ts'
import type { SimFigures } from './figures.ts'
import { simulate } from './simulate.ts'

interface Recorded { id: string, params: Record<string, unknown>, figures: Record<string, { median: number, min: number, max: number }> }

export interface Calibration extends CpuModel {
  readonly oneToOneMsPerMiB: number
  readonly crowdMsPerMiB: number
  readonly crowdPeers: number
  readonly chunkBytes: number
}

export interface ValidationRow {
  readonly label: string
  readonly peers: number
  readonly recordedSeconds: { median: number, min: number, max: number }
  readonly recordedOrigin: { median: number, min: number, max: number }
  readonly sim: SimFigures
  /** sim / recorded median - 1. */
  readonly timeError: number
  readonly originError: number
}

async function recorded (path: string): Promise<Map<string, Recorded>> {
  const run = JSON.parse(await readFile(path, 'utf8')) as { scenarios: Recorded[] }
  return new Map(run.scenarios.map(s => [s.id, s]))
}

function fig (r: Map<string, Recorded>, id: string, name: string): { median: number, min: number, max: number } {
  const f = r.get(id)?.figures[name]
  if (f == null) throw new Error(`recorded results lack ${id}.${name}`)
  return f
}

export function calibrate (r: Map<string, Recorded>, chunkBytes: number): Calibration {
  const oneToOne = fig(r, 'one-to-one', 'swarmdropCpuMsPerMiB').median
  const crowd = fig(r, 'flash-crowd-uncapped', 'cpuMsPerDeliveredMiB').median
  const n = Number(r.get('flash-crowd-uncapped')!.params.n)
  const havesPerMiB = (n - 1) * MiB / chunkBytes
  return { cores: 2, msPerMiB: oneToOne, msPerHave: (crowd - oneToOne) / havesPerMiB, oneToOneMsPerMiB: oneToOne, crowdMsPerMiB: crowd, crowdPeers: n, chunkBytes }
}

/** Simulates the recorded crowds; `variants` adds rows with other settings (sensitivity). */
export async function validate (resultsJson: string, variants: ReadonlyArray<{ label: string, config: (n: number, cpu: CpuModel) => SimConfig }> = []): Promise<{ calibration: Calibration, rows: ValidationRow[] }> {
  const r = await recorded(resultsJson)
  const ns = (r.get('flash-crowd')?.params.ns as number[] | undefined) ?? [8, 16]
  const calibration = calibrate(r, benchCrowd(ns[0]!, null).chunkBytes)
  const cpu: CpuModel = { cores: calibration.cores, msPerMiB: calibration.msPerMiB, msPerHave: calibration.msPerHave }
  const all = [
    { label: 'links unlimited, no CPU limit', config: (n: number) => benchCrowd(n, null) },
    { label: 'CPU-bound (calibrated), loopback latency', config: (n: number) => benchCrowd(n, cpu) },
    ...variants.map(v => ({ label: v.label, config: (n: number) => v.config(n, cpu) }))
  ]
  const rows: ValidationRow[] = []
  for (const v of all) {
    for (const n of ns) {
      const sim = simulate(v.config(n))
      const t = fig(r, 'flash-crowd', `n${n}AllDoneSeconds`)
      const o = fig(r, 'flash-crowd', `n${n}OriginUploadShares`)
      rows.push({ label: v.label, peers: n, recordedSeconds: t, recordedOrigin: o, sim, timeError: sim.allDoneSeconds / t.median - 1, originError: sim.originVerifiedFactor / o.median - 1 })
    }
  }
  return { calibration, rows }
}
