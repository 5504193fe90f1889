/** The lifetime totals: counted, saved, read back after a restart; an odd saved value counts as zero. */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { LifetimeTotals } from '../../node-core/src/service/lifetime-totals.ts'
import { StateStore } from '../../node-core/src/storage/state-store.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'

after(async () => { await removeTemps() })

describe('LifetimeTotals', () => {
  it('keeps what was counted across a reopen of the profile', async () => {
    const profile = await tempDir()
    let store = await StateStore.open(profile)
    const totals = await LifetimeTotals.open(store)
    assert.deepEqual([totals.uploaded, totals.downloaded], [0, 0])
    totals.addDownloaded(1000)
    totals.addUploaded(300)
    totals.addDownloaded(24)
    await totals.flush()
    await store.close()
    store = await StateStore.open(profile)
    const again = await LifetimeTotals.open(store)
    assert.deepEqual([again.uploaded, again.downloaded], [300, 1024])
    await store.putTotals({ uploaded: -5, downloaded: 1.5 })
    const odd = await LifetimeTotals.open(store)
    assert.deepEqual([odd.uploaded, odd.downloaded], [0, 0])
    await store.close()
  })
})
