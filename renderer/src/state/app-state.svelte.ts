/**
 * The app's state: what the service reports (shares, downloads, peers, this node, the transfer
 * totals), the connection, a short speed history per download and the notices shown to the user.
 * Read in full once per connection (`list`, `nodeInfo`), then fed only by the service's events
 * (its progress stream publishes what changed, once a second): no polling. Replaced wholesale
 * ($state.raw) since every update is a fresh snapshot.
 */
import type { DownloadInfo, NodeInfo, PeerInfo, ServiceEvent, ShareHashing, ShareInfo, TransferTotals } from 'swarmdrop/contract'
import { RemoteError } from 'swarmdrop/contract'
import type { ConnectionState, ServiceClient } from '../lib/service-client.ts'
import { peerText } from '../lib/format.ts'
import { linksInText } from '../lib/dropped-files.ts'
import type { DroppedFile } from '../lib/dropped-files.ts'
import { plainError } from '../lib/messages.ts'
import { suggestedName, underFolder } from '../lib/share-name.ts'
import { UploadProgress } from '../lib/upload.ts'
import type { UploadFileState } from '../lib/upload.ts'

export interface Notice {
  readonly id: number
  readonly kind: 'error' | 'info'
  readonly text: string
  /** The technical detail behind the plain words (shown behind a disclosure), or null. */
  readonly detail: string | null
}

/** A browser upload of dropped files, as shown under Shares (its files' bars, Cancel per file). */
export interface Upload {
  readonly id: number
  readonly progress: UploadProgress
  readonly files: readonly UploadFileState[]
  /** Sent (and shared, or every file cancelled), or failed: listed a little longer, then gone. */
  readonly ended: boolean
}

/** Several loose items waiting for the user to confirm (or change) the share's name. */
export interface PendingShare {
  readonly files: readonly DroppedFile[]
  readonly name: string
}

const SPEED_SAMPLES = 60
const SAMPLE_MS = 900
/** Info notices go after this long; errors stay until dismissed. */
const NOTICE_MS = 5_000
const MAX_NOTICES = 3
/** A finished upload's bars stay this long. */
const UPLOAD_KEPT_MS = 10_000

export class AppState {
  readonly client: ServiceClient
  shares = $state.raw<readonly ShareInfo[]>([])
  downloads = $state.raw<readonly DownloadInfo[]>([])
  peers = $state.raw<readonly PeerInfo[]>([])
  node = $state.raw<NodeInfo | null>(null)
  totals = $state.raw<TransferTotals | null>(null)
  connection = $state<ConnectionState>('connecting')
  notices = $state.raw<readonly Notice[]>([])
  /** Download rate samples (bytes/s), oldest first, per share ID. */
  speeds = $state.raw<Readonly<Record<string, readonly number[]>>>({})
  busy = $state(false)
  /** Browser uploads under way (and just ended). */
  uploads = $state.raw<readonly Upload[]>([])
  #uploadId = 0
  /** Shares being hashed, by the service's id (`share:hashing` events). */
  hashing = $state.raw<Readonly<Record<number, ShareHashing>>>({})
  /** A multi-item drop or pick waiting for its name. */
  pendingShare = $state.raw<PendingShare | null>(null)
  /** Downloads whose `download:hints` notice was shown (so a pasted link is not reported twice). */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not shown
  readonly #hinted = new Set<string>()
  #noticeId = 0
  /** When each download's speed was last sampled (performance.now()); not reactive state. */
  readonly #sampledAt: Record<string, number> = {}

