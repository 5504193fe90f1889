/**
 * The daemon's web UI (`swarmdrop daemon --web`): real daemon processes, a real HTTP client and
 * real WebSocket clients (the `ws` package, which lets a test send a foreign Host or Origin the
 * way a DNS-rebinding page or another site would). No browser: the renderer itself is another
 * module's test; here a small stand-in `dist` folder is served.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { WebSocket } from 'ws'
import { killAll, swarmdrop } from '../helpers/processes.ts'
import { makeTree, removeTemps, tempDir, treeHashes } from '../helpers/files.ts'
import type { JsonProcess } from '../helpers/processes.ts'
import type { ServerMessage } from '../../node-core/src/contract/index.ts'
import type { ServiceEvent, ShareInfo } from '../../node-core/src/contract/index.ts'

const SENTINEL = `sentinel-${Math.random().toString(36).slice(2)}`

interface Daemon { proc: JsonProcess, port: number, token: string, repo: string }

/** A daemon with the web UI on a free port: from the flags, or (`fromConfig`) from config.json. */
async function daemon (webRoot: string, fromConfig = false): Promise<Daemon> {
  const repo = await tempDir()
  if (fromConfig) await writeFile(join(repo, 'config.json'), JSON.stringify({ web: true, webPort: 0 }))
  const proc = swarmdrop(['daemon', '--repo', repo, ...(fromConfig ? [] : ['--web', '--web-port', '0']), '--web-root', webRoot])
  const web = await proc.event('web')
  const token = /#token=([A-Za-z0-9_-]+)$/.exec(web.url as string)![1]!
  assert.equal(web.url, `http://127.0.0.1:${web.port as number}/#token=${token}`)
  return { proc, port: web.port as number, token, repo }
}

interface Reply { status: number, headers: Record<string, string | string[] | undefined>, body: string }

/** One HTTP request with the path sent exactly as given (no normalisation) and any headers. */
function http (port: number, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string, host = '127.0.0.1'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, method, path, headers: { Host: `${host.includes(':') ? `[${host}]` : host}:${port}`, ...headers }, timeout: 30_000 }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** A WebSocket client that sends calls and collects results and events. */
class Client {
  readonly ws: WebSocket
  readonly events: ServiceEvent[] = []
  readonly #pending = new Map<number, (m: ServerMessage) => void>()
  readonly #eventWaiters = new Set<() => void>()
  #nextId = 1

