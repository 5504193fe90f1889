/**
 * The `swarmdrop-media://` protocol: a share's or download's files for the window's player (play
 * while downloading), the desktop twin of the daemon's `/api/media/` route (node-core's
 * web/media-route.ts): URL `swarmdrop-media://file/<shareId>/<fileIndex>`, single byte ranges, only
 * the types a player opens, verified bytes only (the service's MediaFiles waits for a chunk still
 * downloading and asks the download for it first). Read-only; only the app's own page can load it
 * (the scheme is not registered for anything else, and the page's CSP names it).
 */
import { mediaType } from 'swarmdrop/contract'
import { parseRange } from 'swarmdrop/node'
import type { MediaReader } from 'swarmdrop/node'
import type { Protocol } from 'electron'

export const MEDIA_SCHEME = 'swarmdrop-media'
const HOST = 'file'
/** At most this much per answer; a player asks again for the rest. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024

/** Must run before the app is ready, with the app scheme: a standard, secure scheme that streams. */
export const MEDIA_SCHEME_PRIVILEGES = { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } } as const

export function registerMediaScheme (protocol: Pick<Protocol, 'handle'>, reader: () => MediaReader | null): void {
  protocol.handle(MEDIA_SCHEME, createMediaProtocolHandler(reader))
}

/** The handler: 404 for what is not a file of a share, 415 for what a player cannot open, 503 while no service runs. */
export function createMediaProtocolHandler (reader: () => MediaReader | null): (request: Request) => Promise<Response> {
  return async request => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return new Response('method not allowed', { status: 405 })
    let url: URL
    try { url = new URL(request.url) } catch { return new Response('not found', { status: 404 }) }
    const match = /^\/([A-Za-z0-9]{1,100})\/(\d{1,9})$/.exec(url.pathname)
    if (url.protocol !== `${MEDIA_SCHEME}:` || url.host !== HOST || match == null) return new Response('not found', { status: 404 })
    const media = reader()
    if (media == null) return new Response('the node is not running', { status: 503 })
    const shareId = match[1]!
    const fileIndex = Number(match[2])
    try {
      const { path, size } = media.file(shareId, fileIndex)
      const type = mediaType(path)
      if (type == null) return new Response('not a file a player can open', { status: 415 })
      const range = parseRange(request.headers.get('range') ?? undefined, size)
      if (range === 'unsatisfiable') return new Response('range outside the file', { status: 416, headers: { 'content-range': `bytes */${size}` } })
      const start = range?.start ?? 0
      const wanted = range == null ? size : range.end - start + 1
      const bytes = size === 0 ? new Uint8Array(0) : await media.read(shareId, fileIndex, start, Math.min(wanted, MAX_ANSWER_BYTES), request.signal)
      const headers = { 'content-type': type, 'accept-ranges': 'bytes', 'content-length': String(bytes.length), 'content-range': `bytes ${start}-${start + bytes.length - 1}/${size}`, 'x-content-type-options': 'nosniff' }
      // Without a Range the answer is still partial (206) when the file is larger than one answer.
      const whole = range == null && bytes.length === size
      const body = new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength)
      return new Response(request.method === 'HEAD' ? null : body, { status: whole ? 200 : 206, headers })
    } catch (err) {
      const code = (err as { code?: unknown }).code
      const status = code === 'not-found' ? 404 : code === 'out-of-range' ? 416 : code === 'unavailable' ? 503 : 500
      return new Response(err instanceof Error ? err.message : String(err), { status })
    }
  }
}
