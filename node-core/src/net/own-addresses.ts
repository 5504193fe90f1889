import type { AddressManager, NodeAddress } from '@libp2p/interface-internal'

export interface OwnAddressesComponents {
  readonly addressManager: Pick<AddressManager, 'getAddressesWithMetadata'>
}

/**
 * Our addresses with what libp2p knows of each (how it was learnt: listen, observed, a UPnP
 * `ip-mapping`; whether it is verified): the reach block reads the UPnP mapping from here, since
 * the node's public API gives only the announced addresses.
 */
export class OwnAddresses {
  readonly #components: OwnAddressesComponents

  constructor (components: OwnAddressesComponents) {
    this.#components = components
  }

  readonly [Symbol.toStringTag] = 'swarmdrop:own-addresses'

  withMetadata (): NodeAddress[] {
    return this.#components.addressManager.getAddressesWithMetadata()
  }
}

/** The libp2p service factory. */
export function ownAddresses (): (components: OwnAddressesComponents) => OwnAddresses {
  return components => new OwnAddresses(components)
}
