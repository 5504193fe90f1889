import { createServer, STATUS_CODES } from 'node:http'
import { SwarmdropError } from '../errors.ts'
import { toWireError } from '../contract/index.ts'
import { ApiSocketBridge } from './api-socket.ts'
import { checkBearer, checkHostAndOrigin, checkSocketToken } from './request-guard.ts'
import { plain, SECURITY_HEADERS, StaticFiles } from './static-files.ts'
import { UploadLibrary } from './uploads.ts'
import { MEDIA_PREFIX, serveMedia } from './media-route.ts'
import type { MediaReader } from './media-route.ts'
import { logger } from '../log/logger.ts'

const log = logger('swarmdrop:web')
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { SwarmdropApi } from '../contract/index.ts'

export const DEFAULT_WEB_PORT = 7717
const IDLE_TIMEOUT_MS = 60_000

export interface WebServerOptions {
  readonly api: SwarmdropApi
  /** The per-install secret (web-token.ts). */
  readonly token: string
  /** Where browser uploads go (`<profile>/library`). */
  readonly libraryDir: string
  /** TCP port; 0 = any free port. */
  readonly port: number
  /** The built renderer; default `renderer/dist` of this package. */
  readonly staticRoot?: string
  /** Files of shares and downloads for a player (`/api/media/…`, media-route.ts); none: 404. */
  readonly media?: MediaReader
}

/** Loopback addresses the web UI listens on; never a wildcard address. */
const LOOPBACK = ['127.0.0.1', '::1'] as const

/**
 * The daemon's headless web UI: the built renderer as static files and the service API over a
 * WebSocket (`/api/ws`) and two POST endpoints for browser uploads, on 127.0.0.1 and ::1 only.
 * Every request passes the Host/Origin checks of request-guard.ts first; anything that changes
 * state needs the token. See docs/WEB-API.md.
 */
export class WebServer {
  readonly port: number
  readonly #servers: Server[]
  readonly #bridge: ApiSocketBridge
  readonly #static: StaticFiles

  private constructor (port: number, servers: Server[], bridge: ApiSocketBridge, staticFiles: StaticFiles) {
    this.port = port
    this.#servers = servers
    this.#bridge = bridge
    this.#static = staticFiles
  }

  static async start (options: WebServerOptions): Promise<WebServer> {
    const bridge = new ApiSocketBridge(options.api)
    const staticFiles = new StaticFiles(options.staticRoot)
    const library = new UploadLibrary(options.libraryDir)
    const state = { port: 0 }
    const make = (): Server => {
      const server = createServer({ requestTimeout: 0, headersTimeout: 30_000 }, (req, res) => {
        handleRequest(req, res, { ...options, port: state.port }, staticFiles, library).catch((err: unknown) => {
          if (!(err instanceof SwarmdropError)) log.error('%s %s failed: %s', req.method, splitTarget(req.url ?? '/').path, err)
          if (!res.headersSent) sendError(res, err)
          else res.destroy()
        })
      })
      server.maxConnections = 64
      // No limit on a whole request (an upload of a large file takes as long as it takes), but a
      // connection idle this long is closed: a stalled client cannot hold a socket forever.
      server.setTimeout(IDLE_TIMEOUT_MS)
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        handleUpgrade(req, socket, head, options.token, state.port, bridge)
      })
      server.on('clientError', (_err, socket) => { socket.destroy() })
      return server
    }
    // With port 0 the two listeners must share one port: pick it on 127.0.0.1, then take it on ::1
    // too, trying again with a new port if ::1 has it taken.
    for (let attempt = 0; ; attempt++) {
      const first = make()
      await listen(first, options.port, LOOPBACK[0]).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EADDRINUSE') throw err
        throw new SwarmdropError('web-port-in-use', `the web UI's port ${options.port} is in use; pick another with --web-port N (0 = any free port)`)
      })
      state.port = (first.address() as { port: number }).port
      const second = make()
      try {
        await listen(second, state.port, LOOPBACK[1])
        return new WebServer(state.port, [first, second], bridge, staticFiles)
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') return new WebServer(state.port, [first], bridge, staticFiles) // no IPv6 here
        await close(first)
        if (code === 'EADDRINUSE' && options.port !== 0) throw new SwarmdropError('web-port-in-use', `the web UI's port ${options.port} is in use on ::1; pick another with --web-port N (0 = any free port)`)
        if (code !== 'EADDRINUSE' || attempt >= 4) throw err
      }
    }
  }

  /** The address to open, with the token in the fragment (never sent to the server). */
  url (token: string): string {
    return `http://127.0.0.1:${this.port}/#token=${token}`
  }

  /** True when the renderer is built. */
  uiAvailable (): Promise<boolean> {
    return this.#static.available()
  }

  async close (): Promise<void> {
    await this.#bridge.close()
    for (const s of this.#servers) s.closeAllConnections()
    await Promise.all(this.#servers.map(close))
  }
}

function listen (server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({ port, host, exclusive: true }, () => { server.off('error', reject); resolve() })
  })
}

