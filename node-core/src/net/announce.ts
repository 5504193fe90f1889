import { isLoopback, isPrivate, isPrivateIp } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { isCircuit, isPublicDirect } from './relays.ts'
import type { Libp2pEvents, Startable, TypedEventTarget } from '@libp2p/interface'
import type { AddressManager, TransportManager } from '@libp2p/interface-internal'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * The order of our announced addresses, best for a stranger first: public direct addresses,
 * then relayed ones (`/p2p-circuit`), then private (LAN) ones, then loopback. A share link keeps
 * only the first few, so a NAT'd node's link carries its relay addresses before its LAN ones.
 */
export function rankAddress (ma: Multiaddr): number {
  if (isPublicDirect(ma)) return 0
  if (isCircuit(ma)) return 1
  if (isLoopback(ma)) return 3
  return isPrivate(ma) ? 2 : 0
}

export function orderAddresses (addrs: Multiaddr[]): Multiaddr[] {
  return addrs.map((ma, i) => ({ ma, i, rank: rankAddress(ma) }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map(e => e.ma)
}

/**
 * The hosts of listen addresses that name one public IP (not a wildcard such as 0.0.0.0 or ::):
 * the user said "this is my address", so it is announced without waiting for AutoNAT, which is
 * off in a named network and needs peers first anywhere.
 */
export function namedPublicHosts (listen: readonly string[]): Set<string> {
  const hosts = new Set<string>()
  for (const a of listen) {
    let host: string | undefined
    try { host = multiaddr(a).getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')?.value } catch { continue }
    if (host == null || host === '0.0.0.0' || host === '::') continue
    if (isPrivateIp(host) === false) hosts.add(host)
  }
  return hosts
}

/** How long a named listen address counts as confirmed before AutoNAT (where on) checks it again. */
const NAMED_ADDRESS_TTL_MS = 24 * 60 * 60_000

export interface NamedAddressesComponents {
  readonly addressManager: AddressManager
  readonly transportManager: TransportManager
  readonly events: TypedEventTarget<Libp2pEvents>
}

/** Confirms our listen addresses on hosts named by the user (namedPublicHosts) as they open. */
export class NamedAddresses implements Startable {
  readonly #components: NamedAddressesComponents
  readonly #hosts: Set<string>
  #started = false

  constructor (components: NamedAddressesComponents, hosts: Set<string>) {
    this.#components = components
    this.#hosts = hosts
  }

  readonly [Symbol.toStringTag] = 'swarmdrop:named-addresses'

  isStarted (): boolean { return this.#started }

  start (): void {
    this.#started = true
    this.#components.events.addEventListener('transport:listening', this.#confirm)
  }

  afterStart (): void { this.#confirm() }

  stop (): void {
    this.#started = false
    this.#components.events.removeEventListener('transport:listening', this.#confirm)
  }

  readonly #confirm = (): void => {
    for (const ma of this.#components.transportManager.getAddrs()) {
      const host = ma.getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')?.value
      if (host != null && this.#hosts.has(host)) this.#components.addressManager.confirmObservedAddr(ma, { type: 'transport', ttl: NAMED_ADDRESS_TTL_MS })
    }
  }
}

export function namedAddresses (listen: readonly string[]): (components: NamedAddressesComponents) => NamedAddresses {
  const hosts = namedPublicHosts(listen)
  return components => new NamedAddresses(components, hosts)
}
