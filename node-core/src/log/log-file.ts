/**
 * The rotating log file of the daemon and the desktop app: `<profile>/logs/swarmdrop.log`, one
 * `formatLine` line per event. When the next lines would take it past `maxBytes` (5 MiB) it is
 * renamed `swarmdrop.1.log` (the older ones shift to `.2`, `.3`; the oldest beyond `keep` is
 * replaced), and a new one is started. Lines are queued in memory and appended by one writer at a
 * time (never blocking the event loop); `close()` writes what is queued, and a process that ends
 * with `process.exit()` writes its queue synchronously on 'exit'.
 */
import { mkdir, open, rename } from 'node:fs/promises'
import { appendFileSync, fstatSync } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { addLogSink, formatLine, logger, recentLines } from './logger.ts'
import type { LogLine } from './logger.ts'

export const LOG_DIR = 'logs'
export const LOG_NAME = 'swarmdrop'
export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024
export const DEFAULT_KEEP = 3
/** Queued text beyond this (a disk slower than the log) is dropped and counted in the next line written. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024
const log = logger('swarmdrop:log')

export interface LogFileOptions {
  /** Rotate when the file would grow past this many bytes. */
  readonly maxBytes?: number
  /** How many rotated files to keep (`swarmdrop.1.log` is the newest). */
  readonly keep?: number
  /** Also write the lines this process logged before the file was opened (from `recentLines`); default true. */
  readonly backlog?: boolean
}

/** The log files of a profile's logs folder, newest first: swarmdrop.log, swarmdrop.1.log, … */
export function logFilePaths (logDir: string, keep = DEFAULT_KEEP): string[] {
  return [join(logDir, `${LOG_NAME}.log`), ...Array.from({ length: keep }, (_, i) => join(logDir, `${LOG_NAME}.${i + 1}.log`))]
}

export class LogFile {
  readonly path: string
  readonly #paths: string[]
  readonly #maxBytes: number
  #handle: FileHandle
  #size: number
  #queue: string[] = []
  #queuedBytes = 0
  #dropped = 0
  #writing: Promise<void> | null = null
  /** The batch being appended now, and the file's size before it. */
  #inFlight: { text: Buffer, sizeBefore: number } | null = null
  /** No more lines are taken (close() was called, or the file failed). */
  #closed = false
  /** Nothing more can be written: the file is closed or failed (the exit handler writes nothing then). */
  #finished = false
  readonly #removeSink: () => void
  readonly #onExit = (): void => { this.#writeQueueSync() }

  private constructor (paths: string[], maxBytes: number, handle: FileHandle, size: number) {
    this.path = paths[0]!
    this.#paths = paths
    this.#maxBytes = maxBytes
    this.#handle = handle
    this.#size = size
    this.#removeSink = addLogSink(line => { this.write(line) })
    process.on('exit', this.#onExit)
  }

  /** Opens (appends to) `<logDir>/swarmdrop.log` and starts recording every logged line. */
  static async open (logDir: string, options: LogFileOptions = {}): Promise<LogFile> {
    await mkdir(logDir, { recursive: true, mode: 0o700 })
    const paths = logFilePaths(logDir, options.keep ?? DEFAULT_KEEP)
    const handle = await open(paths[0]!, 'a', 0o600)
    const { size } = await handle.stat()
    const file = new LogFile(paths, options.maxBytes ?? DEFAULT_MAX_BYTES, handle, size)
    if (options.backlog !== false) for (const line of recentLines()) file.write(line)
    log.info('log opened by pid %d (Node %s, %s %s)', process.pid, process.version, process.platform, process.arch)
    return file
  }

  /** Queues one line; the writer appends it soon after. */
  write (line: LogLine): void {
    if (this.#closed) return
    const text = formatLine(line).replaceAll('\n', '\n    ') + '\n'
    if (this.#queuedBytes + text.length > MAX_QUEUED_BYTES) { this.#dropped++; return }
    if (this.#dropped > 0) {
      this.#queue.push(`${new Date().toISOString()} WARN  swarmdrop:log ${this.#dropped} lines dropped (the log file could not keep up)\n`)
      this.#dropped = 0
    }
    this.#queue.push(text)
    this.#queuedBytes += text.length
    this.#writing ??= this.#drain()
  }

  /** Resolves once every line queued so far is written. */
  async flush (): Promise<void> {
    while (this.#writing != null) await this.#writing
  }

  /** Stops recording, writes what is queued and closes the file. */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#removeSink()
    await this.flush()
    process.off('exit', this.#onExit)
    this.#finished = true
    await this.#handle.close()
  }

  async #drain (): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#takeBatch()
        if (this.#size > 0 && this.#size + batch.bytes > this.#maxBytes) await this.#rotate()
        this.#inFlight = { text: batch.text, sizeBefore: this.#size }
        await this.#handle.appendFile(batch.text)
        this.#inFlight = null
        this.#size += batch.bytes
      }
    } catch (err) {
      // The log cannot report its own failure through itself: say it once on stderr, then stop.
      process.stderr.write(`swarmdrop: the log file ${this.path} failed (${(err as Error).message}); logging to it stopped\n`)
      this.#closed = true
      this.#finished = true
      this.#removeSink()
      this.#queue = []
    } finally {
      this.#writing = null
    }
  }

  /** The queued lines that fit in the room left in the current file (at least one line). */
  #takeBatch (): { text: Buffer, bytes: number } {
    const room = this.#size === 0 ? this.#maxBytes : Math.max(this.#maxBytes - this.#size, 0)
    const lines: string[] = []
    let bytes = 0
    while (this.#queue.length > 0) {
      const next = Buffer.byteLength(this.#queue[0]!)
      if (lines.length > 0 && bytes + next > room) break
      lines.push(this.#queue.shift()!)
      bytes += next
      if (bytes > room) break // a line longer than the room left: it starts a file of its own
    }
    this.#queuedBytes -= lines.reduce((n, l) => n + l.length, 0)
    return { text: Buffer.from(lines.join('')), bytes }
  }

  async #rotate (): Promise<void> {
    await this.#handle.close()
    for (let i = this.#paths.length - 1; i > 0; i--) {
      await rename(this.#paths[i - 1]!, this.#paths[i]!).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err // a file not there yet (the first rotations) is normal
      })
    }
    this.#handle = await open(this.path, 'a', 0o600)
    this.#size = 0
  }

  /**
   * On 'exit' (no more event loop): appends at once what the batch in flight has not written yet
   * (the file's size says how much it has), then the queue.
   */
  #writeQueueSync (): void {
    if (this.#finished || (this.#queue.length === 0 && this.#inFlight == null)) return
    try {
      const inFlight = this.#inFlight
      const rest = inFlight == null ? Buffer.alloc(0) : inFlight.text.subarray(Math.max(fstatSync(this.#handle.fd).size - inFlight.sizeBefore, 0))
      appendFileSync(this.path, Buffer.concat([rest, Buffer.from(this.#queue.join(''))]))
    } catch (err) {
      process.stderr.write(`swarmdrop: could not write the last log lines to ${this.path}: ${(err as Error).message}\n`)
    }
    this.#queue = []
  }
}

/** Opens the profile's log file (`<profileDir>/logs/swarmdrop.log`). */
export async function openLogFile (profileDir: string, options?: LogFileOptions): Promise<LogFile> {
  return await LogFile.open(join(profileDir, LOG_DIR), options)
}
