/**
 * Property and fuzz tests of the manifest decoder and validator (codec.ts, validate.ts): valid
 * manifests always round-trip; any bytes or any decoded value either give a manifest that passes
 * the validator again and re-encodes to itself, or are refused with an InvalidManifestError, never
 * another error; announced sizes are capped before anything is allocated.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import fc from 'fast-check'
import * as dagCbor from '@ipld/dag-cbor'
import { InvalidManifestError } from '../../node-core/src/errors.ts'
import { decodeManifest, encodeManifest, shareIdOf } from '../../node-core/src/manifest/codec.ts'
import { MANIFEST_LIMITS } from '../../node-core/src/manifest/limits.ts'
import { HASH_BYTES } from '../../node-core/src/manifest/types.ts'
import { chunkCountFor, pathCollisionKey, validateManifest } from '../../node-core/src/manifest/validate.ts'
import type { Manifest } from '../../node-core/src/manifest/types.ts'
import { cborValue, mutatedBytes, mutatedString } from '../helpers/arbitraries.ts'
import { fuzzParams, typedOrResult, typedOrResultAsync } from '../helpers/fuzz.ts'

/** A component that is always safe: letters, digits and a few marks, plus some non-ASCII. */
const component = fc.stringMatching(/^[a-zA-Z0-9_][a-zA-Z0-9 _.\-éßİ\u4e2d]{0,10}[a-zA-Z0-9_]$/)
  .filter(c => !/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(c))

/** A valid manifest: distinct, sorted paths under the share name, no file/directory clashes. */
const validManifest: fc.Arbitrary<Manifest> = fc.record({
  name: component,
  chunkSize: fc.integer({ min: 14, max: 22 }).map(e => 2 ** e),
  paths: fc.array(fc.array(component, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 }),
  sizes: fc.array(fc.nat({ max: 3 * 2 ** 16 }), { minLength: 6, maxLength: 6 }),
  single: fc.boolean(),
  seed: fc.integer({ min: 0, max: 255 })
}).map(({ name, chunkSize, paths, sizes, single, seed }) => {
  let list = single ? [name] : paths.map(p => [name, ...p].join('/'))
  const seen = new Map<string, string>()
  for (const p of list) { const k = pathCollisionKey(p); if (!seen.has(k)) seen.set(k, p) }
  list = [...seen.values()]
  const keys = new Set(list.map(pathCollisionKey))
  list = list.filter(p => !list.some(q => q !== p && keys.has(pathCollisionKey(p)) && pathCollisionKey(q).startsWith(pathCollisionKey(p) + '/')))
  list.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  const files = list.map((path, i) => ({ path, size: sizes[i % sizes.length]! }))
  const chunks = files.reduce((n, f) => n + chunkCountFor(f.size, chunkSize), 0)
  const hashes = new Uint8Array(chunks * HASH_BYTES).map((_, i) => (i * 31 + seed) & 0xff)
  return { version: 1 as const, name, chunkSize, files, hashes }
})

/** The manifest as the plain value dag-cbor would decode, with one field replaced by something hostile. */
const mutatedValue: fc.Arbitrary<unknown> = fc.tuple(validManifest, fc.nat(), fc.oneof(cborValue, mutatedString(component), fc.constantFrom(-1, 0, 2 ** 53, 1.5, MANIFEST_LIMITS.maxTotalSize + 1)), fc.boolean())
  .map(([m, pick, value, intoFile]) => {
    const plain: Record<string, unknown> = { version: m.version, name: m.name, chunkSize: m.chunkSize, files: m.files.map(f => ({ ...f })), hashes: m.hashes }
    if (intoFile) {
      const files = plain.files as Array<Record<string, unknown>>
      const file = files[pick % files.length]!
      const key = ['path', 'size', 'extra'][pick % 3]!
      // A string path stays under the share name, so the path rules themselves are exercised.
      file[key] = key === 'path' && typeof value === 'string' ? `${m.name}/${value}` : value
    } else {
      plain[['version', 'name', 'chunkSize', 'files', 'hashes', 'extra'][pick % 6]!] = value
    }
    return plain
  })

