/**
 * Finished downloads across a restart (issue 13, "limits after a restart"): listed complete again
 * at start-up (seeded if their share is), their share ratio going on from what was uploaded before;
 * the seeding limits apply to them; one a limit stopped stays stopped (and one switched on again by
 * hand is not stopped twice); files that vanished are reported as a changed share, never a failed
 * start-up. Real parts over a real profile, restarted (test/helpers/profile-node.ts).
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { rm, stat } from 'node:fs/promises'
import { ORIGIN_EARLIER } from '../../node-core/src/contract/chunk-map.ts'
import { StateStore } from '../../node-core/src/storage/state-store.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'
import { finishedDownload, Node, SIZE, waitUntil } from '../helpers/profile-node.ts'

after(removeTemps)

describe('a finished download after a restart', () => {
  it('is listed complete and seeded, its ratio goes on, a limit stops it and it stays stopped', async () => {
    const profileDir = await tempDir()
    const { shareId, path } = await finishedDownload(profileDir, { seeded: true })
    let node = await Node.start(profileDir)
    assert.deepEqual(node.list().map(d => d.shareId), [shareId], 'listed after a restart')
    let d = node.info(shareId)
    assert.deepEqual([d.state, d.seeding, d.verifiedBytes, d.totalBytes, d.name], ['complete', true, SIZE, SIZE, 'film.bin'])
    assert.deepEqual(d.files, [path])
    const map = node.downloads.get(shareId).chunkMap()!
    assert.deepEqual(map.runs, [[ORIGIN_EARLIER, map.chunkCount]], 'every chunk there, from an earlier run')
    assert.equal(node.shares.isSeeded(shareId), true, 'its share is served (the registry restored it)')
    node.shares.recordUpload(shareId, SIZE)
    await node.stop()

    // The share ratio goes on from what was uploaded before; a ratio limit of 2 stops it.
    node = await Node.start(profileDir)
    assert.equal(node.info(shareId).uploadedBytes, SIZE, 'the bytes uploaded before the restart')
    await node.settings.set({ seedRatioLimit: 2 })
    node.shares.recordUpload(shareId, SIZE - 1)
    node.limits.check()
    assert.equal(node.info(shareId).seeding, true, 'ratio just under 2')
    node.shares.recordUpload(shareId, 1)
    node.limits.check()
    await waitUntil(() => !node.info(shareId).seeding)
    d = node.info(shareId)
    assert.equal(d.seedStopped?.reason, 'ratio')
    assert.equal(d.uploadedBytes, 2 * SIZE)
    assert.equal(node.shares.isSeeded(shareId), false)
    await node.stop()

    node = await Node.start(profileDir)
    d = node.info(shareId)
    assert.equal(d.state, 'complete')
    assert.equal(d.seeding, false, 'a download a limit stopped is not seeded after a restart')
    assert.equal(node.shares.isSeeded(shareId), false)
    assert.equal(d.seedStopped?.reason, 'ratio', 'and says why')
    assert.equal(d.uploadedBytes, 2 * SIZE)

    // Switched on by hand: seeded from its files again, and not stopped again (a limit stops a download once).
    await node.downloads.seed(shareId, true)
    assert.equal(node.info(shareId).seeding, true)
    assert.ok((await node.shares.servedFor(shareId)!.readChunk(0)).length > 0)
    node.shares.recordUpload(shareId, SIZE)
    node.limits.check()
    await new Promise(resolve => setImmediate(resolve))
    assert.equal(node.info(shareId).seeding, true)
    await node.stop()

    node = await Node.start(profileDir)
    assert.equal(node.info(shareId).seeding, true, 'switched on by hand: seeded after a restart too')
    assert.equal(node.info(shareId).uploadedBytes, 3 * SIZE)
    node.limits.check()
    await new Promise(resolve => setImmediate(resolve))
    assert.equal(node.info(shareId).seeding, true, 'still not stopped twice')
    await node.stop()
  })

  it('one not seeded (an older record too) is listed with no uploads and can be seeded again', async () => {
    const profileDir = await tempDir()
    const { shareId } = await finishedDownload(profileDir, { seeded: false })
    const node = await Node.start(profileDir)
    const d = node.list().find(x => x.shareId === shareId)
    assert.ok(d != null, 'listed after a restart')
    assert.deepEqual([d.state, d.seeding, d.uploadedBytes, d.seedingMs, d.seedStopped], ['complete', false, 0, 0, null])
    const before = node.events.length
    await node.downloads.seed(shareId, true)
    assert.ok(node.events.slice(before).some(e => e.type === 'share:added'))
    assert.ok((await node.shares.servedFor(shareId)!.readChunk(1)).length > 0)
    await node.stop()
  })

  it('files that vanished: start-up goes on, and the share says so when it is served', async () => {
    const profileDir = await tempDir()
    const seeded = await finishedDownload(profileDir, { seeded: true, name: 'a.bin' })
    const unseeded = await finishedDownload(profileDir, { seeded: false, name: 'b.bin' })
    await rm(seeded.path)
    await rm(unseeded.path)
    const node = await Node.start(profileDir)
    assert.deepEqual(node.list().map(d => d.state), ['complete', 'complete'])
    await assert.rejects(node.shares.servedFor(seeded.shareId)!.readChunk(0))
    assert.ok(node.events.some(e => e.type === 'share:changed' && e.share.shareId === seeded.shareId && /a\.bin was removed/.test(e.share.changed ?? '')))
    await node.downloads.seed(unseeded.shareId, true)
    await assert.rejects(node.shares.servedFor(unseeded.shareId)!.readChunk(0))
    assert.ok(node.events.some(e => e.type === 'share:changed' && e.share.shareId === unseeded.shareId && /b\.bin was removed/.test(e.share.changed ?? '')))
    await node.stop()
  })

  it('one whose manifest is damaged is left out (logged); the others are restored', async () => {
    const profileDir = await tempDir()
    const kept = await finishedDownload(profileDir, { seeded: false, name: 'kept.bin' })
    const lost = await finishedDownload(profileDir, { seeded: false, name: 'lost.bin' })
    const store = await StateStore.open(profileDir)
    await store.putManifest(lost.shareId, new Uint8Array([1, 2, 3]))
    await store.close()
    const node = await Node.start(profileDir)
    assert.deepEqual(node.list().map(d => d.shareId), [kept.shareId])
    await node.stop()
  })

  it('the same link again returns it, finished (no second copy); Remove works as before', async () => {
    const profileDir = await tempDir()
    const { shareId, outDir } = await finishedDownload(profileDir, { seeded: true })
    const node = await Node.start(profileDir)
    const again = await node.downloads.add({ shareId, peers: [] }, { outDir }, outDir)
    assert.equal(again.state, 'complete')
    assert.equal(node.list().length, 1)
    await node.downloads.remove(shareId, false)
    assert.equal(node.list().length, 0)
    assert.equal(await node.store.getDownload(shareId), undefined)
    assert.equal(node.shares.isSeeded(shareId), true, 'Remove from list keeps it shared')
    await node.stop()
  })

  it('Remove and delete files: stops sharing it and deletes what it wrote', async () => {
    const profileDir = await tempDir()
    const { shareId, path } = await finishedDownload(profileDir, { seeded: true })
    const node = await Node.start(profileDir)
    assert.equal(node.info(shareId).seeding, true)
    await node.downloads.remove(shareId, false, true)
    assert.equal(node.shares.isSeeded(shareId), false)
    await assert.rejects(stat(path), { code: 'ENOENT' })
    await node.stop()
  })
})
