/**
 * What the Send to… box holds: a peer ID, or a peer's full address (a multiaddr ending in
 * /p2p/<peer ID>, as `swarmdrop` prints it), which the service dials first. The service checks
 * both (a peer ID that parses, an address whose /p2p/ part is that ID); this only splits them.
 */
export interface SendTarget {
  readonly peerId: string
  readonly address?: string
}

export function sendTarget (input: string): SendTarget {
  const to = input.trim()
  if (!to.startsWith('/')) return { peerId: to }
  const at = to.lastIndexOf('/p2p/')
  // No /p2p/ part: the address stands in for the ID, and the service says what is wrong with it.
  return { peerId: at >= 0 ? to.slice(at + 5) : to.slice(0, 128), address: to }
}
