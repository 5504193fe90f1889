import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writePrivateFile } from '../config/private-file.ts'
import { SwarmdropError } from '../errors.ts'

const KEY_FILE = 'identity.key'

/**
 * Loads the profile's Ed25519 key, creating it on first use. The file holds the libp2p protobuf
 * encoding of the private key, mode 0600 in a 0700 folder, so the PeerId is stable across restarts.
 */
export async function loadOrCreateIdentity (profileDir: string): Promise<PrivateKey> {
  await mkdir(profileDir, { recursive: true, mode: 0o700 })
  const file = join(profileDir, KEY_FILE)
  try {
    return privateKeyFromProtobuf(await readFile(file))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new SwarmdropError('error', `cannot read the identity key ${file}: ${(err as Error).message}`, { cause: err })
    }
  }
  const key = await generateKeyPair('Ed25519')
  await writePrivateFile(file, privateKeyToProtobuf(key))
  return key
}
