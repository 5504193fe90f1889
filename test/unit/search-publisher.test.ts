/**
 * Keyword publishing (a recording announcer stands in for the DHT) and the discoverable flag
 * through the real service: off by default, set and cleared, kept across a restart, and what the
 * responder answers from.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { SwarmdropService } from '../../node-core/src/service/service.ts'
import { KeywordPublisher, MAX_KEYWORDS_PER_SHARE } from '../../node-core/src/search/keyword-publisher.ts'
import { keywordKey } from '../../node-core/src/search/keywords.ts'
import { indexShare } from '../../node-core/src/search/match.ts'
import { makeTree, removeTemps, tempDir } from '../helpers/files.ts'
import { TEST_NETWORK } from '../helpers/processes.ts'
import type { PublisherStatus } from '../../node-core/src/search/keyword-publisher.ts'

const ID_A = 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const ID_B = 'bafyreibvjvcv745gig4mvqs4hctx4zfkono4rjejm2ta6gtyzkqxfjeily'

after(removeTemps)

class RecordingRouting {
  readonly announced: string[] = []
  readonly withdrawn: string[] = []
  failNext = 0
  async announce (key: string): Promise<{ ms: number, stored: number, errors: number, attempts: number }> {
    await delay(5)
    if (this.failNext > 0) { this.failNext--; throw new Error('no DHT peer stored it') }
    this.announced.push(key)
    return { ms: 5, stored: 3, errors: 0, attempts: 1 }
  }

  async withdraw (key: string): Promise<void> { this.withdrawn.push(key) }
}

/** Polls `check` every 5 ms until it holds; the cap (a hang, not a measure) was 400 polls, 2 s, which a busy machine outran. */
async function until (check: () => boolean, capMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + capMs
  while (!check()) {
    if (Date.now() > deadline) return false
    await delay(5)
  }
  return true
}

async function settled (statuses: PublisherStatus[]): Promise<PublisherStatus> {
  if (!await until(() => statuses.at(-1)?.pending === 0)) throw new Error(`never settled: ${JSON.stringify(statuses.at(-1))}`)
  return statuses.at(-1)!
}

describe('keyword publisher', () => {
  it('publishes each keyword once across shares, withdraws what no share holds, retries failures', async () => {
    const routing = new RecordingRouting()
    const statuses: PublisherStatus[] = []
    const publisher = new KeywordPublisher(routing, new AbortController().signal, s => { statuses.push(s) })
    const a = indexShare({ shareId: ID_A, name: 'Holiday Rome', files: [{ path: 'Holiday Rome/forum.jpg' }], size: 1 })
    const b = indexShare({ shareId: ID_B, name: 'Rome lectures', files: [{ path: 'Rome lectures/week.pdf' }], size: 1 })
    routing.failNext = 1
    publisher.update([a, b])
    const first = await settled(statuses)
    assert.equal(first.published + first.failed, 7, JSON.stringify(first)) // holiday rome forum jpg lectures week pdf
    assert.equal(first.failed, 1)
    assert.equal(new Set(routing.announced).size, routing.announced.length, 'each keyword once')
    statuses.length = 0
    publisher.update([b]) // A hidden: its own keywords go, "rome" stays; the failed one is retried if still wanted
    const second = await settled(statuses)
    assert.equal(second.published, 4)
    assert.equal(second.failed, 0)
    // Withdrawals run in the background: wait for each that was published (capped).
    const gone: string[] = []
    for (const k of ['holiday', 'forum', 'jpg']) if (routing.announced.includes(await keywordKey(k))) gone.push(await keywordKey(k))
    await until(() => gone.every(k => routing.withdrawn.includes(k)))
    const withdrawn = new Set(routing.withdrawn)
    assert.ok(gone.length >= 2 && gone.every(k => withdrawn.has(k)), 'the hidden share\'s own keywords are withdrawn')
    assert.ok(!withdrawn.has(await keywordKey('rome')), 'a keyword another share holds stays')
  })

  it('announces a failed keyword again after a while, without a change of shares', async () => {
    const routing = new RecordingRouting()
    const statuses: PublisherStatus[] = []
    const stop = new AbortController()
    const publisher = new KeywordPublisher(routing, stop.signal, s => { statuses.push(s) }, 50)
    routing.failNext = 2
    publisher.update([indexShare({ shareId: ID_A, name: 'solo', files: [{ path: 'solo/tune.ogg' }], size: 1 })])
    await until(() => statuses.at(-1)?.pending === 0 && statuses.at(-1)?.failed === 0 && statuses.at(-1)?.published === 3)
    assert.deepEqual(statuses.at(-1), { published: 3, pending: 0, failed: 0 })
    assert.equal(routing.announced.length, 3)
    stop.abort()
  })

  it('caps the keywords of one share', () => {
    const files = Array.from({ length: 100 }, (_, i) => ({ path: `big/file${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}.txt` }))
    const wanted = KeywordPublisher.wanted([indexShare({ shareId: ID_A, name: 'big', files, size: 1 })])
    assert.equal(wanted.size, MAX_KEYWORDS_PER_SHARE)
    assert.ok(wanted.has('big') && wanted.has('txt'), 'the name first, then the commonest')
  })
})

describe('the discoverable flag in the service', { timeout: 120_000 }, () => {
  it('is off by default, set and cleared by setDiscoverable, and kept across a restart', async () => {
    const profileDir = await tempDir()
    const src = await tempDir()
    await makeTree(join(src, 'album'), { 'song.ogg': 1000 })
    await makeTree(join(src, 'open'), { 'a.txt': 10 })
    const options = { profileDir, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: false, network: TEST_NETWORK }
    let s = await SwarmdropService.create(options)
    try {
      const album = await s.call('share', { path: join(src, 'album') })
      const open = await s.call('share', { path: join(src, 'open'), discoverable: true })
      assert.equal(album.discoverable, false)
      assert.equal(open.discoverable, true)
      assert.equal((await s.call('setDiscoverable', { shareId: album.shareId, on: true })).discoverable, true)
      assert.equal((await s.call('setDiscoverable', { shareId: open.shareId, on: false })).discoverable, false)
      await assert.rejects(s.call('setDiscoverable', { shareId: ID_B, on: true }), { code: 'not-found' })
      await assert.rejects(s.call('search', { query: 'a of' }), { code: 'invalid-argument' })
      await s.stop()
      s = await SwarmdropService.create(options)
      const shares = (await s.call('list', {})).shares
      assert.equal(shares.find(x => x.shareId === album.shareId)?.discoverable, true)
      assert.equal(shares.find(x => x.shareId === open.shareId)?.discoverable, false)
      await assert.rejects(s.call('browse', { peerId: 'not a peer' }), { code: 'invalid-argument' })
    } finally {
      await s.stop()
    }
  })
})
