import { MANIFEST_PIECE_BYTES } from '../../constants.ts'
import type { ClientMessage } from '../../messages.ts'
import type { ServerSession } from '../session.ts'

/** MANIFEST: up to MANIFEST_PIECE_BYTES of the manifest from `offset`, counted against the upload cap and the peer's manifest budget; past the end, `out-of-range`. */
export function manifest (session: ServerSession, message: Extract<ClientMessage, { t: 'manifest' }>): Promise<void> | undefined {
  if (!session.allow('manifest')) return undefined // past the peer's budget: ignored
  const bytes = session.share.manifestBytes
  if (message.offset >= bytes.length) return session.send({ t: 'error', code: 'out-of-range', message: 'manifest offset past the end' })
  const data = bytes.subarray(message.offset, message.offset + MANIFEST_PIECE_BYTES)
  return session.sendMetered({ t: 'manifest-piece', offset: message.offset, data }, data.length)
}
