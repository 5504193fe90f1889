/**
 * The README's cap on sources: a download connects to at most 32 peers at a time (connected or
 * connecting), however many candidates it learns of, and takes the next candidate when one fails.
 * SwarmTransfer with its `connect` replaced by one that records each attempt and leaves it pending.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { setTimeout as delay } from 'node:timers/promises'
import { TokenBucket } from '../../node-core/src/bandwidth/token-bucket.ts'
import { encodeManifest, shareIdOf } from '../../node-core/src/manifest/codec.ts'
import { ManifestLayout } from '../../node-core/src/manifest/layout.ts'
import { SwarmTransfer } from '../../node-core/src/scheduler/download.ts'
import { PartialDownload } from '../../node-core/src/storage/partial-download.ts'
import { StateStore } from '../../node-core/src/storage/state-store.ts'
import type { Manifest } from '../../node-core/src/manifest/types.ts'
import type { SourceSession } from '../../node-core/src/protocol/chunk-client.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'

const manifest: Manifest = { version: 1, name: 'x', chunkSize: 65536, files: [{ path: 'x', size: 8 * 65536 }], hashes: new Uint8Array(8 * 32) }
const manifestBytes = encodeManifest(manifest)
const layout = new ManifestLayout(manifest)
let store: StateStore

before(async () => { store = await StateStore.open(await tempDir()) })
after(async () => { await store?.close(); await removeTemps() })

describe('source cap', () => {
  it('connects to at most 32 of 40 candidates at a time, and to the next when one fails', async () => {
    const data = await PartialDownload.open(await shareIdOf(manifestBytes), manifestBytes, layout, await tempDir(), store)
    const asked: string[] = []
    const pending = new Map<string, (err: Error) => void>()
    let most = 0
    const transfer = new SwarmTransfer({
      data,
      downloadLimit: new TokenBucket(0),
      connect: (peer, signal) => new Promise<SourceSession>((_resolve, reject) => {
        asked.push(peer)
        pending.set(peer, reject)
        most = Math.max(most, pending.size)
        signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
      })
    })
    for (let i = 0; i < 40; i++) transfer.addCandidate(`peer-${i}`)
    transfer.start()
    try {
      assert.equal(asked.length, 32, 'the first 32 candidates are tried at once')
      // One fails: the next candidate takes its place, and still no more than 32 at a time.
      pending.get('peer-0')!(new Error('connection refused'))
      pending.delete('peer-0')
      const deadline = Date.now() + 30_000
      while (asked.length < 33 && Date.now() < deadline) await delay(20)
      assert.deepEqual(asked.slice(32), ['peer-32'])
      assert.equal(most, 32)
    } finally {
      transfer.stop()
      await data.close()
    }
  })

  it('dials a peer that downloads from us past the cap, up to twice it, and no plain candidate then', async () => {
    const data = await PartialDownload.open(await shareIdOf(manifestBytes), manifestBytes, layout, await tempDir(), store)
    const asked: string[] = []
    const transfer = new SwarmTransfer({
      data,
      downloadLimit: new TokenBucket(0),
      connect: (peer, signal) => new Promise<SourceSession>((_resolve, reject) => {
        asked.push(peer)
        signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
      })
    })
    for (let i = 0; i < 40; i++) transfer.addCandidate(`peer-${i}`)
    transfer.start()
    try {
      assert.equal(asked.length, 32)
      // peer-35 (known, not dialed) and two newcomers open sessions with us: dialed back at once.
      transfer.addCandidate('peer-35', true)
      transfer.addCandidate('joined-1', true)
      transfer.addCandidate('joined-2', true)
      const deadline = Date.now() + 30_000
      while (asked.length < 35 && Date.now() < deadline) await delay(20)
      assert.deepEqual(asked.slice(32).sort(), ['joined-1', 'joined-2', 'peer-35'])
      // Two rounds of the transfer (each dials what its caps allow) pass without another dial.
      for (let round = 0; round < 2; round++) await once(transfer, 'tick')
      assert.equal(asked.length, 35, 'no plain candidate past the cap')
    } finally {
      transfer.stop()
      await data.close()
    }
  })
})
