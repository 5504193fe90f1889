/** A share served from memory, and a pair of real libp2p nodes, for tests of the chunk protocol. */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { encodeManifest, shareIdOf } from '../../node-core/src/manifest/codec.ts'
import { ManifestLayout } from '../../node-core/src/manifest/layout.ts'
import { createSwarmNode } from '../../node-core/src/net/node.ts'
import { Bitfield } from '../../node-core/src/storage/bitfield.ts'
import type { SwarmNode } from '../../node-core/src/net/node.ts'
import type { Manifest } from '../../node-core/src/manifest/types.ts'
import type { ServedShare } from '../../node-core/src/storage/served-share.ts'

/**
 * Every chunk of `manifest`, served from memory: chunk i is its length of the byte i & 0xff (the
 * manifest's hashes are not checked by the server). `extra` overrides any field.
 */
export async function memoryShare (manifest: Manifest, extra: Partial<ServedShare> = {}): Promise<ServedShare> {
  const manifestBytes = encodeManifest(manifest)
  const layout = new ManifestLayout(manifest)
  return {
    shareId: await shareIdOf(manifestBytes),
    manifestBytes,
    layout,
    have: Bitfield.full(layout.chunkCount),
    async readChunk (index) { return new Uint8Array(layout.chunkLength(index)).fill(index & 0xff) },
    onHave () { return () => {} },
    ...extra
  }
}

/** Two nodes listening on 127.0.0.1: one to serve, one to download. */
export async function nodePair (): Promise<{ server: SwarmNode, client: SwarmNode }> {
  const server = await createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  const client = await createSwarmNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  return { server, client }
}
