import { circuitRelayServer, RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2'
import { isPrivate } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import type { CircuitRelayServerComponents, CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { Connection, IdentifyResult, Libp2pEvents, Logger, PeerId, Startable, TypedEventTarget } from '@libp2p/interface'
import type { TransportManager } from '@libp2p/interface-internal'
import type { Multiaddr } from '@multiformats/multiaddr'
import { RelayMeter } from './relay-meter.ts'
import type { ByteBudget } from './relay-meter.ts'

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

/**
 * After a reservation fails, the relays are looked for again after this long, doubled after each
 * failure in a row (at most RESERVE_RETRY_MAX_MS). Under load a reservation can time out (seen in a
 * flash crowd at load average 47: libp2p's reservation timeout hit, and the node kept one relay for
 * the rest of its life).
 */
export const RESERVE_RETRY_MS = 5_000
const RESERVE_RETRY_MAX_MS = 5 * 60_000

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
  /** Whether relaying for others is switched on (it runs only while reachable as well). */
  readonly enabled: boolean
  /** Bytes relayed for others since start, drawn from the upload cap. */
  readonly relayedBytes: number
  /** A search for relays is scheduled (a reservation failed; RESERVE_RETRY_MS, doubling). */
  readonly searchDue: boolean
}

/**
 * Relays run by the swarm. A node with a confirmed public address (AutoNAT, a UPnP mapping or a
 * trusted listen address) relays for others, with RELAY_SERVER_LIMITS; a node without one holds
 * reservations on RELAY_RESERVATIONS such relays, which gives it `/p2p-circuit` addresses in its
 * announced addresses, so share links and provider records carry them. The relay server follows
 * reachability both ways and the relayService setting (`setServe`), a new server each time it
 * starts; what it relays is metered against the upload cap (relay-meter.ts, `useUploadBudget`).
 * The circuit transport itself (to dial and accept relayed connections) is configured on every
 * node (see node.ts).
 */
export class SwarmRelays implements Startable {
  readonly #components: SwarmRelaysComponents
  #serve: boolean
  readonly #swarmProtocol: string
  /** The relay server while serving; a new one each time (a stopped one keeps its aborted shutdown signal). */
  #server: (CircuitRelayService & Startable) | null = null
  readonly #meter = new RelayMeter()
  /** Starts and stops of relay servers, one after the other (a stop never overtakes its start). */
  #serverOps: Promise<void> = Promise.resolve()
  readonly #relays = new Set<string>()
  readonly #log: Logger
  #serving = false
  #started = false
  #reserving: Promise<void> = Promise.resolve()
  /** Reservations that failed in a row, and the timer that looks for relays again. */
  #failures = 0
  #retry: NodeJS.Timeout | null = null

  constructor (components: SwarmRelaysComponents, init: SwarmRelaysInit) {
    this.#components = components
    this.#serve = init.serve !== false
    this.#swarmProtocol = init.swarmProtocol
    this.#log = components.logger.forComponent('swarmdrop:relays')
  }

  #newServer (): CircuitRelayService & Startable {
    return circuitRelayServer({
      reservations: {
        applyDefaultLimit: false,
        maxReservations: RELAY_SERVER_LIMITS.maxReservations,
        reservationTtl: RELAY_SERVER_LIMITS.reservationTtl
      },
      maxOutboundStopStreams: RELAY_SERVER_LIMITS.maxCircuits
    })(this.#meter.meteredComponents(this.#components)) as CircuitRelayService & Startable
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
    if (this.#retry != null) clearTimeout(this.#retry)
    this.#retry = null
    this.#components.events.removeEventListener('self:peer:update', this.#onSelfUpdate)
    this.#components.events.removeEventListener('peer:identify', this.#onIdentify)
    this.#components.events.removeEventListener('connection:close', this.#onClose)
    await this.#stopServing()
  }

  /** Draws the bytes relayed for others from `budget` (the upload cap's token bucket). */
  useUploadBudget (budget: ByteBudget): void {
    this.#meter.useBudget(budget)
  }

  /** Switches relaying for others on or off, at once (it runs only while reachable as well). */
  async setServe (serve: boolean): Promise<void> {
    this.#serve = serve
    if (!serve) await this.#stopServing()
    else if (this.#started) this.#onSelfUpdate()
  }

  /** Whether a public, direct address of ours is confirmed (what AutoNAT says, in effect). */
  reachable (): boolean {
    return this.#components.addressManager.getAddresses().some(isPublicDirect)
  }

  state (): RelayState {
    return {
      reachable: this.reachable(),
      serving: this.#serving,
      relays: [...this.#relays],
      reservations: this.#server?.reservations.size ?? 0,
      enabled: this.#serve,
      relayedBytes: this.#meter.bytes,
      searchDue: this.#retry != null
    }
  }

  async #stopServing (): Promise<void> {
    const server = this.#server
    this.#server = null
    if (!this.#serving || server == null) return
    this.#serving = false
    this.#log('stop relaying for others')
    this.#serverOps = this.#serverOps.then(async () => { await server.stop() }).catch(err => { this.#log.error('relay server did not stop - %e', err) })
    await this.#serverOps
  }

  readonly #onSelfUpdate = (): void => {
    const reachable = this.reachable()
    if (reachable && this.#serve && !this.#serving) {
      this.#serving = true
      this.#log('reachable: relaying for others')
      const server = this.#server = this.#newServer()
      this.#serverOps = this.#serverOps.then(async () => { await server.start() }).catch(err => {
        if (this.#server === server) { this.#serving = false; this.#server = null }
        this.#log.error('relay server did not start - %e', err)
      })
    } else if (!reachable && this.#serving) {
      void this.#stopServing()
    }
    if (!reachable) this.#findRelays()
    else this.#releaseRelays()
  }

  /**
   * Reachable now (AutoNAT confirmed an address after we reserved): the reservations are no longer
   * needed, and their `/p2p-circuit` addresses would send peers the long way round. Closing the
   * circuit listeners cancels them and withdraws those addresses; a node that loses its public
   * address reserves again (`#findRelays`). After any reservation still being made.
   */
  #releaseRelays (): void {
    if (this.#relays.size === 0) return
    this.#log('reachable: releasing the reservations on %d relays', this.#relays.size)
    this.#relays.clear()
    this.#reserving = this.#reserving.then(async () => {
      const circuits = this.#components.transportManager.getListeners().filter(l => l.getAddrs().some(isCircuit))
      await Promise.all(circuits.map(async l => { await l.close() }))
    }).catch(err => { this.#log.error('could not release the relay reservations - %e', err) })
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
      this.#failures = 0
    }).catch(err => {
      this.#relays.delete(id)
      this.#log.error('reservation on %p failed - %e', relay, err)
      this.#retryLater()
    })
  }

  /** Looks for relays again after a back-off (RESERVE_RETRY_MS, doubling), unless a retry is already due. */
  #retryLater (): void {
    if (!this.#started || this.#retry != null) return
    const delay = Math.min(RESERVE_RETRY_MS * 2 ** this.#failures++, RESERVE_RETRY_MAX_MS)
    this.#retry = setTimeout(() => {
      this.#retry = null
      if (this.#started && !this.reachable()) this.#findRelays()
    }, delay)
    this.#retry.unref()
  }
}

/** The libp2p service factory. */
export function swarmRelays (init: SwarmRelaysInit): (components: SwarmRelaysComponents) => SwarmRelays {
  return components => new SwarmRelays(components, init)
}
