/**
 * The packaging check that runs offline: build the Electron main + preload, then
 * `electron-builder --linux dir` with the real electron-builder.yml, and inspect what it made.
 * Boundary: Electron's binary cannot be downloaded here, so `electronDist` is a folder holding a
 * stand-in file named `electron` that carries only Electron's fuse wire (sentinel + 8 fuse
 * bytes), so the config's fuses are really flipped and read back. No network.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { access, readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Worker } from 'node:worker_threads'
import { removeTemps, tempDir } from '../../helpers/files.ts'

const run = promisify(execFile)
const require = createRequire(import.meta.url)
const asar = require('@electron/asar') as { listPackage (archive: string, options: { isPack: boolean }): string[], extractFile (archive: string, file: string): Buffer }
const fuses = require('@electron/fuses') as { getCurrentFuseWire (path: string): Promise<Record<string, number>>, FuseV1Options: Record<string, number> }

const ROOT = new URL('../../..', import.meta.url).pathname
const BUILDER = join(ROOT, 'node_modules/.bin/electron-builder')
const ELECTRON_VERSION = (require('electron/package.json') as { version: string }).version
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'
const DEV_ONLY = ['electron', 'electron-builder', 'vite', 'rolldown', 'svelte', 'typescript', 'playwright-core', 'eslint', 'node', 'fast-check', 'png2icons', '@sveltejs/vite-plugin-svelte']
const rendererConfig = join(ROOT, 'renderer/vite.config.ts')

let out: string
let archive: string
let files: string[]
let rendererBuilt = false

async function exists (path: string): Promise<boolean> {
  try { await access(path); return true } catch { return false }
}

/** A file shaped like Electron's binary where the fuses live: sentinel, wire version 1, 8 fuses all ENABLE ('1'). */
async function standInElectronDist (): Promise<string> {
  const dir = await tempDir('swarmdrop-electron-dist-')
  await writeFile(join(dir, 'electron'), Buffer.concat([Buffer.from('stand-in for the Electron binary\0'), Buffer.from(FUSE_SENTINEL), Buffer.from([1, 8]), Buffer.from('11111111'), Buffer.from('\0end')]), { mode: 0o755 })
  return dir
}

before(async () => {
  // The renderer, then main + preload. A missing renderer config fails the test (below), it is not skipped.
  if (await exists(rendererConfig)) {
    await run('npm', ['run', 'build:renderer'], { cwd: ROOT, timeout: 120_000 })
    rendererBuilt = true
  }
  await run(process.execPath, [join(ROOT, 'electron/build.ts')], { cwd: ROOT, timeout: 60_000 })
  out = await tempDir('swarmdrop-pack-')
  const dist = await standInElectronDist()
  await run(BUILDER, ['--linux', 'dir', `-c.electronDist=${dist}`, `-c.electronVersion=${ELECTRON_VERSION}`, `-c.directories.output=${out}`],
    { cwd: ROOT, timeout: 120_000, env: { ...process.env, CI: 'true', ELECTRON_BUILDER_OFFLINE: 'true' } })
  archive = join(out, 'linux-unpacked/resources/app.asar')
  files = asar.listPackage(archive, { isPack: false }).map(f => f.replaceAll('\\', '/'))
})
after(removeTemps)

