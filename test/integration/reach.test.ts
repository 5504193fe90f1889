/**
 * Reach across home routers, in a simulated internet (test/helpers/netsim.ts: network namespaces,
 * root only; CI runs as root). Every node runs the default path (no --network: Amino DHT protocol,
 * AutoNAT, UPnP, the DHT's server-mode switch, relays) with SWARMDROP_BOOTSTRAP_LIST pointing at a
 * public node of the simulation, and each namespace's guard proves no packet was addressed
 * outside the simulation.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { makeTree, tempDir, treeHashes } from '../helpers/files.ts'
import { addressesOf, publicNode as startPublicNode, seedWithDaemon as seedInSim, useReachSim } from '../helpers/reach-sim.ts'
import type { Progress, PublicNode } from '../helpers/reach-sim.ts'
import type { SimHost } from '../helpers/netsim.ts'
import type { JsonProcess } from '../helpers/processes.ts'
import type { NodeInfo, ReachInfo } from '../../node-core/src/contract/index.ts'

const rs = useReachSim('reach')
const unavailable = rs.unavailable
const hosts = rs.hosts

interface PeerLine { peerId: string, connectionKind: string, relayPeerId: string | null, ipFamily: string | null }

/** The downloader's PeerInfo for a peer, as `get --json` printed it (a `peer` line per connect and change). */
function peerLinesOf (get: JsonProcess, peerId: string): PeerLine[] {
  return get.lines.filter(l => l.event === 'peer' && l.peerId === peerId) as unknown as PeerLine[]
}

/** A daemon's reach as its `listening` line or a later `node` line (printed when it changes) gave it. */
function reachOf (line: Record<string, unknown>): ReachInfo | null {
  if (line.event === 'listening') return line.reach as ReachInfo
  return line.event === 'node' ? (line.node as NodeInfo).reach : null
}

/** The first reach a daemon printed that matches. */
async function reachLine (daemon: JsonProcess, match: (reach: ReachInfo) => boolean, timeoutMs = 120_000): Promise<ReachInfo> {
  return reachOf(await daemon.waitFor(l => { const r = reachOf(l); return r != null && match(r) }, timeoutMs))!
}

/** A public node (the bootstrap peer and a relay): with a confirmed public address, its DHT switches itself to server mode. */
async function publicNode (name: string, bootstrap: string[] = []): Promise<PublicNode> {
  return await startPublicNode(rs, name, l => l.event === 'dht' && (l.dht as { mode: string }).mode === 'server', bootstrap)
}

describe('reach: two people behind home routers', { skip: unavailable ?? false, timeout: 300_000 }, () => {
  it('downloads a share found by its bare link through the DHT, relayed by a public node, between two NAT\'d homes', async () => {
    const relay = await publicNode('relay1')
    const env = { SWARMDROP_BOOTSTRAP_LIST: relay.bootstrap }
    const alice = rs.sim.home('alice')
    const bob = rs.sim.home('bob')
    hosts.push(alice.host, bob.host)

    const src = await tempDir()
    await makeTree(join(src, 'holiday'), { 'a.bin': 3 * 1024 * 1024 + 17, 'b.txt': 1000 })
    const seeder = rs.sim.swarmdrop(alice.host, ['share', join(src, 'holiday'), '--repo', await tempDir()], env)
    const seederId = (await seeder.event('listening', 60_000)).peerId as string
    const shared = await seeder.event('shared', 60_000)

    const out = await tempDir()
    const get = rs.sim.swarmdrop(bob.host, ['get', `swarmdrop://${shared.shareId as string}`, '--out', out, '--repo', await tempDir(), '--stall-timeout', '120'], env)
    const provider = await get.waitFor(l => l.event === 'provider' && l.peerId === seederId, 120_000)
    assert.equal(provider.via, 'dht')
    const complete = await get.event('complete', 180_000)
    assert.deepEqual(await treeHashes(join(out, 'holiday')), await treeHashes(join(src, 'holiday')))
    const sources = complete.sources as Array<{ peerId: string, bytes: number }>
    assert.ok(sources.some(s => s.peerId === seederId && s.bytes > 0), JSON.stringify(sources))
    const via = [...addressesOf(get, seederId)]
    assert.ok(via.length > 0 && via.every(a => a.includes(`/p2p-circuit/p2p/${seederId}`)), `the seeder was reached through the relay: ${JSON.stringify(via)}`)
    // The downloader's Peers view said so all along: relayed, through the relay's peer ID.
    const relayId = relay.bootstrap.slice(relay.bootstrap.lastIndexOf('/p2p/') + 5)
    const seen = peerLinesOf(get, seederId)
    assert.ok(seen.length > 0, 'get --json printed the seeder\'s PeerInfo')
    for (const p of seen) assert.deepEqual({ kind: p.connectionKind, relay: p.relayPeerId }, { kind: 'relayed', relay: relayId }, JSON.stringify(seen))
    // The relay's own reach: public, relaying, with the seeder's reservation (at least) served.
    const relayReach = await reachLine(relay.proc, r => r.relayServing && r.reservationsServed >= 1)
    assert.equal(relayReach.reachability, 'public')
  })
})

/** Shares `dir` in a profile, then seeds it with `daemon` (which reports its DHT mode); returns the share ID. */
async function seedWithDaemon (host: SimHost, dir: string, env: NodeJS.ProcessEnv, extra: string[] = []): Promise<{ shareId: string, peerId: string, daemon: JsonProcess }> {
  return await seedInSim(rs, host, dir, env, extra)
}

