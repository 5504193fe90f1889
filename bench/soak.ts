/**
 * Long run with peer churn (real processes on 127.0.0.1, a named network, no mDNS). Two long-lived
 * subjects: an origin seeder (`share`) and a downloader that keeps seeding (`get --seed`). For the
 * whole run, new downloaders join every few seconds from fresh profiles and either finish or are
 * SIGKILLed at a random moment (at most a few at once), so the subjects see connections, sessions
 * and transfers open and close all the time. Each subject samples its heap (after a full GC),
 * RSS and open file descriptors every 2 s (bench/soak-probe.ts). Prints the series and the
 * least-squares slope of each over the run after a warm-up, writes bench/results/soak.json and
 * the summary between the soak markers of docs/SECURITY.md.
 * Usage: node bench/soak.ts [--minutes 4] [--seed N]
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { makeTree, removeTemps, tempDir } from '../test/helpers/files.ts'
import { CLI, JsonProcess, NODE_FLAGS, TEST_NETWORK, killAll, swarmdrop } from '../test/helpers/processes.ts'
import { seededRandom } from '../test/helpers/random.ts'

const { values } = parseArgs({ options: { minutes: { type: 'string' }, seed: { type: 'string' } } })
const MINUTES = Number(values.minutes ?? 4)
const SEED = Number(values.seed ?? 1)
const MiB = 2 ** 20
const WARM_UP = 0.25
const MAX_CHURNERS = 3
const PROBE = fileURLToPath(new URL('soak-probe.ts', import.meta.url))
const DOC = fileURLToPath(new URL('../docs/SECURITY.md', import.meta.url))

interface Sample { t: number, heapUsed: number, rss: number, fds: number }

/** A swarmdrop process with the probe loaded, sampling into `file`. */
function subject (args: string[], file: string): JsonProcess {
  return new JsonProcess(process.execPath, [...NODE_FLAGS, '--expose-gc', '--import', PROBE, CLI, ...args, '--json', '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--network', TEST_NETWORK], { SWARMDROP_SOAK_PROBE: file })
}

async function samples (file: string): Promise<Sample[]> {
  return (await readFile(file, 'utf8')).trim().split('\n').filter(Boolean).map(l => JSON.parse(l) as Sample)
}

/** Least-squares slope of y over x. */
function slope (xs: number[], ys: number[]): number {
  const n = xs.length
  const mx = xs.reduce((a, b) => a + b, 0) / n
  const my = ys.reduce((a, b) => a + b, 0) / n
  let num = 0
  let den = 0
  for (let i = 0; i < n; i++) { num += (xs[i]! - mx) * (ys[i]! - my); den += (xs[i]! - mx) ** 2 }
  return den === 0 ? 0 : num / den
}

function summarise (name: string, series: Sample[]): Record<string, number | string> {
  const t0 = series[0]!.t
  const end = series.at(-1)!.t
  const kept = series.filter(s => s.t - t0 >= WARM_UP * (end - t0))
  const minutes = kept.map(s => (s.t - t0) / 60_000)
  const mean = (k: keyof Sample): number => kept.reduce((a, s) => a + s[k], 0) / kept.length
  return {
    subject: name,
    samples: kept.length,
    heapMiB: +(mean('heapUsed') / MiB).toFixed(1),
    heapSlopeMiBPerMin: +(slope(minutes, kept.map(s => s.heapUsed)) / MiB).toFixed(3),
    rssMiB: +(mean('rss') / MiB).toFixed(1),
    rssSlopeMiBPerMin: +(slope(minutes, kept.map(s => s.rss)) / MiB).toFixed(3),
    fds: +mean('fds').toFixed(1),
    fdsSlopePerMin: +slope(minutes, kept.map(s => s.fds)).toFixed(3),
    fdsFirst: kept[0]!.fds,
    fdsLast: kept.at(-1)!.fds
  }
}

