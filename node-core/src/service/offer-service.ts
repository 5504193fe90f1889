/**
 * Send to… in the service: offers of our shares to peers, and the offers peers make us (kept in an
 * OfferInbox until the user accepts or declines; nothing starts without that click). docs/SEARCH.md.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { validatePeerAddress } from '../link/link.ts'
import { peerKey } from '../scheduler/candidates.ts'
import { terminalText } from '../text/peer-text.ts'
import { InvalidArgumentError, NotFoundError, SwarmdropError } from '../errors.ts'
import { logger } from '../log/logger.ts'
import { OFFER_PROTOCOL, OfferInbox, sendOffer } from '../send/offers.ts'
import type { CommandResults, DownloadInfo, ServiceEvent, ShareOffer } from '../contract/index.ts'
import type { SwarmNode } from '../net/node.ts'
import type { PendingOffer } from '../send/offers.ts'
import type { ShareRegistry } from './share-registry.ts'

const log = logger('swarmdrop:offers')
const SEND_TIMEOUT_MS = 20_000

export interface OfferServiceInit {
  readonly node: SwarmNode
  readonly shares: ShareRegistry
  readonly stopping: AbortSignal
  /** Starts the download of an accepted offer. */
  download (link: string): Promise<DownloadInfo>
  /** An address the user named: dialed even if private (the dial policy's trust). */
  trust (address: string): void
  emit (event: ServiceEvent): void
}

function contractOffer (o: PendingOffer): ShareOffer {
  return { offerId: o.offerId, peerId: o.peerId, shareId: o.shareId, name: o.name, size: o.size, fileCount: o.fileCount, receivedAt: o.receivedAt }
}

export class OfferService {
  readonly #init: OfferServiceInit
  readonly #inbox: OfferInbox

  constructor (init: OfferServiceInit) {
    this.#init = init
    this.#inbox = new OfferInbox(o => { init.emit({ type: 'offer:received', offer: contractOffer(o) }) }, offerId => { init.emit({ type: 'offer:gone', offerId }) })
  }

  async start (): Promise<void> {
    await this.#init.node.handle(OFFER_PROTOCOL, (stream, connection) => {
      this.#inbox.serve(stream, connection).catch((err: unknown) => {
        log('offer from %s failed: %s', connection.remotePeer, err)
        stream.abort(err as Error)
      })
    }, { maxInboundStreams: 2, maxOutboundStreams: 2 })
  }

  async stop (): Promise<void> {
    await this.#init.node.unhandle(OFFER_PROTOCOL)
  }

  async sendTo (shareId: string, peerId: string, address?: string): Promise<CommandResults['sendTo']> {
    let at: string | undefined
    if (address != null) {
      try { at = validatePeerAddress(address) } catch (err) { throw new InvalidArgumentError((err as Error).message) }
    }
    try { peerIdFromString(peerId) } catch { throw new InvalidArgumentError(`not a peer ID: ${terminalText(peerId.slice(0, 64))}`) }
    if (at != null && peerKey(at) !== peerId) throw new InvalidArgumentError(`the address ${terminalText(at.slice(0, 128))} is not that of ${peerId}`)
    if (peerId === this.#init.node.peerId.toString()) throw new SwarmdropError('self', 'that is this node')
    const share = this.#init.shares.list().find(s => s.shareId === shareId)
    if (share == null) throw new NotFoundError(`no share ${shareId}`)
    const signal = AbortSignal.any([AbortSignal.timeout(SEND_TIMEOUT_MS), this.#init.stopping])
    try {
      if (at != null) {
        this.#init.trust(at)
        await this.#init.node.dial(multiaddr(at), { signal })
      }
      await sendOffer(this.#init.node, peerId, { shareId, name: share.name, size: share.totalBytes, fileCount: share.fileCount }, signal)
    } catch (err) {
      if (err instanceof SwarmdropError) throw err
      throw new SwarmdropError('unreachable', `could not offer it to ${peerId}: ${(err as Error).message}`)
    }
    return { peerId, shareId }
  }

  offers (): CommandResults['offers'] {
    return { offers: this.#inbox.list().map(contractOffer) }
  }

  async answer (offerId: number, accept: boolean): Promise<CommandResults['answerOffer']> {
    const offer = this.#inbox.take(offerId)
    if (!accept) return { download: null }
    return { download: await this.#init.download(offer.link) }
  }
}
