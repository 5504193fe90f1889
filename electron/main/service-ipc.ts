/**
 * The main-process end of the preload bridge: `call` (invoke) and the event subscription, each
 * checked against the sender frame (only the main window's app:// page) and, for calls, validated
 * with node-core's `parseCommand` before anything runs.
 */
import { parseCommand } from 'swarmdrop/contract'
import { SwarmdropError, toWireError } from 'swarmdrop/contract'
import { logger } from 'swarmdrop/node'
import { IpcChannel } from '../ipc/channels.ts'
import { UntrustedSenderError } from './errors.ts'
import { isAppUrl } from './window.ts'
import type { IpcMain, IpcMainEvent, IpcMainInvokeEvent, WebContents, WebFrameMain } from 'electron'
import type { CommandArgs, CommandName, SwarmdropApi } from 'swarmdrop/contract'
import type { IpcCallReply } from '../ipc/channels.ts'

const log = logger('swarmdrop:electron')

export type FrameLike = Pick<WebFrameMain, 'url' | 'processId' | 'routingId'>

/**
 * True only for the main window's top frame showing an app:// page. `mainFrame` answers the
 * window's current top frame (null while there is no window).
 */
export function isTrustedFrame (frame: FrameLike | null | undefined, mainFrame: () => FrameLike | null): boolean {
  if (frame == null) return false
  const main = mainFrame()
  if (main == null) return false
  return frame.processId === main.processId && frame.routingId === main.routingId && isAppUrl(frame.url)
}

export type EventTarget = Pick<WebContents, 'send' | 'isDestroyed' | 'once' | 'id'>
export type ServiceIpcMain = Pick<IpcMain, 'handle' | 'removeHandler' | 'on' | 'removeListener'>

/** Handles one `call` from a renderer: sender check, argument validation, the call, a typed reply. */
export async function handleCall (api: SwarmdropApi, trusted: boolean, command: unknown, args: unknown): Promise<IpcCallReply> {
  try {
    if (!trusted) throw new UntrustedSenderError('IPC call from a frame that is not the Swarmdrop window')
    const parsed = parseCommand(command, args)
    const result = await api.call(parsed.command, parsed.args as CommandArgs<CommandName>)
    return { ok: true, result }
  } catch (err) {
    if (!(err instanceof SwarmdropError)) log.error('%s failed: %s', String(command), err) // a bug: the window sees only its message
    return { ok: false, error: toWireError(err) }
  }
}

/**
 * Registers the bridge's IPC handlers; returns a function that removes them and the service
 * subscription. Events go only to trusted windows that subscribed, until they unsubscribe or close.
 */
export function registerServiceIpc (ipcMain: ServiceIpcMain, api: SwarmdropApi, mainFrame: () => FrameLike | null): () => void {
  const subscribers = new Map<number, EventTarget>()
  const trusted = (event: IpcMainEvent | IpcMainInvokeEvent): boolean => isTrustedFrame(event.senderFrame, mainFrame)

  ipcMain.handle(IpcChannel.call, (event, command: unknown, args: unknown) => handleCall(api, trusted(event), command, args))
  const onSubscribe = (event: IpcMainEvent): void => {
    if (!trusted(event)) return
    const target = event.sender
    if (subscribers.has(target.id)) return
    subscribers.set(target.id, target)
    target.once('destroyed', () => { subscribers.delete(target.id) })
  }
  const onUnsubscribe = (event: IpcMainEvent): void => { subscribers.delete(event.sender.id) }
  ipcMain.on(IpcChannel.subscribe, onSubscribe)
  ipcMain.on(IpcChannel.unsubscribe, onUnsubscribe)
  const unsubscribeService = api.subscribe(serviceEvent => {
    for (const [id, target] of subscribers) {
      if (target.isDestroyed()) subscribers.delete(id)
      else target.send(IpcChannel.event, serviceEvent)
    }
  })
  return () => {
    unsubscribeService()
    ipcMain.removeHandler(IpcChannel.call)
    ipcMain.removeListener(IpcChannel.subscribe, onSubscribe)
    ipcMain.removeListener(IpcChannel.unsubscribe, onUnsubscribe)
    subscribers.clear()
  }
}
