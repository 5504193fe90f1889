/**
 * `swarmdrop daemon` writes `<repo>/logs/swarmdrop.log`; `swarmdrop doctor` beside a running
 * daemon without a web UI (its store locked) still writes a report with the log and says the live
 * state was not available; beside a daemon with its web UI on a port of its own choosing, doctor
 * reads the live state through it; once the daemon has stopped, doctor reports the stored state.
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

  it('reads the live state of a daemon serving its web UI (any port) through its API', async () => {
    const repo = await tempDir()
    const daemon = swarmdrop(['daemon', '--repo', repo, '--web', '--web-port', '0'])
    const listening = await daemon.event('listening', 120_000)
    await daemon.event('web', 120_000)
    await daemon.event('daemon', 120_000)
    const doctor = swarmdrop(['doctor', '--repo', repo, '--out', join(repo, 'live.json')])
    const line = await doctor.event('bug-report')
    assert.equal(await doctor.exited, 0, doctor.stderr)
    assert.match(String(line.state), /^live \(from the running daemon's web API on port \d+\)$/)
    const report = JSON.parse(await readFile(join(repo, 'live.json'), 'utf8')) as BugReport
    assert.equal(report.state.kind, 'live')
    if (report.state.kind !== 'live') return
    assert.equal(report.state.node.peerId, listening.peerId)
    for (const a of listening.addresses as string[]) assert.ok(report.state.node.addresses.includes(a), a)
    assert.equal(report.state.settings.network, 'swarmdrop-test')
  })
})
