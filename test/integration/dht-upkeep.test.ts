/**
 * Two DHT claims of the README, with real processes on 127.0.0.1: a node whose routing table holds
 * fewer than 3 peers dials its bootstrap peers again (libp2p's bootstrap module tries only once),
 * and a seeder whose provider record no DHT peer takes says `announce-failed`.
 */
import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import type { Server } from 'node:net'
import { join } from 'node:path'
import { makeTree, removeTemps, tempDir } from '../helpers/files.ts'
import { killAll, swarmdrop } from '../helpers/processes.ts'

afterEach(killAll)
after(removeTemps)

describe('DHT upkeep', { timeout: 300_000 }, () => {
  it('dials its bootstrap peer again while the routing table is short, and joins once it is up', async () => {
    // The bootstrap peer's identity, made by running it once.
    const hubRepo = await tempDir()
    const first = swarmdrop(['daemon', '--repo', hubRepo, '--dht-server'])
    const hubId = (await first.event('listening')).peerId as string
    await first.kill()
    // Meanwhile its port is held by a listener that counts the node's dials and hangs up on them.
    const dials: number[] = []
    let dialed: () => void = () => {}
    const stand: Server = createServer(socket => { dials.push(performance.now()); socket.destroy(); dialed() })
    await new Promise<void>(resolve => stand.listen(0, '127.0.0.1', resolve))
    const port = (stand.address() as { port: number }).port
    const hub = `/ip4/127.0.0.1/tcp/${port}/p2p/${hubId}`
    const node = swarmdrop(['daemon', '--repo', await tempDir(), '--allow-private', '--bootstrap', hub])
    try {
      // The start's dial (libp2p's bootstrap module), then one of ours: two dials, cap for a hang.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => { reject(new Error(`${dials.length} dial(s) to the bootstrap peer in 90 s`)) }, 90_000)
        dialed = () => { if (dials.length >= 2) { clearTimeout(timer); resolve() } }
        dialed()
      })
    } finally {
      await new Promise(resolve => stand.close(resolve))
    }
    // The real bootstrap peer comes up on that port: the node joins it without being told.
    const up = swarmdrop(['daemon', '--repo', hubRepo, '--dht-server', '--allow-private', '--listen', `/ip4/127.0.0.1/tcp/${port}`])
    await up.event('listening')
    const joined = await node.waitFor(l => l.event === 'dht' && (l.dht as { routingTableSize: number }).routingTableSize >= 1)
    assert.equal((joined.dht as { routingTableSize: number }).routingTableSize, 1)
  })

  it('says announce-failed when no DHT peer stores the provider record', async () => {
    const src = await tempDir()
    await makeTree(join(src, 'alone'), { 'a.bin': 1000 })
    // It tries for up to 60 s (every 5 s); this one is told 10 s (a test knob, docs/TESTING.md).
    const seeder = swarmdrop(['share', join(src, 'alone'), '--repo', await tempDir()], { SWARMDROP_PROVIDE_TIMEOUT_MS: '10000' })
    const shared = await seeder.event('shared')
    const failed = await seeder.event('announce-failed') // the cap is for a hang only
    assert.equal(failed.shareId, shared.shareId)
    assert.match(failed.message as string, /no DHT peer stored the provider record/)
    assert.ok(!seeder.lines.some(l => l.event === 'announced'))
  })
})
