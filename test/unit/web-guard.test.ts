import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { checkBearer, checkHostAndOrigin, checkSocketToken } from '../../node-core/src/web/request-guard.ts'
import { staticTarget } from '../../node-core/src/web/static-files.ts'
import { loadOrCreateWebToken, tokenMatches, WEB_TOKEN_FILE } from '../../node-core/src/web/web-token.ts'
import { readCall } from '../../node-core/src/web/api-socket.ts'
import { tempDir, removeTemps } from '../helpers/files.ts'
import { after } from 'node:test'

after(removeTemps)

const PORT = 7717
const TOKEN = 'a'.repeat(43)

describe('web request guard', () => {
  it('accepts only our loopback Host values, with the right port', () => {
    for (const host of ['127.0.0.1:7717', 'localhost:7717', '[::1]:7717', 'LOCALHOST:7717']) {
      assert.equal(checkHostAndOrigin({ host }, PORT), null, host)
    }
    for (const host of [undefined, '', 'evil.example:7717', 'evil.example', '127.0.0.1', '127.0.0.1:7718', 'localhost', '0.0.0.0:7717',
      '127.0.0.1.evil.example:7717', '[::1]', '127.1:7717', 'localhost:7717.evil.example', 'localhost:7717 ']) {
      assert.deepEqual(checkHostAndOrigin({ host }, PORT), { status: 403, reason: 'forbidden host' }, String(host))
    }
  })

  it('accepts no Origin or one of our own origins, and refuses every other', () => {
    assert.equal(checkHostAndOrigin({ host: 'localhost:7717' }, PORT), null)
    for (const origin of ['http://127.0.0.1:7717', 'http://localhost:7717', 'http://[::1]:7717']) {
      assert.equal(checkHostAndOrigin({ host: '127.0.0.1:7717', origin }, PORT), null, origin)
    }
    for (const origin of ['null', 'https://127.0.0.1:7717', 'http://127.0.0.1:7718', 'http://evil.example', 'http://evil.example:7717',
      'http://127.0.0.1:7717.evil.example', 'file://', 'chrome-extension://abc', '']) {
      assert.deepEqual(checkHostAndOrigin({ host: '127.0.0.1:7717', origin }, PORT), { status: 403, reason: 'forbidden origin' }, origin)
    }
  })

  it('checks the bearer token of POSTs', () => {
    assert.equal(checkBearer({ authorization: `Bearer ${TOKEN}` }, TOKEN), null)
    for (const authorization of [undefined, '', 'Bearer', `Bearer ${TOKEN}x`, `bearer${TOKEN}`, `Basic ${TOKEN}`, `Bearer ${TOKEN} extra`, `Bearer ${TOKEN.slice(1)}`]) {
      assert.equal(checkBearer({ authorization }, TOKEN)?.status, 401, String(authorization))
    }
  })

  it('wants both the wire subprotocol and the token subprotocol on a WebSocket upgrade', () => {
    assert.equal(checkSocketToken({ 'sec-websocket-protocol': `swarmdrop.v1, token.${TOKEN}` }, TOKEN), null)
    assert.equal(checkSocketToken({ 'sec-websocket-protocol': `token.${TOKEN},swarmdrop.v1` }, TOKEN), null)
    assert.equal(checkSocketToken({}, TOKEN)?.status, 401)
    assert.equal(checkSocketToken({ 'sec-websocket-protocol': 'swarmdrop.v1' }, TOKEN)?.status, 401)
    assert.equal(checkSocketToken({ 'sec-websocket-protocol': 'swarmdrop.v1, token.wrong' }, TOKEN)?.status, 401)
    assert.equal(checkSocketToken({ 'sec-websocket-protocol': `swarmdrop.v1, token.` }, TOKEN)?.status, 401)
    assert.equal(checkSocketToken({ 'sec-websocket-protocol': `token.${TOKEN}` }, TOKEN)?.status, 400)
  })
})

describe('web token', () => {
  it('is 32 random bytes in base64url, mode 0600, and the same after a restart', async () => {
    const dir = await tempDir()
    const token = await loadOrCreateWebToken(dir)
    assert.match(token, /^[A-Za-z0-9_-]{43}$/)
    assert.equal(Buffer.from(token, 'base64url').length, 32)
    assert.equal((await stat(join(dir, WEB_TOKEN_FILE))).mode & 0o777, 0o600)
    assert.equal(await loadOrCreateWebToken(dir), token)
    assert.notEqual(await loadOrCreateWebToken(await tempDir()), token)
  })

  it('replaces a file that does not hold a well-formed token', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, WEB_TOKEN_FILE), 'short\n')
    const token = await loadOrCreateWebToken(dir)
    assert.match(token, /^[A-Za-z0-9_-]{43}$/)
    assert.equal((await readFile(join(dir, WEB_TOKEN_FILE), 'utf8')).trim(), token)
  })

  it('compares whole tokens only', () => {
    assert.equal(tokenMatches(TOKEN, TOKEN), true)
    for (const presented of [undefined, null, '', TOKEN.slice(0, 42), TOKEN + 'a', 'b'.repeat(43)]) assert.equal(tokenMatches(TOKEN, presented), false)
  })
})

describe('static paths', () => {
  it('maps file paths inside the folder and app routes to index.html', () => {
    assert.deepEqual(staticTarget('/assets/index-abc.js'), { kind: 'file', relative: 'assets/index-abc.js' })
    assert.deepEqual(staticTarget('/favicon.svg'), { kind: 'file', relative: 'favicon.svg' })
    assert.deepEqual(staticTarget('/a%20b.css'), { kind: 'file', relative: 'a b.css' })
    for (const route of ['/', '/downloads', '/shares/abc']) assert.deepEqual(staticTarget(route), { kind: 'app-route' }, route)
  })

  it('refuses traversal in every spelling', () => {
    for (const path of ['/../x.txt', '/assets/../../x.txt', '/%2e%2e/x.txt', '/%2E%2E/x.txt', '/assets/%2e%2e/%2e%2e/x.txt', '/..%2fx.txt',
      '/..%2Fx.txt', '/%2e%2e%2fx.txt', '/..\\x.txt', '/%5c..%5cx.txt', '/x.txt%00.js', '/x\u0000.js', '/./x.js', '//etc/passwd',
      'x.js', '/%zz.js', '/assets//a.js', '/%2e/x.js', '/..']) {
      assert.equal(staticTarget(path).kind, 'refused', path)
    }
  })
})

describe('WebSocket frames', () => {
  it('reads calls and names what is wrong with anything else', () => {
    assert.deepEqual(readCall(Buffer.from('{"type":"call","id":7,"command":"list","args":{}}'), false), { id: 7, command: 'list', args: {} })
    assert.deepEqual(readCall(Buffer.from('{"type":"call","id":7}'), true), { id: 0, error: 'frames must be JSON text' })
    assert.equal('error' in readCall(Buffer.from('nope'), false), true)
    assert.equal('error' in readCall(Buffer.from('[1]'), false), true)
    assert.equal('error' in readCall(Buffer.from('null'), false), true)
    assert.deepEqual(readCall(Buffer.from('{"type":"call","id":1.5,"command":"list"}'), false), { id: 0, error: 'id must be an integer' })
    assert.deepEqual(readCall(Buffer.from('{"type":"cast","id":3,"command":"list"}'), false), { id: 3, error: 'type must be "call"' })
  })
})
