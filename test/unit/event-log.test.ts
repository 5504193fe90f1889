/**
 * The node's events in its log: a real service shares a real folder and is given a link nobody
 * serves; the log gets the share and the download as info lines and, on the status tick, a line
 * with the unfinished download, its bytes and its sources. Stopping ends both (checked against a
 * second logger that runs on).
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { formatLink } from '../../node-core/src/link/link.ts'
import { logServiceEvents } from '../../node-core/src/log/event-log.ts'
import { addLogSink } from '../../node-core/src/log/logger.ts'
import type { LogLine } from '../../node-core/src/log/logger.ts'
import type { SwarmdropApi } from '../../node-core/src/contract/index.ts'
import { shareIdOf } from '../../node-core/src/manifest/codec.ts'
import { SwarmdropService } from '../../node-core/src/service/service.ts'
import { makeTree, removeTemps, tempDir } from '../helpers/files.ts'
import { TEST_NETWORK } from '../helpers/processes.ts'

after(removeTemps)

describe('logServiceEvents', { timeout: 60_000 }, () => {
  it('logs shares and downloads as they change, and a status line on each tick', async () => {
    const profile = await tempDir()
    const folder = join(await tempDir(), 'holiday')
    await makeTree(folder, { 'a.bin': 5000, 'b/c.bin': 100 })
    const nobody = await shareIdOf(randomBytes(32))
    const lines: LogLine[] = []
    const { promise: statusLogged, resolve: sawStatus } = Promise.withResolvers<void>()
    const removeSink = addLogSink(line => {
      if (line.component !== 'swarmdrop:events') return
      lines.push(line)
      if (line.text.startsWith('status: ') && line.text.includes(nobody)) sawStatus()
    })
    const service = await SwarmdropService.create({ profileDir: profile, listen: ['/ip4/127.0.0.1/tcp/0'], network: TEST_NETWORK, mdns: false, bootstrap: [], downloadDir: await tempDir() })
    const stop = logServiceEvents(service, 200)
    try {
      const share = await service.call('share', { path: folder })
      await service.call('addDownload', { link: formatLink({ shareId: nobody, peers: [] }) })
      await statusLogged // bounded by the suite's timeout
      const texts = lines.map(l => `${l.level} ${l.text}`)
      assert.ok(texts.includes(`info share added: ${share.shareId} holiday (2 files, 5100 bytes)`), texts.join('\n'))
      assert.ok(texts.some(t => t.startsWith(`info download added: ${nobody} (manifest not yet known) `)), texts.join('\n'))
      assert.match(texts.find(t => t.startsWith('info status: ') && t.includes(nobody))!, new RegExp(`^info status: 0 peers connected; ${nobody} \\(manifest not yet known\\) \\w+ 0/\\? bytes, 0/0 sources connected`))
    } finally {
      stop()
    }
    // Stopped, it logs nothing more. Rather than wait a guessed time and see nothing, a second logger
    // (the control) runs on: once it has logged an event and three status lines, the stopped one
    // would have logged them too (the same event; ticks of the same interval).
    const before = lines.length
    let controlTicks = 0
    const control: SwarmdropApi = {
      subscribe: listener => service.subscribe(listener),
      call: (command, args) => service.call(command, args).finally(() => { if (command === 'list') controlTicks++ })
    }
    const stopControl = logServiceEvents(control, 200)
    try {
      const other = join(await tempDir(), 'other')
      await makeTree(other, { 'x.bin': 10 })
      const added = await service.call('share', { path: other })
      const since = (): string[] => lines.slice(before).map(l => l.text)
      const deadline = Date.now() + 60_000 // a cap for a hang
      while (!(controlTicks >= 3 && since().filter(t => t.startsWith('status: ')).length >= 3)) {
        assert.ok(Date.now() < deadline, 'the control logger did not tick three times')
        await new Promise(resolve => setTimeout(resolve, 20))
      }
      assert.equal(since().filter(t => t.startsWith(`share added: ${added.shareId}`)).length, 1, 'the event is logged once, by the control')
      assert.ok(since().filter(t => t.startsWith('status: ')).length <= controlTicks, `status lines after stop come from the control only: ${since().join('\n')}`)
    } finally {
      stopControl()
      await service.stop()
      removeSink()
    }
  })
})
