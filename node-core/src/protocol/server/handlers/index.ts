/**
 * The downloader's messages inside a session, each to its handler (the opening HELLO is read by
 * `readHello` before the session exists). A handler returns a promise only when it sends a reply
 * the session must wait for; the common path (a request queued) stays synchronous.
 */
import { cancel } from './cancel.ts'
import { hello } from './hello.ts'
import { manifest } from './manifest.ts'
import { request } from './request.ts'
import type { ClientMessage } from '../../messages.ts'
import type { ServerSession } from '../session.ts'

export type Handler<M extends ClientMessage = ClientMessage> = (session: ServerSession, message: M) => Promise<void> | undefined

/** One handler per message type; the compiler insists on every type. */
export type HandlerTable = { readonly [T in ClientMessage['t']]: Handler<Extract<ClientMessage, { t: T }>> }

export const HANDLERS: HandlerTable = { hello, manifest, request, cancel }

/** Hands a decoded message (decoding already rejected unknown types and bad fields) to its handler. */
export function dispatch (session: ServerSession, message: ClientMessage): Promise<void> | undefined {
  return (HANDLERS[message.t] as Handler)(session, message)
}
