/// <reference lib="dom" />
/**
 * The browser upload's progress model (renderer/src/lib/upload.ts): a file can be cancelled while
 * it waits or is being sent (the one being sent is aborted), never once it is done; the whole
 * upload counts as cancelled only when every file is; rate and time left from bytes sent.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { UploadProgress, uploadRate } from '../../renderer/src/lib/upload.ts'

const files = ['a.bin', 'b.bin', 'c.bin'].map((name, i) => ({ file: new File([new Uint8Array(1000 * (i + 1))], name), relativePath: `batch/${name}` }))

describe('UploadProgress', () => {
  it('cancels waiting and sending files (aborting the one being sent), not finished ones', () => {
    const changes: string[][] = []
    const progress = new UploadProgress(files, f => { changes.push(f.map(x => x.status)) })
    assert.deepEqual(progress.files.map(f => [f.path, f.size, f.sent, f.status]), [['batch/a.bin', 1000, 0, 'waiting'], ['batch/b.bin', 2000, 0, 'waiting'], ['batch/c.bin', 3000, 0, 'waiting']])
    progress.update(0, { status: 'done', sent: 1000 })
    progress.cancel(0)
    assert.equal(progress.files[0]!.status, 'done', 'a finished file stays')
    let aborted = 0
    progress.update(1, { status: 'sending', sent: 500 })
    progress.onAbort(1, () => { aborted++ })
    progress.cancel(1)
    assert.equal(aborted, 1)
    assert.equal(progress.files[1]!.status, 'cancelled')
    progress.cancel(1)
    assert.equal(aborted, 1, 'once')
    progress.cancel(2)
    assert.equal(progress.files[2]!.status, 'cancelled')
    assert.equal(progress.cancelled, false, 'one file was sent')
    assert.deepEqual(changes.at(-1), ['done', 'cancelled', 'cancelled'])
    const none = new UploadProgress(files.slice(1))
    none.cancel(0)
    none.cancel(1)
    assert.equal(none.cancelled, true)
  })

  it('rate and time left from the bytes sent', () => {
    const f = { path: 'x', size: 4000, sent: 1000, status: 'sending' as const, startedAt: 1000, endedAt: null }
    assert.deepEqual(uploadRate(f, 2000), { rate: 1000, eta: 3 })
    assert.deepEqual(uploadRate({ ...f, startedAt: null }, 2000), { rate: 0, eta: null })
    assert.deepEqual(uploadRate({ ...f, sent: 4000, status: 'done', endedAt: 3000 }, 9000), { rate: 2000, eta: null })
  })
})
