import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper, removePrivateAddressesMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import type { Identify } from '@libp2p/identify'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Ping } from '@libp2p/ping'
import type { Libp2p, PrivateKey } from '@libp2p/interface'

export interface SwarmNodeOptions {
  readonly privateKey: PrivateKey
  /** Multiaddrs to listen on; default all interfaces on a random TCP port. */
  readonly listen?: readonly string[]
  /** Keep private and loopback addresses in the DHT (local swarms and tests). */
  readonly allowPrivate?: boolean
  /** DHT protocol id; the default is the public Amino DHT's. */
  readonly dhtProtocol?: string
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

/** The libp2p node: TCP + Noise + Yamux, identify, ping and Kad-DHT. */
export async function createSwarmNode (options: SwarmNodeOptions): Promise<SwarmNode> {
  return createLibp2p({
    privateKey: options.privateKey,
    addresses: { listen: [...(options.listen ?? ['/ip4/0.0.0.0/tcp/0'])] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { ...CONNECTION_LIMITS },
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({
        protocol: options.dhtProtocol ?? '/ipfs/kad/1.0.0',
        clientMode: options.dhtServer !== true,
        peerInfoMapper: options.allowPrivate === true ? passthroughMapper : removePrivateAddressesMapper
      })
    }
  })
}
