/**
 * Bug reports from real profiles: a store with shares, downloads and settings, an identity key,
 * config.json and rotated log files of real log lines. The report holds the stored state, the
 * newest log lines within its budget (whole lines only), the versions; a locked store (a running
 * node) gives the logs and config and says why the state is missing; a live service's state is
 * read through its contract.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { doctor } from '../../node-core/src/cli/doctor.ts'
import { loadOrCreateIdentity } from '../../node-core/src/identity/identity.ts'
import { liveState, logTails, writeBugReport } from '../../node-core/src/log/bug-report.ts'
import type { BugReport } from '../../node-core/src/log/bug-report.ts'
import { LogFile } from '../../node-core/src/log/log-file.ts'
import { logger } from '../../node-core/src/log/logger.ts'
import { SwarmdropService } from '../../node-core/src/service/service.ts'
import { StateStore } from '../../node-core/src/storage/state-store.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'
import { TEST_NETWORK } from '../helpers/processes.ts'

after(removeTemps)

/** A profile with a key, config.json, a store with one share and one download, and rotated logs. */
async function profileWithState (): Promise<{ profile: string, peerId: string }> {
  const profile = await tempDir()
  const peerId = peerIdFromPrivateKey(await loadOrCreateIdentity(profile)).toString()
  await writeFile(join(profile, 'config.json'), JSON.stringify({ network: 'team', maxUpload: '4MiB' }))
  const store = await StateStore.open(profile)
  await store.putShare({ shareId: 'bafyshare', root: '/data/holiday', files: [{ absolutePath: '/data/holiday/a.jpg', size: 10, mtimeMs: 1 }], addedAt: 5 })
  await store.putDownload({ shareId: 'bafydownload', outDir: '/tmp/dl', targetName: 'film', status: 'active', peers: ['/ip4/192.0.2.1/tcp/4001/p2p/x'], addedAt: 6 })
  await store.putHave('bafydownload', new Uint8Array([0b1011, 0xff]))
  await store.putSettings({ maxUploadBytesPerSecond: 7, maxDownloadBytesPerSecond: 9, downloadDir: '/tmp/dl' })
  await store.close()
  const file = await LogFile.open(join(profile, 'logs'), { maxBytes: 2048, backlog: false })
  const log = logger('swarmdrop:test-report')
  for (let i = 0; i < 300; i++) log.warn('line %d', i)
  await file.close()
  return { profile, peerId }
}

async function readReport (path: string): Promise<BugReport> {
  return JSON.parse(await readFile(path, 'utf8')) as BugReport
}

describe('bug report', () => {
  it('doctor writes the stored state, config, versions and the newest log lines of a profile', async () => {
    const { profile, peerId } = await profileWithState()
    const out = join(await tempDir(), 'report.json')
    const result = await doctor(profile, out)
    assert.equal(result.path, out)
    assert.equal(result.state, 'stored')
    const text = await readFile(out, 'utf8')
    assert.equal(result.bytes, Buffer.byteLength(text))
    const report = JSON.parse(text) as BugReport
    assert.equal(report.state.kind, 'stored')
    if (report.state.kind !== 'stored') return
    assert.equal(report.state.peerId, peerId)
    assert.deepEqual(report.state.shares.map(s => s.shareId), ['bafyshare'])
    assert.deepEqual(report.state.downloads.map(d => [d.shareId, d.status, d.verifiedChunks]), [['bafydownload', 'active', 11]])
    assert.equal(report.state.settings?.maxDownloadBytesPerSecond, 9)
    assert.deepEqual(report.config.value, { network: 'team', maxUpload: '4MiB' })
    assert.match(report.versions.libp2p ?? '', /^3\.\d+\.\d+/)
    assert.match(report.versions['@libp2p/kad-dht'] ?? '', /^\d+\.\d+\.\d+/)
    assert.equal(report.versions.node, process.versions.node)
    assert.equal(report.os.platform, process.platform)
    assert.deepEqual(report.logs.map(l => l.path.slice(profile.length)), ['/logs/swarmdrop.log', '/logs/swarmdrop.1.log', '/logs/swarmdrop.2.log', '/logs/swarmdrop.3.log'])
    const newest = report.logs[0]!.lines.at(-1)!
    assert.match(newest, /WARN {2}swarmdrop:test-report line 299$/)
    assert.ok(!text.includes('privateKey') && !text.includes('token'), 'no secret in the report')
  })

  it('keeps the log tail within its budget: whole lines, newest first', async () => {
    const { profile } = await profileWithState()
    const tails = await logTails(join(profile, 'logs'), 3000)
    const lines = tails.flatMap(t => t.lines)
    assert.ok(lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0) <= 3000)
    assert.ok(tails[0]!.lines.length > 0 && tails.length >= 2 && tails.length < 4, `tails from ${tails.length} files`)
    assert.deepEqual(tails.map(t => t.truncated), tails.map((_, i) => i === tails.length - 1), 'only the oldest file read is cut')
    for (const line of lines) assert.match(line, /^\d{4}-\d\d-\d\dT\S+Z (WARN |INFO ) swarmdrop:\S+ /)
    const numbers = [...tails].reverse().flatMap(t => t.lines).map(l => Number(/line (\d+)$/.exec(l)?.[1] ?? NaN)).filter(n => !Number.isNaN(n))
    numbers.forEach((n, i) => { assert.equal(n, numbers[0]! + i) })
    assert.equal(numbers.at(-1), 299)
  })

  it('reads the logs and config of a profile whose store is locked, and says why the state is missing', async () => {
    const { profile } = await profileWithState()
    const running = await StateStore.open(profile) // holds the store's lock, as a running node does
    try {
      const result = await doctor(profile, undefined)
      assert.match(result.state, /running on this profile/)
      assert.ok(result.path.startsWith(join(profile, 'logs', 'bug-report-')), result.path)
      const report = await readReport(result.path)
      assert.equal(report.state.kind, 'unavailable')
      assert.deepEqual(report.config.value, { network: 'team', maxUpload: '4MiB' })
      assert.match(report.logs[0]!.lines.at(-1)!, /line 299$/)
    } finally {
      await running.close()
    }
  })

  it('says what is wrong with an invalid config.json and still writes the report', async () => {
    const { profile } = await profileWithState()
    await writeFile(join(profile, 'config.json'), '{"network": ')
    const report = await readReport((await doctor(profile, join(profile, 'r.json'))).path)
    assert.match(report.config.error ?? '', /not valid JSON/)
    assert.equal(report.config.text, '{"network": ')
  })

  it('fails plainly for a profile folder that does not exist', async () => {
    await assert.rejects(doctor(join(await tempDir(), 'nope'), undefined), { name: 'NotFoundError' })
  })

  it('writes the live state of a running service, read through its contract', async () => {
    const profile = await tempDir()
    const service = await SwarmdropService.create({ profileDir: profile, listen: ['/ip4/127.0.0.1/tcp/0'], network: TEST_NETWORK, mdns: false, bootstrap: [] })
    try {
      const { path } = await writeBugReport({ profileDir: profile, state: await liveState(service), outFile: join(profile, 'live.json') })
      const report = await readReport(path)
      assert.equal(report.state.kind, 'live')
      if (report.state.kind !== 'live') return
      assert.equal(report.state.node.peerId, service.nodeInfo().peerId)
      assert.ok(report.state.node.addresses.some(a => a.startsWith('/ip4/127.0.0.1/tcp/')))
      assert.equal(report.state.node.dht.mode, 'client')
      assert.deepEqual(report.state.downloads, [])
    } finally {
      await service.stop()
    }
  })
})
