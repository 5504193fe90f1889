/**
 * The renderer's one client of node-core's service API (`SwarmdropApi`): the same `call` and
 * `subscribe` in Electron (IPC through the preload's `window.swarmdrop`) and in a browser (the
 * daemon's WebSocket, docs/WEB-API.md). Also knows how to share dropped files on each: a path in
 * Electron, an upload in the browser.
 */
import type { CommandArgs, CommandName, CommandResults, ServiceEvent, ShareInfo, SwarmdropApi } from 'swarmdrop/contract'
import { ElectronTransport } from './transports/electron.ts'
import type { ElectronBridge } from './transports/electron.ts'
import { WebSocketTransport } from './transports/websocket.ts'
import { daemonMediaUrl } from './media.ts'
import { takeToken } from './token.ts'
import { tokenIsWrong } from './token-check.ts'
import { uploadAndShare } from './upload.ts'
import type { UploadProgress } from './upload.ts'
import type { DroppedFile } from './dropped-files.ts'
import type { ConnectionState, Transport } from './transport.ts'

export type { ConnectionState, Transport } from './transport.ts'

export class ServiceClient implements SwarmdropApi {
  readonly #transport: Transport

  constructor (transport: Transport) {
    this.#transport = transport
  }

  get shell (): 'electron' | 'browser' { return this.#transport.shell }

  call<C extends CommandName> (command: C, args: CommandArgs<C>): Promise<CommandResults[C]> {
    return this.#transport.call(command, args)
  }

  subscribe (listener: (event: ServiceEvent) => void): () => void {
    return this.#transport.subscribe(listener)
  }

  onState (listener: (state: ConnectionState) => void): () => void {
    return this.#transport.onState(listener)
  }

  shareDropped (files: readonly DroppedFile[], progress?: UploadProgress): Promise<ShareInfo[]> {
    return this.#transport.shareDropped(files, progress)
  }

  mediaUrl (shareId: string, fileIndex: number): Promise<string> {
    return this.#transport.mediaUrl(shareId, fileIndex)
  }

  /** Whether `reveal` works here: in the desktop app; a browser shows the path instead. */
  get canReveal (): boolean { return this.#transport.canReveal === true }

  async reveal (shareId: string): Promise<void> {
    if (this.#transport.reveal == null) throw new Error('showing a folder works only in the desktop app')
    await this.#transport.reveal(shareId)
  }
}

declare global {
  interface Window { swarmdrop?: ElectronBridge }
}

/** Picks the transport: Electron's bridge when the preload exposed one, else the daemon's WebSocket. */
export function connectService (): ServiceClient {
  const bridge = window.swarmdrop
  if (bridge != null && bridge.shell === 'electron') return new ServiceClient(new ElectronTransport(bridge))
  const token = takeToken(window.location, window.history, window.sessionStorage)
  const wsUrl = new URL('api/ws', window.location.href)
  wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:'
  wsUrl.hash = ''
  return new ServiceClient(new WebSocketTransport({
    url: wsUrl.toString(),
    token,
    tokenIsWrong: () => tokenIsWrong(new URL('./', window.location.href).toString(), token ?? ''),
    upload: async (files, progress) => await uploadAndShare(new URL('./', window.location.href).toString(), token ?? '', files, progress),
    media: async (shareId, fileIndex) => await daemonMediaUrl(new URL('./', window.location.href).toString(), token ?? '', shareId, fileIndex)
  }))
}
