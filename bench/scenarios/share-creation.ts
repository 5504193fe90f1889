/**
 * Share creation of a folder of many files and one big file (2 GiB): walking and hashing every
 * chunk in worker threads, against `sha256sum` over the same files (one process, one core).
 */
import { execFile } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { cpuSeconds } from '../lib/proc-stats.ts'
import { startSeeder, stopAll, stopSwarm } from '../lib/procs.ts'
import { figure, ratioOf, show, targetRow } from '../lib/result.ts'
import type { Context, Scenario, ScenarioResult } from '../lib/result.ts'
import { MiB } from '../lib/stats.ts'
import { tree } from '../lib/fixtures.ts'
import { mixedFolder } from '../lib/tree-sizes.ts'

const run = promisify(execFile)

async function sha256sumSeconds (files: string[]): Promise<number> {
  const t0 = performance.now()
  await run('sha256sum', ['--', ...files], { maxBuffer: 64 * 1024 * 1024 })
  return (performance.now() - t0) / 1000
}

export const shareCreation: Scenario = {
  id: 'share-creation',
  title: 'share creation of a folder (many files and one big file)',
  async run (ctx: Context): Promise<ScenarioResult> {
    const spec = mixedFolder(ctx.quick)
    const total = Object.values(spec).reduce((a, b) => a + b, 0)
    const root = await tree('mixed', spec)
    const files = (await readdir(root, { recursive: true, withFileTypes: true })).filter(e => e.isFile()).map(e => join(e.parentPath, e.name))
    try {
      await sha256sumSeconds(files) // warms the page cache for both
      const ours: number[] = []; const theirs: number[] = []; const cpu: number[] = []
      for (let r = 0; r < ctx.repeats; r++) {
        const s = await startSeeder(root)
        ours.push(total / MiB / (s.shareMs / 1000))
        cpu.push(cpuSeconds(s.proc.pid) ?? Number.NaN)
        await stopSwarm()
        theirs.push(total / MiB / await sha256sumSeconds(files))
        ctx.log(`  repeat ${r + 1}: swarmdrop share ${ours.at(-1)!.toFixed(0)} MiB/s, sha256sum ${theirs.at(-1)!.toFixed(0)} MiB/s`)
      }
      const figures = { swarmdropMiBps: figure('MiB/s', ours), sha256sumMiBps: figure('MiB/s', theirs), swarmdropProcessCpuSeconds: figure('CPU-s', cpu) }
      return {
        id: this.id,
        title: this.title,
        params: { totalMiB: total / MiB, files: files.length, repeats: ctx.repeats },
        figures,
        rows: [targetRow(`${total / MiB} MiB, ${files.length} files: hashing rate vs sha256sum`, show(figures.swarmdropMiBps), `sha256sum ${show(figures.sha256sumMiBps)}`, ratioOf(ours, theirs), '>=', 1.0)],
        notes: ['Swarmdrop: from the node being up (`listening`) to the `shared` line (walk, hash every chunk in worker threads, encode the manifest, record the share). Files in the page cache for both.']
      }
    } finally {
      await stopAll()
    }
  }
}
