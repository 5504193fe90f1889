import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { dcutr } from '@libp2p/dcutr'
import { identify, identifyPush } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { CHUNK_PROTOCOL } from '../protocol/constants.ts'
import { namedAddresses, orderAddresses } from './announce.ts'
import { autoNATWithDialBack } from './autonat.ts'
import { ownAddresses } from './own-addresses.ts'
import { swarmRelays } from './relays.ts'
import type { OwnAddresses } from './own-addresses.ts'
import type { SwarmRelays } from './relays.ts'
import type { Identify } from '@libp2p/identify'
import type { KadDHT } from '@libp2p/kad-dht'
import type { mdns } from '@libp2p/mdns'
import type { Ping } from '@libp2p/ping'
import type { ConnectionGater, Libp2p, PeerDiscovery, PrivateKey } from '@libp2p/interface'
import type { Datastore } from 'interface-datastore'
import { InvalidArgumentError } from '../errors.ts'

export interface SwarmNodeOptions {
  readonly privateKey: PrivateKey
  /** Multiaddrs to listen on; default DEFAULT_LISTEN. */
  readonly listen?: readonly string[]
  /** Keep private and loopback addresses in the DHT (local swarms and tests). */
  readonly allowPrivate?: boolean
  /** Network name: a separate DHT (`/swarmdrop/<name>/kad/1.0.0`); default the public Amino DHT. */
  readonly network?: string
  /** Peers to join the DHT through (multiaddrs with /p2p/). */
  readonly bootstrap?: readonly string[]
  /** Where libp2p keeps its peer store and DHT records (default: memory). */
  readonly datastore?: Datastore
  /**
   * On the public internet: map a port on the router where it allows (UPnP), and let the DHT
   * switch itself to server mode once a public address is confirmed. (AutoNAT, asking connected
   * peers whether they can dial us back, runs in every network: it only talks to our own peers.)
   */
  readonly publicNetwork?: boolean
  /** Relay for other nodes while this one is reachable (default true); see SwarmRelays. */
  readonly relay?: boolean
  /** Find peers on the local network by multicast DNS; each one found is passed to `onLanPeer`. */
  readonly mdns?: boolean
  onLanPeer? (peerId: string, addresses: string[]): void
  /** Decides which addresses may be dialed (see DialPolicy). */
  readonly connectionGater?: ConnectionGater
  /** A pre-shared key (libp2p swarm.key format): only nodes holding it can connect at all. */
  readonly psk?: Uint8Array
  /** Serve DHT queries (server mode) instead of only asking them. */
  readonly dhtServer?: boolean
  /**
   * Run the Kad-DHT (default true). Off (`--no-dht`, unless `dhtServer`): no DHT service at all,
   * and @libp2p/kad-dht is never loaded.
   */
  readonly dht?: boolean
  /** What identify tells peers as agentVersion (default libp2p's own). */
  readonly userAgent?: string
  /**
   * Ping each connection and close one whose ping fails (CONNECTION_MONITOR; default true). Off
   * only in tests of something else that keep a connection full on a starved machine, where a
   * ping queued behind 16 MiB of chunks can miss its 25 s.
   */
  readonly connectionMonitor?: boolean
}

/** `dht` is absent when the node runs without the DHT (SwarmNodeOptions.dht). */
export type SwarmNode = Libp2p<{ identify: Identify, ping: Ping, dht?: KadDHT, relays: SwarmRelays, ownAddresses: OwnAddresses }>

/** Every interface, IPv4 and IPv6, on a random TCP port each. */
export const DEFAULT_LISTEN: readonly string[] = ['/ip4/0.0.0.0/tcp/0', '/ip6/::/tcp/0']

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

/**
 * libp2p's connection monitor pings every connection and closes one whose ping fails. Its defaults
 * (every 10 s, a timeout learnt from past round trips, at least 5 s) closed busy, healthy
 * connections: a ping waits behind the chunks queued on its connection, and a ping still out when
 * the next is due fails at once. In a crowd of 16 on 2 cores, 283 of 600 sessions ended that way
 * and had to be opened again (with slow WELCOMEs as well, peers had 5 to 10 of their 16 sources
 * for most of the download, and asked the origin for chunks the others had); with these values,
 * none of 256 (test/unit/_first/slow-ping.test.ts). Now: a ping every 30 s, failed after 25 s (before
 * the next is due), so a connection that has gone silent is closed within about 55 s.
 */
export const CONNECTION_MONITOR = {
  pingInterval: 30_000,
  pingTimeout: { minTimeout: 25_000, maxTimeout: 25_000 }
} as const

/** mDNS under Swarmdrop's own service name (per network), reporting what it finds to `onLanPeer`. */
async function lanDiscovery (options: SwarmNodeOptions): Promise<(components: Parameters<ReturnType<typeof mdns>>[0]) => PeerDiscovery> {
  const network = options.network == null || options.network === '' ? '' : `-${options.network}`
  const { mdns } = await import('@libp2p/mdns')
  const create = mdns({ serviceTag: `_swarmdrop${network}._udp.local`, interval: 5000 })
  return components => {
    const discovery = create(components)
    discovery.addEventListener('peer', evt => {
      options.onLanPeer?.(evt.detail.id.toString(), evt.detail.multiaddrs.map(String))
    })
    return discovery
  }
}

