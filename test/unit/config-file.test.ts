import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadConfigFile } from '../../node-core/src/config/config-file.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'

after(removeTemps)

describe('config file', () => {
  it('is optional, and read with the same settings as the flags', async () => {
    const dir = await tempDir()
    assert.deepEqual(await loadConfigFile(dir), {})
    await writeFile(join(dir, 'config.json'), JSON.stringify({ network: 'team', bootstrap: ['/ip4/127.0.0.1/tcp/1/p2p/x'], mdns: false, maxUpload: '4MiB' }))
    assert.deepEqual(await loadConfigFile(dir), { network: 'team', bootstrap: ['/ip4/127.0.0.1/tcp/1/p2p/x'], mdns: false, maxUpload: '4MiB' })
    await writeFile(join(dir, 'config.json'), JSON.stringify({ web: true, webPort: 0 }))
    assert.deepEqual(await loadConfigFile(dir), { web: true, webPort: 0 })
  })

  it('rejects unknown settings, wrong types and broken JSON with the file named', async () => {
    const dir = await tempDir()
    for (const bad of ['{"netwrok":"x"}', '{"mdns":"no"}', '{"maxUpload":-1}', '{ not json', '[]', '{"web":"yes"}', '{"webPort":70000}', '{"webPort":-1}', '{"webPort":"7717"}', '{"webPort":1.5}']) {
      await writeFile(join(dir, 'config.json'), bad)
      await assert.rejects(loadConfigFile(dir), (err: Error) => err.name === 'InvalidArgumentError' && err.message.includes('config.json'), bad)
    }
  })
})
