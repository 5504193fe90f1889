import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  chunkCountFor, pathCollisionKey, validateComponentName, validateManifest, validateRelativePath
} from '../../node-core/src/manifest/validate.ts'
import { MANIFEST_LIMITS } from '../../node-core/src/manifest/limits.ts'
import { UnsafePathError } from '../../node-core/src/errors.ts'

const UNSAFE = { name: 'UnsafePathError' }
const INVALID = { name: 'InvalidManifestError' }

/** [description, path] pairs that must be rejected. */
const rejectedPaths: Array<[string, string]> = [
  ['empty', ''],
  ['dot-dot alone', '..'],
  ['dot-dot inside', 'a/../b'],
  ['dot-dot at end', 'a/..'],
  ['dot alone', '.'],
  ['leading dot component', './a'],
  ['dot inside', 'a/./b'],
  ['double slash', 'a//b'],
  ['absolute', '/etc/passwd'],
  ['trailing slash', 'a/b/'],
  ['drive letter with backslash', 'C:\\x'],
  ['drive letter with slash', 'C:/x'],
  ['UNC path', '\\\\server\\share'],
  ['backslash', 'a\\b'],
  ['NTFS alternate stream', 'a/file.txt:stream'],
  ['NUL character', 'a\u0000b'],
  ['newline', 'a\nb'],
  ['tab', 'a\tb'],
  ['DEL', 'a\u007fb'],
  ['C1 control U+0085', 'a\u0085b'],
  ['C1 control U+009F', 'a\u009fb'],
  ['less than', 'a<b'],
  ['greater than', 'a>b'],
  ['double quote', 'a"b'],
  ['pipe', 'a|b'],
  ['question mark', 'a?b'],
  ['asterisk', 'a*b'],
  ['trailing dot', 'a/b.'],
  ['three dots', 'a/...'],
  ['trailing space', 'a/b '],
  ['trailing space on directory', 'a /b'],
  ['reserved nul', 'a/nul'],
  ['reserved CON', 'CON'],
  ['reserved CON with extension', 'a/CON.txt'],
  ['reserved CON with two extensions', 'a/con.txt.bak'],
  ['reserved Com1 with extension', 'a/Com1.txt'],
  ['reserved LPT9', 'a/lpt9'],
  ['reserved COM0', 'a/COM0'],
  ['reserved AUX as directory', 'AUX/b'],
  ['reserved PRN', 'prn.md'],
  ['reserved with space before extension', 'a/nul .txt'],
  ['reserved with two spaces before extension', 'a/nul  .txt'],
  ['reserved superscript COM¹', 'a/COM\u00b9'],
  ['reserved superscript LPT³', 'a/lpt\u00b3.log'],
  ['reserved CONIN$', 'a/CONIN$'],
  ['reserved CONOUT$', 'a/conout$.txt'],
  ['lone high surrogate', 'a/\ud800b'],
  ['lone low surrogate', 'a/b\udc00'],
  ['256-byte component', 'a/' + 'x'.repeat(256)],
  ['256-byte component of 2-byte chars', 'a/' + '\u00e9'.repeat(128)],
  ['256-byte component of 4-byte chars', 'a/' + '\u{1f600}'.repeat(64)],
  ['depth 65', Array(65).fill('a').join('/')],
  ['4097-byte path', Array(17).fill('x'.repeat(240)).join('/') + 'y']
]

