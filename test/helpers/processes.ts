import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { NODE_FLAGS } from '../../node-core/bin/node-flags.mjs'
import { killGroup, spawnInGroup } from './process-groups.ts'

export { NODE_FLAGS }

export const CLI = fileURLToPath(new URL('../../node-core/bin/swarmdrop.mjs', import.meta.url))

const running = new Set<ChildProcess>()

/**
 * Every process started here runs the CLI from source, never the CLI bundle (out/cli, which may
 * be older than the code under test; node-core/bin/cli-entry.mjs): SWARMDROP_FROM_SOURCE=1 unless
 * this process's environment or the caller sets it otherwise (`SWARMDROP_FROM_SOURCE=0 npm run
 * bench` runs a fresh bundle).
 */
const FROM_SOURCE = { SWARMDROP_FROM_SOURCE: process.env.SWARMDROP_FROM_SOURCE ?? '1' }

/**
 * How long a wait for a process's line may take before the test fails: generous, since the machine
 * may be busy; a wait that hits it is a hang, not a slow run. Tests pass a longer cap where the
 * awaited thing takes long by design.
 */
export const WAIT_CAP_MS = 120_000

/**
 * A real process whose stdout is JSON lines, in a process group of its own; every one started is
 * killed (with its group) by `killAll`, and by this process's exit or interruption.
 */
export class JsonProcess {
  readonly child: ChildProcess
  readonly lines: Array<Record<string, unknown>> = []
  /** When each line arrived (performance.now()), parallel to `lines`. */
  readonly times: number[] = []
  readonly startedAt = performance.now()
  stderr = ''
  readonly exited: Promise<number | null>
  readonly #waiters = new Set<() => void>()
  #closed = false

  constructor (command: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string) {
    this.child = spawnInGroup(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...FROM_SOURCE, ...env }, cwd })
    running.add(this.child)
    let buffer = ''
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buffer += d
      let nl
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + 1)
        try { this.lines.push(JSON.parse(line) as Record<string, unknown>) } catch { this.lines.push({ event: 'text', text: line }) }
        this.times.push(performance.now())
      }
      for (const w of this.#waiters) w()
    })
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => { this.stderr += d; for (const w of this.#waiters) w() })
    // 'close', not 'exit': every line it wrote has been read by then.
    this.exited = new Promise(resolve => {
      this.child.on('close', code => { this.#closed = true; running.delete(this.child); for (const w of this.#waiters) w(); resolve(code) })
    })
  }

  get pid (): number { return this.child.pid! }

  /** Resolves with the first line matching `predicate`; rejects after `timeoutMs` or if the process exits first. */
  waitFor (predicate: (line: Record<string, unknown>) => boolean, timeoutMs = WAIT_CAP_MS): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = this.lines.find(predicate)
        if (hit != null) { done(); resolve(hit); return true }
        if (this.#closed) {
          done()
          reject(new Error(`process exited (${this.child.exitCode ?? this.child.signalCode}) before the expected line; stderr: ${this.stderr.slice(-2000)}`))
          return true
        }
        return false
      }
      const timer = setTimeout(() => { done(); reject(new Error(`timed out after ${timeoutMs} ms; last lines: ${JSON.stringify(this.lines.slice(-3))}; stderr: ${this.stderr.slice(-2000)}`)) }, timeoutMs)
      const done = (): void => { clearTimeout(timer); this.#waiters.delete(listener) }
      const listener = (): void => { check() }
      if (!check()) this.#waiters.add(listener)
    })
  }

  /** When a line (one of `lines`) arrived. */
  timeOf (line: Record<string, unknown>): number {
    return this.times[this.lines.indexOf(line)]!
  }

  event (name: string, timeoutMs?: number): Promise<Record<string, unknown>> {
    return this.waitFor(l => l.event === name, timeoutMs)
  }

  kill (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode == null && this.child.signalCode == null) this.child.kill(signal)
    return this.exited
  }
}

/** The network name every test node joins unless a test picks another. */
export const TEST_NETWORK = 'swarmdrop-test'

/**
 * Starts the swarmdrop CLI with `--json` and loopback defaults. Nothing may reach beyond this
 * machine: a named network has no public bootstrap peers, AutoNAT or UPnP; mDNS is off (it would
 * multicast on the real interfaces; the mDNS test runs in network namespaces of its own).
 */
export function swarmdrop (args: string[], env?: NodeJS.ProcessEnv): JsonProcess {
  const network = args.includes('--network') ? [] : ['--network', TEST_NETWORK]
  return new JsonProcess(process.execPath, [...NODE_FLAGS, CLI, ...args, '--json', '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', ...network], env)
}

/** Kills every process a test started that is still running (by PID). */
export function killAll (): Promise<void> {
  return killAllExcept([])
}

/** Kills every process started here that is still running, except those in `keep`. */
export async function killAllExcept (keep: readonly JsonProcess[]): Promise<void> {
  const kept = new Set(keep.map(p => p.child))
  const all = [...running].filter(c => !kept.has(c))
  for (const c of all) killGroup(c)
  await Promise.all(all.map(c => new Promise(resolve => { if (c.exitCode != null || c.signalCode != null) resolve(null); else c.once('exit', resolve) })))
}
