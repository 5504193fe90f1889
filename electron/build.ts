/**
 * `npm run build:electron`: bundles the main process (ESM, with node-core compiled in and its hash
 * worker emitted beside it) and the preload (CommonJS: a sandboxed preload cannot be ESM) into
 * out/electron/. Production dependencies stay external: electron-builder packs them from
 * node_modules (classic-level is native and cannot be bundled).
 */
import { readFile, rm } from 'node:fs/promises'
import { builtinModules } from 'node:module'
import { build } from 'rolldown'
import type { Plugin } from 'rolldown'

const root = new URL('..', import.meta.url)
const pkg = JSON.parse(await readFile(new URL('package.json', root), 'utf8')) as { dependencies: Record<string, string> }
const external = ['electron', ...Object.keys(pkg.dependencies)]
const isExternal = (id: string): boolean =>
  id.startsWith('node:') || builtinModules.includes(id) || external.some(dep => id === dep || id.startsWith(`${dep}/`))
const path = (p: string): string => new URL(p, root).pathname

/**
 * node-core's hash pool starts `./hash-worker.<ext>` next to the running module. Inside a packaged
 * app that module is in app.asar; the worker is unpacked (electron-builder.yml `asarUnpack`) so
 * worker_threads load it as a plain file, and this points the pool there. Outside an asar the
 * URL is unchanged. Fails the build if hash-pool.ts stops matching.
 */
const WORKER_LOOKUP = 'new URL(`./hash-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url)'
const workerOutsideAsar: Plugin = {
  name: 'hash-worker-outside-asar',
  transform (code, id) {
    if (!id.endsWith('/node-core/src/manifest/hash-pool.ts')) return null
    if (!code.includes(WORKER_LOOKUP)) this.error('hash-pool.ts no longer finds its worker as electron/build.ts expects: update WORKER_LOOKUP')
    return code.replace(WORKER_LOOKUP, WORKER_LOOKUP.replace(', import.meta.url)', ", import.meta.url.replace('/app.asar/', '/app.asar.unpacked/'))"))
  }
}

export const OUT_DIR = path('out/electron')

await rm(OUT_DIR, { recursive: true, force: true })
await build([
  {
    input: {
      index: path('electron/main/index.ts'),
      // hash-pool.ts starts `./hash-worker.mjs` next to the module that runs it: the main bundle.
      // .mjs: both are ESM whatever package.json is (or is not) beside them.
      'hash-worker': path('node-core/src/manifest/hash-worker.ts')
    },
    platform: 'node',
    external: isExternal,
    plugins: [workerOutsideAsar],
    output: { dir: path('out/electron/main'), format: 'esm', entryFileNames: '[name].mjs', chunkFileNames: '[name]-[hash].mjs', sourcemap: true }
  },
  {
    input: path('electron/preload/index.ts'),
    platform: 'node',
    external: ['electron'],
    output: { file: path('out/electron/preload/index.cjs'), format: 'cjs', sourcemap: true }
  }
])
console.log(`built ${OUT_DIR}`)
