/**
 * A finished download across restarts (issue 13, "limits after a restart"), with real `swarmdrop`
 * processes on 127.0.0.1. A `get --seed --seed-ratio 2` finishes and serves the whole share to a
 * second downloader (ratio 1), and is stopped. A `daemon` on the same profile lists it complete,
 * seeded, with those bytes uploaded (the daemon's `downloads` line: `list` at start); a third
 * downloader gets the share from it, which brings the ratio to 2 (only with the bytes from before
 * the restart): the limit stops its seeding.
 * Started again, the daemon lists it complete and not seeded, says why, and a fourth downloader
 * finds nothing to download from it.
 */
import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { makeTree, removeTemps, tempDir, treeHashes } from '../helpers/files.ts'
import { killAll, swarmdrop } from '../helpers/processes.ts'
import type { DownloadInfo } from '../../node-core/src/contract/index.ts'

const MiB = 1024 * 1024
const SIZE = 3 * MiB + 4321

afterEach(killAll)
after(removeTemps)

describe('a finished download after a restart', { timeout: 300_000 }, () => {
  it('is listed complete with its uploaded bytes, a ratio limit stops its seeding, and it stays stopped', async () => {
    const src = await tempDir()
    await makeTree(join(src, 'data'), { 'x.bin': SIZE })
    const origin = swarmdrop(['share', join(src, 'data', 'x.bin'), '--repo', await tempDir('swarmdrop-repo-'), '--no-dht'])
    const shared = await origin.event('shared')
    const link = shared.link as string
    const shareId = shared.shareId as string

    // 1. It finishes and serves the whole share once (ratio 1, under the limit of 2).
    const repo = await tempDir('swarmdrop-repo-')
    const out1 = await tempDir()
    const first = swarmdrop(['get', link, '--out', out1, '--seed', '--seed-ratio', '2', '--repo', repo, '--allow-private', '--no-dht'])
    const firstAt = await first.event('listening')
    await first.event('complete')
    await origin.kill() // from now on only the finished download serves the share
    const second = swarmdrop(['get', link, '--out', await tempDir(), '--peer', (firstAt.addresses as string[])[0]!, '--repo', await tempDir('swarmdrop-repo-'), '--allow-private', '--no-dht'])
    const got = await second.event('complete')
    assert.deepEqual((got.sources as Array<{ peerId: string, bytes: number }>).filter(s => s.bytes > 0).map(s => [s.peerId, s.bytes]), [[firstAt.peerId, SIZE]])
    assert.equal(await second.exited, 0)
    assert.equal(await first.kill(), 0)
    assert.ok(!first.lines.some(l => l.event === 'seeding-stopped'), 'ratio 1: not stopped yet')

    // 2. Restarted as a daemon: listed complete, seeded, with what it uploaded before.
    const daemon = swarmdrop(['daemon', '--repo', repo, '--allow-private', '--no-dht'])
    const daemonAt = await daemon.event('listening')
    let listed = (await daemon.event('downloads')).downloads as DownloadInfo[]
    assert.deepEqual(listed.map(d => [d.shareId, d.state, d.seeding]), [[shareId, 'complete', true]], 'the finished download is listed, complete and seeded')
    assert.ok(listed[0]!.uploadedBytes! >= SIZE && listed[0]!.uploadedBytes! < 2 * SIZE, `uploaded before the restart: ${listed[0]!.uploadedBytes}`)
    assert.equal((await daemon.event('daemon')).shares, 1)

    // 3. Another peer downloads it from the daemon (the only source left): the ratio reaches 2 with
    // at most one more copy uploaded only because the bytes uploaded before the restart count, and
    // the limit stops the seeding. (Whether that peer gets its last chunk before the stop depends on
    // the byte: had the first run sent a chunk twice, the stop comes just before; not asserted.)
    const third = swarmdrop(['get', link, '--out', await tempDir(), '--peer', (daemonAt.addresses as string[])[0]!, '--repo', await tempDir('swarmdrop-repo-'), '--allow-private', '--no-dht'])
    const stopped = await daemon.waitFor(l => l.event === 'download:progress' && (l.download as DownloadInfo).seedStopped != null)
    const s = (stopped.download as DownloadInfo)
    assert.equal(s.seedStopped!.reason, 'ratio')
    assert.equal(s.seeding, false)
    assert.ok(s.uploadedBytes! >= 2 * SIZE, `uploaded over both runs: ${s.uploadedBytes}`)
    assert.ok(s.uploadedBytes! - listed[0]!.uploadedBytes! < 2 * SIZE, 'this run alone did not reach ratio 2')
    await third.kill()
    assert.equal(await daemon.kill(), 0)

    // 4. Started again: still listed, not seeded, and says why; no peer can get it from there.
    const again = swarmdrop(['daemon', '--repo', repo, '--allow-private', '--no-dht'])
    const againAt = await again.event('listening')
    listed = (await again.event('downloads')).downloads as DownloadInfo[]
    assert.deepEqual(listed.map(d => [d.shareId, d.state, d.seeding, d.seedStopped?.reason]), [[shareId, 'complete', false, 'ratio']], 'a download a limit stopped stays stopped')
    assert.ok(listed[0]!.uploadedBytes! >= 2 * SIZE)
    assert.equal((await again.event('daemon')).shares, 0)
    const fourth = swarmdrop(['get', link, '--out', await tempDir(), '--peer', (againAt.addresses as string[])[0]!, '--stall-timeout', '5', '--repo', await tempDir('swarmdrop-repo-'), '--allow-private', '--no-dht'])
    const failed = await fourth.event('error')
    assert.equal(failed.code, 'unreachable', 'nothing served: the stall timeout ends it')
    assert.notEqual(await fourth.exited, 0)
    assert.ok(!fourth.lines.some(l => l.event === 'complete'))
    assert.deepEqual(await treeHashes(out1), await treeHashes(join(src, 'data')), 'its files are untouched')
  })
})
