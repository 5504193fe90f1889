/**
 * 1 -> 1 transfer compared across checkouts (issue 11: "not slower than before the split"). Per
 * run, one seeder (`share`) and one downloader (`get`) of the checkout under test, on 127.0.0.1
 * in a named network, move one file of random bytes:
 *   - ms: from the downloader's `listening` line to the file in place (its partial area, seen
 *     during the transfer, removed): dialing, handshake, manifest, every chunk hashed, written and
 *     fsynced; the CLI's later re-hash for its `complete` line is not counted;
 *   - cpu: CPU milliseconds (user + system, /proc/<pid>/stat) of both processes over that span,
 *     and of each (seeder, downloader).
 * Start-up and share creation are outside both figures. No baselines: `npm run bench -- --only
 * one-to-one` compares with the bare libp2p stream; this compares code with code, quickly (about
 * 8 s a run at 512 MiB), so that rounds enough to see past this machine's noise fit in minutes.
 *
 * The checkouts (this one, and each `--vs DIR`, e.g. a `git worktree` of an older commit with its
 * own or a shared node_modules) run in turn within a round, in reverse order every other round,
 * so drift in the machine's speed and an order effect hit all alike. Reported: each checkout's
 * median, min and max, and the ratio to the first `--vs` round by round (median, min, max).
 *
 * Usage: node bench/transfer-ab.ts --vs DIR [--vs DIR2 …] [--rounds 7] [--size-mib 512] [--out FILE]
 * Writes FILE (default bench/results/transfer-ab.json).
 */
import { execFileSync } from 'node:child_process'
import { randomFillSync } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { JsonProcess, killAll, NODE_FLAGS } from '../test/helpers/processes.ts'
import { cpuSeconds, loadAverage1 } from './lib/proc-stats.ts'
import { summarize } from './lib/stats.ts'

const { values } = parseArgs({
  options: {
    vs: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '7' },
    'size-mib': { type: 'string', default: '512' },
    out: { type: 'string' }
  }
})
const HERE = fileURLToPath(new URL('..', import.meta.url))
const ROUNDS = Number(values.rounds)
const SIZE = Number(values['size-mib']) * 1024 * 1024
const NETWORK = 'swarmdrop-bench-ab'
const COMMON = ['--json', '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--network', NETWORK]
if ((values.vs ?? []).length === 0) throw new Error('name at least one checkout to compare with: --vs DIR')
if (!(ROUNDS >= 1) || !(SIZE > 0)) throw new Error('--rounds and --size-mib must be positive')

interface Run { readonly ms: number, readonly cpuMs: number, readonly seederCpuMs: number, readonly downloaderCpuMs: number }

async function writeRandomFile (path: string, bytes: number): Promise<void> {
  const fh = await open(path, 'w')
  try {
    const block = Buffer.alloc(4 * 1024 * 1024)
    for (let done = 0; done < bytes; done += block.length) {
      randomFillSync(block)
      await fh.write(block, 0, Math.min(block.length, bytes - done))
    }
  } finally {
    await fh.close()
  }
}

const cpuMs = (pid: number): number => (cpuSeconds(pid) ?? Number.NaN) * 1000

