/**
 * A seeding limit end to end, with real `swarmdrop` processes on 127.0.0.1: a downloader started
 * with `--seed --seed-ratio 1` finishes, the origin stops, a second downloader gets the share
 * from the first; once the first has uploaded the share's size (ratio 1.0) its seeding stops by
 * itself (`seeding-stopped`, reason `ratio`) and `get --seed` ends. Uploaded means sent: the stop
 * drops blocks still on their way, so the second may be left short (see the test).
 */
import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { makeTree, removeTemps, tempDir, treeHashes } from '../helpers/files.ts'
import { killAll, swarmdrop } from '../helpers/processes.ts'

const MiB = 1024 * 1024
const SIZE = 6 * MiB + 4321

afterEach(killAll)
after(removeTemps)

describe('seeding limits', { timeout: 300_000 }, () => {
  it('a downloader with --seed-ratio 1 stops seeding once it has uploaded the share\'s size to another', async () => {
    const src = await tempDir()
    await makeTree(join(src, 'data'), { 'x.bin': SIZE })
    const origin = swarmdrop(['share', join(src, 'data', 'x.bin'), '--repo', await tempDir('swarmdrop-repo-'), '--no-dht'])
    const link = (await origin.event('shared')).link as string

    const out1 = await tempDir()
    const first = swarmdrop(['get', link, '--out', out1, '--seed', '--seed-ratio', '1', '--repo', await tempDir('swarmdrop-repo-'), '--allow-private', '--no-dht'])
    const firstAt = await first.event('listening')
    await first.event('complete')
    // The origin stops serving: whatever the second downloader gets, it gets from the first.
    await origin.kill()

    const out2 = await tempDir()
    const second = swarmdrop(['get', link, '--out', out2, '--peer', (firstAt.addresses as string[])[0]!, '--repo', await tempDir('swarmdrop-repo-'), '--allow-private', '--no-dht'])

    const stopped = await first.event('seeding-stopped')
    assert.equal(stopped.reason, 'ratio')
    assert.ok((stopped.ratio as number) >= 1 && (stopped.ratio as number) < 1.5, `ratio ${String(stopped.ratio)}`)
    assert.ok((stopped.uploadedBytes as number) >= SIZE, `uploaded ${String(stopped.uploadedBytes)} of ${SIZE}`)
    assert.equal(await first.exited, 0, 'get --seed ends once its seeding stopped')
    assert.ok(first.lines.indexOf(stopped) > first.lines.findIndex(l => l.event === 'complete'))
    // What the second got, it got from the first. That it got all of it is not asserted: bytes
    // count as uploaded when they are sent, and the stop drops the blocks still on their way (a
    // fresh-clone CI saw the second stall at 80 of 97 chunks after the first had counted 1.0;
    // README, "Seeding limits"). Most runs complete.
    const bySource = new Map<string, number>()
    for (const l of second.lines) for (const s of (l.sources as Array<{ peerId: string, bytes: number }> | undefined) ?? []) bySource.set(s.peerId, Math.max(bySource.get(s.peerId) ?? 0, s.bytes))
    assert.ok((bySource.get(firstAt.peerId as string) ?? 0) > 0, 'bytes from the first downloader')
    assert.deepEqual([...bySource].filter(([peerId, bytes]) => bytes > 0 && peerId !== firstAt.peerId), [], 'from nobody else')
    const done = second.lines.find(l => l.event === 'complete')
    if (done != null) assert.deepEqual(await treeHashes(out2), await treeHashes(join(src, 'data')))
  })
})
