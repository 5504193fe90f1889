/**
 * Path safety against real processes. A hostile peer serves, under their true share IDs,
 * manifests with every kind of unsafe name or path; symbolic links are planted inside the
 * download folder before and during a download from an honest seeder. Every download folder sits
 * in a sentinel tree (files, a folder "outside", a symlink) hashed before and after, symlink
 * targets included: nothing outside the download folder may change, and a rejected manifest
 * leaves the download folder empty (nothing is written before rejection).
 */
import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, readdir, rmdir, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { makeTree, removeTemps, tempDir, treeHashes } from '../helpers/files.ts'
import { SwarmdropService } from '../../node-core/src/service/service.ts'
import { JsonProcess, TEST_NETWORK, killAll, swarmdrop } from '../helpers/processes.ts'
import type { DownloadInfo } from '../../node-core/src/contract/index.ts'

const HOSTILE = fileURLToPath(new URL('../helpers/hostile-peer.ts', import.meta.url))
const CASES = [
  'dotdot', 'dotdot-name', 'absolute', 'absolute-name', 'unc', 'drive-letter', 'drive-name', 'backslash',
  'reserved-con', 'reserved-com1-ext', 'reserved-name', 'trailing-dot', 'control-nul', 'control-newline',
  'long-component', 'long-path', 'case-collision', 'nfc-nfd-collision', 'zero-width-collision',
  'file-and-directory', 'empty-component'
]

afterEach(killAll)
after(removeTemps)

/** A sentinel tree: files, a folder "outside" and a symlink to it, next to the download folders. */
async function sentinelRoot (): Promise<{ root: string, outside: string }> {
  const root = await tempDir()
  const outside = join(root, 'outside')
  await makeTree(root, { 'sentinel.txt': 100, 'outside/secret.txt': 1000, 'outside/deeper/x.bin': 5000 })
  await symlink(outside, join(root, 'link-to-outside'))
  return { root, outside }
}

/** The sentinel tree without the download folders (dl-*), which the test checks one by one. */
async function outsideHashes (root: string): Promise<Record<string, string>> {
  return Object.fromEntries(Object.entries(await treeHashes(root)).filter(([k]) => !k.startsWith('dl-')))
}

