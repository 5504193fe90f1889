/**
 * `swarmdrop daemon` writes `<repo>/logs/swarmdrop.log`; `swarmdrop doctor` beside the running
 * daemon (its store locked) still writes a report with the log and says the live state was not
 * available; once the daemon has stopped, doctor reports the profile's stored state.
 */
import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { BugReport } from '../../node-core/src/log/bug-report.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'
import { killAll, swarmdrop } from '../helpers/processes.ts'

afterEach(killAll)
after(removeTemps)

describe('swarmdrop doctor', () => {
  it('reports beside a running daemon (logs, no live state) and after it stopped (stored state)', async () => {
    const repo = await tempDir()
    const daemon = swarmdrop(['daemon', '--repo', repo])
    const listening = await daemon.event('listening', 120_000)
    await daemon.event('daemon', 120_000)

    const beside = swarmdrop(['doctor', '--repo', repo])
    const first = await beside.event('bug-report')
    assert.equal(await beside.exited, 0, beside.stderr)
    assert.match(String(first.state), /running on this profile/)
    const report = JSON.parse(await readFile(String(first.path), 'utf8')) as BugReport
    assert.equal(report.state.kind, 'unavailable')
    const lines = report.logs[0]!.lines
    assert.ok(lines.some(l => / INFO {2}swarmdrop:log log opened by pid \d+/.test(l)), lines.join('\n'))

    assert.equal(await daemon.kill('SIGTERM'), 0, daemon.stderr)
    const log = await readFile(join(repo, 'logs', 'swarmdrop.log'), 'utf8')
    assert.match(log, new RegExp(`log opened by pid ${daemon.pid} `))

    const after = swarmdrop(['doctor', '--repo', repo, '--out', join(repo, 'after.json')])
    assert.equal((await after.event('bug-report')).state, 'stored')
    assert.equal(await after.exited, 0, after.stderr)
    const stored = JSON.parse(await readFile(join(repo, 'after.json'), 'utf8')) as BugReport
    assert.equal(stored.state.kind === 'stored' ? stored.state.peerId : null, listening.peerId)
  })
})
