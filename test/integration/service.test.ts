/**
 * The service API in process: two SwarmdropService instances (real libp2p nodes on 127.0.0.1,
 * real LevelDB profiles, real files) driven only through `call` and `subscribe`, as the Electron
 * bridge and the web UI will drive them.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { SwarmdropService } from '../../node-core/src/service/service.ts'
import { makeTree, removeTemps, tempDir, treeHashes } from '../helpers/files.ts'
import { TEST_NETWORK } from '../helpers/processes.ts'
import type { ServiceEvent } from '../../node-core/src/service/api.ts'

const MiB = 1024 * 1024
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
    const limits = await alice.call('setLimits', { maxUploadBytesPerSecond: 2 * MiB })
    assert.equal(limits.maxUploadBytesPerSecond, 2 * MiB)
    const share = await alice.call('share', { path: join(src, 'docs') })
    assert.equal(share.fileCount, 2)
    assert.match(share.link, /^swarmdrop:\/\//)

    const events: ServiceEvent[] = []
    bob.subscribe(e => events.push(e))
    const out = await tempDir()
    const complete = new Promise<ServiceEvent>(resolve => bob.subscribe(e => { if (e.type === 'download:complete') resolve(e) }))
    const added = await bob.call('addDownload', { link: share.link, outDir: out })
    assert.equal(added.shareId, share.shareId)
    // Lift the cap while the download runs.
    await new Promise(resolve => setTimeout(resolve, 1000))
    await alice.call('setLimits', { maxUploadBytesPerSecond: 0 })
    const done = await complete
    assert.equal(done.type, 'download:complete')
    if (done.type !== 'download:complete') return
    assert.equal(done.download.verifiedBytes, 6 * MiB + 1234)
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
  })
})
