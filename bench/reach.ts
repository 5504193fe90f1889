/**
 * Reach benchmark in a simulated internet (test/helpers/netsim.ts; root only). One public node
 * (DHT bootstrap and relay) on 3fff:1::/64; two homes behind NAT66 + NAT44 routers (no direct
 * path: everything goes through the relay); two dual-stack homes with global IPv6 (direct).
 * All nodes run the default path with SWARMDROP_BOOTSTRAP_LIST. Measures, in the same run:
 *   - share -> first byte across two NATs: from the seeder's `shared` line to the downloader's first
 *     progress line with verified bytes (progress comes once a second: an upper bound), the
 *     downloader started at once with a bare link (found through the DHT);
 *   - share -> complete for the same 1 MiB share;
 *   - relayed throughput of one large share, and the relay's CPU time per relayed MiB
 *     (utime + stime from /proc, before and after);
 *   - the same large download direct over global IPv6.
 * Prints median and p90 and writes bench/results/reach.json.
 * Usage: node bench/reach.ts [--runs N] [--mib N]
 */
import { readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { makeTree, removeTemps, tempDir } from '../test/helpers/files.ts'
import { NetSim, netsimUnavailable } from '../test/helpers/netsim.ts'
import { killAll } from '../test/helpers/processes.ts'
import type { SimHost } from '../test/helpers/netsim.ts'
import type { JsonProcess } from '../test/helpers/processes.ts'

const { values } = parseArgs({ options: { runs: { type: 'string' }, mib: { type: 'string' } } })
const RUNS = Number(values.runs ?? 5)
const MIB = Number(values.mib ?? 64)

function quantile (xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!
}

/** CPU time (user + system) of a process so far, in ms. */
function cpuMs (pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10 // clock ticks of 10 ms
}

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

  async function download (pair: { seeder: SimHost, downloader: SimHost }, bytes: number, seederArgs: string[] = []): Promise<{ seeder: JsonProcess, get: JsonProcess, shared: Record<string, unknown> }> {
    const src = await tempDir()
    await makeTree(join(src, 's'), { 'a.bin': bytes })
    const seeder = sim.swarmdrop(pair.seeder, ['share', join(src, 's'), '--repo', await tempDir(), ...seederArgs], env)
    const shared = await seeder.event('shared', 60_000)
    const get = sim.swarmdrop(pair.downloader, ['get', `swarmdrop://${shared.shareId as string}`, '--out', await tempDir(), '--repo', await tempDir(), '--stall-timeout', '120'], env)
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

  /** Seconds from the first verified bytes to completion of a large share, and the relay's CPU meanwhile. */
  async function large (pair: { seeder: SimHost, downloader: SimHost }): Promise<{ mbps: number, relayCpuMsPerMiB: number }> {
    const { seeder, get } = await download(pair, MIB * 1024 * 1024)
    const first = await get.waitFor(l => l.event === 'progress' && (l.verifiedBytes as number) > 0, 180_000)
    const cpu0 = cpuMs(relay.pid)
    const done = await get.event('complete', 600_000)
    const cpu1 = cpuMs(relay.pid)
    const bytes = (done.bytes as number) - (first.verifiedBytes as number)
    await seeder.kill()
    await get.kill()
    return { mbps: bytes / 1e6 / ((get.timeOf(done) - get.timeOf(first)) / 1000), relayCpuMsPerMiB: (cpu1 - cpu0) / (bytes / 1024 / 1024) }
  }
  const relayed = await large(nat)
  const direct = await large(v6)

  const result = {
    runs: RUNS,
    shareToFirstByteMs: { median: quantile(firstByte, 0.5), p90: quantile(firstByte, 0.9) },
    shareToCompleteMs: { median: quantile(complete, 0.5), p90: quantile(complete, 0.9) },
    relayedMBps: relayed.mbps,
    relayCpuMsPerRelayedMiB: relayed.relayCpuMsPerMiB,
    directIPv6MBps: direct.mbps,
    relayCpuMsPerMiBDuringDirect: direct.relayCpuMsPerMiB,
    largeShareMiB: MIB
  }
  console.log(JSON.stringify(result, null, 2))
  const dir = join(import.meta.dirname, 'results')
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'reach.json'), JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2) + '\n')
} finally {
  await killAll()
  sim.destroy()
  await removeTemps()
}
