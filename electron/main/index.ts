/**
 * The Electron main process: wires the tested modules of this folder to Electron's API. Runs
 * node-core's service (hashing in worker threads) under the supervisor, the window (app://), the
 * tray, notifications and the `swarmdrop://` handler. Nothing else lives here.
 */
import { join } from 'node:path'
import { homedir } from 'node:os'
import { app, BrowserWindow, clipboard, dialog, ipcMain, Menu, nativeTheme, Notification, protocol, shell, Tray } from 'electron'
import { defaultProfileDir, loadServiceOptions, logger, logServiceEvents, openLogFile, SwarmdropService } from 'swarmdrop/node'
import { APP_SCHEME, createAppProtocolHandler, registerAppSchemeAsPrivileged } from './app-protocol.ts'
import { DesktopSettingsSync } from './desktop-settings-sync.ts'
import { LinkInbox } from './links.ts'
import { registerMediaScheme } from './media-protocol.ts'
import { faultNotice, Notifier } from './notifications.ts'
import { registerServiceIpc } from './service-ipc.ts'
import { registerRevealIpc } from './reveal-ipc.ts'
import { routeProcessFaults, ServiceSupervisor } from './service-supervisor.ts'
import { claimSingleInstance, registerLinkScheme } from './single-instance.ts'
import { applyStartAtLogin, autostartDir, HIDDEN_FLAG } from './start-at-login.ts'
import { trayIconFile } from './tray-icon.ts'
import { shareFromDialog, trayMenuTemplate } from './tray-menu.ts'
import { followTotals, formatTrayTooltip, pauseAll, resumeAll } from './tray-status.ts'
import { createMainWindow } from './window.ts'

const LINK_WAIT_MS = 120_000
const log = logger('swarmdrop:electron')

registerAppSchemeAsPrivileged(protocol)
const inbox = new LinkInbox()
let window: BrowserWindow | null = null
let quitting = false

function showWindow (): void {
  if (!app.isReady()) return
  if (window == null || window.isDestroyed()) {
    window = createMainWindow(BrowserWindow, shell, {
      preloadPath: join(app.getAppPath(), 'out/electron/preload/index.cjs'),
      iconPath: join(app.getAppPath(), 'resources/icons/512x512.png'),
      policy: { closeToTray: () => desktop?.current.closeToTray ?? true, quitting: () => quitting }
    })
    window.on('closed', () => { window = null })
    return
  }
  if (window.isMinimized()) window.restore()
  window.show()
  window.focus()
}

/** The desktop flags, read from the service's settings (the one copy); null until main() runs. */
let desktop: DesktopSettingsSync | null = null

if (claimSingleInstance(app, process.argv, inbox, showWindow)) {
  registerLinkScheme(app, process)
  void main().catch((err: unknown) => {
    dialog.showErrorBox('Swarmdrop could not start', err instanceof Error ? err.message : String(err))
    app.exit(1)
  })
}

