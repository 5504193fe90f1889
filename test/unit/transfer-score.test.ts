/**
 * The download's transfer consults the peer score: a candidate shut out (scored down) is not
 * dialed while its penalty lasts, and is dialed again once it has faded. The dials are counted by
 * the transfer's `connect`, which refuses them (no network is needed to see who is dialed).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { TokenBucket } from '../../node-core/src/bandwidth/token-bucket.ts'
import { encodeManifest, shareIdOf } from '../../node-core/src/manifest/codec.ts'
import { ManifestLayout } from '../../node-core/src/manifest/layout.ts'
import { CandidateList } from '../../node-core/src/scheduler/candidates.ts'
import { SwarmTransfer } from '../../node-core/src/scheduler/download.ts'
import { PENALTY, PeerScore } from '../../node-core/src/scheduler/peer-score.ts'
import { SwarmdropError } from '../../node-core/src/errors.ts'
import { PartialDownload } from '../../node-core/src/storage/partial-download.ts'
import { StateStore } from '../../node-core/src/storage/state-store.ts'
import type { Manifest } from '../../node-core/src/manifest/types.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'

const manifest: Manifest = { version: 1, name: 'x', chunkSize: 65536, files: [{ path: 'x', size: 4 * 65536 }], hashes: new Uint8Array(4 * 32) }
const manifestBytes = encodeManifest(manifest)
const layout = new ManifestLayout(manifest)
const BAD = '12D3KooWHg2ndvC9ScpSrB9e2xiJXcxktuGCxB9jtYVV3tdJ5GYH'
const GOOD = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'
let store: StateStore

before(async () => { store = await StateStore.open(await tempDir()) })
after(async () => { await store?.close(); await removeTemps() })

describe('the transfer and the peer score', () => {
  it('does not dial a shut-out candidate until its penalty fades', async () => {
    let now = 1_000_000
    const judge = new PeerScore({ now: () => now, halfLifeMs: 60_000 })
    judge.penalise(BAD, PENALTY.flood, 'flooded')
    const data = await PartialDownload.open(await shareIdOf(manifestBytes), manifestBytes, layout, await tempDir(), store)
    const dialed: string[] = []
    let wake: (() => void) | null = null
    const transfer = new SwarmTransfer({
      data,
      downloadLimit: new TokenBucket(0),
      candidates: new CandidateList([`/ip4/127.0.0.1/tcp/1/p2p/${BAD}`, `/ip4/127.0.0.1/tcp/2/p2p/${GOOD}`]),
      judge,
      async connect (peer) {
        dialed.push(peer)
        wake?.()
        throw new SwarmdropError('unreachable', 'no network in this test')
      }
    })
    /** Waits (bounded) until `peer` has been dialed. */
    const dialedSoon = async (peer: string): Promise<void> => {
      const deadline = Date.now() + 30_000
      while (!dialed.some(d => d.endsWith(peer))) {
        assert.ok(Date.now() < deadline, `${peer} never dialed; dialed: ${dialed.join(', ')}`)
        await new Promise<void>(resolve => { wake = resolve; setTimeout(resolve, 100) })
      }
    }
    try {
      transfer.start()
      await dialedSoon(GOOD) // one connection round visits every candidate in order
      assert.deepEqual(dialed.filter(d => d.endsWith(BAD)), [], 'the shut-out peer was not dialed')
      now = judge.bannedUntil(BAD) + 1
      assert.equal(judge.banned(BAD), false)
      transfer.addCandidate(`/ip4/127.0.0.1/tcp/3/p2p/${BAD}`) // a fresh address: a connection round at once
      await dialedSoon(BAD)
    } finally {
      transfer.stop()
      await data.close()
    }
  })
})
