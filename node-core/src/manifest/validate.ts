/**
 * Validation of everything that names a file: the single path validator used at every entry point
 * (manifests from peers, link names, API calls) and the full structural check of a decoded
 * manifest. Everything here treats its input as hostile.
 */
import { Buffer } from 'node:buffer'
import { firstNonPrinting } from '../contract/display-text.ts'
import { InvalidManifestError, UnsafePathError } from '../errors.ts'
import { MANIFEST_LIMITS } from './limits.ts'
import { HASH_BYTES } from './types.ts'
import type { Manifest, ManifestFile } from './types.ts'

/**
 * Characters that are never allowed anywhere in a path: C0 and C1 control characters, DEL, the
 * backslash and the characters Windows forbids in file names (`<>:"|?*`).
 */
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHAR = /[\u0000-\u001f\u007f-\u009f\\<>:"|?*]/

/** Device names Windows reserves in every directory, with or without an extension. */
const RESERVED_NAMES = new Set(['CON', 'PRN', 'AUX', 'NUL', 'CONIN$', 'CONOUT$'])
const RESERVED_NUMBERED = /^(?:COM|LPT)[0-9\u00b9\u00b2\u00b3]$/
/** Cheap pre-check: the start every reserved name has. */
const RESERVED_START = /^(?:CON|PRN|AUX|NUL|COM|LPT)/i

/**
 * Characters escaped when a string is quoted in a message: quotes, backslashes, control and format
 * characters (those that hide or reorder text), separators and (with the `u` flag, only unpaired)
 * surrogates.
 */
const ESCAPE_IN_MESSAGE = /["\\\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu
const MAX_QUOTED = 120

/** Quotes a string for an error message: one line, no invisible or control characters, bounded length. */
function quote (s: string): string {
  let body = s.length > MAX_QUOTED ? s.slice(0, MAX_QUOTED) : s
  body = body.replace(ESCAPE_IN_MESSAGE, (c) => {
    if (c === '"') return '\\"'
    if (c === '\\') return '\\\\'
    const code = c.codePointAt(0)!
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
  return `"${body}${s.length > MAX_QUOTED ? '…' : ''}"`
}

function codePoint (c: string): string {
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`
}

/** True if `s` is longer than `max` UTF-8 bytes. Each UTF-16 code unit is 1 to 3 bytes, so most strings need no encoding. */
function longerThan (s: string, max: number): boolean {
  if (s.length > max) return true
  if (s.length * 3 <= max) return false
  return Buffer.byteLength(s, 'utf8') > max
}

/** Describes why a character from FORBIDDEN_CHAR is not allowed. */
function describeForbiddenChar (c: string): string {
  if (c === '\\') return 'a backslash'
  if (c === ':') return 'a ":" (drive letters and alternate data streams are not allowed)'
  const code = c.charCodeAt(0)
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return `control character ${codePoint(c)}`
  return `${quote(c)}, which is not allowed in Windows file names`
}

/**
 * Checks the rules that apply to a single component (already known to be well-formed, free of
 * forbidden characters and of `/`). Returns the problem as a phrase about the component, or
 * undefined when it is fine.
 */
function componentProblem (component: string): string | undefined {
  if (component === '.' || component === '..') return `is ${quote(component)}`
  if (longerThan(component, MANIFEST_LIMITS.maxComponentBytes)) {
    return `is longer than ${MANIFEST_LIMITS.maxComponentBytes} UTF-8 bytes`
  }
  if (component.endsWith('.')) return 'ends with a dot'
  if (component.endsWith(' ')) return 'ends with a space'
  if (!RESERVED_START.test(component)) return undefined
  const dot = component.indexOf('.')
  const stem = (dot === -1 ? component : component.slice(0, dot)).replace(/ +$/, '').toUpperCase()
  if (RESERVED_NAMES.has(stem) || RESERVED_NUMBERED.test(stem)) return `is a Windows-reserved device name (${stem})`
  return undefined
}

/** Checks what applies to the whole string: type, emptiness, Unicode and forbidden characters. */
function checkString (value: unknown, what: string, maxBytes: number): string {
  if (typeof value !== 'string') throw new UnsafePathError(`${what} is not a string (got ${describeType(value)})`)
  if (value.length === 0) throw new UnsafePathError(`${what} is empty`)
  if (longerThan(value, maxBytes)) {
    throw new UnsafePathError(`${what} ${quote(value)} is longer than ${maxBytes} UTF-8 bytes`)
  }
  if (!value.isWellFormed()) throw new UnsafePathError(`${what} ${quote(value)} is not well-formed Unicode (it has a lone surrogate)`)
  const bad = FORBIDDEN_CHAR.exec(value)
  if (bad != null) throw new UnsafePathError(`${what} ${quote(value)} contains ${describeForbiddenChar(bad[0])}`)
  const invisible = firstNonPrinting(value)
  if (invisible != null) {
    throw new UnsafePathError(`${what} ${quote(value)} contains the invisible character ${codePoint(invisible)} (a format character or separator: bidi and zero-width characters can disguise a name)`)
  }
  return value
}

/**
 * Throws UnsafePathError unless `path` is a safe relative `/`-separated path: non-empty, at most
 * maxPathBytes UTF-8 bytes and maxDepth components, each component non-empty, not `.` or `..`, at
 * most maxComponentBytes, not ending in a dot or space and not a Windows device name; no
 * backslash, `:`, control characters or other characters Windows forbids; no format characters
 * (Unicode Cf: bidi overrides and isolates, zero-width characters) or line/paragraph separators;
 * well-formed Unicode.
 */
export function validateRelativePath (path: string): void {
  checkString(path, 'path', MANIFEST_LIMITS.maxPathBytes)
  if (path.startsWith('/')) throw new UnsafePathError(`path ${quote(path)} is absolute (starts with "/")`)
  if (path.endsWith('/')) throw new UnsafePathError(`path ${quote(path)} ends with "/"`)
  const components = path.split('/')
  if (components.length > MANIFEST_LIMITS.maxDepth) {
    throw new UnsafePathError(`path ${quote(path)} is ${components.length} components deep (at most ${MANIFEST_LIMITS.maxDepth})`)
  }
  for (const component of components) {
    if (component === '') throw new UnsafePathError(`path ${quote(path)} has an empty component ("//")`)
    if (component === '.' || component === '..') throw new UnsafePathError(`path ${quote(path)} has a ${quote(component)} component`)
    const problem = componentProblem(component)
    if (problem != null) throw new UnsafePathError(`path ${quote(path)} has a component ${quote(component)} that ${problem}`)
  }
}

/** Same rules as validateRelativePath, for a single component (a file or folder name, no `/`). */
export function validateComponentName (name: string): void {
  checkString(name, 'name', MANIFEST_LIMITS.maxComponentBytes)
  if (name.includes('/')) throw new UnsafePathError(`name ${quote(name)} contains "/"`)
  const problem = componentProblem(name)
  if (problem != null) throw new UnsafePathError(`name ${quote(name)} ${problem}`)
}

const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/

function componentCollisionKey (component: string): string {
  return component.normalize('NFC').replace(IGNORABLE, '').toUpperCase().toLowerCase().normalize('NFC')
}

/**
 * A key under which two paths are equal if they could name the same file on a case-insensitive or
 * Unicode-normalising file system (NTFS, APFS, HFS+): NFC, ignorable code points (zero-width
 * characters, which HFS+ ignores) removed, full case folding. Computed per component, so the key
 * of a directory is a `/`-prefix of the keys of the paths inside it.
 */
export function pathCollisionKey (path: string): string {
  // Printable ASCII has no ignorable characters, is already NFC and folds by plain lower-casing.
  if (PRINTABLE_ASCII.test(path)) return path.toLowerCase()
  return path.split('/').map(componentCollisionKey).join('/')
}

/** Number of chunks of a file of `size` bytes: ceil(size / chunkSize), 0 for an empty file. */
export function chunkCountFor (size: number, chunkSize: number): number {
  return Math.ceil(size / chunkSize)
}

function describeType (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (value instanceof Uint8Array) return 'bytes'
  return typeof value
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function checkKeys (value: Record<string, unknown>, expected: readonly string[], what: string): void {
  const keys = Object.keys(value)
  for (const key of keys) {
    if (!expected.includes(key)) throw new InvalidManifestError(`${what} has an unknown key ${quote(key)}`)
  }
  for (const key of expected) {
    if (!Object.hasOwn(value, key)) throw new InvalidManifestError(`${what} is missing the key ${quote(key)}`)
  }
}

function pathError (err: unknown, what: string): never {
  if (err instanceof UnsafePathError) throw new InvalidManifestError(`${what}: ${err.message}`, { cause: err })
  throw err
}

const MANIFEST_KEYS = ['version', 'name', 'chunkSize', 'files', 'hashes'] as const
const FILE_KEYS = ['path', 'size'] as const

/**
 * Checks a freshly decoded manifest (any value, possibly hostile) against every rule and cap and
 * returns it as a Manifest: a fresh copy, each field read once. Throws InvalidManifestError.
 */
export function validateManifest (value: unknown): Manifest {
  if (!isPlainObject(value)) throw new InvalidManifestError(`manifest is not a map (got ${describeType(value)})`)
  checkKeys(value, MANIFEST_KEYS, 'manifest')
  const { version, name, chunkSize, files, hashes } = value

  if (typeof version !== 'number') throw new InvalidManifestError(`manifest version is not a number (got ${describeType(version)})`)
  if (version !== 1) throw new InvalidManifestError(`manifest version ${version} is not supported (expected 1)`)

  if (typeof name !== 'string') throw new InvalidManifestError(`manifest name is not a string (got ${describeType(name)})`)
  try {
    validateComponentName(name)
  } catch (err) {
    pathError(err, 'manifest name is unsafe')
  }

  const { minChunkSize, maxChunkSize, maxFiles, maxTotalSize, maxChunks } = MANIFEST_LIMITS
  if (typeof chunkSize !== 'number' || !Number.isSafeInteger(chunkSize)) {
    throw new InvalidManifestError(`manifest chunkSize is not an integer (got ${typeof chunkSize === 'number' ? chunkSize : describeType(chunkSize)})`)
  }
  if (chunkSize < minChunkSize || chunkSize > maxChunkSize) {
    throw new InvalidManifestError(`manifest chunkSize ${chunkSize} is outside ${minChunkSize}..${maxChunkSize}`)
  }
  // In range, chunkSize < 2^31, so the bitwise test is exact.
  if ((chunkSize & (chunkSize - 1)) !== 0) throw new InvalidManifestError(`manifest chunkSize ${chunkSize} is not a power of two`)

  if (!Array.isArray(files)) throw new InvalidManifestError(`manifest files is not an array (got ${describeType(files)})`)
  const fileCount = files.length
  if (fileCount === 0) throw new InvalidManifestError('manifest has no files')
  if (fileCount > maxFiles) throw new InvalidManifestError(`manifest has ${fileCount} files (at most ${maxFiles})`)

  const single = fileCount === 1
  const prefix = name + '/'
  const out: ManifestFile[] = []
  const keys = new Map<string, string>()
  let previous: Buffer | undefined
  let previousPath = ''
  let totalSize = 0
  let totalChunks = 0

  for (let i = 0; i < fileCount; i++) {
    const file: unknown = files[i]
    const what = `manifest file ${i}`
    if (!isPlainObject(file)) throw new InvalidManifestError(`${what} is not a map (got ${describeType(file)})`)
    checkKeys(file, FILE_KEYS, what)
    const { path, size } = file
    if (typeof path !== 'string') throw new InvalidManifestError(`${what} path is not a string (got ${describeType(path)})`)
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      throw new InvalidManifestError(`${what} (${quote(path)}) size is not a non-negative safe integer (got ${typeof size === 'number' ? size : describeType(size)})`)
    }
    try {
      validateRelativePath(path)
    } catch (err) {
      pathError(err, `${what} has an unsafe path`)
    }
    if (!(single && path === name) && !path.startsWith(prefix)) {
      throw new InvalidManifestError(single
        ? `${what} path ${quote(path)} is neither the share name ${quote(name)} nor inside it`
        : `${what} path ${quote(path)} is not inside the share folder ${quote(name)}`)
    }

    const bytes = Buffer.from(path, 'utf8')
    if (previous != null) {
      const order = Buffer.compare(previous, bytes)
      if (order === 0) throw new InvalidManifestError(`${what} path ${quote(path)} is listed twice`)
      if (order > 0) throw new InvalidManifestError(`${what} path ${quote(path)} is out of order (after ${quote(previousPath)})`)
    }
    previous = bytes
    previousPath = path

    const key = pathCollisionKey(path)
    const clash = keys.get(key)
    if (clash != null) throw new InvalidManifestError(`${what} path ${quote(path)} collides with ${quote(clash)} on case-insensitive or normalising file systems`)
    keys.set(key, path)

    if (size > maxTotalSize || totalSize + size > maxTotalSize) {
      throw new InvalidManifestError(`manifest total size exceeds ${maxTotalSize} bytes (at file ${i}, ${quote(path)})`)
    }
    totalSize += size
    totalChunks += chunkCountFor(size, chunkSize)
    if (totalChunks > maxChunks) throw new InvalidManifestError(`manifest has more than ${maxChunks} chunks (at file ${i}, ${quote(path)})`)

    out.push({ path, size })
  }

  // A path that is a file must not also be a directory of another path, under collision keys too.
  for (const [key, path] of keys) {
    let end = key.indexOf('/')
    while (end !== -1) {
      const dir = keys.get(key.slice(0, end))
      if (dir != null) throw new InvalidManifestError(`manifest path ${quote(dir)} is a file but also a directory of ${quote(path)}`)
      end = key.indexOf('/', end + 1)
    }
  }

  if (!(hashes instanceof Uint8Array)) throw new InvalidManifestError(`manifest hashes is not a byte string (got ${describeType(hashes)})`)
  const expected = totalChunks * HASH_BYTES
  if (hashes.length !== expected) {
    throw new InvalidManifestError(`manifest hashes is ${hashes.length} bytes, expected ${expected} (${totalChunks} chunks of ${HASH_BYTES} bytes)`)
  }

  return { version: 1, name, chunkSize, files: out, hashes }
}
