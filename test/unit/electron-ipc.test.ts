/**
 * The IPC path from the page to node-core: the preload bridge (`window.swarmdrop`) → ipcMain
 * handlers (sender-frame check, argument validation) → the REAL SwarmdropService (libp2p on
 * 127.0.0.1, network 'swarmdrop-test', no mDNS). Boundary: Electron's ipcMain / ipcRenderer /
 * webContents are in-memory stand-ins (test/helpers/electron-stand-in.ts), since the Electron
 * binary cannot run here; they pass arguments by structured clone as Electron does.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { SwarmdropService } from '../../node-core/src/service/service.ts'
import { IPC_CHANNELS, IpcChannel } from '../../electron/ipc/channels.ts'
import { handleCall, isTrustedFrame, registerServiceIpc } from '../../electron/main/service-ipc.ts'
import { createBridge } from '../../electron/preload/bridge.ts'
import { handleReveal, registerRevealIpc } from '../../electron/main/reveal-ipc.ts'
import { makeTree, removeTemps, tempDir } from '../helpers/files.ts'
import { TEST_NETWORK } from '../helpers/processes.ts'
import { StandInIpcMain, StandInIpcRenderer, StandInWebContents } from '../helpers/electron-stand-in.ts'
import type { DownloadInfo, ServiceEvent, SwarmdropApi } from '../../node-core/src/contract/index.ts'
import type { SwarmdropBridge } from '../../electron/preload/bridge.ts'

let service: SwarmdropService
before(async () => {
  const profileDir = await tempDir()
  service = await SwarmdropService.create({ profileDir, listen: ['/ip4/127.0.0.1/tcp/0'], downloadDir: join(profileDir, 'dl'), restore: false, mdns: false, allowPrivate: true, network: TEST_NETWORK })
})
after(async () => { await service.stop(); await removeTemps() })

const webUtils = { getPathForFile: (file: { name: string }) => `/dropped/${file.name}` }

/** One main window and its renderer, wired through the stand-in IPC to the real service. */
function setup (): { ipcMain: StandInIpcMain, window: StandInWebContents, renderer: StandInIpcRenderer, bridge: SwarmdropBridge, dispose: () => void } {
  const ipcMain = new StandInIpcMain()
  const window = new StandInWebContents()
  const dispose = registerServiceIpc(ipcMain as never, service, () => window.mainFrame)
  const renderer = new StandInIpcRenderer(ipcMain, window)
  const bridge = createBridge(renderer as never, webUtils as never)
  return { ipcMain, window, renderer, bridge, dispose }
}

/**
 * Resolves with the next service event matching `predicate`. Registered after the IPC bridge's
 * own subscription, so when it resolves the bridge has already forwarded (or not) the same event.
 */
function serviceEvent (predicate: (e: ServiceEvent) => boolean, timeoutMs = 30_000): Promise<ServiceEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { stop(); reject(new Error('timed out waiting for a service event')) }, timeoutMs)
    const stop = service.subscribe(e => { if (predicate(e)) { clearTimeout(timer); stop(); resolve(e) } })
  })
}

async function rejection (p: Promise<unknown>): Promise<unknown> {
  try { await p } catch (err) { return err }
  throw new Error('expected a rejection')
}

describe('sender frame check', () => {
  it('trusts only the main window top frame on app://', () => {
    const main = { url: 'app://swarmdrop/index.html', processId: 3, routingId: 1 }
    const mainFrame = (): typeof main => main
    assert.equal(isTrustedFrame(main, mainFrame), true)
    assert.equal(isTrustedFrame({ ...main }, mainFrame), true, 'the same frame seen through another object')
    assert.equal(isTrustedFrame(null, mainFrame), false, 'a frame that navigated away or was destroyed')
    assert.equal(isTrustedFrame(undefined, mainFrame), false)
    assert.equal(isTrustedFrame({ ...main, routingId: 2 }, mainFrame), false, 'a subframe')
    assert.equal(isTrustedFrame({ ...main, processId: 4 }, mainFrame), false, 'another renderer process')
    assert.equal(isTrustedFrame({ ...main, url: 'https://evil.example/' }, mainFrame), false, 'the window navigated elsewhere')
    assert.equal(isTrustedFrame({ ...main, url: 'file:///index.html' }, mainFrame), false)
    assert.equal(isTrustedFrame(main, () => null), false, 'no window')
  })
})