  constructor (client: ServiceClient) {
    this.client = client
    client.subscribe(event => { this.#apply(event) })
    client.onState(state => {
      this.connection = state
      if (state === 'open') this.refresh().catch(err => { this.notifyError(err) })
    })
  }

  get isElectron (): boolean { return this.client.shell === 'electron' }

  /** The service answers: controls that call it are enabled only then. */
  get connected (): boolean { return this.connection === 'open' }

  /** Reads everything afresh (on each (re)connection; events keep it current after). */
  async refresh (): Promise<void> {
    const [listed, node] = await Promise.all([this.client.call('list', {}), this.client.call('nodeInfo', {})])
    this.shares = listed.shares
    this.downloads = listed.downloads
    for (const d of listed.downloads) this.#sample(d)
    this.peers = listed.peers
    this.node = node
    this.totals = node.totals
  }

  /** Shows a notice; its text often quotes a peer (a name, an error), so it is shown as peer text. */
  notify (kind: Notice['kind'], text: string, detail: string | null = null): void {
    const notice: Notice = { id: ++this.#noticeId, kind, text: peerText(text), detail: detail == null ? null : peerText(detail) }
    let kept = [...this.notices, notice]
    // At most MAX_NOTICES: the oldest info notice goes first, else the oldest error.
    while (kept.length > MAX_NOTICES) {
      const i = kept.findIndex(n => n.kind === 'info')
      kept = kept.filter((_, j) => j !== (i >= 0 ? i : 0))
    }
    this.notices = kept
    if (kind === 'info') setTimeout(() => { this.dismiss(notice.id) }, NOTICE_MS)
  }

  /** An error as a notice: plain words, the service's message as the detail. */
  notifyError (err: unknown, context?: string): void {
    const plain = plainError(err)
    this.notify('error', context == null ? plain.text : `${context}: ${plain.text}`, plain.detail)
  }

  dismiss (id: number): void {
    this.notices = this.notices.filter(n => n.id !== id)
  }

  /** Runs a user action; a failure becomes a notice with the service's message. */
  async run<T> (action: () => Promise<T>): Promise<T | undefined> {
    try {
      return await action()
    } catch (err) {
      this.notifyError(err)
      return undefined
    }
  }

  /**
   * Shares dropped or picked files. In a browser, several loose items become one share under a
   * folder whose name the user confirms first (`pendingShare`); Electron shares each path in place.
   */
  async shareDropped (files: readonly DroppedFile[]): Promise<void> {
    if (files.length === 0) return
    const name = this.isElectron ? null : suggestedName(files)
    if (name != null) {
      this.pendingShare = { files, name }
      return
    }
    await this.#share(files)
  }

  /** Shares the pending items under `name` (already cleaned by the caller). */
  async sharePending (name: string): Promise<void> {
    const pending = this.pendingShare
    if (pending == null || name === '') return
    this.pendingShare = null
    await this.#share(underFolder(pending.files, name))
  }

  async #share (files: readonly DroppedFile[]): Promise<void> {
    this.busy = true
    const id = ++this.#uploadId
    const progress = this.isElectron ? undefined : new UploadProgress(files, changed => { this.#setUpload(id, { files: changed }) })
    if (progress != null) this.uploads = [...this.uploads, { id, progress, files: progress.files, ended: false }]
    try {
      const shares = await this.run(() => this.client.shareDropped(files, progress))
      for (const s of shares ?? []) {
        this.#upsertShare(s)
        this.notify('info', `Sharing ${s.name}`)
      }
    } finally {
      this.busy = false
      if (progress != null) {
        this.#setUpload(id, { ended: true })
        setTimeout(() => { this.dismissUpload(id) }, UPLOAD_KEPT_MS)
      }
    }
  }

  dismissUpload (id: number): void {
    this.uploads = this.uploads.filter(u => u.id !== id)
  }

  #setUpload (id: number, change: Partial<Upload>): void {
    this.uploads = this.uploads.map(u => u.id === id ? { ...u, ...change } : u)
  }

  /** Starts a download for every `swarmdrop://` link in `text`; says so when there is none. */
  async addLinks (text: string): Promise<boolean> {
    const links = linksInText(text)
    if (links.length === 0) {
      this.notify('error', 'That is not a swarmdrop:// link.')
      return false
    }
    let ok = true
    for (const link of links) {
      const known = this.downloads.map(d => d.shareId)
      const d = await this.run(() => this.client.call('addDownload', { link }))
      if (d == null) {
        ok = false
        continue
      }
      if (known.includes(d.shareId) && !this.#hinted.delete(d.shareId)) {
        const name = peerText(d.name ?? 'this share')
        this.notify('info', d.state === 'complete' ? `You already have ${name}: it finished downloading.` : `Already downloading ${name}.`)
      }
      this.#upsertDownload(d)
    }
    return ok
  }

  #apply (event: ServiceEvent): void {
    switch (event.type) {
      case 'share:added':
      case 'share:changed':
      case 'share:progress':
        this.#upsertShare(event.share)
        break
      case 'share:removed':
        this.shares = this.shares.filter(s => s.shareId !== event.shareId)
        break
      case 'download:added':
      case 'download:progress':
      case 'download:complete':
      case 'download:error':
        this.#upsertDownload(event.download)
        this.#sample(event.download)
        if (event.type === 'download:error' && event.download.error != null) this.notifyError(new RemoteError(event.download.error), `${event.download.name ?? 'A download'} stopped`)
        break
      case 'download:hints': {
        const name = this.downloads.find(d => d.shareId === event.shareId)?.name ?? 'this share'
        this.#hinted.add(event.shareId)
        this.notify('info', `Already downloading ${name}: added ${event.peers} peer address${event.peers === 1 ? '' : 'es'} from the link.`)
        break
      }
      case 'download:removed':
        this.downloads = this.downloads.filter(d => d.shareId !== event.shareId)
        break
      case 'peer:connected':
        this.peers = [...this.peers.filter(p => p.peerId !== event.peer.peerId), event.peer]
        break
      case 'peer:updated': {
        const i = this.peers.findIndex(p => p.peerId === event.peer.peerId)
        this.peers = i < 0 ? [...this.peers, event.peer] : this.peers.with(i, event.peer)
        break
      }
      case 'peer:disconnected':
        this.peers = this.peers.filter(p => p.peerId !== event.peerId)
        break
      case 'dht':
        if (this.node != null) this.node = { ...this.node, dht: event.dht }
        break
      case 'node':
        this.node = event.node
        break
      case 'totals':
        this.totals = event.totals
        break
      case 'share:hashing': {
        const { [event.hashing.id]: _, ...rest } = this.hashing
        this.hashing = event.hashing.state === 'hashing' ? { ...rest, [event.hashing.id]: event.hashing } : rest
        break
      }
      default:
        break
    }
  }

  #upsertShare (share: ShareInfo): void {
    const i = this.shares.findIndex(s => s.shareId === share.shareId)
    this.shares = i < 0 ? [...this.shares, share] : this.shares.with(i, share)
  }

  #upsertDownload (download: DownloadInfo): void {
    const i = this.downloads.findIndex(d => d.shareId === download.shareId)
    this.downloads = i < 0 ? [...this.downloads, download] : this.downloads.with(i, download)
  }

  /** One speed sample a second at most, from progress events and refreshes alike, while a download runs. */
  #sample (download: DownloadInfo): void {
    if (download.state !== 'downloading' && download.state !== 'connecting') return
    const now = performance.now()
    if (now - (this.#sampledAt[download.shareId] ?? -Infinity) < SAMPLE_MS) return
    this.#sampledAt[download.shareId] = now
    const old = this.speeds[download.shareId] ?? []
    this.speeds = { ...this.speeds, [download.shareId]: [...old.slice(-(SPEED_SAMPLES - 1)), download.downloadRate] }
  }
}
