#!/usr/bin/env -S node --max-semi-space-size=4
// (the V8 flags of node-flags.mjs; a shebang cannot import them)
// Entry point of the `swarmdrop` command. It runs the CLI bundle (out/cli, `npm run build:cli`)
// while that is newer than every file under node-core/src, else the TypeScript source
// (cli-entry.mjs; SWARMDROP_FROM_SOURCE=1 forces the source). The source runs by Node's own type
// stripping, which needs Node >= 22.18; `npm install` puts Node 24 (the `node` devDependency)
// first on PATH for npm scripts and npx.
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`swarmdrop: needs Node >= 22.18 (this is ${process.version}); run it as "npx swarmdrop" or "npm run swarmdrop --" from the project folder, which use the Node 24 that npm install fetched`)
  process.exit(1)
}
process.removeAllListeners('warning')
process.on('warning', w => { if (w.name !== 'ExperimentalWarning') console.warn(w) })
// V8's code cache for every module loaded from here on, kept across runs (in the OS temp folder):
// a later start compiles less. Absent before Node 22.1.
const { enableCompileCache } = await import('node:module')
enableCompileCache?.()
const { cliEntry } = await import('./cli-entry.mjs')
const { main } = await import(cliEntry().url)
process.exitCode = await main(process.argv.slice(2))
