import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { StateStore } from '../../node-core/src/storage/state-store.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'

after(removeTemps)

/** A profile whose state store holds a few records, written and closed. */
async function filledProfile (): Promise<string> {
  const profile = await tempDir()
  const store = await StateStore.open(profile)
  for (let i = 0; i < 500; i++) await store.putHave(`share${i}`, new Uint8Array(300).fill(i))
  await store.close()
  const again = await StateStore.open(profile) // reopening compacts the log into an .ldb table
  await again.putSettings({ maxUploadBytesPerSecond: 7, maxDownloadBytesPerSecond: 9 })
  await again.close()
  return profile
}

type Damage = (path: string) => Promise<void>
const damages: Record<string, Damage> = {
  truncated: async path => { await truncate(path, Math.floor((await readFile(path)).length / 2)) },
  zeroed: async path => { await writeFile(path, Buffer.alloc((await readFile(path)).length)) },
  garbled: async path => { const b = await readFile(path); for (let i = 0; i < b.length; i += 37) b[i] = b[i]! ^ 0x5a; await writeFile(path, b) }
}

describe('StateStore', () => {
  for (const file of ['CURRENT', 'MANIFEST-', '.ldb', '.log']) {
    for (const [how, damage] of Object.entries(damages)) {
      it(`opens after its ${file} file was ${how}: readable records kept, or the store moved aside and started empty`, async () => {
        const profile = await filledProfile()
        const stateDir = join(profile, 'state')
        const name = (await readdir(stateDir)).find(n => n === file || n.startsWith(file) || n.endsWith(file))
        assert.ok(name != null, `a ${file} file exists in ${await readdir(stateDir)}`)
        await damage(join(stateDir, name))
        const store = await StateStore.open(profile)
        try {
          if (file !== '.log') assert.notEqual(store.movedAside, null, 'an unreadable store is moved aside')
          if (store.movedAside != null) {
            assert.equal(await store.getSettings(), undefined, 'started empty')
            assert.match(store.movedAside.movedTo, /state\.corrupt-/)
            assert.ok((await readdir(profile)).some(n => n.startsWith('state.corrupt-')), 'the damaged folder is kept')
          } else {
            // LevelDB skips a damaged log's records: a record may be gone, never wrong.
            const settings = await store.getSettings()
            if (settings != null) assert.deepEqual(settings, { maxUploadBytesPerSecond: 7, maxDownloadBytesPerSecond: 9 })
            for (let i = 0; i < 500; i++) {
              const have = await store.getHave(`share${i}`)
              if (have != null) assert.deepEqual([...have], [...new Uint8Array(300).fill(i)])
            }
          }
          await store.putHave('new', Uint8Array.of(1))
          assert.deepEqual([...(await store.getHave('new')) ?? []], [1], 'writable afterwards')
        } finally {
          await store.close()
        }
      })
    }
  }

  it('refuses a profile open in another store instead of moving it aside', async () => {
    const profile = await tempDir()
    const first = await StateStore.open(profile)
    await assert.rejects(StateStore.open(profile), { code: 'profile-in-use' })
    assert.deepEqual((await readdir(profile)).filter(n => n.startsWith('state.corrupt')), [])
    await first.close()
  })
})
