/**
 * The fixed mutants of `npm run test:mutation` (test/mutation/run.ts): one-line changes to five
 * defences, each the kind of slip a refactoring makes (a flipped comparison, a dropped `Math.min`,
 * a skipped check, an early return). `from` must occur exactly once in `file`; it is replaced by
 * `to`. Each defence lists its test files in stages: the unit tests first, and, for a mutant that
 * survives them, the integration tests that exercise the defence through real processes.
 */

export interface Mutant {
  /** Short id, unique within its defence. */
  readonly id: string
  /** Path from the repository root. */
  readonly file: string
  readonly from: string
  readonly to: string
  /** What the mutant breaks, in words. */
  readonly what: string
}

export interface Defence {
  readonly title: string
  /** Test files per stage: a stage runs only for the mutants that survived the one before. */
  readonly stages: ReadonlyArray<readonly string[]>
  readonly mutants: readonly Mutant[]
}

const PARTIAL = 'node-core/src/storage/partial-download.ts'
const HANDLES = 'node-core/src/storage/file-handles.ts'
const DOWNLOAD = 'node-core/src/scheduler/download.ts'
const SEEDED = 'node-core/src/storage/seeded-share.ts'
const VALIDATE = 'node-core/src/manifest/validate.ts'
const UPLOADS = 'node-core/src/web/uploads.ts'
const GUARD = 'node-core/src/web/request-guard.ts'
const TOKEN = 'node-core/src/web/web-token.ts'
const SERVER = 'node-core/src/web/web-server.ts'
const BUCKET = 'node-core/src/bandwidth/token-bucket.ts'

