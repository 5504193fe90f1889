/**
 * A logger per component, in libp2p's style (`logger('swarmdrop:chunk-server')`, then `log(...)`,
 * `log.error(...)`, `log.trace(...)`). Lines go to every registered sink (the daemon's and the
 * desktop app's rotating log file, see log-file.ts) and to the in-memory ring `recentLines` (what
 * the log file writes first: the lines logged before it was opened). `DEBUG=swarmdrop:*` (the
 * `debug` package's syntax: comma-separated patterns, `*` wildcards, `-` to exclude) turns on
 * debug and trace lines and echoes every line to stderr; without it only errors, warnings and
 * info lines are recorded. An error logged with `log.error` carries its stack and causes. A line
 * often quotes peer text (a peer's error, a name from a manifest): the message is one line with
 * every control, escape sequence and bidi or zero-width character shown escaped
 * (text/peer-text.ts), so a log file or terminal shows it as data; the stack frames and causes
 * that follow it are lines of their own (each escaped the same way).
 */
import { format } from 'node:util'
import { LOG_LINE_MAX, terminalText } from '../text/peer-text.ts'

export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace'

export interface LogLine {
  readonly time: number
  readonly level: LogLevel
  readonly component: string
  readonly text: string
}

export interface Logger {
  /** A debug line (recorded only where DEBUG enables the component). */
  (formatter: string, ...args: unknown[]): void
  /** Something failed: always recorded, with the error's message and stack if one is given. */
  error (formatter: string, ...args: unknown[]): void
  /** Something odd that was handled: always recorded. */
  warn (formatter: string, ...args: unknown[]): void
  /** A notable event in the node's life (start, stop, share, download done): always recorded. */
  info (formatter: string, ...args: unknown[]): void
  /** Per-message detail (recorded only where DEBUG enables the component). */
  trace (formatter: string, ...args: unknown[]): void
  /** Whether debug and trace lines are recorded for this component. */
  readonly enabled: boolean
}

export type LogSink = (line: LogLine) => void

const sinks = new Set<LogSink>()
const RING_SIZE = 2000
/** The last RING_SIZE lines, a circular buffer: `ring[next]` is the oldest once it is full. */
const ring: LogLine[] = []
let next = 0
/** At most this many stack frames of an error logged with `log.error`. */
const STACK_FRAMES = 8
let patterns = parsePatterns(process.env.DEBUG ?? '')
/** Bumped by enableDebug: each logger re-tests its component once after a change, not on every line. */
let generation = 0

function parsePatterns (spec: string): { include: RegExp[], exclude: RegExp[] } {
  const include: RegExp[] = []
  const exclude: RegExp[] = []
  for (const raw of spec.split(/[\s,]+/)) {
    if (raw === '') continue
    const negative = raw.startsWith('-')
    const body = (negative ? raw.slice(1) : raw).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*?')
    ;(negative ? exclude : include).push(new RegExp(`^${body}$`))
  }
  return { include, exclude }
}

function debugEnabled (component: string): boolean {
  return patterns.include.some(r => r.test(component)) && !patterns.exclude.some(r => r.test(component))
}

/** Re-reads which components print debug lines (tests; `DEBUG` is read once at load). */
export function enableDebug (spec: string): void {
  patterns = parsePatterns(spec)
  generation++
}

/** Adds a sink for every line from now on; returns a function that removes it. */
export function addLogSink (sink: LogSink): () => void {
  sinks.add(sink)
  return () => { sinks.delete(sink) }
}

/** The last lines logged in this process (at most 2,000), oldest first: for a bug report. */
export function recentLines (): readonly LogLine[] {
  return ring.length < RING_SIZE ? [...ring] : [...ring.slice(next), ...ring.slice(0, next)]
}

/** One line of text for a log file or a terminal: ISO time, level, component, message. */
export function formatLine (line: LogLine): string {
  return `${new Date(line.time).toISOString()} ${line.level.toUpperCase().padEnd(5)} ${line.component} ${line.text}`
}

/** `echo`: the component is enabled by DEBUG, so the line also goes to stderr. */
function emit (component: string, level: LogLevel, formatter: string, args: unknown[], echo: boolean): void {
  let text = terminalText(format(formatter, ...args.map(describe)), LOG_LINE_MAX)
  if (level === 'error') for (const arg of args) if (arg instanceof Error) text += stackOf(arg)
  const line: LogLine = { time: Date.now(), level, component, text }
  if (ring.length < RING_SIZE) ring.push(line)
  else ring[next] = line
  next = (next + 1) % RING_SIZE
  if (echo) process.stderr.write(formatLine(line) + '\n')
  for (const sink of sinks) {
    try { sink(line) } catch { /* a broken sink must never break the caller; it is the log itself */ }
  }
}

/** The stack frames of an error (at most STACK_FRAMES) and its causes' names and messages, one per line. */
function stackOf (err: Error): string {
  let text = ''
  const frames = (err.stack ?? '').split('\n').filter(l => /^\s+at /.test(l)).slice(0, STACK_FRAMES)
  if (frames.length > 0) text += '\n' + frames.map(f => terminalText(f.trim())).join('\n')
  for (let cause = err.cause, depth = 0; cause != null && depth < 5; cause = (cause as { cause?: unknown }).cause, depth++) {
    text += `\ncaused by ${terminalText(String(describe(cause)))}`
  }
  return text
}

/** Errors are logged with their name, code and message; `log.error` adds the stack and causes (stackOf). */
function describe (value: unknown): unknown {
  if (!(value instanceof Error)) return value
  const code = (value as { code?: unknown }).code
  return `${value.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${value.message}`
}

export function logger (component: string): Logger {
  let testedAt = -1
  let on = false
  const enabled = (): boolean => {
    if (testedAt !== generation) { on = debugEnabled(component); testedAt = generation }
    return on
  }
  const log = ((formatter: string, ...args: unknown[]) => { if (enabled()) emit(component, 'debug', formatter, args, true) }) as Logger
  log.error = (formatter, ...args) => { emit(component, 'error', formatter, args, enabled()) }
  log.warn = (formatter, ...args) => { emit(component, 'warn', formatter, args, enabled()) }
  log.info = (formatter, ...args) => { emit(component, 'info', formatter, args, enabled()) }
  log.trace = (formatter, ...args) => { if (enabled()) emit(component, 'trace', formatter, args, true) }
  Object.defineProperty(log, 'enabled', { get: enabled })
  return log
}
