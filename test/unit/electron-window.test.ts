/**
 * The main window's security settings and handlers. Boundary: the Electron binary cannot run
 * here, so BrowserWindow, webContents and shell are stand-ins (test/helpers/electron-stand-in.ts
 * and small objects below); the functions under test are the real ones.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { createMainWindow, guardNavigation, isAllowedExternalUrl, isAppUrl, keepInTrayOnClose, mainWindowOptions, secureWebPreferences } from '../../electron/main/window.ts'
import { APP_START_URL } from '../../electron/main/app-protocol.ts'
import { StandInWebContents, standInEvent } from '../helpers/electron-stand-in.ts'
import type { BrowserWindow, BrowserWindowConstructorOptions } from 'electron'

function standInShell (): { opened: string[], openExternal: (url: string) => Promise<void> } {
  const opened: string[] = []
  return { opened, openExternal: async (url: string) => { opened.push(url) } }
}

describe('window options', () => {
  it('turn on every security flag', () => {
    const prefs = secureWebPreferences('/app/out/electron/preload/index.cjs')
    assert.equal(prefs.contextIsolation, true)
    assert.equal(prefs.sandbox, true)
    assert.equal(prefs.nodeIntegration, false)
    assert.equal(prefs.nodeIntegrationInWorker, false)
    assert.equal(prefs.nodeIntegrationInSubFrames, false)
    assert.equal(prefs.webSecurity, true)
    assert.equal(prefs.allowRunningInsecureContent, false)
    assert.equal(prefs.webviewTag, false)
    assert.equal(prefs.navigateOnDragDrop, false)
    assert.equal(prefs.preload, '/app/out/electron/preload/index.cjs')
    const options = mainWindowOptions('/p.cjs', '/icon.png')
    assert.deepEqual(options.webPreferences, secureWebPreferences('/p.cjs'))
    assert.equal(options.show, false, 'shown on ready-to-show, not blank')
    assert.equal(options.icon, '/icon.png')
  })
})

describe('external URLs', () => {
  it('only https on an allowed host, without credentials', () => {
    assert.equal(isAllowedExternalUrl('https://github.com/swarmdrop'), true)
    for (const url of ['http://github.com/', 'https://evil.example/', 'https://github.com.evil.example/', 'https://user:pw@github.com/',
      'file:///etc/passwd', 'javascript:alert(1)', 'app://swarmdrop/x', 'not a url', 'swarmdrop://bafy']) {
      assert.equal(isAllowedExternalUrl(url), false, url)
    }
    assert.equal(isAllowedExternalUrl('https://example.org/a', ['example.org']), true)
  })

  it('recognises the app origin only', () => {
    assert.equal(isAppUrl('app://swarmdrop/index.html'), true)
    assert.equal(isAppUrl('app://other/index.html'), false)
    assert.equal(isAppUrl('file:///index.html'), false)
    assert.equal(isAppUrl('https://swarmdrop/'), false)
  })
})

describe('guardNavigation', () => {
  it('prevents every navigation and redirect; an allowed https link opens in the browser', () => {
    const contents = new StandInWebContents()
    const shell = standInShell()
    guardNavigation(contents as never, shell)
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'app://swarmdrop/other.html', 'https://github.com/x']) {
      const e = standInEvent()
      contents.emit('will-navigate', e, url)
      assert.equal(e.defaultPrevented, true, url)
    }
    const redirect = standInEvent()
    contents.emit('will-redirect', redirect, 'https://evil.example/')
    assert.equal(redirect.defaultPrevented, true)
    const webview = standInEvent()
    contents.emit('will-attach-webview', webview, {}, {})
    assert.equal(webview.defaultPrevented, true)
    assert.deepEqual(shell.opened, ['https://github.com/x'])
  })

  it('denies every new window', () => {
    const contents = new StandInWebContents()
    const shell = standInShell()
    guardNavigation(contents as never, shell)
    const handler = contents.windowOpenHandler
    assert.ok(handler != null)
    for (const url of ['https://github.com/ok', 'https://evil.example/', 'app://swarmdrop/index.html', 'about:blank']) {
      assert.deepEqual(handler({ url }), { action: 'deny' }, url)
    }
    assert.deepEqual(shell.opened, ['https://github.com/ok'])
  })
})

describe('close to tray', () => {
  function standInWindow (): EventEmitter & { hidden: number, hide: () => void } {
    const w = Object.assign(new EventEmitter(), { hidden: 0, hide () { w.hidden++ } })
    return w
  }

  it('hides instead of closing while the setting is on, closes when off or quitting', () => {
    const settings = { closeToTray: true, quitting: false }
    const w = standInWindow()
    keepInTrayOnClose(w as never, { closeToTray: () => settings.closeToTray, quitting: () => settings.quitting })
    const first = standInEvent()
    w.emit('close', first)
    assert.equal(first.defaultPrevented, true)
    assert.equal(w.hidden, 1)
    settings.quitting = true
    const quitting = standInEvent()
    w.emit('close', quitting)
    assert.equal(quitting.defaultPrevented, false)
    settings.quitting = false
    settings.closeToTray = false
    const off = standInEvent()
    w.emit('close', off)
    assert.equal(off.defaultPrevented, false)
    assert.equal(w.hidden, 1)
  })
})

describe('createMainWindow', () => {
  it('builds the window with the secure options, guards it and loads app://', () => {
    const created: StandInBrowserWindow[] = []
    class StandInBrowserWindow extends EventEmitter {
      readonly options: BrowserWindowConstructorOptions
      readonly webContents = new StandInWebContents()
      loaded: string | null = null
      shown = 0
      constructor (options: BrowserWindowConstructorOptions) { super(); this.options = options; created.push(this) }
      async loadURL (url: string): Promise<void> { this.loaded = url }
      show (): void { this.shown++ }
      hide (): void {}
    }
    createMainWindow(StandInBrowserWindow as unknown as typeof BrowserWindow, standInShell(), { preloadPath: '/pre.cjs', policy: { closeToTray: () => true, quitting: () => false } })
    const w = created[0]!
    assert.deepEqual(w.options.webPreferences, secureWebPreferences('/pre.cjs'))
    assert.equal(w.loaded, APP_START_URL)
    assert.ok(w.webContents.windowOpenHandler != null, 'window.open is handled (denied)')
    assert.equal(w.webContents.listenerCount('will-navigate'), 1)
    assert.equal(w.listenerCount('close'), 1)
    const granted: boolean[] = []
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read']) w.webContents.session.requestHandler!(w.webContents, permission, g => granted.push(g))
    assert.deepEqual(granted, [false, false, false, false], 'every permission request refused')
    assert.equal(w.webContents.session.checkHandler!(), false)
    w.emit('ready-to-show')
    assert.equal(w.shown, 1)
  })
})