/**
 * The public Amino DHT's bootstrap peers (the list libp2p and Helia ship), used when the default
 * network is joined with no --bootstrap.
 */
export const PUBLIC_BOOTSTRAP = [
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmQCU2EcMqAqQPR2i9bChDtGNJchTbq5TbXJJ16u19uLTa',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmbLHAnMoJPWSCR5Zhtx6BHJX9KiKNN6tpvbUcqanj75Nb',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmcZf59bWwK5XFi76CZX8cbJ4BhTzzA3gU1ZjYZcYW3dwt',
  '/ip4/104.131.131.82/tcp/4001/p2p/QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ'
] as const

/**
 * Replaces the built-in public bootstrap list: multiaddrs separated by commas or white space. For
 * a private deployment of the default network, and for tests, which run the default path in a
 * simulated internet that must never reach the real bootstrap peers.
 */
export const BOOTSTRAP_LIST_ENV = 'SWARMDROP_BOOTSTRAP_LIST'

/** The public network's bootstrap peers: $SWARMDROP_BOOTSTRAP_LIST when set, else PUBLIC_BOOTSTRAP. */
export function publicBootstrapList (env: NodeJS.ProcessEnv = process.env): string[] {
  const replaced = env[BOOTSTRAP_LIST_ENV]
  if (replaced == null) return [...PUBLIC_BOOTSTRAP]
  return replaced.split(/[\s,]+/).filter(a => a !== '')
}

/**
 * Which bootstrap peers to use: the ones given; else, on the default (public) network, the public
 * list (publicBootstrapList); else none (a named network has no public peers). `public` says
 * whether this node joins the public network.
 */
export function bootstrapFor (network: string | undefined, given: readonly string[], env: NodeJS.ProcessEnv = process.env): { list: string[], public: boolean } {
  const isPublic = network == null || network === ''
  if (given.length > 0) return { list: [...given], public: isPublic }
  return { list: isPublic ? publicBootstrapList(env) : [], public: isPublic }
}

/** The DHT protocol id for a network name. */
export function dhtProtocolFor (network: string | undefined): string {
  if (network == null || network === '') return '/ipfs/kad/1.0.0'
  if (!/^[a-z0-9][a-z0-9._-]{0,62}$/i.test(network)) throw new InvalidArgumentError(`network name "${network}" must be 1-63 letters, digits, '.', '_' or '-'`)
  return `/swarmdrop/${network}/kad/1.0.0`
}

/**
 * The libp2p node: TCP and circuit relay v2 + Noise + Yamux, identify, ping, Kad-DHT, AutoNAT,
 * DCUtR and the swarm's relays (relays.ts); UPnP on the public network.
 *
 * The optional parts' modules are loaded only when they are used (start-up time, issue 16): the
 * DHT, mDNS, UPnP, bootstrap and the pre-shared key protector.
 */
export async function createSwarmNode (options: SwarmNodeOptions): Promise<SwarmNode> {
  const listen = [...(options.listen ?? DEFAULT_LISTEN)]
  const withDht = options.dht !== false || options.dhtServer === true
  const [dht, lan, upnp, boot, pnet] = await Promise.all([
    withDht ? import('@libp2p/kad-dht') : null,
    options.mdns === true ? lanDiscovery(options) : null,
    options.publicNetwork === true ? import('@libp2p/upnp-nat') : null,
    (options.bootstrap ?? []).length > 0 ? import('@libp2p/bootstrap') : null,
    options.psk != null ? import('@libp2p/pnet') : null
  ])
  return createLibp2p({
    privateKey: options.privateKey,
    ...(options.userAgent != null ? { nodeInfo: { userAgent: options.userAgent } } : {}),
    ...(options.datastore != null ? { datastore: options.datastore } : {}),
    addresses: { listen, announceFilter: orderAddresses },
    transports: [tcp(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { ...CONNECTION_LIMITS },
    connectionMonitor: { ...CONNECTION_MONITOR, enabled: options.connectionMonitor !== false },
    ...(options.connectionGater != null ? { connectionGater: options.connectionGater } : {}),
    ...(pnet != null && options.psk != null ? { connectionProtector: pnet.preSharedKey({ psk: options.psk }) } : {}),
    peerDiscovery: [
      ...(boot != null ? [boot.bootstrap({ list: [...options.bootstrap!], timeout: 0 })] : []),
      ...(lan != null ? [lan] : [])
    ],
    services: {
      identify: identify(),
      identifyPush: identifyPush(),
      ping: ping(),
      autoNAT: autoNATWithDialBack(),
      ...(upnp != null ? { upnpNAT: upnp.uPnPNAT() } : {}),
      dcutr: dcutr(),
      namedAddresses: namedAddresses(listen),
      ownAddresses: ownAddresses(),
      relays: swarmRelays({ serve: options.relay !== false, swarmProtocol: CHUNK_PROTOCOL }),
      ...(dht != null
        ? {
            dht: dht.kadDHT({
              protocol: dhtProtocolFor(options.network),
              // Server when asked; on the public network, automatic (server once AutoNAT confirms a
              // public address); otherwise a client, which asks but never answers.
              clientMode: options.dhtServer === true ? false : options.publicNetwork === true ? undefined : true,
              peerInfoMapper: options.allowPrivate === true ? dht.passthroughMapper : dht.removePrivateAddressesMapper
            })
          }
        : {})
    }
  })
}
