import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import { LevelDatastore } from 'datastore-level'
import { loadOrCreateIdentity } from '../identity/identity.ts'
import { logger } from '../log/logger.ts'
import { DialPolicy, hostOf } from '../net/dial-policy.ts'
import { bootstrapFor, createSwarmNode } from '../net/node.ts'
import { APP_VERSION, agentVersionFor } from '../text/display-name.ts'
import { displayNameOf } from './settings-store.ts'
import { openLevelRecovering } from '../storage/level-recovery.ts'
import { StateStore } from '../storage/state-store.ts'
import type { PrivateKey } from '@libp2p/interface'
import type { SwarmNode } from '../net/node.ts'
import type { MovedAside } from '../storage/level-recovery.ts'

const log = logger('swarmdrop:service')

export interface SwarmdropServiceOptions {
  /** Profile folder: identity key and state. */
  readonly profileDir: string
  readonly listen?: readonly string[]
  /** Default folder for downloads. */
  readonly downloadDir?: string
  /** Bytes per second, 0 = unlimited; override the saved settings when given. */
  readonly maxUploadBytesPerSecond?: number
  readonly maxDownloadBytesPerSecond?: number
  readonly allowPrivate?: boolean
  /** DHT network name (see net/node.ts) and bootstrap peers. */
  readonly network?: string
  readonly bootstrap?: readonly string[]
  /** Pre-shared key of a closed swarm (swarm.key format). */
  readonly psk?: Uint8Array
  /** Serve DHT queries. */
  readonly dhtServer?: boolean
  /** Announce shares and look up providers on the DHT (default true). */
  readonly dht?: boolean
  /** Find peers on the local network with mDNS (default true). */
  readonly mdns?: boolean
  /** Relay for other nodes while reachable (the relayService setting); overrides the saved setting when given. */
  readonly relayService?: boolean
  /** Seeding limits (the seedRatioLimit and seedMinutesLimit settings, null = none); override the saved settings when given. */
  readonly seedRatioLimit?: number | null
  readonly seedMinutesLimit?: number | null
  /** Resume the profile's unfinished downloads and serve its shares at start (default true). */
  readonly restore?: boolean
}

/** The profile's stores: the app's state, and libp2p's peer store and DHT records. */
export interface NodeStores {
  readonly store: StateStore
  readonly datastore: LevelDatastore
  /** Stores that could not be read and were moved aside (started empty). */
  readonly movedAside: MovedAside[]
}

/** The stores a node opens before libp2p: closed again if anything after them fails. */
async function openStores (profileDir: string): Promise<NodeStores> {
  const store = await StateStore.open(profileDir)
  try {
    // libp2p's peer store and DHT records, persisted so a restart reconnects without a lookup.
    const peersDb = await openLevelRecovering(join(profileDir, 'peers'))
    const datastore = new LevelDatastore(peersDb.db)
    await datastore.open()
    return { store, datastore, movedAside: [store.movedAside, peersDb.movedAside].filter(m => m != null) }
  } catch (err) {
    await store.close()
    throw err
  }
}

export interface StartedNode {
  readonly node: SwarmNode
  /** The node's identity key (search answers are signed with it). */
  readonly privateKey: PrivateKey
  readonly stores: NodeStores
  readonly dialPolicy: DialPolicy
  readonly bootstrap: ReturnType<typeof bootstrapFor>
  /** Sets who hears of each peer found on the local network (mDNS); until then they are only trusted. */
  onLanPeer (listener: (peerId: string) => void): void
}

/** Opens the profile (identity, stores) and starts its libp2p node with the dial policy; nothing is left open on failure. */
export async function startNode (options: SwarmdropServiceOptions): Promise<StartedNode> {
  const privateKey = await loadOrCreateIdentity(options.profileDir)
  const stores = await openStores(options.profileDir)
  const dialPolicy = new DialPolicy(options.allowPrivate === true)
  const bootstrap = bootstrapFor(options.network, options.bootstrap ?? [])
  for (const b of bootstrap.list) dialPolicy.trust(b)
  let lanListener: ((peerId: string) => void) | null = null
  let node: SwarmNode
  try {
    const userAgent = agentVersionFor(APP_VERSION, displayNameOf(await stores.store.getSettings()))
    node = await createSwarmNode({ userAgent, privateKey, datastore: stores.datastore, connectionGater: dialPolicy.gater(), mdns: options.mdns !== false, onLanPeer: peerId => { dialPolicy.trust(peerId); lanListener?.(peerId) }, listen: options.listen, allowPrivate: options.allowPrivate, network: options.network, bootstrap: bootstrap.list, publicNetwork: bootstrap.public, psk: options.psk, dhtServer: options.dhtServer, dht: options.dht })
  } catch (err) {
    await stores.store.close()
    await stores.datastore.close().catch((closeErr: unknown) => { log.warn('closing the peer store after a failed start: %s', closeErr) })
    throw err
  }
  dialPolicy.connectionsFrom = ip => node.getConnections().filter(c => hostOf(c.remoteAddr) === ip).length
  dialPolicy.ownAddresses = () => node.getMultiaddrs()
  // A peer scored down past the ban line (a flood, a broken protocol, bad chunks) is hung up on at once.
  dialPolicy.scores.onBanned((peerId, reason) => {
    log.warn('shutting out %s for a while: %s', peerId, reason)
    node.hangUp(peerIdFromString(peerId)).catch((err: unknown) => { log('hanging up on %s: %s', peerId, err) })
  })
  return { node, privateKey, stores, dialPolicy, bootstrap, onLanPeer: listener => { lanListener = listener } }
}
