/**
 * fast-check arbitraries shared by the fuzz tests: values dag-cbor can encode (the shapes a peer
 * can send), and byte mutations of a valid encoding (flip, overwrite, cut, splice).
 */
import fc from 'fast-check'

/** Integers a peer can put in a CBOR map: small, edge and huge (bigint beyond 2^53). */
export const cborInteger: fc.Arbitrary<number | bigint> = fc.oneof(
  fc.integer({ min: -5, max: 70_000 }),
  fc.constantFrom(0, -1, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n - 1n }).filter(b => b > BigInt(Number.MAX_SAFE_INTEGER) || b < BigInt(-Number.MAX_SAFE_INTEGER))
)

/** Any value dag-cbor encodes (no undefined, NaN or infinities; it refuses those). */
export const cborValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>(tie => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    cborInteger,
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ maxLength: 40 }),
    fc.uint8Array({ maxLength: 64 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 })
  )
})).value

/** One edit to a byte string. */
type Edit =
  | { kind: 'set', at: number, byte: number }
  | { kind: 'xor', at: number, mask: number }
  | { kind: 'cut', at: number }
  | { kind: 'insert', at: number, bytes: Uint8Array }
  | { kind: 'delete', at: number, count: number }

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('xor' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 9 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) })
)

function applyEdit (bytes: Uint8Array, e: Edit): Uint8Array {
  const at = bytes.length === 0 ? 0 : e.at % (bytes.length + (e.kind === 'insert' ? 1 : 0))
  switch (e.kind) {
    case 'set': { if (bytes.length === 0) return bytes; const out = bytes.slice(); out[at] = e.byte; return out }
    case 'xor': { if (bytes.length === 0) return bytes; const out = bytes.slice(); out[at] = out[at]! ^ e.mask; return out }
    case 'cut': return bytes.slice(0, at)
    case 'insert': { const out = new Uint8Array(bytes.length + e.bytes.length); out.set(bytes.subarray(0, at)); out.set(e.bytes, at); out.set(bytes.subarray(at), at + e.bytes.length); return out }
    case 'delete': return Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + e.count)])
  }
}

/** A valid encoding from `source`, then one to four random edits. */
export function mutatedBytes (source: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(source, fc.array(edit, { minLength: 1, maxLength: 4 })).map(([bytes, edits]) => edits.reduce(applyEdit, bytes))
}

/** A string with one to three characters replaced by interesting ones (separators, controls, lone surrogates, non-ASCII). */
export function mutatedString (source: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const nasty = fc.constantFrom('/', '\\', '..', '.', '\u0000', '\n', '%', '%2F', '?', '#', '&', '=', ' ', ':', '\ud800', '\udc00', '\u200b', '\u202e', 'é', 'İ', 'ß', '\u{1f600}', '\ufeff', 'CON', '')
  const edits = fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), nasty), { minLength: 1, maxLength: 3 })
  return fc.tuple(source, edits).map(([s, es]) => es.reduce((acc, [at, del, ins]) => {
    const i = acc.length === 0 ? 0 : at % (acc.length + 1)
    return acc.slice(0, i) + ins + acc.slice(i + del)
  }, s))
}
