import { peerIdFromString } from '@libp2p/peer-id'
import { logger } from '../log/logger.ts'
import type { SwarmNode } from '../net/node.ts'
import type { Downloads } from './downloads.ts'
import type { PeerBook } from './peer-book.ts'

const log = logger('swarmdrop:service')
/** Nearby devices (found by mDNS) kept connected at most. */
const MAX_NEARBY = 32

export interface NearbyInit {
  readonly node: Pick<SwarmNode, 'peerId' | 'dial' | 'getConnections'>
  readonly peers: PeerBook
  readonly downloads: Downloads
}

/**
 * The Swarmdrop devices on the local network (each mDNS answer): a possible source for every
 * download, now and later, and a device in Nearby. libp2p does not dial what discovery finds, so
 * they are dialed here (up to MAX_NEARBY connected): Nearby then shows their names (identify), and
 * Browse and Send reach them at once.
 */
export class NearbyDevices {
  readonly #init: NearbyInit
  /** Nearby devices being dialed now. */
  readonly #dialing = new Set<string>()

  constructor (init: NearbyInit) {
    this.#init = init
  }

  /** mDNS answered for `peerId`. */
  found (peerId: string): void {
    const { node, peers, downloads } = this.#init
    if (peerId === node.peerId.toString()) return
    if (peers.addLan(peerId)) downloads.lanPeerFound(peerId)
    this.#keepConnected(peerId)
  }

  #keepConnected (peerId: string): void {
    const { node, peers } = this.#init
    const id = peerIdFromString(peerId)
    if (this.#dialing.has(peerId) || node.getConnections(id).length > 0) return
    const connected = [...peers.lanPeers].filter(p => node.getConnections(peerIdFromString(p)).length > 0).length
    if (connected >= MAX_NEARBY) return
    this.#dialing.add(peerId)
    node.dial(id).then(
      () => { log('connected to nearby %s', peerId) },
      (err: unknown) => { log('could not dial nearby %s: %s', peerId, err) }
    ).finally(() => { this.#dialing.delete(peerId) })
  }
}
