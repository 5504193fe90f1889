import { setTimeout as delay } from 'node:timers/promises'
import { logger } from '../log/logger.ts'
import { terminalText } from '../text/peer-text.ts'
import type { ServiceEvent } from '../contract/index.ts'
import type { ShareRouting } from '../net/share-routing.ts'
import type { PeerBook } from './peer-book.ts'

const log = logger('swarmdrop:discovery')

const DISCOVERY_INTERVAL_MS = 10_000

export interface ShareDiscoveryInit {
  /** Null when the DHT is off (`--no-dht`). */
  readonly routing: ShareRouting | null
  readonly selfId: string
  readonly peers: PeerBook
  /** Aborts every announce and lookup when the node stops. */
  readonly stopping: AbortSignal
  emit (event: ServiceEvent): void
}

/**
 * Shares on the DHT: announces what this node serves (the outcome is an event) and keeps looking
 * up the providers of what it downloads, reporting each new provider once.
 */
export class ShareDiscovery {
  readonly #init: ShareDiscoveryInit

  constructor (init: ShareDiscoveryInit) {
    this.#init = init
  }

  get enabled (): boolean { return this.#init.routing != null }

  /** Publishes a provider record in the background; the outcome is a `share:announced` or `share:announce-failed` event. */
  announce (shareId: string): void {
    const routing = this.#init.routing
    if (routing == null) return
    const signal = this.#init.stopping
    routing.announce(shareId, { signal }).then(
      a => { this.#init.emit({ type: 'share:announced', shareId, ms: a.ms, stored: a.stored, errors: a.errors }) },
      (err: unknown) => {
        if (signal.aborted) return
        log.warn('announcing %s failed: %s', shareId, err)
        this.#init.emit({ type: 'share:announce-failed', shareId, message: terminalText((err as Error).message) })
      }
    )
  }

  async withdraw (shareId: string): Promise<void> {
    await this.#init.routing?.withdraw(shareId)
  }

  /** Looks providers up now and every DISCOVERY_INTERVAL_MS until `signal` aborts; `onPeer` gets an address (or the peer ID). */
  async find (shareId: string, signal: AbortSignal, onPeer: (peer: string) => void): Promise<void> {
    const routing = this.#init.routing
    if (routing == null) return
    const seen = new Set<string>()
    while (!signal.aborted) {
      try {
        for await (const p of routing.find(shareId, { signal })) {
          if (p.peerId === this.#init.selfId) continue
          if (!seen.has(p.peerId)) {
            seen.add(p.peerId)
            this.#init.peers.found(p.peerId, 'dht')
            this.#init.emit({ type: 'download:provider', shareId, peerId: p.peerId, via: 'dht' })
          }
          onPeer(p.addresses.find(a => a.startsWith('/ip')) ?? p.peerId)
        }
      } catch (err) {
        if (!signal.aborted) log('lookup of %s failed, retried in %d s: %s', shareId, DISCOVERY_INTERVAL_MS / 1000, err)
      }
      await delay(DISCOVERY_INTERVAL_MS, undefined, { signal }).catch(() => { /* aborted: the loop ends */ })
    }
  }
}
