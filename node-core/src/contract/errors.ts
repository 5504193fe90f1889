/**
 * Error codes and the error base class of the service API. Every error node-core throws is a
 * `SwarmdropError` (or a subclass) with one of these codes; a front end matches on `code`, never on
 * the message, which is for humans.
 */

export type ErrorCode =
  /** A command's arguments do not match the contract. */
  | 'invalid-argument'
  /** A command names a share or download that does not exist. */
  | 'not-found'
  /** A `swarmdrop://` link that does not parse. */
  | 'invalid-link'
  /** A manifest that breaks a rule or cap. */
  | 'invalid-manifest'
  /** A path from a manifest, link or call that is not a safe relative path. */
  | 'unsafe-path'
  /** A peer broke the chunk-exchange protocol. */
  | 'protocol'
  /** A peer refused a session: it does not serve that share. */
  | 'unknown-share'
  /** A peer refused a request for a chunk or manifest offset past the end. */
  | 'out-of-range'
  /** A peer refused a message it did not expect. */
  | 'bad-request'
  /** Not enough free space in the download folder. */
  | 'no-space'
  /** A file or folder that should be new already exists. */
  | 'exists'
  /** A share's stored manifest is gone. */
  | 'missing-manifest'
  /** No peer is known for a download and none can be found. */
  | 'no-peers'
  /** No known peer could be reached or served the share. */
  | 'unreachable'
  /** The address given is this node's own. */
  | 'self'
  /** Another process holds this profile. */
  | 'profile-in-use'
  /** The web UI's port is taken. */
  | 'web-port-in-use'
  /** An upload through the web UI names a file that is already there. */
  | 'conflict'
  /** The caller is not allowed (an IPC sender that is not our window). */
  | 'untrusted-sender'
  /** The node is not running (restarting after a failure, or stopping). */
  | 'unavailable'
  /** Too many calls in flight on one connection. */
  | 'busy'
  /** A message on the API socket that is not a valid call. */
  | 'invalid-message'
  /** The command line is wrong (CLI only). */
  | 'usage'
  /** The connection to the service closed before the answer came. */
  | 'disconnected'
  /** A bug or a broken invariant: the message says which. */
  | 'internal'
  /** A failure of the system underneath (a disk or network error): the message says which. */
  | 'error'

export class SwarmdropError extends Error {
  readonly code: ErrorCode
  constructor (code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SwarmdropError'
    this.code = code
  }
}

/** A service API call with arguments that do not match the contract. */
export class InvalidArgumentError extends SwarmdropError {
  constructor (message: string) {
    super('invalid-argument', message)
    this.name = 'InvalidArgumentError'
  }
}

/** A command about a share or download that does not exist. */
export class NotFoundError extends SwarmdropError {
  constructor (message: string) {
    super('not-found', message)
    this.name = 'NotFoundError'
  }
}
