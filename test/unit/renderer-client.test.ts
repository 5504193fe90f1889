/// <reference lib="dom" />
/**
 * The renderer's client outside the browser: the WebSocket transport against a real `ws` server
 * on 127.0.0.1 (calls, errors, events, disconnect and reconnect), the token handling, link
 * extraction and figures. Node 24's global WebSocket is the browser's API.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { WebSocketServer } from 'ws'
import type { WebSocket as WsSocket } from 'ws'
import { WebSocketTransport } from '../../renderer/src/lib/transports/websocket.ts'
import { takeToken } from '../../renderer/src/lib/token.ts'
import { linksInText } from '../../renderer/src/lib/dropped-files.ts'
import { addressWithoutPeer, etaSeconds, formatBytes, formatDuration } from '../../renderer/src/lib/format.ts'
import type { ConnectionState } from '../../renderer/src/lib/service-client.ts'
import type { ClientMessage } from '../../node-core/src/contract/index.ts'

const closers: Array<() => Promise<void>> = []
after(async () => { for (const c of closers) await c() })

/** A real WebSocket server speaking the wire protocol: answers `nodeInfo`, fails everything else. */
async function wireServer (token: string): Promise<{ url: string, sockets: Set<WsSocket>, protocols: string[][] }> {
  const http = createServer()
  const sockets = new Set<WsSocket>()
  const protocols: string[][] = []
  const wss = new WebSocketServer({
    server: http,
    path: '/api/ws',
    handleProtocols: p => { protocols.push([...p]); return p.has('swarmdrop.v1') && p.has(`token.${token}`) ? 'swarmdrop.v1' : false }
  })
  wss.on('connection', socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.send(JSON.stringify({ type: 'event', event: { type: 'peer:disconnected', peerId: 'p1' } }))
    socket.on('message', data => {
      const m = JSON.parse(String(data)) as ClientMessage
      if (m.command === 'nodeInfo') socket.send(JSON.stringify({ type: 'result', id: m.id, result: { peerId: 'me' } }))
      else socket.send(JSON.stringify({ type: 'error', id: m.id, error: { code: 'not-found', message: `no ${m.command}` } }))
    })
  })
  await new Promise<void>(resolve => http.listen(0, '127.0.0.1', resolve))
  closers.push(async () => { for (const s of sockets) s.terminate(); wss.close(); http.closeAllConnections(); await new Promise(resolve => http.close(resolve)) })
  return { url: `ws://127.0.0.1:${(http.address() as { port: number }).port}/api/ws`, sockets, protocols }
}

function waitForState (states: ConnectionState[], wanted: ConnectionState, from: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const check = (): void => {
      if (states.slice(from).includes(wanted)) resolve()
      else if (Date.now() - started > 10_000) reject(new Error(`no ${wanted} after ${states.join(',')}`))
      else setTimeout(check, 20)
    }
    check()
  })
}

/** Ends a transport: the server drops the connection first (a client-side close waits seconds for the close handshake). */
async function shutDown (t: WebSocketTransport, server: { sockets: Set<WsSocket> }, states: ConnectionState[]): Promise<void> {
  t.close()
  const mark = states.length
  for (const s of server.sockets) s.terminate()
  await waitForState(states, 'closed', mark)
}