describe('window.swarmdrop over IPC to the real service', { timeout: 60_000 }, () => {
  it('calls commands and returns their results', async () => {
    const { bridge, dispose } = setup()
    const info = await bridge.call('nodeInfo', {})
    assert.equal(info.peerId, service.nodeInfo().peerId)
    const src = await tempDir()
    await makeTree(join(src, 'album'), { 'a.jpg': 70_000, 'b/c.jpg': 10 })
    const share = await bridge.call('share', { path: join(src, 'album') })
    assert.equal(share.fileCount, 2)
    const list = await bridge.call('list', {})
    assert.ok(list.shares.some(s => s.shareId === share.shareId))
    assert.equal(bridge.shell, 'electron')
    assert.equal(bridge.pathForFile({ name: 'x.txt' } as File), '/dropped/x.txt')
    dispose()
  })

  it('rejects bad arguments with node-core typed error codes, as plain { code, message }', async () => {
    const { bridge, dispose } = setup()
    const cases: Array<[string, unknown, string]> = [
      ['share', {}, 'invalid-argument'],
      ['share', { path: 5 }, 'invalid-argument'],
      ['share', { path: '/x', extra: true }, 'invalid-argument'],
      ['nope', {}, 'invalid-argument'],
      ['__proto__', {}, 'invalid-argument'],
      ['setLimits', { maxUploadBytesPerSecond: -1 }, 'invalid-argument'],
      ['addDownload', { link: 'swarmdrop://nope' }, 'invalid-link'],
      ['pause', { shareId: 'unknown' }, 'not-found']
    ]
    for (const [command, args, code] of cases) {
      const err = await rejection(bridge.call(command as 'share', args as never))
      assert.equal(Object.getPrototypeOf(err), Object.prototype, 'a plain object crosses the context bridge')
      assert.equal((err as { code: string }).code, code, `${command} ${JSON.stringify(args)}`)
      assert.equal(typeof (err as { message: string }).message, 'string')
    }
    dispose()
  })

  it('refuses calls and subscriptions from a foreign frame, and nothing happens', async () => {
    const { ipcMain, window, renderer, dispose } = setup()
    const src = await tempDir()
    await makeTree(join(src, 'secret'), { 'k.bin': 1000 })
    const before = (await service.call('list', {})).shares.length
    // A subframe of the window (e.g. an embedded page) and a frame that is not ours at all.
    renderer.frame = { ...window.mainFrame, routingId: 999 }
    const sub = createBridge(renderer as never, webUtils as never)
    assert.deepEqual(await rejection(sub.call('share', { path: join(src, 'secret') })), { code: 'untrusted-sender', message: 'IPC call from a frame that is not the Swarmdrop window' })
    const other = new StandInWebContents('https://evil.example/')
    const foreign = new StandInIpcRenderer(ipcMain, other)
    const reply = await foreign.invoke(IpcChannel.call, 'share', { path: join(src, 'secret') }) as { ok: boolean, error: { code: string } }
    assert.equal(reply.ok, false)
    assert.equal(reply.error.code, 'untrusted-sender')
    assert.equal((await service.call('list', {})).shares.length, before, 'nothing was shared')
    // Their subscriptions get no events.
    foreign.send(IpcChannel.subscribe)
    renderer.send(IpcChannel.subscribe)
    await service.call('setLimits', { maxUploadBytesPerSecond: 0 })
    await makeTree(join(src, 'public'), { 'p.bin': 10 })
    const added = serviceEvent(e => e.type === 'share:added')
    const shared = await service.call('share', { path: join(src, 'public') })
    assert.deepEqual(await added, { type: 'share:added', share: shared }, 'the event was raised')
    assert.deepEqual(other.sent, [])
    assert.deepEqual(window.sent, [])
    // handleCall alone: untrusted beats even valid arguments.
    assert.deepEqual(await handleCall(service, false, 'nodeInfo', {}), { ok: false, error: { code: 'untrusted-sender', message: 'IPC call from a frame that is not the Swarmdrop window' } })
    dispose()
  })

  it('forwards service events to subscribed windows until they unsubscribe or close', async () => {
    const { window, bridge, dispose } = setup()
    const events: ServiceEvent[] = []
    const stop = bridge.subscribe(e => events.push(e))
    const src = await tempDir()
    await makeTree(join(src, 'one'), { 'x.bin': 2000 })
    const share = await bridge.call('share', { path: join(src, 'one') })
    const deadline = Date.now() + 10_000
    while (!events.some(e => e.type === 'share:added' && e.share.shareId === share.shareId) && Date.now() < deadline) await delay(20)
    assert.ok(events.some(e => e.type === 'share:added' && e.share.shareId === share.shareId), 'share:added arrived through IPC')
    assert.ok(window.sent.every(m => m.channel === IpcChannel.event))
    stop()
    const count = window.sent.length
    const removed = serviceEvent(e => e.type === 'share:removed' && e.shareId === share.shareId)
    await bridge.call('unshare', { shareId: share.shareId })
    await removed
    assert.equal(window.sent.length, count, 'nothing after unsubscribe')
    // Subscribe again, then the window closes: it is dropped.
    bridge.subscribe(() => {})
    window.destroy()
    await makeTree(join(src, 'two'), { 'y.bin': 10 })
    const addedTwo = serviceEvent(e => e.type === 'share:added')
    await service.call('share', { path: join(src, 'two') })
    await addedTwo
    assert.equal(window.sent.length, count, 'nothing to a destroyed window')
    dispose()
  })

  it('uses only the allow-listed channels', async () => {
    const ipcMain = new StandInIpcMain()
    const window = new StandInWebContents()
    const used = new Set<string>()
    const renderer = new StandInIpcRenderer(ipcMain, window)
    const spy = {
      invoke: (c: string, ...a: unknown[]) => { used.add(c); return renderer.invoke(c, ...a) },
      send: (c: string, ...a: unknown[]) => { used.add(c); renderer.send(c, ...a) },
      on: (c: string, l: (...a: unknown[]) => void) => { used.add(c); renderer.on(c, l) },
      removeListener: (c: string, l: (...a: unknown[]) => void) => { used.add(c); renderer.removeListener(c, l) }
    }
    const dispose = registerServiceIpc(ipcMain as never, service, () => window.mainFrame)
    const disposeReveal = registerRevealIpc(ipcMain as never, service, { showItemInFolder () {} }, () => window.mainFrame)
    const bridge = createBridge(spy as never, webUtils as never)
    await bridge.call('nodeInfo', {})
    bridge.subscribe(() => {})()
    await assert.rejects(bridge.reveal('bafy-none'), { code: 'not-found' })
    assert.deepEqual([...used].sort(), [...IPC_CHANNELS].sort())
    assert.deepEqual(Object.keys(bridge).sort(), ['call', 'pathForFile', 'reveal', 'shell', 'subscribe'])
    dispose()
    disposeReveal()
    assert.equal(ipcMain.handlers.size, 0)
    assert.equal(ipcMain.listenerCount(IpcChannel.subscribe), 0)
  })
})

