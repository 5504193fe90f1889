/**
 * Offers peers made us (Send to…), waiting for Accept or Decline: read with `offers` on each
 * (re)connection, then kept by `offer:received` / `offer:gone` events.
 */
import { createContext } from 'svelte'
import type { DownloadInfo, ServiceEvent, ShareOffer } from 'swarmdrop/contract'
import type { ServiceClient } from '../lib/service-client.ts'

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

  async sendTo (shareId: string, peerId: string): Promise<void> {
    await this.#client.call('sendTo', { shareId, peerId })
  }

  #apply (event: ServiceEvent): void {
    if (event.type === 'offer:received') this.offers = [...this.offers.filter(o => o.offerId !== event.offer.offerId), event.offer]
    else if (event.type === 'offer:gone') this.offers = this.offers.filter(o => o.offerId !== event.offerId)
  }
}

export const [getOfferState, setOfferState] = createContext<OfferState>()