/** [description, path] pairs that must be accepted (near misses of the rules above). */
const acceptedPaths: Array<[string, string]> = [
  ['single component', 'a'],
  ['nested', 'a/b/c.txt'],
  ['dots inside a name', 'a..b'],
  ['leading dot (hidden file)', 'a/.gitignore'],
  ['leading dots', 'a/..b'],
  ['leading space', 'a/ b'],
  ['space inside', 'a/b c'],
  ['reserved name as a prefix', 'a/CONSOLE'],
  ['reserved name inside', 'a/xcon.txt'],
  ['reserved name as extension', 'a/file.con'],
  ['COM10 is not reserved', 'a/COM10'],
  ['a name that only ends in a numbered device name', 'a/CONCOM1.txt'],
  ['a space inside a reserved name makes it another name', 'a/COM 1.txt'],
  ['LPT is not reserved', 'a/LPT'],
  ['unicode', 'dossier/\u00e9t\u00e9/\u{1f600}.txt'],
  ['NFD is allowed', 'a/e\u0301'],
  ['255-byte component', 'a/' + 'x'.repeat(255)],
  ['255-byte component with 2-byte chars', 'a/' + '\u00e9'.repeat(127) + 'x'],
  ['depth 64', Array(64).fill('a').join('/')],
  ['4096-byte path', Array(17).fill('x'.repeat(240)).join('/')],
  ['other punctuation', "a/b-c_d (1) [2] {3} #4 %5 &6 '7' ,8 ;9 =10 @11 ~12 !13 $14 ^15 +16 `17"]
]

describe('validateRelativePath', () => {
  for (const [description, path] of rejectedPaths) {
    it(`rejects ${description}`, () => {
      assert.throws(() => validateRelativePath(path), UNSAFE)
    })
  }
  for (const [description, path] of acceptedPaths) {
    it(`accepts ${description}`, () => {
      validateRelativePath(path)
    })
  }

  it('rejects a non-string', () => {
    assert.throws(() => validateRelativePath(42 as unknown as string), UNSAFE)
    assert.throws(() => validateRelativePath(undefined as unknown as string), UNSAFE)
  })

  it('rejects a huge string quickly', () => {
    assert.throws(() => validateRelativePath('a'.repeat(50_000_000)), UNSAFE)
  })

  it('gives a one-line message naming the problem', () => {
    assert.throws(() => validateRelativePath('a/../b'), (err: unknown) => {
      assert.ok(err instanceof UnsafePathError)
      assert.equal(err.message, 'path "a/../b" has a ".." component')
      return true
    })
    assert.throws(() => validateRelativePath('a\nb\u2028c'), (err: unknown) => {
      assert.ok(err instanceof Error)
      assert.doesNotMatch(err.message, /[\n\r\u2028\u2029\u0085]/)
      return true
    })
  })
})

describe('validateComponentName', () => {
  const rejected: Array<[string, string]> = [
    ['empty', ''],
    ['slash', 'a/b'],
    ['leading slash', '/a'],
    ['dot-dot', '..'],
    ['dot-dot traversal', '../x'],
    ['dot', '.'],
    ['backslash', 'a\\b'],
    ['colon', 'C:'],
    ['control character', 'a\u0001'],
    ['trailing dot', 'name.'],
    ['trailing space', 'name '],
    ['reserved', 'Aux.tar.gz'],
    ['lone surrogate', '\udfff'],
    ['256 bytes', 'n'.repeat(256)]
  ]
  for (const [description, name] of rejected) {
    it(`rejects ${description}`, () => {
      assert.throws(() => validateComponentName(name), UNSAFE)
    })
  }
  const accepted: Array<[string, string]> = [
    ['plain', 'photos'],
    ['with extension', 'report.pdf'],
    ['dots inside', 'a..b'],
    ['hidden', '.config'],
    ['255 bytes', 'n'.repeat(255)],
    ['unicode', 'f\u00eate \u{1f389}']
  ]
  for (const [description, name] of accepted) {
    it(`accepts ${description}`, () => {
      validateComponentName(name)
    })
  }
})

describe('pathCollisionKey', () => {
  it('folds case', () => {
    assert.equal(pathCollisionKey('A/Bc'), pathCollisionKey('a/bC'))
  })
  it('folds Unicode normalisation', () => {
    assert.equal(pathCollisionKey('caf\u00e9'), pathCollisionKey('cafe\u0301'))
    assert.equal(pathCollisionKey('CAF\u00c9'), pathCollisionKey('cafe\u0301'))
  })
  it('folds full case mappings', () => {
    assert.equal(pathCollisionKey('stra\u00dfe'), pathCollisionKey('STRASSE'))
    assert.equal(pathCollisionKey('\u03c3'), pathCollisionKey('\u03c2'))
  })
  it('ignores zero-width characters', () => {
    assert.equal(pathCollisionKey('a\u200bb'), pathCollisionKey('ab'))
  })
  it('keeps different names apart', () => {
    assert.notEqual(pathCollisionKey('a/b'), pathCollisionKey('a/c'))
    assert.notEqual(pathCollisionKey('a/b'), pathCollisionKey('ab'))
  })
  it('keys a directory as a prefix of the keys inside it', () => {
    assert.ok(pathCollisionKey('D/\u00c9/x').startsWith(pathCollisionKey('d/e\u0301') + '/'))
  })
})

