/**
 * The app:// protocol handler on a real folder: files served with MIME type and CSP; every path
 * that would leave the folder refused. Its input is a WHATWG Request (what Electron's
 * `protocol.handle` passes) built here with Node's own Request; no Electron stand-in is needed
 * except for the registration call, which gets a small recording object.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { APP_START_URL, CONTENT_SECURITY_POLICY, createAppProtocolHandler, registerAppSchemeAsPrivileged, requestedFile } from '../../electron/main/app-protocol.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'

let base: string
let root: string
let handler: (request: Request) => Promise<Response>
before(async () => {
  base = await tempDir()
  root = join(base, 'dist')
  await mkdir(join(root, 'assets'), { recursive: true })
  await writeFile(join(root, 'index.html'), '<!doctype html><title>Swarmdrop</title>')
  await writeFile(join(root, 'assets', 'app.js'), 'console.log(1)')
  await writeFile(join(root, 'assets', 'app.css'), 'body{}')
  await writeFile(join(base, 'secret.txt'), 'outside the root')
  await symlink(join(base, 'secret.txt'), join(root, 'escape.txt'))
  await symlink(base, join(root, 'up'))
  handler = createAppProtocolHandler(root)
})
after(removeTemps)

const get = (url: string, method = 'GET'): Promise<Response> => handler(new Request(url, { method }))

describe('app:// protocol', () => {
  it('is registered as a standard, secure scheme, with the media scheme that streams', () => {
    const calls: unknown[] = []
    registerAppSchemeAsPrivileged({ registerSchemesAsPrivileged: (schemes: unknown) => { calls.push(schemes) } } as never)
    assert.deepEqual(calls, [[
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
      { scheme: 'swarmdrop-media', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }
    ]])
    assert.match(CONTENT_SECURITY_POLICY, /media-src swarmdrop-media:/)
  })

  it('serves the built files with their type and the CSP', async () => {
    const index = await get(APP_START_URL)
    assert.equal(index.status, 200)
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8')
    assert.equal(index.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY)
    assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'/)
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-(inline|eval)/)
    assert.equal(await index.text(), '<!doctype html><title>Swarmdrop</title>')
    const root = await get('app://swarmdrop/')
    assert.equal(await root.text(), '<!doctype html><title>Swarmdrop</title>')
    const js = await get('app://swarmdrop/assets/app.js?v=1#x')
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8')
    assert.equal(await js.text(), 'console.log(1)')
    assert.equal((await get('app://swarmdrop/assets/app.css')).headers.get('content-type'), 'text/css; charset=utf-8')
    const head = await get(APP_START_URL, 'HEAD')
    assert.equal(head.status, 200)
    assert.equal(await head.text(), '')
    assert.equal((await get('app://swarmdrop/missing.js')).status, 404)
    assert.equal(await (await get('app://swarmdrop/downloads')).text(), '<!doctype html><title>Swarmdrop</title>', 'an app route is the page')
    assert.equal((await get('app://swarmdrop/assets/nope.js')).status, 404)
    assert.equal((await get(APP_START_URL, 'POST')).status, 405)
  })

  it('refuses every path that leaves the folder', async () => {
    const attempts = [
      'app://swarmdrop/%2e%2e/secret.txt',
      'app://swarmdrop/%2E%2E/secret.txt',
      'app://swarmdrop/assets/%2e%2e/%2e%2e/secret.txt',
      'app://swarmdrop/..%2fsecret.txt',
      'app://swarmdrop/..%5csecret.txt',
      'app://swarmdrop/%5c..%5csecret.txt',
      'app://swarmdrop/%00index.html',
      'app://swarmdrop/c:%5cwindows%5cwin.ini',
      `app://swarmdrop/${encodeURIComponent(join(base, 'secret.txt'))}`,
      'app://swarmdrop/%E0%A4%A',
      'app://swarmdrop/escape.txt',
      'app://swarmdrop/up/secret.txt'
    ]
    for (const url of attempts) {
      const res = await get(url)
      assert.ok(res.status === 403 || res.status === 404, `${url} → ${res.status}`)
      assert.notEqual(await res.text(), 'outside the root', url)
    }
    assert.equal((await get('app://swarmdrop/escape.txt')).status, 403, 'a symlink out of the root is refused')
    assert.equal((await get('app://swarmdrop/..%2fsecret.txt')).status, 403, 'an encoded slash makes a `..` segment after decoding')
    // URL() folds `..` and `%2e%2e` segments before we see them: they stay inside the root.
    assert.equal((await get('app://swarmdrop/%2e%2e/secret.txt')).status, 404)
    assert.equal(await (await get('app://swarmdrop/../../index.html')).text(), '<!doctype html><title>Swarmdrop</title>')
  })

  it('explains a missing renderer build instead of a blank window', async () => {
    const empty = createAppProtocolHandler(await tempDir())
    const res = await empty(new Request(APP_START_URL))
    assert.equal(res.status, 404)
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8')
    assert.equal(res.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY)
    assert.match(await res.text(), /npm run build/)
    assert.equal(await (await empty(new Request('app://swarmdrop/app.js'))).text(), 'not found')
  })

  it('answers only its own host and scheme', async () => {
    assert.equal((await get('app://other/index.html')).status, 403)
    assert.equal(requestedFile('file:///index.html'), null)
    assert.equal(requestedFile('app://swarmdrop/a/b.js'), 'a/b.js')
    assert.equal(requestedFile('app://swarmdrop/a%20b.js'), 'a b.js')
    assert.equal(requestedFile('app://swarmdrop/'), 'index.html')
    assert.equal(requestedFile('app://swarmdrop/settings/network'), 'index.html')
    assert.equal(requestedFile('not a url'), null)
  })
})