describe('swarmdrop:reveal (Show in folder)', () => {
  const shown: string[] = []
  const shell = { showItemInFolder: (path: string) => { shown.push(path) } }

  it('is refused from an untrusted frame, for a malformed ID, and for a share that is no finished download here', async () => {
    const untrusted = await handleReveal(service, shell, false, 'bafy1')
    assert.equal(untrusted.ok ? null : untrusted.error.code, 'untrusted-sender')
    for (const bad of [42, '', 'x'.repeat(257), null]) {
      const reply = await handleReveal(service, shell, true, bad)
      assert.equal(reply.ok ? null : reply.error.code, 'invalid-argument', String(bad))
    }
    const unknown = await handleReveal(service, shell, true, 'bafy-unknown')
    assert.equal(unknown.ok ? null : unknown.error.code, 'not-found')
    assert.deepEqual(shown, [])
  })

  it('shows the first file of a finished download, looked up by share ID (never a path from the page)', async () => {
    // Boundary: the service's list answer (a finished download needs two nodes; the reveal logic is what is tested).
    const download = (shareId: string, state: DownloadInfo['state']): DownloadInfo => ({
      shareId, link: `swarmdrop://${shareId}`, name: 'holiday', outDir: '/dl', state, totalBytes: 10, verifiedBytes: 10, chunkCount: 1, verifiedChunks: 1,
      downloadRate: 0, uploadRate: 0, addedAt: 0, seeding: true, sources: [], files: state === 'complete' ? ['/dl/holiday/a.jpg', '/dl/holiday/b.jpg'] : null, error: null, waiting: null
    })
    const api = { call: async () => ({ shares: [], peers: [], downloads: [download('bafy-done', 'complete'), download('bafy-running', 'downloading')] }), subscribe: () => () => {} } as unknown as SwarmdropApi
    assert.equal((await handleReveal(api, shell, true, 'bafy-done')).ok, true)
    assert.deepEqual(shown, ['/dl/holiday/a.jpg'])
    const running = await handleReveal(api, shell, true, 'bafy-running')
    assert.equal(running.ok ? null : running.error.code, 'not-found')
    assert.deepEqual(shown, ['/dl/holiday/a.jpg'])
  })
})
