import { circuitRelayServer, RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2'
import { isPrivate } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import type { CircuitRelayServerComponents, CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { Connection, IdentifyResult, Libp2pEvents, Logger, PeerId, Startable, TypedEventTarget } from '@libp2p/interface'
import type { TransportManager } from '@libp2p/interface-internal'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * Limits of the relay a reachable node offers to the swarm. Circuits carry file transfers, so no
 * per-circuit cap on bytes or time (libp2p's default, 128 KiB or 2 minutes, would end one after
 * its first chunk); instead a bounded number of reservations and of circuits at once.
 */
export const RELAY_SERVER_LIMITS = {
  maxReservations: 32,
  maxCircuits: 64,
  /** A reservation lasts an hour; the client renews it before it ends. */
  reservationTtl: 60 * 60_000
} as const

/** How many relays an unreachable node holds a reservation on. */
export const RELAY_RESERVATIONS = 2

export interface SwarmRelaysInit {
  /** Offer a relay to other nodes while this one is reachable (default true). */
  readonly serve?: boolean
  /**
   * Reserve only on relays that also speak this protocol (a Swarmdrop node, whose relay has no
   * per-circuit cap), never on just any relay of the public network.
   */
  readonly swarmProtocol: string
}

export interface SwarmRelaysComponents extends CircuitRelayServerComponents {
  readonly transportManager: TransportManager
  readonly events: TypedEventTarget<Libp2pEvents>
}

/** True for a relayed (`/p2p-circuit`) address. */
export function isCircuit (ma: Multiaddr): boolean {
  return ma.getComponents().some(c => c.name === 'p2p-circuit')
}

/** True for an address others can dial directly: public and not relayed. */
export function isPublicDirect (ma: Multiaddr): boolean {
  return !isCircuit(ma) && !isPrivate(ma)
}

export interface RelayState {
  /** Whether a public, direct address of ours is confirmed. */
  readonly reachable: boolean
  /** Whether we relay for others now. */
  readonly serving: boolean
  /** Peers relaying for us (reservations held or being made). */
  readonly relays: readonly string[]
  /** Reservations held on our relay by other peers. */
  readonly reservations: number
}

/**
 * Relays run by the swarm. A node with a confirmed public address (AutoNAT, a UPnP mapping or a
 * trusted listen address) relays for others, with RELAY_SERVER_LIMITS; a node without one holds
 * reservations on RELAY_RESERVATIONS such relays, which gives it `/p2p-circuit` addresses in its
 * announced addresses, so share links and provider records carry them. The relay server follows
 * reachability both ways; the circuit transport itself (to dial and accept relayed connections)
 * is configured on every node (see node.ts).
 */
export class SwarmRelays implements Startable {
  readonly #components: SwarmRelaysComponents
  readonly #serve: boolean
  readonly #swarmProtocol: string
  readonly #server: CircuitRelayService & Startable
  readonly #relays = new Set<string>()
  readonly #log: Logger
  #serving = false
  #started = false
  #reserving: Promise<void> = Promise.resolve()

  constructor (components: SwarmRelaysComponents, init: SwarmRelaysInit) {
    this.#components = components
    this.#serve = init.serve !== false
    this.#swarmProtocol = init.swarmProtocol
    this.#log = components.logger.forComponent('swarmdrop:relays')
    this.#server = circuitRelayServer({
      reservations: {
        applyDefaultLimit: false,
        maxReservations: RELAY_SERVER_LIMITS.maxReservations,
        reservationTtl: RELAY_SERVER_LIMITS.reservationTtl
      },
      maxOutboundStopStreams: RELAY_SERVER_LIMITS.maxCircuits
    })(components) as CircuitRelayService & Startable
  }

  readonly [Symbol.toStringTag] = 'swarmdrop:relays'

  isStarted (): boolean {
    return this.#started
  }

  start (): void {
    this.#started = true
    this.#components.events.addEventListener('self:peer:update', this.#onSelfUpdate)
    this.#components.events.addEventListener('peer:identify', this.#onIdentify)
    this.#components.events.addEventListener('connection:close', this.#onClose)
  }

  async stop (): Promise<void> {
    this.#started = false
    this.#components.events.removeEventListener('self:peer:update', this.#onSelfUpdate)
    this.#components.events.removeEventListener('peer:identify', this.#onIdentify)
    this.#components.events.removeEventListener('connection:close', this.#onClose)
    if (this.#serving) await this.#server.stop()
    this.#serving = false
  }

  /** Whether a public, direct address of ours is confirmed (what AutoNAT says, in effect). */
  reachable (): boolean {
    return this.#components.addressManager.getAddresses().some(isPublicDirect)
  }

  state (): RelayState {
    return { reachable: this.reachable(), serving: this.#serving, relays: [...this.#relays], reservations: this.#serving ? this.#server.reservations.size : 0 }
  }

  readonly #onSelfUpdate = (): void => {
    const reachable = this.reachable()
    if (reachable && this.#serve && !this.#serving) {
      this.#serving = true
      this.#log('reachable: relaying for others')
      Promise.resolve(this.#server.start()).catch(err => { this.#serving = false; this.#log.error('relay server did not start - %e', err) })
    } else if (!reachable && this.#serving) {
      this.#serving = false
      this.#log('no longer reachable: stop relaying')
      Promise.resolve(this.#server.stop()).catch(err => { this.#log.error('relay server did not stop - %e', err) })
    }
    if (!reachable) this.#findRelays()
  }

  readonly #onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    const { peerId, protocols, connection } = evt.detail
    if (this.#isSwarmRelay(protocols)) this.#reserve(peerId, connection)
  }

  readonly #onClose = (evt: CustomEvent<Connection>): void => {
    const peer = evt.detail.remotePeer
    if (!this.#relays.has(peer.toString())) return
    if (this.#components.connectionManager.getConnections(peer).length > 0) return
    this.#relays.delete(peer.toString())
    this.#log('lost relay %p', peer)
    this.#findRelays()
  }

  #isSwarmRelay (protocols: readonly string[]): boolean {
    return protocols.includes(RELAY_V2_HOP_CODEC) && protocols.includes(this.#swarmProtocol)
  }

  /** Reserves on connected swarm relays until RELAY_RESERVATIONS are held. */
  #findRelays (): void {
    if (this.#relays.size >= RELAY_RESERVATIONS) return
    for (const connection of this.#components.connectionManager.getConnections()) {
      if (this.#relays.size >= RELAY_RESERVATIONS) return
      this.#components.peerStore.get(connection.remotePeer).then(peer => {
        if (this.#isSwarmRelay(peer.protocols)) this.#reserve(peer.id, connection)
      }, (err: unknown) => { this.#log('peer %p not in the peer store yet: %e', connection.remotePeer, err) })
    }
  }

  #reserve (relay: PeerId, connection: Connection): void {
    const id = relay.toString()
    if (!this.#started || this.#relays.has(id) || this.#relays.size >= RELAY_RESERVATIONS) return
    if (isCircuit(connection.remoteAddr) || this.reachable()) return
    this.#relays.add(id)
    const direct = connection.remoteAddr.toString().replace(/\/p2p\/[^/]+$/, '')
    const listenOn = multiaddr(`${direct}/p2p/${id}/p2p-circuit`)
    // One reservation at a time: the circuit transport's reservation store drops the reservations
    // still queued whenever one completes and no "any relay" listen is pending
    // (@libp2p/circuit-relay-v2 4.2.13, ReservationStore#checkReservationCount), so a second
    // one asked for meanwhile would never be made.
    this.#reserving = this.#reserving.then(async () => {
      this.#log('reserving a slot on relay %a', listenOn)
      await this.#components.transportManager.listen([listenOn])
    }).catch(err => {
      this.#relays.delete(id)
      this.#log.error('reservation on %p failed - %e', relay, err)
    })
  }
}

/** The libp2p service factory. */
export function swarmRelays (init: SwarmRelaysInit): (components: SwarmRelaysComponents) => SwarmRelays {
  return components => new SwarmRelays(components, init)
}
