/**
 * Reach benchmark in a simulated internet (test/helpers/netsim.ts; root only). One public node
 * (DHT bootstrap and relay) on 3fff:1::/64; homes behind NAT66 + NAT44 routers (no direct path:
 * everything goes through the relay); two dual-stack homes with global IPv6 (direct).
 * All nodes run the default path with SWARMDROP_BOOTSTRAP_LIST. Measures, in the same run:
 *   - share -> first byte across two NATs: from the seeder's `shared` line to the downloader's first
 *     progress line with verified bytes (progress comes once a second: an upper bound), the
 *     downloader started at once with a bare link (found through the DHT);
 *   - share -> complete for the same 1 MiB share;
 *   - CPU per MiB (--cost-runs times, alternating): a large share relayed between two NAT'd homes
 *     (the relay's CPU time, utime + stime from /proc, per delivered MiB, and the seeder's and the
 *     downloader's) and the same share direct over global IPv6 (the seeder's and the downloader's:
 *     the baseline), each between the first verified bytes and completion;
 *   - the relay's memory per relayed stream: its RSS (VmRSS) with no circuit, then while N NAT'd
 *     downloaders (--streams) each fetch a different share of one NAT'd seeder through it at once
 *     (one circuit each), and its CPU per relayed MiB meanwhile (its own `relay` count of bytes).
 * Prints medians and writes bench/results/reach.json.
 * Usage: node bench/reach.ts [--runs N] [--mib N] [--cost-runs N] [--streams N] [--out FILE]
 * (--runs 0 --cost-runs 0: the memory scenario alone, on a relay that has relayed nothing before;
 * --out: write there instead of bench/results/reach.json.)
 */
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { makeTree, removeTemps, tempDir } from '../test/helpers/files.ts'
import { NetSim, netsimUnavailable } from '../test/helpers/netsim.ts'
import { killAll } from '../test/helpers/processes.ts'
import type { SimHost } from '../test/helpers/netsim.ts'
import type { JsonProcess } from '../test/helpers/processes.ts'

const { values } = parseArgs({ options: { runs: { type: 'string' }, mib: { type: 'string' }, 'cost-runs': { type: 'string' }, streams: { type: 'string' }, out: { type: 'string' } } })
const RUNS = Number(values.runs ?? 5)
const MIB = Number(values.mib ?? 64)
const COST_RUNS = Number(values['cost-runs'] ?? 3)
const STREAMS = Number(values.streams ?? 8)

function quantile (xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!
}

/** CPU time (user + system) of a process so far, in ms. */
function cpuMs (pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10 // clock ticks of 10 ms
}

/** Resident memory of a process now, in MiB. */
function rssMiB (pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(m![1]) / 1024
}

const median = (xs: number[]): number => quantile(xs, 0.5)
const load = (): number => Number(loadavg()[0]!.toFixed(1))
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

