/**
 * The main window: locked-down web preferences, no navigation away from the app, no new windows
 * (allowed https links open in the user's browser), and close-to-tray.
 */
import { APP_ORIGIN, APP_START_URL } from './app-protocol.ts'
import type { BrowserWindow, BrowserWindowConstructorOptions, Event, Session, Shell, WebContents, WebPreferences } from 'electron'

/** Hosts whose https pages the app may open in the user's browser (the project's own pages). */
export const EXTERNAL_HOSTS: readonly string[] = ['github.com']

export function secureWebPreferences (preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false
  }
}

export function mainWindowOptions (preloadPath: string, iconPath: string | undefined): BrowserWindowConstructorOptions {
  return {
    width: 1000,
    height: 700,
    minWidth: 640,
    minHeight: 480,
    show: false,
    title: 'Swarmdrop',
    backgroundColor: '#10151c',
    ...(iconPath != null ? { icon: iconPath } : {}),
    webPreferences: secureWebPreferences(preloadPath)
  }
}

/** True for an https URL (no user name or password) on one of the allowed hosts. */
export function isAllowedExternalUrl (url: string, hosts: readonly string[] = EXTERNAL_HOSTS): boolean {
  let parsed: URL
  try { parsed = new URL(url) } catch { return false }
  return parsed.protocol === 'https:' && parsed.username === '' && parsed.password === '' && hosts.includes(parsed.hostname)
}

/** True for a URL of the app's own pages. */
export function isAppUrl (url: string): boolean {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}` === APP_ORIGIN
  } catch { return false }
}

export type GuardedContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>

/**
 * Prevents every navigation of the page (the UI is one page; a dropped file or a link must not
 * replace it) and denies every new window; an allowed https link goes to the user's browser.
 */
export function guardNavigation (contents: GuardedContents, shell: Pick<Shell, 'openExternal'>, hosts: readonly string[] = EXTERNAL_HOSTS): void {
  contents.on('will-navigate', (event: Event, url: string) => {
    event.preventDefault()
    if (isAllowedExternalUrl(url, hosts)) void shell.openExternal(url)
  })
  contents.on('will-redirect', (event: Event) => { event.preventDefault() })
  contents.on('will-attach-webview', (event: Event) => { event.preventDefault() })
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url, hosts)) void shell.openExternal(url)
    return { action: 'deny' }
  })
}

/** The page needs no browser permission (camera, geolocation, notifications…): refuse every request and check. */
export function denyAllPermissions (session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => { callback(false) })
  session.setPermissionCheckHandler(() => false)
}

export interface CloseToTrayPolicy {
  /** The user setting (on by default). */
  closeToTray (): boolean
  /** True once the user chose Quit: closing then really closes. */
  quitting (): boolean
}

/** Closing the window hides it while close-to-tray is on and the app is not quitting. */
export function keepInTrayOnClose (window: Pick<BrowserWindow, 'on' | 'hide'>, policy: CloseToTrayPolicy): void {
  window.on('close', (event: Event) => {
    if (policy.closeToTray() && !policy.quitting()) {
      event.preventDefault()
      window.hide()
    }
  })
}

/** Creates the window, guards it and loads the UI from app://. */
export function createMainWindow (
  Window: typeof BrowserWindow,
  shell: Pick<Shell, 'openExternal'>,
  options: { preloadPath: string, iconPath?: string, policy: CloseToTrayPolicy }
): BrowserWindow {
  const window = new Window(mainWindowOptions(options.preloadPath, options.iconPath))
  guardNavigation(window.webContents, shell)
  denyAllPermissions(window.webContents.session)
  keepInTrayOnClose(window, options.policy)
  window.once('ready-to-show', () => { window.show() })
  void window.loadURL(APP_START_URL)
  return window
}
