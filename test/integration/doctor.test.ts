/**
 * `swarmdrop daemon` writes `<repo>/logs/swarmdrop.log`; `swarmdrop doctor` beside a running
 * daemon without a web UI (its store locked) still writes a report with the log and says the live
 * state was not available; beside a daemon with its web UI on a port of its own choosing, doctor
 * reads the live state through it; once the daemon has stopped, doctor reports the stored state.
 * With the live state, doctor prints the node's reach and how each peer is connected.
 */
import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { BugReport } from '../../node-core/src/log/bug-report.ts'
import type { ReachInfo } from '../../node-core/src/contract/index.ts'
import { makeTree, removeTemps, tempDir } from '../helpers/files.ts'
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

  it('prints the reach block and how each peer is connected (a loopback peer: LAN, IPv4; reach unknown)', async () => {
    const repo = await tempDir()
    const src = await tempDir()
    await makeTree(src, { 'f.bin': 200_000 })
    const share = swarmdrop(['share', join(src, 'f.bin'), '--repo', repo])
    const link = String((await share.event('shared', 120_000)).link)
    await share.kill()
    const daemon = swarmdrop(['daemon', '--repo', repo, '--web', '--web-port', '0'])
    const listening = await daemon.event('listening', 120_000)
    // The daemon's node line carries its reach: alone on loopback, nothing tells whether others can reach it.
    const startReach = listening.reach as ReachInfo
    assert.equal(startReach.reachability, 'unknown')
    assert.deepEqual(startReach.publicAddresses, [])
    assert.equal(startReach.upnp, null, 'no UPnP in a named network')
    assert.match(String(startReach.advice), /Not known yet/)
    await daemon.event('daemon', 120_000)

    // The link holds the share process's old port: name the daemon's address.
    const peerArgs = (listening.addresses as string[]).flatMap(a => ['--peer', a])
    const getter = swarmdrop(['get', link, '--out', await tempDir(), '--repo', await tempDir(), '--seed', ...peerArgs])
    await getter.event('complete', 120_000)
    // The downloader's PeerInfo for the seeder (the `peer` lines of get --json): a loopback peer is LAN, over IPv4.
    const seen = await getter.waitFor(l => l.event === 'peer' && l.peerId === listening.peerId)
    assert.equal(seen.connectionKind, 'lan')
    assert.equal(seen.ipFamily, 'ipv4')
    assert.equal(seen.relayPeerId, null)
    const getterId = String((getter.lines.find(l => l.event === 'listening'))?.peerId)

    const doctor = swarmdrop(['doctor', '--repo', repo, '--out', join(repo, 'reach.json')])
    const line = await doctor.event('bug-report')
    assert.equal(await doctor.exited, 0, doctor.stderr)
    const reach = line.reach as ReachInfo
    assert.equal(reach.reachability, 'unknown', JSON.stringify(reach))
    assert.deepEqual(reach.relaysUsed, [])
    assert.equal(reach.relayServing, false)
    assert.equal(typeof reach.advice, 'string')
    const peer = (line.peers as Array<Record<string, unknown>>).find(p => p.peerId === getterId)
    assert.ok(peer != null, JSON.stringify(line.peers))
    assert.deepEqual({ kind: peer.connectionKind, family: peer.ipFamily, relay: peer.relayPeerId }, { kind: 'lan', family: 'ipv4', relay: null })
    const report = JSON.parse(await readFile(join(repo, 'reach.json'), 'utf8')) as BugReport
    assert.equal(report.state.kind === 'live' ? report.state.node.reach.reachability : null, 'unknown')
  })

  it('says reach is not known when no running node answers', async () => {
    const repo = await tempDir()
    const daemon = swarmdrop(['daemon', '--repo', repo])
    await daemon.event('daemon', 120_000)
    assert.equal(await daemon.kill('SIGTERM'), 0, daemon.stderr)
    const doctor = swarmdrop(['doctor', '--repo', repo, '--out', join(repo, 'stored.json')])
    const line = await doctor.event('bug-report')
    assert.equal(await doctor.exited, 0, doctor.stderr)
    assert.equal(line.state, 'stored')
    assert.equal(line.reach, null)
    assert.deepEqual(line.peers, [])
  })
})