describe('packaging (electron-builder --linux dir, offline)', { timeout: 240_000 }, () => {
  it('the asar holds the main process, the hash worker, the preload and package.json pointing at main', async () => {
    for (const f of ['/package.json', '/out/electron/main/index.mjs', '/out/electron/main/hash-worker.mjs', '/out/electron/preload/index.cjs', '/resources/tray/tray-light.png', '/resources/tray/trayTemplate.png', '/resources/icons/512x512.png']) {
      assert.ok(files.includes(f), `${f} is in the asar`)
    }
    const pkg = JSON.parse(asar.extractFile(archive, 'package.json').toString()) as { main: string, type: string }
    assert.equal(pkg.main, 'out/electron/main/index.mjs')
    assert.equal(pkg.type, 'module', 'the main bundle is ESM')
    assert.ok(files.includes(`/${pkg.main}`))
    const preload = asar.extractFile(archive, 'out/electron/preload/index.cjs').toString()
    assert.match(preload, /require\("electron"\)/, 'the preload is CommonJS')
    assert.doesNotMatch(preload, /^import /m)
    assert.ok(!files.some(f => f.endsWith('.map') || f.endsWith('.ts')), 'no source maps or TypeScript sources')
  })

  it('node-core is in, compiled into the main bundle; its hash worker is unpacked beside the asar and runs', async () => {
    const main = asar.extractFile(archive, 'out/electron/main/index.mjs').toString()
    assert.match(main, /class SwarmdropService/)
    const lookup = /const WORKER_URL = new URL\(`\.\/hash-worker\$\{extname\(fileURLToPath\(import\.meta\.url\)\)\}`, (.*)\);/.exec(main)
    assert.ok(lookup != null, 'the bundle looks the worker up next to itself, with its own extension (.mjs)')
    // For a bundle inside the asar, that base points into app.asar.unpacked (electron/build.ts).
    assert.equal(lookup[1], 'import.meta.url.replace("/app.asar/", "/app.asar.unpacked/")')
    const bundleUrl = `file://${join(out, 'linux-unpacked/resources/app.asar/out/electron/main/index.mjs')}`
    const base = bundleUrl.replace('/app.asar/', '/app.asar.unpacked/')
    const workerPath = new URL('./hash-worker.mjs', base).pathname
    assert.equal(workerPath, join(out, 'linux-unpacked/resources/app.asar.unpacked/out/electron/main/hash-worker.mjs'))
    assert.ok(await exists(workerPath), 'the worker file is unpacked there')
    assert.ok(!files.some(f => f.startsWith('/node-core/')), 'no node-core sources (TypeScript does not run from an asar)')
    // The unpacked worker hashes for real, run as a worker thread from where the app will start it.
    const dir = await tempDir()
    const data = join(dir, 'data.bin')
    const bytes = Buffer.alloc(3 * 1024 + 10, 7)
    await writeFile(data, bytes)
    const worker = new Worker(workerPath)
    try {
      const result = await new Promise<{ id: number, hashes: Uint8Array, error?: string }>((resolve, reject) => {
        worker.once('message', resolve)
        worker.once('error', reject)
        worker.postMessage({ id: 1, chunkSize: 1024, ranges: [{ file: data, start: 0, end: bytes.length }] })
      })
      assert.equal(result.error, undefined)
      const expected = Buffer.concat([0, 1, 2, 3].map(i => createHash('sha256').update(bytes.subarray(i * 1024, Math.min(bytes.length, (i + 1) * 1024))).digest()))
      assert.deepEqual(Buffer.from(result.hashes), expected)
    } finally { await worker.terminate() }
  })

  it('production dependencies are in, devDependencies are not; the native LevelDB binding is unpacked', async () => {
    const modules = new Set(files.filter(f => f.startsWith('/node_modules/')).map(f => {
      const parts = f.split('/')
      return parts[2]?.startsWith('@') === true ? `${parts[2]}/${parts[3]}` : parts[2]
    }))
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
    for (const dep of Object.keys(pkg.dependencies)) assert.ok(modules.has(dep), `dependency ${dep} is packed`)
    for (const dev of DEV_ONLY) assert.ok(!modules.has(dev), `devDependency ${dev} is not packed`)
    assert.ok(files.some(f => f.startsWith('/node_modules/classic-level/') && f.endsWith('.node')), 'classic-level binding listed')
    const unpacked = join(out, 'linux-unpacked/resources/app.asar.unpacked/node_modules/classic-level')
    assert.ok(await exists(unpacked), 'and unpacked next to the asar')
  })

  it('the renderer is built and packed', () => {
    assert.ok(rendererBuilt, 'renderer/vite.config.ts is missing: the renderer cannot be built')
    assert.ok(files.includes('/renderer/dist/index.html'), 'renderer/dist/index.html is in app.asar')
  })

  it('the security fuses are flipped in the Electron binary', async () => {
    const wire = await fuses.getCurrentFuseWire(join(out, 'linux-unpacked/swarmdrop'))
    const o = fuses.FuseV1Options
    const DISABLE = 48
    const ENABLE = 49
    assert.equal(wire[o.RunAsNode!], DISABLE)
    assert.equal(wire[o.EnableNodeOptionsEnvironmentVariable!], DISABLE)
    assert.equal(wire[o.EnableNodeCliInspectArguments!], DISABLE)
    assert.equal(wire[o.EnableCookieEncryption!], ENABLE)
    assert.equal(wire[o.OnlyLoadAppFromAsar!], ENABLE)
    assert.equal(wire[o.EnableEmbeddedAsarIntegrityValidation!], ENABLE)
  })

  it('electron-builder.yml declares the targets, icons and the swarmdrop: scheme; a bad config is refused', async () => {
    const yml = await readFile(join(ROOT, 'electron-builder.yml'), 'utf8')
    for (const needle of ['target: [AppImage, deb]', 'target: [nsis]', 'target: [dmg]', 'schemes: [swarmdrop]', 'mimeTypes: [x-scheme-handler/swarmdrop]', 'icon: resources/icon.ico', 'icon: resources/icon.icns', 'icon: resources/icons']) {
      assert.ok(yml.includes(needle), needle)
    }
    for (const icon of ['resources/icon.ico', 'resources/icon.icns', 'resources/icons/16x16.png', 'resources/icons/1024x1024.png']) assert.ok(await exists(join(ROOT, icon)), icon)
    const bad = await tempDir()
    await assert.rejects(run(BUILDER, ['--linux', 'dir', '-c.linux.notAnOption=1', `-c.directories.output=${bad}`], { cwd: ROOT, timeout: 60_000, env: { ...process.env, CI: 'true' } }),
      (err: Error & { stderr?: string, stdout?: string }) => /Invalid configuration object[\s\S]*configuration\.linux/.test(`${err.stderr ?? ''}${err.stdout ?? ''}`))
  })
})
