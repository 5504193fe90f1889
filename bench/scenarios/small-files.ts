/** 20,000 small files (1–64 KiB): share + download, against tar over a TCP socket of the same tree. */
import { rm } from 'node:fs/promises'
import { tempDir } from '../../test/helpers/files.ts'
import { baselineServer, baselineTransfer, startDownload, startSeeder, stopAll, stopSwarm } from '../lib/procs.ts'
import { figure, ratioOf, reportRow, show } from '../lib/result.ts'
import type { Context, Scenario, ScenarioResult } from '../lib/result.ts'
import { smallFiles } from '../lib/fixtures.ts'

export const smallFilesScenario: Scenario = {
  id: 'small-files',
  title: 'many small files (1–64 KiB): share + download',
  async run (ctx: Context): Promise<ScenarioResult> {
    const count = ctx.quick ? 500 : 20_000
    const root = await smallFiles('small', count)
    try {
      const tar = await baselineServer(['tar-serve', '--dir', root])
      const share: number[] = []; const download: number[] = []; const both: number[] = []; const tarS: number[] = []
      let bytes = 0
      for (let r = 0; r < ctx.repeats; r++) {
        const s = await startSeeder(root)
        const d = await startDownload(s.link)
        const f = await d.finished
        share.push(s.shareMs / 1000)
        download.push((f.at - d.startedAt) / 1000)
        both.push(share.at(-1)! + download.at(-1)!)
        await stopSwarm()
        await rm(d.out, { recursive: true, force: true })
        const into = await tempDir('swarmdrop-bench-tar-')
        const t = await baselineTransfer(tar.proc, ['tar-get', '--port', String(tar.port), '--dir', into])
        bytes = t.bytes
        tarS.push(t.ms / 1000)
        await rm(into, { recursive: true, force: true })
        ctx.log(`  repeat ${r + 1}: share ${share.at(-1)!.toFixed(1)} s + download ${download.at(-1)!.toFixed(1)} s; tar over TCP ${tarS.at(-1)!.toFixed(1)} s`)
      }
      const figures = { shareSeconds: figure('s', share), downloadSeconds: figure('s', download), shareAndDownloadSeconds: figure('s', both), tarOverTcpSeconds: figure('s', tarS) }
      return {
        id: this.id,
        title: this.title,
        params: { files: count, tarStreamBytes: bytes, repeats: ctx.repeats },
        figures,
        rows: [
          reportRow(`${count} files: download time vs tar over TCP (ratio = time / tar time)`, show(figures.downloadSeconds), `tar ${show(figures.tarOverTcpSeconds)}`, ratioOf(download, tarS)),
          reportRow(`${count} files: share + download vs tar over TCP`, show(figures.shareAndDownloadSeconds), `tar ${show(figures.tarOverTcpSeconds)}`, ratioOf(both, tarS))
        ],
        notes: ['Times here are seconds (lower is better); the ratio is Swarmdrop time over tar time. tar -c | TCP | tar -x does no hashing and no fsync.']
      }
    } finally {
      await stopAll()
    }
  }
}
