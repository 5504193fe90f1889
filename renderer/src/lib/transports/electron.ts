/**
 * The Electron transport: the preload's `window.swarmdrop` bridge (docs/WEB-API.md). IPC does not
 * drop while the window lives, so the state is always 'open'. Dropped files are shared by path.
 */
import type { CommandArgs, CommandName, CommandResults, ServiceEvent, ShareInfo } from 'swarmdrop/contract'
import { RemoteError } from 'swarmdrop/contract'
import type { WireError } from 'swarmdrop/contract'
import type { ConnectionState, Transport } from '../transport.ts'
import type { DroppedFile } from '../dropped-files.ts'
import { desktopMediaUrl } from '../media.ts'

/** What the preload exposes. */
export interface ElectronBridge {
  call (command: string, args: unknown): Promise<unknown>
  subscribe (listener: (event: ServiceEvent) => void): () => void
  pathForFile (file: File): string
  /** Shows a finished download in its folder (absent in an older preload). */
  reveal?: (shareId: string) => Promise<void>
  readonly shell: 'electron'
}

export class ElectronTransport implements Transport {
  readonly shell = 'electron'
  readonly #bridge: ElectronBridge

  constructor (bridge: ElectronBridge) {
    this.#bridge = bridge
  }

  async call<C extends CommandName> (command: C, args: CommandArgs<C>): Promise<CommandResults[C]> {
    try {
      return await this.#bridge.call(command, args) as CommandResults[C]
    } catch (err) {
      const e = err as Partial<WireError> | null
      throw new RemoteError({ code: typeof e?.code === 'string' ? e.code : 'internal', message: typeof e?.message === 'string' ? e.message : String(err) })
    }
  }

  subscribe (listener: (event: ServiceEvent) => void): () => void {
    return this.#bridge.subscribe(listener)
  }

  get canReveal (): boolean { return typeof this.#bridge.reveal === 'function' }

  async reveal (shareId: string): Promise<void> {
    try {
      await this.#bridge.reveal?.(shareId)
    } catch (err) {
      const e = err as Partial<WireError> | null
      throw new RemoteError({ code: typeof e?.code === 'string' ? e.code : 'internal', message: typeof e?.message === 'string' ? e.message : String(err) })
    }
  }

  onState (listener: (state: ConnectionState) => void): () => void {
    listener('open')
    return () => {}
  }

  /** Electron gives each dropped item (file or folder) its real path: each is shared as it is. */
  async mediaUrl (shareId: string, fileIndex: number): Promise<string> {
    return desktopMediaUrl(shareId, fileIndex)
  }

  async shareDropped (files: readonly DroppedFile[]): Promise<ShareInfo[]> {
    // Each dropped item is shared in place; a picked folder's files (relative paths `folder/…`) share the folder once.
    const paths = new Set<string>()
    for (const { file, relativePath } of files) {
      const path = this.#bridge.pathForFile(file)
      if (path === '') throw new RemoteError({ code: 'no-path', message: `${file.name} has no path on disk` })
      const slash = relativePath.indexOf('/')
      const tail = relativePath.slice(slash + 1)
      paths.add(slash > 0 && path.endsWith(tail) ? path.slice(0, path.length - tail.length - 1) : path)
    }
    const shares: ShareInfo[] = []
    for (const path of paths) shares.push(await this.call('share', { path }))
    return shares
  }
}
