/**
 * Typed errors. Each has a stable `name` (tests and callers match on it) and a short `code` (the
 * contract's ErrorCode) for the service API and the CLI's JSON output; the message is for humans.
 * The base class and the errors a front end sees are in the contract.
 */
import { SwarmdropError } from './contract/errors.ts'

export { InvalidArgumentError, NotFoundError, SwarmdropError } from './contract/errors.ts'
export type { ErrorCode } from './contract/errors.ts'

/** A path from a manifest, link or API call that is not a safe relative path. */
export class UnsafePathError extends SwarmdropError {
  constructor (message: string) {
    super('unsafe-path', message)
    this.name = 'UnsafePathError'
  }
}

/** A manifest that breaks a rule or cap (structure, sizes, chunk count, names). */
export class InvalidManifestError extends SwarmdropError {
  constructor (message: string, options?: ErrorOptions) {
    super('invalid-manifest', message, options)
    this.name = 'InvalidManifestError'
  }
}

/** A `swarmdrop://` link that does not parse. */
export class InvalidLinkError extends SwarmdropError {
  constructor (message: string) {
    super('invalid-link', message)
    this.name = 'InvalidLinkError'
  }
}

/** A message from a peer that breaks the chunk-exchange protocol. */
export class ProtocolError extends SwarmdropError {
  constructor (message: string, options?: ErrorOptions) {
    super('protocol', message, options)
    this.name = 'ProtocolError'
  }
}

/** Not enough free space in the download folder. */
export class InsufficientSpaceError extends SwarmdropError {
  constructor (message: string) {
    super('no-space', message)
    this.name = 'InsufficientSpaceError'
  }
}