const unavailable = netsimUnavailable()
if (unavailable != null) {
  console.error(`reach benchmark: ${unavailable}`)
  process.exit(1)
}
const sim = NetSim.create()
try {
  const pub = sim.publicHost('relay')
  const relay = sim.swarmdrop(pub, ['daemon', '--repo', await tempDir(), '--listen', `/ip6/${pub.ip6}/tcp/4001`], { SWARMDROP_BOOTSTRAP_LIST: '' })
  const bootstrap = ((await relay.event('listening', 60_000)).addresses as string[])[0]!
  const env = { SWARMDROP_BOOTSTRAP_LIST: bootstrap }
  const nat = { seeder: sim.home('alice').host, downloader: sim.home('bob').host }
  const v6 = { seeder: sim.home('alice6', { ipv6: 'global' }).host, downloader: sim.home('bob6', { ipv6: 'global' }).host }

  async function download (pair: { seeder: SimHost, downloader: SimHost }, bytes: number, seederArgs: string[] = [], getArgs: string[] = []): Promise<{ seeder: JsonProcess, get: JsonProcess, shared: Record<string, unknown> }> {
    const src = await tempDir()
    await makeTree(join(src, 's'), { 'a.bin': bytes })
    const seeder = sim.swarmdrop(pair.seeder, ['share', join(src, 's'), '--repo', await tempDir(), ...seederArgs], env)
    const shared = await seeder.event('shared', 60_000)
    const get = sim.swarmdrop(pair.downloader, ['get', `swarmdrop://${shared.shareId as string}`, '--out', await tempDir(), '--repo', await tempDir(), '--stall-timeout', '120', ...getArgs], env)
    return { seeder, get, shared }
  }

  const firstByte: number[] = []
  const complete: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const { seeder, get, shared } = await download(nat, 1024 * 1024)
    // A download done within a second has no progress line with bytes: then its completion counts.
    const first = await get.waitFor(l => (l.event === 'progress' && (l.verifiedBytes as number) > 0) || l.event === 'complete', 180_000)
    const done = await get.event('complete', 180_000)
    firstByte.push(get.timeOf(first) - seeder.timeOf(shared))
    complete.push(get.timeOf(done) - seeder.timeOf(shared))
    console.log(`run ${run + 1}: share -> first byte ${Math.round(firstByte.at(-1)!)} ms, -> complete ${Math.round(complete.at(-1)!)} ms`)
    await seeder.kill()
    await get.kill()
  }

  /**
   * A large share from `pair.seeder` to `pair.downloader`, from the first verified bytes to
   * completion: throughput, and CPU ms per delivered MiB of the relay, the seeder and the downloader.
   */
  async function large (pair: { seeder: SimHost, downloader: SimHost }): Promise<{ mbps: number, relay: number, seeder: number, downloader: number, load: number }> {
    const { seeder, get } = await download(pair, MIB * 1024 * 1024, [], ['--seed'])
    const first = await get.waitFor(l => l.event === 'progress' && (l.verifiedBytes as number) > 0, 180_000)
    const cpu0 = [relay.pid, seeder.pid, get.pid].map(cpuMs)
    const done = await get.event('complete', 600_000)
    const cpu1 = [relay.pid, seeder.pid, get.pid].map(cpuMs)
    const mib = ((done.bytes as number) - (first.verifiedBytes as number)) / 1024 / 1024
    await seeder.kill()
    await get.kill()
    const [r, s, d] = cpu1.map((c, i) => (c - cpu0[i]!) / mib)
    return { mbps: mib * 1.048576 / ((get.timeOf(done) - get.timeOf(first)) / 1000), relay: r!, seeder: s!, downloader: d!, load: load() }
  }
  const relayedRuns: Array<Awaited<ReturnType<typeof large>>> = []
  const directRuns: Array<Awaited<ReturnType<typeof large>>> = []
  for (let run = 0; run < COST_RUNS; run++) {
    relayedRuns.push(await large(nat))
    directRuns.push(await large(v6))
    const [a, b] = [relayedRuns.at(-1)!, directRuns.at(-1)!]
    console.log(`cost run ${run + 1}: relayed ${a.mbps.toFixed(1)} MB/s, relay ${a.relay.toFixed(1)} CPU-ms/MiB (seeder ${a.seeder.toFixed(1)}, downloader ${a.downloader.toFixed(1)}); direct ${b.mbps.toFixed(1)} MB/s, seeder ${b.seeder.toFixed(1)}, downloader ${b.downloader.toFixed(1)} (load ${a.load}, ${b.load})`)
  }

  /**
   * The relay's RSS with no circuit, then with STREAMS relayed downloads at once: one NAT'd seeder
   * of STREAMS shares (capped, so that they run together for a while), one NAT'd downloader each.
   */
  async function relayMemory (): Promise<{ idleMiB: number[], busyMiB: number[], perStreamMiB: number, relayCpuMsPerRelayedMiB: number, relayedMiB: number, load: number }> {
    const src = await tempDir()
    const dirs: string[] = []
    for (let i = 0; i < STREAMS; i++) { dirs.push(join(src, `s${i}`)); await makeTree(dirs.at(-1)!, { 'a.bin': 16 * 1024 * 1024 }) }
    const seederHome = sim.home('mem-seeder').host
    const seeder = sim.swarmdrop(seederHome, ['share', ...dirs, '--repo', await tempDir(), '--max-upload', `${STREAMS / 2}MiB`], env)
    const shares: string[] = []
    while (shares.length < STREAMS) shares.push((await seeder.waitFor(l => l.event === 'shared' && !shares.includes(l.shareId as string), 120_000)).shareId as string)
    const homes = shares.map((_s, i) => sim.home(`mem${i}`).host)
    await sleep(5000) // the seeder's reservation made, nothing relayed
    const idleMiB: number[] = []
    for (let i = 0; i < 5; i++) { idleMiB.push(rssMiB(relay.pid)); await sleep(1000) }
    const gets = shares.map((id, i) => sim.swarmdrop(homes[i]!, ['get', `swarmdrop://${id}`, '--out', tempOut[i]!, '--repo', tempRepo[i]!, '--stall-timeout', '240'], env))
    await Promise.all(gets.map(async g => await g.waitFor(l => l.event === 'progress' && (l.verifiedBytes as number) > 0, 300_000)))
    const relayed = (): number => ((relay.lines.findLast(l => l.event === 'relay')?.relay as { relayedBytes: number } | undefined)?.relayedBytes ?? 0)
    const cpu0 = cpuMs(relay.pid)
    const bytes0 = relayed()
    const busyMiB: number[] = []
    // Sampled while every download still runs (all started, none complete).
    while (gets.every(g => g.lines.every(l => l.event !== 'complete'))) { busyMiB.push(rssMiB(relay.pid)); await sleep(1000) }
    const cpu1 = cpuMs(relay.pid)
    const relayedMiB = (relayed() - bytes0) / 1024 / 1024
    const at = load()
    await Promise.all(gets.map(async g => await g.kill()))
    await seeder.kill()
    return { idleMiB, busyMiB, perStreamMiB: (median(busyMiB) - median(idleMiB)) / STREAMS, relayCpuMsPerRelayedMiB: (cpu1 - cpu0) / relayedMiB, relayedMiB, load: at }
  }
  const tempOut: string[] = []
  const tempRepo: string[] = []
  for (let i = 0; i < STREAMS; i++) { tempOut.push(await tempDir()); tempRepo.push(await tempDir()) }
  const memory = await relayMemory()
  console.log(`relay RSS: ${median(memory.idleMiB).toFixed(1)} MiB with no circuit, ${median(memory.busyMiB).toFixed(1)} MiB with ${STREAMS} relayed downloads (${memory.busyMiB.length} samples): ${memory.perStreamMiB.toFixed(2)} MiB per stream; ${memory.relayCpuMsPerRelayedMiB.toFixed(1)} CPU-ms per relayed MiB meanwhile (${memory.relayedMiB.toFixed(0)} MiB, load ${memory.load})`)

  const result = {
    runs: RUNS,
    shareToFirstByteMs: { median: quantile(firstByte, 0.5), p90: quantile(firstByte, 0.9) },
    shareToCompleteMs: { median: quantile(complete, 0.5), p90: quantile(complete, 0.9) },
    largeShareMiB: MIB,
    costRuns: COST_RUNS,
    relayedMBps: median(relayedRuns.map(r => r.mbps)),
    directIPv6MBps: median(directRuns.map(r => r.mbps)),
    /** CPU ms per delivered MiB, medians: the relay of a relayed transfer; the seeder and downloader of each. */
    relayCpuMsPerRelayedMiB: median(relayedRuns.map(r => r.relay)),
    relayedSeederCpuMsPerMiB: median(relayedRuns.map(r => r.seeder)),
    relayedDownloaderCpuMsPerMiB: median(relayedRuns.map(r => r.downloader)),
    directSeederCpuMsPerMiB: median(directRuns.map(r => r.seeder)),
    directDownloaderCpuMsPerMiB: median(directRuns.map(r => r.downloader)),
    relayCpuMsPerMiBDuringDirect: median(directRuns.map(r => r.relay)),
    costRunsDetail: { relayed: relayedRuns, direct: directRuns },
    relayMemory: {
      streams: STREAMS,
      idleRssMiB: median(memory.idleMiB),
      busyRssMiB: median(memory.busyMiB),
      busyRssRangeMiB: [Math.min(...memory.busyMiB), Math.max(...memory.busyMiB)],
      samples: memory.busyMiB.length,
      perStreamMiB: memory.perStreamMiB,
      relayCpuMsPerRelayedMiB: memory.relayCpuMsPerRelayedMiB,
      relayedMiB: memory.relayedMiB,
      load: memory.load
    }
  }
  console.log(JSON.stringify(result, null, 2))
  const dir = join(import.meta.dirname, 'results')
  await mkdir(dir, { recursive: true })
  await writeFile(values.out ?? join(dir, 'reach.json'), JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2) + '\n')
} finally {
  await killAll()
  sim.destroy()
  await removeTemps()
}
