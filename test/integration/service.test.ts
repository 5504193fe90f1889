/**
 * The service API in process: two SwarmdropService instances (real libp2p nodes on 127.0.0.1,
 * real LevelDB profiles, real files) driven only through `call` and `subscribe`, as the Electron
 * bridge and the web UI will drive them.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { SwarmdropService } from '../../node-core/src/service/service.ts'
import { makeTree, removeTemps, tempDir, treeHashes } from '../helpers/files.ts'
import { TEST_NETWORK } from '../helpers/processes.ts'
import type { AppSettings, ServiceEvent } from '../../node-core/src/contract/index.ts'

const MiB = 1024 * 1024
/** The upload cap set while the download runs: low enough that 6 MiB take 24 s under it. */
const CAP = 256 * 1024
const services: SwarmdropService[] = []
after(async () => { for (const s of services) await s.stop(); await removeTemps() })

async function service (): Promise<SwarmdropService> {
  const s = await SwarmdropService.create({ profileDir: await tempDir(), listen: ['/ip4/127.0.0.1/tcp/0'], downloadDir: await tempDir(), restore: false, mdns: false, network: TEST_NETWORK })
  services.push(s)
  return s
}

describe('service API', { timeout: 120_000 }, () => {
  it('validates every command at the boundary with a typed error', async () => {
    const s = await service()
    const bad: Array<[string, unknown]> = [
      ['nope', {}], ['share', {}], ['share', { path: 5 }], ['share', { path: '/x', extra: 1 }],
      ['setLimits', { maxUploadBytesPerSecond: -1 }], ['setLimits', { maxUploadBytesPerSecond: 1.5 }],
      ['addDownload', { link: 'x'.repeat(9000) }], ['pause', { shareId: '' }], ['__proto__', {}], ['toString', {}]
    ]
    for (const [command, args] of bad) {
      await assert.rejects(s.call(command as 'share', args as never), { name: 'InvalidArgumentError' }, command)
    }
    await assert.rejects(s.call('addDownload', { link: 'swarmdrop://nope' }), { name: 'InvalidLinkError' })
    await assert.rejects(s.call('pause', { shareId: 'unknown' }), { name: 'NotFoundError' })
  })

  it('shares, downloads with per-source progress events, applies limits at run time, and lists everything', async () => {
    const alice = await service()
    const bob = await service()
    const src = await tempDir()
    await makeTree(join(src, 'docs'), { 'a.bin': 6 * MiB, 'b/c.txt': 1234 })
    const limits = await alice.call('setLimits', { maxUploadBytesPerSecond: CAP })
    assert.equal(limits.maxUploadBytesPerSecond, CAP)
    const cappedFrom = performance.now()
    const share = await alice.call('share', { path: join(src, 'docs') })
    assert.equal(share.fileCount, 2)
    assert.match(share.link, /^swarmdrop:\/\//)

    const events: ServiceEvent[] = []
    bob.subscribe(e => events.push(e))
    const out = await tempDir()
    const complete = new Promise<ServiceEvent>(resolve => bob.subscribe(e => { if (e.type === 'download:complete') resolve(e) }))
    const verified = (atLeast: number): Promise<number> => new Promise(resolve => bob.subscribe(e => { if ((e.type === 'download:progress' || e.type === 'download:complete') && e.download.verifiedBytes >= atLeast) resolve(e.download.verifiedBytes) }))
    const capped = verified(MiB)
    const added = await bob.call('addDownload', { link: share.link, outDir: out })
    assert.equal(added.shareId, share.shareId)
    // While capped: every byte bob has verified was sent by alice after the cap was set, so no more
    // than the cap times the time since then plus one bucket (a quarter second, at least 64 KiB)
    // and the chunks in flight. A slow machine only lowers the count.
    const cappedBytes = await capped
    const cappedSeconds = (performance.now() - cappedFrom) / 1000
    assert.ok(cappedBytes <= CAP * cappedSeconds + 64 * 1024 + 4 * 64 * 1024, `${cappedBytes} bytes in ${cappedSeconds} s under a cap of ${CAP} B/s`)
    // Lift the cap while the download runs: the rest (over 5 MiB, 20 s at the cap) comes faster than the cap allows.
    const liftedAt = performance.now()
    await alice.call('setLimits', { maxUploadBytesPerSecond: 0 })
    const done = await complete
    const liftedSeconds = (performance.now() - liftedAt) / 1000
    assert.equal(done.type, 'download:complete')
    if (done.type !== 'download:complete') return
    assert.equal(done.download.verifiedBytes, 6 * MiB + 1234)
    const rest = 6 * MiB + 1234 - cappedBytes
    assert.ok(rest / liftedSeconds > CAP, `after the cap was lifted: ${rest} bytes in ${liftedSeconds} s`)
    assert.equal(done.download.files?.length, 2)
    assert.deepEqual(await treeHashes(join(out, 'docs')), await treeHashes(join(src, 'docs')))

    const progress = events.filter(e => e.type === 'download:progress')
    assert.ok(progress.some(e => e.type === 'download:progress' && e.download.sources.some(s => s.peerId === alice.node.peerId.toString() && s.bytes > 0)), 'progress names the source and its bytes')
    assert.ok(events.some(e => e.type === 'peer:connected'))

    const listed = await bob.call('list', {})
    assert.equal(listed.downloads[0]?.state, 'complete')
    assert.equal(listed.shares[0]?.shareId, share.shareId, 'a finished download is seeded')
    assert.ok(listed.peers.some(p => p.peerId === alice.node.peerId.toString()))
    const aliceShares = (await alice.call('list', {})).shares
    assert.equal(aliceShares[0]?.uploadedBytes, 6 * MiB + 1234)
    assert.equal(typeof aliceShares[0]?.peersFetching, 'number')

    // The UI's additions: peer details, the chunk map, the file list.
    const alicePeer = listed.peers.find(p => p.peerId === alice.node.peerId.toString())!
    assert.equal(alicePeer.via, 'link', 'alice was dialed from the link hints')
    assert.equal(alicePeer.direction, 'outbound')
    assert.ok(alicePeer.latencyMs === null || alicePeer.latencyMs >= 0, `latency: ${alicePeer.latencyMs}`) // measured every 10 s
    const bobAtAlice = (await alice.call('list', {})).peers.find(p => p.peerId === bob.node.peerId.toString())
    assert.equal(bobAtAlice?.via, 'inbound')
    const map = await bob.call('chunkMap', { shareId: share.shareId })
    assert.deepEqual(map.sources, [alice.node.peerId.toString()])
    assert.deepEqual(map.runs, [[0, share.chunkCount]], 'every chunk came from alice')
    assert.equal(map.chunkCount, share.chunkCount)
    const files = await bob.call('files', { shareId: share.shareId })
    assert.deepEqual(files.files, [{ path: 'docs/a.bin', size: 6 * MiB }, { path: 'docs/b/c.txt', size: 1234 }])
    assert.deepEqual((await alice.call('files', { shareId: share.shareId })).files, files.files)
    await assert.rejects(alice.call('chunkMap', { shareId: share.shareId }), { name: 'NotFoundError' }, 'a seeded share has no download chunk map')
  })

  it('reports peers fetching a share while a download runs', async () => {
    const alice = await service()
    const bob = await service()
    const src = await tempDir()
    await makeTree(src, { 'slow.bin': 4 * MiB })
    await alice.call('setLimits', { maxUploadBytesPerSecond: 1 * MiB })
    const share = await alice.call('share', { path: join(src, 'slow.bin') })
    const complete = new Promise(resolve => bob.subscribe(e => { if (e.type === 'download:complete') resolve(e) }))
    await bob.call('addDownload', { link: share.link, outDir: await tempDir() })
    let seen = 0
    let uploadRate = 0
    // Polled every 250 ms until seen, capped for a hang (was 60 polls, 15 s: a busy machine outran it).
    const deadline = Date.now() + 120_000
    while (seen === 0 && Date.now() < deadline) {
      await new Promise(resolve => setTimeout(resolve, 250))
      const listed = await alice.call('list', {})
      seen = listed.shares[0]?.peersFetching ?? 0
      uploadRate = Math.max(uploadRate, listed.peers.find(p => p.peerId === bob.node.peerId.toString())?.uploadRate ?? 0)
    }
    assert.equal(seen, 1, 'bob is fetching')
    while (uploadRate === 0 && Date.now() < deadline + 60_000) {
      await new Promise(resolve => setTimeout(resolve, 250))
      uploadRate = (await alice.call('list', {})).peers.find(p => p.peerId === bob.node.peerId.toString())?.uploadRate ?? 0
    }
    assert.ok(uploadRate > 0, 'alice measures her upload rate to bob')
    await complete
  })

  it('settings: download folder, limits and desktop flags persist; the network is saved to config.json for the next start', async () => {
    const profileDir = await tempDir()
    const dl = await tempDir()
    const s1 = await SwarmdropService.create({ profileDir, listen: ['/ip4/127.0.0.1/tcp/0'], restore: false, mdns: false, network: TEST_NETWORK })
    services.push(s1)
    const before = await s1.call('getSettings', {})
    assert.equal(before.network, TEST_NETWORK)
    assert.equal(before.savedNetwork, null)
    assert.deepEqual([before.closeToTray, before.startAtLogin], [true, false], 'desktop defaults: close to tray on, start at login off')
    const changed: AppSettings[] = []
    s1.subscribe(e => { if (e.type === 'settings:changed') changed.push(e.settings) })
    await assert.rejects(s1.call('setSettings', { downloadDir: join(dl, 'does-not-exist') }), { name: 'InvalidArgumentError' })
    await assert.rejects(s1.call('setSettings', { network: '../evil' }), { name: 'InvalidArgumentError' })
    const after = await s1.call('setSettings', { downloadDir: dl, maxUploadBytesPerSecond: 1000, network: 'team-b', closeToTray: false, startAtLogin: true })
    assert.equal(after.downloadDir, dl)
    assert.equal(after.maxUploadBytesPerSecond, 1000)
    assert.equal(after.network, TEST_NETWORK, 'the running network does not change')
    assert.equal(after.savedNetwork, 'team-b')
    assert.equal(after.closeToTray, false)
    assert.equal(after.startAtLogin, true)
    assert.deepEqual(changed, [after], 'one settings:changed event with the new settings; none for the rejected calls')
    const limits = await s1.call('setLimits', { maxDownloadBytesPerSecond: 2000 })
    assert.deepEqual(limits, { maxUploadBytesPerSecond: 1000, maxDownloadBytesPerSecond: 2000 })
    assert.equal(changed.length, 2, 'setLimits is a settings change too')
    assert.equal(changed[1]?.maxDownloadBytesPerSecond, 2000)
    assert.deepEqual(JSON.parse(await readFile(join(profileDir, 'config.json'), 'utf8')), { network: 'team-b' })
    await s1.stop()
    services.splice(services.indexOf(s1), 1)
    const s2 = await SwarmdropService.create({ profileDir, listen: ['/ip4/127.0.0.1/tcp/0'], restore: false, mdns: false, network: TEST_NETWORK })
    services.push(s2)
    const again = await s2.call('getSettings', {})
    assert.equal(again.downloadDir, dl)
    assert.equal(again.maxUploadBytesPerSecond, 1000)
    assert.equal(again.maxDownloadBytesPerSecond, 2000)
    assert.equal(again.closeToTray, false)
    assert.equal(again.startAtLogin, true)
    const cleared = await s2.call('setSettings', { network: null })
    assert.equal(cleared.savedNetwork, null)
  })
})
