/**
 * Search and browse on a local Kad-DHT of real processes on 127.0.0.1, in the named test network:
 * 5 DHT-server daemons, seeder A (a daemon driven through its web API: one discoverable share, one
 * hidden, one made discoverable then hidden again), seeder B (`share --discoverable`: a copy of A's
 * discoverable share and one of its own), and searchers that each start with an empty profile.
 * Then hostile responders (a huge answer, too many results, lies, silence) and a flooding asker next
 * to the honest seeders.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { cp } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { makeTree, removeTemps, tempDir, treeHashes } from '../helpers/files.ts'
import { JsonProcess, killAll, NODE_FLAGS, swarmdrop, TEST_NETWORK } from '../helpers/processes.ts'
import { daemons, DHT } from '../helpers/dht.ts'
import { DaemonApiClient } from '../../node-core/src/web/api-client.ts'
import type { SearchResult, ShareInfo } from '../../node-core/src/contract/index.ts'

const HOSTILE = fileURLToPath(new URL('../helpers/hostile-searcher.ts', import.meta.url))

/** The results a `search` or `browse` process printed, the last state of each share, and its final line. */
async function results (proc: JsonProcess, end: string): Promise<{ byId: Map<string, SearchResult & { event: string }>, done: Record<string, unknown>, order: string[] }> {
  const done = await proc.event(end, 120_000)
  assert.equal(await proc.exited, 0, proc.stderr.slice(-2000))
  const byId = new Map<string, SearchResult & { event: string }>()
  const order: string[] = []
  for (const l of proc.lines) {
    if (l.event !== 'result') continue
    const r = l as unknown as SearchResult & { event: string }
    if (!byId.has(r.shareId)) order.push(r.shareId)
    byId.set(r.shareId, r)
  }
  return { byId, done, order }
}

