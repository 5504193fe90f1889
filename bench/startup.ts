/**
 * Start-up benchmark (issue 16, "Scale": a node up in <= 0.5 s and <= 0.6 CPU-s). Starts
 * `swarmdrop daemon --json` with a fresh temporary profile on 127.0.0.1 and measures, per run:
 *   - wall: from spawning the process to its first `listening` line on stdout;
 *   - cpu: the process's user + system CPU seconds at that moment (/proc/<pid>/stat, all its
 *     threads), read as the line arrives;
 * then stops it (SIGTERM) before the next run. Runs are one at a time; the median of each figure
 * is quoted, with the 1-minute load average before and after.
 *
 * Two configurations, each `--runs` times (default 5):
 *   - minimal: --no-dht --no-mdns (what a crowd of test or bench nodes runs);
 *   - dht: the DHT on, as a user's daemon on a named network (no bootstrap peers, so nothing is
 *     dialed). mDNS stays off in both: it would multicast on this machine's real interfaces.
 *
 * --vs DIR compares with another checkout (e.g. a git worktree of main): the runs alternate,
 * old, new, old, new…, so drift in the machine's load hits both alike. --from-source sets
 * SWARMDROP_FROM_SOURCE=1 (the CLI bundle, when built, is not used); --also-source adds this
 * checkout run from source as a third series (build the bundle first: `npm run build:cli`).
 * Without either, this checkout runs as `swarmdrop` does: the bundle if fresh, else the source.
 * --crowd N adds a third configuration: N minimal daemons started at once (the crowd of
 * 16), wall until the last is listening and the sum of their CPU seconds.
 * --once: one run of the minimal configuration, its figures printed, nothing written (for timing
 * this script as a whole from outside, e.g. with /usr/bin/time -v).
 *
 * Writes bench/results/startup.json (unless --once or --no-write).
 * Usage: node bench/startup.ts [--runs N] [--crowd N] [--vs DIR] [--from-source] [--also-source] [--once] [--no-write]
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import { removeTemps, tempDir } from '../test/helpers/files.ts'
import { JsonProcess, killAll, NODE_FLAGS } from '../test/helpers/processes.ts'
import { cpuSeconds, loadAverage1 } from './lib/proc-stats.ts'

const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    vs: { type: 'string' },
    'from-source': { type: 'boolean' },
    'also-source': { type: 'boolean' },
    once: { type: 'boolean' },
    crowd: { type: 'string' },
    'no-write': { type: 'boolean' }
  }
})
const RUNS = values.once === true ? 1 : Number(values.runs ?? 5)
const HERE = fileURLToPath(new URL('..', import.meta.url))

const CONFIGS = {
  minimal: ['--no-dht', '--no-mdns'],
  dht: ['--no-mdns']
} as const
type ConfigName = keyof typeof CONFIGS

interface Run { readonly wallMs: number, readonly cpuS: number }

/**
 * One start of `n` daemons at once (1 but for the crowd): spawn, wait for each one's `listening`,
 * read its CPU time then, stop them all. wall: until the last is listening; cpu: their sum.
 */
