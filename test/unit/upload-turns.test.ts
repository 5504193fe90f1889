// Upload turns: whole chunks in turn, a few at a time; tit for tat with an optimistic turn.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { UploadTurns } from '../../node-core/src/scheduler/upload-turns.ts'

describe('upload turns', () => {
  it('grants at most `slots` turns at once, the next on release', () => {
    const turns = new UploadTurns({ slots: 2 })
    const got: string[] = []
    for (const p of ['a', 'b', 'c', 'd']) turns.wait(p, () => { got.push(p) })
    assert.deepEqual(got, ['a', 'b'])
    assert.equal(turns.busy, 2)
    assert.equal(turns.waiting, 2)
    turns.release()
    assert.deepEqual(got, ['a', 'b', 'c'])
    turns.release()
    turns.release()
    assert.deepEqual(got, ['a', 'b', 'c', 'd'])
    turns.release()
    assert.equal(turns.busy, 0)
    assert.throws(() => { turns.release() })
  })

  it('a ticket cancelled before its turn takes no slot', () => {
    const turns = new UploadTurns({ slots: 1 })
    const got: string[] = []
    turns.wait('a', () => { got.push('a') })
    const b = turns.wait('b', () => { got.push('b') })
    turns.wait('c', () => { got.push('c') })
    b.cancel()
    turns.release()
    assert.deepEqual(got, ['a', 'c'])
    assert.equal(turns.waiting, 0)
  })

  it('prefers the peer that gives us most, but one turn in `optimisticEvery` goes to the longest waiting', () => {
    const credit: Record<string, number> = { giver: 1000, rider: 0 }
    const turns = new UploadTurns({ slots: 1, optimisticEvery: 4, credit: p => credit[p.split('#')[0]!] ?? 0 })
    const got: string[] = []
    turns.wait('first', () => { got.push('first') }) // turn 0: free slot
    // The free rider waits first, then the giver asks again and again.
    turns.wait('rider#1', () => { got.push('rider') })
    for (let i = 0; i < 6; i++) turns.wait(`giver#${i}`, () => { got.push('giver') })
    for (let i = 0; i < 7; i++) turns.release()
    // Turns 1, 2: the giver; turn 3 (optimistic): the rider, who waited longest; then the giver.
    assert.deepEqual(got, ['first', 'giver', 'giver', 'rider', 'giver', 'giver', 'giver', 'giver'])
  })

  it('take() resolves in turn and rejects when aborted while waiting', async () => {
    const turns = new UploadTurns({ slots: 1 })
    await turns.take('a')
    const abort = new AbortController()
    const b = turns.take('b', abort.signal)
    abort.abort(new Error('cancelled'))
    await assert.rejects(b, /cancelled/)
    const c = turns.take('c')
    turns.release()
    await c
    assert.equal(turns.busy, 1)
    assert.equal(turns.waiting, 0)
  })
})
