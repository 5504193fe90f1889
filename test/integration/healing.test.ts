// A swarm that heals: a seeder that restarts on another port does not strand its downloaders, and
// two downloads of different shares with the same name never mix their files. Real processes (and
// one in-process node driven through the service API, as the app drives it) on 127.0.0.1; no DHT
// and no mDNS, so only the new link or --peer can lead to the moved seeder.
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { shareIdOf } from '../../node-core/src/manifest/codec.ts'
import { SwarmdropService } from '../../node-core/src/service/service.ts'
import { makeTree, removeTemps, tempDir, treeHashes } from '../helpers/files.ts'
import { killAll, swarmdrop, TEST_NETWORK } from '../helpers/processes.ts'
import type { DownloadInfo, ServiceEvent } from '../../node-core/src/contract/index.ts'

const MiB = 1024 * 1024

after(async () => { await killAll(); await removeTemps() })

/** Resolves with the first event matching `predicate`, or rejects after `timeoutMs`. */
function nextEvent (service: SwarmdropService, predicate: (e: ServiceEvent) => boolean, timeoutMs: number): Promise<ServiceEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`no such event within ${timeoutMs} ms`)) }, timeoutMs)
    const off = service.subscribe(e => { if (predicate(e)) { clearTimeout(timer); off(); resolve(e) } })
  })
}

describe('a seeder that restarts on another port', { timeout: 300_000 }, () => {
  it('the running download takes the fresh link, dials the new address and completes without losing a verified chunk', async () => {
    const src = await tempDir()
    await makeTree(join(src, 'moving'), { 'a.bin': 12 * MiB, 'b.bin': 333 })
    const seederRepo = await tempDir()
    const seeder = swarmdrop(['share', join(src, 'moving'), '--repo', seederRepo, '--no-dht', '--max-upload', '2MiB'])
    const first = await seeder.event('shared')
    const service = await SwarmdropService.create({ profileDir: await tempDir(), listen: ['/ip4/127.0.0.1/tcp/0'], network: TEST_NETWORK, dht: false, mdns: false, restore: false })
    try {
      let lowest = Infinity
      let last: DownloadInfo | null = null
      service.subscribe(e => {
        if (!('download' in e)) return
        if (last != null && e.download.verifiedBytes < last.verifiedBytes) lowest = Math.min(lowest, e.download.verifiedBytes)
        last = e.download
      })
      const out = await tempDir()
      await service.call('addDownload', { link: first.link as string, outDir: out })
      await nextEvent(service, e => e.type === 'download:progress' && e.download.verifiedBytes > 2 * MiB, 120_000)
      await seeder.kill('SIGKILL')
      const restarted = swarmdrop(['share', join(src, 'moving'), '--repo', seederRepo, '--no-dht', '--max-upload', '8MiB'])
      const second = await restarted.event('shared')
      assert.equal(second.shareId, first.shareId)
      assert.notEqual(second.link, first.link, 'the restarted seeder listens on another port')
      const hinted = nextEvent(service, e => e.type === 'download:hints', 30_000)
      const done = nextEvent(service, e => e.type === 'download:complete', 180_000)
      await service.call('addDownload', { link: second.link as string, outDir: out })
      const hints = await hinted
      assert.equal(hints.type === 'download:hints' && hints.peers, 1, 'the user is told the link was merged into the running download')
      await done
      assert.equal(lowest, Infinity, 'verified bytes never went down')
      assert.deepEqual(await treeHashes(join(out, 'moving')), await treeHashes(join(src, 'moving')))
    } finally {
      await service.stop()
    }
  })

  it('get --peer with the new address resumes on the old profile, with no DHT to find it', async () => {
    const src = await tempDir()
    await makeTree(join(src, 'moved'), { 'a.bin': 10 * MiB })
    const seederRepo = await tempDir()
    const seeder = swarmdrop(['share', join(src, 'moved'), '--repo', seederRepo, '--no-dht', '--max-upload', '2MiB'])
    const shared = await seeder.event('shared')
    const repo = await tempDir()
    const out = await tempDir()
    const get = swarmdrop(['get', shared.link as string, '--out', out, '--repo', repo, '--no-dht'])
    const before = await get.waitFor(l => l.event === 'progress' && (l.verifiedBytes as number) > 2 * MiB, 120_000)
    await get.kill('SIGKILL')
    await seeder.kill('SIGKILL')
    const restarted = swarmdrop(['share', join(src, 'moved'), '--repo', seederRepo, '--no-dht'])
    const listening = await restarted.event('listening')
    await restarted.event('shared')
    const address = (listening.addresses as string[])[0]!
    const again = swarmdrop(['get', `swarmdrop://${shared.shareId as string}`, '--out', out, '--repo', repo, '--no-dht', '--peer', address])
    const resumed = await again.event('progress', 60_000)
    assert.ok((resumed.verifiedBytes as number) >= (before.verifiedBytes as number) - 4 * MiB, 'resumed from what was recorded (at most the chunks not yet synced are fetched again)')
    await again.event('complete', 180_000)
    assert.deepEqual(await treeHashes(join(out, 'moved')), await treeHashes(join(src, 'moved')))
  })
})

describe('two shares with the same name into one folder', { timeout: 240_000 }, () => {
  it('land in two folders, photos and photos (1), each byte-identical to its share', async () => {
    const a = await tempDir()
    const b = await tempDir()
    await makeTree(join(a, 'photos'), { 'one.jpg': 3 * MiB, 'shared-name.txt': 1000 })
    await makeTree(join(b, 'photos'), { 'two.jpg': 2 * MiB + 7, 'shared-name.txt': 2000 })
    const seederA = swarmdrop(['share', join(a, 'photos'), '--repo', await tempDir(), '--no-dht', '--max-upload', '2MiB'])
    const seederB = swarmdrop(['share', join(b, 'photos'), '--repo', await tempDir(), '--no-dht', '--max-upload', '2MiB'])
    const [linkA, linkB] = [(await seederA.event('shared')).link as string, (await seederB.event('shared')).link as string]
    const out = await tempDir()
    const getA = swarmdrop(['get', linkA, '--out', out, '--repo', await tempDir(), '--no-dht'])
    const getB = swarmdrop(['get', linkB, '--out', out, '--repo', await tempDir(), '--no-dht'])
    const [doneA, doneB] = await Promise.all([getA.event('complete', 180_000), getB.event('complete', 180_000)])
    const folderOf = (done: Record<string, unknown>): string => (done.files as Array<{ path: string }>)[0]!.path.slice(out.length + 1).split('/')[0]!
    assert.deepEqual([folderOf(doneA), folderOf(doneB)].sort(), ['photos', 'photos (1)'])
    assert.deepEqual((await readdir(out)).sort(), ['photos', 'photos (1)'])
    assert.deepEqual(await treeHashes(join(out, folderOf(doneA))), await treeHashes(join(a, 'photos')))
    assert.deepEqual(await treeHashes(join(out, folderOf(doneB))), await treeHashes(join(b, 'photos')))
  })

  it('refuses --out naming an existing file before any network work', async () => {
    const dir = await tempDir()
    const file = join(dir, 'not-a-folder')
    await makeTree(dir, { 'not-a-folder': 10 })
    const shareId = await shareIdOf(new Uint8Array([1, 2, 3]))
    const get = swarmdrop(['get', `swarmdrop://${shareId}`, '--out', file, '--repo', await tempDir(), '--no-dht'])
    assert.equal(await get.exited, 1)
    assert.match(get.stderr, /is not a folder/)
  })
})
