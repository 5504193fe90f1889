/**
 * `swarmdrop://` links from the OS: argv (Windows, Linux), 'open-url' (macOS), the single-instance
 * hand-off from a second launch, and the protocol-client registration. Boundary: Electron's `app`
 * is a stand-in (test/helpers/electron-stand-in.ts), since the Electron binary cannot run here.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { resolve } from 'node:path'
import { isSwarmdropLink, linkFromArgv, LinkInbox } from '../../electron/main/links.ts'
import { claimSingleInstance, registerLinkScheme } from '../../electron/main/single-instance.ts'
import { StandInApp, standInEvent } from '../helpers/electron-stand-in.ts'

const LINK = 'swarmdrop://bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy?name=holiday'

describe('link extraction', () => {
  it('finds the link in a packaged, a development and a Chromium-extended command line', () => {
    assert.equal(linkFromArgv(['/opt/Swarmdrop/swarmdrop', LINK]), LINK)
    assert.equal(linkFromArgv(['/usr/bin/electron', '/home/u/swarmdrop', LINK]), LINK)
    assert.equal(linkFromArgv(['C:\\Swarmdrop.exe', '--allow-file-access-from-files', LINK, '--original-process-start-time=1']), LINK)
    assert.equal(linkFromArgv(['app', 'SWARMDROP://BAFY']), 'SWARMDROP://BAFY', 'scheme case-insensitive')
    assert.equal(linkFromArgv(['app', 'swarmdrop://first', 'swarmdrop://second']), 'swarmdrop://second')
  })

  it('ignores anything else', () => {
    assert.equal(linkFromArgv([]), null)
    assert.equal(linkFromArgv(['app', '--hidden']), null)
    assert.equal(linkFromArgv(['app', '--x=swarmdrop://bafy']), null, 'a flag value is not a link')
    assert.equal(linkFromArgv(['app', 'swarmdrop://']), null, 'no share')
    assert.equal(linkFromArgv(['app', 'https://swarmdrop.example/']), null)
    assert.equal(linkFromArgv(['app', `swarmdrop://${'a'.repeat(9000)}`]), null, 'over the API cap')
    assert.equal(isSwarmdropLink(42), false)
    assert.equal(isSwarmdropLink(undefined), false)
  })
})

describe('LinkInbox', () => {
  it('queues links until there is a handler, then delivers in order; drops non-links', () => {
    const inbox = new LinkInbox()
    assert.equal(inbox.receive('swarmdrop://a'), true)
    assert.equal(inbox.receive('file:///etc/passwd'), false)
    assert.equal(inbox.receive(null), false)
    inbox.receive('swarmdrop://b')
    const got: string[] = []
    inbox.deliverTo(l => got.push(l))
    assert.deepEqual(got, ['swarmdrop://a', 'swarmdrop://b'])
    inbox.receive('swarmdrop://c')
    assert.deepEqual(got, ['swarmdrop://a', 'swarmdrop://b', 'swarmdrop://c'])
  })
})

describe('single instance', () => {
  it('a second launch quits at once (its argv goes to the first instance)', () => {
    const app = new StandInApp(false)
    const inbox = new LinkInbox()
    const got: string[] = []
    inbox.deliverTo(l => got.push(l))
    assert.equal(claimSingleInstance(app as never, ['app', LINK], inbox, () => {}), false)
    assert.equal(app.quitCalls, 1)
    assert.deepEqual(got, [], 'the second instance does not act on the link itself')
    assert.equal(app.listenerCount('second-instance'), 0)
  })

  it('the first instance takes its own link and those handed over by later launches and open-url', () => {
    const app = new StandInApp(true)
    const inbox = new LinkInbox()
    let focused = 0
    assert.equal(claimSingleInstance(app as never, ['app', LINK], inbox, () => { focused++ }), true)
    assert.equal(app.quitCalls, 0)
    const got: string[] = []
    inbox.deliverTo(l => got.push(l))
    assert.deepEqual(got, [LINK], 'the launch link was queued until the handler existed')
    // Windows/Linux: a second launch with a link.
    app.emit('second-instance', standInEvent(), ['C:\\Swarmdrop.exe', '--flag', 'swarmdrop://from-second'], 'C:\\')
    // A second launch without a link still brings the window up.
    app.emit('second-instance', standInEvent(), ['C:\\Swarmdrop.exe'], 'C:\\')
    // macOS.
    const openUrl = standInEvent()
    app.emit('open-url', openUrl, 'swarmdrop://from-mac')
    assert.equal(openUrl.defaultPrevented, true)
    app.emit('open-url', standInEvent(), 'https://not-ours.example/')
    assert.deepEqual(got, [LINK, 'swarmdrop://from-second', 'swarmdrop://from-mac'])
    assert.equal(focused, 4)
  })
})

describe('protocol client registration', () => {
  it('packaged: the scheme alone; development run: with electron and the entry script', () => {
    const packaged = new StandInApp(true)
    registerLinkScheme(packaged as never, { execPath: '/opt/Swarmdrop/swarmdrop', argv: ['/opt/Swarmdrop/swarmdrop'] })
    assert.deepEqual(packaged.protocolClients, [['swarmdrop']])
    const dev = new StandInApp(true)
    registerLinkScheme(dev as never, { defaultApp: true, execPath: '/x/electron', argv: ['/x/electron', '.'] })
    assert.deepEqual(dev.protocolClients, [['swarmdrop', '/x/electron', [resolve('.')]]])
  })
})