describe('path safety', { timeout: 300_000 }, () => {
  it(`rejects ${CASES.length} hostile manifest names and paths served under their true IDs, through the service API and the CLI, writing nothing anywhere`, async (t) => {
    const src = await tempDir()
    await makeTree(join(src, 'data'), { 'x.bin': 1000 })
    const peer = new JsonProcess(process.execPath, [HOSTILE, '--mode', 'evil-manifest', '--folder', join(src, 'data'), ...CASES.flatMap(c => ['--case', c])])
    const listening = await peer.event('listening', 60_000)
    const address = (listening.addresses as string[])[0]!
    const shareIds = listening.shareIds as Record<string, string>
    const { root } = await sentinelRoot()
    const before = await treeHashes(root)

    // The service API (what the daemon's WebSocket and the Electron bridge call): every case at once.
    const service = await SwarmdropService.create({ profileDir: await tempDir(), listen: ['/ip4/127.0.0.1/tcp/0'], restore: false, mdns: false, network: TEST_NETWORK })
    t.after(() => service.stop())
    const errors = new Map<string, DownloadInfo>()
    const allFailed = new Promise<void>(resolve => service.subscribe(e => {
      if (e.type === 'download:error') errors.set(e.download.shareId, e.download)
      if (errors.size === CASES.length) resolve()
    }))
    for (const name of CASES) {
      const out = join(root, `dl-${name}`)
      await mkdir(out)
      await service.call('addDownload', { link: `swarmdrop://${shareIds[name]!}`, outDir: out, peers: [address] })
    }
    await allFailed
    const messages: string[] = []
    for (const name of CASES) {
      const info = errors.get(shareIds[name]!)!
      assert.equal(info.error?.code, 'invalid-manifest', `${name}: ${JSON.stringify(info.error)}`)
      assert.deepEqual(await readdir(join(root, `dl-${name}`)), [], `${name}: nothing written in the download folder`)
      messages.push(`${name}: ${info.error.message}`)
    }
    t.diagnostic(messages.join('\n'))

    // The CLI with a link: a few cases, each a `get` process.
    await Promise.all(['dotdot', 'backslash', 'nfc-nfd-collision'].map(async name => {
      const out = join(root, `dl-cli-${name}`)
      await mkdir(out)
      const get = swarmdrop(['get', `swarmdrop://${shareIds[name]!}`, '--out', out, '--peer', address, '--repo', await tempDir()])
      const error = await get.event('error', 60_000)
      assert.equal(await get.exited, 1, name)
      assert.equal(error.code, 'invalid-manifest', `${name}: ${String(error.message)}`)
      assert.deepEqual(await readdir(out), [], `${name}: nothing written in the download folder`)
      assert.equal(get.stderr.trim().split('\n').length, 1, `${name}: one line on stderr: ${get.stderr}`)
    }))
    assert.deepEqual(await treeHashes(root), before, 'the sentinel tree is unchanged')
  })

  it('never writes through symbolic links planted in the download folder, before or during a download', async () => {
    const src = await tempDir()
    await makeTree(join(src, 'pics'), { 'a.bin': 3 * 1024 * 1024, 'sub/b.bin': 10_000 })
    const seeder = swarmdrop(['share', join(src, 'pics'), '--repo', await tempDir(), '--max-upload', '1MiB'])
    const shared = await seeder.event('shared')
    const link = shared.link as string
    const id = shared.shareId as string
    const { root, outside } = await sentinelRoot()
    const before = await outsideHashes(root)
    const plants: Record<string, (out: string) => Promise<void>> = {
      'partial-area': async out => { await symlink(outside, join(out, '.swarmdrop-partial')) },
      'share-partial-area': async out => { await mkdir(join(out, '.swarmdrop-partial')); await symlink(outside, join(out, '.swarmdrop-partial', id)) },
      'part-file': async out => { await mkdir(join(out, '.swarmdrop-partial', id), { recursive: true }); await symlink(join(outside, 'secret.txt'), join(out, '.swarmdrop-partial', id, '0.part')) }
    }
    await Promise.all(Object.entries(plants).map(async ([name, plant]) => {
      const out = join(root, `dl-${name}`)
      await mkdir(out)
      await plant(out)
      const planted = await treeHashes(out)
      const get = swarmdrop(['get', link, '--out', out, '--repo', await tempDir(), '--allow-private'])
      const error = await get.event('error', 60_000)
      assert.equal(await get.exited, 1, name)
      assert.equal(error.code, 'unsafe-path', `${name}: ${String(error.message)}`)
      assert.deepEqual(await treeHashes(out), planted, `${name}: the download folder is as planted`)
    }))

    // A link (dangling or not) where the download's own folder would go: the download goes beside it.
    const out = join(root, 'dl-target-name')
    await mkdir(out)
    await symlink(outside, join(out, 'pics'))
    await symlink(join(root, 'nowhere'), join(out, 'pics (1)'))
    const get = swarmdrop(['get', link, '--out', out, '--repo', await tempDir(), '--allow-private'])
    const complete = await get.event('complete', 120_000)
    assert.equal(await get.exited, 0)
    assert.ok((complete.files as Array<{ path: string }>).every(f => f.path.startsWith(join(out, 'pics (2)') + '/')), JSON.stringify(complete.files))
    assert.deepEqual(await treeHashes(join(out, 'pics (2)')), await treeHashes(join(src, 'pics')))

    // A link planted where the download's folder will go, after the download started.
    const late = join(root, 'dl-late')
    await mkdir(late)
    const repo = await tempDir()
    const running = swarmdrop(['get', link, '--out', late, '--repo', repo, '--allow-private'])
    await running.waitFor(l => l.event === 'progress' && (l.verifiedBytes as number) > 0)
    await rmdir(join(late, 'pics')) // the (empty) folder the download reserved, swapped for a link
    await symlink(outside, join(late, 'pics'))
    const error = await running.event('error', 120_000)
    assert.equal(await running.exited, 1)
    assert.equal(error.code, 'unsafe-path', String(error.message))
    assert.deepEqual((await readdir(late)).sort(), ['.swarmdrop-partial', 'pics'], 'the verified data is kept; nothing else appeared')

    assert.deepEqual(await outsideHashes(root), before, 'the sentinel tree outside the download folders is unchanged')
  })
})
