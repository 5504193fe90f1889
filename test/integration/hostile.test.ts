/**
 * Bad peers and bad input against real processes: a peer that corrupts chunks, peers that serve
 * a manifest not matching the share ID or one with a path that climbs out of the download folder,
 * malformed links, unreachable peers. Nothing may be written outside the download folder, and
 * nothing at all before the manifest is proven good.
 */
import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { makeTree, removeTemps, tempDir, treeHashes } from '../helpers/files.ts'
import { JsonProcess, killAll, swarmdrop } from '../helpers/processes.ts'

const MiB = 1024 * 1024
const HOSTILE = fileURLToPath(new URL('../helpers/hostile-peer.ts', import.meta.url))

afterEach(killAll)
after(removeTemps)

async function hostile (mode: string, folder: string): Promise<{ proc: JsonProcess, address: string, shareId: string, peerId: string }> {
  const proc = new JsonProcess(process.execPath, [HOSTILE, '--mode', mode, '--folder', folder])
  const l = await proc.event('listening', 60_000)
  return { proc, address: (l.addresses as string[])[0]!, shareId: l.shareId as string, peerId: l.peerId as string }
}

/** A download folder inside a sentinel folder, so a write that escapes would show up next to it. */
async function sandbox (): Promise<{ root: string, out: string }> {
  const root = await tempDir()
  const out = join(root, 'downloads')
  await mkdir(out)
  await makeTree(root, { 'sentinel.txt': 100 })
  return { root, out }
}

