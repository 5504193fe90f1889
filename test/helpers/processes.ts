import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LOG_DIR, LOG_NAME } from '../../node-core/src/log/log-file.ts'
import { NODE_FLAGS } from '../../node-core/bin/node-flags.mjs'
import { killGroup, spawnInGroup } from './process-groups.ts'

export { NODE_FLAGS }

export const CLI = fileURLToPath(new URL('../../node-core/bin/swarmdrop.mjs', import.meta.url))

const running = new Set<ChildProcess>()
/** Every process started since the last `killAll`, exited or not: what a failed test's dump shows. */
let started: JsonProcess[] = []

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
    started.push(this)
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

/** The part of node:test's context `killAll` reads: did the test pass? */
interface TestOutcome { readonly name: string, readonly passed?: boolean }

/**
 * Kills every process a test started that is still running (by PID). Given the test's context
 * (as `afterEach(killAll)` does), a failed test first writes what each of its processes said last
 * to stderr: a flake seen once in CI is then explained by its own log.
 */
export async function killAll (t?: TestOutcome): Promise<void> {
  if (t?.passed === false) process.stderr.write(processReport(t.name))
  started = []
  await killAllExcept([])
}

const REPORT_LINES = 8
const REPORT_STDERR = 2000
const REPORT_LOG_LINES = 20

/** The last lines of the log file of the profile a process was started with (`--repo`), if any. */
function logTail (p: JsonProcess): string[] {
  const args = p.child.spawnargs
  const at = args.indexOf('--repo')
  if (at < 0 || args[at + 1] == null) return []
  try {
    const text = readFileSync(join(args[at + 1]!, LOG_DIR, `${LOG_NAME}.log`), 'utf8').trimEnd()
    const lines = text.split('\n').slice(-REPORT_LOG_LINES)
    return [`   last ${lines.length} lines of its log file:`, ...lines.map(l => '    ' + l.slice(0, 400))]
  } catch { return [] } // no log file (yet): nothing to add
}

/** The command, exit status, last lines and stderr of every process started for the test `name`. */
export function processReport (name: string): string {
  const parts = started.map((p, i) => {
    const args = p.child.spawnargs.slice(1).filter(a => !a.startsWith('--') || a.length < 40).join(' ')
    const status = p.child.exitCode != null ? `exited ${p.child.exitCode}` : p.child.signalCode != null ? `killed by ${p.child.signalCode}` : 'running'
    const lines = p.lines.slice(-REPORT_LINES).map(l => '    ' + JSON.stringify(l).slice(0, 400))
    const stderr = p.stderr.slice(-REPORT_STDERR).trimEnd()
    return [`  [${i}] pid ${p.pid}, ${status}, ${Math.round((performance.now() - p.startedAt) / 1000)} s: ${args.slice(-300)}`,
      `   last ${lines.length} of ${p.lines.length} lines:`, ...lines, ...(stderr !== '' ? ['   stderr:', stderr.replace(/^/gm, '    ')] : []), ...logTail(p)].join('\n')
  })
  return `\n--- "${name}" failed: its ${started.length} process(es) ---\n${parts.join('\n')}\n---\n`
}

/** Kills every process started here that is still running, except those in `keep`. */
export async function killAllExcept (keep: readonly JsonProcess[]): Promise<void> {
  const kept = new Set(keep.map(p => p.child))
  const all = [...running].filter(c => !kept.has(c))
  for (const c of all) killGroup(c)
  await Promise.all(all.map(c => new Promise(resolve => { if (c.exitCode != null || c.signalCode != null) resolve(null); else c.once('exit', resolve) })))
}
