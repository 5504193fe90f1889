/**
 * `window.swarmdrop`, as docs/WEB-API.md defines it: the service API over IPC on the allow-listed
 * channels of ipc/channels.ts, and `pathForFile` for dropped files. The page never sees
 * ipcRenderer. Errors reject with a plain `{ code, message }` (it crosses the context bridge).
 */
import { IpcChannel } from '../ipc/channels.ts'
import type { IpcRenderer, IpcRendererEvent, WebUtils } from 'electron'
import type { CommandArgs, CommandName, CommandResults, ServiceEvent, SwarmdropApi } from 'swarmdrop/contract'
import type { IpcCallReply } from '../ipc/channels.ts'
import type { WireError } from 'swarmdrop/contract'

export type BridgeIpc = Pick<IpcRenderer, 'invoke' | 'send' | 'on' | 'removeListener'>

export function createBridge (ipc: BridgeIpc, webUtils: Pick<WebUtils, 'getPathForFile'>) {
  const listeners = new Set<(event: ServiceEvent) => void>()
  let attached = false
  const onEvent = (_event: IpcRendererEvent, serviceEvent: ServiceEvent): void => {
    for (const listener of [...listeners]) {
      try { listener(serviceEvent) } catch (err) { console.error('swarmdrop event listener failed', err) }
    }
  }

  const bridge = {
    shell: 'electron' as const,

    async call<C extends CommandName> (command: C, args: CommandArgs<C>): Promise<CommandResults[C]> {
      const reply = await ipc.invoke(IpcChannel.call, command, args) as IpcCallReply
      if (reply.ok) return reply.result as CommandResults[C]
      const error: WireError = { code: reply.error.code, message: reply.error.message }
      return await Promise.reject(error)
    },

    subscribe (listener: (event: ServiceEvent) => void): () => void {
      if (typeof listener !== 'function') throw new TypeError('subscribe needs a function')
      listeners.add(listener)
      if (!attached) {
        attached = true
        ipc.on(IpcChannel.event, onEvent)
        ipc.send(IpcChannel.subscribe)
      }
      return () => {
        listeners.delete(listener)
        if (attached && listeners.size === 0) {
          attached = false
          ipc.removeListener(IpcChannel.event, onEvent)
          ipc.send(IpcChannel.unsubscribe)
        }
      }
    },

    /** Shows a finished download in its folder (the file manager); the main process looks its path up by share ID. */
    async reveal (shareId: string): Promise<void> {
      const reply = await ipc.invoke(IpcChannel.reveal, shareId) as IpcCallReply
      if (reply.ok) return
      const error: WireError = { code: reply.error.code, message: reply.error.message }
      return await Promise.reject(error)
    },

    /** The local path of a dropped `File` (Electron removed `File.path`). */
    pathForFile (file: File): string {
      return webUtils.getPathForFile(file)
    }
  }
  return bridge satisfies SwarmdropApi
}

/** The type of `window.swarmdrop` for the renderer. */
export type SwarmdropBridge = ReturnType<typeof createBridge>
