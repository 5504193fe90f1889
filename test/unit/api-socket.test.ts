/**
 * The WebSocket bridge's limits, over a real HTTP server and a real `ws` client. The service is
 * replaced by a stand-in SwarmdropApi (named `HeldApi`) whose calls wait until the test releases
 * them and whose events the test emits: the only way to hold calls open and to flood events on
 * demand. The real service behind the bridge is covered by test/integration/web.test.ts.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { WebSocket } from 'ws'
import { ApiSocketBridge, SOCKET_LIMITS } from '../../node-core/src/web/api-socket.ts'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ServiceEvent, SwarmdropApi } from '../../node-core/src/contract/index.ts'
import type { ServerMessage } from '../../node-core/src/contract/index.ts'

class HeldApi implements SwarmdropApi {
  readonly listeners = new Set<(e: ServiceEvent) => void>()
  readonly #held: Array<() => void> = []
  calls = 0

  call (): Promise<never> {
    this.calls++
    return new Promise(resolve => { this.#held.push(() => { resolve({ shares: [], downloads: [], peers: [] } as never) }) })
  }

  release (): void { for (const r of this.#held.splice(0)) r() }

  subscribe (listener: (e: ServiceEvent) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  emit (e: ServiceEvent): void { for (const l of this.listeners) l(e) }
}

const servers: Server[] = []
after(() => { for (const s of servers) s.close() })

async function setup (): Promise<{ api: HeldApi, bridge: ApiSocketBridge, url: string }> {
  const api = new HeldApi()
  const bridge = new ApiSocketBridge(api)
  const server = createServer()
  server.on('upgrade', (req, socket, head) => { bridge.accept(req, socket, head) })
  servers.push(server)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { api, bridge, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/ws` }
}

function connect (url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['swarmdrop.v1'])
    ws.once('open', () => { resolve(ws) })
    ws.once('error', reject)
  })
}

async function until (condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

describe('ApiSocketBridge limits', { timeout: 60_000 }, () => {
  it('answers calls beyond the in-flight cap with `busy`, and the rest once they finish', async () => {
    const { api, url } = await setup()
    const ws = await connect(url)
    const replies: ServerMessage[] = []
    ws.on('message', d => replies.push(JSON.parse(String(d)) as ServerMessage))
    const total = SOCKET_LIMITS.maxInFlight + 8
    for (let id = 1; id <= total; id++) ws.send(JSON.stringify({ type: 'call', id, command: 'list', args: {} }))
    await until(() => replies.length === 8)
    assert.ok(replies.every(r => r.type === 'error' && r.error.code === 'busy'), JSON.stringify(replies))
    assert.equal(api.calls, SOCKET_LIMITS.maxInFlight)
    api.release()
    await until(() => replies.length === total)
    assert.equal(replies.filter(r => r.type === 'result').length, SOCKET_LIMITS.maxInFlight)
    ws.send(JSON.stringify({ type: 'call', id: 999, command: 'list', args: {} }))
    await until(() => api.calls === SOCKET_LIMITS.maxInFlight + 1, 10_000)
    api.release()
    ws.close()
  })

  it('refuses frames over maxPayload by closing the socket', async () => {
    const { url } = await setup()
    const ws = await connect(url)
    const closed = new Promise<number>(resolve => ws.once('close', code => { resolve(code) }))
    ws.send(JSON.stringify({ type: 'call', id: 1, command: 'share', args: { path: 'x'.repeat(SOCKET_LIMITS.maxPayload) } }))
    assert.equal(await closed, 1009) // message too big
  })

  it('forwards events, unsubscribes on close, and drops a client that stops reading', async () => {
    const { api, bridge, url } = await setup()
    const reader = await connect(url)
    const got: ServerMessage[] = []
    reader.on('message', d => got.push(JSON.parse(String(d)) as ServerMessage))
    const stalled = await connect(url)
    await until(() => api.listeners.size === 2)
    api.emit({ type: 'share:removed', shareId: 'abc' })
    await until(() => got.length === 1)
    assert.deepEqual(got[0], { type: 'event', event: { type: 'share:removed', shareId: 'abc' } })

    reader.close()
    await until(() => bridge.connections === 1 && api.listeners.size === 1)

    // The stalled client stops reading its socket; the server must not buffer for it without bound.
    const raw = (stalled as unknown as { _socket: { pause (): void } })._socket
    raw.pause()
    const big = 'x'.repeat(60_000)
    let sent = 0
    for (; sent < 2000 && api.listeners.size === 1; sent++) {
      api.emit({ type: 'share:removed', shareId: big })
      if (sent % 50 === 0) await new Promise(resolve => setTimeout(resolve, 5))
    }
    await until(() => bridge.connections === 0 && api.listeners.size === 0)
    assert.ok(sent * big.length > SOCKET_LIMITS.maxBufferedBytes, `dropped after ${sent} events`)
    stalled.terminate()
  })
})
