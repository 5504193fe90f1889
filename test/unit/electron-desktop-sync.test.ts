/**
 * The shell's desktop flags follow the REAL SwarmdropService's settings (127.0.0.1, network
 * 'swarmdrop-test', no mDNS): a legacy desktop.json is migrated once, a renderer-side
 * `setSettings` reaches the shell through `settings:changed`, and start at login is applied for
 * real (an XDG autostart file in a temp folder, the Linux path). No stand-ins.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { SwarmdropService } from '../../node-core/src/service/service.ts'
import { DesktopSettingsSync } from '../../electron/main/desktop-settings-sync.ts'
import { DESKTOP_SETTINGS_FILE } from '../../electron/main/desktop-settings.ts'
import { AUTOSTART_FILE, applyStartAtLogin } from '../../electron/main/start-at-login.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'
import { TEST_NETWORK } from '../helpers/processes.ts'
import type { DesktopSettings } from '../../electron/main/desktop-settings.ts'

const services: SwarmdropService[] = []
async function service (profileDir: string): Promise<SwarmdropService> {
  const s = await SwarmdropService.create({ profileDir, listen: ['/ip4/127.0.0.1/tcp/0'], downloadDir: profileDir, restore: false, mdns: false, network: TEST_NETWORK })
  services.push(s)
  return s
}
after(async () => { for (const s of services) await s.stop(); await removeTemps() })

async function until<T> (what: string, probe: () => T | null | undefined | false | Promise<T | null | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v !== null && v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`)
    await delay(20)
  }
}

async function exists (path: string): Promise<boolean> {
  return await stat(path).then(() => true, () => false)
}

function shell (api: SwarmdropService, profileDir: string, autostartDir: string): { sync: DesktopSettingsSync, changes: DesktopSettings[], problems: string[] } {
  const changes: DesktopSettings[] = []
  const problems: string[] = []
  const sync = new DesktopSettingsSync({
    api,
    profileDir,
    applyStartAtLogin: async enabled => { await applyStartAtLogin({ platform: 'linux', app: { setLoginItemSettings: () => {} }, autostartDir, command: ['/opt/Swarmdrop/swarmdrop'] }, enabled) },
    onChange: s => { changes.push(s) },
    onProblem: (title, message) => { problems.push(`${title}: ${message}`) }
  })
  sync.listen()
  return { sync, changes, problems }
}

describe('desktop flags from the service settings', { timeout: 60_000 }, () => {
  it('migrates desktop.json once, follows a renderer-side setSettings, and tray toggles go through the service', async () => {
    const profileDir = await tempDir()
    const autostart = join(await tempDir(), 'autostart')
    await writeFile(join(profileDir, DESKTOP_SETTINGS_FILE), JSON.stringify({ closeToTray: false, startAtLogin: true }))
    const api = await service(profileDir)
    assert.deepEqual(await api.call('getSettings', {}).then(s => [s.closeToTray, s.startAtLogin]), [true, false], 'service defaults')
    const { sync, changes, problems } = shell(api, profileDir, autostart)

    await sync.refresh()
    assert.deepEqual(sync.current, { closeToTray: false, startAtLogin: true }, 'desktop.json migrated')
    assert.deepEqual(await api.call('getSettings', {}).then(s => [s.closeToTray, s.startAtLogin]), [false, true], 'now stored by the service')
    assert.equal(await exists(join(profileDir, DESKTOP_SETTINGS_FILE)), false, 'desktop.json removed')
    assert.match(await until('the autostart entry', async () => await readFile(join(autostart, AUTOSTART_FILE), 'utf8').catch(() => null)), /--hidden/)

    // The renderer's Settings view: setSettings through the service API; the shell follows the event.
    await api.call('setSettings', { closeToTray: true, startAtLogin: false })
    assert.deepEqual(sync.current, { closeToTray: true, startAtLogin: false })
    await until('the autostart entry removed', async () => !(await exists(join(autostart, AUTOSTART_FILE))))

    // A tray toggle: saved by the service, seen by every subscriber (the renderer too).
    const seen: unknown[] = []
    const off = api.subscribe(e => { if (e.type === 'settings:changed') seen.push([e.settings.closeToTray, e.settings.startAtLogin]) })
    await sync.set({ closeToTray: false })
    off()
    assert.deepEqual(seen, [[false, false]])
    assert.equal((await api.call('getSettings', {})).closeToTray, false)
    assert.deepEqual(changes.at(-1), { closeToTray: false, startAtLogin: false })
    assert.deepEqual(problems, [])

    // A second refresh (the node restarted): no file, nothing migrated, the service's values kept.
    await sync.refresh()
    assert.deepEqual(sync.current, { closeToTray: false, startAtLogin: false })
  })

  it('a legacy file does not overwrite values already chosen in the service; a broken one is reported and removed', async () => {
    const profileDir = await tempDir()
    const api = await service(profileDir)
    await api.call('setSettings', { startAtLogin: true })
    await writeFile(join(profileDir, DESKTOP_SETTINGS_FILE), JSON.stringify({ closeToTray: false, startAtLogin: false }))
    const { sync, problems } = shell(api, profileDir, join(await tempDir(), 'autostart'))
    await sync.refresh()
    assert.deepEqual(sync.current, { closeToTray: true, startAtLogin: true }, 'the service wins')
    assert.equal(await exists(join(profileDir, DESKTOP_SETTINGS_FILE)), false)

    await writeFile(join(profileDir, DESKTOP_SETTINGS_FILE), '{not json')
    await sync.refresh()
    assert.match(problems.join('\n'), /desktop\.json is not valid JSON/)
    assert.equal(await exists(join(profileDir, DESKTOP_SETTINGS_FILE)), false)
    assert.deepEqual(sync.current, { closeToTray: true, startAtLogin: true })
  })
})
