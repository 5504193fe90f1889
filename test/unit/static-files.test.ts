/**
 * StaticFiles (the web UI's files) behind a real HTTP server on 127.0.0.1, serving a real folder:
 * status, body and headers of each kind of answer; content types; the headers every page carries;
 * the request guard's token and subprotocol checks to the letter. The path rules themselves
 * (staticTarget) and Host/Origin are in web-guard.test.ts and fuzz-web.test.ts.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { SECURITY_HEADERS, StaticFiles, contentTypeOf, staticTarget } from '../../node-core/src/web/static-files.ts'
import { checkBearer, checkSocketToken, offeredProtocols } from '../../node-core/src/web/request-guard.ts'
import { TOKEN_PROTOCOL_PREFIX, WIRE_PROTOCOL } from '../../node-core/src/contract/index.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'

let server: Server
let files: StaticFiles
let port = 0
let top = ''

before(async () => {
  top = await tempDir()
  const dist = join(top, 'dist')
  await mkdir(join(dist, 'assets', 'folder.js'), { recursive: true }) // a directory named like a file
  await writeFile(join(dist, 'index.html'), '<!doctype html><title>t</title>')
  await writeFile(join(dist, 'assets', 'app.js'), 'export {}\n')
  await writeFile(join(top, 'outside.js'), 'secret')
  await symlink(join(top, 'outside.js'), join(dist, 'assets', 'leak.js'))
  files = new StaticFiles(dist)
  server = createServer((req, res) => { void files.serve(req.url!, res, req.method === 'HEAD') })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as { port: number }).port
})
after(async () => { await new Promise(resolve => server.close(resolve)); await removeTemps() })

async function get (path: string, method = 'GET'): Promise<{ status: number, body: string, headers: Headers }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { method })
  return { status: r.status, body: await r.text(), headers: r.headers }
}

describe('StaticFiles', () => {
  it('serves index.html for / and app routes, uncached; assets cached for an hour', async () => {
    for (const path of ['/', '/downloads/abc']) {
      const r = await get(path)
      assert.equal(r.status, 200, path)
      assert.equal(r.body, '<!doctype html><title>t</title>')
      assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8')
      assert.equal(r.headers.get('content-length'), String(r.body.length))
      assert.equal(r.headers.get('cache-control'), 'no-cache')
    }
    const asset = await get('/assets/app.js')
    assert.deepEqual([asset.status, asset.body], [200, 'export {}\n'])
    assert.equal(asset.headers.get('content-type'), 'text/javascript; charset=utf-8')
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=3600')
  })

  it('answers HEAD with the headers and no body', async () => {
    const r = await get('/assets/app.js', 'HEAD')
    assert.deepEqual([r.status, r.body, r.headers.get('content-length')], [200, '', '10'])
  })

  it('answers 400 for a bad path, 404 for a missing file, a directory or a link out of the folder', async () => {
    const bad = await get('/assets%2fapp.js')
    assert.deepEqual([bad.status, bad.body, bad.headers.get('content-type')], [400, 'bad path', 'text/plain; charset=utf-8'])
    assert.equal(bad.headers.get('content-length'), '8')
    for (const path of ['/missing.js', '/assets/folder.js', '/assets/leak.js']) {
      const r = await get(path)
      assert.deepEqual([r.status, r.body], [404, 'not found'], path)
    }
  })

  it('says when the UI is not built, and notices when it appears', async () => {
    const empty = new StaticFiles(join(top, 'not-built'))
    assert.equal(await empty.available(), false)
    assert.equal(await files.available(), true)
    const other = createServer((req, res) => { void empty.serve(req.url!, res, false) })
    await new Promise<void>(resolve => other.listen(0, '127.0.0.1', resolve))
    try {
      const r = await fetch(`http://127.0.0.1:${(other.address() as { port: number }).port}/`)
      assert.deepEqual([r.status, await r.text()], [404, 'web UI not built: run npm run build:renderer'])
      await mkdir(join(top, 'not-built'))
      await writeFile(join(top, 'not-built', 'index.html'), 'built')
      assert.equal(await empty.available(), true)
    } finally {
      await new Promise(resolve => other.close(resolve))
      await rm(join(top, 'not-built'), { recursive: true })
    }
  })

  it('refuses a backslash even where nothing is encoded', () => {
    assert.deepEqual(staticTarget('/assets\\app.js'), { kind: 'refused', status: 400 })
  })
})

describe('content types and security headers', () => {
  it('maps every extension the UI uses, in any case; anything else is a download', () => {
    const expected: Record<string, string> = {
      'a.html': 'text/html; charset=utf-8', 'a.js': 'text/javascript; charset=utf-8', 'a.mjs': 'text/javascript; charset=utf-8',
      'a.css': 'text/css; charset=utf-8', 'a.json': 'application/json; charset=utf-8', 'a.map': 'application/json; charset=utf-8',
      'a.txt': 'text/plain; charset=utf-8', 'a.svg': 'image/svg+xml', 'a.png': 'image/png', 'a.jpg': 'image/jpeg', 'a.jpeg': 'image/jpeg',
      'a.gif': 'image/gif', 'a.webp': 'image/webp', 'a.ico': 'image/x-icon', 'a.woff': 'font/woff', 'a.woff2': 'font/woff2',
      'a.wasm': 'application/wasm', 'a.webmanifest': 'application/manifest+json', 'A.PNG': 'image/png', 'a.exe': 'application/octet-stream', 'noext': 'application/octet-stream'
    }
    for (const [name, type] of Object.entries(expected)) assert.equal(contentTypeOf(`/dist/${name}`), type, name)
  })

  it('every response carries a strict CSP and the no-sniff, no-referrer, no-frame headers', () => {
    assert.deepEqual(SECURITY_HEADERS, {
      'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
        "connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin'
    })
  })
})

describe('request guard: tokens and subprotocols', () => {
  const token = 'a'.repeat(43)
  it('takes exactly "Bearer <token>" and says why it refuses', () => {
    assert.equal(checkBearer({ authorization: `Bearer ${token}` }, token), null)
    for (const authorization of [`xBearer ${token}`, `Bearer ${token} x`, `Bearer  ${token}`, `bearer ${token}`, token, undefined]) {
      assert.deepEqual(checkBearer({ authorization }, token), { status: 401, reason: 'missing or wrong token' }, String(authorization))
    }
  })

  it('reads the offered subprotocols trimmed, without empty ones', () => {
    assert.deepEqual(offeredProtocols({}), [])
    assert.deepEqual(offeredProtocols({ 'sec-websocket-protocol': ' a , ,b,' }), ['a', 'b'])
  })

  it('refuses an upgrade without the token (401) or without the wire protocol (400), saying which', () => {
    assert.equal(checkSocketToken({ 'sec-websocket-protocol': `${WIRE_PROTOCOL}, ${TOKEN_PROTOCOL_PREFIX}${token}` }, token), null)
    assert.deepEqual(checkSocketToken({ 'sec-websocket-protocol': WIRE_PROTOCOL }, token), { status: 401, reason: 'missing or wrong token' })
    assert.deepEqual(checkSocketToken({ 'sec-websocket-protocol': `${TOKEN_PROTOCOL_PREFIX}${token}` }, token), { status: 400, reason: `subprotocol ${WIRE_PROTOCOL} required` })
  })
})
