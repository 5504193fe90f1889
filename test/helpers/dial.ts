/**
 * A protocol stream to a peer for a test whose subject is what runs over it, not the dial. On a
 * starved machine (load 45 and two CPU burners) a Noise handshake outran libp2p's 6 s per address
 * (EncryptionFailedError: "aborted due to timeout"), so a failed dial is tried again, every 100 ms,
 * until a cap (a hang, not a measure).
 */
import type { Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { SwarmNode } from '../../node-core/src/net/node.ts'

export async function dialUntilOpen (from: SwarmNode, to: Multiaddr, protocol: string, capMs = 120_000): Promise<Stream> {
  const deadline = Date.now() + capMs
  for (;;) {
    try {
      return await from.dialProtocol(to, protocol)
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise(resolve => setTimeout(resolve, 100))
    }
  }
}