describe('chunkCountFor', () => {
  const cases: Array<[number, number, number]> = [
    [0, 16384, 0], [1, 16384, 1], [16384, 16384, 1], [16385, 16384, 2], [3 * 16384, 16384, 3]
  ]
  for (const [size, chunkSize, expected] of cases) {
    it(`${size} bytes in ${chunkSize}-byte chunks is ${expected} chunks`, () => {
      assert.equal(chunkCountFor(size, chunkSize), expected)
    })
  }
})

const CHUNK = MANIFEST_LIMITS.minChunkSize

interface TestFile { path: unknown, size: unknown }

function hashesFor (files: Array<{ size: number }>, chunkSize = CHUNK): Uint8Array {
  let chunks = 0
  for (const f of files) chunks += chunkCountFor(f.size, chunkSize)
  return new Uint8Array(chunks * 32)
}

/** A manifest-shaped plain object, as a CBOR decoder would produce it. */
function manifest (name: string, files: TestFile[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  if ('hashes' in overrides) return { version: 1, name, chunkSize: CHUNK, files, ...overrides }
  const sized = files.map(f => ({ size: typeof f?.size === 'number' && Number.isSafeInteger(f.size) && f.size >= 0 ? f.size : 0 }))
  return { version: 1, name, chunkSize: CHUNK, files, hashes: hashesFor(sized), ...overrides }
}

const folder = (): Record<string, unknown> => manifest('share', [
  { path: 'share/a.txt', size: 10 },
  { path: 'share/b/c.bin', size: CHUNK * 2 + 1 },
  { path: 'share/b/empty', size: 0 },
  { path: 'share/\u00e9t\u00e9.txt', size: CHUNK }
])

describe('validateManifest: valid manifests', () => {
  it('accepts a single-file manifest', () => {
    const value = manifest('report.pdf', [{ path: 'report.pdf', size: 100_000 }])
    const m = validateManifest(value)
    assert.equal(m.version, 1)
    assert.equal(m.name, 'report.pdf')
    assert.equal(m.chunkSize, CHUNK)
    assert.deepEqual(m.files, [{ path: 'report.pdf', size: 100_000 }])
    assert.equal(m.hashes.length, 32 * 7)
  })

  it('accepts a folder manifest', () => {
    const m = validateManifest(folder())
    assert.equal(m.files.length, 4)
    assert.equal(m.hashes.length, 32 * (1 + 3 + 0 + 1))
  })

  it('accepts a folder with one file', () => {
    validateManifest(manifest('share', [{ path: 'share/only', size: 1 }]))
  })

  it('accepts a single empty file', () => {
    const m = validateManifest(manifest('empty', [{ path: 'empty', size: 0 }]))
    assert.equal(m.hashes.length, 0)
  })

  it('accepts the largest and smallest chunk sizes', () => {
    for (const chunkSize of [MANIFEST_LIMITS.minChunkSize, MANIFEST_LIMITS.maxChunkSize]) {
      const files = [{ path: 'f', size: 5 * MANIFEST_LIMITS.maxChunkSize }]
      validateManifest(manifest('f', files, { chunkSize, hashes: hashesFor(files, chunkSize) }))
    }
  })

  it('accepts a null-prototype object', () => {
    const value = Object.assign(Object.create(null) as object, folder())
    validateManifest(value)
  })

  it('accepts paths that differ only after a shared prefix (a, a.txt, a/b is not a clash for "a.txt")', () => {
    validateManifest(manifest('s', [
      { path: 's/a b', size: 1 },
      { path: 's/a.txt', size: 1 },
      { path: 's/a/b', size: 1 },
      { path: 's/ab', size: 1 }
    ]))
  })

  it('returns a copy that does not share file objects with the input', () => {
    const value = folder()
    const m = validateManifest(value)
    assert.notEqual(m.files, value.files)
    assert.deepEqual(m.files, value.files)
  })

  it('validates 200,000 files quickly', () => {
    const files: TestFile[] = []
    for (let i = 0; i < MANIFEST_LIMITS.maxFiles; i++) {
      const n = String(i).padStart(6, '0')
      files.push({ path: `big/d${n.slice(0, 3)}/sub/f${n}.dat`, size: 1000 })
    }
    // CPU time, not wall time: on a busy machine (load 45) the wall clock took more than 5 s while
    // this process got a fraction of a core. A quadratic check costs minutes of CPU either way.
    const start = process.cpuUsage()
    validateManifest(manifest('big', files))
    const used = process.cpuUsage(start)
    const ms = (used.user + used.system) / 1000
    assert.ok(ms < 5000, `took ${ms} CPU-ms`)
  })
})

/** [description, value builder] pairs that must be rejected with InvalidManifestError. */
const rejectedManifests: Array<[string, () => unknown]> = [
  ['undefined', () => undefined],
  ['null', () => null],
  ['a number', () => 1],
  ['a string', () => 'manifest'],
  ['an array', () => [folder()]],
  ['bytes', () => new Uint8Array(10)],
  ['a class instance', () => Object.assign(new (class Foo {})(), folder())],
  ['version 2', () => ({ ...folder(), version: 2 })],
  ['version "1"', () => ({ ...folder(), version: '1' })],
  ['an extra key', () => ({ ...folder(), extra: true })],
  ['a missing key (hashes)', () => { const v = folder(); delete v.hashes; return v }],
  ['a missing key (name)', () => { const v = folder(); delete v.name; return v }],
  ['a name that is not a string', () => ({ ...folder(), name: 7 })],
  ['an unsafe name', () => manifest('..', [{ path: '../a', size: 1 }])],
  ['a name with a slash', () => manifest('a/b', [{ path: 'a/b/c', size: 1 }])],
  ['chunkSize not a power of two', () => ({ ...folder(), chunkSize: CHUNK + 1 })],
  ['chunkSize 3 * 2^14', () => ({ ...folder(), chunkSize: 3 * CHUNK })],
  ['chunkSize too small', () => ({ ...folder(), chunkSize: CHUNK / 2 })],
  ['chunkSize too large', () => ({ ...folder(), chunkSize: MANIFEST_LIMITS.maxChunkSize * 2 })],
  ['chunkSize not an integer', () => ({ ...folder(), chunkSize: CHUNK + 0.5 })],
  ['chunkSize a string', () => ({ ...folder(), chunkSize: String(CHUNK) })],
  ['chunkSize 2^40', () => ({ ...folder(), chunkSize: 2 ** 40 })],
  ['files not an array', () => ({ ...folder(), files: { 0: { path: 'share/a', size: 1 } } })],
  ['no files', () => manifest('share', [])],
  ['a file that is not an object', () => manifest('share', ['share/a' as unknown as TestFile])],
  ['a file that is null', () => manifest('share', [null as unknown as TestFile])],
  ['a file with an extra key', () => manifest('share', [{ path: 'share/a', size: 1, mode: 0o755 } as TestFile])],
  ['a file missing size', () => manifest('share', [{ path: 'share/a' } as TestFile])],
  ['a file missing path', () => manifest('share', [{ size: 1 } as TestFile])],
  ['a path that is not a string', () => manifest('share', [{ path: new Uint8Array(3), size: 1 }])],
  ['a non-integer size', () => manifest('share', [{ path: 'share/a', size: 1.5 }])],
  ['a negative size', () => manifest('share', [{ path: 'share/a', size: -1 }])],
  ['an unsafe-integer size', () => manifest('share', [{ path: 'share/a', size: 2 ** 53 }])],
  ['a NaN size', () => manifest('share', [{ path: 'share/a', size: NaN }])],
  ['an infinite size', () => manifest('share', [{ path: 'share/a', size: Infinity }])],
  ['a size as a string', () => manifest('share', [{ path: 'share/a', size: '10' }])],
  ['a bigint size', () => manifest('share', [{ path: 'share/a', size: 10n }])],
  ['an unsafe path', () => manifest('share', [{ path: 'share/../etc/passwd', size: 1 }])],
  ['an absolute path', () => manifest('share', [{ path: '/share/a', size: 1 }])],
  ['a path outside the name prefix', () => manifest('share', [{ path: 'share/a', size: 1 }, { path: 'sharex/b', size: 1 }])],
  ['a path that is a sibling of the share', () => manifest('share', [{ path: 'other/a', size: 1 }, { path: 'share/a', size: 1 }])],
  ['a folder share listing the name itself', () => manifest('share', [{ path: 'share', size: 1 }, { path: 'share/a', size: 1 }])],
  ['a single file whose path differs from the name', () => manifest('a.txt', [{ path: 'b.txt', size: 1 }])],
  ['a single file under a different case', () => manifest('a.txt', [{ path: 'A.txt', size: 1 }])],
  ['files out of order', () => manifest('share', [{ path: 'share/b', size: 1 }, { path: 'share/a', size: 1 }])],
  ['files in UTF-16 rather than UTF-8 order', () => manifest('share', [
    { path: 'share/\u{1f600}', size: 1 }, { path: 'share/\uff41', size: 1 }
  ])],
  ['duplicate paths', () => manifest('share', [{ path: 'share/a', size: 1 }, { path: 'share/a', size: 1 }])],
  ['a case collision (A/x vs a/x)', () => manifest('share', [{ path: 'share/A/x', size: 1 }, { path: 'share/a/x', size: 1 }])],
  ['a case collision in the file name', () => manifest('share', [{ path: 'share/README', size: 1 }, { path: 'share/readme', size: 1 }])],
  ['an NFC vs NFD collision', () => manifest('share', [{ path: 'share/e\u0301', size: 1 }, { path: 'share/\u00e9', size: 1 }])],
  ['a zero-width collision', () => manifest('share', [{ path: 'share/ab', size: 1 }, { path: 'share/a\u200bb', size: 1 }])],
  ['a file that is also a directory', () => manifest('share', [{ path: 'share/d/a', size: 1 }, { path: 'share/d/a/b', size: 1 }])],
  ['a file that is also a deep directory', () => manifest('share', [{ path: 'share/d', size: 1 }, { path: 'share/d/x/y/z', size: 1 }])],
  ['a file that is also a directory under case folding', () => manifest('share', [{ path: 'share/D/a/b', size: 1 }, { path: 'share/d/A', size: 1 }])],
  ['a file that is also a directory under normalisation', () => manifest('share', [{ path: 'share/e\u0301', size: 1 }, { path: 'share/\u00e9/x', size: 1 }])],
  ['hashes one chunk short', () => ({ ...folder(), hashes: new Uint8Array(32 * 4) })],
  ['hashes one chunk long', () => ({ ...folder(), hashes: new Uint8Array(32 * 6) })],
  ['hashes not a multiple of 32', () => ({ ...folder(), hashes: new Uint8Array(32 * 5 + 1) })],
  ['hashes as an array', () => ({ ...folder(), hashes: Array(32 * 5).fill(0) })],
  ['hashes as a string', () => ({ ...folder(), hashes: 'x'.repeat(32 * 5) })],
  ['a total size over the cap', () => manifest('share', [
    { path: 'share/a', size: MANIFEST_LIMITS.maxTotalSize }, { path: 'share/b', size: 1 }
  ], { chunkSize: MANIFEST_LIMITS.maxChunkSize, hashes: new Uint8Array(0) })],
  ['a single size over the cap', () => manifest('f', [{ path: 'f', size: MANIFEST_LIMITS.maxTotalSize + 1 }], { hashes: new Uint8Array(0) })],
  ['too many chunks', () => manifest('f', [{ path: 'f', size: (MANIFEST_LIMITS.maxChunks + 1) * CHUNK }], { hashes: new Uint8Array(0) })],
  ['a huge files array', () => manifest('share', new Array(MANIFEST_LIMITS.maxFiles + 1).fill({ path: 'share/a', size: 1 }), { hashes: new Uint8Array(0) })],
  ['a sparse files array', () => manifest('share', new Array(3) as TestFile[], { hashes: new Uint8Array(0) })]
]

describe('validateManifest: rejections', () => {
  for (const [description, build] of rejectedManifests) {
    it(`rejects ${description}`, () => {
      const value = build()
      assert.throws(() => validateManifest(value), INVALID)
    })
  }

  it('rejects a huge files array before looking at its entries', () => {
    const files = new Array(10_000_000)
    const start = performance.now()
    assert.throws(() => validateManifest(manifest('share', files, { hashes: new Uint8Array(0) })), INVALID)
    assert.ok(performance.now() - start < 100)
  })

  it('wraps an unsafe path as the cause and repeats its message', () => {
    assert.throws(() => validateManifest(manifest('share', [{ path: 'share/a/../b', size: 1 }])), (err: unknown) => {
      assert.ok(err instanceof Error)
      assert.equal(err.name, 'InvalidManifestError')
      assert.ok(err.cause instanceof UnsafePathError)
      assert.ok(err.message.includes(err.cause.message), err.message)
      return true
    })
  })

  it('wraps an unsafe name as the cause', () => {
    assert.throws(() => validateManifest(manifest('CON', [{ path: 'CON', size: 1 }])), (err: unknown) => {
      assert.ok(err instanceof Error)
      assert.equal(err.name, 'InvalidManifestError')
      assert.ok(err.cause instanceof UnsafePathError)
      return true
    })
  })
})

describe('every refusal says what is wrong (messages against validate.test.ts.snapshot)', () => {
  // The messages reach the user as they are, so each one is pinned: a change shows up as a diff of
  // the snapshot file, to be read and accepted with `node --test --test-update-snapshots`.
  const messageOf = (f: () => unknown): string => {
    try { f() } catch (err) { return `${(err as Error).name}: ${(err as Error).message}` }
    return 'accepted'
  }
  it('paths', (t) => {
    t.assert.snapshot(Object.fromEntries(rejectedPaths.map(([d, p]) => [d, messageOf(() => validateRelativePath(p))])))
  })
  it('paths that are not strings, quoted text cut at 120 characters, escapes', (t) => {
    t.assert.snapshot([
      messageOf(() => validateRelativePath(42 as unknown as string)),
      messageOf(() => validateRelativePath(null as unknown as string)),
      messageOf(() => validateRelativePath('p'.repeat(120) + '/..')),
      messageOf(() => validateRelativePath('p'.repeat(117) + '/..')),
      messageOf(() => validateRelativePath('p'.repeat(119) + '"/..')),
      messageOf(() => validateRelativePath('a\u202eb\u200b\u2028c\\d\u0000\u{e0001}/..')),
      messageOf(() => validateRelativePath(`${'a/'.repeat(64)}b`))
    ])
  })
  it('component names', (t) => {
    t.assert.snapshot(['', 'a/b', '..', '.', 'a\\b', 'C:', 'a\u0001', 'name.', 'name ', 'Aux.tar.gz', 'COM\u00b2', '\udfff', 'n'.repeat(256), 'a\u200db', '<', '>', '|', '?', '*', '"', '\u0085']
      .map(name => messageOf(() => validateComponentName(name))))
  })
  it('a single file of exactly the size cap passes the size checks (and fails on its hashes, not given)', () => {
    const { maxTotalSize, maxChunkSize, maxChunks } = MANIFEST_LIMITS
    assert.equal(maxTotalSize / maxChunkSize, maxChunks)
    const atCap = manifest('f', [{ path: 'f', size: maxTotalSize }], { chunkSize: maxChunkSize, hashes: new Uint8Array(0) })
    assert.equal(messageOf(() => validateManifest(atCap)), `InvalidManifestError: manifest hashes is 0 bytes, expected ${maxChunks * 32} (${maxChunks} chunks of 32 bytes)`)
  })
  it('manifests', (t) => {
    t.assert.snapshot(Object.fromEntries(rejectedManifests.map(([d, build]) => [d, messageOf(() => validateManifest(build()))])))
  })
})
