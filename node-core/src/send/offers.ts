/**
 * Send to…: `/swarmdrop/offer/1.0.0`. The sender opens a stream and sends one OFFER
 * `{ shareId, name, size, fileCount }` (length-prefixed dag-cbor, at most 4 KiB); the receiver
 * answers `{ ok: true }` once the offer waits for its user, or `{ ok: false, code: 'busy' }`, and
 * closes. Nothing is downloaded until the user accepts (`answerOffer`); the link of an accepted offer
 * holds the address the offer came from, and the share ID is checked against the manifest as for
 * any link. Offers are rate-limited per peer (a token bucket), at most MAX_PENDING wait at once (the
 * oldest goes first), and each expires after OFFER_TTL_MS.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { peerIdFromString } from '@libp2p/peer-id'
import { displayText } from '../contract/display-text.ts'
import { ProtocolError, SwarmdropError } from '../errors.ts'
import { formatLink, isShareId } from '../link/link.ts'
import { logger } from '../log/logger.ts'
import { FramedStream } from '../protocol/framing.ts'
import { BUDGETS, PeerBudgets } from '../scheduler/peer-budget.ts'
import type { Connection, Stream } from '@libp2p/interface'
import type { BudgetSpec } from '../scheduler/peer-budget.ts'
import type { AskerNode } from '../search/search.ts'

const log = logger('swarmdrop:offers')

export const OFFER_PROTOCOL = '/swarmdrop/offer/1.0.0'
const MAX_FRAME_BYTES = 4096
/** Offers one peer may send: 3 at once, then one every 10 s; 20 more refused and it is disconnected. */
export const OFFER_BUDGET: BudgetSpec = { burst: 3, perSecond: 0.1, debt: 20 }
export const MAX_PENDING = 32
export const OFFER_TTL_MS = 10 * 60_000
const TIMEOUT_MS = 10_000

export interface OfferSummary {
  readonly shareId: string
  readonly name: string
  readonly size: number
  readonly fileCount: number
}

export interface PendingOffer extends OfferSummary {
  readonly offerId: number
  readonly peerId: string
  /** ms since the epoch. */
  readonly receivedAt: number
  /** The link an Accept downloads: the share ID, its size and the address the offer came from. */
  readonly link: string
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

export function decodeOffer (bytes: Uint8Array): OfferSummary {
  let m: unknown
  try { m = dagCbor.decode(bytes) } catch (err) { throw new ProtocolError(`an offer is not dag-cbor: ${(err as Error).message}`) }
  if (typeof m !== 'object' || m == null) throw new ProtocolError('an offer must be a map')
  const { shareId, name, size, fileCount } = m as Record<string, unknown>
  if (typeof shareId !== 'string' || !isShareId(shareId) || typeof name !== 'string' || !isCount(size) || !isCount(fileCount)) throw new ProtocolError('an offer needs { shareId, name, size, fileCount }')
  return { shareId, name: displayText(name, 255), size, fileCount }
}

/** The receiving side: takes offers within each peer's budget and keeps them until answered or expired. */
export class OfferInbox {
  readonly #budgets: PeerBudgets
  readonly #pending = new Map<number, PendingOffer>()
  readonly #now: () => number
  readonly #onOffer: (offer: PendingOffer) => void
  readonly #onGone: (offerId: number) => void
  #nextId = 1

  constructor (onOffer: (offer: PendingOffer) => void, onGone: (offerId: number) => void, now: () => number = Date.now) {
    this.#onOffer = onOffer
    this.#onGone = onGone
    this.#now = now
    this.#budgets = new PeerBudgets({ ...BUDGETS, stream: OFFER_BUDGET }, now)
  }

  list (): PendingOffer[] {
    this.#expire()
    return [...this.#pending.values()]
  }

  /** Takes an answered offer out; throws not-found if it is gone. */
  take (offerId: number): PendingOffer {
    this.#expire()
    const offer = this.#pending.get(offerId)
    if (offer == null) throw new SwarmdropError('not-found', `no offer ${offerId} (answered or expired)`)
    this.#pending.delete(offerId)
    this.#onGone(offerId)
    return offer
  }

  /** Serves one inbound offer stream. */
  async serve (stream: Stream, connection: Connection): Promise<void> {
    const peerId = connection.remotePeer.toString()
    const verdict = this.#budgets.charge(peerId, 'stream')
    if (verdict === 'over') {
      this.#budgets.forget(peerId)
      connection.abort(new SwarmdropError('protocol', 'went past its offer budget'))
      return
    }
    const framed = new FramedStream(stream, MAX_FRAME_BYTES)
    const timer = setTimeout(() => { framed.abort(new ProtocolError('no offer in time')) }, TIMEOUT_MS)
    let summary: OfferSummary | undefined
    try {
      for await (const frame of framed.frames()) { summary = decodeOffer(frame); break }
    } finally {
      clearTimeout(timer)
    }
    if (summary == null) throw new ProtocolError('the stream ended before an offer')
    if (verdict === 'throttle') {
      await framed.send(dagCbor.encode({ ok: false, code: 'busy' }))
      await framed.close()
      return
    }
    this.#expire()
    if (this.#pending.size >= MAX_PENDING) {
      const oldest = this.#pending.keys().next().value!
      this.#pending.delete(oldest)
      this.#onGone(oldest)
    }
    const remote = connection.remoteAddr.toString()
    const address = remote.includes('/p2p-circuit') ? null : (remote.endsWith(`/p2p/${peerId}`) ? remote : `${remote}/p2p/${peerId}`)
    let link = `swarmdrop://${summary.shareId}`
    try { link = formatLink({ shareId: summary.shareId, size: summary.size, peers: address == null ? [] : [address] }) } catch (err) { log('no hint in the link of an offer: %s', err) }
    const offer: PendingOffer = { ...summary, offerId: this.#nextId++, peerId, receivedAt: this.#now(), link }
    this.#pending.set(offer.offerId, offer)
    await framed.send(dagCbor.encode({ ok: true }))
    await framed.close()
    log.info('offer %d from %s: %s', offer.offerId, peerId, offer.shareId)
    this.#onOffer(offer)
  }

  #expire (): void {
    const now = this.#now()
    for (const [id, o] of this.#pending) {
      if (now - o.receivedAt < OFFER_TTL_MS) continue
      this.#pending.delete(id)
      this.#onGone(id)
    }
  }
}

/** Offers a share to a peer; resolves once the peer's app shows it, rejects with `busy` if it refused. */
export async function sendOffer (node: AskerNode, peerId: string, offer: OfferSummary, signal: AbortSignal): Promise<void> {
  const connection = await node.dial(peerIdFromString(peerId), { signal })
  const stream = await connection.newStream(OFFER_PROTOCOL, { signal })
  const framed = new FramedStream(stream, MAX_FRAME_BYTES)
  const onAbort = (): void => { framed.abort(new ProtocolError('no answer to the offer in time')) }
  signal.addEventListener('abort', onAbort, { once: true })
  let answer: unknown
  try {
    await framed.send(dagCbor.encode(offer))
    await stream.close()
    for await (const f of framed.frames()) { answer = dagCbor.decode(f); break }
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
  if (typeof answer !== 'object' || answer == null) throw new ProtocolError('the peer closed the stream without answering the offer')
  if ((answer as { ok?: unknown }).ok !== true) throw new SwarmdropError('busy', 'the peer refused the offer (too many offers from us)')
}
