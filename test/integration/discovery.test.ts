/**
 * Discovery through a local Kad-DHT: 20 real processes on 127.0.0.1 (18 DHT-server daemons, a
 * seeder, a downloader), each knowing only one bootstrap address. The downloader gets a link
 * with no peer hints and must find the seeder through provider records.
 */
import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { makeTree, removeTemps, tempDir, treeHashes } from '../helpers/files.ts'
import { killAll, swarmdrop } from '../helpers/processes.ts'
import type { JsonProcess } from '../helpers/processes.ts'

afterEach(killAll)
after(removeTemps)

const DHT = ['--dht-server', '--allow-private']

async function daemons (count: number, extra: string[] = []): Promise<string[]> {
  const first = swarmdrop(['daemon', '--repo', await tempDir(), ...DHT, ...extra])
  const firstAddr = ((await first.event('listening')).addresses as string[])[0]!
  const rest: JsonProcess[] = []
  for (let i = 1; i < count; i++) rest.push(swarmdrop(['daemon', '--repo', await tempDir(), ...DHT, '--bootstrap', firstAddr, ...extra]))
  const addrs = await Promise.all(rest.map(async p => ((await p.event('listening', 60_000)).addresses as string[])[0]!))
  return [firstAddr, ...addrs]
}

describe('discovery on a local DHT', { timeout: 240_000 }, () => {
  it('finds and downloads a share from a link without peer hints, knowing one bootstrap peer', async () => {
    const bootstrap = await daemons(18)
    const src = await tempDir()
    await makeTree(join(src, 'found'), { 'a.bin': 3 * 1024 * 1024, 'b/c.txt': 100 })
    const seeder = swarmdrop(['share', join(src, 'found'), '--repo', await tempDir(), ...DHT, '--bootstrap', bootstrap[3]!])
    const seederId = (await seeder.event('listening')).peerId as string
    const shared = await seeder.event('shared')
    const announced = await seeder.event('announced', 90_000)
    assert.equal(announced.shareId, shared.shareId)

    const out = await tempDir()
    const bare = `swarmdrop://${shared.shareId as string}`
    const get = swarmdrop(['get', bare, '--out', out, '--repo', await tempDir(), '--allow-private', '--bootstrap', bootstrap[12]!])
    const provider = await get.event('provider', 90_000)
    assert.equal(provider.peerId, seederId)
    assert.equal(provider.via, 'dht')
    const complete = await get.event('complete', 90_000)
    assert.equal(await get.exited, 0)
    assert.deepEqual(await treeHashes(join(out, 'found')), await treeHashes(join(src, 'found')))
    assert.deepEqual((complete.sources as Array<{ peerId: string }>).map(s => s.peerId), [seederId])
  })

  it('does not find a share announced in a swarm with another network name', async () => {
    const bootstrap = await daemons(4, ['--network', 'team-a'])
    const src = await tempDir()
    await makeTree(join(src, 'secret'), { 'a.bin': 1000 })
    const seeder = swarmdrop(['share', join(src, 'secret'), '--repo', await tempDir(), ...DHT, '--network', 'team-a', '--bootstrap', bootstrap[1]!])
    const shared = await seeder.event('shared')
    await seeder.event('announced', 90_000)
    const out = await tempDir()
    // Same machine, same bootstrap peer, other network name: its DHT is a different protocol.
    const get = swarmdrop(['get', `swarmdrop://${shared.shareId as string}`, '--out', out, '--repo', await tempDir(), '--allow-private', '--network', 'team-b', '--bootstrap', bootstrap[2]!, '--stall-timeout', '8'])
    const error = await get.event('error', 60_000)
    assert.equal(error.code, 'unreachable')
    assert.equal(get.lines.some(l => l.event === 'provider'), false)
    // The same lookup in the right network finds it.
    const right = swarmdrop(['get', `swarmdrop://${shared.shareId as string}`, '--out', out, '--repo', await tempDir(), '--allow-private', '--network', 'team-a', '--bootstrap', bootstrap[2]!])
    await right.event('complete', 90_000)
  })
})
