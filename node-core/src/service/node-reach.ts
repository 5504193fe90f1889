/**
 * The reach block of NodeInfo, read from the running node: our announced addresses (public ones
 * are confirmed by AutoNAT, a UPnP mapping or a named listen address), the UPnP mapping (libp2p's
 * `ip-mapping` addresses, when the UPnP service runs), the swarm relays' state (reservations held
 * and served), which public addresses of ours AutoNAT has yet to check or found unreachable, and
 * our open connections; judged by net/reach.ts.
 */
import { isPublicDirectAddress, reachInfo } from '../net/reach.ts'
import type { NodeInfo, ReachInfo, RelayInfo, UpnpInfo } from '../contract/index.ts'
import type { SingleKadDHT } from '@libp2p/kad-dht'
import type { SwarmNode } from '../net/node.ts'
import type { NodeAddress } from '@libp2p/interface-internal'

/** The UPnP mapping from our addresses' metadata; null when UPnP does not run. */
export function upnpFrom (upnpRuns: boolean, addresses: readonly NodeAddress[]): UpnpInfo | null {
  if (!upnpRuns) return null
  const mapped = addresses.filter(a => a.type === 'ip-mapping')
  return {
    state: mapped.length > 0 ? 'mapped' : 'none',
    addresses: mapped.map(a => a.multiaddr.toString()),
    confirmed: mapped.some(a => a.verified)
  }
}

/** Our reach now; `uploadCap` (bytes per second, 0 = none) is the figure in the advice. */
export function nodeReach (node: SwarmNode, uploadCap: number): ReachInfo {
  const relays = node.services.relays.state()
  const metadata = node.services.ownAddresses.withMetadata()
  const unconfirmed = metadata.filter(a => !a.verified && isPublicDirectAddress(a.multiaddr))
  return reachInfo({
    ownAddresses: node.getMultiaddrs().map(String),
    connectionAddresses: node.getConnections().map(c => c.remoteAddr.toString()),
    // libp2p's address manager: never checked has `expires` 0; a failed check sets when to retry.
    checkingAddresses: unconfirmed.filter(a => a.expires === 0).map(a => a.multiaddr.toString()),
    failedAddresses: unconfirmed.filter(a => a.expires !== 0).map(a => a.multiaddr.toString()),
    upnp: upnpFrom('upnpNAT' in node.services, metadata),
    relaysUsed: relays.relays,
    relayServing: relays.serving,
    reservationsServed: relays.reservations,
    uploadCap
  })
}

/** The node's identity, addresses, DHT state, limits and reach (the `nodeInfo` command). */
export function nodeInfoOf (node: SwarmNode, limits: NodeInfo['limits'], totals: NodeInfo['totals']): NodeInfo {
  // No DHT service (--no-dht): reported as a client with an empty routing table.
  const dht = node.services.dht as SingleKadDHT | undefined
  return {
    peerId: node.peerId.toString(),
    addresses: node.getMultiaddrs().map(String),
    dht: { mode: dht?.getMode() ?? 'client', routingTableSize: dht?.routingTable?.size ?? 0 },
    limits,
    reach: nodeReach(node, limits.maxUploadBytesPerSecond),
    totals
  }
}

/** The relay we offer to others: switched on, serving, reservations held on it, bytes relayed. */
export function relayInfoOf (node: SwarmNode): RelayInfo {
  const { enabled, serving, reservations, relayedBytes } = node.services.relays.state()
  return { enabled, serving, reservations, relayedBytes }
}