describe('hostile peers and input', { timeout: 180_000 }, () => {
  it('completes byte-identical from honest peers and drops a peer that sends corrupt chunks', async () => {
    const src = await tempDir()
    const folder = join(src, 'data')
    await makeTree(folder, { 'x.bin': 8 * MiB, 'y.bin': 100_000 })
    const repo = await tempDir()
    const honest = swarmdrop(['share', folder, '--repo', repo, '--max-upload', '2MiB'])
    const honestShare = await honest.event('shared')
    const bad = await hostile('corrupt', folder)
    assert.equal(bad.shareId, honestShare.shareId)
    const { out, root } = await sandbox()
    const before = await treeHashes(root)
    const get = swarmdrop(['get', honestShare.link as string, '--out', out, '--peer', bad.address, '--repo', await tempDir()])
    const complete = await get.event('complete', 120_000)
    assert.equal(await get.exited, 0)
    assert.deepEqual(await treeHashes(join(out, 'data')), await treeHashes(folder))
    const sources = complete.sources as Array<{ peerId: string, bytes: number, badChunks: number }>
    const badSource = sources.find(s => s.peerId === bad.peerId)
    assert.ok(badSource != null, 'the corrupting peer was used as a source')
    assert.equal(badSource.bytes, 0, 'no byte from it was accepted')
    assert.equal(badSource.badChunks, 2, 'dropped at the second bad chunk, never asked again')
    const after = await treeHashes(root)
    for (const [path, hash] of Object.entries(before)) assert.equal(after[path], hash)
  })

  it('completes from an honest peer while four hostile seeders stall, send oversized, short and unrequested blocks; each is dropped', async () => {
    const src = await tempDir()
    const folder = join(src, 'data')
    await makeTree(folder, { 'x.bin': 8 * MiB, 'y.bin': 100_000 })
    const honest = swarmdrop(['share', folder, '--repo', await tempDir(), '--max-upload', '2MiB'])
    const shared = await honest.event('shared')
    const modes = ['stall', 'oversized-block', 'wrong-length', 'unrequested'] as const
    const bad = Object.fromEntries(await Promise.all(modes.map(async m => [m, await hostile(m, folder)] as const)))
    for (const m of modes) assert.equal(bad[m]!.shareId, shared.shareId)
    const { out } = await sandbox()
    const get = swarmdrop(['get', shared.link as string, '--out', out, '--repo', await tempDir(), ...modes.flatMap(m => ['--peer', bad[m]!.address])])
    const complete = await get.event('complete', 120_000)
    assert.equal(await get.exited, 0)
    assert.deepEqual(await treeHashes(join(out, 'data')), await treeHashes(folder))
    const sources = complete.sources as Array<{ peerId: string, bytes: number, badChunks: number }>
    for (const m of modes) {
      const proc = bad[m]!.proc
      const requests = proc.lines.filter(l => l.event === 'request').length
      const sessions = proc.lines.filter(l => l.event === 'session').length
      const source = sources.find(s => s.peerId === bad[m]!.peerId)
      assert.ok(source != null && requests > 0, `${m}: it was used as a source and asked for chunks`)
      // 'unrequested' claims only even chunks and answers with odd ones: never asked of it, never taken.
      assert.equal(source.bytes, 0, `${m}: no byte from it was accepted`)
      if (m === 'stall') continue // its requests went to the honest peer (endgame); it is let go after two request timeouts (15 s each)
      assert.equal(sessions, 1, `${m}: dropped, never reconnected`)
      if (m === 'wrong-length') assert.equal(source.badChunks, 2, 'dropped at the second bad chunk')
      else assert.equal(requests <= 32, true, `${m}: dropped at its first bad reply (${requests} requests were pipelined)`)
    }
  })

  it('rejects a manifest that does not hash to the share ID, writing nothing', async () => {
    const src = await tempDir()
    await makeTree(join(src, 'data'), { 'x.bin': 1000 })
    const bad = await hostile('wrong-manifest', join(src, 'data'))
    const { out } = await sandbox()
    const get = swarmdrop(['get', `swarmdrop://${bad.shareId}`, '--out', out, '--peer', bad.address, '--repo', await tempDir()])
    const error = await get.event('error', 60_000)
    assert.equal(await get.exited, 1)
    assert.equal(error.code, 'invalid-manifest')
    assert.match(error.message as string, /hash/)
    assert.deepEqual(await readdir(out), [])
  })

  it('rejects a manifest with a path that climbs out (even under its true ID), writing nothing', async () => {
    const src = await tempDir()
    await makeTree(join(src, 'data'), { 'x.bin': 1000, 'y': 10 })
    const bad = await hostile('evil-manifest', join(src, 'data'))
    const { out, root } = await sandbox()
    const before = await treeHashes(root)
    const get = swarmdrop(['get', `swarmdrop://${bad.shareId}`, '--out', out, '--peer', bad.address, '--repo', await tempDir()])
    const error = await get.event('error', 60_000)
    assert.equal(await get.exited, 1)
    assert.equal(error.code, 'invalid-manifest')
    assert.match(error.message as string, /\.\./)
    assert.deepEqual(await readdir(out), [])
    assert.deepEqual(await treeHashes(root), before)
  })

  it('refuses malformed links with a one-line error and a non-zero exit', async () => {
    const { out } = await sandbox()
    const links = [
      'swarmdrop://not-a-cid',
      'http://example.com/x',
      'swarmdrop://bafyreif443brn4rx5yvaxryqfrzwhfg7anoad25rmoexlezsjiyxkshwom?name=..%2Fx',
      'swarmdrop://bafyreif443brn4rx5yvaxryqfrzwhfg7anoad25rmoexlezsjiyxkshwom?evil=1',
      'swarmdrop://bafyreif443brn4rx5yvaxryqfrzwhfg7anoad25rmoexlezsjiyxkshwom?peer=%2Fip4%2F1.2.3.4%2Ftcp%2F1'
    ]
    for (const link of links) {
      const get = swarmdrop(['get', link, '--out', out, '--repo', await tempDir()])
      const error = await get.event('error', 30_000)
      assert.equal(await get.exited, 1, link)
      assert.equal(error.code, 'invalid-link', link)
      assert.equal(get.stderr.trim().split('\n').length, 1, `one line for ${link}: ${get.stderr}`)
      assert.match(get.stderr, /^swarmdrop: /)
    }
    assert.deepEqual(await readdir(out), [])
  })

  it('gives up with a clear error when no peer can be reached', async () => {
    const { out } = await sandbox()
    // A peer ID that exists nowhere, at a port nothing listens on.
    const peer = '/ip4/127.0.0.1/tcp/9/p2p/12D3KooWMCV4qhDtvpVpLs8TuazLiqgQXuoRyRVp5SREjgMqythn'
    const get = swarmdrop(['get', 'swarmdrop://bafyreif443brn4rx5yvaxryqfrzwhfg7anoad25rmoexlezsjiyxkshwom', '--out', out, '--peer', peer, '--repo', await tempDir(), '--stall-timeout', '5'])
    const error = await get.event('error', 60_000)
    assert.equal(await get.exited, 1)
    assert.equal(error.code, 'unreachable')
    assert.deepEqual(await readdir(out), [])
  })
})

describe('disk space', { timeout: 120_000 }, () => {
  it('refuses a download that does not fit, with a clear error and nothing written', async (t) => {
    const src = await tempDir()
    await makeTree(join(src, 'large'), { 'x.bin': 24 * MiB })
    const seeder = swarmdrop(['share', join(src, 'large'), '--repo', await tempDir()])
    const shared = await seeder.event('shared')
    const small = await tempDir()
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', small]) // CI runs as root
    t.after(() => { execFileSync('umount', [small]) })
    const get = swarmdrop(['get', shared.link as string, '--out', small, '--repo', await tempDir()])
    const error = await get.event('error', 60_000)
    assert.equal(await get.exited, 1)
    assert.equal(error.code, 'no-space')
    assert.match(get.stderr, /not enough free space/)
    assert.deepEqual(await readdir(small), [])
  })
})
