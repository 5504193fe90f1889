import { peerIdFromString } from '@libp2p/peer-id'
import { logger } from '../log/logger.ts'
import { orderAddresses } from '../net/announce.ts'
import { classifyAddress, preferredConnection } from '../net/reach.ts'
import { MAX_PEX_PEERS } from '../protocol/constants.ts'
import { introduceMembers } from '../scheduler/peer-exchange.ts'
import { RateMeter } from '../scheduler/source-policy.ts'
import { displayNameFromAgent } from '../text/display-name.ts'
import type { PeerInfo, PeerVia } from '../contract/index.ts'
import type { DialPolicy } from '../net/dial-policy.ts'
import type { Connection, PeerId, PeerStore } from '@libp2p/interface'

const log = logger('swarmdrop:peer-book')

/** Addresses handed on per peer in peer exchange. */
const PEX_ADDRESSES_PER_PEER = 4

/** The narrow part of the libp2p node the book reads. */
export interface PeerBookComponents {
  readonly peerStore: Pick<PeerStore, 'get'>
  getConnections (peerId?: PeerId): Connection[]
}

/**
 * What this node knows about other peers: how each was first found, which are on the local
 * network, which take part in each share's swarm (for peer exchange), their addresses (libp2p's
 * peer store), the chunk bytes we send each, and which we trust enough to dial on a private
 * address (the dial policy). The Peers view is drawn from here.
 */
export class PeerBook {
  readonly #components: PeerBookComponents
  readonly #dialPolicy: DialPolicy
  readonly #via = new Map<string, PeerVia>()
  readonly #uploadRates = new Map<string, RateMeter>()
  /** Display names from identify, by peer ID (kept after a disconnection, for a download's sources). */
  readonly #names = new Map<string, string>()
  readonly #lan = new Set<string>()
  readonly #swarms = new Map<string, Set<string>>()

  constructor (components: PeerBookComponents, dialPolicy: DialPolicy) {
    this.#components = components
    this.#dialPolicy = dialPolicy
  }

