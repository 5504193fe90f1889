import { isPrivateIp } from '@libp2p/utils'
import { isCircuit } from './relays.ts'
import { PeerScore } from '../scheduler/peer-score.ts'
import type { ConnectionGater } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Most connections one remote IP may hold. */
export const MAX_CONNECTIONS_PER_IP = 16

/** The IP address of a multiaddr's first ip4/ip6 part. */
export function hostOf (ma: Multiaddr): string | undefined {
  return ma.getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')?.value
}

/** The TCP port of a multiaddr, if it has one. */
export function tcpPortOf (ma: Multiaddr): number | undefined {
  const port = ma.getComponents().find(c => c.name === 'tcp')?.value
  return port != null ? Number(port) : undefined
}

/** Addresses that reach this machine itself whatever port: loopback and the unspecified address. */
function isThisMachine (host: string): boolean {
  return host.startsWith('127.') || host === '::1' || host === '0.0.0.0' || host === '::' || host.startsWith('::ffff:127.')
}

/**
 * Which addresses this node may dial. Public addresses always; private and loopback ones (which
 * reach into the user's own network) only for peers the user named (a link's hints, `--peer`,
 * `--bootstrap`), peers this profile downloaded from before, or everything when
 * `allowPrivate` is set (local swarms and tests). An address learned from strangers (the DHT,
 * peer exchange) cannot make us dial into the LAN.
 */
export class DialPolicy {
  readonly #allowPrivate: boolean
  readonly #trusted = new Set<string>()
  /** Ports on this machine never dialed: our web UI, and whatever else is registered here. */
  readonly #localPorts = new Set<number>()
  /** The node's own listen addresses (set once the node exists); never dialed. */
  ownAddresses: () => Multiaddr[] = () => []
  /** Open connections whose remote address is this IP (set once the node exists). */
  connectionsFrom: (ip: string) => number = () => 0
  /** Every peer's score: a peer scored down past the ban line is neither dialed nor let in until it fades. */
  readonly scores = new PeerScore()

  constructor (allowPrivate: boolean) {
    this.#allowPrivate = allowPrivate
  }

  /**
   * True when an inbound connection from `ip` is refused: one address may hold at most
   * MAX_CONNECTIONS_PER_IP connections, so one host cannot take every slot. Loopback is exempt
   * (local tools, and many test nodes on 127.0.0.1).
   */
  deniesInbound (ip: string | undefined): boolean {
    if (ip == null || ip === '127.0.0.1' || ip === '::1') return false
    return this.connectionsFrom(ip) >= MAX_CONNECTIONS_PER_IP
  }

  /** Trusts a peer named by the user: a multiaddr ending in /p2p/<id>, or a bare peer ID. */
  trust (peer: string): void {
    const at = peer.lastIndexOf('/p2p/')
    this.#trusted.add(at >= 0 ? peer.slice(at + 5) : peer)
  }

  isTrusted (peerId: string): boolean {
    return this.#trusted.has(peerId)
  }

  /** Never dial `port` on this machine (127.0.0.0/8, ::1, 0.0.0.0, ::): e.g. the web UI's port. */
  denyLocalPort (port: number): void {
    this.#localPorts.add(port)
  }

  /**
   * True when `ma` points at this node itself or at a local port we serve something else on: our
   * own listen addresses (or their port on loopback), and ports given to denyLocalPort. A DHT
   * record or peer-exchange hint naming them must not make the node dial itself or the web UI.
   */
  isOwn (ma: Multiaddr): boolean {
    // A relayed address names the relay's host and port: it is ours only if it ends in our ID,
    // which libp2p refuses to dial anyway.
    if (isCircuit(ma)) return false
    const host = hostOf(ma)
    const port = tcpPortOf(ma)
    if (host == null || port == null) return false
    if (isThisMachine(host) && this.#localPorts.has(port)) return true
    for (const own of this.ownAddresses()) {
      if (tcpPortOf(own) !== port || isCircuit(own)) continue
      if (hostOf(own) === host || isThisMachine(host)) return true
    }
    return false
  }

  /** True when dialing `ma` is refused. */
  denies (ma: Multiaddr): boolean {
    if (this.isOwn(ma)) return true
    if (this.#allowPrivate) return false
    const host = hostOf(ma)
    let peerId: string | undefined
    for (const c of ma.getComponents()) if (c.name === 'p2p') peerId = c.value
    if (host == null || isPrivateIp(host) !== true) return false
    return peerId == null || !this.#trusted.has(peerId)
  }

  /** The libp2p connection gater for this policy. */
  gater (): ConnectionGater {
    return {
      denyDialMultiaddr: ma => this.denies(ma),
      denyDialPeer: peerId => this.scores.banned(peerId.toString()),
      denyInboundEncryptedConnection: peerId => this.scores.banned(peerId.toString()),
      // A relayed connection's address starts with the relay's IP: not the peer's, never capped.
      denyInboundConnection: maConn => !isCircuit(maConn.remoteAddr) && this.deniesInbound(hostOf(maConn.remoteAddr))
    }
  }
}
