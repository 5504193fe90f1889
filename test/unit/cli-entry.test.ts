/**
 * The CLI bundle's staleness rule (node-core/bin/cli-entry.mjs): the bundle runs only while it is
 * newer than every file and folder under node-core/src and than the installed dependencies; any
 * edit, added or removed source file, or `npm install` after the build makes the source run.
 * Checked on a package root of its own in a temporary folder, with file times set explicitly.
 */
import { after, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleIsFresh, bundleInputs, cliEntry } from '../../node-core/bin/cli-entry.mjs'
import { removeTemps, tempDir } from '../helpers/files.ts'

const T0 = new Date('2026-01-01T00:00:00Z')
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000)

let root: string
let bundle: string

/** A package root whose inputs all date from T0 and whose bundle was built at T0 + 10 s. */
async function layout (): Promise<void> {
  root = await tempDir('swarmdrop-cli-entry-')
  const files = ['node-core/src/cli/main.ts', 'node-core/src/net/node.ts', 'package.json', 'node_modules/.package-lock.json']
  for (const f of files) {
    await mkdir(join(root, f, '..'), { recursive: true })
    await writeFile(join(root, f), '//\n')
  }
  for (const p of [...files, 'node-core/src/cli', 'node-core/src/net', 'node-core/src']) await utimes(join(root, p), T0, T0)
  bundle = join(root, 'out/cli')
  await mkdir(bundle, { recursive: true })
  await writeFile(join(bundle, 'main.mjs'), 'export async function main () { return 0 }\n')
  await utimes(join(bundle, 'main.mjs'), at(10), at(10))
}

const kind = (env: NodeJS.ProcessEnv = {}): string => cliEntry(env, root).kind

describe('CLI bundle staleness', () => {
  beforeEach(layout)
  after(removeTemps)

  it('runs a bundle newer than every input, from the bundle folder', () => {
    assert.equal(kind(), 'bundle')
    assert.equal(fileURLToPath(cliEntry({}, root).url), join(bundle, 'main.mjs'))
    assert.equal(bundleIsFresh(bundle, bundleInputs(root)), true)
  })

  it('runs the source once a source file is touched after the build', async () => {
    await utimes(join(root, 'node-core/src/net/node.ts'), at(20), at(20))
    assert.equal(kind(), 'source')
    assert.match(cliEntry({}, root).url, /\/node-core\/src\/cli\/main\.ts$/)
  })

  it('runs the source when a file has the very time of the bundle (not strictly newer)', async () => {
    await utimes(join(root, 'node-core/src/cli/main.ts'), at(10), at(10))
    assert.equal(kind(), 'source')
  })

  it('runs the source after a source file is added or removed (the folder time changes)', async () => {
    await writeFile(join(root, 'node-core/src/net/new.ts'), '//\n')
    await utimes(join(root, 'node-core/src/net/new.ts'), T0, T0) // the file itself old, as a checkout may leave it
    assert.equal(kind(), 'source', 'added')
    await layout()
    await rm(join(root, 'node-core/src/net/node.ts'))
    assert.equal(kind(), 'source', 'removed')
  })

  it('runs the source after npm install (package.json or node_modules/.package-lock.json newer)', async () => {
    await utimes(join(root, 'node_modules/.package-lock.json'), at(30), at(30))
    assert.equal(kind(), 'source')
    await layout()
    await utimes(join(root, 'package.json'), at(30), at(30))
    assert.equal(kind(), 'source')
  })

  it('runs the source with no bundle, with SWARMDROP_FROM_SOURCE=1, and with a bundle folder named but missing', async () => {
    assert.equal(kind({ SWARMDROP_FROM_SOURCE: '1' }), 'source')
    assert.equal(kind({ SWARMDROP_FROM_SOURCE: '0' }), 'bundle')
    assert.equal(kind({ SWARMDROP_CLI_BUNDLE: join(root, 'nowhere') }), 'source')
    await rm(bundle, { recursive: true })
    assert.equal(kind(), 'source')
  })

  it('takes SWARMDROP_CLI_BUNDLE as the bundle folder, checked by the same rule', async () => {
    const other = join(root, 'elsewhere')
    await mkdir(other)
    await writeFile(join(other, 'main.mjs'), '\n')
    await utimes(join(other, 'main.mjs'), at(5), at(5))
    assert.equal(kind({ SWARMDROP_CLI_BUNDLE: other }), 'bundle')
    assert.equal(fileURLToPath(cliEntry({ SWARMDROP_CLI_BUNDLE: other }, root).url), join(other, 'main.mjs'))
    await utimes(join(root, 'node-core/src/cli/main.ts'), at(6), at(6))
    assert.equal(kind({ SWARMDROP_CLI_BUNDLE: other }), 'source')
  })

  it('the test helpers start every process from source unless told otherwise', async () => {
    const { JsonProcess } = await import('../helpers/processes.ts')
    const p = new JsonProcess(process.execPath, ['-e', 'console.log(JSON.stringify({ event: "env", v: process.env.SWARMDROP_FROM_SOURCE }))'])
    const line = await p.event('env')
    await p.exited
    assert.equal(line.v, process.env.SWARMDROP_FROM_SOURCE ?? '1')
  })
})
