#!/usr/bin/env node
// `npm start`: the desktop app where Electron's binary is available (after building the renderer
// and the Electron main process + preload); otherwise (as on machines without internet access,
// where Electron cannot download its binary) the headless daemon with its web UI (`daemon --web`),
// after building the renderer it serves.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { NODE_FLAGS } from './node-flags.mjs'

const require = createRequire(import.meta.url)
const packageRoot = fileURLToPath(new URL('../..', import.meta.url))
let electronBinary = null
try {
  electronBinary = require('electron') // the path of the binary; throws when it was never downloaded
} catch { /* not downloaded: run headless */ }

/** Builds renderer/dist with the package's build:renderer script; says plainly when it cannot. */
function buildRenderer () {
  const scripts = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).scripts ?? {}
  if (scripts['build:renderer'] == null || !existsSync(new URL('../../renderer/vite.config.ts', import.meta.url))) {
    console.log('web UI: no renderer to build here (renderer/vite.config.ts missing); the daemon serves the API only')
    return
  }
  console.log('building the web UI (npm run build:renderer)…')
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  // Windows runs npm.cmd only through a shell; the command line is fixed, nothing in it comes from input.
  // eslint-disable-next-line no-restricted-syntax
  const r = spawnSync(npm, ['run', 'build:renderer'], { cwd: packageRoot, stdio: 'inherit', shell: process.platform === 'win32' })
  if (r.status !== 0) console.log('web UI: npm run build:renderer failed (see above); the daemon serves the API only')
}

/** Builds out/electron (electron/build.ts); Electron cannot start without it. */
function buildElectron () {
  console.log('building the desktop app (electron/build.ts)…')
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('../../electron/build.ts', import.meta.url))], { cwd: packageRoot, stdio: 'inherit' })
  if (r.status !== 0) {
    console.error('the desktop app did not build (see above)')
    process.exit(1)
  }
}

let args
if (electronBinary != null && process.env.SWARMDROP_HEADLESS == null) {
  buildRenderer()
  buildElectron()
  args = [electronBinary, [`--js-flags=${NODE_FLAGS.join(' ')}`, '.']]
} else {
  console.log('Electron binary not available (or SWARMDROP_HEADLESS set): running the headless daemon with its web UI instead.')
  buildRenderer()
  args = [process.execPath, [...NODE_FLAGS, fileURLToPath(new URL('./swarmdrop.mjs', import.meta.url)), 'daemon', '--web', ...process.argv.slice(2)]]
}
const child = spawn(args[0], args[1], { stdio: 'inherit' })
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
child.on('exit', code => { process.exitCode = code ?? 1 })
