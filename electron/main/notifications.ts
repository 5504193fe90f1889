/**
 * Desktop notifications: a finished download (click: show it in its folder), a failed one, a
 * node restart, and a share's link copied. Names and messages may come from peers: they are shown
 * as the contract's displayText (controls, bidi and zero-width characters escaped).
 */
import type { Notification, NotificationConstructorOptions, Shell } from 'electron'
import { displayText } from 'swarmdrop/contract'
import type { DownloadInfo, ServiceEvent, SwarmdropApi } from 'swarmdrop/contract'
import type { SupervisorFault } from './service-supervisor.ts'

export type NotificationClass = Pick<typeof Notification, 'isSupported'> & (new (options: NotificationConstructorOptions) => Pick<Notification, 'on' | 'show'>)

/** The path to reveal for a finished download: its first file, else its folder. */
export function revealPathOf (download: DownloadInfo): string {
  return download.files?.[0] ?? download.outDir
}

export function downloadCompleteNotice (download: DownloadInfo): NotificationConstructorOptions {
  return { title: 'Download complete', body: `${displayText(download.name ?? download.shareId)} is ready. Click to show it in its folder.` }
}

export function downloadErrorNotice (download: DownloadInfo): NotificationConstructorOptions {
  return { title: 'Download failed', body: displayText(`${download.name ?? download.shareId}: ${download.error?.message ?? 'unknown error'}`) }
}

export function faultNotice (fault: SupervisorFault): NotificationConstructorOptions {
  const seconds = Math.max(1, Math.round(fault.retryInMs / 1000))
  return { title: 'Swarmdrop is restarting its network node', body: `${fault.error.message} (retry in ${seconds} s)` }
}

export class Notifier {
  readonly #Notification: NotificationClass
  readonly #shell: Pick<Shell, 'showItemInFolder'>

  constructor (NotificationImpl: NotificationClass, shell: Pick<Shell, 'showItemInFolder'>) {
    this.#Notification = NotificationImpl
    this.#shell = shell
  }

  /** Shows a notice; `onClick` runs when the user clicks it. False where notifications are unsupported. */
  show (options: NotificationConstructorOptions, onClick?: () => void): boolean {
    if (!this.#Notification.isSupported()) return false
    const n = new this.#Notification(options)
    if (onClick != null) n.on('click', onClick)
    n.show()
    return true
  }

  /** Reacts to the service's events: a notice for each finished or failed download. */
  onServiceEvent (event: ServiceEvent): void {
    if (event.type === 'download:complete') {
      const path = revealPathOf(event.download)
      this.show(downloadCompleteNotice(event.download), () => { this.#shell.showItemInFolder(path) })
    } else if (event.type === 'download:error') {
      this.show(downloadErrorNotice(event.download))
    }
  }

  /** Subscribes to the service; returns the unsubscribe function. */
  watch (api: Pick<SwarmdropApi, 'subscribe'>): () => void {
    return api.subscribe(event => { this.onServiceEvent(event) })
  }
}
