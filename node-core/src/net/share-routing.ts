import { setTimeout as delay } from 'node:timers/promises'
import { CID } from 'multiformats/cid'
import { logger } from '../log/logger.ts'
import { orderAddresses } from './announce.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import { SwarmdropError } from '../errors.ts'

/** A peer that says it has a share, and the addresses the lookup returned for it. */
export interface Provider {
  readonly peerId: string
  readonly addresses: readonly string[]
}

/** The outcome of an announce: how long it took and how many DHT peers hold the record. */
export interface Announcement {
  /** From the first attempt to the last answer, in ms. */
  readonly ms: number
  /** Distinct DHT peers that accepted the provider record (over every attempt). */
  readonly stored: number
  /** ADD_PROVIDER sends and lookup requests that failed (over every attempt). */
  readonly errors: number
  /** How many provide rounds it took. */
  readonly attempts: number
}

/** What one lookup saw: peers that answered, requests that failed, providers returned. */
export interface LookupSummary {
  readonly ms: number
  readonly responses: number
  readonly errors: number
  readonly providers: number
}

/** The part of the DHT service share routing uses. */
export type ProviderRouting = Pick<KadDHT, 'provide' | 'findProviders' | 'cancelReprovide'>

/**
 * How long an announce goes on providing while too few peers hold the record. The environment
 * variable SWARMDROP_PROVIDE_TIMEOUT_MS shortens it for a test process (docs/TESTING.md): the
 * integration test of `announce-failed` would otherwise wait the whole minute.
 */
export const PROVIDE_TIMEOUT_MS = envMs('SWARMDROP_PROVIDE_TIMEOUT_MS', 60_000)
const LOOKUP_TIMEOUT_MS = 20_000
/** An announce is done once this many DHT peers hold the record (or every closest peer found does). */
export const MIN_STORED = 3
/** Wait between provide rounds while too few peers hold the record. */
export const RETRY_DELAY_MS = 5_000

/** A duration in ms from the environment (a whole number > 0), else `fallback`. */
function envMs (name: string, fallback: number): number {
  const value = Number(process.env[name])
  return Number.isSafeInteger(value) && value > 0 ? value : fallback
}

/** How long an announce tries, and how long it waits between rounds. */
export interface ProvideTiming {
  readonly timeoutMs: number
  readonly retryDelayMs: number
}

/** SWARMDROP_DEBUG_DHT=1: one JSON line per provide round and per lookup on stderr. */
const DEBUG = process.env.SWARMDROP_DEBUG_DHT === '1'
const log = logger('swarmdrop:net')
function debug (line: Record<string, unknown>): void {
  if (DEBUG) process.stderr.write(JSON.stringify({ debug: 'dht', ...line }) + '\n')
}

function sameSet (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every(x => b.has(x))
}

/**
 * Announces and finds shares on the DHT: provider records for share IDs only (never per chunk).
 * kad-dht re-provides what was provided before records expire. Every call has a time limit, since
 * with an empty routing table a query would otherwise wait forever.
 *
 * kad-dht's provide resolves even when no peer stored the record (for instance when the routing
 * table is still almost empty), so an announce counts the peers that accepted it and provides
 * again, every RETRY_DELAY_MS, until MIN_STORED peers hold it (or, in a network smaller than that,
 * two rounds found the same closest peers and all hold it) or PROVIDE_TIMEOUT_MS passes (both
 * can be given to the constructor). It fails only if no
 * peer at all stored it.
 */
export class ShareRouting {
  readonly #dht: ProviderRouting
  readonly #timing: ProvideTiming

  constructor (dht: ProviderRouting, timing: ProvideTiming = { timeoutMs: PROVIDE_TIMEOUT_MS, retryDelayMs: RETRY_DELAY_MS }) {
    this.#dht = dht
    this.#timing = timing
  }

