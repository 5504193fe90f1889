import type { ClientMessage } from '../../messages.ts'
import type { ServerSession } from '../session.ts'

/** CANCEL: drops a queued request, or one waiting for upload budget, within the peer's budget for cancels; no reply. */
export function cancel (session: ServerSession, message: Extract<ClientMessage, { t: 'cancel' }>): undefined {
  if (session.allow('cancel')) session.cancel(message.index)
  return undefined
}
