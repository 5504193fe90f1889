import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { InvalidManifestError } from '../errors.ts'
import { MANIFEST_LIMITS } from './limits.ts'
import { validateManifest } from './validate.ts'
import type { Manifest } from './types.ts'

/**
 * Canonical encoding: dag-cbor sorts map keys and has one encoding per value, so the same manifest
 * always gives the same bytes and the same share ID. Share ID = CIDv1(dag-cbor, sha2-256(bytes)).
 */
export function encodeManifest (manifest: Manifest): Uint8Array {
  return dagCbor.encode({
    version: manifest.version,
    name: manifest.name,
    chunkSize: manifest.chunkSize,
    files: manifest.files.map(f => ({ path: f.path, size: f.size })),
    hashes: manifest.hashes
  })
}

export async function shareIdOf (manifestBytes: Uint8Array): Promise<string> {
  const digest = await sha256.digest(manifestBytes)
  return CID.createV1(dagCbor.code, digest).toString()
}

/**
 * Decodes and validates manifest bytes. When `expectedShareId` is given (bytes from a peer) the
 * bytes must hash to it before anything is decoded.
 */
export async function decodeManifest (bytes: Uint8Array, expectedShareId?: string): Promise<Manifest> {
  if (bytes.length > MANIFEST_LIMITS.maxManifestBytes) {
    throw new InvalidManifestError(`manifest is ${bytes.length} bytes, over the ${MANIFEST_LIMITS.maxManifestBytes}-byte cap`)
  }
  if (expectedShareId != null) {
    const actual = await shareIdOf(bytes)
    if (actual !== expectedShareId) throw new InvalidManifestError(`manifest bytes hash to ${actual}, not to the share ID ${expectedShareId}`)
  }
  let value: unknown
  try {
    value = dagCbor.decode(bytes)
  } catch (err) {
    throw new InvalidManifestError(`manifest is not valid dag-cbor: ${(err as Error).message}`, { cause: err })
  }
  return validateManifest(value)
}
