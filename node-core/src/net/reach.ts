/**
 * "Why is it slow?": how we are connected to each peer, and whether others can reach us, derived
 * from addresses and a few facts only (pure: no libp2p node here; service/node-reach.ts gathers
 * the facts). The Peers view, `--json` and `doctor` show what these return.
 */
import { isPrivate } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { formatRate } from '../bandwidth/units.ts'
import type { ConnectionKind, ReachInfo, UpnpInfo } from '../contract/index.ts'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface ConnectionClass {
  readonly connectionKind: ConnectionKind
  readonly relayPeerId: string | null
  readonly ipFamily: 'ipv4' | 'ipv6' | null
}

/**
 * Classifies a connection by its remote multiaddr: `/p2p-circuit` is relayed, through the peer ID
 * just before it; otherwise a private, loopback or link-local IP (libp2p's list: RFC 1918,
 * 100.64/10, the documentation ranges, fc00::/7, fe80::/10, ::1) is `lan`, anything else (a public
 * IP, a DNS name) `direct`. The IP family is the first IP component's (the hop to the relay when
 * relayed); `dns4` / `dns6` say theirs; a bare `dns` / `dnsaddr` name has none.
 */
export function classifyAddress (address: Multiaddr | string): ConnectionClass {
  const ma = typeof address === 'string' ? multiaddr(address) : address
  const components = ma.getComponents()
  let ipFamily: ConnectionClass['ipFamily'] = null
  for (const c of components) {
    if (c.name === 'ip4' || c.name === 'dns4') { ipFamily = 'ipv4'; break }
    if (c.name === 'ip6' || c.name === 'dns6') { ipFamily = 'ipv6'; break }
    if (c.name === 'p2p-circuit') break
  }
  const circuit = components.findIndex(c => c.name === 'p2p-circuit')
  if (circuit >= 0) {
    const relay = components.slice(0, circuit).findLast(c => c.name === 'p2p')?.value ?? null
    return { connectionKind: 'relayed', relayPeerId: relay, ipFamily }
  }
  const hasIp = components.some(c => c.name === 'ip4' || c.name === 'ip6')
  return { connectionKind: hasIp && isPrivate(ma) ? 'lan' : 'direct', relayPeerId: null, ipFamily }
}

/** True for an address a stranger on the internet could dial: a public IP (or DNS name), not relayed. */
export function isPublicDirectAddress (address: Multiaddr | string): boolean {
  return classifyAddress(address).connectionKind === 'direct'
}

/** The facts reachability is judged from. */
export interface ReachFacts {
  /** Our announced addresses (confirmed ones only, as libp2p announces them). */
  readonly ownAddresses: readonly string[]
  /** Remote addresses of our open connections. */
  readonly connectionAddresses: readonly string[]
  /** Public direct addresses of ours no peer has checked yet (AutoNAT pending). */
  readonly checkingAddresses?: readonly string[]
  /** Public direct addresses of ours that a check found unreachable (a firewall, or the NAT's outside address). */
  readonly failedAddresses?: readonly string[]
  /** The UPnP mapping, null when UPnP does not run. */
  readonly upnp: UpnpInfo | null
  /** Relays we hold (or are making) reservations on. */
  readonly relaysUsed: readonly string[]
  readonly relayServing: boolean
  readonly reservationsServed: number
  /** Our upload cap in bytes per second, 0 = unlimited (the figure in the advice). */
  readonly uploadCap: number
}

/**
 * Public when an announced address of ours is public and direct (announced = confirmed); private
 * when none is and we have a relay reservation, a relayed address, or a public address a peer
 * found unreachable; unknown while a public address of ours awaits its first check; else private
 * if we see the internet (a connection to a public address), unknown if not (a node on a LAN or
 * loopback alone cannot tell).
 */
export function reachability (facts: Pick<ReachFacts, 'ownAddresses' | 'connectionAddresses' | 'relaysUsed' | 'checkingAddresses' | 'failedAddresses'>): ReachInfo['reachability'] {
  if (facts.ownAddresses.some(isPublicDirectAddress)) return 'public'
  if (facts.relaysUsed.length > 0) return 'private'
  if (facts.ownAddresses.some(a => classifyAddress(a).connectionKind === 'relayed')) return 'private'
  if ((facts.failedAddresses ?? []).length > 0) return 'private'
  if ((facts.checkingAddresses ?? []).length > 0) return 'unknown'
  if (facts.connectionAddresses.some(isPublicDirectAddress)) return 'private'
  return 'unknown'
}

/** "at up to 4 MiB/s (your upload limit)", or how fast the relay lets it when we have no cap. */
function relaySpeed (uploadCap: number): string {
  return uploadCap > 0 ? `at up to ${formatRate(uploadCap)} (your upload limit), usually less` : 'at whatever the relay can carry, usually slower than direct'
}

/** One line of plain advice for a reachability state (null: nothing to say). */
export function reachAdvice (reach: Pick<ReachInfo, 'reachability' | 'upnp' | 'relaysUsed' | 'relayServing' | 'reservationsServed'>, uploadCap: number, checking: readonly string[] = []): string | null {
  switch (reach.reachability) {
    case 'public': {
      const serving = reach.relayServing
        ? ` You also relay for peers behind routers (${reach.reservationsServed} reservation${reach.reservationsServed === 1 ? '' : 's'} now).`
        : ''
      return `Reachable: other peers connect to you directly.${serving}`
    }
    case 'private': {
      const why = reach.upnp == null
        ? 'Not reachable from the internet (behind a router)'
        : reach.upnp.state === 'mapped'
          ? 'Your router mapped a port (UPnP), but no peer could connect through it yet'
          : 'Your router has UPnP off'
      const fix = reach.upnp?.state === 'mapped' ? 'check its firewall' : reach.upnp == null ? 'forward a port on your router' : 'turn UPnP on or forward a port on your router'
      if (reach.relaysUsed.length > 0) {
        return `${why}: downloads from you go through a relay ${relaySpeed(uploadCap)}; ${fix} for direct connections.`
      }
      return `${why} and no relay found yet: peers behind other routers cannot download from you; ${fix}.`
    }
    case 'unknown':
      if (checking.length > 0) return `Checking whether others can reach you at ${checking[0]!}${checking.length > 1 ? ` (and ${checking.length - 1} more)` : ''}: a peer on the internet will try to connect back.`
      return 'Not known yet whether others can reach you: no peer on the internet has checked it (peers on your network connect directly).'
  }
}

/** The reach block of NodeInfo from its facts. */
export function reachInfo (facts: ReachFacts): ReachInfo {
  const publicAddresses = facts.ownAddresses.filter(isPublicDirectAddress)
  const reach = {
    reachability: reachability(facts),
    publicAddresses,
    upnp: facts.upnp,
    relaysUsed: [...facts.relaysUsed],
    relayServing: facts.relayServing,
    reservationsServed: facts.reservationsServed
  }
  return { ...reach, advice: reachAdvice(reach, facts.uploadCap, facts.checkingAddresses ?? []) }
}

/** The connection to show for a peer with several: a direct or LAN one before a relayed one (libp2p opens new streams on those). */
export function preferredConnection<C extends { readonly remoteAddr: Multiaddr }> (connections: readonly C[]): C | undefined {
  return connections.find(c => classifyAddress(c.remoteAddr).connectionKind !== 'relayed') ?? connections[0]
}
