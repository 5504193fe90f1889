import { createReadStream } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import { extname, join, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { logger } from '../log/logger.ts'

const log = logger('swarmdrop:web')
import type { ServerResponse } from 'node:http'

/** The built renderer, relative to the package root (not the working directory). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../renderer/dist', import.meta.url))

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json'
}

export function contentTypeOf (path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream'
}

/** Where a URL path leads in the static folder: a file path, or why it is refused. */
export type StaticTarget =
  | { readonly kind: 'file', readonly relative: string }
  | { readonly kind: 'app-route' }
  | { readonly kind: 'refused', readonly status: 400 | 404 }

/**
 * Maps the path of a request URL (no query) to a relative file path inside the static folder,
 * refusing anything that could leave it: encoded slashes or backslashes (`%2f`, `%5c`), a
 * backslash, NUL or other control characters, malformed escapes, `.` or `..` segments (also
 * encoded), empty segments. A path whose last segment has no dot is an app route (index.html).
 */
export function staticTarget (urlPath: string): StaticTarget {
  if (!urlPath.startsWith('/')) return { kind: 'refused', status: 400 }
  if (/%(2f|5c|00)/i.test(urlPath) || urlPath.includes('\\')) return { kind: 'refused', status: 400 }
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return { kind: 'refused', status: 400 }
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f\\]/.test(decoded)) return { kind: 'refused', status: 400 }
  if (decoded === '/') return { kind: 'app-route' }
  const segments = decoded.slice(1).split('/')
  if (segments.some(s => s === '' || s === '.' || s === '..')) return { kind: 'refused', status: 400 }
  const last = segments[segments.length - 1]!
  if (!last.includes('.')) return { kind: 'app-route' }
  return { kind: 'file', relative: segments.join('/') }
}

/** Headers on every response: no sniffing, no referrer, and a CSP that allows only our own scripts. */
export const SECURITY_HEADERS: Record<string, string> = {
  // Svelte 5 with Vite's build puts component CSS in files and sets styles through the CSSOM
  // (element.style), which CSP allows, so no 'unsafe-inline' is needed. connect-src: 'self' covers
  // a WebSocket to the page's own host and port (also [::1], which CSP cannot spell: Chromium
  // rejects `ws://[::1]:*` as an invalid source).
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; base-uri 'none'; " +
    "form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin'
}

/**
 * Serves the built renderer from `root`. Only regular files whose real path (symbolic links
 * resolved) is inside the real `root` are ever opened.
 */
export class StaticFiles {
  readonly root: string
  #realRoot: string | null = null

  constructor (root: string = DEFAULT_WEB_ROOT) {
    this.root = root
  }

  /** True when the UI is built (`root/index.html` exists). */
  async available (): Promise<boolean> {
    return (await this.#resolve('index.html')) != null
  }

  /** Answers a GET or HEAD for `urlPath`. */
  async serve (urlPath: string, res: ServerResponse, head: boolean): Promise<void> {
    const target = staticTarget(urlPath)
    if (target.kind === 'refused') return plain(res, target.status, target.status === 400 ? 'bad path' : 'not found')
    const relative = target.kind === 'app-route' ? 'index.html' : target.relative
    const file = await this.#resolve(relative)
    if (file == null) {
      return plain(res, 404, target.kind === 'app-route' ? 'web UI not built: run npm run build:renderer' : 'not found')
    }
    res.writeHead(200, {
      'Content-Type': contentTypeOf(file.path),
      'Content-Length': String(file.size),
      'Cache-Control': relative === 'index.html' ? 'no-cache' : 'public, max-age=3600'
    })
    if (head) { res.end(); return }
    const stream = createReadStream(file.path)
    stream.on('error', () => { res.destroy() })
    stream.pipe(res)
  }

  /** The real path and size of a regular file inside the root, or null. */
  async #resolve (relative: string): Promise<{ path: string, size: number } | null> {
    try {
      this.#realRoot ??= await realpath(this.root)
      const real = await realpath(join(this.#realRoot, relative))
      if (!real.startsWith(this.#realRoot + sep)) return null
      const s = await stat(real)
      return s.isFile() ? { path: real, size: s.size } : null
    } catch (err) {
      log('not serving %s: %s', relative, err) // answered 404
      this.#realRoot = null // the folder may appear later (npm run build:renderer while running)
      return null
    }
  }
}

export function plain (res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)), ...headers })
  res.end(text)
}