  async announce (shareId: string, options: AbortOptions = {}): Promise<Announcement> {
    const started = performance.now()
    const signal = AbortSignal.any([AbortSignal.timeout(this.#timing.timeoutMs), ...(options.signal != null ? [options.signal] : [])])
    const cid = CID.parse(shareId)
    const stored = new Set<string>()
    let errors = 0
    let attempts = 0
    let lastError: unknown
    let lastClosest = new Set<string>()
    while (true) {
      attempts++
      const closest = new Set<string>()
      const storedNow = new Set<string>()
      let errorsNow = 0
      try {
        for await (const e of this.#dht.provide(cid, { signal })) {
          if (e.name === 'FINAL_PEER') closest.add(e.peer.id.toString())
          else if (e.name === 'PEER_RESPONSE' && e.messageName === 'ADD_PROVIDER') storedNow.add(e.from.toString())
          else if (e.name === 'QUERY_ERROR') errorsNow++
          if (DEBUG && e.name === 'PEER_RESPONSE' && e.messageName === 'FIND_NODE') debug({ op: 'provide-response', from: e.from.toString(), closer: e.closer.map(c => ({ id: c.id.toString(), addrs: c.multiaddrs.map(String) })) })
        }
      } catch (err) {
        lastError = err
      }
      for (const p of storedNow) stored.add(p)
      errors += errorsNow
      debug({ op: 'provide', shareId, attempt: attempts, closest: [...closest], stored: [...storedNow], errors: errorsNow, ms: Math.round(performance.now() - started) })
      // A network smaller than MIN_STORED: two rounds in a row found the same closest peers, all holding it.
      const wholeNetwork = closest.size > 0 && [...closest].every(p => stored.has(p)) && sameSet(closest, lastClosest)
      lastClosest = closest
      if (stored.size >= MIN_STORED || wholeNetwork || signal.aborted) break
      await delay(this.#timing.retryDelayMs, undefined, { signal }).catch((err: unknown) => { if (!signal.aborted) log.warn('the wait between provide rounds failed: %s', err) }) // aborted: stopping, checked next
      if (signal.aborted) break
    }
    if (options.signal?.aborted === true) throw options.signal.reason
    if (stored.size === 0) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : ''
      throw new SwarmdropError('unreachable', `no DHT peer stored the provider record after ${attempts} attempt(s) and ${errors} error(s)${why}`)
    }
    return { ms: Math.round(performance.now() - started), stored: stored.size, errors, attempts }
  }

  async withdraw (shareId: string): Promise<void> {
    await this.#dht.cancelReprovide(CID.parse(shareId)).catch((err: unknown) => { log.warn('could not stop reproviding %s: %s', shareId, err) })
  }

  /** Yields providers of a share until the lookup ends or times out. */
  async * find (shareId: string, options: AbortOptions & { onSummary?: (s: LookupSummary) => void } = {}): AsyncGenerator<Provider> {
    const started = performance.now()
    const signal = AbortSignal.any([AbortSignal.timeout(LOOKUP_TIMEOUT_MS), ...(options.signal != null ? [options.signal] : [])])
    const responded: string[] = []
    let errors = 0
    let providers = 0
    try {
      for await (const e of this.#dht.findProviders(CID.parse(shareId), { signal })) {
        if (e.name === 'PEER_RESPONSE') {
          responded.push(e.from.toString())
          if (DEBUG) debug({ op: 'find-response', from: e.from.toString(), closer: e.closer.map(c => ({ id: c.id.toString(), addrs: c.multiaddrs.map(String) })), providers: e.providers.length })
        }
        else if (e.name === 'QUERY_ERROR') errors++
        else if (e.name === 'PROVIDER') {
          for (const p of e.providers) {
            providers++
            const peerId = p.id.toString()
            // A relayed address holds the relay's /p2p/ already: the provider's ID still goes last.
            // Best first (public direct, relayed, LAN, loopback): the caller dials the first.
            yield { peerId, addresses: orderAddresses(p.multiaddrs).map(m => { const a = m.toString(); return a.endsWith(`/p2p/${peerId}`) ? a : `${a}/p2p/${peerId}` }) }
          }
        }
      }
    } catch (err) {
      if (!signal.aborted) throw err
    } finally {
      const summary = { ms: Math.round(performance.now() - started), responses: responded.length, errors, providers }
      debug({ op: 'find', shareId, ...summary, responded })
      options.onSummary?.(summary)
    }
  }
}
