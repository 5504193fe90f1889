/**
 * The BUILT Electron main process (out/electron/main/index.mjs, node-core bundled in) run under
 * Node with the REAL service on 127.0.0.1 (profile config: network 'swarmdrop-test', no mDNS).
 * Boundary: the Electron binary cannot run here, so the `electron` module is replaced by
 * test/fixtures/electron-api-stand-in.ts (a module-resolution hook in
 * test/fixtures/electron-main-driver.ts). Checks the wiring of index.ts that the unit tests do
 * not reach: window, app://, IPC, links from argv and a second launch, tray, fault restart, quit.
 */
import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { formatLink } from '../../../node-core/src/link/link.ts'
import { shareIdOf } from '../../../node-core/src/manifest/codec.ts'
import { makeTree, removeTemps, tempDir } from '../../helpers/files.ts'
import { JsonProcess, TEST_NETWORK, killAll } from '../../helpers/processes.ts'

const ROOT = new URL('../../..', import.meta.url).pathname
const DRIVER = join(ROOT, 'test/fixtures/electron-main-driver.ts')

before(async () => {
  await promisify(execFile)(process.execPath, [join(ROOT, 'electron/build.ts')], { cwd: ROOT, timeout: 60_000 })
})
afterEach(killAll)
after(removeTemps)

describe('built main process with the Electron API stood in', { timeout: 180_000 }, () => {
  it('starts the node, serves IPC and app://, takes links, runs the tray, survives a fault, quits cleanly', async () => {
    const home = await tempDir()
    const profile = join(home, '.config', 'Swarmdrop')
    await mkdir(profile, { recursive: true })
    await writeFile(join(profile, 'desktop.json'), JSON.stringify({ closeToTray: false, startAtLogin: false })) // legacy, migrated once
    await writeFile(join(profile, 'config.json'), JSON.stringify({ network: TEST_NETWORK, mdns: false, listen: ['/ip4/127.0.0.1/tcp/0'], allowPrivate: true }))
    const link = async (): Promise<string> => formatLink({ shareId: await shareIdOf(randomBytes(32)), peers: [] })
    const [first, second] = [await link(), await link()]
    const folder = join(home, 'to-share')
    await makeTree(folder, { 'photo.jpg': 300_000, 'notes/readme.txt': 100 })

    const driver = new JsonProcess(process.execPath, [DRIVER, first, second, folder], { HOME: home, XDG_CONFIG_HOME: join(home, '.config') }, ROOT)
    const result = await driver.event('result', 150_000)
    const code = await driver.exited
    assert.equal(code, 0, `driver failed:\n${driver.stderr}`)
    const r = result as Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
    const err = driver.stderr

    const prefs = r.window.options.webPreferences
    assert.deepEqual([prefs.contextIsolation, prefs.sandbox, prefs.nodeIntegration, prefs.webSecurity], [true, true, false, true])
    assert.equal(prefs.preload, join(ROOT, 'out/electron/preload/index.cjs'))
    assert.equal(r.window.loaded, 'app://swarmdrop/index.html')
    assert.deepEqual(r.window.openHandlerDenies, { action: 'deny' })
    assert.deepEqual(r.window.permissions, { media: false, check: false }, 'every permission refused')
    assert.deepEqual(r.privilegedSchemes, [
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
      { scheme: 'swarmdrop-media', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }
    ])
    assert.deepEqual(r.protocolClients, [['swarmdrop']])
    assert.ok(r.addresses.every((a: string) => a.startsWith('/ip4/127.0.0.1/')), 'loopback only')
    assert.equal(r.routingTableBefore, 0, 'no bootstrap peer in the routing table')
    assert.equal(r.routingTableWithProbe, 1, `a DHT server on ${TEST_NETWORK} joined the node's routing table`)
    assert.deepEqual(r.refusedConnects, [], 'no connection beyond loopback was attempted (bootstrap list empty)')
    assert.match(r.trayImage, /resources\/tray\/tray-light\.png$/)

    assert.equal(r.firstLinkDownload, 'connecting', 'the link on the command line became a download')
    assert.equal(r.secondLinkDownload, 'connecting', 'the link from a second launch too')
    assert.deepEqual(r.share, { name: 'to-share' }, 'shared (hashed by the bundled worker)')
    assert.equal(r.foreign.ok, false)
    assert.equal(r.foreign.error.code, 'untrusted-sender')
    assert.equal(r.badArgs.error.code, 'invalid-argument')
    assert.ok(r.appProtocol != null)
    assert.equal(r.appProtocol.traversal, 403)
    assert.ok([200, 404].includes(r.appProtocol.index), 'index.html: 200 once renderer/dist is built, 404 before')
    // The media protocol reaches the running service: a file of the share just made is found (a
    // player type or 415 for another type), an unknown share is not.
    assert.ok(r.mediaProtocol != null)
    assert.ok([200, 206, 415].includes(r.mediaProtocol.shared), `media of the share: ${r.mediaProtocol.shared}`)
    assert.equal(r.mediaProtocol.unknown, 404)

    assert.match(r.tooltip, /^Swarmdrop\n↓ .*\/s {2}↑ .*\/s\n2 downloads$/)
    assert.deepEqual(r.menu, ['open', 'share-file', 'share-folder', 'pause-all', 'resume-all', 'start-at-login', 'close-to-tray', 'quit'])
    assert.match(r.clipboard, /^swarmdrop:\/\//, 'Share Folder… put the link on the clipboard')
    assert.deepEqual(r.afterPauseAll, ['paused', 'paused'])

    assert.match(r.faultNotice.body, /boom from a timer/)
    assert.equal(r.afterRestart, true, 'the node is back with the same identity')
    assert.equal(r.trayAlive, true)
    assert.match(err, /uncaught exception in the main process/)

    assert.deepEqual(r.migrated, { service: { closeToTray: false, startAtLogin: false }, legacyFileLeft: false }, 'desktop.json moved into the service settings')
    assert.deepEqual(r.trayToggle, { service: { closeToTray: true, startAtLogin: false }, rendererSaw: { closeToTray: true, startAtLogin: false } }, 'a tray toggle is saved by the service and reaches the renderer')
    assert.equal(r.closeHidden, true, 'closing the window hides it in the tray')
    assert.equal(r.rendererSaveOk, true)
    assert.deepEqual(r.afterRendererSave, { trayStartAtLogin: true, trayCloseToTray: false, autostartEntry: true }, 'a renderer-side setSettings reaches the tray and the login item')
    assert.equal(r.closeNotKept, true, 'with close to tray off (set from the renderer), closing the window is not prevented')
    assert.deepEqual(r.quit, { requests: 2, trayDestroyed: true, errorBoxes: [], exitCode: null })
  })
})
