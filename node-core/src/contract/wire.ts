/**
 * The messages that carry the service API between processes (the daemon's WebSocket, Electron IPC):
 * see docs/WEB-API.md. Plain JSON; a call's arguments are validated by `parseCommand` on arrival.
 */
import { SwarmdropError } from './errors.ts'
import type { ErrorCode } from './errors.ts'
import type { CommandName } from './commands.ts'
import type { ServiceEvent } from './types.ts'

export const WIRE_PROTOCOL = 'swarmdrop.v1'
/** WebSocket subprotocol prefix that carries the web UI's token. */
export const TOKEN_PROTOCOL_PREFIX = 'token.'

export interface WireError { readonly code: string, readonly message: string }

export type ClientMessage =
  | { readonly type: 'call', readonly id: number, readonly command: CommandName, readonly args: unknown }

export type ServerMessage =
  | { readonly type: 'result', readonly id: number, readonly result: unknown }
  | { readonly type: 'error', readonly id: number, readonly error: WireError }
  | { readonly type: 'event', readonly event: ServiceEvent }

/** The `{ code, message }` a caller sees for any thrown value; internal details stay in the log. */
export function toWireError (err: unknown): WireError {
  if (err instanceof SwarmdropError) return { code: err.code, message: err.message }
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) }
}

/** An error on the calling side with the remote `code`. */
export class RemoteError extends SwarmdropError {
  constructor (error: WireError) {
    // A newer node may send a code this front end does not know yet: it is passed on as it came.
    super(error.code as ErrorCode, error.message)
    this.name = 'RemoteError'
  }
}
