/**
 * A download's seeding record (issue 13, "limits after a restart"): bytes uploaded of its share,
 * time seeded and a limit's stop, saved in the state store when they change, read back tolerantly
 * (a record from before these were kept, or an odd field, counts as zero or no stop), forgotten
 * with the download; and the time seeded before a restart counts toward a seeding-time limit.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { NOTHING_SAVED, savedSeeding, SeedingLedger } from '../../node-core/src/service/seeding-ledger.ts'
import { StateStore } from '../../node-core/src/storage/state-store.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'
import { finishedDownload, Node, waitUntil } from '../helpers/profile-node.ts'
import type { SeedingRecord } from '../../node-core/src/storage/state-store.ts'

after(removeTemps)

describe('seeding record', () => {
  it('is read tolerantly: absent or odd fields count as zero or no stop', () => {
    assert.deepEqual(savedSeeding(undefined), NOTHING_SAVED)
    assert.deepEqual(savedSeeding('junk'), NOTHING_SAVED)
    assert.deepEqual(savedSeeding({ uploadedBytes: -1, seedingMs: 1.5, seedStopped: { reason: 'bored', ratio: 1, at: 0 } }), NOTHING_SAVED)
    assert.deepEqual(savedSeeding({ uploadedBytes: 10, seedingMs: 20 }), { uploadedBytes: 10, seedingMs: 20, seedStopped: null })
    const stopped = { reason: 'time', ratio: 0.5, seedingMinutes: 30, at: 99 }
    assert.deepEqual(savedSeeding({ uploadedBytes: 1, seedingMs: 2, seedStopped: stopped }).seedStopped, stopped)
    assert.equal(savedSeeding({ seedStopped: { ...stopped, ratio: 'x' } }).seedStopped, null)
  })

  it('is saved only when it changed, goes on from what was saved, and not after a close without saving', async () => {
    const profileDir = await tempDir()
    let store = await StateStore.open(profileDir)
    let uploadedNow = 0
    const ledger = new SeedingLedger(store, 'share-a', () => uploadedNow)
    await ledger.save(1000)
    assert.equal(await store.getSeeding('share-a'), undefined, 'nothing to save yet')
    uploadedNow = 500
    ledger.clock.started(1000)
    await ledger.save(4000)
    assert.deepEqual(await store.getSeeding('share-a'), { uploadedBytes: 500, seedingMs: 3000, seedStopped: null })
    ledger.clock.stopped = { reason: 'ratio', ratio: 1, seedingMinutes: 0, at: 5000 }
    ledger.clock.ended(5000)
    await ledger.save(5000)
    await store.close()

    store = await StateStore.open(profileDir)
    uploadedNow = 0 // a new process: its own count starts from zero
    const again = new SeedingLedger(store, 'share-a', () => uploadedNow, savedSeeding(await store.getSeeding('share-a')))
    uploadedNow = 100
    assert.equal(again.uploadedBytes(), 600)
    assert.equal(again.clock.ms(9999), 4000)
    assert.equal(again.clock.stopped?.reason, 'ratio')
    await again.close(false)
    uploadedNow = 200
    await again.save()
    assert.equal((await store.getSeeding('share-a') as SeedingRecord).uploadedBytes, 500, 'closed: nothing more written')
    await store.deleteDownload('share-a')
    assert.equal(await store.getSeeding('share-a'), undefined, 'forgotten with its download')
    await store.close()
  })

  it('saved by a running node every few seconds and at stop: a restart goes on from it', async () => {
    const profileDir = await tempDir()
    const { shareId } = await finishedDownload(profileDir, { seeded: true })
    let node = await Node.start(profileDir)
    node.shares.recordUpload(shareId, 1234)
    await node.downloads.saveSeeding() // what the timer does
    assert.equal((savedSeeding(await node.store.getSeeding(shareId))).uploadedBytes, 1234)
    node.shares.recordUpload(shareId, 1)
    await node.stop() // saves at stop
    node = await Node.start(profileDir)
    assert.equal(node.info(shareId).uploadedBytes, 1235)
    await node.stop()
  })
})

describe('a seeding-time limit after a restart', () => {
  it('counts the time seeded before the restart', async () => {
    const profileDir = await tempDir()
    const { shareId } = await finishedDownload(profileDir, {
      seeded: true,
      saved: async (store, id) => { await store.putSeeding(id, { uploadedBytes: 0, seedingMs: 10 * 60_000, seedStopped: null }) }
    })
    const node = await Node.start(profileDir)
    assert.equal(node.info(shareId).seeding, true)
    await node.settings.set({ seedMinutesLimit: 10 })
    node.limits.check()
    await waitUntil(() => !node.info(shareId).seeding)
    assert.equal(node.info(shareId).seedStopped?.reason, 'time')
    assert.equal(node.info(shareId).seedStopped?.seedingMinutes, 10)
    await node.stop()
  })
})
