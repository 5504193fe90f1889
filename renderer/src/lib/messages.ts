/**
 * Errors in plain words: what happened and what to do, with the service's own (technical) message
 * kept as the detail the notice shows behind a disclosure. Matched on the error's code, never its text.
 */
import { RemoteError, SwarmdropError } from 'swarmdrop/contract'
import { errorMessage } from './format.ts'

export interface PlainMessage {
  readonly text: string
  /** The technical detail (the service's message), or null when the text says it all. */
  readonly detail: string | null
}

const PLAIN: Readonly<Record<string, string>> = {
  'invalid-argument': 'That did not work: something in the request was not accepted.',
  'not-found': 'That share or download is no longer there.',
  'invalid-link': 'That link is not a valid Swarmdrop link. Copy it again from the person who shared it.',
  'invalid-manifest': 'The share’s description from the other side is broken, so it cannot be downloaded.',
  'unsafe-path': 'A file or folder name is not allowed here.',
  'no-space': 'There is not enough free space for this.',
  exists: 'Something with that name is already there.',
  conflict: 'Something with that name is already there.',
  'missing-manifest': 'This share’s saved data is gone: share it again.',
  'no-peers': 'Nobody sharing this could be found yet.',
  unreachable: 'None of the people sharing this could be reached.',
  self: 'That link points at this computer itself.',
  unavailable: 'Swarmdrop is restarting; try again in a moment.',
  busy: 'Swarmdrop is busy; try again in a moment.',
  disconnected: 'Not connected to Swarmdrop right now; try again once it reconnects.',
  'unknown-share': 'The other side does not share this any more.',
  protocol: 'The other side sent something wrong; Swarmdrop stopped talking to it.',
  internal: 'Something went wrong inside Swarmdrop.',
  error: 'The disk or the network reported an error.'
}

export function plainError (err: unknown): PlainMessage {
  const detail = errorMessage(err)
  const code: string | null = err instanceof SwarmdropError || err instanceof RemoteError ? err.code : null
  if (code === 'http-401') return { text: 'This link’s token is wrong: open the address the daemon printed.', detail }
  const text = code != null ? PLAIN[code] : undefined
  if (text == null) return { text: 'That did not work.', detail }
  return { text, detail }
}
