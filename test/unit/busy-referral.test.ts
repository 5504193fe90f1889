/**
 * A full server answers `busy` with other members of the swarm: the download takes them as
 * candidates and dials them (in a crowd larger than the origin's session table, the peers turned
 * away would otherwise know no one else). SwarmTransfer with its `connect` replaced by one that
 * refuses the origin and records every other attempt.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as delay } from 'node:timers/promises'
import { TokenBucket } from '../../node-core/src/bandwidth/token-bucket.ts'
import { encodeManifest, shareIdOf } from '../../node-core/src/manifest/codec.ts'
import { ManifestLayout } from '../../node-core/src/manifest/layout.ts'
import { SessionRefusedError } from '../../node-core/src/protocol/chunk-client.ts'
import { SwarmTransfer } from '../../node-core/src/scheduler/download.ts'
import { PartialDownload } from '../../node-core/src/storage/partial-download.ts'
import { StateStore } from '../../node-core/src/storage/state-store.ts'
import type { Manifest } from '../../node-core/src/manifest/types.ts'
import type { SourceSession } from '../../node-core/src/protocol/chunk-client.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'

const manifest: Manifest = { version: 1, name: 'x', chunkSize: 65536, files: [{ path: 'x', size: 4 * 65536 }], hashes: new Uint8Array(4 * 32) }
const manifestBytes = encodeManifest(manifest)
const layout = new ManifestLayout(manifest)
let store: StateStore

before(async () => { store = await StateStore.open(await tempDir()) })
after(async () => { await store?.close(); await removeTemps() })

/**
 * A transfer whose `connect` refuses each peer named in `refusals` with its error and holds every
 * other dial until the transfer stops; `asked` records every dial, in order.
 */
async function transferWith (refusals: Record<string, SessionRefusedError>): Promise<{ transfer: SwarmTransfer, asked: string[], data: PartialDownload }> {
  const data = await PartialDownload.open(await shareIdOf(manifestBytes), manifestBytes, layout, await tempDir(), store)
  const asked: string[] = []
  const transfer = new SwarmTransfer({
    data,
    downloadLimit: new TokenBucket(0),
    connect: (peer, signal) => new Promise<SourceSession>((_resolve, reject) => {
      asked.push(peer)
      const refusal = refusals[peer]
      if (refusal != null) reject(refusal)
      else signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
    })
  })
  return { transfer, asked, data }
}

describe('busy referral', () => {
  it('dials the members a busy server names; other refusals name none', async () => {
    const { transfer, asked, data } = await transferWith({
      origin: new SessionRefusedError('busy', 'too many sessions', ['member-a', 'member-b']),
      stranger: new SessionRefusedError('unknown-share', 'no')
    })
    transfer.addCandidate('stranger')
    transfer.addCandidate('origin')
    transfer.start()
    try {
      const deadline = Date.now() + 30_000
      while (!(asked.includes('member-a') && asked.includes('member-b')) && Date.now() < deadline) await delay(20)
      assert.deepEqual([...asked].sort(), ['member-a', 'member-b', 'origin', 'stranger'])
    } finally {
      transfer.stop()
      await data.close()
    }
  })

  it('dials each member at the first address listed for it first (its best, as PeerBook ranks them)', async () => {
    const member = '12D3KooWReHU94cyH4qHgmLWjTrydkhWVGTULBeLaQZtDTn7neyK'
    const listed = [`/ip6/3fff:1::10/tcp/4001/p2p/relay-a/p2p-circuit/p2p/${member}`, `/ip6/3fff:1::11/tcp/4001/p2p/relay-b/p2p-circuit/p2p/${member}`, `/ip4/192.168.2.2/tcp/45553/p2p/${member}`]
    const { transfer, asked, data } = await transferWith({ origin: new SessionRefusedError('busy', 'too many sessions', listed) })
    transfer.addCandidate('origin')
    transfer.start()
    try {
      const deadline = Date.now() + 30_000
      while (!asked.some(a => a.endsWith(member)) && Date.now() < deadline) await delay(20)
      assert.equal(asked.find(a => a.endsWith(member)), listed[0], `the first dial of the member: ${JSON.stringify(asked)}`)
    } finally {
      transfer.stop()
      await data.close()
    }
  })
})
