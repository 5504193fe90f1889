/**
 * The CLI bundle (`npm run build:cli`, node-core/build-cli.ts), built here into a folder of its
 * own under out/ (inside the package, so its external dependencies resolve from node_modules) and
 * run through the real bin (node-core/bin/swarmdrop.mjs) with SWARMDROP_CLI_BUNDLE naming it:
 *   - a seeder and a downloader both running the bundle share and download a folder (its hash
 *     worker included), byte for byte; each process's log names the bundle as the code it ran;
 *   - every chunk loads (a module that resolves files relative to itself fails here);
 *   - its web server finds the built web UI in the package's renderer/dist, as from source;
 *   - a bundle older than the source (what touching a source file after a build gives) is not
 *     used: the same bin runs the TypeScript source.
 * Everything else in the test suite runs from source (test/helpers/processes.ts).
 */
import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, rm, utimes } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { makeTree, removeTemps, tempDir, treeHashes } from '../../helpers/files.ts'
import { killAll, swarmdrop } from '../../helpers/processes.ts'

const run = promisify(execFile)
const ROOT = new URL('../../..', import.meta.url).pathname
let bundle: string
let env: NodeJS.ProcessEnv

before(async () => {
  await mkdir(join(ROOT, 'out'), { recursive: true })
  bundle = await mkdtemp(join(ROOT, 'out', 'cli-test-'))
  await run(process.execPath, [join(ROOT, 'node-core/build-cli.ts'), '--out', bundle], { cwd: ROOT, timeout: 180_000 })
  env = { SWARMDROP_FROM_SOURCE: '0', SWARMDROP_CLI_BUNDLE: bundle }
})
afterEach(killAll)
after(async () => {
  await removeTemps()
  if (bundle != null) await rm(bundle, { recursive: true, force: true })
})

/** The code a CLI process ran, from its log line "<command>: running <path>". */
async function ranFrom (repo: string, command: string): Promise<string> {
  const log = await readFile(join(repo, 'logs', 'swarmdrop.log'), 'utf8')
  const m = new RegExp(`swarmdrop:cli ${command}: running (\\S+)`).exec(log)
  assert.ok(m != null, `no "running" line in the log:\n${log.slice(-2000)}`)
  return m[1]!
}

describe('the CLI bundle', () => {
  it('shares and downloads a folder, both sides running the bundle', async () => {
    const src = await tempDir()
    await makeTree(join(src, 'data'), { 'big.bin': 3 * 1024 * 1024 + 17, 'sub/small.bin': 70_000, empty: 0 })
    const seederRepo = await tempDir()
    const seeder = swarmdrop(['share', join(src, 'data'), '--repo', seederRepo, '--no-dht'], env)
    const listening = await seeder.event('listening')
    const shared = await seeder.event('shared')
    const out = await tempDir()
    const getRepo = await tempDir()
    const get = swarmdrop(['get', String(shared.link), '--out', out, '--repo', getRepo, '--no-dht', '--peer', (listening.addresses as string[])[0]!, '--stall-timeout', '60'], env)
    await get.event('complete', 240_000)
    assert.equal(await get.exited, 0, get.stderr)
    assert.deepEqual(await treeHashes(join(out, 'data')), await treeHashes(join(src, 'data')))
    await seeder.kill()
    assert.equal(await ranFrom(seederRepo, 'share'), join(bundle, 'main.mjs'))
    assert.equal(await ranFrom(getRepo, 'get'), join(bundle, 'main.mjs'))
  })

  it('loads every chunk (also those only some nodes load: mDNS, the DHT, the web UI)', async () => {
    const chunks = (await readdir(bundle)).filter(f => f.endsWith('.mjs') && f !== 'hash-worker.mjs') // the worker needs its parent
    assert.ok(chunks.length > 5, chunks.join(' '))
    for (const file of chunks) await import(pathToFileURL(join(bundle, file)).href)
  })

  it('finds the built web UI where the source does (renderer/dist in the package root)', async () => {
    // static-files.ts's DEFAULT_WEB_ROOT, `new URL(<relative path>, import.meta.url)`, is not
    // exported by its chunk: each such URL in the bundle is resolved as the chunk would resolve it.
    const found: string[] = []
    for (const file of (await readdir(bundle)).filter(f => f.endsWith('.mjs'))) {
      const code = await readFile(join(bundle, file), 'utf8')
      for (const m of code.matchAll(/new URL\("([^"]*renderer\/dist)", import\.meta\.url\)/g)) {
        found.push(fileURLToPath(new URL(m[1]!, pathToFileURL(join(bundle, file)))))
      }
    }
    assert.deepEqual(found, [join(ROOT, 'renderer', 'dist')])
  })

  it('is not used once it is older than the source: the bin runs the TypeScript source', async () => {
    const old = new Date('2001-01-01T00:00:00Z')
    await utimes(join(bundle, 'main.mjs'), old, old)
    const repo = await tempDir()
    const daemon = swarmdrop(['daemon', '--repo', repo, '--no-dht'], env)
    await daemon.event('daemon')
    await daemon.kill()
    assert.equal(await ranFrom(repo, 'daemon'), join(ROOT, 'node-core/src/cli/main.ts'))
  })
})
