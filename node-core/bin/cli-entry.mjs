// Which code the `swarmdrop` command runs: the CLI bundle (out/cli/main.mjs, `npm run build:cli`)
// when it is fresh, else node-core's TypeScript source. Plain JavaScript (no types to strip) and
// only `node:fs`, so that choosing costs about a millisecond.
//
// The bundle is fresh when its main.mjs is newer than every file and folder under node-core/src
// (a folder's time changes when a file in it is added, removed or renamed) and than the installed
// dependencies it compiled in (package.json, node_modules/.package-lock.json). Editing, adding or
// removing a source file, switching branches or `npm install` therefore make it stale, and the
// source runs until the next build. SWARMDROP_FROM_SOURCE=1 always runs the source (the tests'
// default: test/helpers/processes.ts).
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const DEFAULT_BUNDLE_DIR = join(PACKAGE_ROOT, 'out', 'cli')

/** Modification time in ms, or -Infinity when the path does not exist. */
function mtime (path) {
  try { return statSync(path).mtimeMs } catch { return -Infinity }
}

/** The newest modification time of `dir` and everything under it. */
export function newestUnder (dir) {
  let newest = mtime(dir)
  let entries
  try { entries = readdirSync(dir, { withFileTypes: true }) } catch { return newest }
  for (const e of entries) {
    const path = join(dir, e.name)
    newest = Math.max(newest, e.isDirectory() ? newestUnder(path) : mtime(path))
  }
  return newest
}

/**
 * Whether `bundleDir/main.mjs` exists and is strictly newer than every input: each entry of
 * `inputs` is a folder (walked) or a file.
 */
export function bundleIsFresh (bundleDir, inputs) {
  const built = mtime(join(bundleDir, 'main.mjs'))
  if (built === -Infinity) return false
  return inputs.every(input => newestUnder(input) < built)
}

/** What the bundle compiles in, in a package root: the source and the installed dependencies. */
export function bundleInputs (root = PACKAGE_ROOT) {
  return [join(root, 'node-core', 'src'), join(root, 'package.json'), join(root, 'node_modules', '.package-lock.json')]
}

/**
 * The module to import for `main(argv)`: `{ kind: 'bundle' | 'source', url }`. `env` is
 * process.env; SWARMDROP_CLI_BUNDLE names another bundle folder (tests build one into a temporary
 * folder), checked against the same inputs.
 */
export function cliEntry (env = process.env, root = PACKAGE_ROOT) {
  const source = { kind: 'source', url: new URL('../src/cli/main.ts', import.meta.url).href }
  if (env.SWARMDROP_FROM_SOURCE === '1') return source
  const bundleDir = env.SWARMDROP_CLI_BUNDLE ?? join(root, 'out', 'cli')
  if (!bundleIsFresh(bundleDir, bundleInputs(root))) return source
  return { kind: 'bundle', url: pathToFileURL(join(bundleDir, 'main.mjs')).href }
}
