/**
 * Connection + first chunk latency: a downloader whose node is up gets a one-chunk (64 KiB) share
 * (dial, Noise, Yamux, handshake, manifest, one chunk verified, written, fsynced, moved into place),
 * against a bare libp2p dial + stream open + 1-byte echo.
 */
import { rm } from 'node:fs/promises'
import { baseline, baselineServer, startDownload, startSeeder, stopAll, stopProcess } from '../lib/procs.ts'
import { figure, reportRow, show } from '../lib/result.ts'
import type { Context, Scenario, ScenarioResult } from '../lib/result.ts'
import { round3 } from '../lib/stats.ts'
import { tree } from '../lib/fixtures.ts'

export const latency: Scenario = {
  id: 'latency',
  title: 'connection + first chunk latency',
  async run (ctx: Context): Promise<ScenarioResult> {
    const runs = Math.max(ctx.repeats, ctx.quick ? 2 : 5)
    const root = await tree('latency', { 'one-chunk.bin': 64 * 1024 })
    try {
      const seeder = await startSeeder(`${root}/one-chunk.bin`)
      const ours: number[] = []
      for (let r = 0; r < runs; r++) {
        const d = await startDownload(seeder.link)
        const f = await d.finished
        ours.push(f.at - d.startedAt)
        await d.proc.event('complete', 600_000) // the CLI's own report; a profile is only written after it
        await stopProcess(d.proc)
        await rm(d.out, { recursive: true, force: true })
      }
      const p2p = await baselineServer(['p2p-serve', '--bytes', '0'])
      return await result(this, ours, await echoTimes(p2p.address, runs), runs)
    } finally {
      await stopAll()
    }
  }
}

async function echoTimes (address: string, runs: number): Promise<{ first: number, warm: number[] }> {
  const p = baseline(['p2p-latency', '--addr', address, '--runs', String(runs + 1)])
  const done = await p.event('done', 120_000)
  const ms = done.ms as number[]
  return { first: ms[0]!, warm: ms.slice(1) }
}

function result (s: Scenario, ours: number[], echo: { first: number, warm: number[] }, runs: number): ScenarioResult {
  const figures = { swarmdropFirstChunkMs: figure('ms', ours), libp2pFirstDialEchoMs: figure('ms', [echo.first]), libp2pDialEchoMs: figure('ms', echo.warm) }
  return {
    id: s.id,
    title: s.title,
    params: { runs },
    figures,
    rows: [reportRow('one-chunk share: node up -> file in place', show(figures.swarmdropFirstChunkMs), `bare libp2p dial + stream + 1-byte echo: ${show(figures.libp2pDialEchoMs)} (first in a fresh process ${round3(echo.first)} ms)`, round3(figures.swarmdropFirstChunkMs.median / figures.libp2pDialEchoMs.median))],
    notes: ['Each Swarmdrop run is a fresh downloader process (a first dial in a cold process); the bare libp2p figure is measured in one process, the first dial reported apart from the warm ones.']
  }
}
