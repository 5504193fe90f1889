/**
 * `npm run build:cli`: bundles node-core's CLI (node-core/src/cli/main.ts and everything it
 * imports, plus the hash worker) with rolldown into out/cli/, as electron/build.ts bundles the
 * Electron main process. node-core/bin/swarmdrop.mjs runs the bundle while it is newer than every
 * file under node-core/src (node-core/bin/cli-entry.mjs); otherwise it runs from source.
 *
 * Why: run from source, Node strips the types of about 100 files, and resolves, reads and compiles
 * about 900 modules (most of them libp2p's) one by one at every start; the bundle is a few plain
 * JavaScript files. Measured on the 2-core machine, busy: CPU seconds to `listening` 1.44 from
 * source, 1.04 with only node-core bundled, 0.63 with the dependencies bundled too.
 *
 * So unlike electron/build.ts the dependencies are compiled in, except those that must stay files
 * in node_modules: classic-level (a native addon), ws (optional native helpers; the web UI only)
 * and @libp2p/upnp-nat (its @achingbrain/ssdp reads its own package.json by a path relative to
 * itself, which from out/cli/ would be Swarmdrop's; public network only). The bundle is therefore stale after `npm install` too
 * (cli-entry.mjs checks).
 * Usage: node node-core/build-cli.ts [--out DIR]
 */
import { rm } from 'node:fs/promises'
import { builtinModules } from 'node:module'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { build } from 'rolldown'
import type { Plugin } from 'rolldown'

const root = new URL('..', import.meta.url)
const path = (p: string): string => new URL(p, root).pathname
const external = ['classic-level', 'ws', '@libp2p/upnp-nat']
const isExternal = (id: string): boolean =>
  id.startsWith('node:') || builtinModules.includes(id) || external.some(dep => id === dep || id.startsWith(`${dep}/`))

/**
 * static-files.ts finds the built web UI at `../../../renderer/dist` from itself
 * (node-core/src/web/); a chunk of the bundle sits two folders below the package root
 * (out/cli/), so there it is `../../renderer/dist`. Fails the build if static-files.ts stops
 * matching.
 */
const WEB_ROOT_LOOKUP = "new URL('../../../renderer/dist', import.meta.url)"
const webRootFromBundle: Plugin = {
  name: 'web-root-from-bundle',
  transform (code, id) {
    if (!id.endsWith('/node-core/src/web/static-files.ts')) return null
    if (!code.includes(WEB_ROOT_LOOKUP)) this.error('static-files.ts no longer finds the web UI as node-core/build-cli.ts expects: update WEB_ROOT_LOOKUP')
    return code.replace(WEB_ROOT_LOOKUP, "new URL('../../renderer/dist', import.meta.url)")
  }
}

const { values } = parseArgs({ options: { out: { type: 'string' } } })
/** Where the bundle goes: out/cli unless --out (tests build into a temporary folder). */
export const OUT_DIR = values.out != null ? resolve(values.out) : path('out/cli')

await rm(OUT_DIR, { recursive: true, force: true })
await build({
  input: {
    main: path('node-core/src/cli/main.ts'),
    // hash-pool.ts starts `./hash-worker<its own extension>` next to the module it is in: every
    // chunk is written flat into OUT_DIR, so that is this file.
    'hash-worker': path('node-core/src/manifest/hash-worker.ts')
  },
  platform: 'node',
  external: isExternal,
  plugins: [webRootFromBundle],
  output: { dir: OUT_DIR, format: 'esm', entryFileNames: '[name].mjs', chunkFileNames: '[name]-[hash].mjs', sourcemap: true }
})
console.log(`built ${OUT_DIR}`)
