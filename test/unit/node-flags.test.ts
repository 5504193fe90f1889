/**
 * The V8 flags of node-flags.mjs reach every way a Swarmdrop node starts: the CLI's shebang (which
 * cannot import them), the package's `swarmdrop` script, and the harness that starts test and
 * benchmark processes (which imports them).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { NODE_FLAGS } from '../../node-core/bin/node-flags.mjs'

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')

test('every entry point of a node starts it with NODE_FLAGS', () => {
  assert.ok(NODE_FLAGS.length > 0)
  const shebang = read('node-core/bin/swarmdrop.mjs').split('\n')[0]!
  assert.equal(shebang, `#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`)
  const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>
  assert.equal(scripts.swarmdrop, `node ${NODE_FLAGS.join(' ')} node-core/bin/swarmdrop.mjs`)
  assert.match(read('node-core/bin/start.mjs'), /\.\.\.NODE_FLAGS, fileURLToPath\(new URL\('\.\/swarmdrop\.mjs'/)
  assert.match(read('test/helpers/processes.ts'), /\[\.\.\.NODE_FLAGS, CLI,/)
})
