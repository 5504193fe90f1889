/**
 * The browser transport: the daemon's WebSocket (`/api/ws`, subprotocols `swarmdrop.v1` and
 * `token.<token>`, JSON frames of node-core/src/service/wire.ts). Reconnects with exponential
 * back-off; calls made while disconnected fail at once with code 'disconnected'.
 */
import type { CommandArgs, CommandName, CommandResults, ServiceEvent, ShareInfo } from 'swarmdrop/contract'
import { RemoteError, TOKEN_PROTOCOL_PREFIX, WIRE_PROTOCOL } from 'swarmdrop/contract'
import type { ClientMessage, ServerMessage } from 'swarmdrop/contract'
import type { ConnectionState, Transport } from '../transport.ts'
import type { DroppedFile } from '../dropped-files.ts'
import type { UploadProgress } from '../upload.ts'

export interface WebSocketTransportOptions {
  readonly url: string
  readonly token: string | null
  readonly upload: (files: readonly DroppedFile[], progress?: UploadProgress) => Promise<ShareInfo[]>
  /** The media address of a file (lib/media.ts daemonMediaUrl); none: players are not offered. */
  readonly media?: (shareId: string, fileIndex: number) => Promise<string>
  readonly minDelayMs?: number
  readonly maxDelayMs?: number
  /** Asked when a connection fails before it opened: true when the daemon says the token is wrong (then no more attempts). */
  readonly tokenIsWrong?: () => Promise<boolean>
}

interface Pending { resolve (value: unknown): void, reject (err: Error): void }

export class WebSocketTransport implements Transport {
  readonly shell = 'browser'
  readonly #options: WebSocketTransportOptions
  readonly #listeners = new Set<(event: ServiceEvent) => void>()
  readonly #stateListeners = new Set<(state: ConnectionState) => void>()
  readonly #pending = new Map<number, Pending>()
  #socket: WebSocket | null = null
  #state: ConnectionState = 'connecting'
  #nextId = 1
  #attempt = 0
  #closed = false
  #retry: ReturnType<typeof setTimeout> | null = null

  constructor (options: WebSocketTransportOptions) {
    this.#options = options
    if (options.token == null) this.#setState('no-token')
    else this.#open()
  }

  call<C extends CommandName> (command: C, args: CommandArgs<C>): Promise<CommandResults[C]> {
    const socket = this.#socket
    if (socket == null || socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new RemoteError({ code: 'disconnected', message: 'not connected to the Swarmdrop daemon' }))
    }
    const id = this.#nextId++
    const message: ClientMessage = { type: 'call', id, command, args }
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      socket.send(JSON.stringify(message))
    })
  }

  subscribe (listener: (event: ServiceEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  onState (listener: (state: ConnectionState) => void): () => void {
    this.#stateListeners.add(listener)
    listener(this.#state)
    return () => { this.#stateListeners.delete(listener) }
  }

  shareDropped (files: readonly DroppedFile[], progress?: UploadProgress): Promise<ShareInfo[]> {
    return this.#options.upload(files, progress)
  }

  async mediaUrl (shareId: string, fileIndex: number): Promise<string> {
    if (this.#options.media == null) throw new Error('this page cannot play files')
    return await this.#options.media(shareId, fileIndex)
  }

  /** Closes the connection for good (no reconnect). */
  close (): void {
    this.#closed = true
    if (this.#retry != null) clearTimeout(this.#retry)
    this.#socket?.close()
  }

  #open (): void {
    if (this.#closed) return
    this.#setState('connecting')
    const socket = new WebSocket(this.#options.url, [WIRE_PROTOCOL, TOKEN_PROTOCOL_PREFIX + this.#options.token!])
    this.#socket = socket
    socket.addEventListener('open', () => {
      this.#attempt = 0
      this.#setState('open')
    })
    socket.addEventListener('message', e => {
      if (typeof e.data !== 'string') return
      let message: ServerMessage
      try { message = JSON.parse(e.data) as ServerMessage } catch { return }
      this.#receive(message)
    })
    let opened = false
    socket.addEventListener('open', () => { opened = true })
    socket.addEventListener('close', () => {
      if (this.#socket !== socket) return
      this.#socket = null
      for (const p of this.#pending.values()) p.reject(new RemoteError({ code: 'disconnected', message: 'the connection to the Swarmdrop daemon closed' }))
      this.#pending.clear()
      this.#setState('closed')
      const min = this.#options.minDelayMs ?? 500
      const delay = Math.min(this.#options.maxDelayMs ?? 10_000, min * 2 ** this.#attempt++)
      if (this.#closed) return
      const check = opened ? undefined : this.#options.tokenIsWrong
      if (check == null) {
        this.#retry = setTimeout(() => { this.#open() }, delay)
        return
      }
      void check().then(wrong => {
        if (this.#closed) return
        if (wrong) this.#setState('bad-token')
        else this.#retry = setTimeout(() => { this.#open() }, delay)
      })
    })
  }

  #receive (message: ServerMessage): void {
    if (message.type === 'event') {
      for (const l of this.#listeners) l(message.event)
      return
    }
    const pending = this.#pending.get(message.id)
    if (pending == null) return
    this.#pending.delete(message.id)
    if (message.type === 'result') pending.resolve(message.result)
    else pending.reject(new RemoteError(message.error))
  }

  #setState (state: ConnectionState): void {
    if (state === this.#state && state !== 'connecting') return
    this.#state = state
    for (const l of this.#stateListeners) l(state)
  }
}
