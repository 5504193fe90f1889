import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ChunkOrigins, ORIGIN_EARLIER, ORIGIN_MISSING } from '../../node-core/src/scheduler/chunk-origins.ts'

describe('ChunkOrigins', () => {
  it('run-length encodes which source delivered each verified chunk', () => {
    const o = new ChunkOrigins(10)
    for (const i of [0, 1, 2]) o.record(i, 'peerA')
    for (const i of [3, 4]) o.record(i, 'peerB')
    o.record(7, 'peerA')
    const verified = new Set([0, 1, 2, 3, 4, 5, 7])
    const map = o.map(i => verified.has(i))
    assert.deepEqual(map.sources, ['peerA', 'peerB'])
    assert.equal(map.chunkCount, 10)
    // chunk 5 verified with no record (resumed from disk), 6, 8, 9 missing
    assert.deepEqual(map.runs, [[0, 3], [1, 2], [ORIGIN_EARLIER, 1], [ORIGIN_MISSING, 1], [0, 1], [ORIGIN_MISSING, 2]])
    assert.equal(map.runs.reduce((n, r) => n + r[1], 0), 10)
  })

  it('a chunk recorded but not verified (discarded) shows as missing; the latest source wins', () => {
    const o = new ChunkOrigins(3)
    o.record(0, 'a')
    o.record(0, 'b')
    o.record(1, 'a')
    assert.deepEqual(o.map(i => i === 0).runs, [[1, 1], [ORIGIN_MISSING, 2]])
  })

  it('rejects bad indices and counts; an empty download has no runs', () => {
    assert.throws(() => new ChunkOrigins(-1), { name: 'InvalidArgumentError' })
    const o = new ChunkOrigins(2)
    assert.throws(() => { o.record(2, 'a') }, { name: 'InvalidArgumentError' })
    assert.throws(() => { o.record(-1, 'a') }, { name: 'InvalidArgumentError' })
    assert.throws(() => { o.record(0.5, 'a') }, { name: 'InvalidArgumentError' })
    assert.deepEqual(new ChunkOrigins(0).map(() => true).runs, [])
  })
})
