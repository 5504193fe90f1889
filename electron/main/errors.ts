/** Errors of the desktop shell, in node-core's typed style (stable `name` and `code`). */
import { SwarmdropError } from 'swarmdrop/contract'

/** An IPC message from a frame that is not the main window's app:// page. */
export class UntrustedSenderError extends SwarmdropError {
  constructor (message: string) {
    super('untrusted-sender', message)
    this.name = 'UntrustedSenderError'
  }
}

/** A call while the node is (re)starting or stopped. */
export class ServiceUnavailableError extends SwarmdropError {
  constructor (message: string) {
    super('unavailable', message)
    this.name = 'ServiceUnavailableError'
  }
}
