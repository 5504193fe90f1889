/**
 * Discovery benchmark on a local Kad-DHT of 50 nodes (48 DHT-server daemons, a seeder and a
 * downloader, all real processes on 127.0.0.1, each knowing one bootstrap address). Each run
 * shares new content and measures:
 *   - share -> found: from the seeder's `shared` line to the downloader's first DHT `provider` line
 *     (the downloader starts as soon as the seeder has announced);
 *   - announce: how long the seeder's provide took (its own figure);
 *   - time to first byte: from starting the downloader with a link without hints until its 1 MiB
 *     download is complete and verified (an upper bound on the first byte: one 64 KiB chunk of
 *     16 arrives before it; progress is only reported once a second, too coarse to time).
 * Prints median and p90 over the runs and writes bench/results/discovery.json.
 * With --debug, the seeder and downloader log each provide round and lookup (SWARMDROP_DEBUG_DHT)
 * and a failed run prints those lines and which peers hold the record.
 * Usage: node bench/discovery.ts [--runs N] [--nodes N] [--debug]
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { makeTree, removeTemps, tempDir } from '../test/helpers/files.ts'
import { killAll, killAllExcept, swarmdrop } from '../test/helpers/processes.ts'
import type { JsonProcess } from '../test/helpers/processes.ts'

const { values } = parseArgs({ options: { runs: { type: 'string' }, nodes: { type: 'string' }, debug: { type: 'boolean' } } })
const RUNS = Number(values.runs ?? 10)
const NODES = Number(values.nodes ?? 50)
const DHT = ['--dht-server', '--allow-private']
const ENV = values.debug === true ? { ...process.env, SWARMDROP_DEBUG_DHT: '1' } : undefined
const debugLines = (p: JsonProcess): string => p.stderr.split('\n').filter(l => l.startsWith('{"debug"')).join('\n')

function quantile (xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!
}

try {
  const started = performance.now()
  const first = swarmdrop(['daemon', '--repo', await tempDir(), ...DHT])
  const firstAddr = ((await first.event('listening')).addresses as string[])[0]!
  const others: JsonProcess[] = []
  for (let i = 1; i < NODES - 2; i++) others.push(swarmdrop(['daemon', '--repo', await tempDir(), ...DHT, '--bootstrap', firstAddr]))
  const addrs = [firstAddr, ...await Promise.all(others.map(async p => ((await p.event('listening', 120_000)).addresses as string[])[0]!))]
  await first.waitFor(l => l.event === 'dht' && (l.dht as { routingTableSize: number }).routingTableSize >= 10, 120_000)
  console.log(`${NODES - 2} DHT daemons up in ${((performance.now() - started) / 1000).toFixed(1)} s`)

  const rows: Array<{ announceMs: number, stored: number, shareToFoundMs: number, ttfbMs: number }> = []
  const failures: string[] = []
  let procs: JsonProcess[] = []
  for (let run = 0; run < RUNS; run++) {
    try {
    const src = await tempDir()
    await makeTree(join(src, `bench-${run}`), { 'data.bin': 1024 * 1024 })
    const pick = (): string => addrs[Math.floor(Math.random() * addrs.length)]!
    const seeder = swarmdrop(['share', join(src, `bench-${run}`), '--repo', await tempDir(), ...DHT, '--bootstrap', pick()], ENV)
    procs = [seeder]
    const shared = await seeder.event('shared', 60_000)
    const announced = await seeder.waitFor(l => l.event === 'announced' || l.event === 'announce-failed', 120_000)
    if (announced.event === 'announce-failed') throw new Error(`announce failed: ${announced.message as string}`)
    const get = swarmdrop(['get', `swarmdrop://${shared.shareId as string}`, '--out', await tempDir(), '--repo', await tempDir(), '--allow-private', '--bootstrap', pick(), '--stall-timeout', '60'], ENV)
    procs = [seeder, get]
    const provider = await get.waitFor(l => l.event === 'provider' && l.via === 'dht', 120_000)
    const complete = await get.event('complete', 120_000)
    const row = {
      announceMs: announced.ms as number,
      stored: announced.stored as number,
      shareToFoundMs: Math.round(get.timeOf(provider) - seeder.timeOf(shared)),
      ttfbMs: Math.round(get.timeOf(complete) - get.startedAt)
    }
    rows.push(row)
    console.log(`run ${run + 1}/${RUNS}: announce ${row.announceMs} ms (stored on ${row.stored}), share->found ${row.shareToFoundMs} ms, 1 MiB complete (first byte at most) ${row.ttfbMs} ms`)
    } catch (err) {
      failures.push((err as Error).message.split('\n')[0]!.slice(0, 200))
      console.log(`run ${run + 1}/${RUNS}: FAILED: ${failures[failures.length - 1]}`)
      if (values.debug === true) for (const p of procs) console.log(debugLines(p))
    } finally {
      await killAllExcept(others.concat(first))
    }
  }
  console.log(`\n${rows.length} of ${RUNS} runs found the share and completed; ${failures.length} failed`)
  const summary = Object.fromEntries((['announceMs', 'shareToFoundMs', 'ttfbMs'] as const).map(k => {
    const xs = rows.map(r => r[k])
    return [k, { median: quantile(xs, 0.5), p90: quantile(xs, 0.9), min: Math.min(...xs), max: Math.max(...xs) }]
  }))
  console.log('\n| figure | median | p90 | min | max |\n|---|---|---|---|---|')
  for (const [k, v] of Object.entries(summary)) console.log(`| ${k} | ${v.median} | ${v.p90} | ${v.min} | ${v.max} |`)
  const out = new URL('./results/', import.meta.url)
  await mkdir(out, { recursive: true })
  await writeFile(new URL('discovery.json', out), JSON.stringify({ date: new Date().toISOString(), nodes: NODES, runs: RUNS, summary, rows, failures }, null, 2) + '\n')
} finally {
  await killAll()
  await removeTemps()
}