describe('reach: a public host in a named network', { skip: unavailable ?? false, timeout: 120_000 }, () => {
  it('announces a listen address on a named public IP at once, with no peer to confirm it', async () => {
    const host = rs.sim.publicHost('team-hub')
    hosts.push(host)
    const hub = rs.sim.swarmdrop(host, ['daemon', '--repo', await tempDir(), '--network', 'team', '--listen', `/ip6/${host.ip6}/tcp/4001`])
    const addresses = (await hub.event('listening', 60_000)).addresses as string[]
    assert.ok(addresses.some(a => a.startsWith(`/ip6/${host.ip6}/tcp/4001/p2p/`)), JSON.stringify(addresses))
  })
})

describe('reach: IPv6 and a lost relay', { skip: unavailable ?? false, timeout: 300_000 }, () => {
  it('connects two dual-stack homes directly over global IPv6 (AutoNAT confirms it, no relay)', async () => {
    const relay = await publicNode('relay2')
    const env = { SWARMDROP_BOOTSTRAP_LIST: relay.bootstrap }
    const alice = rs.sim.home('alice6', { ipv6: 'global' })
    const bob = rs.sim.home('bob6', { ipv6: 'global' })
    hosts.push(alice.host, bob.host)
    const src = await tempDir()
    await makeTree(join(src, 'v6'), { 'a.bin': 2 * 1024 * 1024 + 5 })
    const seeder = await seedWithDaemon(alice.host, join(src, 'v6'), env)
    // AutoNAT: the public node dialed the seeder's global IPv6 address back, so its DHT is a server.
    await seeder.daemon.waitFor(l => l.event === 'dht' && (l.dht as { mode: string }).mode === 'server', 90_000)
    const out = await tempDir()
    const get = rs.sim.swarmdrop(bob.host, ['get', `swarmdrop://${seeder.shareId}`, '--out', out, '--repo', await tempDir()], env)
    await get.event('complete', 120_000)
    assert.deepEqual(await treeHashes(join(out, 'v6')), await treeHashes(join(src, 'v6')))
    const via = [...addressesOf(get, seeder.peerId)]
    assert.ok(via.length > 0 && via.every(a => a.startsWith(`/ip6/${alice.host.ip6}/tcp/`)), `the seeder was dialed directly on its global IPv6 address: ${JSON.stringify(via)}`)
    // The downloader's Peers view says so: direct, over IPv6, no relay (its last word on the seeder).
    const seen = peerLinesOf(get, seeder.peerId)
    assert.ok(seen.length > 0, 'get --json printed the seeder\'s PeerInfo')
    assert.deepEqual(seen.at(-1), { ...seen.at(-1), connectionKind: 'direct', ipFamily: 'ipv6', relayPeerId: null }, JSON.stringify(seen))
    // The seeder's reach: public on its global IPv6 address, no relay needed.
    const reach = await reachLine(seeder.daemon, r => r.reachability === 'public')
    assert.ok(reach.publicAddresses.some(a => a.startsWith(`/ip6/${alice.host.ip6}/tcp/`)), JSON.stringify(reach))
    assert.match(String(reach.advice), /^Reachable: other peers connect to you directly\./)
    // A reservation it made before AutoNAT confirmed the address is released once it is reachable.
    const released = await reachLine(seeder.daemon, r => r.reachability === 'public' && r.relaysUsed.length === 0)
    assert.deepEqual(released.relaysUsed, [])
  })

  it('finishes a download through another relay when the one in use is killed mid-transfer', async () => {
    const first = await publicNode('relay3')
    const second = await publicNode('relay4', [first.bootstrap])
    const env = { SWARMDROP_BOOTSTRAP_LIST: `${first.bootstrap},${second.bootstrap}` }
    const alice = rs.sim.home('alice4')
    const bob = rs.sim.home('bob4')
    hosts.push(alice.host, bob.host)
    const src = await tempDir()
    await makeTree(join(src, 'big'), { 'a.bin': 8 * 1024 * 1024 + 3 })
    // Slow enough (1 MiB/s) that the transfer is still running when its relay dies.
    const seeder = await seedWithDaemon(alice.host, join(src, 'big'), env, ['--max-upload', '1MiB'])
    const relays = [first, second]
    const out = await tempDir()
    const get = rs.sim.swarmdrop(bob.host, ['get', `swarmdrop://${seeder.shareId}`, '--out', out, '--repo', await tempDir(), '--stall-timeout', '120'], env)
    const started = await get.waitFor(l => l.event === 'progress' && (l.verifiedBytes as number) > 1024 * 1024, 120_000)
    const via = (started as Progress).sources?.find(s => s.peerId === seeder.peerId && s.connected)?.address ?? ''
    const inUse = relays.find(r => via.startsWith(r.bootstrap + '/p2p-circuit'))
    assert.ok(inUse != null, `the download runs through one of the relays: ${via}`)
    await inUse.proc.kill('SIGKILL')
    assert.ok((started.verifiedBytes as number) < (started.totalBytes as number))
    await get.event('complete', 180_000)
    assert.deepEqual(await treeHashes(join(out, 'big')), await treeHashes(join(src, 'big')))
    // The NAT'd seeder's reach said so: private, holding reservations on the swarm's relays.
    const reach = await reachLine(seeder.daemon, r => r.reachability === 'private' && r.relaysUsed.length > 0)
    const relayIds = relays.map(r => r.bootstrap.slice(r.bootstrap.lastIndexOf('/p2p/') + 5))
    assert.ok(reach.relaysUsed.every(id => relayIds.includes(id)), JSON.stringify(reach))
    assert.match(String(reach.advice), /go through a relay at up to 1 MiB\/s \(your upload limit\)/)
  })
})