export const DEFENCES: Record<string, Defence> = {
  'chunk-hash': {
    title: 'chunk hash check (a chunk is written or served only if it matches the manifest)',
    stages: [
      ['test/unit/partial-download.test.ts', 'test/unit/seeded-share.test.ts', 'test/unit/source-tally.test.ts', 'test/unit/peer-score.test.ts'],
      ['test/integration/hostile.test.ts']
    ],
    mutants: [
      { id: 'write-no-hash', file: PARTIAL, from: 'if (data.byteLength !== loc.length || !bytesEqual(sha256(data), this.layout.hashOf(index))) return \'bad\'', to: 'if (data.byteLength !== loc.length) return \'bad\'', what: 'writeChunk checks only the length, not the hash' },
      { id: 'write-no-length', file: PARTIAL, from: 'if (data.byteLength !== loc.length || !bytesEqual(sha256(data), this.layout.hashOf(index))) return \'bad\'', to: 'if (!bytesEqual(sha256(data), this.layout.hashOf(index))) return \'bad\'', what: 'writeChunk checks only the hash, not the length' },
      { id: 'write-flip', file: PARTIAL, from: 'if (data.byteLength !== loc.length || !bytesEqual(sha256(data), this.layout.hashOf(index))) return \'bad\'', to: 'if (data.byteLength !== loc.length || bytesEqual(sha256(data), this.layout.hashOf(index))) return \'bad\'', what: 'writeChunk refuses good chunks and takes bad ones' },
      { id: 'write-wrong-index', file: PARTIAL, from: 'if (data.byteLength !== loc.length || !bytesEqual(sha256(data), this.layout.hashOf(index))) return \'bad\'', to: 'if (data.byteLength !== loc.length || !bytesEqual(sha256(data), this.layout.hashOf(Math.max(0, index - 1)))) return \'bad\'', what: 'writeChunk compares with the previous chunk\'s hash' },
      { id: 'write-bad-first', file: PARTIAL, from: 'if (this.have.has(index) || this.#writing.has(index)) return \'duplicate\'', to: 'if (this.have.has(index) || this.#writing.has(index) || index >= 0) return \'duplicate\'', what: 'writeChunk reports every chunk as a duplicate (nothing is written)' },
      { id: 'equal-length-only', file: HANDLES, from: 'return a.length === b.length && Buffer.compare(a, b) === 0', to: 'return a.length === b.length', what: 'bytesEqual compares lengths only (every 32-byte hash matches)' },
      { id: 'equal-or', file: HANDLES, from: 'return a.length === b.length && Buffer.compare(a, b) === 0', to: 'return a.length === b.length || Buffer.compare(a, b) === 0', what: 'bytesEqual with || instead of &&' },
      { id: 'read-no-hash', file: PARTIAL, from: 'if (!bytesEqual(sha256(data), this.layout.hashOf(index))) throw new ChunkUnavailableError(`chunk ${index} on disk does not match its hash`)', to: 'if (data.length < 0) throw new ChunkUnavailableError(`chunk ${index} on disk does not match its hash`)', what: 'readChunk serves a downloaded chunk damaged on disk' },
      { id: 'seed-no-hash', file: SEEDED, from: 'if (!bytesEqual(sha256(data), this.layout.hashOf(index))) this.#markChanged(', to: 'if (data.length < 0) this.#markChanged(', what: 'a seeder serves a chunk of a file changed on disk' },
      { id: 'bad-not-counted', file: DOWNLOAD, from: '      source.tally.badChunks++\n', to: '\n', what: 'a source sending bad chunks is never dropped' },
      { id: 'bad-as-good', file: DOWNLOAD, from: '    if (result === \'bad\') {', to: '    if (result === \'bad\' && index < 0) {', what: 'a bad chunk is counted as received from its source' }
    ]
  },
  'path-safety': {
    title: 'path safety (manifest paths, upload paths, no writing through links)',
    stages: [
      ['test/unit/validate.test.ts', 'test/unit/validate-invisible.test.ts', 'test/unit/fuzz-manifest.test.ts', 'test/unit/link.test.ts', 'test/unit/partial-download.test.ts'],
      ['test/integration/paths.test.ts', 'test/integration/web.test.ts']
    ],
    mutants: [
      { id: 'absolute', file: VALIDATE, from: 'if (path.startsWith(\'/\')) throw', to: 'if (path.startsWith(\'//\')) throw', what: 'an absolute path "/etc/x" passes' },
      { id: 'dotdot', file: VALIDATE, from: 'if (component === \'.\' || component === \'..\') throw', to: 'if (component === \'.\') throw', what: 'a ".." component passes validateRelativePath' },
      { id: 'dotdot-name', file: VALIDATE, from: 'if (component === \'.\' || component === \'..\') return', to: 'if (component === \'.\') return', what: 'a ".." name passes validateComponentName (link and manifest names)' },
      { id: 'backslash', file: VALIDATE, from: 'const FORBIDDEN_CHAR = /[\\u0000-\\u001f\\u007f-\\u009f\\\\<>:"|?*]/', to: 'const FORBIDDEN_CHAR = /[\\u0000-\\u001f\\u007f-\\u009f<>:"|?*]/', what: 'a backslash ("..\\x" on Windows) passes' },
      { id: 'empty-component', file: VALIDATE, from: 'if (component === \'\') throw', to: 'if (component === \'\' && path.length < 0) throw', what: 'an empty component "a//b" passes' },
      { id: 'outside-share', file: VALIDATE, from: 'const prefix = name + \'/\'', to: 'const prefix = name', what: 'a file "pkgx/f" passes in a share named "pkg"' },
      { id: 'collision', file: VALIDATE, from: 'if (clash != null) throw', to: 'if (clash != null && clash === path) throw', what: 'two paths differing only in case both pass' },
      { id: 'file-and-dir', file: VALIDATE, from: 'if (dir != null) throw', to: 'if (dir != null && dir === path) throw', what: 'a path that is both a file and a folder passes' },
      { id: 'reserved', file: VALIDATE, from: 'if (RESERVED_NAMES.has(stem) || RESERVED_NUMBERED.test(stem)) return', to: 'if (RESERVED_NAMES.has(component) || RESERVED_NUMBERED.test(stem)) return', what: 'a Windows device name with an extension ("CON.txt") passes' },
      { id: 'link-dir', file: PARTIAL, from: 'if (!s.isDirectory()) throw new SwarmdropError(\'unsafe-path\'', to: 'if (!s.isDirectory() && !s.isSymbolicLink()) throw new SwarmdropError(\'unsafe-path\'', what: 'downloads write through a symbolic link planted as a folder' },
      { id: 'link-part', file: PARTIAL, from: 'if (s != null && !s.isFile()) throw', to: 'if (s != null && s.isDirectory()) throw', what: 'a part file that is a symbolic link is written through' },
      { id: 'upload-path', file: UPLOADS, from: '    validateRelativePath(path)\n', to: '\n', what: 'an upload\'s path is not validated ("../x")' },
      { id: 'upload-link', file: UPLOADS, from: 'if (!s.isDirectory()) throw new UnsafePathError(`${dir} is', to: 'if (!s.isDirectory() && !s.isSymbolicLink()) throw new UnsafePathError(`${dir} is', what: 'uploads write through a symbolic link planted as a folder' }
    ]
  },
  'web-guard': {
    title: 'web Host/Origin guard and token check',
    stages: [
      ['test/unit/web-guard.test.ts', 'test/unit/fuzz-web.test.ts'],
      ['test/integration/web.test.ts']
    ],
    mutants: [
      { id: 'no-host', file: GUARD, from: 'if (host == null || !allowedHosts(port).includes(host.toLowerCase())) {', to: 'if (host != null && !allowedHosts(port).includes(host.toLowerCase())) {', what: 'a request without a Host header passes' },
      { id: 'host-prefix', file: GUARD, from: 'if (host == null || !allowedHosts(port).includes(host.toLowerCase())) {', to: 'if (host == null || !allowedHosts(port).some(h => host.toLowerCase().startsWith(h))) {', what: 'Host "127.0.0.1:7717.evil.example" passes (prefix match)' },
      { id: 'host-any-port', file: GUARD, from: 'if (host == null || !allowedHosts(port).includes(host.toLowerCase())) {', to: 'if (host == null || !allowedHosts(port).some(h => host.toLowerCase().split(\':\')[0] === h.split(\':\')[0])) {', what: 'the Host\'s port is not checked' },
      { id: 'origin-skip', file: GUARD, from: 'if (origin != null && !allowedOrigins(port).includes(origin.toLowerCase())) {', to: 'if (origin == null && !allowedOrigins(port).includes(origin!.toLowerCase())) {', what: 'any Origin passes' },
      { id: 'origin-prefix', file: GUARD, from: 'if (origin != null && !allowedOrigins(port).includes(origin.toLowerCase())) {', to: 'if (origin != null && !allowedOrigins(port).some(o => origin.toLowerCase().startsWith(o))) {', what: 'Origin "http://127.0.0.1:7717.evil.example" passes' },
      { id: 'bearer-flip', file: GUARD, from: 'return tokenMatches(token, match?.[1]) ? null : {', to: 'return !tokenMatches(token, match?.[1]) ? null : {', what: 'checkBearer refuses the right token and takes any other' },
      { id: 'bearer-unanchored', file: GUARD, from: '/^Bearer ([^\\s]+)$/', to: '/Bearer ([^\\s]+)/', what: 'the Authorization header is not matched whole' },
      { id: 'socket-token', file: GUARD, from: 'if (!tokenMatches(token, presented)) return', to: 'if (presented == null) return', what: 'a WebSocket with any token subprotocol passes' },
      { id: 'token-prefix', file: TOKEN, from: 'if (presented == null || presented === \'\') return false', to: 'if (presented == null || presented === \'\') return false; if (expected.startsWith(presented)) return true', what: 'a prefix of the token is accepted' },
      { id: 'token-length', file: TOKEN, from: 'return timingSafeEqual(a, b)', to: 'return a.length === b.length', what: 'any non-empty token is accepted' },
      { id: 'server-no-host', file: SERVER, from: 'if (refused != null) return refuse(res, refused.status, refused.reason)', to: 'if (refused != null && refused.status !== 403) return refuse(res, refused.status, refused.reason)', what: 'the server ignores the Host/Origin refusal on HTTP requests' },
      { id: 'server-no-bearer', file: SERVER, from: 'if (unauthorized != null) return refuse(', to: 'if (unauthorized != null && path === UPLOADS_SHARE) return refuse(', what: 'uploads are accepted without the token' },
      { id: 'upgrade-no-guard', file: SERVER, from: ': checkHostAndOrigin(req.headers, port) ?? checkSocketToken(req.headers, token) ??', to: ': checkSocketToken(req.headers, token) ??', what: 'a WebSocket upgrade skips the Host/Origin check' }
    ]
  },
  'token-bucket': {
    title: 'upload token bucket, burst limit included',
    stages: [
      ['test/unit/token-bucket.test.ts']
    ],
    mutants: [
      { id: 'no-burst-cap', file: BUCKET, from: 'this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#rate / 1000)', to: 'this.#tokens = this.#tokens + elapsed * this.#rate / 1000', what: 'idle time fills the bucket without limit (the issue 17 finding)' },
      { id: 'refill-10x', file: BUCKET, from: 'this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#rate / 1000)', to: 'this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#rate / 100)', what: 'tokens refill ten times too fast' },
      { id: 'no-debt', file: BUCKET, from: '    this.#tokens -= bytes\n', to: '    this.#tokens -= Math.min(bytes, this.#burst)\n', what: 'a take larger than the burst leaves no debt' },
      { id: 'no-take', file: BUCKET, from: '    this.#tokens -= bytes\n', to: '    this.#tokens -= bytes > 0 ? 0 : bytes\n', what: 'a take costs nothing' },
      { id: 'big-never', file: BUCKET, from: 'if (this.#tokens < Math.min(bytes, this.#burst)) return false', to: 'if (this.#tokens < bytes) return false', what: 'a take larger than the burst never passes' },
      { id: 'pass-negative', file: BUCKET, from: 'if (this.#tokens < Math.min(bytes, this.#burst)) return false', to: 'if (this.#tokens < 0) return false', what: 'a take passes whenever the bucket is not in debt' },
      { id: 'burst-no-floor', file: BUCKET, from: 'return Math.max(rate * BURST_SECONDS, MIN_BURST)', to: 'return rate * BURST_SECONDS', what: 'no 64 KiB floor on the burst at a low rate' },
      { id: 'burst-1s', file: BUCKET, from: 'return Math.max(rate * BURST_SECONDS, MIN_BURST)', to: 'return Math.max(rate, MIN_BURST)', what: 'the burst is a second at the rate, not a quarter' },
      { id: 'setrate-keep-tokens', file: BUCKET, from: '      this.#tokens = Math.min(this.#tokens, this.#burst)\n', to: '\n', what: 'lowering the rate keeps tokens above the new burst' },
      { id: 'setrate-no-refill', file: BUCKET, from: 'if (!wasUnlimited) this.#refill() // tokens earned', to: 'if (wasUnlimited) this.#refill() // tokens earned', what: 'time before setRate is credited at the new rate' },
      { id: 'queue-jump', file: BUCKET, from: 'if (this.#queue.length === 0 && this.#tryPass(bytes)) return Promise.resolve()', to: 'if (this.#tryPass(bytes)) return Promise.resolve()', what: 'a small take jumps ahead of one already waiting (not FIFO)' },
      { id: 'aborted-queued', file: BUCKET, from: 'if (signal?.aborted === true) return Promise.reject(signal.reason)', to: 'if (signal?.aborted === true && bytes < 0) return Promise.reject(signal.reason)', what: 'a take with an already aborted signal is queued and takes tokens' },
      { id: 'abort-stays', file: BUCKET, from: '          this.#queue.splice(at, 1)\n', to: '\n', what: 'an aborted waiter stays in the queue and takes tokens' },
      { id: 'sleep-short', file: BUCKET, from: 'const ms = Math.max(1, Math.ceil(need * 1000 / this.#rate - 1e-9))', to: 'const ms = Math.max(1, Math.ceil(need * 100 / this.#rate - 1e-9))', what: 'the head sleeps a tenth of the time it needs' }
    ]
  },
  'resume-recheck': {
    title: 'resume: re-check of partial files that cannot be trusted',
    stages: [
      ['test/unit/partial-download.test.ts', 'test/unit/large-file.test.ts'],
      ['test/integration/crash.test.ts', 'test/integration/storage.test.ts']
    ],
    mutants: [
      { id: 'resized-trusted', file: PARTIAL, from: 'else if (s.size !== size || trusted == null) recheck.push({ fileIndex: i, path })', to: 'else if (trusted == null) recheck.push({ fileIndex: i, path })', what: 'a part file of the wrong size keeps its recorded chunks' },
      { id: 'lost-not-rechecked', file: PARTIAL, from: 'else if (s.size !== size || trusted == null) recheck.push({ fileIndex: i, path })', to: 'else if (s.size !== size) recheck.push({ fileIndex: i, path })', what: 'with the record lost, part files are not re-checked (all downloaded again)' },
      { id: 'recheck-and-trust', file: PARTIAL, from: 'if (!rechecked.has(file) && !fresh.has(file) && trusted?.has(i) === true) d.have.set(i)', to: 'if (!fresh.has(file) && trusted?.has(i) === true) d.have.set(i)', what: 're-checked files also keep their recorded chunks' },
      { id: 'fresh-trusted', file: PARTIAL, from: 'if (!rechecked.has(file) && !fresh.has(file) && trusted?.has(i) === true) d.have.set(i)', to: 'if (!rechecked.has(file) && trusted?.has(i) === true) d.have.set(i)', what: 'a missing part file keeps the chunks an old record gives it' },
      { id: 'trust-all', file: PARTIAL, from: 'if (!rechecked.has(file) && !fresh.has(file) && trusted?.has(i) === true) d.have.set(i)', to: 'if (!rechecked.has(file) && !fresh.has(file) && trusted?.has(i) !== false) d.have.set(i)', what: 'with no record, every chunk of an untouched file counts as verified' },
      { id: 'recheck-no-hash', file: PARTIAL, from: 'if (bytesEqual(sha256(data), this.layout.hashOf(i))) this.have.set(i)', to: 'if (data.length >= 0) this.have.set(i)', what: 're-check marks every chunk without hashing it' },
      { id: 'recheck-skip-last', file: PARTIAL, from: 'for (let i = this.layout.firstChunk[fileIndex]!; i < this.layout.firstChunk[fileIndex + 1]!; i++) {', to: 'for (let i = this.layout.firstChunk[fileIndex]!; i < this.layout.firstChunk[fileIndex + 1]! - 1; i++) {', what: 're-check skips the last chunk of each file' },
      { id: 'no-commit', file: PARTIAL, from: 'if (recheck.length > 0) await d.commit()', to: 'if (recheck.length < 0) await d.commit()', what: 'the re-check result is not recorded (the stale record comes back on the next open)' },
      { id: 'moved-unchecked', file: PARTIAL, from: 'if (!d.#fileComplete(fileIndex)) { // not our file', to: 'if (!d.#fileComplete(fileIndex) && fileIndex < 0) { // not our file', what: 'a file already at the target that is not ours is taken as a moved part' },
      { id: 'moved-any-size', file: PARTIAL, from: 'if (t?.isFile() === true && t.size === size) { recheck.push', to: 'if (t?.isFile() === true) { recheck.push', what: 'a file of another size at the target is taken as a moved part' },
      { id: 'no-truncate', file: PARTIAL, from: 'try { await fh.truncate(size) } finally { await fh.close() }', to: 'try { if (s == null) await fh.truncate(size) } finally { await fh.close() }', what: 'a part file of the wrong size is not resized' }
    ]
  }
}
