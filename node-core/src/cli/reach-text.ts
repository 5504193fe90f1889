import type { PeerInfo, ReachInfo } from '../contract/index.ts'

/** How a peer is connected, in words: "direct, IPv6", "relayed via 12D3KooWAbcd…, IPv4", "LAN, IPv4". */
export function connectionText (peer: Pick<PeerInfo, 'connectionKind' | 'relayPeerId' | 'ipFamily'>): string {
  const kind = peer.connectionKind === 'relayed'
    ? `relayed via ${peer.relayPeerId == null ? 'an unknown relay' : shortId(peer.relayPeerId)}`
    : peer.connectionKind === 'lan' ? 'LAN' : 'direct'
  return peer.ipFamily == null ? kind : `${kind}, ${peer.ipFamily === 'ipv4' ? 'IPv4' : 'IPv6'}`
}

function shortId (peerId: string): string {
  return peerId.length > 16 ? `${peerId.slice(0, 12)}…${peerId.slice(-4)}` : peerId
}

/** The reach block for a terminal: reachability, public addresses, UPnP, relays, advice. */
export function reachText (reach: ReachInfo): string {
  const upnp = reach.upnp == null
    ? 'off'
    : reach.upnp.state === 'mapped' ? `mapped ${reach.upnp.addresses.join(' ')}${reach.upnp.confirmed ? ' (confirmed)' : ' (not confirmed)'}` : 'no port mapped'
  const lines = [
    `reach: ${reach.reachability}`,
    `  public addresses: ${reach.publicAddresses.length === 0 ? 'none' : reach.publicAddresses.join(' ')}`,
    `  UPnP: ${upnp}`,
    `  relays used: ${reach.relaysUsed.length === 0 ? 'none' : reach.relaysUsed.join(' ')}`,
    `  relaying for others: ${reach.relayServing ? `yes, ${reach.reservationsServed} reservation${reach.reservationsServed === 1 ? '' : 's'}` : 'no'}`
  ]
  if (reach.advice != null) lines.push(`  ${reach.advice}`)
  return lines.join('\n')
}

/** One line per connected peer: its ID, how it is connected, its round trip. */
export function peerConnectionLines (peers: ReadonlyArray<Pick<PeerInfo, 'peerId' | 'connectionKind' | 'relayPeerId' | 'ipFamily' | 'latencyMs'>>): string {
  if (peers.length === 0) return 'peers: none connected'
  return ['peers:', ...peers.map(p => `  ${p.peerId} ${connectionText(p)}${p.latencyMs == null ? '' : `, ${p.latencyMs} ms`}`)].join('\n')
}
