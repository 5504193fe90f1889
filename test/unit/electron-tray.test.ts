/**
 * The tray: tooltip text and rates, the menu template, Share… (dialog → share → link on the
 * clipboard) and Pause all / Resume all against the REAL SwarmdropService (127.0.0.1, network
 * 'swarmdrop-test', no mDNS). Boundary: Electron's dialog and clipboard are stand-ins (small
 * objects below), since the Electron binary cannot run here.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { SwarmdropService } from '../../node-core/src/service/service.ts'
import { formatLink } from '../../node-core/src/link/link.ts'
import { followTotals, formatTrayTooltip, pauseAll, resumeAll } from '../../electron/main/tray-status.ts'
import { shareFromDialog, trayMenuTemplate } from '../../electron/main/tray-menu.ts'
import { trayIconFile } from '../../electron/main/tray-icon.ts'
import { makeTree, removeTemps, tempDir } from '../helpers/files.ts'
import { TEST_NETWORK } from '../helpers/processes.ts'
import type { ServiceEvent, TransferTotals } from '../../node-core/src/contract/index.ts'
import type { TrayActions } from '../../electron/main/tray-menu.ts'

const services: SwarmdropService[] = []
async function service (): Promise<SwarmdropService> {
  const profileDir = await tempDir()
  const s = await SwarmdropService.create({ profileDir, listen: ['/ip4/127.0.0.1/tcp/0'], downloadDir: join(profileDir, 'dl'), restore: false, mdns: false, network: TEST_NETWORK })
  services.push(s)
  return s
}
after(async () => { for (const s of services) await s.stop(); await removeTemps() })

const t = (downloadRate: number, uploadRate: number, activeDownloads: number): TransferTotals => ({ downloadRate, uploadRate, activeDownloads, peers: 0, lifetimeUploaded: 0, lifetimeDownloaded: 0 })

describe('tray tooltip', () => {
  it('follows the totals of the progress stream, and nothing else', () => {
    const listeners: Array<(e: ServiceEvent) => void> = []
    const api = { subscribe: (l: (e: ServiceEvent) => void) => { listeners.push(l); return () => { listeners.splice(listeners.indexOf(l), 1) } } }
    const shown: TransferTotals[] = []
    const stop = followTotals(api, t => { shown.push(t) })
    const totals = { downloadRate: 3072, uploadRate: 1024, activeDownloads: 2, peers: 3, lifetimeUploaded: 0, lifetimeDownloaded: 0 }
    for (const l of [...listeners]) l({ type: 'share:removed', shareId: 'x' })
    for (const l of [...listeners]) l({ type: 'totals', totals })
    assert.deepEqual(shown, [totals])
    stop()
    assert.equal(listeners.length, 0, 'unsubscribed')
  })

  it('formats rates, the download count and the node state', () => {
    assert.equal(formatTrayTooltip(t(1536 * 1024, 200 * 1024, 2)), 'Swarmdrop\n↓ 1.5 MiB/s  ↑ 200 KiB/s\n2 downloads')
    assert.equal(formatTrayTooltip(t(0, 0, 1)), 'Swarmdrop\n↓ 0 B/s  ↑ 0 B/s\n1 download')
    assert.equal(formatTrayTooltip(t(0, 512, 0)), 'Swarmdrop\n↓ 0 B/s  ↑ 512 B/s')
    assert.equal(formatTrayTooltip(null, 'waiting'), 'Swarmdrop\nnode restarting')
    assert.equal(formatTrayTooltip(t(5, 5, 0), 'starting'), 'Swarmdrop\nstarting')
    assert.equal(formatTrayTooltip(null, 'stopped'), 'Swarmdrop\nstopped')
  })

  it('picks the icon for the platform and theme', () => {
    assert.equal(trayIconFile('darwin', true), 'resources/tray/trayTemplate.png')
    assert.equal(trayIconFile('linux', true), 'resources/tray/tray-light.png')
    assert.equal(trayIconFile('win32', false), 'resources/tray/tray-dark.png')
  })
})

describe('tray menu', () => {
  it('has Open, Share…, Pause/Resume all, the two settings and Quit, wired to the actions', () => {
    const called: string[] = []
    const actions: TrayActions = {
      open: () => called.push('open'), shareFile: () => called.push('shareFile'), shareFolder: () => called.push('shareFolder'),
      pauseAll: () => called.push('pauseAll'), resumeAll: () => called.push('resumeAll'),
      setStartAtLogin: on => called.push(`login:${on}`), setCloseToTray: on => called.push(`tray:${on}`), quit: () => called.push('quit')
    }
    const items = trayMenuTemplate(actions, { startAtLogin: false, closeToTray: true, nodeRunning: true })
    const byId = new Map(items.filter(i => i.id != null).map(i => [i.id!, i]))
    assert.deepEqual([...byId.keys()], ['open', 'share-file', 'share-folder', 'pause-all', 'resume-all', 'start-at-login', 'close-to-tray', 'quit'])
    assert.equal(byId.get('close-to-tray')!.checked, true)
    assert.equal(byId.get('start-at-login')!.checked, false)
    for (const id of ['open', 'share-file', 'share-folder', 'pause-all', 'resume-all', 'quit']) (byId.get(id)!.click as () => void)()
    ;(byId.get('start-at-login')!.click as (item: { checked: boolean }) => void)({ checked: true })
    ;(byId.get('close-to-tray')!.click as (item: { checked: boolean }) => void)({ checked: false })
    assert.deepEqual(called, ['open', 'shareFile', 'shareFolder', 'pauseAll', 'resumeAll', 'quit', 'login:true', 'tray:false'])
    const down = trayMenuTemplate(actions, { startAtLogin: true, closeToTray: false, nodeRunning: false })
    assert.deepEqual(down.filter(i => i.enabled === false).map(i => i.id), ['share-file', 'share-folder', 'pause-all', 'resume-all', 'start-at-login', 'close-to-tray'], 'the toggles too: the service stores them')
  })
})

describe('tray actions with the real service', { timeout: 60_000 }, () => {
  let alice: SwarmdropService
  let bob: SwarmdropService
  before(async () => { alice = await service(); bob = await service() })

  it('Share… shares the picked folder and puts its link on the clipboard; cancel does nothing', async () => {
    const src = await tempDir()
    await makeTree(join(src, 'trip'), { 'a.bin': 50_000 })
    const dialogCalls: unknown[] = []
    const clipboard: string[] = []
    const dialog = { showOpenDialog: async (options: unknown) => { dialogCalls.push(options); return { canceled: false, filePaths: [join(src, 'trip')] } } }
    const shared = await shareFromDialog(dialog as never, { writeText: (t: string) => { clipboard.push(t) } } as never, alice, 'folder')
    assert.ok(shared != null)
    assert.equal(shared.name, 'trip')
    assert.deepEqual(clipboard, [shared.link])
    assert.deepEqual((dialogCalls[0] as { properties: string[] }).properties, ['openDirectory'])
    const cancel = { showOpenDialog: async () => ({ canceled: true, filePaths: [] }) }
    assert.equal(await shareFromDialog(cancel as never, { writeText: () => { throw new Error('no') } } as never, alice, 'file'), null)
    const missing = { showOpenDialog: async () => ({ canceled: false, filePaths: [join(src, 'gone')] }) }
    await assert.rejects(shareFromDialog(missing as never, { writeText: () => {} } as never, alice, 'file'))
  })

  it('Pause all pauses the running downloads, Resume all resumes them', async () => {
    const src = await tempDir()
    await makeTree(join(src, 'p1'), { 'a.bin': 1000 })
    await makeTree(join(src, 'p2'), { 'b.bin': 2000 })
    const s1 = await alice.call('share', { path: join(src, 'p1') })
    const s2 = await alice.call('share', { path: join(src, 'p2') })
    // Links without addresses: bob cannot find alice (no DHT peers, no mDNS), so both stay connecting.
    for (const s of [s1, s2]) await bob.call('addDownload', { link: formatLink({ shareId: s.shareId, peers: [] }), outDir: await tempDir() })
    const states = async (): Promise<string[]> => (await bob.call('list', {})).downloads.map(d => d.state).sort()
    assert.deepEqual(await states(), ['connecting', 'connecting'])
    assert.deepEqual(await pauseAll(bob), { changed: 2, failed: [] })
    assert.deepEqual(await states(), ['paused', 'paused'])
    assert.deepEqual(await pauseAll(bob), { changed: 0, failed: [] }, 'nothing left to pause')
    assert.deepEqual(await resumeAll(bob), { changed: 2, failed: [] })
    assert.ok((await states()).every(s => s === 'connecting' || s === 'downloading'))
  })
})
