/// <reference lib="dom" />
/**
 * The web UI server in a real browser (Debian's headless Chromium driven by playwright-core): a
 * stand-in page (not the Svelte renderer, which its own tests cover) reads the token from the URL
 * fragment, calls the API over the WebSocket and uploads through fetch, under the server's CSP.
 * A page from another origin that knows the token is refused on every route.
 *
 * Waits use function predicates, never strings: Playwright polls a string with `eval` from a
 * requestAnimationFrame callback, which the page's CSP (no 'unsafe-eval') can refuse; a function is
 * evaluated once, inside the DevTools call, and then called directly.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { launchBrowser } from '../e2e/helpers/browser.ts'
import { killAll, swarmdrop } from '../helpers/processes.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'
import type { Browser } from 'playwright-core'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'


const APP = `
const token = new URLSearchParams(location.hash.slice(1)).get('token')
const out = document.getElementById('out')
const ws = new WebSocket('ws://' + location.host + '/api/ws', ['swarmdrop.v1', 'token.' + token])
ws.onopen = () => { ws.send(JSON.stringify({ type: 'call', id: 1, command: 'nodeInfo', args: {} })) }
ws.onmessage = e => { const m = JSON.parse(e.data); if (m.type === 'result' && m.id === 1) out.textContent = 'peer ' + m.result.peerId }
ws.onerror = () => { out.textContent = 'socket refused' }
window.upload = async () => {
  const auth = { Authorization: 'Bearer ' + token }
  const put = await fetch('/api/uploads?batch=web1&path=hello.txt', { method: 'POST', headers: auth, body: new Blob(['hello from the browser']) })
  const share = await fetch('/api/uploads/share?batch=web1', { method: 'POST', headers: auth })
  return [put.status, share.status, (await share.json()).name]
}
`

/** A page on another origin that knows the token and tries everything. */
const EVIL = (port: number, token: string): string => `<!doctype html><body><p id="out">…</p><script>
const results = {}
const ws = new WebSocket('ws://127.0.0.1:${port}/api/ws', ['swarmdrop.v1', 'token.${token}'])
ws.onopen = () => { results.ws = 'open' }
ws.onerror = () => { results.ws = 'refused' }
fetch('http://127.0.0.1:${port}/api/uploads?batch=evil&path=a.txt', { method: 'POST', headers: { Authorization: 'Bearer ${token}' }, body: 'x' })
  .then(r => { results.fetch = r.status }, () => { results.fetch = 'failed' })
fetch('http://127.0.0.1:${port}/api/uploads?batch=evil&path=b.txt', { method: 'POST', mode: 'no-cors', body: 'x' })
  .then(() => { results.simple = 'sent' }, () => { results.simple = 'failed' })
window.results = results
</script>`

describe('web UI in a real browser', { timeout: 120_000 }, () => {
  let browser: Browser
  let evilServer: Server
  let port: number
  let token: string
  let repo: string

  before(async () => {
    const dist = join(await tempDir(), 'dist')
    await mkdir(join(dist, 'assets'), { recursive: true })
    await writeFile(join(dist, 'index.html'), '<!doctype html><meta charset="utf-8"><title>t</title><p id="out">…</p>' +
      '<script>window.inlineRan = true</script><script type="module" src="/assets/app.js"></script>')
    await writeFile(join(dist, 'assets', 'app.js'), APP)
    repo = await tempDir()
    const proc = swarmdrop(['daemon', '--repo', repo, '--web', '--web-port', '0', '--web-root', dist])
    const web = await proc.event('web')
    port = web.port as number
    token = /#token=(.+)$/.exec(web.url as string)![1]!
    browser = await launchBrowser()
  })
  after(async () => {
    try {
      await browser?.close()
    } finally { // a browser that fails to close must not leave the daemons running
      evilServer?.close()
      await killAll()
      await removeTemps()
    }
  })

  it('loads the page, connects with the token from the fragment, uploads and shares; CSP blocks inline script', async () => {
    const page = await browser.newPage()
    const messages: string[] = []
    page.on('console', m => { messages.push(m.text()) })
    await page.goto(`http://127.0.0.1:${port}/#token=${token}`)
    await page.waitForFunction(() => document.getElementById('out')?.textContent !== '…', undefined, { timeout: 30_000 })
    assert.match(await page.textContent('#out') ?? '', /^peer 12D3Koo/)
    assert.equal(await page.evaluate('window.inlineRan'), undefined, 'the CSP blocked the inline script')
    assert.deepEqual(messages.filter(t => /Content Security Policy/.test(t) && !/inline script/.test(t)), [], 'the CSP itself is valid')
    assert.deepEqual(await page.evaluate('window.upload()'), [201, 200, 'hello.txt'])
    assert.equal(await readFile(join(repo, 'library', 'web1', 'hello.txt'), 'utf8'), 'hello from the browser')
    await page.close()
  })

  it('refuses a page from another origin even when it knows the token', async () => {
    evilServer = createServer((_req, res) => { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end(EVIL(port, token)) })
    await new Promise<void>(resolve => evilServer.listen(0, '127.0.0.1', resolve))
    const page = await browser.newPage()
    await page.goto(`http://127.0.0.1:${(evilServer.address() as AddressInfo).port}/`)
    await page.waitForFunction(() => {
      const results = (window as { results?: Record<string, unknown> }).results
      return results != null && Object.keys(results).length === 3
    }, undefined, { timeout: 30_000 })
    const results = await page.evaluate('window.results') as Record<string, unknown>
    assert.equal(results.ws, 'refused')
    assert.equal(results.fetch, 'failed') // its CORS preflight is refused
    assert.ok(results.simple === 'sent' || results.simple === 'failed') // an opaque no-cors POST: the server refuses its Origin (checked below)
    assert.ok(!existsSync(join(repo, 'library', 'evil')), 'nothing uploaded from the foreign page')
    await page.close()
  })
})
