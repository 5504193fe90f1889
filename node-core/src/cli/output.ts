/**
 * What the CLI prints (human lines with a redrawn progress line, or JSON lines) and how a
 * long-running command waits for Ctrl-C.
 */
import { terminalJson, terminalLines, terminalText } from '../text/peer-text.ts'
import type { DownloadInfo } from '../contract/index.ts'
import { progressLine } from './progress.ts'

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal (): Promise<void> {
  return new Promise(resolve => {
    const done = (): void => { process.off('SIGINT', done); process.off('SIGTERM', done); resolve() }
    process.on('SIGINT', done)
    process.on('SIGTERM', done)
  })
}

/**
 * Human output (a redrawn progress line on a terminal) or JSON lines. Everything printed goes
 * through the peer-text sanitiser (text/peer-text.ts): names, messages and peer IDs may come from
 * peers, and no escape sequence or bidi character of theirs may reach the terminal.
 */
export class Output {
  readonly #json: boolean
  readonly #tty = process.stderr.isTTY === true
  #lastProgress = 0
  #drawn = false

  constructor (json: boolean) { this.#json = json }

  event (object: Record<string, unknown>, human: () => string): void {
    if (this.#json) process.stdout.write(terminalJson(object) + '\n')
    else { this.clearProgress(); console.log(terminalLines(human())) }
  }

  /** A line for `--json` only (nothing in human output). */
  jsonOnly (object: Record<string, unknown>): void {
    if (this.#json) process.stdout.write(terminalJson(object) + '\n')
  }

  human (text: string): void {
    if (!this.#json) console.log(terminalLines(text))
  }

  progress (d: DownloadInfo): void {
    if (this.#json) {
      process.stdout.write(terminalJson({ event: 'progress', shareId: d.shareId, state: d.state, verifiedBytes: d.verifiedBytes, totalBytes: d.totalBytes, verifiedChunks: d.verifiedChunks, chunkCount: d.chunkCount, downloadRate: d.downloadRate, sources: d.sources }) + '\n')
      return
    }
    const now = Date.now()
    if (!this.#tty && now - this.#lastProgress < 2000) return
    this.#lastProgress = now
    const line = terminalText(progressLine(d))
    if (this.#tty) { process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns ?? 120) - 1)}`); this.#drawn = true } else process.stderr.write(line + '\n')
  }

  clearProgress (): void {
    if (this.#drawn) { process.stderr.write('\r\x1b[2K'); this.#drawn = false }
  }

  error (code: string, message: string): void {
    this.clearProgress()
    if (this.#json) process.stdout.write(terminalJson({ event: 'error', code, message }) + '\n')
    console.error(`swarmdrop: ${terminalText(message.split('\n')[0])}`)
  }
}
