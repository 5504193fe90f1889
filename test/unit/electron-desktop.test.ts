/**
 * Desktop settings (real files), start at login (a real XDG autostart file on Linux; Electron's
 * login item elsewhere), notifications, and the node options read from config.json. Boundary:
 * Electron's `app`, `Notification` and `shell` are stand-ins, since the Electron binary cannot run here.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DEFAULT_DESKTOP_SETTINGS, DESKTOP_SETTINGS_FILE, loadDesktopSettings, removeDesktopSettings } from '../../electron/main/desktop-settings.ts'
import { applyStartAtLogin, autostartDir, autostartEntry, quoteExecArg } from '../../electron/main/start-at-login.ts'
import { Notifier, faultNotice } from '../../electron/main/notifications.ts'
import { loadServiceOptions } from '../../node-core/src/config/service-options.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'
import { StandInApp } from '../helpers/electron-stand-in.ts'
import type { DownloadInfo } from '../../node-core/src/contract/index.ts'

after(removeTemps)

describe('legacy desktop.json (read once for migration)', () => {
  it('defaults to close-to-tray on and start at login off, reads a saved file, and is removed', async () => {
    const dir = await tempDir()
    assert.deepEqual(await loadDesktopSettings(dir), { settings: DEFAULT_DESKTOP_SETTINGS, problem: null })
    assert.equal(DEFAULT_DESKTOP_SETTINGS.closeToTray, true)
    await writeFile(join(dir, DESKTOP_SETTINGS_FILE), JSON.stringify({ closeToTray: false, startAtLogin: true }))
    assert.deepEqual(await loadDesktopSettings(dir), { settings: { closeToTray: false, startAtLogin: true }, problem: null })
    await removeDesktopSettings(dir)
    await assert.rejects(stat(join(dir, DESKTOP_SETTINGS_FILE)), { code: 'ENOENT' })
    await removeDesktopSettings(dir) // no file: nothing to do
  })

  it('a broken file falls back to the defaults and says why', async () => {
    const dir = await tempDir()
    for (const text of ['{not json', '{"closeToTray":"yes"}', '{"closeToTray":true,"evil":1}', '[]']) {
      await writeFile(join(dir, DESKTOP_SETTINGS_FILE), text)
      const loaded = await loadDesktopSettings(dir)
      assert.deepEqual(loaded.settings, DEFAULT_DESKTOP_SETTINGS, text)
      assert.match(loaded.problem ?? '', /desktop\.json/, text)
    }
  })
})

describe('start at login', () => {
  it('Linux: writes and removes an XDG autostart entry that starts hidden', async () => {
    const dir = join(await tempDir(), 'autostart')
    const app = new StandInApp(true)
    const target = { platform: 'linux' as const, app: app as never, autostartDir: dir, command: ['/home/u/Apps/Swarmdrop 1.0.AppImage'] }
    await applyStartAtLogin(target, true)
    const entry = await readFile(join(dir, 'swarmdrop.desktop'), 'utf8')
    assert.match(entry, /^\[Desktop Entry\]\nType=Application\n/)
    assert.match(entry, /\nExec="\/home\/u\/Apps\/Swarmdrop 1\.0\.AppImage" --hidden\n/)
    await applyStartAtLogin(target, false)
    await assert.rejects(stat(join(dir, 'swarmdrop.desktop')), { code: 'ENOENT' })
    await applyStartAtLogin(target, false) // already off: fine
    assert.deepEqual(app.loginItems, [])
  })

  it('macOS and Windows: the login item, with --hidden', async () => {
    for (const platform of ['darwin', 'win32'] as const) {
      const app = new StandInApp(true)
      await applyStartAtLogin({ platform, app: app as never, autostartDir: '/nonexistent', command: [] }, true)
      await applyStartAtLogin({ platform, app: app as never, autostartDir: '/nonexistent', command: [] }, false)
      assert.deepEqual(app.loginItems, [{ openAtLogin: true, args: ['--hidden'] }, { openAtLogin: false, args: ['--hidden'] }])
    }
  })

  it('quotes Exec arguments and refuses newlines', () => {
    assert.equal(quoteExecArg('/usr/bin/swarmdrop'), '/usr/bin/swarmdrop')
    assert.equal(quoteExecArg('/a b/"c"$d'), '"/a b/\\"c\\"\\$d"')
    assert.throws(() => quoteExecArg('/a\nExec=rm'), /newline/)
    assert.throws(() => autostartEntry(['/x\n[Desktop Entry]']))
    assert.equal(autostartDir({ XDG_CONFIG_HOME: '/cfg' }, '/home/u'), '/cfg/autostart')
    assert.equal(autostartDir({}, '/home/u'), '/home/u/.config/autostart')
  })
})

describe('notifications', () => {
  const complete: DownloadInfo = {
    shareId: 'bafy1', link: 'swarmdrop://bafy1', name: 'holiday', outDir: '/dl', state: 'complete', totalBytes: 10, verifiedBytes: 10,
    chunkCount: 1, verifiedChunks: 1, downloadRate: 0, uploadRate: 0, addedAt: 0, seeding: true, sources: [], files: ['/dl/holiday/a.jpg', '/dl/holiday/b.jpg'], error: null, waiting: null
  }

  function standIns (supported = true): { shown: Array<{ options: { title?: string, body?: string }, click: (() => void) | null }>, revealed: string[], notifier: Notifier } {
    const shown: Array<{ options: { title?: string, body?: string }, click: (() => void) | null }> = []
    const revealed: string[] = []
    class StandInNotification {
      static isSupported (): boolean { return supported }
      readonly entry: { options: { title?: string, body?: string }, click: (() => void) | null }
      constructor (options: { title?: string, body?: string }) { this.entry = { options, click: null } }
      on (_event: 'click', listener: () => void): this { this.entry.click = listener; return this }
      show (): void { shown.push(this.entry) }
    }
    return { shown, revealed, notifier: new Notifier(StandInNotification as never, { showItemInFolder: (p: string) => { revealed.push(p) } }) }
  }

  it('a finished download: a notice whose click shows the file in its folder', () => {
    const { shown, revealed, notifier } = standIns()
    notifier.onServiceEvent({ type: 'download:complete', download: complete })
    assert.equal(shown.length, 1)
    assert.equal(shown[0]!.options.title, 'Download complete')
    assert.match(shown[0]!.options.body ?? '', /holiday/)
    shown[0]!.click!()
    assert.deepEqual(revealed, ['/dl/holiday/a.jpg'])
    notifier.onServiceEvent({ type: 'download:complete', download: { ...complete, files: [] } })
    shown[1]!.click!()
    assert.deepEqual(revealed, ['/dl/holiday/a.jpg', '/dl'], 'no file: its folder')
  })

  it('a failed download and a node restart are reported; progress is not', () => {
    const { shown, notifier } = standIns()
    notifier.onServiceEvent({ type: 'download:error', download: { ...complete, state: 'error', error: { code: 'no-space', message: 'disk full' } } })
    notifier.onServiceEvent({ type: 'download:progress', download: complete })
    notifier.show(faultNotice({ error: new Error('EADDRINUSE'), attempt: 2, retryInMs: 2000 }))
    assert.deepEqual(shown.map(s => s.options.title), ['Download failed', 'Swarmdrop is restarting its network node'])
    assert.match(shown[0]!.options.body ?? '', /disk full/)
    assert.equal(shown[1]!.options.body, 'EADDRINUSE (retry in 2 s)')
  })

  it('shows nothing where notifications are unsupported', () => {
    const { shown, notifier } = standIns(false)
    assert.equal(notifier.show({ title: 'x' }), false)
    assert.equal(shown.length, 0)
  })
})

describe('node options from config.json', () => {
  it('defaults like the daemon with no flags, restoring shares and downloads', async () => {
    const dir = await tempDir()
    const options = await loadServiceOptions(dir)
    assert.equal(options.profileDir, dir)
    assert.deepEqual(options.listen, ['/ip4/0.0.0.0/tcp/0', '/ip6/::/tcp/0'])
    assert.equal(options.restore, true)
    assert.equal(options.mdns, true)
    assert.equal(options.dht, true)
    assert.equal(options.network, undefined)
  })

  it('takes the profile config, and rejects a bad one with a typed error', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'team.key'), 'key bytes')
    await writeFile(join(dir, 'config.json'), JSON.stringify({ network: 'team', mdns: false, maxUpload: '4MiB', maxDownload: 1000, psk: 'team.key', listen: ['/ip4/127.0.0.1/tcp/0'] }))
    const options = await loadServiceOptions(dir)
    assert.equal(options.network, 'team')
    assert.equal(options.mdns, false)
    assert.equal(options.maxUploadBytesPerSecond, 4 * 1024 * 1024)
    assert.equal(options.maxDownloadBytesPerSecond, 1000)
    assert.equal(Buffer.from(options.psk!).toString(), 'key bytes')
    await writeFile(join(dir, 'config.json'), JSON.stringify({ network: 5 }))
    await assert.rejects(loadServiceOptions(dir), { name: 'InvalidArgumentError' })
  })
})
