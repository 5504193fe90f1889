import { MAX_QUEUED_REQUESTS } from '../../constants.ts'
import type { ClientMessage } from '../../messages.ts'
import type { ServerSession } from '../session.ts'

/**
 * REQUEST: queued for the upload loop; a chunk past the end is `out-of-range`, and a request
 * beyond MAX_QUEUED_REQUESTS is `busy` (both with the index).
 */
export function request (session: ServerSession, message: Extract<ClientMessage, { t: 'request' }>): Promise<void> | undefined {
  const { index } = message
  if (index >= session.share.layout.chunkCount) return session.send({ t: 'error', code: 'out-of-range', index })
  if (session.queued >= MAX_QUEUED_REQUESTS) return session.send({ t: 'error', code: 'busy', index })
  session.enqueue(index)
  return undefined
}
