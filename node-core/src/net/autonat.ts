import { autoNAT } from '@libp2p/autonat'
import type { AutoNATComponents, AutoNATServiceInit } from '@libp2p/autonat'
import type { ConnectionManager } from '@libp2p/interface-internal'

/**
 * AutoNAT (v1), with its dial-back fixed. To check an address for a peer, @libp2p/autonat 3.0.28
 * calls `openConnection(address)`, which returns the connection the asking peer already has open
 * to us (its remote address is the peer's outgoing port, so the check fails as "unexpected remote
 * address") and then closes that connection: the peer is cut off after every request and no
 * address is ever confirmed (seen in network namespaces: a host on a global IPv6 address never
 * became reachable). Here a dial-back to one address always opens a new connection
 * (`force: true`), which the service then closes; its other dials (several addresses of a
 * random peer, to find peers to ask) are left as they were.
 */
export function autoNATWithDialBack (init: AutoNATServiceInit = {}): (components: AutoNATComponents) => ReturnType<ReturnType<typeof autoNAT>> {
  const create = autoNAT(init)
  return components => {
    const manager = components.connectionManager
    const dialBack: ConnectionManager = new Proxy(manager, {
      get (target, key, receiver) {
        if (key !== 'openConnection') {
          const value = Reflect.get(target, key, receiver) as unknown
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
        }
        const open: ConnectionManager['openConnection'] = async (peer, options) =>
          await target.openConnection(peer, Array.isArray(peer) || !('getComponents' in peer) ? options : { ...options, force: true })
        return open
      }
    })
    const wrapped = new Proxy(components, {
      get (target, key, receiver) {
        return key === 'connectionManager' ? dialBack : Reflect.get(target, key, receiver) as unknown
      }
    })
    return create(wrapped)
  }
}
