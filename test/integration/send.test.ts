/**
 * Send to…: two real services on 127.0.0.1. An offer waits for the receiver's answer (nothing is
 * downloaded before); Accept downloads it byte-identical, Decline drops it; a peer that keeps
 * offering is refused past its budget. The CLI's `send` does the same from a process.
 */
import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { SwarmdropService } from '../../node-core/src/service/service.ts'
import { makeTree, removeTemps, tempDir, treeHashes } from '../helpers/files.ts'
import { TEST_NETWORK, killAll, swarmdrop } from '../helpers/processes.ts'
import type { ServiceEvent } from '../../node-core/src/contract/index.ts'

const services: SwarmdropService[] = []
afterEach(killAll)
after(async () => {
  for (const s of services) await s.stop().catch(() => {})
  await removeTemps()
})

async function service (): Promise<{ s: SwarmdropService, events: ServiceEvent[], downloadDir: string }> {
  const downloadDir = await tempDir()
  const s = await SwarmdropService.create({ profileDir: await tempDir(), listen: ['/ip4/127.0.0.1/tcp/0'], downloadDir, mdns: false, dht: false, network: TEST_NETWORK, allowPrivate: true })
  services.push(s)
  const events: ServiceEvent[] = []
  s.subscribe(e => { events.push(e) })
  return { s, events, downloadDir }
}

async function until<T> (find: () => T | undefined, what: string, capMs = 60_000): Promise<T> {
  const end = Date.now() + capMs
  for (;;) {
    const hit = find()
    if (hit !== undefined) return hit
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

describe('send to a peer', { timeout: 180_000 }, () => {
  it('offers a share; nothing starts before Accept; Accept downloads it, Decline drops it; floods are refused', async () => {
    const alice = await service()
    const bob = await service()
    const src = await tempDir()
    await makeTree(join(src, 'holiday'), { 'a.jpg': 600_000, 'b/c.txt': 1000 })
    await makeTree(join(src, 'other'), { 'x.bin': 1000 })
    const holiday = await alice.s.call('share', { path: join(src, 'holiday') })
    const other = await alice.s.call('share', { path: join(src, 'other') })
    await alice.s.node.dial(multiaddr(bob.s.node.getMultiaddrs()[0]!.toString()))
    const bobId = bob.s.node.peerId.toString()

    assert.deepEqual(await alice.s.call('sendTo', { shareId: holiday.shareId, peerId: bobId }), { peerId: bobId, shareId: holiday.shareId })
    const received = await until(() => bob.events.find(e => e.type === 'offer:received'), 'the offer')
    assert.equal(received.type, 'offer:received')
    const offer = received.offer
    assert.equal(offer.peerId, alice.s.node.peerId.toString())
    assert.equal(offer.name, 'holiday')
    assert.equal(offer.fileCount, 2)
    assert.deepEqual((await bob.s.call('offers', {})).offers.map(o => o.offerId), [offer.offerId])
    assert.equal((await bob.s.call('list', {})).downloads.length, 0, 'nothing downloads before Accept')

    const { download } = await bob.s.call('answerOffer', { offerId: offer.offerId, accept: true })
    assert.equal(download?.shareId, holiday.shareId)
    await until(() => bob.events.find(e => e.type === 'download:complete' && e.download.shareId === holiday.shareId), 'the download')
    assert.deepEqual(await treeHashes(join(bob.downloadDir, 'holiday')), await treeHashes(join(src, 'holiday')))
    assert.ok(bob.events.some(e => e.type === 'offer:gone' && e.offerId === offer.offerId))
    await assert.rejects(bob.s.call('answerOffer', { offerId: offer.offerId, accept: true }), { code: 'not-found' })

    await alice.s.call('sendTo', { shareId: other.shareId, peerId: bobId })
    const second = await until(() => bob.events.find(e => e.type === 'offer:received' && e.offer.shareId === other.shareId), 'the second offer')
    assert.equal(second.type, 'offer:received')
    assert.deepEqual(await bob.s.call('answerOffer', { offerId: second.offer.offerId, accept: false }), { download: null })
    assert.equal((await bob.s.call('list', {})).downloads.some(d => d.shareId === other.shareId), false, 'declined: no download')

    // The budget: 3 at once, then one every 10 s; two were spent above.
    let refused = 0
    for (let i = 0; i < 6; i++) {
      try { await alice.s.call('sendTo', { shareId: other.shareId, peerId: bobId }) } catch (err) { assert.equal((err as { code: string }).code, 'busy'); refused++ }
    }
    assert.ok(refused >= 4, `${refused} of 6 refused`)
    assert.ok((await bob.s.call('offers', {})).offers.length <= 2)
    await assert.rejects(alice.s.call('sendTo', { shareId: holiday.shareId, peerId: 'nope' }), { code: 'invalid-argument' })
    const carolId = (await service()).s.node.peerId.toString()
    await assert.rejects(alice.s.call('sendTo', { shareId: holiday.shareId, peerId: carolId, address: bob.s.node.getMultiaddrs()[0]!.toString() }), { code: 'invalid-argument', message: /is not that of/ })
    await assert.rejects(alice.s.call('sendTo', { shareId: holiday.shareId, peerId: '/ip4/127.0.0.1/tcp/1', address: '/ip4/127.0.0.1/tcp/1' }), { code: 'invalid-argument', message: /does not end with \/p2p/ })
  })

  it('swarmdrop send PATH --to ADDRESS: the CLI shares the folder and offers it; Accept downloads it from the CLI', async () => {
    const bob = await service()
    const src = await tempDir()
    await makeTree(join(src, 'photos'), { 'one.jpg': 300_000, 'two/three.png': 70_000 })
    const bobAt = bob.s.node.getMultiaddrs()[0]!.toString()
    const sender = swarmdrop(['send', join(src, 'photos'), '--to', bobAt, '--repo', await tempDir(), '--no-dht'])
    const shared = await sender.event('shared')
    const offered = await sender.event('offered')
    assert.deepEqual([offered.shareId, offered.peerId], [shared.shareId, bob.s.node.peerId.toString()])
    const received = await until(() => bob.events.find(e => e.type === 'offer:received'), 'the offer')
    assert.equal(received.type, 'offer:received')
    assert.equal(received.offer.name, 'photos')
    assert.equal(received.offer.peerId, (await sender.event('listening')).peerId)
    assert.equal((await bob.s.call('list', {})).downloads.length, 0, 'nothing downloads before Accept')
    await bob.s.call('answerOffer', { offerId: received.offer.offerId, accept: true })
    await until(() => bob.events.find(e => e.type === 'download:complete' && e.download.shareId === shared.shareId), 'the download')
    assert.deepEqual(await treeHashes(join(bob.downloadDir, 'photos')), await treeHashes(join(src, 'photos')))
  })

  it('swarmdrop send refuses a missing --to, or --to on another command, with a usage error', async () => {
    const noTo = swarmdrop(['send', await tempDir(), '--repo', await tempDir(), '--no-dht'])
    assert.equal(await noTo.exited, 2)
    assert.match(noTo.stderr, /send needs one path and --to PEER/)
    const wrong = swarmdrop(['share', await tempDir(), '--to', 'x', '--repo', await tempDir(), '--no-dht'])
    assert.equal(await wrong.exited, 2)
    assert.match(wrong.stderr, /--to is an option of send/)
  })
})
