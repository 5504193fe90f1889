/**
 * The tray's context menu, as a template (built into a Menu by the caller), and the Share… action
 * (a file or folder picked in the OS dialog is shared and its link copied).
 */
import type { Clipboard, Dialog, MenuItemConstructorOptions } from 'electron'
import type { ShareInfo, SwarmdropApi } from 'swarmdrop/contract'

export interface TrayActions {
  open (): void
  shareFile (): void
  shareFolder (): void
  pauseAll (): void
  resumeAll (): void
  setStartAtLogin (enabled: boolean): void
  setCloseToTray (enabled: boolean): void
  quit (): void
}

export interface TrayMenuState {
  readonly startAtLogin: boolean
  readonly closeToTray: boolean
  /** False while the node is (re)starting: the actions that need it (the toggles too: the service stores them) are greyed out. */
  readonly nodeRunning: boolean
}

export function trayMenuTemplate (actions: TrayActions, state: TrayMenuState): MenuItemConstructorOptions[] {
  return [
    { id: 'open', label: 'Open Swarmdrop', click: () => { actions.open() } },
    { type: 'separator' },
    { id: 'share-file', label: 'Share File…', enabled: state.nodeRunning, click: () => { actions.shareFile() } },
    { id: 'share-folder', label: 'Share Folder…', enabled: state.nodeRunning, click: () => { actions.shareFolder() } },
    { type: 'separator' },
    { id: 'pause-all', label: 'Pause All', enabled: state.nodeRunning, click: () => { actions.pauseAll() } },
    { id: 'resume-all', label: 'Resume All', enabled: state.nodeRunning, click: () => { actions.resumeAll() } },
    { type: 'separator' },
    { id: 'start-at-login', label: 'Start at Login', type: 'checkbox', checked: state.startAtLogin, enabled: state.nodeRunning, click: item => { actions.setStartAtLogin(item.checked) } },
    { id: 'close-to-tray', label: 'Keep Running When the Window Is Closed', type: 'checkbox', checked: state.closeToTray, enabled: state.nodeRunning, click: item => { actions.setCloseToTray(item.checked) } },
    { type: 'separator' },
    { id: 'quit', label: 'Quit Swarmdrop', click: () => { actions.quit() } }
  ]
}

/**
 * Asks for a file or a folder and shares it. Resolves with the share (its link copied to the
 * clipboard), or null when the user cancelled. Service errors reject (typed, from node-core).
 */
export async function shareFromDialog (
  dialog: Pick<Dialog, 'showOpenDialog'>,
  clipboard: Pick<Clipboard, 'writeText'>,
  api: SwarmdropApi,
  kind: 'file' | 'folder'
): Promise<ShareInfo | null> {
  const picked = await dialog.showOpenDialog({
    title: kind === 'file' ? 'Share a file' : 'Share a folder',
    buttonLabel: 'Share',
    properties: [kind === 'file' ? 'openFile' : 'openDirectory']
  })
  const path = picked.filePaths[0]
  if (picked.canceled || path == null) return null
  const share = await api.call('share', { path })
  clipboard.writeText(share.link)
  return share
}
