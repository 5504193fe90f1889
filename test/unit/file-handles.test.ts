import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { FileHandleCache } from '../../node-core/src/storage/file-handles.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'

after(removeTemps)

test('a handle pushed out of the cache while a write uses it is closed after the write, not under it', async () => {
  const dir = await tempDir()
  const paths = await Promise.all([0, 1, 2, 3].map(async i => { const p = join(dir, `f${i}`); await writeFile(p, Buffer.alloc(8)); return p }))
  const cache = new FileHandleCache('r+', 2)
  let release!: () => void
  const gate = new Promise<void>(resolve => { release = resolve })
  // A slow write on f0: it holds the handle while three other files are opened and evict it.
  const slow = cache.use(paths[0]!, async fh => {
    await gate
    await fh.write(Buffer.from('slowdata'), 0, 8, 0)
  })
  for (const p of paths.slice(1)) await cache.use(p, async fh => { await fh.write(Buffer.from('fastdata'), 0, 8, 0) })
  assert.ok(cache.size <= 2, `cache holds ${cache.size} handles, cap 2`)
  release()
  await slow // rejected with EBADF ("file closed") when the evicted handle was closed under the write
  assert.equal((await readFile(paths[0]!)).toString(), 'slowdata')
  for (const p of paths.slice(1)) assert.equal((await readFile(p)).toString(), 'fastdata')
  await cache.close()
  assert.equal(cache.size, 0)
})

test('close() of a handle in use waits for its user; the next use opens a fresh one', async () => {
  const dir = await tempDir()
  const p = join(dir, 'f')
  await writeFile(p, Buffer.alloc(4))
  const cache = new FileHandleCache('r+', 4)
  let release!: () => void
  const gate = new Promise<void>(resolve => { release = resolve })
  const slow = cache.use(p, async fh => { await gate; await fh.write(Buffer.from('abcd'), 0, 4, 0) })
  await cache.close(p)
  release()
  await slow
  assert.equal(await cache.use(p, async fh => (await fh.read(Buffer.alloc(4), 0, 4, 0)).buffer.toString()), 'abcd')
  await cache.close()
})
