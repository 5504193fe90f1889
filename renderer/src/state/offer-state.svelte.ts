/**
 * Offers peers made us (Send to…), waiting for Accept or Decline: read with `offers` on each
 * (re)connection, then kept by `offer:received` / `offer:gone` events.
 */
import { createContext } from 'svelte'
import type { DownloadInfo, ServiceEvent, ShareOffer } from 'swarmdrop/contract'
import type { ServiceClient } from '../lib/service-client.ts'
import { sendTarget } from '../lib/send-target.ts'

export class OfferState {
  readonly #client: ServiceClient
  offers = $state.raw<readonly ShareOffer[]>([])

  constructor (client: ServiceClient) {
    this.#client = client
    client.subscribe(event => { this.#apply(event) })
    client.onState(state => {
      if (state === 'open') client.call('offers', {}).then(r => { this.offers = r.offers }, () => { /* shown by the connection banner */ })
    })
  }

  async answer (offer: ShareOffer, accept: boolean): Promise<DownloadInfo | null> {
    this.offers = this.offers.filter(o => o.offerId !== offer.offerId)
    return (await this.#client.call('answerOffer', { offerId: offer.offerId, accept })).download
  }

  /** Offers a share to `to`: a peer ID or a full address (lib/send-target.ts). */
  async sendTo (shareId: string, to: string): Promise<void> {
    const { peerId, address } = sendTarget(to)
    await this.#client.call('sendTo', { shareId, peerId, ...(address != null ? { address } : {}) })
  }

  #apply (event: ServiceEvent): void {
    if (event.type === 'offer:received') this.offers = [...this.offers.filter(o => o.offerId !== event.offer.offerId), event.offer]
    else if (event.type === 'offer:gone') this.offers = this.offers.filter(o => o.offerId !== event.offerId)
  }
}

export const [getOfferState, setOfferState] = createContext<OfferState>()