/** Checks what a returned manifest must satisfy: the validator accepts it again and it re-encodes to itself. */
function assertWellFormed (m: Manifest): void {
  const again = validateManifest(dagCbor.decode(encodeManifest(m)))
  assert.deepEqual(again, m)
  for (const f of m.files) assert.ok(f.path === m.name || f.path.startsWith(m.name + '/'))
}

describe('fuzz: manifest decoder and validator', () => {
  it('accepts and round-trips every valid manifest (through its share ID)', async () => {
    await fc.assert(fc.asyncProperty(validManifest, async m => {
      const bytes = encodeManifest(m)
      assert.deepEqual(await decodeManifest(bytes, await shareIdOf(bytes)), m)
    }), fuzzParams())
  })

  it('validates any mutated value to a well-formed manifest or refuses it with an InvalidManifestError', () => {
    fc.assert(fc.property(mutatedValue, value => {
      const m = typedOrResult(() => validateManifest(value), InvalidManifestError)
      if (m !== undefined) assertWellFormed(m)
    }), fuzzParams())
  })

  it('validates any JavaScript value without throwing anything but an InvalidManifestError', () => {
    const anything = fc.anything({ withBigInt: true, withNullPrototype: true, withTypedArray: true, withSparseArray: true, withMap: true, withSet: true, withDate: true, withBoxedValues: true, withObjectString: true, maxDepth: 3 })
    fc.assert(fc.property(anything, value => {
      typedOrResult(() => validateManifest(value), InvalidManifestError)
      typedOrResult(() => validateManifest({ version: 1, name: 'x', chunkSize: 65536, files: [value], hashes: new Uint8Array(0) }), InvalidManifestError)
    }), fuzzParams())
  })

  it('decodes any mutated or random bytes to a well-formed manifest or refuses them with an InvalidManifestError', async () => {
    const bytes = fc.oneof(mutatedBytes(validManifest.map(encodeManifest)), fc.uint8Array({ maxLength: 300 }))
    await fc.assert(fc.asyncProperty(bytes, async b => {
      const m = await typedOrResultAsync(() => decodeManifest(b), InvalidManifestError)
      if (m !== undefined) assertWellFormed(m)
      // With an expected ID, bytes that do not hash to it are refused before they are decoded.
      await assert.rejects(decodeManifest(b, 'bafyreif443brn4rx5yvaxryqfrzwhfg7anoad25rmoexlezsjiyxkshwom'), InvalidManifestError)
    }), fuzzParams())
  })

  it('regression: counts and lengths announced in CBOR headers are refused without allocating them', async () => {
    const headers = [
      Uint8Array.of(0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), // array of 2^64-1 items
      Uint8Array.of(0xbb, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00), // map of 2^32 entries
      Uint8Array.of(0x5b, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00), // byte string of 1 TiB
      Uint8Array.of(0xa1, 0x65, 0x66, 0x69, 0x6c, 0x65, 0x73, 0x9a, 0xff, 0xff, 0xff, 0xff), // { files: array of 2^32-1 }
      new Uint8Array(100_000).fill(0x81) // 100,000 nested arrays
    ]
    const before = process.memoryUsage().rss
    for (const b of headers) await assert.rejects(decodeManifest(b), InvalidManifestError)
    assert.ok(process.memoryUsage().rss - before < 256 * 1024 * 1024, 'no large allocation')
    // More bytes than the cap are refused before hashing or decoding.
    await assert.rejects(decodeManifest(new Uint8Array(MANIFEST_LIMITS.maxManifestBytes + 1)), InvalidManifestError)
  })

  it('regression: a manifest announcing more chunks than the cap is refused before its hashes are read', () => {
    const files = [{ path: 'x/a', size: MANIFEST_LIMITS.maxChunks * MANIFEST_LIMITS.minChunkSize + 1 }]
    assert.throws(() => validateManifest({ version: 1, name: 'x', chunkSize: MANIFEST_LIMITS.minChunkSize, files: [...files, { path: 'x/b', size: 0 }], hashes: new Uint8Array(0) }), /more than \d+ chunks/)
  })
})
