import { WebSocketServer } from 'ws'
import { parseCommand } from '../contract/index.ts'
import { SwarmdropError, toWireError, WIRE_PROTOCOL } from '../contract/index.ts'
import { logger } from '../log/logger.ts'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { RawData, WebSocket } from 'ws'
import type { SwarmdropApi } from '../contract/index.ts'
import type { ServerMessage } from '../contract/index.ts'

const log = logger('swarmdrop:web')

export const SOCKET_LIMITS = {
  /** Largest frame a client may send. */
  maxPayload: 64 * 1024,
  /** Open sockets at once; more are refused with 503. */
  maxConnections: 16,
  /** Calls one socket may have unanswered; more get an error `busy`. */
  maxInFlight: 32,
  /** A socket whose unsent data grows past this (a client that stopped reading) is closed. */
  maxBufferedBytes: 8 * 1024 * 1024
} as const

/**
 * The WebSocket side of the web UI: each socket carries the service API (`wire.ts`). Calls are
 * parsed with `parseCommand` and answered with a result or a typed error; service events are
 * forwarded while the socket is open. The caller (web-server.ts) has already checked Host, Origin
 * and the token; this bridge enforces the limits.
 */
export class ApiSocketBridge {
  readonly #api: SwarmdropApi
  readonly #wss: WebSocketServer

  constructor (api: SwarmdropApi) {
    this.#api = api
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: SOCKET_LIMITS.maxPayload,
      perMessageDeflate: false,
      handleProtocols: protocols => protocols.has(WIRE_PROTOCOL) ? WIRE_PROTOCOL : false
    })
  }

  /** Open sockets. */
  get connections (): number {
    return this.#wss.clients.size
  }

  /** True when another socket would pass the connection cap. */
  get full (): boolean {
    return this.#wss.clients.size >= SOCKET_LIMITS.maxConnections
  }

  /** Completes an upgrade the caller has vetted. */
  accept (req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(req, socket, head, ws => {
      this.#wss.emit('connection', ws, req)
      this.#serve(ws)
    })
  }

  /** Closes every socket. */
  async close (): Promise<void> {
    for (const ws of this.#wss.clients) ws.terminate()
    await new Promise<void>(resolve => { this.#wss.close(() => { resolve() }) })
  }

  #serve (ws: WebSocket): void {
    let inFlight = 0
    const send = (message: ServerMessage): void => {
      if (ws.readyState !== ws.OPEN) return
      if (ws.bufferedAmount > SOCKET_LIMITS.maxBufferedBytes) {
        ws.terminate() // the client stopped reading: do not buffer without bound
        return
      }
      ws.send(JSON.stringify(message))
    }
    const unsubscribe = this.#api.subscribe(event => { send({ type: 'event', event }) })
    ws.on('close', unsubscribe)
    ws.on('error', () => { ws.terminate() })
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const frame = readCall(data, isBinary)
      if ('error' in frame) {
        send({ type: 'error', id: frame.id, error: { code: 'invalid-message', message: frame.error } })
        return
      }
      if (inFlight >= SOCKET_LIMITS.maxInFlight) {
        send({ type: 'error', id: frame.id, error: { code: 'busy', message: `more than ${SOCKET_LIMITS.maxInFlight} calls in flight` } })
        return
      }
      inFlight++
      const run = async (): Promise<unknown> => {
        const { command, args } = parseCommand(frame.command, frame.args)
        return await this.#api.call(command, args as never)
      }
      run().then(
        result => { send({ type: 'result', id: frame.id, result: result ?? null }) },
        (err: unknown) => {
          if (!(err instanceof SwarmdropError)) log.error('%s failed: %s', String(frame.command), err) // a bug: the caller sees only its message
          send({ type: 'error', id: frame.id, error: toWireError(err) })
        }
      ).finally(() => { inFlight-- })
    })
  }
}

/**
 * Reads one client frame: `{ type: 'call', id, command, args }` with a safe-integer id. A frame
 * that is not one is answered with an error carrying its id when it had a usable one, else 0.
 */
export function readCall (data: RawData, isBinary: boolean): { id: number, command: unknown, args: unknown } | { id: number, error: string } {
  if (isBinary) return { id: 0, error: 'frames must be JSON text' }
  let value: unknown
  try {
    value = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8'))
  } catch {
    return { id: 0, error: 'frame is not valid JSON' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { id: 0, error: 'frame must be a JSON object' }
  const frame = value as Record<string, unknown>
  const id = Number.isSafeInteger(frame.id) ? frame.id as number : 0
  if (!Number.isSafeInteger(frame.id)) return { id, error: 'id must be an integer' }
  if (frame.type !== 'call') return { id, error: 'type must be "call"' }
  return { id, command: frame.command, args: frame.args }
}