const random = seededRandom(SEED)
try {
  const src = await tempDir()
  const folder = join(src, 'soak')
  await makeTree(folder, { 'a.bin': 12 * MiB, 'b/c.bin': 3 * MiB + 5, 'd.txt': 1000 })
  const probeDir = await tempDir()
  const originFile = join(probeDir, 'origin.jsonl')
  const seedFile = join(probeDir, 'seeder.jsonl')
  const origin = subject(['share', folder, '--repo', await tempDir(), '--max-upload', '8MiB'], originFile)
  const originAddr = ((await origin.event('listening')).addresses as string[])[0]!
  const shared = await origin.event('shared', 120_000)
  const link = shared.link as string
  const seeder = subject(['get', link, '--out', await tempDir(), '--repo', await tempDir(), '--allow-private', '--seed', '--max-upload', '8MiB'], seedFile)
  const seederAddr = ((await seeder.event('listening')).addresses as string[])[0]!
  await seeder.event('complete', 120_000)

  const started = Date.now()
  const deadline = started + MINUTES * 60_000
  const churners = new Set<JsonProcess>()
  let joined = 0
  let completed = 0
  let killed = 0
  while (Date.now() < deadline) {
    if (churners.size < MAX_CHURNERS) {
      const p = swarmdrop(['get', link, '--out', await tempDir(), '--repo', await tempDir(), '--allow-private', '--peer', seederAddr, '--peer', originAddr])
      joined++
      churners.add(p)
      const life = 2000 + random() * 20_000 // some finish, some are killed part-way
      const timer = setTimeout(() => { if (p.child.exitCode == null) { killed++; p.kill('SIGKILL').catch(() => {}) } }, life)
      p.exited.then(code => { clearTimeout(timer); churners.delete(p); if (code === 0) completed++ }, () => {})
    }
    if (origin.child.exitCode != null || seeder.child.exitCode != null) throw new Error(`a subject exited: ${origin.stderr.slice(-500)} ${seeder.stderr.slice(-500)}`)
    await new Promise(resolve => setTimeout(resolve, 1000 + random() * 3000))
    process.stdout.write(`\r${Math.round((Date.now() - started) / 1000)} s: ${joined} downloaders joined, ${completed} finished, ${killed} killed   `)
  }
  process.stdout.write('\n')
  await new Promise(resolve => setTimeout(resolve, 3000))
  const result = {
    date: new Date().toISOString(),
    minutes: MINUTES,
    seed: SEED,
    downloadersJoined: joined,
    downloadersFinished: completed,
    downloadersKilled: killed,
    warmUpDropped: WARM_UP,
    subjects: [summarise('origin (share)', await samples(originFile)), summarise('seeding downloader (get --seed)', await samples(seedFile))]
  }
  console.table(result.subjects)
  await mkdir(new URL('results/', import.meta.url), { recursive: true })
  const series = JSON.stringify({ origin: await samples(originFile), seeder: await samples(seedFile) }) // one line: the summary stays readable
  await writeFile(new URL('results/soak.json', import.meta.url), JSON.stringify({ ...result, series: '<series>' }, null, 2).replace('"<series>"', series) + '\n')
  const table = [
    `Last run: ${result.date}, ${MINUTES} min, seed ${SEED}: ${joined} downloaders joined, ${completed} finished, ${killed} SIGKILLed; slopes fitted after the first ${WARM_UP * 100}% of the run (heap after a full GC).`,
    '',
    '| subject | heap MiB | heap slope MiB/min | RSS MiB | RSS slope MiB/min | fds | fds slope /min | fds first → last |',
    '|---|---|---|---|---|---|---|---|',
    ...result.subjects.map(s => `| ${s.subject} | ${s.heapMiB} | ${s.heapSlopeMiBPerMin} | ${s.rssMiB} | ${s.rssSlopeMiBPerMin} | ${s.fds} | ${s.fdsSlopePerMin} | ${s.fdsFirst} → ${s.fdsLast} |`)
  ].join('\n')
  const doc = await readFile(DOC, 'utf8')
  const updated = doc.replace(/<!-- soak:start -->[\s\S]*<!-- soak:end -->/, `<!-- soak:start -->\n${table}\n<!-- soak:end -->`)
  if (updated !== doc) await writeFile(DOC, updated)
} finally {
  await killAll()
  await removeTemps()
}
