#!/usr/bin/env -S node --max-semi-space-size=4
// (the V8 flags of node-flags.mjs; a shebang cannot import them)
// Entry point of the `swarmdrop` command. node-core is TypeScript run by Node's own type
// stripping, which needs Node >= 22.18; `npm install` puts Node 24 (the `node` devDependency)
// first on PATH for npm scripts and npx.
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`swarmdrop: needs Node >= 22.18 (this is ${process.version}); run it as "npx swarmdrop" or "npm run swarmdrop --" from the project folder, which use the Node 24 that npm install fetched`)
  process.exit(1)
}
process.removeAllListeners('warning')
process.on('warning', w => { if (w.name !== 'ExperimentalWarning') console.warn(w) })
const { main } = await import('../src/cli/main.ts')
process.exitCode = await main(process.argv.slice(2))
