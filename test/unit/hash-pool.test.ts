import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { HashPool } from '../../node-core/src/manifest/hash-pool.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'

after(async () => { await removeTemps() })

async function waitFor (check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms
  while (!check()) {
    if (Date.now() > until) throw new Error(`not true after ${ms} ms`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

test('the hash pool starts workers only for work and stops them once idle', async () => {
  const file = join(await tempDir(), 'data.bin')
  const bytes = Buffer.alloc(3 * 65536 + 10, 7)
  await writeFile(file, bytes)
  const pool = new HashPool(2, 300)
  try {
    assert.equal(pool.workers, 0, 'no worker before any job')
    const jobs = [pool.hash(65536, [{ file, start: 0, end: 2 * 65536 }]), pool.hash(65536, [{ file, start: 2 * 65536, end: bytes.length }])]
    assert.equal(pool.workers, 2)
    const hashes = Buffer.concat(await Promise.all(jobs))
    const expected = Buffer.concat([0, 1, 2, 3].map(i => createHash('sha256').update(bytes.subarray(i * 65536, Math.min(bytes.length, (i + 1) * 65536))).digest()))
    assert.deepEqual(hashes, expected)
    await waitFor(() => pool.workers === 0, 30_000)
    // Work after the workers stopped starts new ones.
    const again = await pool.hash(65536, [{ file, start: 0, end: 65536 }])
    assert.deepEqual(Buffer.from(again), expected.subarray(0, 32))
  } finally {
    await pool.close()
  }
  assert.equal(pool.workers, 0)
  await assert.rejects(pool.hash(65536, [{ file, start: 0, end: 65536 }]), /hash pool closed/)
})
