/**
 * Storage under pressure with real processes: the disk filling up in the middle of a download
 * (a small tmpfs mounted by the test; CI runs as root), and a seeded file changing while it is
 * being served.
 */
import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { cp, open, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises'
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

describe('disk full mid-download', { timeout: 300_000 }, () => {
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
    // Still running and waiting for space: it keeps reporting progress, paused (a later line than
    // the 'paused' event, not a guessed wait).
    const pausedAt = get.lines.indexOf(paused)
    const during = await get.waitFor(l => l.event === 'progress' && l.state === 'paused' && get.lines.indexOf(l) > pausedAt)
    assert.equal(get.child.exitCode, null, 'still running, waiting for space')
    assert.ok((during.verifiedBytes as number) >= (paused.verifiedBytes as number), 'nothing verified was dropped')
    await rm(filler)
    await get.event('complete', 120_000)
    assert.equal(await get.exited, 0)
    assert.deepEqual(await treeHashes(join(small, 'large')), await treeHashes(join(src, 'large')))
    assert.deepEqual(await readdir(small), ['large'])
  })
})

describe('seeded file changed while seeding', { timeout: 300_000 }, () => {
  it('stops serving a changed share (byte flipped, truncated, removed), marks it changed, and the downloader still ends byte-identical', async (t) => {
    const src = await tempDir()
    const original = join(src, 'orig', 'data')
    await makeTree(original, { 'x.bin': 16 * MiB, 'y.bin': 300_001 })
    const damages: Record<string, (file: string) => Promise<void>> = {
      flipped: async file => { const b = await readFile(file); for (let i = 0; i < b.length; i += 16 * 1024) b[i] = b[i]! ^ 0xff; await writeFile(file, b) },
      truncated: async file => { await truncate(file, 5 * MiB) },
      removed: async file => { await rm(file) }
    }
    const seeders: Array<{ kind: string, proc: ReturnType<typeof swarmdrop>, copy: string, address: string, peerId: string, link: string }> = []
    for (const kind of [...Object.keys(damages), 'honest']) {
      const copy = join(src, kind, 'data')
      await cp(original, copy, { recursive: true })
      const proc = swarmdrop(['share', copy, '--repo', await tempDir(), '--max-upload', '2MiB'])
      const listening = await proc.event('listening')
      const shared = await proc.event('shared')
      seeders.push({ kind, proc, copy, address: (listening.addresses as string[])[0]!, peerId: listening.peerId as string, link: shared.link as string })
    }
    const out = await tempDir()
    const get = swarmdrop(['get', seeders[0]!.link, '--out', out, '--repo', await tempDir(), '--allow-private', ...seeders.slice(1).flatMap(s => ['--peer', s.address])])
    await get.waitFor(l => l.event === 'progress' && (l.verifiedBytes as number) > 2 * MiB && (l.sources as unknown[]).length === 4)
    for (const s of seeders.slice(0, 3)) await damages[s.kind]!(join(s.copy, 'x.bin'))
    const complete = await get.event('complete', 120_000)
    assert.equal(await get.exited, 0)
    assert.deepEqual(await treeHashes(join(out, 'data')), await treeHashes(original))
    const sources = complete.sources as Array<{ peerId: string, bytes: number, badChunks: number }>
    assert.deepEqual(sources.map(s => s.badChunks), sources.map(() => 0), 'no stale chunk was ever sent')
    const honest = sources.find(s => s.peerId === seeders[3]!.peerId)!
    assert.ok(honest.bytes > 0)
    // A seeder notices the change only when asked for a chunk after it; the download above may have
    // finished from the others first. So each damaged seeder that has not said so yet is asked by a
    // downloader of its own (its link names only itself), after the damage.
    for (const s of seeders.slice(0, 3)) {
      if (!s.proc.lines.some(l => l.event === 'share-changed')) {
        swarmdrop(['get', s.link, '--out', await tempDir(), '--repo', await tempDir(), '--stall-timeout', '120'])
      }
      const changed = await s.proc.event('share-changed', 120_000)
      t.diagnostic(`${s.kind}: ${changed.changed}`)
      assert.match(changed.changed as string, /changed|removed|no longer matches|cannot be read/)
    }
  })
})