describe('search and browse on a local DHT', { timeout: 600_000 }, () => {
  let bootstrap: string[]
  let a: JsonProcess
  let aId: string
  let bId: string
  let api: DaemonApiClient
  let holiday: ShareInfo
  let secret: ShareInfo
  let archive: ShareInfo
  let lectures: Record<string, unknown>
  let src: string

  before(async () => {
    bootstrap = await daemons(5)
    src = await tempDir()
    await makeTree(join(src, 'a', 'Holiday in Rome'), { 'colosseum.bin': 2 * 1024 * 1024 + 17, 'forum notes.txt': 3000 })
    await makeTree(join(src, 'a', 'Secret Rome plans'), { 'plan.txt': 500 })
    await makeTree(join(src, 'a', 'Rome archive'), { 'old.txt': 700 })
    await makeTree(join(src, 'b', 'Rome lectures'), { 'week one.pdf': 40_000 })
    await cp(join(src, 'a', 'Holiday in Rome'), join(src, 'b', 'Holiday in Rome'), { recursive: true })

    a = swarmdrop(['daemon', '--repo', await tempDir(), ...DHT, '--bootstrap', bootstrap[1]!, '--web', '--web-port', '0'])
    aId = (await a.event('listening')).peerId as string
    const web = await a.event('web')
    api = await DaemonApiClient.connect(web.port as number, /#token=([A-Za-z0-9_-]+)$/.exec(web.url as string)![1]!)
    holiday = await api.call('share', { path: join(src, 'a', 'Holiday in Rome'), discoverable: true })
    secret = await api.call('share', { path: join(src, 'a', 'Secret Rome plans') })
    archive = await api.call('share', { path: join(src, 'a', 'Rome archive'), discoverable: true })
    assert.equal(holiday.discoverable, true)
    assert.equal(secret.discoverable, false, 'hidden by default')
    const hidden = await api.call('setDiscoverable', { shareId: archive.shareId, on: false })
    assert.equal(hidden.discoverable, false)
    const mark = a.lines.length
    // Every keyword of the discoverable share is on the DHT ('archive' was withdrawn).
    await a.waitFor(l => a.lines.indexOf(l) >= mark && l.event === 'search:keywords' && l.pending === 0 && (l.published as number) >= 5, 180_000)

    const b = swarmdrop(['share', join(src, 'b', 'Holiday in Rome'), join(src, 'b', 'Rome lectures'), '--discoverable', '--repo', await tempDir(), ...DHT, '--bootstrap', bootstrap[2]!])
    bId = (await b.event('listening')).peerId as string
    const copy = await b.event('shared')
    assert.equal(copy.shareId, holiday.shareId, 'the same files make the same share')
    lectures = await b.waitFor(l => l.event === 'shared' && l.name === 'Rome lectures')
    assert.equal(lectures.discoverable, true)
    const keywords = await b.event('keywords', 180_000)
    assert.ok((keywords.published as number) >= 5, JSON.stringify(keywords))
  })

  after(async () => {
    api?.close()
    await killAll()
    await removeTemps()
  })

  it('finds the discoverable shares from a third node, never a hidden one, ranked, and downloads one byte-identical', async (t) => {
    const search = swarmdrop(['search', 'rome', '--repo', await tempDir(), '--allow-private', '--bootstrap', bootstrap[3]!])
    const { byId, done, order } = await results(search, 'search-done')
    const listening = search.lines.find(l => l.event === 'listening')!
    const first = search.lines.find(l => l.event === 'result')!
    t.diagnostic(`search: first result ${Math.round(search.timeOf(first) - search.timeOf(listening))} ms after the node started, done after ${done.ms as number} ms (${done.peersAnswered as number} of ${done.peersAsked as number} peers answered)`)
    assert.deepEqual([...byId.keys()].toSorted(), [holiday.shareId, lectures.shareId as string].toSorted())
    assert.ok(!byId.has(secret.shareId) && !byId.has(archive.shareId), 'hidden shares never answer')
    const found = byId.get(holiday.shareId)!
    assert.deepEqual([...found.holders].toSorted(), [aId, bId].toSorted(), 'both holders merged')
    assert.equal(found.name, 'Holiday in Rome')
    assert.equal(found.fileCount, 2)
    assert.equal(found.size, 2 * 1024 * 1024 + 17 + 3000)
    assert.equal(byId.get(lectures.shareId as string)!.holders.length, 1)
    assert.equal(done.results, 2)
    assert.ok((done.peersAnswered as number) >= 2)
    assert.ok(order.length === 2, `streamed as found: ${order.join(' ')}`)
    // A query with folded case and diacritics, and a file-name keyword, finds it too.
    const folded = swarmdrop(['search', 'HÔLIDAY cólosseum', '--repo', await tempDir(), '--allow-private', '--bootstrap', bootstrap[4]!])
    const second = await results(folded, 'search-done')
    assert.deepEqual([...second.byId.keys()], [holiday.shareId])
    assert.deepEqual(second.byId.get(holiday.shareId)!.matchingFiles, ['Holiday in Rome/colosseum.bin'])

    const out = await tempDir()
    const get = swarmdrop(['get', found.link, '--out', out, '--repo', await tempDir(), '--allow-private', '--bootstrap', bootstrap[3]!])
    await get.event('complete', 120_000)
    assert.deepEqual(await treeHashes(join(out, 'Holiday in Rome')), await treeHashes(join(src, 'a', 'Holiday in Rome')))
  })

  it('browses a peer: all of its discoverable shares, none of its hidden ones', async () => {
    const browse = swarmdrop(['browse', aId, '--repo', await tempDir(), '--allow-private', '--bootstrap', bootstrap[4]!])
    const { byId, done } = await results(browse, 'browse-done')
    assert.deepEqual([...byId.keys()], [holiday.shareId])
    assert.equal(done.results, 1)
    const viaApi = await api.call('browse', { peerId: bId })
    assert.deepEqual(viaApi.results.map(r => r.name).toSorted(), ['Holiday in Rome', 'Rome lectures'])
  })

  it('caps hostile responders and a flooding asker while honest results still arrive', async () => {
    const hostile = (mode: string, extra: string[] = []): JsonProcess =>
      new JsonProcess(process.execPath, [...NODE_FLAGS, HOSTILE, '--mode', mode, '--keyword', 'rome', '--network', TEST_NETWORK, '--bootstrap', bootstrap[0]!, ...extra])
    const liars = ['huge', 'many', 'lies', 'slow'].map(m => hostile(m))
    await Promise.all(liars.map(async p => await p.event('published', 180_000)))
    const aAddr = ((await a.event('listening')).addresses as string[])[0]!
    const flooder = hostile('lies', ['--flood', aAddr])
    const flood = await flooder.event('flood-ended', 180_000)
    // The budget: a burst of 20, then 2 a second (SEARCH_BUDGET); past its debt the flooder is shut out.
    const allowed = 20 + 2 * Math.ceil((flood.ms as number) / 1000)
    assert.ok((flood.answered as number) <= allowed, `the flooder got ${flood.answered as number} answers in ${flood.ms as number} ms`)
    assert.equal((flood.answered as number) + (flood.refused as number), 300)
    assert.ok((flood.answered as number) >= 1, 'the first requests are answered')

    const search = swarmdrop(['search', 'rome', '--repo', await tempDir(), '--allow-private', '--bootstrap', bootstrap[3]!])
    const { byId, done } = await results(search, 'search-done')
    assert.deepEqual([...byId.keys()].toSorted(), [holiday.shareId, lectures.shareId as string].toSorted(), 'only the honest results')
    assert.deepEqual([...byId.get(holiday.shareId)!.holders].toSorted(), [aId, bId].toSorted(), 'A still answers after the flood')
    const asked = liars.filter(p => p.lines.some(l => l.event === 'asked')).length
    assert.ok(asked >= 3, `${asked} of the 4 hostile responders were asked (${done.peersAsked as number} peers in all)`)
  })
})
