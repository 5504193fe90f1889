import { TOKEN_PROTOCOL_PREFIX, WIRE_PROTOCOL } from '../contract/index.ts'
import { tokenMatches } from './web-token.ts'
import type { IncomingHttpHeaders } from 'node:http'

/**
 * The checks every request to the web UI passes before anything else happens: the Host header
 * names this server on loopback (DNS rebinding: a page on evil.example resolving to 127.0.0.1
 * still sends `Host: evil.example`), an Origin header (sent by browsers on cross-origin requests,
 * POSTs and WebSockets) is one of ours, and calls that change state carry the token. Pure
 * functions of the headers, so they are tested without a server.
 */

/** Why a request is refused: the HTTP status and a short reason (sent to the client as text). */
export interface Refusal { readonly status: 400 | 401 | 403, readonly reason: string }

/** The Host values this server answers to. */
export function allowedHosts (port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]
}

/** The Origin values of pages this server served. */
export function allowedOrigins (port: number): string[] {
  return allowedHosts(port).map(h => `http://${h}`)
}

/** Refuses a request whose Host is not ours, or whose Origin (if any) is not one of our pages. */
export function checkHostAndOrigin (headers: IncomingHttpHeaders, port: number): Refusal | null {
  const host = headers.host
  if (host == null || !allowedHosts(port).includes(host.toLowerCase())) {
    return { status: 403, reason: 'forbidden host' }
  }
  const origin = headers.origin
  if (origin != null && !allowedOrigins(port).includes(origin.toLowerCase())) {
    return { status: 403, reason: 'forbidden origin' }
  }
  return null
}

/** Refuses a POST without `Authorization: Bearer <token>`. */
export function checkBearer (headers: IncomingHttpHeaders, token: string): Refusal | null {
  const match = /^Bearer ([^\s]+)$/.exec(headers.authorization ?? '')
  return tokenMatches(token, match?.[1]) ? null : { status: 401, reason: 'missing or wrong token' }
}

/** The subprotocols a WebSocket upgrade offers (`Sec-WebSocket-Protocol`), trimmed. */
export function offeredProtocols (headers: IncomingHttpHeaders): string[] {
  const value = headers['sec-websocket-protocol']
  if (value == null) return []
  return value.split(',').map(p => p.trim()).filter(p => p !== '')
}

/**
 * Refuses a WebSocket upgrade that does not offer both `swarmdrop.v1` and `token.<token>`: the
 * token travels as a subprotocol because a browser's WebSocket cannot set other headers, and it
 * is checked before the upgrade completes.
 */
export function checkSocketToken (headers: IncomingHttpHeaders, token: string): Refusal | null {
  const offered = offeredProtocols(headers)
  const presented = offered.find(p => p.startsWith(TOKEN_PROTOCOL_PREFIX))?.slice(TOKEN_PROTOCOL_PREFIX.length)
  if (!tokenMatches(token, presented)) return { status: 401, reason: 'missing or wrong token' }
  if (!offered.includes(WIRE_PROTOCOL)) return { status: 400, reason: `subprotocol ${WIRE_PROTOCOL} required` }
  return null
}
