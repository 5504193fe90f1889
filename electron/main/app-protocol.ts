/**
 * The `app://` protocol that serves the renderer's built files (renderer/dist) to the window, so
 * the page has a real origin and a CSP header instead of running from file://. Requests are
 * resolved inside the root folder only: a path that would leave it is refused.
 */
import { readFile, realpath } from 'node:fs/promises'
import { extname, join, relative, isAbsolute, sep } from 'node:path'
import { MEDIA_SCHEME_PRIVILEGES } from './media-protocol.ts'
import type { Protocol } from 'electron'

export const APP_SCHEME = 'app'
export const APP_HOST = 'swarmdrop'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
export const APP_START_URL = `${APP_ORIGIN}/index.html`

/** The page's Content-Security-Policy: only its own scripts, styles and images; no plugins, no framing. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob: swarmdrop-media:",
  "media-src swarmdrop-media:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'"
].join('; ')

const MIME_TYPES: ReadonlyMap<string, string> = new Map([
  ['.html', 'text/html; charset=utf-8'],
  ['.js', 'text/javascript; charset=utf-8'],
  ['.mjs', 'text/javascript; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
  ['.json', 'application/json'],
  ['.svg', 'image/svg+xml'],
  ['.png', 'image/png'],
  ['.ico', 'image/x-icon'],
  ['.woff2', 'font/woff2'],
  ['.txt', 'text/plain; charset=utf-8']
])

/** Shown in place of index.html when the renderer was not built. */
export const MISSING_UI_PAGE = '<!doctype html><meta charset="utf-8"><title>Swarmdrop</title>' +
  '<p>The user interface was not built. Run <code>npm run build</code>, then start Swarmdrop again.</p>'

/** Must run before the app is ready: `app://` is a standard, secure origin that may use fetch. */
export function registerAppSchemeAsPrivileged (protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
    MEDIA_SCHEME_PRIVILEGES
  ])
}

/**
 * The relative file path a request names inside the root, or null when the URL is not ours or
 * its path is unsafe: `..` segments (also percent-encoded), backslashes, NUL, drive letters.
 * `/` and app routes (a last segment with no dot, e.g. `/downloads`) mean `index.html`.
 */
export function requestedFile (url: string): string | null {
  let parsed: URL
  try { parsed = new URL(url) } catch { return null }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null
  // URL() already folds literal `..`; a percent-encoded one survives it and is caught below.
  let path: string
  try { path = decodeURIComponent(parsed.pathname) } catch { return null }
  const segments = path.split('/').filter(s => s !== '')
  for (const s of segments) {
    if (s === '.' || s === '..' || s.includes('\\') || s.includes('\0') || /^[a-z]:/i.test(s)) return null
  }
  // `/` and app routes (a last segment without a dot, as the daemon's web server does) are the page.
  const last = segments.at(-1)
  if (last == null || !last.includes('.')) return 'index.html'
  return segments.join('/')
}

/** True when `path` is `root` itself or inside it. */
function isInside (root: string, path: string): boolean {
  const rel = relative(root, path)
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel))
}

/**
 * The `protocol.handle` handler: serves files under `root` with their MIME type and the CSP;
 * 404 for a missing file, 403 for a refused path (including a symlink that points outside).
 */
export function createAppProtocolHandler (root: string): (request: Request) => Promise<Response> {
  return async request => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return new Response('method not allowed', { status: 405 })
    const file = requestedFile(request.url)
    if (file == null) return new Response('forbidden', { status: 403 })
    let realRoot: string
    let realFile: string
    try {
      realRoot = await realpath(root)
      realFile = await realpath(join(realRoot, ...file.split('/')))
    } catch {
      if (file === 'index.html') return new Response(MISSING_UI_PAGE, { status: 404, headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CONTENT_SECURITY_POLICY } })
      return new Response('not found', { status: 404 })
    }
    if (!isInside(realRoot, realFile)) return new Response('forbidden', { status: 403 })
    let body: Buffer
    try { body = await readFile(realFile) } catch { return new Response('not found', { status: 404 }) }
    const headers = {
      'content-type': MIME_TYPES.get(extname(realFile).toLowerCase()) ?? 'application/octet-stream',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff'
    }
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers })
  }
}
