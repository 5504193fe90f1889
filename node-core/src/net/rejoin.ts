import { multiaddr } from '@multiformats/multiaddr'
import { logger } from '../log/logger.ts'

const log = logger('swarmdrop:net')
import type { SingleKadDHT } from '@libp2p/kad-dht'
import type { SwarmNode } from './node.ts'

/** Below this many DHT peers, the node dials its bootstrap peers again and looks itself up. */
export const MIN_ROUTING_PEERS = 3
const REJOIN_INTERVAL_MS = 10_000
const REJOIN_TIMEOUT_MS = 20_000

/**
 * Keeps a node joined to the DHT. @libp2p/bootstrap dials each bootstrap peer once, at start, and
 * never again: if that one dial fails (a busy bootstrap node timing out the Noise handshake, a
 * network not up yet), the routing table stays empty for good and the node can neither announce
 * nor find anything. Every REJOIN_INTERVAL_MS, while the routing table holds fewer than
 * MIN_ROUTING_PEERS peers, this dials the bootstrap peers again and runs a lookup of the node's
 * own ID, which fills the routing table with the peers close to it, until `signal` aborts.
 */
export function keepJoined (node: SwarmNode, bootstrap: readonly string[], signal: AbortSignal): void {
  const dht = node.services.dht as SingleKadDHT | undefined
  if (bootstrap.length === 0 || dht == null) return
  let running = false
  let failures = 0
  const timer = setInterval(() => {
    if (running || signal.aborted || (dht.routingTable?.size ?? 0) >= MIN_ROUTING_PEERS) return
    running = true
    rejoin(node, dht, bootstrap, AbortSignal.any([signal, AbortSignal.timeout(REJOIN_TIMEOUT_MS)]))
      .then(() => { failures = 0 }, (err: unknown) => {
        if (signal.aborted) return // stopping
        // The first failure in a row is a warning; the next ones (every 10 s while isolated) debug lines.
        if (failures++ === 0) log.warn('rejoining the DHT through the bootstrap peers failed: %s', err)
        else log('rejoining the DHT failed again (%d in a row): %s', failures, err)
      })
      .finally(() => { running = false })
  }, REJOIN_INTERVAL_MS)
  timer.unref()
  signal.addEventListener('abort', () => { clearInterval(timer) }, { once: true })
}

/**
 * One round: dial every bootstrap peer, then look ourselves up. With no bootstrap peer answering
 * and an empty routing table the lookup has no one to ask and would wait out REJOIN_TIMEOUT_MS,
 * skipping the next rounds: the round ends at once instead, and the next comes REJOIN_INTERVAL_MS
 * later (it took 20 s before: a bootstrap peer back up was joined up to 30 s late).
 */
async function rejoin (node: SwarmNode, dht: SingleKadDHT, bootstrap: readonly string[], signal: AbortSignal): Promise<void> {
  const dials = await Promise.allSettled(bootstrap.map(async a => node.dial(multiaddr(a), { signal })))
  const failed = dials.filter(d => d.status === 'rejected')
  if (failed.length === dials.length && (dht.routingTable?.size ?? 0) === 0) {
    throw new Error(`no bootstrap peer answered (${failed.length}): ${String(failed[0]?.reason)}`)
  }
  for await (const _ of dht.getClosestPeers(node.peerId.toMultihash().bytes, { signal })) { /* the lookup fills the routing table */ }
}
