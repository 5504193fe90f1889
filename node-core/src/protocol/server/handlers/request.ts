import { MAX_QUEUED_REQUESTS } from '../../constants.ts'
import type { ClientMessage } from '../../messages.ts'
import type { ServerSession } from '../session.ts'

/**
 * REQUEST: queued for the upload loop; a chunk past the end is `out-of-range`, and a request
 * beyond MAX_QUEUED_REQUESTS is `busy` (both with the index).
 */
export function request (session: ServerSession, message: Extract<ClientMessage, { t: 'request' }>): Promise<void> | undefined {
  const { index } = message
  const code = index >= session.share.layout.chunkCount ? 'out-of-range' : session.queued >= MAX_QUEUED_REQUESTS ? 'busy' : null
  // A refusal costs a reply: it is counted against the peer's budget, and past it left unanswered.
  if (code != null) return session.allow('refused') ? session.send({ t: 'error', code, index }) : undefined
  session.enqueue(index)
  return undefined
}