async function startOnce (checkout: string, fromSource: boolean, config: ConfigName, n = 1): Promise<Run> {
  const cli = join(checkout, 'node-core/bin/swarmdrop.mjs')
  // '0': the bin's own rule (a fresh bundle runs), not the test helpers' default of the source.
  const env = { SWARMDROP_FROM_SOURCE: fromSource ? '1' : '0' }
  const repos = await Promise.all(Array.from({ length: n }, async () => await tempDir('swarmdrop-startup-')))
  const t0 = performance.now()
  const procs = repos.map(repo => new JsonProcess(process.execPath, [...NODE_FLAGS, cli, 'daemon', '--repo', repo, '--network', 'bench-startup', '--listen', '/ip4/127.0.0.1/tcp/0', '--json', ...CONFIGS[config]], env, checkout))
  try {
    const each = await Promise.all(procs.map(async p => {
      // Checked in the data handler's turn: the CPU time is read as soon as the line is seen.
      let cpuS = Number.NaN
      const line = await p.waitFor(l => {
        if (l.event !== 'listening') return false
        if (Number.isNaN(cpuS)) cpuS = cpuSeconds(p.pid) ?? Number.NaN
        return true
      }, 120_000)
      return { wallMs: p.timeOf(line) - t0, cpuS }
    }))
    return { wallMs: Math.max(...each.map(r => r.wallMs)), cpuS: round(each.reduce((sum, r) => sum + r.cpuS, 0), 2) }
  } finally {
    await Promise.all(procs.map(async p => await p.kill()))
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
const round = (x: number, digits: number): number => Number(x.toFixed(digits))

interface Series { wallMs: number[], cpuS: number[], load: number[] }
const summary = (s: Series): Record<string, unknown> => ({
  wallMs: { median: round(median(s.wallMs), 0), min: round(Math.min(...s.wallMs), 0), max: round(Math.max(...s.wallMs), 0), values: s.wallMs.map(v => round(v, 0)) },
  cpuS: { median: round(median(s.cpuS), 2), min: Math.min(...s.cpuS), max: Math.max(...s.cpuS), values: s.cpuS },
  loadAverage1AtStart: s.load
})

try {
  const checkouts: Array<{ name: string, dir: string, fromSource: boolean }> = [{ name: 'this', dir: HERE, fromSource: values['from-source'] === true }]
  if (values['also-source'] === true) checkouts.push({ name: 'this-source', dir: HERE, fromSource: true })
  if (values.vs != null) checkouts.unshift({ name: 'vs', dir: resolve(values.vs), fromSource: true })
  const crowd = Number(values.crowd ?? 0)
  const configs: Array<ConfigName | 'crowd'> = values.once === true ? ['minimal'] : ['minimal', 'dht', ...(crowd > 0 ? ['crowd' as const] : [])]
  const loadBefore = loadAverage1()
  const series = new Map<string, Series>()
  for (const config of configs) {
    for (let run = 0; run < RUNS; run++) {
      for (const c of checkouts) { // alternating: vs, this, vs, this…
        const load = round(loadAverage1(), 2)
        const r = config === 'crowd' ? await startOnce(c.dir, c.fromSource, 'minimal', crowd) : await startOnce(c.dir, c.fromSource, config)
        const key = `${c.name}/${config}`
        const s = series.get(key) ?? { wallMs: [], cpuS: [], load: [] }
        s.load.push(load)
        s.wallMs.push(r.wallMs)
        s.cpuS.push(r.cpuS)
        series.set(key, s)
        console.log(`${key} run ${run + 1}: ${r.wallMs.toFixed(0)} ms to listening, ${r.cpuS.toFixed(2)} CPU-s (load ${load})`)
      }
    }
  }
  const loadAfter = loadAverage1()
  const results = Object.fromEntries([...series].map(([k, s]) => [k, summary(s)]))
  for (const [k, s] of series) console.log(`${k}: median ${median(s.wallMs).toFixed(0)} ms, ${median(s.cpuS).toFixed(2)} CPU-s (${s.wallMs.length} runs)`)
  console.log(`load average (1 min): ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`)
  if (values.once !== true && values['no-write'] !== true) {
    const out = {
      date: new Date().toISOString(),
      runs: RUNS,
      series: Object.fromEntries(checkouts.map(c => [c.name, `${c.dir}${c.fromSource ? ' (from source)' : ''}`])),
      vs: values.vs ?? null,
      loadAverage1: { before: round(loadBefore, 2), after: round(loadAfter, 2) },
      configs: Object.fromEntries(configs.map(c => [c, c === 'crowd' ? `${crowd} daemons at once, ${CONFIGS.minimal.join(' ')}` : CONFIGS[c].join(' ')])),
      results
    }
    await mkdir(join(HERE, 'bench/results'), { recursive: true })
    await writeFile(join(HERE, 'bench/results/startup.json'), JSON.stringify(out, null, 2) + '\n')
    console.log('wrote bench/results/startup.json')
  }
} finally {
  await killAll()
  await removeTemps()
}
