import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bootstrap } from '@libp2p/bootstrap'
import { identify } from '@libp2p/identify'
import { mdns } from '@libp2p/mdns'
import { kadDHT, passthroughMapper, removePrivateAddressesMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { preSharedKey } from '@libp2p/pnet'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import type { Identify } from '@libp2p/identify'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Ping } from '@libp2p/ping'
import type { ConnectionGater, Libp2p, PeerDiscovery, PrivateKey } from '@libp2p/interface'
import type { Datastore } from 'interface-datastore'

export interface SwarmNodeOptions {
  readonly privateKey: PrivateKey
  /** Multiaddrs to listen on; default all interfaces on a random TCP port. */
  readonly listen?: readonly string[]
  /** Keep private and loopback addresses in the DHT (local swarms and tests). */
  readonly allowPrivate?: boolean
  /** Network name: a separate DHT (`/swarmdrop/<name>/kad/1.0.0`); default the public Amino DHT. */
  readonly network?: string
  /** Peers to join the DHT through (multiaddrs with /p2p/). */
  readonly bootstrap?: readonly string[]
  /** Where libp2p keeps its peer store and DHT records (default: memory). */
  readonly datastore?: Datastore
  /** Find peers on the local network by multicast DNS; each one found is passed to `onLanPeer`. */
  readonly mdns?: boolean
  onLanPeer? (peerId: string, addresses: string[]): void
  /** Decides which addresses may be dialed (see DialPolicy). */
  readonly connectionGater?: ConnectionGater
  /** A pre-shared key (libp2p swarm.key format): only nodes holding it can connect at all. */
  readonly psk?: Uint8Array
  /** Serve DHT queries (server mode) instead of only asking them. */
  readonly dhtServer?: boolean
}

export type SwarmNode = Libp2p<{ identify: Identify, ping: Ping, dht: KadDHT }>

/**
 * Connection limits, chosen on purpose (see README, "Network limits"):
 * - maxConnections 300: a large swarm plus DHT traffic, still friendly to home routers' NAT tables;
 * - inboundConnectionThreshold 32 per second per IP (libp2p's default is 5): a flash crowd behind one
 *   address, and many peers on 127.0.0.1 in tests, would otherwise be refused;
 * - maxIncomingPendingConnections 32: bounds half-open handshakes;
 * - dialTimeout 10 s.
 */
export const CONNECTION_LIMITS = {
  maxConnections: 300,
  inboundConnectionThreshold: 32,
  maxIncomingPendingConnections: 32,
  dialTimeout: 10_000
} as const

/** mDNS under Swarmdrop's own service name (per network), reporting what it finds to `onLanPeer`. */
function lanDiscovery (options: SwarmNodeOptions): (components: Parameters<ReturnType<typeof mdns>>[0]) => PeerDiscovery {
  const network = options.network == null || options.network === '' ? '' : `-${options.network}`
  const create = mdns({ serviceTag: `_swarmdrop${network}._udp.local`, interval: 5000 })
  return components => {
    const discovery = create(components)
    discovery.addEventListener('peer', evt => {
      options.onLanPeer?.(evt.detail.id.toString(), evt.detail.multiaddrs.map(String))
    })
    return discovery
  }
}

/** The DHT protocol id for a network name. */
export function dhtProtocolFor (network: string | undefined): string {
  if (network == null || network === '') return '/ipfs/kad/1.0.0'
  if (!/^[a-z0-9][a-z0-9._-]{0,62}$/i.test(network)) throw new RangeError(`network name "${network}" must be 1-63 letters, digits, '.', '_' or '-'`)
  return `/swarmdrop/${network}/kad/1.0.0`
}

/** The libp2p node: TCP + Noise + Yamux, identify, ping and Kad-DHT. */
export async function createSwarmNode (options: SwarmNodeOptions): Promise<SwarmNode> {
  return createLibp2p({
    privateKey: options.privateKey,
    ...(options.datastore != null ? { datastore: options.datastore } : {}),
    addresses: { listen: [...(options.listen ?? ['/ip4/0.0.0.0/tcp/0'])] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { ...CONNECTION_LIMITS },
    ...(options.connectionGater != null ? { connectionGater: options.connectionGater } : {}),
    ...(options.psk != null ? { connectionProtector: preSharedKey({ psk: options.psk }) } : {}),
    peerDiscovery: [
      ...((options.bootstrap ?? []).length > 0 ? [bootstrap({ list: [...options.bootstrap!], timeout: 0 })] : []),
      ...(options.mdns === true ? [lanDiscovery(options)] : [])
    ],
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({
        protocol: dhtProtocolFor(options.network),
        clientMode: options.dhtServer !== true,
        peerInfoMapper: options.allowPrivate === true ? passthroughMapper : removePrivateAddressesMapper
      })
    }
  })
}
