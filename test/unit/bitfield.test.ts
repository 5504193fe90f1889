import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Bitfield } from '../../node-core/src/storage/bitfield.ts'

describe('Bitfield', () => {
  it('sets, counts and lists bits MSB-first', () => {
    const b = new Bitfield(10)
    assert.equal(b.bytes.length, 2)
    assert.equal(b.set(0), true)
    assert.equal(b.set(0), false)
    b.set(9)
    assert.deepEqual([...b.bytes], [0x80, 0x40])
    assert.equal(b.count, 2)
    assert.deepEqual([...b.indices()], [0, 9])
    assert.equal(b.has(5), false)
    assert.equal(b.has(-1), false)
    assert.equal(b.has(10), false)
  })

  it('rejects out-of-range sets and malformed bytes', () => {
    const b = new Bitfield(10)
    assert.throws(() => b.set(10), { name: 'InvalidArgumentError' })
    assert.throws(() => b.set(-1), { name: 'InvalidArgumentError' })
    assert.throws(() => b.set(1.5), { name: 'InvalidArgumentError' })
    assert.throws(() => new Bitfield(10, new Uint8Array(3)), { name: 'InvalidArgumentError' })
    assert.throws(() => new Bitfield(10, Uint8Array.of(0, 0x20)), /past its length/)
    assert.throws(() => new Bitfield(-1), { name: 'InvalidArgumentError' })
  })

  it('round-trips through bytes and knows when it is complete', () => {
    const full = Bitfield.full(13)
    assert.equal(full.complete, true)
    const copy = new Bitfield(13, full.bytes)
    assert.equal(copy.count, 13)
    copy.bytes[0] = 0 // a copy: the original is untouched
    assert.equal(full.has(0), true)
    assert.equal(new Bitfield(0).complete, true)
  })
})
