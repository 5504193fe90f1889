/**
 * One app per user: the first launch holds the lock; a second launch (e.g. a clicked
 * `swarmdrop://` link on Windows or Linux) hands its command line to the first and quits.
 */
import { resolve } from 'node:path'
import { LINK_SCHEME, linkFromArgv } from './links.ts'
import type { App } from 'electron'
import type { LinkInbox } from './links.ts'

export type SingleInstanceApp = Pick<App, 'requestSingleInstanceLock' | 'quit' | 'on'>

/**
 * Takes the single-instance lock. Returns false (and quits) when another instance holds it: this
 * process's argv, link included, has then been passed to that one. Otherwise routes links from
 * later launches ('second-instance') and from macOS ('open-url') into `inbox` and calls `focus`.
 */
export function claimSingleInstance (app: SingleInstanceApp, argv: readonly string[], inbox: LinkInbox, focus: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return false
  }
  app.on('second-instance', (_event, secondArgv) => {
    focus()
    inbox.receive(linkFromArgv(secondArgv))
  })
  app.on('open-url', (event, url) => {
    event.preventDefault()
    focus()
    inbox.receive(url)
  })
  inbox.receive(linkFromArgv(argv))
  return true
}

export type ProtocolClientApp = Pick<App, 'setAsDefaultProtocolClient'>

/**
 * Registers the app as the handler of `swarmdrop://`. Packaged apps get it from the installer too
 * (electron-builder `protocols`); a development run (`electron .`) must name its entry script.
 */
export function registerLinkScheme (app: ProtocolClientApp, proc: { readonly defaultApp?: boolean, readonly execPath: string, readonly argv: readonly string[] }): boolean {
  if (proc.defaultApp === true && proc.argv[1] != null) {
    return app.setAsDefaultProtocolClient(LINK_SCHEME, proc.execPath, [resolve(proc.argv[1])])
  }
  return app.setAsDefaultProtocolClient(LINK_SCHEME)
}
