#!/usr/bin/env node
// `npm start`: the desktop app where Electron's binary is available; otherwise (as on machines
// without internet access, where Electron cannot download its binary) the headless daemon.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
let electronBinary = null
try {
  electronBinary = require('electron') // the path of the binary; throws when it was never downloaded
} catch { /* not downloaded: run headless */ }
const args = electronBinary != null && process.env.SWARMDROP_HEADLESS == null
  ? [electronBinary, ['.']]
  : (console.log('Electron binary not available (or SWARMDROP_HEADLESS set): running the headless daemon instead.'),
    [process.execPath, [new URL('./swarmdrop.mjs', import.meta.url).pathname, 'daemon', ...process.argv.slice(2)]])
const child = spawn(args[0], args[1], { stdio: 'inherit' })
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
child.on('exit', code => { process.exitCode = code ?? 1 })