describe('renderer WebSocket transport', () => {
  it('sends the token as a subprotocol, correlates results and errors, delivers events', async () => {
    const server = await wireServer('secret')
    const t = new WebSocketTransport({ url: server.url, token: 'secret', upload: async () => [] })
    const states: ConnectionState[] = []
    t.onState(s => states.push(s))
    const events: unknown[] = []
    t.subscribe(e => events.push(e))
    await waitForState(states, 'open', 0)
    assert.deepEqual(server.protocols[0], ['swarmdrop.v1', 'token.secret'])
    const [info, failure] = await Promise.allSettled([t.call('nodeInfo', {}), t.call('pause', { shareId: 'x' })])
    assert.deepEqual(info, { status: 'fulfilled', value: { peerId: 'me' } })
    assert.equal(failure.status, 'rejected')
    assert.equal((failure as PromiseRejectedResult).reason.code, 'not-found')
    assert.equal((failure as PromiseRejectedResult).reason.message, 'no pause')
    assert.deepEqual(events, [{ type: 'peer:disconnected', peerId: 'p1' }])
    await shutDown(t, server, states)
  })

  it('reports a dropped connection, fails calls meanwhile with code "disconnected", and reconnects', async () => {
    const server = await wireServer('secret')
    const t = new WebSocketTransport({ url: server.url, token: 'secret', upload: async () => [], minDelayMs: 50, maxDelayMs: 200 })
    const states: ConnectionState[] = []
    t.onState(s => states.push(s))
    await waitForState(states, 'open', 0)
    const mark = states.length
    for (const s of server.sockets) s.terminate()
    await waitForState(states, 'closed', mark)
    await waitForState(states, 'open', mark)
    assert.deepEqual(await t.call('nodeInfo', {}), { peerId: 'me' }, 'works again after reconnecting')
    const mark2 = states.length
    for (const s of server.sockets) s.terminate()
    await waitForState(states, 'closed', mark2)
    await assert.rejects(t.call('nodeInfo', {}), { code: 'disconnected' })
    await waitForState(states, 'open', mark2)
    await shutDown(t, server, states)
  })

  it('a wrong token never opens; no token is its own state', async () => {
    const server = await wireServer('secret')
    const t = new WebSocketTransport({ url: server.url, token: 'wrong', upload: async () => [], minDelayMs: 50, maxDelayMs: 100 })
    const states: ConnectionState[] = []
    t.onState(s => states.push(s))
    await waitForState(states, 'closed', 0)
    assert.ok(!states.includes('open'))
    const none = new WebSocketTransport({ url: server.url, token: null, upload: async () => [] })
    const s2: ConnectionState[] = []
    none.onState(s => s2.push(s))
    assert.deepEqual(s2, ['no-token'])
    await assert.rejects(none.call('list', {}), { code: 'disconnected' })
    t.close()
  })
})

describe('renderer token, links and figures', () => {
  it('takes the token from the fragment, stores it and removes it from the address', () => {
    const stored = new Map<string, string>()
    const storage = { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => { stored.set(k, v) } }
    let replaced = ''
    const history = { state: null, replaceState: (_s: unknown, _t: string, url?: string | URL | null) => { replaced = String(url) } }
    assert.equal(takeToken({ hash: '#token=abc123', pathname: '/', search: '' }, history, storage), 'abc123')
    assert.equal(replaced, '/')
    assert.equal(stored.get('swarmdrop.token'), 'abc123')
    replaced = ''
    assert.equal(takeToken({ hash: '', pathname: '/', search: '' }, history, storage), 'abc123', 'a reload keeps it')
    assert.equal(replaced, '', 'nothing to remove')
    assert.equal(takeToken({ hash: '', pathname: '/', search: '' }, history, { getItem: () => null, setItem: () => {} }), null)
  })

  it('finds swarmdrop:// links in pasted or dropped text', () => {
    assert.deepEqual(linksInText('see swarmdrop://bafyabc?name=x&size=1 and "swarmdrop://bafydef"\nswarmdrop://bafyabc?name=x&size=1'), ['swarmdrop://bafyabc?name=x&size=1', 'swarmdrop://bafydef'])
    assert.deepEqual(linksInText('https://example.com nothing here'), [])
    assert.equal(linksInText(Array.from({ length: 40 }, (_, i) => `swarmdrop://id${i}`).join(' ')).length, 16)
  })

  it('formats sizes, durations, ETAs and addresses', () => {
    assert.equal(formatBytes(0), '0 B')
    assert.equal(formatBytes(6 * 1024 * 1024), '6.00 MiB')
    assert.equal(formatBytes(1536), '1.50 KiB')
    assert.equal(formatBytes(-1), '–')
    assert.equal(formatDuration(75), '1 min 15 s')
    assert.equal(formatDuration(7260), '2 h 1 min')
    assert.equal(etaSeconds(100, 40, 20), 3)
    assert.equal(etaSeconds(null, 40, 20), null)
    assert.equal(etaSeconds(100, 40, 0), null)
    assert.equal(addressWithoutPeer('/ip4/127.0.0.1/tcp/1/p2p/12D3Koo'), '/ip4/127.0.0.1/tcp/1')
    assert.equal(addressWithoutPeer('/ip4/127.0.0.1/tcp/1'), '/ip4/127.0.0.1/tcp/1')
  })
})
