/**
 * The rotating log file on a real disk: rotation by size keeps the right number of files, each
 * under the limit, with every line of the last files present once and in order; `close()` writes
 * what was queued; a process that calls `process.exit()` right after logging, or while `close()`
 * is still writing, loses no line.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { LogFile, logFilePaths, openLogFile } from '../../node-core/src/log/log-file.ts'
import { logger } from '../../node-core/src/log/logger.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'

after(removeTemps)

/** The numbers logged as "line N" by `component`, in the order they appear in the files, oldest file first. */
async function loggedNumbers (logDir: string, component: string): Promise<number[]> {
  const numbers: number[] = []
  for (const path of logFilePaths(logDir).reverse()) {
    const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT') return ''; throw err })
    for (const line of text.split('\n')) {
      const m = line.match(new RegExp(` ${component} line (\\d+)$`))
      if (m != null) numbers.push(Number(m[1]))
    }
  }
  return numbers
}

describe('LogFile', () => {
  it('rotates by size: keeps 3 old files, each under the limit, the newest lines all there in order', async () => {
    const dir = await tempDir()
    const maxBytes = 4096
    const file = await LogFile.open(dir, { maxBytes, keep: 3, backlog: false })
    const log = logger('swarmdrop:test-rotation')
    const count = 2000 // about 80 bytes a line: about 40 files' worth
    for (let i = 0; i < count; i++) {
      log.info('line %d', i)
      if (i % 250 === 0) await new Promise(resolve => setImmediate(resolve)) // let the writer run between bursts too
    }
    await file.close()

    assert.deepEqual((await readdir(dir)).sort(), ['swarmdrop.1.log', 'swarmdrop.2.log', 'swarmdrop.3.log', 'swarmdrop.log'])
    for (const path of logFilePaths(dir)) assert.ok((await stat(path)).size <= maxBytes, `${path} over the limit`)
    for (const path of logFilePaths(dir).slice(1)) assert.ok((await stat(path)).size > maxBytes - 200, `${path} rotated early`)
    const numbers = await loggedNumbers(dir, 'swarmdrop:test-rotation')
    assert.equal(numbers.at(-1), count - 1, 'the last line is in the current file')
    assert.ok(numbers.length > 100, `only ${numbers.length} lines kept`)
    numbers.forEach((n, i) => { assert.equal(n, numbers[0]! + i, `line ${i} of the kept files`) })
  })

  it('appends to the file left by an earlier run, and indents the lines after the first of an entry (an error\'s stack)', async () => {
    const profile = await tempDir()
    const log = logger('swarmdrop:test-append')
    const first = await openLogFile(profile, { backlog: false })
    log.warn('line %d', 0)
    await first.close()
    const second = await openLogFile(profile, { backlog: false })
    log.warn('line %d', 1)
    log.error('failed: %s', new Error('boom'))
    await second.close()
    log.warn('line %d', 2) // after close: not written
    const text = await readFile(join(profile, 'logs', 'swarmdrop.log'), 'utf8')
    assert.deepEqual(await loggedNumbers(join(profile, 'logs'), 'swarmdrop:test-append'), [0, 1])
    assert.match(text, /ERROR swarmdrop:test-append failed: Error: boom\n( {4}at .*\n)+/)
    assert.equal((text.match(/INFO {2}swarmdrop:log log opened by pid/g) ?? []).length, 2)
  })

  it('writes the lines logged before it was opened (the backlog of this process)', async () => {
    const profile = await tempDir()
    logger('swarmdrop:test-backlog').warn('line %d', 7)
    const file = await openLogFile(profile)
    await file.close()
    assert.deepEqual(await loggedNumbers(join(profile, 'logs'), 'swarmdrop:test-backlog'), [7])
  })

  for (const [what, closing] of [['right after logging', ''], ['while close() is still writing', 'void file.close()']] as const) {
    it(`loses no line when the process exits with process.exit() ${what}`, async () => {
      await exitsAfterLogging(closing)
    })
  }
})

/** Runs a process that logs 5000 lines, runs `closing`, then calls process.exit(3); every line must be in the files. */
async function exitsAfterLogging (closing: string): Promise<void> {
  const dir = await tempDir()
  const script = join(dir, 'exit-now.ts')
  const moduleUrl = (path: string): string => new URL(`../../node-core/src/log/${path}`, import.meta.url).href
  await writeFile(script, [
    `import { LogFile } from '${moduleUrl('log-file.ts')}'`,
    `import { logger } from '${moduleUrl('logger.ts')}'`,
    `const file = await LogFile.open(${JSON.stringify(join(dir, 'logs'))}, { maxBytes: 1 << 20, backlog: false })`,
    "const log = logger('swarmdrop:test-exit')",
    "for (let i = 0; i < 5000; i++) log.info('line %d', i)",
    closing,
    'process.exit(3)'
  ].join('\n'))
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const code = await new Promise(resolve => child.on('exit', resolve))
  assert.equal(code, 3, stderr)
  const numbers = await loggedNumbers(join(dir, 'logs'), 'swarmdrop:test-exit')
  assert.equal(numbers.length, 5000)
  assert.deepEqual(new Set(numbers).size, 5000)
}

