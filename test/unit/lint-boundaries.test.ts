// The import boundaries of eslint.config.js fire: front ends reach node-core only through
// swarmdrop/contract (and electron/ also through swarmdrop/node), the contract imports nothing
// from the rest of node-core. Each fixture is linted as if it stood at the path given.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { ESLint } from 'eslint'

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname })

async function importErrors (fixture: string, asPath: string): Promise<string[]> {
  const code = await readFile(new URL(`../fixtures/lint/${fixture}`, import.meta.url), 'utf8')
  const [result] = await eslint.lintText(code, { filePath: asPath })
  assert.ok(result != null)
  return result.messages.filter(m => m.ruleId === 'no-restricted-imports').map(m => m.message)
}

test('the renderer may not import node-core by path, nor the host API', async () => {
  assert.equal((await importErrors('deep-import.ts', 'renderer/src/lib/x.ts')).length, 1)
  assert.equal((await importErrors('deep-import.ts', 'renderer/src/features/x/y.svelte.ts')).length, 1)
  assert.match((await importErrors('host-import.ts', 'renderer/src/lib/x.ts'))[0] ?? '', /only through swarmdrop\/contract/)
  assert.deepEqual(await importErrors('contract-import.ts', 'renderer/src/lib/x.ts'), [])
})

test('electron may import the contract and the host API, never node-core by path', async () => {
  assert.equal((await importErrors('deep-import.ts', 'electron/main/x.ts')).length, 1)
  assert.equal((await importErrors('deep-import.ts', 'electron/preload/x.ts')).length, 1)
  assert.deepEqual(await importErrors('host-import.ts', 'electron/main/x.ts'), [])
  assert.deepEqual(await importErrors('contract-import.ts', 'electron/main/x.ts'), [])
})

test('the contract imports nothing from the rest of node-core', async () => {
  assert.equal((await importErrors('contract-reaches-out.ts', 'node-core/src/contract/x.ts')).length, 1)
  // The same import elsewhere in node-core is fine.
  assert.deepEqual(await importErrors('contract-reaches-out.ts', 'node-core/src/service/x.ts'), [])
})
