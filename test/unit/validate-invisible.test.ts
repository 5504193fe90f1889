/**
 * The manifest validator refuses names and paths that hold control characters, bidi overrides,
 * isolates, zero-width and other format (Unicode Cf) characters, or line/paragraph separators, with
 * an InvalidManifestError whose message shows the character escaped; ordinary non-ASCII names pass.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { pathCollisionKey, validateComponentName, validateManifest, validateRelativePath } from '../../node-core/src/manifest/validate.ts'
import { MANIFEST_LIMITS } from '../../node-core/src/manifest/limits.ts'
import { fuzzParams } from '../helpers/fuzz.ts'

const CHUNK = MANIFEST_LIMITS.minChunkSize

/** A one-file manifest (one chunk) named `name`, or a folder `name` holding `file`. */
function manifest (name: string, file?: string): Record<string, unknown> {
  const files = [{ path: file == null ? name : `${name}/${file}`, size: 1 }]
  return { version: 1, name, chunkSize: CHUNK, files, hashes: new Uint8Array(32) }
}

/** [description, character]: every one is refused in a share name, a file name and a link name. */
const INVISIBLE: Array<[string, string]> = [
  ['RIGHT-TO-LEFT OVERRIDE U+202E', '\u202E'],
  ['LEFT-TO-RIGHT OVERRIDE U+202D', '\u202D'],
  ['LEFT-TO-RIGHT EMBEDDING U+202A', '\u202A'],
  ['POP DIRECTIONAL FORMATTING U+202C', '\u202C'],
  ['RIGHT-TO-LEFT ISOLATE U+2067', '\u2067'],
  ['FIRST STRONG ISOLATE U+2068', '\u2068'],
  ['POP DIRECTIONAL ISOLATE U+2069', '\u2069'],
  ['ZERO WIDTH SPACE U+200B', '\u200B'],
  ['ZERO WIDTH JOINER U+200D', '\u200D'],
  ['RIGHT-TO-LEFT MARK U+200F', '\u200F'],
  ['ARABIC LETTER MARK U+061C', '\u061C'],
  ['BYTE ORDER MARK U+FEFF', '\uFEFF'],
  ['WORD JOINER U+2060', '\u2060'],
  ['SOFT HYPHEN U+00AD', '\u00AD'],
  ['INTERLINEAR ANNOTATION ANCHOR U+FFF9', '\uFFF9'],
  ['LANGUAGE TAG U+E0001', '\u{E0001}'],
  ['LINE SEPARATOR U+2028', '\u2028'],
  ['PARAGRAPH SEPARATOR U+2029', '\u2029'],
  ['ESC U+001B (an ANSI sequence)', '\x1b[2K'],
  ['BEL U+0007', '\x07'],
  ['8-bit CSI U+009B', '\u009b'],
  ['DEL U+007F', '\x7f']
]

describe('validator: invisible and control characters', () => {
  for (const [what, c] of INVISIBLE) {
    it(`refuses ${what} in a share name, a file path and a link name`, () => {
      const disguised = `invoice${c}txt.exe`
      assert.throws(() => validateManifest(manifest(disguised)), (err: unknown) => {
        assert.ok(err instanceof Error)
        assert.equal(err.name, 'InvalidManifestError')
        assert.ok(err.cause instanceof Error && err.cause.name === 'UnsafePathError')
        assert.ok(!err.message.includes(c), `the message holds the raw character: ${JSON.stringify(err.message)}`)
        assert.match(err.message, /\\u[0-9a-f]{4}|\\u\{[0-9a-f]+\}/)
        return true
      })
      assert.throws(() => validateManifest(manifest('share', disguised)), { name: 'InvalidManifestError' })
      assert.throws(() => validateRelativePath(`share/${disguised}`), { name: 'UnsafePathError' })
      assert.throws(() => validateComponentName(disguised), { name: 'UnsafePathError' })
    })
  }

  it('says what the character is and why it is refused', () => {
    assert.throws(() => validateManifest(manifest('invoice\u202Etxt.exe')), (err: unknown) => {
      assert.ok(err instanceof Error)
      assert.match(err.message, /U\+202E/)
      assert.match(err.message, /"invoice\\u202etxt\.exe"/)
      assert.match(err.message, /invisible character/)
      return true
    })
  })

  it('accepts names in right-to-left and other scripts, with emoji and accents', () => {
    for (const name of ['שלום.txt', 'مرحبا', 'café', '中文', 'photo \u{1f600}.jpg', 'e\u0301t\u00e9', 'Ünïcödé']) {
      assert.equal(validateManifest(manifest(name)).name, name)
      assert.equal(validateManifest(manifest('share', name)).files[0]!.path, `share/${name}`)
    }
  })

  it('still refuses a collision through an ignorable character that is not a format character (U+034F)', () => {
    assert.equal(pathCollisionKey('share/a\u034fb'), pathCollisionKey('share/ab'))
    const files = [{ path: 'share/ab', size: 1 }, { path: 'share/a\u034fb', size: 1 }]
    assert.throws(() => validateManifest({ version: 1, name: 'share', chunkSize: CHUNK, files, hashes: new Uint8Array(64) }), /collides/)
  })

  it('property: a name accepted by the validator holds no control or format character', () => {
    // eslint-disable-next-line no-control-regex
    const controlOrFormat = /[\u0000-\u001f\u007f-\u009f\p{Cf}\u2028\u2029]/u
    const unit = fc.oneof(fc.constantFrom('a', 'b', '.', ' ', 'é', '\u{1f600}'), fc.integer({ min: 0, max: 0x2100 }).map(c => String.fromCharCode(c)), fc.constantFrom(...INVISIBLE.map(([, c]) => c)))
    fc.assert(fc.property(fc.array(unit, { minLength: 1, maxLength: 12 }).map(a => a.join('')), name => {
      let accepted = true
      try { validateComponentName(name) } catch { accepted = false }
      if (accepted) assert.ok(!controlOrFormat.test(name), JSON.stringify(name))
    }), fuzzParams())
  })
})
