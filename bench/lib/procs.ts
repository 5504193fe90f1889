/**
 * Starting the processes a scenario measures: real `swarmdrop` seeders and downloaders, and the
 * baseline peers (bench/baselines/peer.ts), all on 127.0.0.1 in a named network with mDNS off.
 * A download's completion is seen the moment it happens: the engine's last step is to move the files
 * into place and remove `<out>/.swarmdrop-partial`, which an fs.watch on the out folder reports
 * (the CLI's `complete` line comes later, after it re-hashes every file for its report).
 */
import { existsSync, readdirSync, watch } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../../test/helpers/files.ts'
import { NODE_FLAGS } from '../../node-core/bin/node-flags.mjs'
import { CLI, JsonProcess, killAll } from '../../test/helpers/processes.ts'
import { cpuSeconds } from './proc-stats.ts'

export const BENCH_NETWORK = 'swarmdrop-bench'
const PEER = fileURLToPath(new URL('../baselines/peer.ts', import.meta.url))

/** Where to write a `--cpu-prof` profile of every swarmdrop process started, when set. */
let profileDir: string | null = null
export function profileInto (dir: string | null): void { profileDir = dir }

const swarmdrops = new Set<JsonProcess>()
/** pid -> role ("seeder", "downloader"), to name profiles. */
export const roles = new Map<number, string>()

export function swarmdropProcess (args: string[]): JsonProcess {
  const prof = profileDir != null ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []
  const p = new JsonProcess(process.execPath, [...NODE_FLAGS, ...prof, CLI, ...args, '--json', '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--network', BENCH_NETWORK])
  swarmdrops.add(p)
  roles.set(p.pid, args[0] === 'share' ? 'seeder' : 'downloader')
  void p.exited.then(() => swarmdrops.delete(p))
  return p
}

/**
 * Stops every swarmdrop process started (baseline servers keep running): SIGTERM when profiling
 * (a profile is written only on a clean exit), else SIGKILL; by PID.
 */
export async function stopSwarm (): Promise<void> {
  const signal = profileDir != null ? 'SIGTERM' : 'SIGKILL'
  await Promise.all([...swarmdrops].map(p => Promise.race([p.kill(signal), new Promise(resolve => setTimeout(resolve, 15_000))])))
}

/** Stops every process started, swarmdrop first (see stopSwarm), then whatever is left, by PID. */
export async function stopAll (): Promise<void> {
  await stopSwarm()
  await killAll()
}

export interface Seeder {
  readonly proc: JsonProcess
  readonly link: string
  readonly peerId: string
  readonly address: string
  /** From the node being up (`listening`) to the share being built (`shared`). */
  readonly shareMs: number
}

export async function startSeeder (path: string, extra: string[] = [], timeoutMs = 600_000): Promise<Seeder> {
  const proc = swarmdropProcess(['share', path, '--repo', await tempDir('swarmdrop-bench-repo-'), ...extra])
  const listening = await proc.event('listening', 60_000)
  const shared = await proc.event('shared', timeoutMs)
  return {
    proc,
    link: shared.link as string,
    peerId: listening.peerId as string,
    address: (listening.addresses as string[])[0]!,
    shareMs: proc.timeOf(shared) - proc.timeOf(listening)
  }
}

export interface Finish {
  /** performance.now() when the files were in place. */
  readonly at: number
  /** CPU seconds of the watched processes at that moment (NaN for one that is gone). */
  readonly cpu: number[]
}

export interface Download {
  readonly proc: JsonProcess
  readonly out: string
  /** performance.now() when the downloader's node was up. */
  readonly startedAt: number
  /** Its CPU seconds then (process start-up excluded). */
  readonly cpuAtStart: number
  /** Resolves when the download is complete on disk. */
  readonly finished: Promise<Finish>
}

/**
 * Starts `swarmdrop get --seed` (it keeps serving, and stays alive to be measured) and watches its
 * out folder. `watchPids` are read at the moment of completion (the downloader's own pid first).
 */
