/**
 * Initial seeding: the policy (InitialSeeding) alone, and ChunkServer serving a share that way to
 * real sessions between two libp2p nodes on 127.0.0.1: each downloader is shown chunks nobody else
 * was shown, one more per request, and everything once every chunk has been shown.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { TokenBucket } from '../../node-core/src/bandwidth/token-bucket.ts'
import { SourceSession } from '../../node-core/src/protocol/chunk-client.ts'
import { ChunkServer } from '../../node-core/src/protocol/chunk-server.ts'
import { CHUNK_PROTOCOL, INITIAL_SEEDING_WINDOW } from '../../node-core/src/protocol/constants.ts'
import { InitialSeeding } from '../../node-core/src/protocol/initial-seeding.ts'
import { Bitfield } from '../../node-core/src/storage/bitfield.ts'
import { createSwarmNode } from '../../node-core/src/net/node.ts'
import type { SwarmNode } from '../../node-core/src/net/node.ts'
import { dialUntilOpen } from '../helpers/dial.ts'
import type { Manifest } from '../../node-core/src/manifest/types.ts'
import { seededRandom } from '../helpers/random.ts'
import { memoryShare, nodePair } from '../helpers/served-share.ts'

describe('InitialSeeding policy', () => {
  const options = (random: () => number, now = (): number => 0) => ({ window: 40, minWindow: 4, ttlMs: 10_000, random, now })

  it('shows each downloader its own chunks, one more per request, and finishes once every chunk was sent', () => {
    const p = new InitialSeeding(100, options(seededRandom(3)))
    const a = p.open()
    assert.equal(a.show.length, 40, 'alone, a downloader is shown the whole window')
    const b = p.open()
    assert.equal(b.show.length, 20, 'with two, half of it')
    assert.equal(new Set([...a.show, ...b.show]).size, 60)
    assert.notDeepEqual(a.show.slice(0, 10), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    // A's window is over its share now: requests show it nothing until it is under 20.
    for (const i of a.show.slice(0, 20)) assert.deepEqual(p.requested(a.view, i), [])
    const more = p.requested(a.view, a.show[20]!)
    assert.equal(more.length, 1)
    assert.deepEqual(p.requested(a.view, 12345), [], 'a chunk it was not shown shows nothing')
    // Request and send everything either is shown, until nothing is left.
    const shownTo = new Map([[a.view, new Set([...a.show, ...more])], [b.view, new Set(b.show)]])
    for (let round = 0; round < 200 && !p.finished; round++) {
      for (const [view, shown] of shownTo) {
        for (const i of [...view.shown.keys()]) {
          for (const more of p.requested(view, i)) {
            for (const other of shownTo.values()) assert.ok(!other.has(more), `chunk ${more} shown twice`)
            shown.add(more)
          }
          p.sent(view, i)
        }
        for (const i of [...view.unsent]) p.sent(view, i)
      }
    }
    assert.equal(p.finished, true)
    assert.equal(shownTo.get(a.view)!.size + shownTo.get(b.view)!.size, 100)
  })

  it('is not finished while a shown chunk is unsent; a downloader that leaves gives its chunks back', () => {
    const p = new InitialSeeding(10, options(seededRandom(5)))
    const a = p.open()
    assert.equal(a.show.length, 10)
    assert.equal(p.unshown, 0)
    for (const i of a.show.slice(0, 9)) { p.requested(a.view, i); p.sent(a.view, i) }
    assert.equal(p.finished, false, 'one chunk was shown and never received')
    p.close(a.view)
    assert.equal(p.unshown, 1)
    const b = p.open()
    assert.deepEqual(b.show, [a.show[9]])
    p.requested(b.view, a.show[9]!)
    assert.equal(p.finished, false)
    p.sent(b.view, a.show[9]!)
    assert.equal(p.finished, true)
    assert.deepEqual(p.open().show, [], 'after finishing, nothing is handed out')
  })

  it('never hands out a chunk claimed by a downloader that was shown everything', () => {
    const p = new InitialSeeding(50, options(seededRandom(11)))
    for (let i = 0; i < 25; i++) p.claim(i * 2)
    p.claim(0) // twice: no effect
    assert.equal(p.unshown, 25)
    const a = p.open()
    for (let round = 0; round < 100 && p.unshown + a.view.shown.size > 0; round++) {
      for (const i of [...a.view.shown.keys()]) {
        assert.equal(i % 2, 1, `claimed chunk ${i} was handed out`)
        p.requested(a.view, i)
        p.sent(a.view, i)
      }
    }
    assert.equal(p.finished, true)
  })

  it('regression: a chunk sent is never handed out again, so initial seeding finishes (was a stuck download)', () => {
    // A shown chunk can reach the swarm another way (sent to a downloader it was not shown to, or
    // to one it was shown to after it expired elsewhere). Handed out again, it went to downloaders
    // that already had it, which never requested it, and initial seeding never finished: a
    // downloader waiting for a chunk only the finish would show it waited for ever.
    let now = 0
    const p = new InitialSeeding(4, options(seededRandom(2), () => now))
    const a = p.open()
    assert.equal(a.show.length, 4)
    const b = p.open()
    assert.deepEqual(b.show, [])
    for (const i of [0, 1, 2]) p.sent(b.view, i) // B asked for them anyway (it knew of them) and got them
    now = 20_000
    p.expire()
    assert.equal(p.unshown + a.view.shown.size + b.view.shown.size, 1, 'only chunk 3 is still to go out')
    assert.equal(p.finished, false)
    p.sent(a.view, 3)
    assert.equal(p.finished, true)
  })

  it('hands out again what a downloader does not request in time, and shows it others', () => {
    let now = 0
    const p = new InitialSeeding(100, options(seededRandom(7), () => now))
    const a = p.open()
    const b = p.open()
    const aFirst = new Set(a.show)
    now = 5_000
    assert.equal(p.expire().size, 0, 'nothing is stale yet')
    for (const i of b.show) { p.requested(b.view, i); p.sent(b.view, i) }
    now = 10_001
    const shown = p.expire()
    const toA = shown.get(a.view) ?? []
    assert.equal(toA.length, 20, 'A is shown a fresh window')
    // B received 20; A's 20 stale chunks went back to the pool (else 20 would be missing here).
    assert.equal(p.unshown + a.view.shown.size + b.view.shown.size + b.view.unsent.size, 100 - 20)
    assert.ok([...a.view.shown.keys()].every(i => !aFirst.has(i) || toA.includes(i)))
  })
})

const CHUNKS = 100
const manifest: Manifest = { version: 1, name: 'seeded', chunkSize: 65536, files: [{ path: 'seeded', size: CHUNKS * 65536 }], hashes: new Uint8Array(CHUNKS * 32) }

describe('ChunkServer: initial seeding', () => {
  let server: SwarmNode
  let client: SwarmNode
  /** A second downloader node: its sessions count as another peer in `peersFetching`. */
  let otherClient: SwarmNode
  let chunkServer: ChunkServer
  let shareId = ''

  before(async () => {
    const share = await memoryShare(manifest, { initialSeeding: true })
    shareId = share.shareId
    ;({ server, client } = await nodePair())
    otherClient = await createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
    // The seeding clock stands still: chunks shown and not requested within INITIAL_SEEDING_TTL_MS
    // would otherwise be shown to the next downloader as well (as they should), and on a busy
    // machine this test's steps take longer than that (it then saw a chunk shown to A and C).
    chunkServer = new ChunkServer(server, { lookup: id => id === shareId ? share : undefined, swarmPeers: async () => [], uploadLimit: new TokenBucket(0), seedingClock: () => 0 })
    await chunkServer.start()
  })
  after(async () => { await client?.stop(); await otherClient?.stop(); await server?.stop() })

  /** A session and what it has been shown so far (WELCOME, then HAVEs). */
  async function open (from = client): Promise<{ session: SourceSession, shown: Set<number>, blocks: number[], changed: () => Promise<void> }> {
    const stream = await dialUntilOpen(from, server.getMultiaddrs()[0]!, CHUNK_PROTOCOL)
    const session = await SourceSession.open(stream, server.peerId.toString(), shareId)
    const shown = new Set(new Bitfield(CHUNKS, session.initialHave).indices())
    const blocks: number[] = []
    let wake: (() => void) | null = null
    const changed = async (): Promise<void> => { await new Promise<void>(resolve => { wake = resolve }) }
    const poke = (): void => { const w = wake; wake = null; w?.() }
    session.start({
      onBlock (index) { blocks.push(index); poke() },
      onHave (index) { shown.add(index); poke() },
      onPeers () {},
      onError () {},
      onClose () {}
    })
    return { session, shown, blocks, changed }
  }

  async function until (s: Awaited<ReturnType<typeof open>>, done: () => boolean): Promise<void> {
    const deadline = Date.now() + 120_000 // a cap for a hang, not a measure
    while (!done()) {
      assert.ok(Date.now() < deadline, 'timed out')
      await Promise.race([s.changed(), new Promise(resolve => setTimeout(resolve, 50))])
    }
  }

  it('shows each downloader after the first chunks nobody else was shown, one more per request, then everything', async () => {
    const first = await open()
    assert.equal(first.shown.size, CHUNKS, 'a downloader alone is shown everything')
    const a = await open()
    assert.equal(a.shown.size, INITIAL_SEEDING_WINDOW, 'from the second on, initial seeding: the whole window for the first view')
    const b = await open(otherClient)
    assert.equal(b.shown.size, INITIAL_SEEDING_WINDOW / 2, 'the second is shown half of it')
    for (const i of a.shown) assert.ok(!b.shown.has(i), `chunk ${i} shown to both`)

    // A is over its share now (40 shown, 20 each): its 21st request brings the block and one more
    // chunk, shown to nobody else.
    const before = new Set(a.shown)
    const requested = new Map([[a, new Set<number>()], [b, new Set<number>()]])
    for (const i of [...a.shown].slice(0, 21)) { requested.get(a)!.add(i); a.session.request(i) }
    await until(a, () => a.blocks.length === 21 && a.shown.size === INITIAL_SEEDING_WINDOW + 1)
    const added = [...a.shown].filter(i => !before.has(i))
    assert.equal(added.length, 1)
    assert.ok(!b.shown.has(added[0]!))

    // B leaves without requesting anything; a newcomer is shown chunks A was not (some of them B's).
    assert.equal(chunkServer.peersFetching(shareId), 2)
    b.session.close()
    // The server forgets B's view in the same step that ends its session, which `peersFetching` shows.
    const deadline = Date.now() + 120_000
    while (chunkServer.peersFetching(shareId) !== 1) {
      assert.ok(Date.now() < deadline, 'the server did not see B leave')
      await new Promise(resolve => setTimeout(resolve, 10))
    }
    const c = await open()
    assert.equal(c.shown.size, INITIAL_SEEDING_WINDOW / 2)
    for (const i of c.shown) assert.ok(!a.shown.has(i), `chunk ${i} shown to A and C`)

    // A and C request every chunk they are shown; once every chunk has been sent, both see them all.
    requested.set(c, new Set())
    for (const s of [a, c]) {
      await until(s, () => {
        for (const x of [a, c]) for (const i of x.shown) if (!requested.get(x)!.has(i)) { requested.get(x)!.add(i); x.session.request(i) }
        return s.shown.size === CHUNKS
      })
    }
    // A newcomer after that sees everything in WELCOME.
    const d = await open()
    assert.equal(d.shown.size, CHUNKS)
    for (const s of [first, a, c, d]) s.session.close()
  })
})
