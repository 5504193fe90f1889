/**
 * The IPC channels between the main process and the preload, shared by both sides. The preload
 * talks on these channels only (an allow-list), never on a channel a page names.
 */
import type { WireError } from 'swarmdrop/contract'

export const IpcChannel = {
  /** invoke: `(command, args)` → `IpcCallReply`. */
  call: 'swarmdrop:call',
  /** send: start forwarding service events to this window. */
  subscribe: 'swarmdrop:subscribe',
  /** send: stop forwarding them. */
  unsubscribe: 'swarmdrop:unsubscribe',
  /** main → renderer: one `ServiceEvent`. */
  event: 'swarmdrop:event',
  /** invoke: `(shareId)` → `IpcCallReply`: shows a finished download in the file manager (the main process finds its path). */
  reveal: 'swarmdrop:reveal'
} as const

export type IpcChannelName = typeof IpcChannel[keyof typeof IpcChannel]

export const IPC_CHANNELS: ReadonlySet<string> = new Set(Object.values(IpcChannel))

/** A call's reply. Errors travel as values: Electron keeps only the message of a thrown error. */
export type IpcCallReply =
  | { readonly ok: true, readonly result: unknown }
  | { readonly ok: false, readonly error: WireError }