function close (server: Server): Promise<void> {
  return new Promise(resolve => { server.close(() => { resolve() }) })
}

/** Splits a request target into its raw path (not normalised: the static checks see `..` as sent) and query. */
function splitTarget (target: string): { path: string, query: URLSearchParams } {
  const q = target.indexOf('?')
  return q < 0 ? { path: target, query: new URLSearchParams() } : { path: target.slice(0, q), query: new URLSearchParams(target.slice(q + 1)) }
}

const UPLOADS = '/api/uploads'
const UPLOADS_SHARE = '/api/uploads/share'
const SOCKET = '/api/ws'

async function handleRequest (req: IncomingMessage, res: ServerResponse, options: WebServerOptions, staticFiles: StaticFiles, library: UploadLibrary): Promise<void> {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value)
  const refused = checkHostAndOrigin(req.headers, options.port)
  if (refused != null) return refuse(res, refused.status, refused.reason)
  const { path, query } = splitTarget(req.url ?? '/')
  if (path === '/api' || path.startsWith('/api/')) {
    res.setHeader('Cache-Control', 'no-store')
    if (path === SOCKET) return refuse(res, 426, 'WebSocket upgrade required', { Upgrade: 'websocket' })
    if (path.startsWith(MEDIA_PREFIX) && options.media != null) return await serveMedia(req, res, path.slice(MEDIA_PREFIX.length), query, options.media, options.token)
    if (path !== UPLOADS && path !== UPLOADS_SHARE) return refuse(res, 404, 'no such API')
    // Nothing else under /api answers GET: a state change never happens on a GET (or a form's PUT).
    if (req.method !== 'POST') return refuse(res, 405, 'POST only', { Allow: 'POST' })
    const unauthorized = checkBearer(req.headers, options.token)
    if (unauthorized != null) return refuse(res, unauthorized.status, unauthorized.reason)
    const batch = query.get('batch') ?? ''
    if (path === UPLOADS) {
      const length = req.headers['content-length'] != null ? Number(req.headers['content-length']) : null
      const bytes = await library.receive(batch, query.get('path') ?? '', req, length)
      return json(res, 201, { batch, path: query.get('path'), bytes })
    }
    return json(res, 200, await library.share(batch, path => options.api.call('share', { path })))
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'GET only', { Allow: 'GET, HEAD' })
  await staticFiles.serve(path, res, req.method === 'HEAD')
}

function handleUpgrade (req: IncomingMessage, socket: Duplex, head: Buffer, token: string, port: number, bridge: ApiSocketBridge): void {
  socket.on('error', () => { socket.destroy() })
  const { path } = splitTarget(req.url ?? '/')
  const refused = path !== SOCKET
    ? { status: 404, reason: 'not found' }
    : checkHostAndOrigin(req.headers, port) ?? checkSocketToken(req.headers, token) ??
      (bridge.full ? { status: 503, reason: 'too many connections' } : null)
  if (refused == null) {
    bridge.accept(req, socket, head)
    return
  }
  const body = refused.reason
  socket.once('finish', () => { socket.destroy() })
  socket.end(`HTTP/1.1 ${refused.status} ${STATUS_CODES[refused.status] ?? ''}\r\nConnection: close\r\n` +
    `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
}

function refuse (res: ServerResponse, status: number, reason: string, headers: Record<string, string> = {}): void {
  plain(res, status, reason, { Connection: 'close', ...headers })
}

function json (res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value)
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)) })
  res.end(body)
}

/** HTTP status for a typed error from an upload or share. */
const STATUS_FOR_CODE: Record<string, number> = {
  'invalid-argument': 400,
  'unsafe-path': 400,
  'invalid-manifest': 400,
  conflict: 409,
  'no-space': 507
}

function sendError (res: ServerResponse, err: unknown): void {
  const status = err instanceof SwarmdropError ? STATUS_FOR_CODE[err.code] ?? 500 : 500
  const body = JSON.stringify(toWireError(err))
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close' })
  res.end(body)
}
