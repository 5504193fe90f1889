import { CID } from 'multiformats/cid'
import type { AbortOptions, ContentRouting } from '@libp2p/interface'

/** A peer that says it has a share, and the addresses the lookup returned for it. */
export interface Provider {
  readonly peerId: string
  readonly addresses: readonly string[]
}

const PROVIDE_TIMEOUT_MS = 60_000
const LOOKUP_TIMEOUT_MS = 20_000

/**
 * Announces and finds shares on the DHT: provider records for share IDs only (never per chunk).
 * kad-dht re-provides what was provided before records expire. Every call has a time limit, since
 * with an empty routing table a query would otherwise wait forever.
 */
export class ShareRouting {
  readonly #routing: ContentRouting

  constructor (routing: ContentRouting) {
    this.#routing = routing
  }

  /** Publishes a provider record; resolves with how long it took, in ms. */
  async announce (shareId: string, options: AbortOptions = {}): Promise<number> {
    const started = performance.now()
    const signal = AbortSignal.any([AbortSignal.timeout(PROVIDE_TIMEOUT_MS), ...(options.signal != null ? [options.signal] : [])])
    await this.#routing.provide(CID.parse(shareId), { signal })
    return Math.round(performance.now() - started)
  }

  async withdraw (shareId: string): Promise<void> {
    await this.#routing.cancelReprovide(CID.parse(shareId)).catch(() => {})
  }

  /** Yields providers of a share until the lookup ends or times out. */
  async * find (shareId: string, options: AbortOptions = {}): AsyncGenerator<Provider> {
    const signal = AbortSignal.any([AbortSignal.timeout(LOOKUP_TIMEOUT_MS), ...(options.signal != null ? [options.signal] : [])])
    try {
      for await (const p of this.#routing.findProviders(CID.parse(shareId), { signal })) {
        const peerId = p.id.toString()
        yield { peerId, addresses: p.multiaddrs.map(m => { const a = m.toString(); return a.includes('/p2p/') ? a : `${a}/p2p/${peerId}` }) }
      }
    } catch (err) {
      if (!signal.aborted) throw err
    }
  }
}