  /** Remembers how a peer was first found (the first reason wins). */
  found (peerId: string, via: PeerVia): void {
    if (!this.#via.has(peerId)) this.#via.set(peerId, via)
  }

  /** A peer (multiaddr with /p2p/, or peer ID) the user named, or that served us: its private addresses may be dialed. */
  trust (peer: string): void {
    this.#dialPolicy.trust(peer)
  }

  /** A peer on the local network; false if it was known already. */
  addLan (peerId: string): boolean {
    if (this.#lan.has(peerId)) return false
    this.#lan.add(peerId)
    this.found(peerId, 'mdns')
    return true
  }

  isLan (peerId: string): boolean { return this.#lan.has(peerId) }
  get lanPeers (): ReadonlySet<string> { return this.#lan }

  /** What a peer's identify said (its agentVersion carries another Swarmdrop's display name). */
  identified (peerId: string, agentVersion: string | undefined): void {
    const name = displayNameFromAgent(agentVersion)
    if (name == null) this.#names.delete(peerId)
    else this.#names.set(peerId, name)
  }

  recordUpload (peerId: string, bytes: number): void {
    let meter = this.#uploadRates.get(peerId)
    if (meter == null) this.#uploadRates.set(peerId, meter = new RateMeter(3000))
    meter.add(bytes)
  }

  /** Chunk bytes per second sent to all peers. */
  totalUploadRate (): number {
    let sum = 0
    for (const meter of this.#uploadRates.values()) sum += meter.rate()
    return sum
  }

  disconnected (peerId: string): void {
    this.#uploadRates.delete(peerId)
  }

  /** Adds a peer to a share's swarm; false if it was a member already. */
  joinSwarm (shareId: string, peerId: string): boolean {
    let swarm = this.#swarms.get(shareId)
    if (swarm == null) this.#swarms.set(shareId, swarm = new Set())
    if (swarm.has(peerId)) return false
    swarm.add(peerId)
    return true
  }

  /**
   * The peer's known addresses from the peer store, each ending in /p2p/<id>, best for a stranger
   * first (announce.ts: public direct, relayed, private, loopback). The peer store keeps them in
   * string order, where a NAT'd peer's loopback and LAN addresses come before its relayed ones:
   * cut to PEX_ADDRESSES_PER_PEER in that order, peer exchange passed on at most one of its two
   * relay addresses, and sometimes none.
   */
  async addressesOf (peerId: string): Promise<string[]> {
    const peer = await this.#components.peerStore.get(peerIdFromString(peerId))
    return orderAddresses(peer.addresses.map(a => a.multiaddr)).map(ma => `${ma.toString()}/p2p/${peerId}`)
  }

  /** Up to PEX_ADDRESSES_PER_PEER addresses of a peer, best first, for peer exchange. */
  async exchangeAddresses (peerId: string): Promise<string[]> {
    return (await this.addressesOf(peerId)).slice(0, PEX_ADDRESSES_PER_PEER)
  }

  /**
   * Addresses of up to 32 other members of a share's swarm (peer exchange), drawn at random
   * (introduceMembers: not the first ones met, who would end up serving everyone), at most
   * PEX_ADDRESSES_PER_PEER each. The peer-store reads run together: in a crowd of 16 on 2 cores
   * each read took 0.1 to 3 s, and one after another they added up to a median 9 s.
   */
  async swarmAddresses (shareId: string, exclude: string): Promise<string[]> {
    const members = introduceMembers(this.#swarms.get(shareId) ?? [], exclude, MAX_PEX_PEERS)
    const lists = await Promise.all(members.map(async p => await this.addressesOf(p).catch((err: unknown) => {
      log('no addresses of %s for peer exchange: %s', p, err)
      return []
    })))
    const out: string[] = []
    for (const addrs of lists) out.push(...addrs.slice(0, Math.min(PEX_ADDRESSES_PER_PEER, MAX_PEX_PEERS - out.length)))
    return out
  }

  /** Every connected peer, one entry each; `downloadRates` gives what we receive from each. */
  connected (downloadRates: ReadonlyMap<string, number>): PeerInfo[] {
    const byPeer = new Map<string, Connection[]>()
    for (const c of this.#components.getConnections()) {
      const id = c.remotePeer.toString()
      const list = byPeer.get(id)
      if (list == null) byPeer.set(id, [c])
      else list.push(c)
    }
    return [...byPeer].map(([id, conns]) => this.#info(id, preferredConnection(conns)!, downloadRates.get(id) ?? 0))
  }

  /** One connected peer, or null if it is not connected. */
  peer (peerId: string, downloadRate: number): PeerInfo | null {
    const conn = preferredConnection(this.#components.getConnections(peerIdFromString(peerId)))
    return conn == null ? null : this.#info(peerId, conn, downloadRate)
  }

  #info (peerId: string, conn: Connection, downloadRate: number): PeerInfo {
    // libp2p's connection monitor pings every connection (every 10 s) and records the round trip.
    // No extra ping here: one on every connect took the ping protocol's single outbound stream
    // from kad-dht and made DHT lookups fail (seen in the discovery tests).
    const rtt = this.#components.getConnections(conn.remotePeer).map(c => c.rtt).find(r => r != null)
    return {
      peerId,
      addresses: [conn.remoteAddr.toString()],
      direction: conn.direction,
      latencyMs: rtt != null && Number.isFinite(rtt) ? Math.round(rtt) : null,
      uploadRate: this.#uploadRates.get(peerId)?.rate() ?? 0,
      downloadRate,
      via: this.#via.get(peerId) ?? (conn.direction === 'inbound' ? 'inbound' : 'other'),
      ...classifyAddress(conn.remoteAddr),
      name: this.#names.get(peerId) ?? null,
      nearby: this.#lan.has(peerId)
    }
  }
}
