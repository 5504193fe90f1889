/**
 * The desktop app's log file: the BUILT Electron main process (the `electron` module stood in, as
 * in electron-main.test.ts, by the same driver) writes `<profile>/logs/swarmdrop.log`, with the
 * node's fault (a throw from a timer, which the supervisor restarts from) as an error line with
 * its stack, and everything is on disk once the app has quit.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { formatLink } from '../../../node-core/src/link/link.ts'
import { shareIdOf } from '../../../node-core/src/manifest/codec.ts'
import { makeTree, removeTemps, tempDir } from '../../helpers/files.ts'
import { TEST_NETWORK } from '../../helpers/processes.ts'

const ROOT = new URL('../../..', import.meta.url).pathname
const run = promisify(execFile)

before(async () => { await run(process.execPath, [join(ROOT, 'electron/build.ts')], { cwd: ROOT, timeout: 60_000 }) })
after(removeTemps)

describe('the desktop app\'s log file', { timeout: 180_000 }, () => {
  it('records the start, the node\'s fault with its stack, and is complete after quit', async () => {
    const home = await tempDir()
    const profile = join(home, '.config', 'Swarmdrop')
    await mkdir(profile, { recursive: true })
    await writeFile(join(profile, 'config.json'), JSON.stringify({ network: TEST_NETWORK, mdns: false, listen: ['/ip4/127.0.0.1/tcp/0'] }))
    await writeFile(join(profile, 'desktop.json'), JSON.stringify({ closeToTray: false, startAtLogin: false })) // the driver checks its migration too
    await makeTree(join(home, 'folder'), { 'a.bin': 1000 })
    const links = await Promise.all([0, 1].map(async () => formatLink({ shareId: await shareIdOf(randomBytes(32)), peers: [] })))
    const driver = run(process.execPath, [join(ROOT, 'test/fixtures/electron-main-driver.ts'), ...links, join(home, 'folder')],
      { cwd: ROOT, timeout: 150_000, env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config') } })
    const { stdout } = await driver
    assert.match(stdout, /"event":"result"/)

    const log = await readFile(join(profile, 'logs', 'swarmdrop.log'), 'utf8')
    assert.match(log, /^\S+Z INFO {2}swarmdrop:log log opened by pid \d+/m)
    const fault = /^\S+Z ERROR swarmdrop:electron the node failed \(attempt 1, restart in \d+ ms\): Error: boom from a timer\n((?: {4}at .*\n)+)/m.exec(log)
    assert.ok(fault != null, log)
    assert.match(fault[1]!, /electron-main-driver\.ts/, 'the stack points at the throw')
  })
})
