/**
 * One start of a profile as the service wires its parts (StateStore, SettingsStore, ShareRegistry,
 * Downloads over the node's download context, SeedLimits; shares restored, then downloads), with
 * no libp2p node: for tests of what a restart keeps of finished downloads (nothing here dials).
 * Two stand-ins, named as such: a node whose every dial throws, and a peer store that holds no
 * peer. Everything else is real (LevelDB store, files on disk, hashing). The same rules run with
 * real processes and real nodes in test/integration/restore-finished.test.ts.
 * And what a finished download leaves in a profile, as DownloadJob writes it.
 */
import { randomBytes } from 'node:crypto'
import { stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { buildShare } from '../../node-core/src/manifest/builder.ts'
import { encodeManifest, shareIdOf } from '../../node-core/src/manifest/codec.ts'
import { HashPool } from '../../node-core/src/manifest/hash-pool.ts'
import { DialPolicy } from '../../node-core/src/net/dial-policy.ts'
import { downloadContext } from '../../node-core/src/service/download-context.ts'
import { Downloads } from '../../node-core/src/service/downloads.ts'
import { LifetimeTotals } from '../../node-core/src/service/lifetime-totals.ts'
import { PeerBook } from '../../node-core/src/service/peer-book.ts'
import { SeedLimits } from '../../node-core/src/service/seed-limits.ts'
import { SettingsStore } from '../../node-core/src/service/settings-store.ts'
import { ShareDiscovery } from '../../node-core/src/service/share-discovery.ts'
import { ShareRegistry } from '../../node-core/src/service/share-registry.ts'
import { StateStore } from '../../node-core/src/storage/state-store.ts'
import { tempDir } from './files.ts'
import type { DownloadInfo, ServiceEvent } from '../../node-core/src/contract/index.ts'

export const SIZE = 700_001

/** One start of a profile: the parts the service builds, in its order (shares restored, then downloads). */
interface NodeParts {
  readonly events: ServiceEvent[]
  readonly store: StateStore
  readonly settings: SettingsStore
  readonly pool: HashPool
  readonly shares: ShareRegistry
  readonly downloads: Downloads
  readonly limits: SeedLimits
}

/** A profile started: its parts, and what the tests ask of it. */
export type Node = NodeParts & {
  list (): DownloadInfo[]
  info (shareId: string): DownloadInfo
  stop (): Promise<void>
}

export const Node = {
  async start (profileDir: string, restore = true): Promise<Node> {
    const store = await StateStore.open(profileDir)
    const settings = await SettingsStore.open({ store, profileDir, network: null })
    const pool = new HashPool(1)
    const events: ServiceEvent[] = []
    const emit = (e: ServiceEvent): void => { events.push(e) }
    const dialPolicy = new DialPolicy(false)
    const peers = new PeerBook({ peerStore: { get: async () => { throw new Error('no peer store here') } }, getConnections: () => [] }, dialPolicy)
    const shares = new ShareRegistry({ store, pool, addresses: () => [], peersFetching: () => 0, dropSessions: () => {}, emit })
    const discovery = new ShareDiscovery({ routing: null, selfId: 'self', peers, stopping: new AbortController().signal, emit })
    const node = { peerId: peerIdFromPrivateKey(await generateKeyPair('Ed25519')), dialProtocol: async () => { throw new Error('no network in this test') } }
    const context = downloadContext({ node, store, settings, peers, shares, discovery, mdns: false, totals: await LifetimeTotals.open(store) })
    const downloads = new Downloads({ store, context, peers, shares, emit })
    const limits = new SeedLimits({ limits: () => settings.seedLimits, downloads: () => downloads.values(), stop: async id => { await downloads.seed(id, false) } })
    if (restore) {
      await shares.restore()
      await downloads.restore()
    }
    return {
      events, store, settings, pool, shares, downloads, limits,
      list: () => [...downloads.values()].map(j => j.info()),
      info: shareId => downloads.get(shareId).info(),
      async stop () {
        await downloads.close()
        await shares.close()
        await pool.close()
        await store.close()
      }
    }
  }
}

/** What a download that finished (seeded or not) leaves in the profile, as DownloadJob writes it. */
export async function finishedDownload (profileDir: string, opts: { seeded: boolean, saved?: (store: StateStore, shareId: string) => Promise<void>, name?: string }): Promise<{ shareId: string, path: string, outDir: string }> {
  const outDir = await tempDir()
  const name = opts.name ?? 'film.bin'
  const path = join(outDir, name)
  await writeFile(path, randomBytes(SIZE))
  const pool = new HashPool(1)
  const built = await buildShare(path, pool)
  await pool.close()
  const bytes = encodeManifest(built.manifest)
  const shareId = await shareIdOf(bytes)
  const store = await StateStore.open(profileDir)
  await store.putManifest(shareId, bytes)
  await store.putDownload({ shareId, outDir, targetName: name, reserved: true, status: 'complete', peers: [], addedAt: 1, seeding: opts.seeded })
  if (opts.seeded) {
    const s = await stat(path)
    await store.putShare({ shareId, root: path, files: [{ absolutePath: path, size: s.size, mtimeMs: s.mtimeMs }], addedAt: 2 })
  }
  if (opts.saved !== undefined) await opts.saved(store, shareId)
  await store.close()
  return { shareId, path, outDir }
}

/** Waits for a condition set by a stop under way (no fixed sleep: a turn of the event loop at a time, capped). */
export async function waitUntil (condition: () => boolean, capMs = 10_000): Promise<void> {
  const end = Date.now() + capMs
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting for the condition')
    await new Promise(resolve => setImmediate(resolve))
  }
}
