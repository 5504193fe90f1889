/**
 * A Node client of a running daemon's web API (`ws://127.0.0.1:PORT/api/ws`, the profile's token
 * as a subprotocol): what `swarmdrop doctor` uses to read the live state of the daemon that holds
 * the profile. Calls only; events are ignored.
 */
import WebSocket from 'ws'
import { RemoteError, TOKEN_PROTOCOL_PREFIX, WIRE_PROTOCOL } from '../contract/index.ts'
import type { CommandArgs, CommandName, CommandResults, ServerMessage, SwarmdropApi } from '../contract/index.ts'
import { logger } from '../log/logger.ts'
import { SwarmdropError } from '../errors.ts'

const log = logger('swarmdrop:web')

export class DaemonApiClient implements Pick<SwarmdropApi, 'call'> {
  readonly #socket: WebSocket
  readonly #pending = new Map<number, { resolve: (value: unknown) => void, reject: (err: Error) => void }>()
  #nextId = 1

  private constructor (socket: WebSocket) {
    this.#socket = socket
    socket.on('message', data => { this.#answer(JSON.parse(String(data)) as ServerMessage) })
    socket.on('error', err => { log.warn('the connection to the daemon failed: %s', err) }) // 'close' follows and fails the calls
    socket.on('close', () => {
      for (const p of this.#pending.values()) p.reject(new SwarmdropError('disconnected', 'the daemon closed the connection'))
      this.#pending.clear()
    })
  }

  /** Connects to the web API on `port` of 127.0.0.1; rejects if nothing answers within `timeoutMs` or the token is refused. */
  static async connect (port: number, token: string, timeoutMs = 5000): Promise<DaemonApiClient> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/api/ws`, [WIRE_PROTOCOL, TOKEN_PROTOCOL_PREFIX + token], { handshakeTimeout: timeoutMs })
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => { socket.off('error', reject); resolve() })
      socket.once('error', reject)
    })
    return new DaemonApiClient(socket)
  }

  async call<C extends CommandName> (command: C, args: CommandArgs<C>): Promise<CommandResults[C]> {
    const id = this.#nextId++
    const answer = new Promise<unknown>((resolve, reject) => { this.#pending.set(id, { resolve, reject }) })
    this.#socket.send(JSON.stringify({ type: 'call', id, command, args }))
    return await answer as CommandResults[C]
  }

  close (): void {
    this.#socket.close()
  }

  #answer (message: ServerMessage): void {
    if (message.type === 'event') return
    const pending = this.#pending.get(message.id)
    this.#pending.delete(message.id)
    if (message.type === 'result') pending?.resolve(message.result)
    else pending?.reject(new RemoteError(message.error))
  }
}
