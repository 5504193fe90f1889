/**
 * The logger: DEBUG patterns choose which components record debug and trace lines (errors,
 * warnings and info always); `log.error` adds an error's stack frames and causes; the ring of
 * recent lines keeps the last 2,000 in order; every line reaches every sink until it is removed.
 */
import { afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { addLogSink, enableDebug, formatLine, logger, recentLines } from '../../node-core/src/log/logger.ts'
import type { LogLine } from '../../node-core/src/log/logger.ts'

afterEach(() => { enableDebug(process.env.DEBUG ?? '') })

/** The lines `run` logs, as a sink sees them. */
function captured (run: () => void): LogLine[] {
  const lines: LogLine[] = []
  const remove = addLogSink(line => { lines.push(line) })
  try { run() } finally { remove() }
  return lines
}

describe('logger', () => {
  it('records debug and trace lines only for the components DEBUG names', () => {
    enableDebug('swarmdrop:test-a*,-swarmdrop:test-ab')
    const a = logger('swarmdrop:test-a')
    const ab = logger('swarmdrop:test-ab')
    const c = logger('swarmdrop:test-c')
    const stderrWrite = process.stderr.write
    process.stderr.write = (() => true) as typeof process.stderr.write // DEBUG echoes to stderr: keep the test output clean
    let lines: LogLine[]
    try {
      lines = captured(() => {
        a('debug %d', 1); a.trace('trace %d', 2); ab('debug %d', 3); c('debug %d', 4)
        c.info('info %d', 5); ab.warn('warn %d', 6); c.error('error %d', 7)
      })
    } finally {
      process.stderr.write = stderrWrite
    }
    assert.deepEqual(lines.map(l => `${l.component} ${l.level} ${l.text}`), [
      'swarmdrop:test-a debug debug 1', 'swarmdrop:test-a trace trace 2',
      'swarmdrop:test-c info info 5', 'swarmdrop:test-ab warn warn 6', 'swarmdrop:test-c error error 7'
    ])
    assert.deepEqual([a.enabled, ab.enabled, c.enabled], [true, false, false])
  })

  it('logs an error with its code and message; log.error adds its stack frames and causes', () => {
    enableDebug('')
    const log = logger('swarmdrop:test-errors')
    const err = Object.assign(new Error('disk full', { cause: new RangeError('quota') }), { code: 'ENOSPC' })
    const [warned, failed] = captured(() => { log.warn('write failed: %s', err); log.error('write failed: %s', err) })
    assert.equal(warned!.text, 'write failed: Error [ENOSPC]: disk full')
    const [first, ...rest] = failed!.text.split('\n')
    assert.equal(first, 'write failed: Error [ENOSPC]: disk full')
    assert.ok(rest.length >= 2 && rest.slice(0, -1).every(l => l.startsWith('at ')), failed!.text)
    assert.equal(rest.at(-1), 'caused by RangeError: quota')
    assert.match(formatLine(failed!), /^\d{4}-\d\d-\d\dT[\d:.]+Z ERROR swarmdrop:test-errors write failed: /)
  })

  it('keeps the last 2,000 lines in order', () => {
    const log = logger('swarmdrop:test-ring')
    for (let i = 0; i < 2500; i++) log.info('n %d', i)
    const ring = recentLines()
    assert.equal(ring.length, 2000)
    assert.deepEqual(ring.map(l => l.text), Array.from({ length: 2000 }, (_, i) => `n ${i + 500}`))
  })
})
