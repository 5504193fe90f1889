import { test } from 'node:test'
import assert from 'node:assert/strict'
import { formatBytes, formatRate, parseByteRate } from '../../node-core/src/bandwidth/units.ts'
import { InvalidArgumentError } from '../../node-core/src/errors.ts'

test('parseByteRate parses sizes with decimal and binary units', () => {
  const cases: Array<[string, number]> = [
    ['4MiB', 4 * 2 ** 20],
    ['4 MiB', 4 * 2 ** 20],
    ['500KiB', 500 * 1024],
    ['1.5MB', 1_500_000],
    ['100kB', 100_000],
    ['100KB', 100_000],
    ['1000', 1000],
    ['2GiB', 2 * 2 ** 30],
    ['3GB', 3e9],
    ['1TiB', 2 ** 40],
    ['12B', 12],
    ['.5KiB', 512],
    ['1.5B', 2],
    ['  7 mib  ', 7 * 2 ** 20],
    ['7MIB', 7 * 2 ** 20],
    ['1.', 1],
    ['+5kb', 5000]
  ]
  for (const [text, expected] of cases) assert.equal(parseByteRate(text), expected, text)
})

test('parseByteRate accepts a trailing /s', () => {
  assert.equal(parseByteRate('4MiB/s'), 4 * 2 ** 20)
  assert.equal(parseByteRate('4 MiB / s'), 4 * 2 ** 20)
  assert.equal(parseByteRate('100kB/S'), 100_000)
  assert.equal(parseByteRate('1000/s'), 1000)
})

test('parseByteRate: 0 means unlimited', () => {
  assert.equal(parseByteRate('0'), 0)
  assert.equal(parseByteRate('0 MiB/s'), 0)
  assert.equal(parseByteRate('0.0'), 0)
})

test('parseByteRate rejects bad input with InvalidArgumentError', () => {
  const bad = ['', '   ', '-1', '-0', '-4MiB', 'NaN', 'abc', 'MiB', '4 XB', '4 Mbit', '1e3', '4MiB/h', '4 MiB/s/s',
    'Infinity', '1'.padEnd(400, '0'), '9007199254740992', '8 EiB', '9000000 TiB', '0.4B', '1,5MB', '4 M iB', '0x10']
  for (const text of bad) {
    assert.throws(() => parseByteRate(text), (err: Error) => err instanceof InvalidArgumentError && err.code === 'invalid-argument', JSON.stringify(text))
  }
  assert.equal(parseByteRate('9007199254740991'), Number.MAX_SAFE_INTEGER)
})

test('formatBytes uses binary units with up to 3 significant digits', () => {
  const KiB = 1024
  const MiB = KiB * 1024
  const GiB = MiB * 1024
  const cases: Array<[number, string]> = [
    [0, '0 B'],
    [1, '1 B'],
    [512, '512 B'],
    [1023, '1023 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [1.25 * KiB, '1.25 KiB'],
    [12.34 * MiB, '12.3 MiB'],
    [200 * MiB, '200 MiB'],
    [3.2 * GiB, '3.2 GiB'],
    [999.6 * KiB, '1000 KiB'],
    [1023.7 * KiB, '1 MiB'],
    [5 * 1024 * GiB, '5 TiB'],
    [10.04 * KiB, '10 KiB'],
    [99.96 * KiB, '100 KiB'],
    [512.4, '512 B'],
    [1023.6, '1 KiB'],
    [-1536, '-1.5 KiB']
  ]
  for (const [n, expected] of cases) assert.equal(formatBytes(n), expected, String(n))
  assert.equal(formatBytes(Infinity), 'Infinity B')
})

test('formatRate appends /s', () => {
  assert.equal(formatRate(0), '0 B/s')
  assert.equal(formatRate(1.5 * 1024 * 1024), '1.5 MiB/s')
})

test('formatBytes and parseByteRate round-trip for binary values', () => {
  for (const text of ['1 KiB', '1.5 KiB', '200 MiB', '3.2 GiB', '512 B']) {
    assert.equal(formatBytes(parseByteRate(text)), text)
  }
})
