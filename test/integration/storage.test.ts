/**
 * Storage under pressure with real processes: the disk filling up in the middle of a download
 * (a small tmpfs mounted by the test; CI runs as root), and a seeded file changing while it is
 * being served.
 */
import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { appendFile, cp, open, readdir, rm, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { makeTree, removeTemps, tempDir, treeHashes } from '../helpers/files.ts'
import { killAll, swarmdrop } from '../helpers/processes.ts'

const MiB = 1024 * 1024

afterEach(killAll)
after(removeTemps)

/** Writes 1 MiB blocks into `path` until the file system says ENOSPC. */
async function fillDisk (path: string): Promise<number> {
  const fh = await open(path, 'w')
  const block = Buffer.alloc(MiB, 1)
  let written = 0
  try {
    for (;;) {
      const { bytesWritten } = await fh.write(block)
      written += bytesWritten
      if (bytesWritten < block.length) break
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
  } finally {
    await fh.close()
  }
  return written
}

describe('disk full mid-download', { timeout: 180_000 }, () => {
  it('pauses with a clear error, keeps its verified chunks, and completes once space is freed', async (t) => {
    const src = await tempDir()
    await makeTree(join(src, 'large'), { 'x.bin': 24 * MiB, 'y.bin': 1 * MiB + 5 })
    const seeder = swarmdrop(['share', join(src, 'large'), '--repo', await tempDir(), '--max-upload', '4MiB'])
    const shared = await seeder.event('shared')
    const small = await tempDir()
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', small]) // CI runs as root
    t.after(() => { execFileSync('umount', [small]) })
    const get = swarmdrop(['get', shared.link as string, '--out', small, '--repo', await tempDir()])
    await get.waitFor(l => l.event === 'progress' && (l.verifiedBytes as number) > 2 * MiB)
    const filler = join(small, 'filler')
    const filled = await fillDisk(filler)
    const paused = await get.event('paused', 60_000)
    t.diagnostic(`filled ${filled} bytes; paused at ${paused.verifiedBytes} verified bytes: ${paused.message}`)
    assert.equal(paused.code, 'no-space')
    assert.match(paused.message as string, /full/)
    assert.ok((paused.verifiedBytes as number) > 2 * MiB, 'verified chunks kept')
    await new Promise(resolve => setTimeout(resolve, 3000))
    assert.equal(get.child.exitCode, null, 'still running, waiting for space')
    const during = get.lines.filter(l => l.event === 'progress' && l.state === 'paused').at(-1)!
    assert.ok((during.verifiedBytes as number) >= (paused.verifiedBytes as number), 'nothing verified was dropped')
    await rm(filler)
    await get.event('complete', 120_000)
    assert.equal(await get.exited, 0)
    assert.deepEqual(await treeHashes(join(small, 'large')), await treeHashes(join(src, 'large')))
    assert.deepEqual(await readdir(small), ['large'])
  })
})