export async function startDownload (link: string, extra: string[] = [], watchPids: number[] = [], timeoutMs = 900_000): Promise<Download> {
  const out = await tempDir('swarmdrop-bench-out-')
  const finished = watchCompletion(out, timeoutMs)
  const proc = swarmdropProcess(['get', link, '--out', out, '--repo', await tempDir('swarmdrop-bench-repo-'), '--allow-private', '--seed', '--stall-timeout', '120', ...extra])
  const listening = await proc.event('listening', 60_000)
  const cpuAtStart = cpuSeconds(proc.pid) ?? Number.NaN
  const pids = [proc.pid, ...watchPids]
  const failed = proc.event('error', timeoutMs).then(l => { throw new Error(`download failed: ${JSON.stringify(l)}`) })
  return {
    proc,
    out,
    startedAt: proc.timeOf(listening),
    cpuAtStart,
    finished: Promise.race([finished.then(at => ({ at, cpu: pids.map(p => cpuSeconds(p) ?? Number.NaN) })), failed])
  }
}

/** Resolves with the time `out` holds a finished download: an entry, and no partial area left. */
function watchCompletion (out: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const isDone = (): boolean => {
      const entries = readdirSync(out)
      return entries.length > 0 && !existsSync(join(out, '.swarmdrop-partial'))
    }
    const watcher = watch(out, () => { if (isDone()) finish(null) })
    const poll = setInterval(() => { if (isDone()) finish(null) }, 1000) // a safety net, never the figure unless watch missed it
    const timer = setTimeout(() => finish(new Error(`download into ${out} not complete after ${timeoutMs} ms`)), timeoutMs)
    let settled = false
    const finish = (err: Error | null): void => {
      if (settled) return
      settled = true
      const at = performance.now()
      watcher.close()
      clearInterval(poll)
      clearTimeout(timer)
      if (err != null) reject(err)
      else resolve(at)
    }
  })
}

/** A baseline peer process (see bench/baselines/peer.ts). */
export function baseline (args: string[]): JsonProcess {
  return new JsonProcess(process.execPath, [PEER, ...args])
}

export interface ClientResult { readonly bytes: number, readonly ms: number, readonly cpuSeconds: number }

export async function baselineClient (args: string[], timeoutMs = 900_000): Promise<ClientResult> {
  const p = baseline(args)
  const done = await p.event('done', timeoutMs)
  return { bytes: done.bytes as number, ms: done.ms as number, cpuSeconds: done.cpuSeconds as number }
}

/** A baseline client run against `server`, with the server's CPU seconds over the same transfer. */
export async function baselineTransfer (server: JsonProcess, clientArgs: string[]): Promise<ClientResult & { serverCpuSeconds: number }> {
  const before = cpuSeconds(server.pid) ?? Number.NaN
  const r = await baselineClient(clientArgs)
  return { ...r, serverCpuSeconds: (cpuSeconds(server.pid) ?? Number.NaN) - before }
}

/** Starts a baseline server and returns it with its `listening` line. */
export async function baselineServer (args: string[]): Promise<{ proc: JsonProcess, port: number, address: string }> {
  const proc = baseline(args)
  const l = await proc.event('listening', 60_000)
  return { proc, port: l.port as number, address: (l.addresses as string[] | undefined)?.[0] ?? '' }
}

/** Stops one process: SIGTERM when profiling (so its profile is written), else SIGKILL. */
export async function stopProcess (p: JsonProcess): Promise<void> {
  // The CLI installs its SIGTERM handler just after its `complete` line; a profile needs that handler.
  if (profileDir != null) await new Promise(resolve => setTimeout(resolve, 1000))
  await Promise.race([p.kill(profileDir != null ? 'SIGTERM' : 'SIGKILL'), new Promise(resolve => setTimeout(resolve, 15_000))])
  if (p.child.exitCode == null && p.child.signalCode == null) await p.kill('SIGKILL')
}
