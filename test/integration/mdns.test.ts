/**
 * LAN discovery with mDNS, in two network namespaces joined by a veth pair that this test makes
 * (CI runs as root): the multicast never reaches the machine's real interfaces. Neither node has
 * a bootstrap list or a peer address; the downloader gets a link without hints. A seeder killed
 * (-9) mid-download and restarted on another port is found again by mDNS alone.
 */
import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { makeTree, removeTemps, tempDir, treeHashes } from '../helpers/files.ts'
import { onExitOrInterrupt } from '../helpers/process-groups.ts'
import { CLI, JsonProcess, NODE_FLAGS, TEST_NETWORK, killAll } from '../helpers/processes.ts'

/** Namespaces of this run: named after its PID, so a run can tell its leftovers from a live run's. */
const NS = [`sd-lan-a-${process.pid}`, `sd-lan-b-${process.pid}`]
const ip = (...args: string[]): string => execFileSync('ip', args, { stdio: 'pipe', encoding: 'utf8' })

function removeNamespaces (): void {
  for (const ns of NS) { try { ip('netns', 'delete', ns) } catch { /* already gone */ } }
}

/** Removes the namespaces of earlier runs whose process is gone (killed before it could clean up). */
function removeStaleNamespaces (): void {
  for (const line of ip('netns', 'list').split('\n')) {
    const m = /^(sd-lan-[ab]-(\d+))\b/.exec(line)
    if (m == null) continue
    try { process.kill(Number(m[2]), 0); continue } catch { /* that run is gone */ }
    try { ip('netns', 'delete', m[1]!) } catch { /* removed meanwhile */ }
  }
}

before(() => {
  removeStaleNamespaces()
  onExitOrInterrupt(removeNamespaces)
  for (const ns of NS) ip('netns', 'add', ns)
  ip('link', 'add', 'sdveth-a', 'netns', NS[0]!, 'type', 'veth', 'peer', 'name', 'sdveth-b', 'netns', NS[1]!)
  NS.forEach((ns, i) => {
    const dev = i === 0 ? 'sdveth-a' : 'sdveth-b'
    ip('-n', ns, 'addr', 'add', `10.213.0.${i + 1}/24`, 'dev', dev)
    ip('-n', ns, 'link', 'set', dev, 'up', 'multicast', 'on')
    ip('-n', ns, 'link', 'set', 'lo', 'up')
    ip('-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', dev)
  })
})
afterEach(killAll)
after(async () => {
  await killAll()
  removeNamespaces()
  await removeTemps()
})

function inNamespace (ns: string, args: string[]): JsonProcess {
  return new JsonProcess('ip', ['netns', 'exec', ns, process.execPath, ...NODE_FLAGS, CLI, ...args, '--json', '--listen', '/ip4/0.0.0.0/tcp/0', '--no-dht', '--network', TEST_NETWORK])
}

describe('LAN discovery (mDNS)', { timeout: 120_000 }, () => {
  it('finds a peer on the local network and downloads from it with no address given', async () => {
    const src = await tempDir()
    await makeTree(join(src, 'lan'), { 'a.bin': 2 * 1024 * 1024, 'b.txt': 10 })
    const seeder = inNamespace(NS[0]!, ['share', join(src, 'lan'), '--repo', await tempDir()])
    const seederId = (await seeder.event('listening')).peerId as string
    const shared = await seeder.event('shared')
    const out = await tempDir()
    const get = inNamespace(NS[1]!, ['get', `swarmdrop://${shared.shareId as string}`, '--out', out, '--repo', await tempDir()])
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
    const share = (rate: string): JsonProcess => inNamespace(NS[0]!, ['share', join(src, 'lan-moving'), '--repo', seederRepo, '--max-upload', rate])
    const seeder = share('2MiB')
    const firstRun = await seeder.event('listening')
    const shared = await seeder.event('shared')
    const out = await tempDir()
    // A bare link, no --peer, no DHT: mDNS is the only way to the seeder, before and after.
    const get = inNamespace(NS[1]!, ['get', `swarmdrop://${shared.shareId as string}`, '--out', out, '--repo', await tempDir()])
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
