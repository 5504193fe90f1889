import { MANIFEST_PIECE_BYTES } from '../../constants.ts'
import type { ClientMessage } from '../../messages.ts'
import type { ServerSession } from '../session.ts'

/** MANIFEST: up to MANIFEST_PIECE_BYTES of the manifest from `offset`; past the end, `out-of-range`. */
export function manifest (session: ServerSession, message: Extract<ClientMessage, { t: 'manifest' }>): Promise<void> {
  const bytes = session.share.manifestBytes
  if (message.offset >= bytes.length) return session.send({ t: 'error', code: 'out-of-range', message: 'manifest offset past the end' })
  return session.send({ t: 'manifest-piece', offset: message.offset, data: bytes.subarray(message.offset, message.offset + MANIFEST_PIECE_BYTES) })
}