/** One transfer of `file` with `checkout`'s CLI (run as its own bin decides: bundle if fresh, else source). */
async function transferOnce (checkout: string, file: string): Promise<Run> {
  const cli = join(checkout, 'node-core/bin/swarmdrop.mjs')
  const env = { SWARMDROP_FROM_SOURCE: '0' }
  const dir = await mkdtemp(join(tmpdir(), 'swarmdrop-ab-'))
  const out = join(dir, 'out')
  await mkdir(out)
  const seeder = new JsonProcess(process.execPath, [...NODE_FLAGS, cli, 'share', file, '--repo', join(dir, 'seeder'), ...COMMON], env, checkout)
  let downloader: JsonProcess | null = null
  try {
    const shared = await seeder.waitFor(l => l.event === 'shared', 300_000)
    downloader = new JsonProcess(process.execPath, [...NODE_FLAGS, cli, 'get', String(shared.link), '--out', out, '--repo', join(dir, 'downloader'), '--allow-private', ...COMMON], env, checkout)
    const d = downloader
    let start: { at: number, seeder: number, downloader: number } | null = null
    await d.waitFor(l => {
      if (l.event !== 'listening') return false
      start = { at: performance.now(), seeder: cpuMs(seeder.pid), downloader: cpuMs(d.pid) }
      return true
    }, 120_000)
    // The partial area is polled (10 ms) rather than watched: it must be seen first, since the
    // reserved target name can appear before it.
    const end = await new Promise<{ at: number, seeder: number, downloader: number }>((resolve, reject) => {
      let seen = false
      const deadline = performance.now() + 900_000
      const timer = setInterval(() => {
        if (performance.now() > deadline) { clearInterval(timer); reject(new Error(`${out} not complete after 900 s`)); return }
        const partial = existsSync(join(out, '.swarmdrop-partial'))
        if (partial) seen = true
        else if (seen && readdirSync(out).length > 0) {
          clearInterval(timer)
          resolve({ at: performance.now(), seeder: cpuMs(seeder.pid), downloader: cpuMs(d.pid) })
        }
      }, 10)
      d.waitFor(l => l.event === 'error', 900_000).then(l => { clearInterval(timer); reject(new Error(`download failed: ${JSON.stringify(l)}`)) }, () => {})
    })
    const s = start!
    return {
      ms: Math.round(end.at - s.at),
      cpuMs: Math.round(end.seeder - s.seeder + end.downloader - s.downloader),
      seederCpuMs: Math.round(end.seeder - s.seeder),
      downloaderCpuMs: Math.round(end.downloader - s.downloader)
    }
  } finally {
    await Promise.all([seeder.kill(), downloader?.kill()])
    await rm(dir, { recursive: true, force: true })
  }
}

const median = (xs: readonly number[]): number => summarize(xs).median
/** The commit a checkout is at (with `+` when it has changes), or null outside git. */
function commitOf (dir: string): string | null {
  try {
    const head = execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['-C', dir, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== ''
    return dirty ? `${head}+` : head
  } catch {
    return null
  }
}

const data = await mkdtemp(join(tmpdir(), 'swarmdrop-ab-data-'))
try {
  const checkouts = [...(values.vs ?? []).map(d => resolve(d)), HERE]
  const file = join(data, 'data.bin')
  await writeRandomFile(file, SIZE)
  const runs = new Map<string, Run[]>(checkouts.map(c => [c, []]))
  const loadBefore = loadAverage1()
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? checkouts : [...checkouts].reverse()
    for (const c of order) {
      const r = await transferOnce(c, file)
      runs.get(c)!.push(r)
      console.log(`round ${round + 1} ${c}: ${r.ms} ms, ${r.cpuMs} CPU-ms (seeder ${r.seederCpuMs}, downloader ${r.downloaderCpuMs})`)
    }
  }
  const base = runs.get(checkouts[0]!)!
  const figures = ['ms', 'cpuMs', 'seederCpuMs', 'downloaderCpuMs'] as const
  const results = Object.fromEntries(checkouts.map(c => {
    const rs = runs.get(c)!
    return [c, Object.fromEntries(figures.map(f => [f, {
      ...summarize(rs.map(r => r[f])),
      values: rs.map(r => r[f]),
      ratioToFirstVs: summarize(rs.map((r, i) => r[f] / base[i]![f]))
    }]))]
  }))
  for (const c of checkouts) {
    const rs = runs.get(c)!
    console.log(`${c}: median ${median(rs.map(r => r.ms))} ms, ${median(rs.map(r => r.cpuMs))} CPU-ms; CPU / first --vs round by round: median ${median(rs.map((r, i) => r.cpuMs / base[i]!.cpuMs)).toFixed(3)}`)
  }
  const outFile = resolve(values.out ?? join(HERE, 'bench/results/transfer-ab.json'))
  await mkdir(dirname(outFile), { recursive: true })
  await writeFile(outFile, JSON.stringify({
    date: new Date().toISOString(),
    sizeMiB: SIZE / 1024 / 1024,
    rounds: ROUNDS,
    loadAverage1: { before: loadBefore, after: loadAverage1() },
    checkouts,
    commits: checkouts.map(commitOf),
    results
  }, null, 1) + '\n')
  console.log(`wrote ${outFile}`)
} finally {
  await killAll()
  await rm(data, { recursive: true, force: true })
}