  constructor (ws: WebSocket) {
    this.ws = ws
    ws.on('message', data => {
      const m = JSON.parse(String(data)) as ServerMessage
      if (m.type === 'event') { this.events.push(m.event); for (const w of this.#eventWaiters) w() } else this.#pending.get(m.id)?.(m)
    })
  }

  /** Sends a raw frame; resolves with the reply to `id`. */
  raw (frame: string, id: number): Promise<ServerMessage> {
    return new Promise(resolve => { this.#pending.set(id, resolve); this.ws.send(frame) })
  }

  call (command: string, args: unknown): Promise<ServerMessage> {
    const id = this.#nextId++
    return this.raw(JSON.stringify({ type: 'call', id, command, args }), id)
  }

  waitEvent (predicate: (e: ServiceEvent) => boolean, timeoutMs = 60_000): Promise<ServiceEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.#eventWaiters.delete(check); reject(new Error('no such event')) }, timeoutMs)
      const check = (): void => {
        const hit = this.events.find(predicate)
        if (hit != null) { clearTimeout(timer); this.#eventWaiters.delete(check); resolve(hit) }
      }
      this.#eventWaiters.add(check)
      check()
    })
  }
}

/** Opens a socket; resolves with the client, or with the HTTP status the upgrade was refused with. */
function connect (port: number, protocols: string[], headers: Record<string, string> = {}): Promise<Client | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/ws`, protocols, { headers, handshakeTimeout: 30_000 })
    ws.once('open', () => { resolve(new Client(ws)) })
    ws.once('unexpected-response', (_req, res) => { resolve(res.statusCode!); res.resume(); ws.terminate() })
    ws.once('error', reject)
  })
}

async function open (d: Daemon): Promise<Client> {
  const c = await connect(d.port, ['swarmdrop.v1', `token.${d.token}`])
  assert.ok(c instanceof Client, `refused with ${String(c)}`)
  assert.equal(c.ws.protocol, 'swarmdrop.v1')
  return c
}

async function waitUntil (condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

function resultOf<T> (m: ServerMessage): T {
  assert.equal(m.type, 'result', JSON.stringify(m))
  return (m as { result: T }).result
}

describe('daemon --web', { timeout: 120_000 }, () => {
  let top: string
  let dist: string
  let a: Daemon
  let client: Client
  const upload = (d: Daemon, batch: string, path: string, body: Buffer | string, headers: Record<string, string> = {}): Promise<Reply> =>
    http(d.port, 'POST', `/api/uploads?batch=${encodeURIComponent(batch)}&path=${encodeURIComponent(path)}`, { Authorization: `Bearer ${d.token}`, ...headers }, body)

  before(async () => {
    top = await tempDir()
    dist = join(top, 'dist')
    await mkdir(join(dist, 'assets'), { recursive: true })
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>Swarmdrop</title><script type="module" src="/assets/app.js"></script>')
    await writeFile(join(dist, 'assets', 'app.js'), 'export {}\n')
    await writeFile(join(dist, 'assets', 'app.css'), 'body{}\n')
    await writeFile(join(top, 'secret.txt'), SENTINEL) // next to dist: must never be served
    await symlink(join(top, 'secret.txt'), join(dist, 'leak.txt'))
    a = await daemon(dist)
    client = await open(a)
  })
  after(async () => { client?.ws.terminate(); await killAll(); await removeTemps() })

  it('serves the UI with a strict CSP, content types and app routes', async () => {
    const index = await http(a.port, 'GET', '/')
    assert.equal(index.status, 200)
    assert.match(index.body, /<title>Swarmdrop/)
    assert.equal(index.headers['content-type'], 'text/html; charset=utf-8')
    const csp = String(index.headers['content-security-policy'])
    for (const directive of ["default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'", 'connect-src \'self\' ws://127.0.0.1:* ws://localhost:*;']) {
      assert.ok(csp.includes(directive), directive)
    }
    assert.ok(!csp.includes('unsafe'), csp)
    assert.equal(index.headers['x-content-type-options'], 'nosniff')
    assert.equal(index.headers['referrer-policy'], 'no-referrer')
    assert.equal((await http(a.port, 'GET', '/assets/app.js')).headers['content-type'], 'text/javascript; charset=utf-8')
    assert.equal((await http(a.port, 'GET', '/assets/app.css')).headers['content-type'], 'text/css; charset=utf-8')
    assert.match((await http(a.port, 'GET', '/downloads/abc')).body, /<title>Swarmdrop/, 'an app route gets index.html')
    assert.equal((await http(a.port, 'GET', '/missing.js')).status, 404)
    assert.equal((await http(a.port, 'GET', '/', {}, undefined, '::1')).status, 200, 'also on [::1]')
    assert.equal((await http(a.port, 'POST', '/', {})).status, 405)
  })

  it('listens on 127.0.0.1 and ::1 only, never on a network interface', async () => {
    // Every listening TCP socket on the web port, from the kernel's tables (hex address:port).
    const listeners: string[] = []
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const row of (await readFile(table, 'utf8')).trim().split('\n').slice(1)) {
        const [, local, , state] = row.trim().split(/\s+/)
        const [address, port] = local!.split(':')
        if (state === '0A' && parseInt(port!, 16) === a.port) listeners.push(address!)
      }
    }
    // 127.0.0.1 and ::1 as the kernel prints them (little-endian 32-bit words).
    assert.deepEqual(listeners.sort(), ['0100007F', '00000000000000000000000001000000'].sort())
    // So another loopback address of this machine (a listener on 0.0.0.0 would take it) is refused.
    await assert.rejects(http(a.port, 'GET', '/', {}, undefined, '127.0.0.2'), { code: 'ECONNREFUSED' })
  })

  it('never serves a file outside dist, whatever the spelling', async () => {
    const paths = ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E/secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%2fsecret.txt', '/..%2Fsecret.txt', '/%2e%2e%2fsecret.txt', '/..\\secret.txt', '/..%5csecret.txt', '/assets/..%5c..%5csecret.txt',
      '/secret.txt%00.js', '/%00/../secret.txt', `/${top}/secret.txt`, `/${encodeURIComponent(join(top, 'secret.txt'))}`, '//secret.txt',
      '/leak.txt', '/./leak.txt', '/assets/%2e%2e/leak.txt', '/%2e%2e/dist/leak.txt', '/.%2e/secret.txt']
    for (const path of paths) {
      const r = await http(a.port, 'GET', path)
      assert.ok(r.status === 400 || r.status === 404, `${path}: ${r.status}`)
      assert.ok(!r.body.includes(SENTINEL), `${path} leaked the sentinel`)
    }
  })

  it('refuses a foreign Host (DNS rebinding) or Origin on every path', async () => {
    for (const path of ['/', '/assets/app.js', '/api/uploads?batch=x&path=a.txt']) {
      assert.equal((await http(a.port, 'GET', path, { Host: `evil.example:${a.port}` })).status, 403, path)
      assert.equal((await http(a.port, 'GET', path, { Host: 'localhost' })).status, 403, `${path} without port`)
      assert.equal((await http(a.port, 'GET', path, { Origin: `http://evil.example:${a.port}` })).status, 403, path)
    }
    assert.equal((await http(a.port, 'GET', '/', { Origin: `http://localhost:${a.port}`, Host: `localhost:${a.port}` })).status, 200)
  })

  it('drives the service over the WebSocket: share, list, events, and typed errors that leave the socket usable', async () => {
    const src = await tempDir()
    await makeTree(src, { 'notes.txt': 5000 })
    const share = resultOf<ShareInfo>(await client.call('share', { path: join(src, 'notes.txt') }))
    assert.equal(share.name, 'notes.txt')
    assert.equal(share.totalBytes, 5000)
    const added = await client.waitEvent(e => e.type === 'share:added')
    assert.equal((added as { share: ShareInfo }).share.shareId, share.shareId)
    const list = resultOf<{ shares: ShareInfo[] }>(await client.call('list', {}))
    assert.deepEqual(list.shares.map(s => s.shareId), [share.shareId])

    const bad = [
      await client.call('nope', {}), await client.call('share', { path: 5 }), await client.call('share', { path: '/x', extra: 1 }),
      await client.call('__proto__', {}), await client.call('pause', { shareId: 'missing' }), await client.call('addDownload', { link: 'swarmdrop://nope' })
    ]
    assert.deepEqual(bad.map(m => m.type === 'error' ? m.error.code : m.type), ['invalid-argument', 'invalid-argument', 'invalid-argument', 'invalid-argument', 'not-found', 'invalid-link'])
    const notJson = await client.raw('{"type":"call","id":', 0)
    assert.deepEqual(notJson, { type: 'error', id: 0, error: { code: 'invalid-message', message: 'frame is not valid JSON' } })
    const wrongType = await client.raw(JSON.stringify({ type: 'subscribe', id: 99 }), 99)
    assert.equal(wrongType.type === 'error' && wrongType.error.code, 'invalid-message')
    assert.equal(resultOf<{ shares: ShareInfo[] }>(await client.call('list', {})).shares.length, 1, 'the socket still works')
  })

  it('refuses a WebSocket without the right token, Host or Origin before the upgrade, and caps connections', async () => {
    const before = resultOf<{ shares: ShareInfo[] }>(await client.call('list', {})).shares.length
    assert.equal(await connect(a.port, ['swarmdrop.v1', 'token.wrong']), 401)
    assert.equal(await connect(a.port, ['swarmdrop.v1']), 401)
    assert.equal(await connect(a.port, ['swarmdrop.v1', `token.${a.token.slice(1)}`]), 401)
    assert.equal(await connect(a.port, ['swarmdrop.v1', `token.${a.token}`], { Host: `evil.example:${a.port}` }), 403)
    assert.equal(await connect(a.port, ['swarmdrop.v1', `token.${a.token}`], { Origin: 'http://evil.example' }), 403)
    assert.equal(await connect(a.port, ['swarmdrop.v1', `token.${a.token}`], { Origin: `http://127.0.0.1:${a.port + 1}` }), 403)
    const same = await connect(a.port, ['swarmdrop.v1', `token.${a.token}`], { Origin: `http://localhost:${a.port}` })
    assert.ok(same instanceof Client, 'our own origin is accepted')
    const extra: Client[] = [same]
    for (let i = extra.length + 1; i < 16; i++) extra.push(await open(a)) // 15 here plus `client` = 16
    assert.equal(await connect(a.port, ['swarmdrop.v1', `token.${a.token}`]), 503)
    for (const c of extra) c.ws.close()
    assert.equal(resultOf<{ shares: ShareInfo[] }>(await client.call('list', {})).shares.length, before, 'nothing changed')
  })

  it('has no GET with side effects under /api, and POSTs need the token and our origin', async () => {
    const library = join(a.repo, 'library')
    for (const path of ['/api/uploads?batch=g1&path=a.txt', '/api/uploads/share?batch=g1', '/api/uploads', '/api/ws']) {
      const r = await http(a.port, 'GET', path, { Authorization: `Bearer ${a.token}` })
      assert.ok(r.status === 405 || r.status === 426, `${path}: ${r.status}`)
    }
    assert.equal((await http(a.port, 'PUT', '/api/uploads?batch=g1&path=a.txt', { Authorization: `Bearer ${a.token}` }, 'x')).status, 405)
    assert.equal((await http(a.port, 'GET', '/api/other')).status, 404)
    assert.equal((await upload(a, 'g1', 'a.txt', 'x', { Authorization: 'Bearer wrong' })).status, 401)
    assert.equal((await upload(a, 'g1', 'a.txt', 'x', { Authorization: '' })).status, 401)
    assert.equal((await upload(a, 'g1', 'a.txt', 'x', { Origin: 'http://evil.example' })).status, 403)
    assert.equal((await upload(a, 'g1', 'a.txt', 'x', { Host: `evil.example:${a.port}` })).status, 403)
    assert.equal((await http(a.port, 'POST', '/api/uploads/share?batch=g1', { Authorization: 'Bearer wrong' })).status, 401)
    const entries: string[] = await readdir(library).catch(() => [])
    assert.ok(!entries.includes('g1'), 'nothing was written')
  })

  it('refuses upload paths that would leave the library, and never follows a symbolic link', async () => {
    const outside = await tempDir()
    assert.equal((await upload(a, 's1', 'ok.txt', 'fine')).status, 201)
    await symlink(outside, join(a.repo, 'library', 's1', 'link'))
    const bad: Array<[string, string]> = [['s1', '../evil.txt'], ['s1', '../../evil.txt'], ['s1', '/tmp/evil.txt'], ['s1', 'a/../../evil.txt'],
      ['s1', 'a\\..\\..\\evil.txt'], ['s1', 'a//evil.txt'], ['s1', './evil.txt'], ['s1', 'evil\u0000.txt'], ['s1', ''], ['s1', 'link/evil.txt'],
      ['s1', 'link'], ['..', 'evil.txt'], ['../s1', 'evil.txt'], ['', 'evil.txt'], ['s1/x', 'evil.txt']]
    for (const [batch, path] of bad) {
      const r = await upload(a, batch, path, 'EVIL')
      assert.equal(r.status, path === 'link' ? 409 : 400, `${batch} ${JSON.stringify(path)}: ${r.status} ${r.body}`)
    }
    assert.deepEqual(await readdir(outside), [], 'nothing written through the link')
    assert.deepEqual((await readdir(a.repo)).filter(n => n.includes('evil')), [])
    assert.deepEqual((await readdir(join(a.repo, 'library'))).sort(), ['s1'])
    assert.deepEqual((await readdir(join(a.repo, 'library', 's1'))).sort(), ['link', 'ok.txt'])
    const huge = await upload(a, 's1', 'huge.bin', 'x', { 'Content-Length': String(2 ** 50) })
    assert.equal(huge.status, 507, huge.body)
    assert.equal((JSON.parse(huge.body) as { code: string }).code, 'no-space')
    assert.deepEqual((await readdir(join(a.repo, 'library', 's1'))).sort(), ['link', 'ok.txt'], 'nothing written for the refused upload')
    assert.equal((await upload(a, 's1', 'ok.txt', 'again')).status, 409, 'an existing file is never overwritten')
    assert.equal(await readFile(join(a.repo, 'library', 's1', 'ok.txt'), 'utf8'), 'fine')
    // A client that gives up mid-body: the partial file is removed.
    const aborted = request({ host: '127.0.0.1', port: a.port, method: 'POST', path: '/api/uploads?batch=s1&path=partial.bin', headers: { Host: `127.0.0.1:${a.port}`, Authorization: `Bearer ${a.token}`, 'Content-Length': '1000000' } })
    aborted.on('error', () => {})
    aborted.write(Buffer.alloc(1000))
    await waitUntil(async () => (await readdir(join(a.repo, 'library', 's1'))).includes('partial.bin'))
    aborted.destroy()
    await waitUntil(async () => !(await readdir(join(a.repo, 'library', 's1'))).includes('partial.bin'))
  })

  it('says plainly when the web port is taken', async () => {
    const proc = swarmdrop(['daemon', '--repo', await tempDir(), '--web', '--web-port', String(a.port)])
    const error = await proc.event('error')
    assert.equal(error.code, 'web-port-in-use')
    assert.notEqual(await proc.exited, 0)
  })

  it('uploads a dropped folder, shares it, and a second daemon downloads it byte-identical', async () => {
    const src = await tempDir()
    await makeTree(join(src, 'photos'), { 'a.bin': 3 * 1024 * 1024 + 17, 'b/c.txt': 1234 })
    for (const path of ['photos/a.bin', 'photos/b/c.txt']) {
      const body = await readFile(join(src, path))
      const r = await upload(a, 'batch-2', path, body)
      assert.equal(r.status, 201, r.body)
      assert.equal((JSON.parse(r.body) as { bytes: number }).bytes, body.length)
    }
    const shared = await http(a.port, 'POST', '/api/uploads/share?batch=batch-2', { Authorization: `Bearer ${a.token}` })
    assert.equal(shared.status, 200, shared.body)
    const share = JSON.parse(shared.body) as ShareInfo
    assert.equal(share.name, 'photos')
    assert.equal(share.fileCount, 2)
    assert.equal(share.root, join(a.repo, 'library', 'batch-2', 'photos'))
    assert.equal((await upload(a, 'batch-2', 'photos/late.txt', 'x')).status, 409, 'a shared batch takes no more files')

    // The second daemon (web settings from its config.json) has no built UI: it says so and still serves the API.
    const b = await daemon(join(top, 'not-built'), true)
    await b.proc.waitFor(() => b.proc.stderr.includes('web UI not built: run npm run build:renderer'))
    assert.match((await http(b.port, 'GET', '/')).body, /web UI not built/)
    const bob = await open(b)
    const out = await tempDir()
    const added = await bob.call('addDownload', { link: share.link, outDir: out })
    assert.equal(resultOf<{ shareId: string }>(added).shareId, share.shareId)
    await bob.waitEvent(e => e.type === 'download:complete' && e.download.shareId === share.shareId, 90_000)
    assert.deepEqual(await treeHashes(out), await treeHashes(src))
    bob.ws.close()
  })
})
