import { logger } from '../../../log/logger.ts'
import { HANDSHAKE_TIMEOUT_MS } from '../../constants.ts'
import { decodeClientMessage, encodeMessage } from '../../messages.ts'
import type { ServedShare } from '../../../storage/served-share.ts'
import type { ErrorCode } from '../../constants.ts'
import type { FramedStream } from '../../framing.ts'
import type { ServerSession } from '../session.ts'
import { SwarmdropError } from '../../../errors.ts'

const log = logger('swarmdrop:chunk-server')

/**
 * The opening message: HELLO within HANDSHAKE_TIMEOUT_MS, naming a share served here. Returns the
 * share, or null when the stream ended first or the HELLO was refused (ERROR sent, stream closed).
 */
export async function readHello (framed: FramedStream, frames: AsyncGenerator<Uint8Array>, lookup: (shareId: string) => ServedShare | undefined): Promise<ServedShare | null> {
  const timer = setTimeout(() => { framed.abort(new SwarmdropError('protocol', 'no HELLO in time')) }, HANDSHAKE_TIMEOUT_MS)
  let first: IteratorResult<Uint8Array>
  try {
    first = await frames.next()
  } finally {
    clearTimeout(timer)
  }
  if (first.done === true) return null
  const m = decodeClientMessage(first.value)
  if (m.t !== 'hello') {
    await refuse(framed, 'bad-request', 'first message must be HELLO')
    return null
  }
  const share = lookup(m.share)
  if (share == null) {
    await refuse(framed, 'unknown-share', 'this peer does not have that share')
    return null
  }
  return share
}

/** Answers the opening message with an ERROR (naming `peers` to try instead, if any) and closes the stream. */
export async function refuse (framed: FramedStream, code: ErrorCode, message: string, peers: readonly string[] = []): Promise<void> {
  log('refused a session: %s (%s)', code, message)
  await framed.send(encodeMessage({ t: 'error', code, message, ...(peers.length > 0 ? { peers } : {}) }))
  await framed.close()
}

/** HELLO inside a session: `bad-request` (within the peer's budget for refusals), and the session goes on. */
export function hello (session: ServerSession): Promise<void> | undefined {
  if (!session.allow('refused')) return undefined
  return session.send({ t: 'error', code: 'bad-request', message: 'HELLO sent twice' })
}
