/**
 * TEST HARNESS, not product code: a real SwarmdropService (real libp2p node on 127.0.0.1, real
 * profile and files) behind the transport of docs/WEB-API.md (static renderer/dist, the token'd
 * WebSocket at /api/ws, uploads), run in the test process. It stands in for `swarmdrop daemon --web`
 * until that lands on main; the e2e tests only use `url` and `service`.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, readFile, readdir } from 'node:fs/promises'
import { dirname, extname, join, normalize } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { WebSocketServer } from 'ws'
import { validateRelativePath } from '../../../node-core/src/manifest/validate.ts'
import { SwarmdropService } from '../../../node-core/src/service/service.ts'
import { TOKEN_PROTOCOL_PREFIX, WIRE_PROTOCOL, toWireError } from '../../../node-core/src/service/wire.ts'
import type { ClientMessage, ServerMessage } from '../../../node-core/src/service/wire.ts'
import { tempDir } from '../../helpers/files.ts'
import { TEST_NETWORK } from '../../helpers/processes.ts'

const DIST = fileURLToPath(new URL('../../../renderer/dist/', import.meta.url))
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png' }

export interface UiNode {
  readonly url: string
  readonly service: SwarmdropService
  stop (): Promise<void>
}

export async function startUiNode (options: { maxUploadBytesPerSecond?: number, allowPrivate?: boolean } = {}): Promise<UiNode> {
  const profileDir = await tempDir()
  const service = await SwarmdropService.create({ profileDir, listen: ['/ip4/127.0.0.1/tcp/0'], downloadDir: await tempDir(), restore: false, mdns: false, network: TEST_NETWORK, allowPrivate: options.allowPrivate, maxUploadBytesPerSecond: options.maxUploadBytesPerSecond })
  const token = randomBytes(24).toString('base64url')
  const library = join(profileDir, 'library')

  const server = createServer((req, res) => { handle(req, res).catch(err => { send(res, 500, { error: toWireError(err) }) }) })
  async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (req.method === 'POST' && url.pathname.startsWith('/api/uploads')) {
      if (req.headers.authorization !== `Bearer ${token}`) { send(res, 401, { error: { code: 'unauthorized', message: 'bad token' } }); return }
      const batch = url.searchParams.get('batch') ?? ''
      if (!/^[0-9a-f-]{36}$/.test(batch)) { send(res, 400, { error: { code: 'invalid-argument', message: 'bad batch' } }); return }
      const root = join(library, batch)
      if (url.pathname === '/api/uploads') {
        const path = url.searchParams.get('path') ?? ''
        try { validateRelativePath(path) } catch (err) { send(res, 400, { error: toWireError(err) }); req.resume(); return }
        await mkdir(dirname(join(root, path)), { recursive: true })
        await pipeline(req, createWriteStream(join(root, path), { flags: 'wx' }))
        send(res, 200, { ok: true })
        return
      }
      const entries = await readdir(root)
      const share = await service.call('share', { path: entries.length === 1 ? join(root, entries[0]!) : root })
      send(res, 200, share)
      return
    }
    if (req.method !== 'GET') { send(res, 405, { error: { code: 'method', message: 'GET only' } }); return }
    const rel = normalize(url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1)))
    if (rel.startsWith('..')) { send(res, 404, { error: { code: 'not-found', message: 'no such file' } }); return }
    const body = await readFile(join(DIST, rel)).catch(() => null)
    if (body == null) { send(res, 404, { error: { code: 'not-found', message: 'no such file' } }); return }
    res.writeHead(200, { 'Content-Type': TYPES[extname(rel)] ?? 'application/octet-stream' }).end(body)
  }

  const wss = new WebSocketServer({
    server,
    path: '/api/ws',
    handleProtocols: protocols => protocols.has(WIRE_PROTOCOL) && protocols.has(TOKEN_PROTOCOL_PREFIX + token) ? WIRE_PROTOCOL : false
  })
  wss.on('connection', (socket, req) => {
    if (req.headers['sec-websocket-protocol']?.includes(TOKEN_PROTOCOL_PREFIX + token) !== true) { socket.close(4401); return }
    const out = (m: ServerMessage): void => { socket.send(JSON.stringify(m)) }
    const unsubscribe = service.subscribe(event => { out({ type: 'event', event }) })
    socket.on('close', unsubscribe)
    socket.on('message', data => {
      const m = JSON.parse(String(data)) as ClientMessage
      service.call(m.command, m.args as never).then(
        result => { out({ type: 'result', id: m.id, result }) },
        err => { out({ type: 'error', id: m.id, error: toWireError(err) }) })
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    service,
    async stop () {
      for (const c of wss.clients) c.terminate()
      wss.close()
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
      await service.stop()
    }
  }
}

function send (res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body))
}
