/**
 * LAN discovery with mDNS, in two network namespaces joined by a veth pair that this test makes
 * (CI runs as root): the multicast never reaches the machine's real interfaces. Neither node has
 * a bootstrap list or a peer address; the downloader gets a link without hints. A seeder killed
 * (-9) mid-download and restarted on another port is found again by mDNS alone.
 */
import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { makeTree, removeTemps, tempDir, treeHashes } from '../helpers/files.ts'
import { makeLan } from '../helpers/lan.ts'
import { killAll } from '../helpers/processes.ts'
import type { Lan } from '../helpers/lan.ts'
import type { JsonProcess } from '../helpers/processes.ts'

let lan: Lan
before(() => { lan = makeLan('lan') })
afterEach(killAll)
after(async () => {
  await killAll()
  lan?.remove()
  await removeTemps()
})

describe('LAN discovery (mDNS)', { timeout: 120_000 }, () => {
  it('finds a peer on the local network and downloads from it with no address given', async () => {
    const src = await tempDir()
    await makeTree(join(src, 'lan'), { 'a.bin': 2 * 1024 * 1024, 'b.txt': 10 })
    const seeder = lan.swarmdrop(0, ['share', join(src, 'lan'), '--repo', await tempDir()])
    const seederId = (await seeder.event('listening')).peerId as string
    const shared = await seeder.event('shared')
    const out = await tempDir()
    const get = lan.swarmdrop(1, ['get', `swarmdrop://${shared.shareId as string}`, '--out', out, '--repo', await tempDir()])
    const provider = await get.event('provider', 60_000)
    assert.equal(provider.peerId, seederId)
    assert.equal(provider.via, 'mdns')
    await get.event('complete', 60_000)
    assert.deepEqual(await treeHashes(join(out, 'lan')), await treeHashes(join(src, 'lan')))
  })
})

describe('a LAN seeder killed and restarted on another port', { timeout: 300_000 }, () => {
  it('the download finds it again by mDNS alone and completes without losing a verified chunk', async (t) => {
    const src = await tempDir()
    await makeTree(join(src, 'lan-moving'), { 'a.bin': 12 * 1024 * 1024, 'b.txt': 10 })
    const seederRepo = await tempDir()
    const share = (rate: string): JsonProcess => lan.swarmdrop(0, ['share', join(src, 'lan-moving'), '--repo', seederRepo, '--max-upload', rate])
    const seeder = share('2MiB')
    const firstRun = await seeder.event('listening')
    const shared = await seeder.event('shared')
    const out = await tempDir()
    // A bare link, no --peer, no DHT: mDNS is the only way to the seeder, before and after.
    const get = lan.swarmdrop(1, ['get', `swarmdrop://${shared.shareId as string}`, '--out', out, '--repo', await tempDir()])
    await get.waitFor(l => l.event === 'progress' && (l.verifiedBytes as number) > 2 * 1024 * 1024, 120_000)
    await seeder.kill('SIGKILL')
    const restarted = share('8MiB')
    const secondRun = await restarted.event('listening')
    const back = await restarted.event('shared')
    assert.equal(secondRun.peerId, firstRun.peerId, 'the same profile: the same peer')
    const port = (l: Record<string, unknown>): string => (l.addresses as string[]).map(a => /\/tcp\/(\d+)/.exec(a)?.[1]).find(p => p != null)!
    assert.notEqual(port(secondRun), port(firstRun), 'the restarted seeder listens on another port')
    const atRestart = Math.max(...get.lines.filter(l => l.event === 'progress').map(l => l.verifiedBytes as number))
    const resumed = await get.waitFor(l => l.event === 'progress' && (l.verifiedBytes as number) > atRestart, 180_000)
    t.diagnostic(`first new chunk ${((get.timeOf(resumed) - restarted.timeOf(back)) / 1000).toFixed(1)} s after the restarted seeder was sharing`)
    await get.event('complete', 180_000)
    assert.deepEqual(await treeHashes(join(out, 'lan-moving')), await treeHashes(join(src, 'lan-moving')))
    // Every progress line the download printed, in order: verified bytes never went down.
    const verified = get.lines.filter(l => l.event === 'progress').map(l => l.verifiedBytes as number)
    assert.ok(verified.length > 1)
    for (let i = 1; i < verified.length; i++) assert.ok(verified[i]! >= verified[i - 1]!, `verified bytes went down from ${verified[i - 1]} to ${verified[i]}`)
  })
})
