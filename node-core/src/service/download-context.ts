import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { SwarmdropError } from '../errors.ts'
import { SourceSession } from '../protocol/chunk-client.ts'
import { CHUNK_PROTOCOL } from '../protocol/constants.ts'
import { peerKey } from '../scheduler/candidates.ts'
import type { PeerJudge } from '../scheduler/peer-score.ts'
import type { TokenBucket } from '../bandwidth/token-bucket.ts'
import type { ShareInfo } from '../contract/index.ts'
import type { LifetimeTotals } from './lifetime-totals.ts'
import type { ManifestLayout } from '../manifest/layout.ts'
import type { SwarmNode } from '../net/node.ts'
import type { ServedShare } from '../storage/served-share.ts'
import type { ShareRecord, StateStore } from '../storage/state-store.ts'
import type { PeerBook } from './peer-book.ts'
import type { SettingsStore } from './settings-store.ts'
import type { ShareDiscovery } from './share-discovery.ts'
import type { ShareRegistry } from './share-registry.ts'

/**
 * What a download needs of the node around it, in one object: how to reach peers, how to find
 * more, and how to hand on what it has (serve its chunks while it runs, seed its files once done).
 * The service builds one for all downloads (service/downloads.ts); tests can build their own.
 */
export interface DownloadContext {
  readonly store: StateStore
  readonly downloadLimit: TokenBucket
  /** Opens a chunk-exchange session with `peer` (a multiaddr with /p2p/, or a peer ID) for a share. */
  connect (peer: string, shareId: string, signal: AbortSignal): Promise<SourceSession>
  /** Whether a peer is on the local network (preferred as a source). */
  isLan (peerId: string): boolean
  /** Keeps finding peers that have the share until `signal` aborts (resolves at once when discovery is off). */
  discover (shareId: string, signal: AbortSignal, onPeer: (peer: string) => void): Promise<void>
  /** Whether peers may still turn up on their own (DHT or mDNS); if not, no peers is an error at once. */
  readonly searching: boolean
  /** The download's verified chunks can be served to others from now on. */
  serve (data: ServedShare): void
  /** The download is complete: serve its files in place (its manifest is known and checked) and announce it. */
  seed (record: ShareRecord, manifestBytes: Uint8Array, layout: ManifestLayout): Promise<ShareInfo>
  /** A peer served this download: trust its addresses for later dials. */
  trust (peer: string): void
  /** Chunk bytes per second sent to others for this share now. */
  uploadRate (shareId: string): number
  /** Chunk bytes sent to others for this share since the node started (with the earlier runs' from the download's seeding record: the share ratio's numerator). */
  uploadedBytes (shareId: string): number
  /** A verified chunk of `bytes` arrived (the lifetime totals). */
  recordDownload (bytes: number): void
  /** Whether a download that finishes is seeded (the setting). */
  readonly keepSeeding: boolean
  /** Whether a share is served from files in place at `root`. */
  seededAt (shareId: string, root: string): boolean
  /** Stops serving a share from its files in place (and withdraws its announcement). */
  unseed (shareId: string): Promise<void>
  /** Peer scores (misbehaving sources are scored down and not dialed while shut out). */
  readonly judge?: PeerJudge
}

export interface DownloadContextParts {
  readonly node: Pick<SwarmNode, 'peerId' | 'dialProtocol'>
  readonly store: StateStore
  readonly settings: SettingsStore
  readonly peers: PeerBook
  readonly shares: ShareRegistry
  readonly discovery: ShareDiscovery
  /** Whether mDNS runs (peers may turn up on the LAN). */
  readonly mdns: boolean
  readonly judge?: PeerJudge
  readonly totals: LifetimeTotals
}

/** The context every download of a node shares, over the parts that own each fact. */
export function downloadContext (parts: DownloadContextParts): DownloadContext {
  const { node, peers, shares, discovery } = parts
  const self = node.peerId.toString()
  return {
    store: parts.store,
    downloadLimit: parts.settings.downloadLimit,
    async connect (peer, shareId, signal) {
      const id = peerKey(peer)
      if (id === self) throw new SwarmdropError('self', 'that address is this node')
      const target = peer.startsWith('/') ? multiaddr(peer) : peerIdFromString(peer)
      // An address from a link or the DHT may name a relay that is gone: then try the peer by ID
      // (libp2p's peer store knows its other addresses, relayed ones included).
      const stream = await node.dialProtocol(target, CHUNK_PROTOCOL, { signal }).catch(async (err: unknown) => {
        if (!peer.startsWith('/') || signal.aborted) throw err
        return await node.dialProtocol(peerIdFromString(id), CHUNK_PROTOCOL, { signal })
      })
      peers.joinSwarm(shareId, id)
      return SourceSession.open(stream, id, shareId)
    },
    isLan: peerId => peers.isLan(peerId),
    discover: async (shareId, signal, onPeer) => { await discovery.find(shareId, signal, onPeer) },
    searching: discovery.enabled || parts.mdns,
    serve: data => { shares.serveDownloading(data) },
    async seed (record, manifestBytes, layout) {
      const info = await shares.seed(record, manifestBytes, layout)
      discovery.announce(record.shareId) // a finished download is one more source
      return info
    },
    trust: peer => { peers.trust(peer) },
    uploadRate: shareId => shares.uploadRate(shareId),
    uploadedBytes: shareId => shares.uploadedBytes(shareId),
    recordDownload: bytes => { parts.totals.addDownloaded(bytes) },
    get keepSeeding () { return parts.settings.keepSeeding },
    seededAt: (shareId, root) => shares.rootOf(shareId) === root,
    async unseed (shareId) {
      await shares.unshare(shareId)
      await discovery.withdraw(shareId)
    },
    ...(parts.judge != null ? { judge: parts.judge } : {})
  }
}
