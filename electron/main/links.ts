/**
 * `swarmdrop://` links handed to the app by the OS: in argv on Windows and Linux (first launch, or
 * a second launch forwarded by the single-instance lock), in 'open-url' on macOS.
 */

export const LINK_SCHEME = 'swarmdrop'
const PREFIX = `${LINK_SCHEME}://`
/** node-core's link parser caps the text here (api.ts `addDownload.link`). */
const MAX_LINK_LENGTH = 8192

/** True for a string that starts with `swarmdrop://` (any case) and fits the API's cap. */
export function isSwarmdropLink (value: unknown): value is string {
  return typeof value === 'string' &&
    value.length > PREFIX.length &&
    value.length <= MAX_LINK_LENGTH &&
    value.slice(0, PREFIX.length).toLowerCase() === PREFIX
}

/**
 * The last `swarmdrop://` link in a command line, or null. Chromium may add its own switches after
 * ours, and a flag value is never taken as a link (`--foo=swarmdrop://x` is ignored).
 */
export function linkFromArgv (argv: readonly string[]): string | null {
  for (let i = argv.length - 1; i >= 0; i--) {
    const arg = argv[i]
    if (isSwarmdropLink(arg)) return arg
  }
  return null
}

/**
 * Holds links that arrive before the app can act on them (macOS sends 'open-url' before 'ready'),
 * then hands each one to the handler once it is set.
 */
export class LinkInbox {
  readonly #queue: string[] = []
  #handler: ((link: string) => void) | null = null

  /** Accepts a link from argv or 'open-url'; anything that is not a link is dropped. */
  receive (value: unknown): boolean {
    if (!isSwarmdropLink(value)) return false
    if (this.#handler == null) this.#queue.push(value)
    else this.#handler(value)
    return true
  }

  /** Sets the handler and delivers the queued links to it, in order. */
  deliverTo (handler: (link: string) => void): void {
    this.#handler = handler
    for (const link of this.#queue.splice(0)) handler(link)
  }
}