async function main (): Promise<void> {
  if (process.platform === 'win32') app.setAppUserModelId('org.swarmdrop.app') // notifications on Windows need it
  await app.whenReady()
  const profileDir = defaultProfileDir()
  protocol.handle(APP_SCHEME, createAppProtocolHandler(join(app.getAppPath(), 'renderer', 'dist')))

  const logFile = await openLogFile(profileDir) // <profile>/logs/swarmdrop.log, as the daemon's
  const notifier = new Notifier(Notification, shell)
  const supervisor = new ServiceSupervisor({
    create: async () => await SwarmdropService.create(await loadServiceOptions(profileDir)),
    onFault: fault => { log.error('the node failed (attempt %d, restart in %d ms): %s', fault.attempt, fault.retryInMs, fault.error); notifier.show(faultNotice(fault)) },
    onStateChange: state => {
      refreshTray()
      if (state === 'running') desktop?.refresh().catch((err: unknown) => { log.error('could not read the desktop settings: %s', err) })
    }
  })
  logServiceEvents(supervisor) // for as long as the app runs
  routeProcessFaults(process, supervisor)
  registerMediaScheme(protocol, () => supervisor.service?.media ?? null)
  registerServiceIpc(ipcMain, supervisor, () => window != null && !window.isDestroyed() ? window.webContents.mainFrame : null)
  registerRevealIpc(ipcMain, supervisor, shell, () => window != null && !window.isDestroyed() ? window.webContents.mainFrame : null)
  notifier.watch(supervisor)

  const loginTarget = {
    platform: process.platform,
    app,
    autostartDir: autostartDir(process.env, homedir()),
    command: process.env.APPIMAGE != null ? [process.env.APPIMAGE] : [process.execPath, ...(process.defaultApp === true ? [app.getAppPath()] : [])]
  }
  const sync = new DesktopSettingsSync({
    api: supervisor,
    profileDir,
    applyStartAtLogin: async enabled => { await applyStartAtLogin(loginTarget, enabled) },
    onChange: () => { refreshTray() },
    onProblem: (title, body) => { notifier.show({ title, body }) }
  })
  desktop = sync
  sync.listen()
  const setDesktop = (patch: { startAtLogin?: boolean, closeToTray?: boolean }): void => {
    sync.set(patch).catch((err: unknown) => {
      notifier.show({ title: 'Could not change the setting', body: err instanceof Error ? err.message : String(err) })
      refreshTray() // back to the saved state
    })
  }

  const tray = new Tray(join(app.getAppPath(), trayIconFile(process.platform, nativeTheme.shouldUseDarkColors)))
  nativeTheme.on('updated', () => { tray.setImage(join(app.getAppPath(), trayIconFile(process.platform, nativeTheme.shouldUseDarkColors))) })
  const share = (kind: 'file' | 'folder'): void => {
    shareFromDialog(dialog, clipboard, supervisor, kind).then(
      info => { if (info != null) notifier.show({ title: `Sharing ${info.name}`, body: 'The link is on the clipboard.' }) },
      (err: unknown) => { notifier.show({ title: 'Could not share', body: err instanceof Error ? err.message : String(err) }) })
  }
  const bulk = (run: typeof pauseAll): void => {
    run(supervisor).then(
      r => { if (r.failed.length > 0) notifier.show({ title: 'Some downloads did not change', body: r.failed.map(f => f.message).join('\n') }) },
      (err: unknown) => { notifier.show({ title: 'Swarmdrop', body: err instanceof Error ? err.message : String(err) }) })
  }
  function refreshTray (): void {
    tray.setContextMenu(Menu.buildFromTemplate(trayMenuTemplate({
      open: showWindow,
      shareFile: () => { share('file') },
      shareFolder: () => { share('folder') },
      pauseAll: () => { bulk(pauseAll) },
      resumeAll: () => { bulk(resumeAll) },
      setStartAtLogin: enabled => { setDesktop({ startAtLogin: enabled }) },
      setCloseToTray: enabled => { setDesktop({ closeToTray: enabled }) },
      quit: () => { app.quit() }
    }, { ...sync.current, nodeRunning: supervisor.state === 'running' })))
    if (supervisor.state !== 'running') tray.setToolTip(formatTrayTooltip(null, supervisor.state))
  }
  refreshTray()
  tray.on('click', showWindow)
  const stopFollowing = followTotals(supervisor, totals => { if (supervisor.state === 'running') tray.setToolTip(formatTrayTooltip(totals)) })

  inbox.deliverTo(link => {
    showWindow()
    supervisor.whenRunning(AbortSignal.timeout(LINK_WAIT_MS))
      .then(() => supervisor.call('addDownload', { link }))
      .catch((err: unknown) => { notifier.show({ title: 'Could not open the link', body: err instanceof Error ? err.message : String(err) }) })
  })

  app.on('activate', showWindow)
  app.on('window-all-closed', () => { if (!sync.current.closeToTray) app.quit() })
  app.on('before-quit', event => {
    if (quitting) return
    quitting = true
    event.preventDefault()
    stopFollowing()
    supervisor.stop().finally(async () => {
      await logFile.close().catch((err: unknown) => { console.error('could not close the log file', err) })
      tray.destroy()
      app.quit()
    })
  })

  if (!process.argv.includes(HIDDEN_FLAG)) showWindow()
  await supervisor.start()
}
