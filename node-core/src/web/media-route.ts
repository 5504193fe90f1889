import { SwarmdropError } from '../errors.ts'
import { mediaType } from '../contract/index.ts'
import { mediaKey, tokenMatches } from './web-token.ts'
import type { IncomingMessage, ServerResponse } from 'node:http'

/** The part of the service a player needs (service/media-files.ts). */
export interface MediaReader {
  file (shareId: string, fileIndex: number): { readonly path: string, readonly size: number }
  read (shareId: string, fileIndex: number, start: number, maxLength: number, signal?: AbortSignal): Promise<Uint8Array>
}

export const MEDIA_PREFIX = '/api/media/'

const STATUS: Record<string, number> = { 'not-found': 404, 'out-of-range': 416, unavailable: 503, 'invalid-argument': 400 }

/**
 * GET/HEAD `/api/media/<shareId>/<fileIndex>?key=<media key>`: a file of a share or download for a
 * player, with single byte-range requests (RFC 9110). A range of a file still downloading waits
 * for its first chunk (and makes the download fetch it and the next chunks first), then returns
 * the verified bytes that are here, up to 4 MiB: players ask again for the rest. Without a range,
 * the whole file is sent as it arrives. Read-only: the only effect is the order chunks are fetched in.
 */
export async function serveMedia (req: IncomingMessage, res: ServerResponse, rest: string, query: URLSearchParams, media: MediaReader, token: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, 'GET only', { Allow: 'GET, HEAD' })
  if (!tokenMatches(mediaKey(token), query.get('key'))) return fail(res, 401, 'missing or wrong media key')
  const match = /^([A-Za-z0-9]{1,100})\/(\d{1,9})$/.exec(rest)
  if (match == null) return fail(res, 404, 'no such media')
  const shareId = match[1]!
  const fileIndex = Number(match[2])
  const abort = new AbortController()
  res.on('close', () => { abort.abort() })
  try {
    const { path, size } = media.file(shareId, fileIndex)
    const type = mediaType(path)
    if (type == null) return fail(res, 415, 'not a file a player can open')
    const head = req.method === 'HEAD'
    const range = parseRange(req.headers.range, size)
    const common = { 'Content-Type': type, 'Accept-Ranges': 'bytes', 'Content-Disposition': 'inline' }
    if (range === 'unsatisfiable') return fail(res, 416, 'range outside the file', { 'Content-Range': `bytes */${size}` })
    if (range == null || size === 0) {
      res.writeHead(200, { ...common, 'Content-Length': String(size) })
      if (head || size === 0) { res.end(); return }
      for (let at = 0; at < size && !abort.signal.aborted;) {
        const bytes = await media.read(shareId, fileIndex, at, size - at, abort.signal)
        at += bytes.length
        if (!res.write(bytes)) await new Promise(resolve => res.once('drain', resolve))
      }
      res.end()
      return
    }
    if (head) {
      res.writeHead(206, { ...common, 'Content-Range': `bytes ${range.start}-${range.end}/${size}`, 'Content-Length': String(range.end - range.start + 1) })
      res.end()
      return
    }
    const bytes = await media.read(shareId, fileIndex, range.start, range.end - range.start + 1, abort.signal)
    res.writeHead(206, { ...common, 'Content-Range': `bytes ${range.start}-${range.start + bytes.length - 1}/${size}`, 'Content-Length': String(bytes.length) })
    res.end(bytes)
  } catch (err) {
    if (res.headersSent) { res.destroy(); return }
    if (err instanceof SwarmdropError && STATUS[err.code] != null) return fail(res, STATUS[err.code]!, err.message)
    throw err
  }
}

/**
 * One `bytes=a-b`, `bytes=a-` or `bytes=-n` range, clamped to the file; null when there is no
 * usable Range header (several ranges, other units: served whole, as RFC 9110 allows).
 */
export function parseRange (header: string | undefined, size: number): { start: number, end: number } | 'unsatisfiable' | null {
  if (header == null) return null
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (m == null || (m[1] === '' && m[2] === '')) return null
  if (m[1] === '') {
    const suffix = Number(m[2])
    if (suffix === 0 || size === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(m[1])
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  if (!Number.isSafeInteger(start) || start >= size || end < start) return 'unsatisfiable'
  return { start, end }
}

function fail (res: ServerResponse, status: number, reason: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(reason)), ...headers })
  res.end(reason)
}
