/**
 * The node's events in its log: a real service shares a real folder and is given a link nobody
 * serves; the log gets the share and the download as info lines and, on the status tick, a line
 * with the unfinished download, its bytes and its sources. Stopping ends both.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { formatLink } from '../../node-core/src/link/link.ts'
import { logServiceEvents } from '../../node-core/src/log/event-log.ts'
import { addLogSink } from '../../node-core/src/log/logger.ts'
import type { LogLine } from '../../node-core/src/log/logger.ts'
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
      await service.stop()
      removeSink()
    }
    const count = lines.length
    await new Promise(resolve => setTimeout(resolve, 500)) // more than two ticks: none after stop
    assert.equal(lines.length, count)
  })
})
