/**
 * `npm run build:electron`: bundles the main process (ESM, with node-core compiled in and its hash
 * worker emitted beside it) and the preload (CommonJS: a sandboxed preload cannot be ESM) into
 * out/electron/. Production dependencies stay external: electron-builder packs them from
 * node_modules (classic-level is native and cannot be bundled).
 */
import { readFile, rm } from 'node:fs/promises'
import { builtinModules } from 'node:module'
import { build } from 'rolldown'

const root = new URL('..', import.meta.url)
const pkg = JSON.parse(await readFile(new URL('package.json', root), 'utf8')) as { dependencies: Record<string, string> }
const external = ['electron', ...Object.keys(pkg.dependencies)]
const isExternal = (id: string): boolean =>
  id.startsWith('node:') || builtinModules.includes(id) || external.some(dep => id === dep || id.startsWith(`${dep}/`))
const path = (p: string): string => new URL(p, root).pathname

export const OUT_DIR = path('out/electron')

await rm(OUT_DIR, { recursive: true, force: true })
await build([
  {
    input: {
      index: path('electron/main/index.ts'),
      // hash-pool.ts starts `./hash-worker.js` next to the module that runs it: the main bundle.
      'hash-worker': path('node-core/src/manifest/hash-worker.ts')
    },
    platform: 'node',
    external: isExternal,
    output: { dir: path('out/electron/main'), format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', sourcemap: true }
  },
  {
    input: path('electron/preload/index.ts'),
    platform: 'node',
    external: ['electron'],
    output: { file: path('out/electron/preload/index.cjs'), format: 'cjs', sourcemap: true }
  }
])
console.log(`built ${OUT_DIR}`)
