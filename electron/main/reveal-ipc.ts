/**
 * "Show in folder" for a finished download (`swarmdrop:reveal`): the page names a share ID, never
 * a path; the main process, for the main window's app:// page only, looks the download up in the
 * service and shows its first file (or its folder) with `shell.showItemInFolder`.
 */
import { InvalidArgumentError, NotFoundError, SwarmdropError, toWireError } from 'swarmdrop/contract'
import { logger } from 'swarmdrop/node'
import { IpcChannel } from '../ipc/channels.ts'
import { UntrustedSenderError } from './errors.ts'
import { revealPathOf } from './notifications.ts'
import { isTrustedFrame } from './service-ipc.ts'
import type { IpcMain, Shell } from 'electron'
import type { SwarmdropApi } from 'swarmdrop/contract'
import type { IpcCallReply } from '../ipc/channels.ts'
import type { FrameLike } from './service-ipc.ts'

const log = logger('swarmdrop:electron')

/** Handles one reveal: sender check, the share ID, a finished download of this node, then the shell. */
export async function handleReveal (api: SwarmdropApi, shell: Pick<Shell, 'showItemInFolder'>, trusted: boolean, shareId: unknown): Promise<IpcCallReply> {
  try {
    if (!trusted) throw new UntrustedSenderError('reveal from a frame that is not the Swarmdrop window')
    if (typeof shareId !== 'string' || shareId.length === 0 || shareId.length > 256) throw new InvalidArgumentError('reveal needs a share ID')
    const download = (await api.call('list', {})).downloads.find(d => d.shareId === shareId)
    if (download == null || download.state !== 'complete' || download.files == null) throw new NotFoundError(`no finished download ${shareId}`)
    shell.showItemInFolder(revealPathOf(download))
    return { ok: true, result: null }
  } catch (err) {
    if (!(err instanceof SwarmdropError)) log.error('reveal failed: %s', err)
    return { ok: false, error: toWireError(err) }
  }
}

/** Registers the reveal handler; returns a function that removes it. */
export function registerRevealIpc (ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, api: SwarmdropApi, shell: Pick<Shell, 'showItemInFolder'>, mainFrame: () => FrameLike | null): () => void {
  ipcMain.handle(IpcChannel.reveal, (event, shareId: unknown) => handleReveal(api, shell, isTrustedFrame(event.senderFrame, mainFrame), shareId))
  return () => { ipcMain.removeHandler(IpcChannel.reveal) }
}
