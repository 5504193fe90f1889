/**
 * A seeding limit end to end, with real `swarmdrop` processes on 127.0.0.1: a downloader started
 * with `--seed --seed-ratio 1` finishes, the origin stops, a second downloader gets the whole share
 * from the first; once the first has uploaded the share's size (ratio 1.0) its seeding stops by
 * itself (`seeding-stopped`, reason `ratio`) and `get --seed` ends.
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
  it('a downloader with --seed-ratio 1 stops seeding once it has served the whole share to another', async () => {
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
    const complete = await second.event('complete')
    assert.equal(await second.exited, 0)
    assert.deepEqual(await treeHashes(out2), await treeHashes(join(src, 'data')))
    const sources = complete.sources as Array<{ peerId: string, bytes: number }>
    assert.deepEqual(sources.filter(s => s.bytes > 0).map(s => [s.peerId, s.bytes]), [[firstAt.peerId, SIZE]], 'all of it from the first downloader')

    const stopped = await first.event('seeding-stopped')
    assert.equal(stopped.reason, 'ratio')
    assert.ok((stopped.ratio as number) >= 1 && (stopped.ratio as number) < 1.5, `ratio ${String(stopped.ratio)}`)
    assert.ok((stopped.uploadedBytes as number) >= SIZE, `uploaded ${String(stopped.uploadedBytes)} of ${SIZE}`)
    assert.equal(await first.exited, 0, 'get --seed ends once its seeding stopped')
    assert.ok(first.lines.indexOf(stopped) > first.lines.findIndex(l => l.event === 'complete'))
  })
})
