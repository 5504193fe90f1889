/**
 * What a transport to the service carries (Electron IPC, or the daemon's WebSocket): the contract's
 * `call` and `subscribe`, the connection's state, and how dropped files become shares there.
 */
import type { ShareInfo, SwarmdropApi } from 'swarmdrop/contract'
import type { DroppedFile } from './dropped-files.ts'
import type { UploadProgress } from './upload.ts'

/** `bad-token`: the daemon refused the page's token (it stops trying; the page needs the address the daemon printed). */
export type ConnectionState = 'connecting' | 'open' | 'closed' | 'no-token' | 'bad-token'

/** What a transport carries; the client adds nothing to the contract. */
export interface Transport extends SwarmdropApi {
  readonly shell: 'electron' | 'browser'
  /** Reports the connection's state now and on every change; returns an unsubscribe function. */
  onState (listener: (state: ConnectionState) => void): () => void
  /** Shares what was dropped on the window; resolves with one ShareInfo per share made. A browser uploads first, reporting to `progress`. */
  shareDropped (files: readonly DroppedFile[], progress?: UploadProgress): Promise<ShareInfo[]>
  /** The address a player loads file `fileIndex` of a share or download from (lib/media.ts). */
  mediaUrl (shareId: string, fileIndex: number): Promise<string>
  /** Whether `reveal` can show a download in the file manager (the desktop app only). */
  readonly canReveal?: boolean
  /** Shows a finished download in its folder (the desktop app only). */
  reveal?: (shareId: string) => Promise<void>
}
