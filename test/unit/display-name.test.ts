/** Display names: ours carried in identify's agentVersion, theirs read back from it as plain, bounded text. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { APP_VERSION, DISPLAY_NAME_MAX, agentVersionFor, cleanDisplayName, defaultDisplayName, displayNameFromAgent } from '../../node-core/src/text/display-name.ts'
import { sourceColour, sourceLetter } from '../../renderer/src/lib/format.ts'

describe('display names', () => {
  it('round-trips through agentVersion; other agents and empty names give none', () => {
    assert.equal(agentVersionFor('0.1.0', 'Ana Lima'), 'swarmdrop/0.1.0 (Ana Lima)')
    assert.equal(displayNameFromAgent('swarmdrop/0.1.0 (Ana Lima)'), 'Ana Lima')
    assert.equal(displayNameFromAgent(agentVersionFor('0.1.0', '')), null)
    assert.equal(displayNameFromAgent('libp2p/3.3.11 node/24.0.0'), null)
    assert.equal(displayNameFromAgent('go-ipfs/0.1.0 (Mallory)'), null)
    assert.equal(displayNameFromAgent(undefined), null)
  })

  it('drops control, bidi, zero-width characters and parentheses, collapses spaces, bounds the length', () => {
    assert.equal(cleanDisplayName('  a\u0007b\u202Ec\u200Bd (x)\n\te  '), 'abcd x e')
    assert.equal(displayNameFromAgent('swarmdrop/0.1.0 (evil\u001b[2Jname\u202Etxt.exe)'), 'evil[2Jnametxt.exe')
    const long = displayNameFromAgent(`swarmdrop/0.1.0 (${'é'.repeat(300)})`)
    assert.equal(Array.from(long!).length, DISPLAY_NAME_MAX)
    assert.equal(displayNameFromAgent(`swarmdrop/0.1.0 (${'x'.repeat(600)})`), null, 'an oversized agent string is ignored')
    assert.equal(cleanDisplayName('\u202E\u0000'), '')
  })

  it('defaults to the OS user or host name, never empty', () => {
    const name = defaultDisplayName()
    assert.ok(name.length > 0 && name === cleanDisplayName(name))
  })

  it('says the version package.json says', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
    assert.equal(APP_VERSION, pkg.version)
  })
})

describe('source colours', () => {
  it('uses the Okabe–Ito colours, and a letter per source', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map(sourceColour), ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7'])
    assert.equal(sourceColour(7), sourceColour(0))
    assert.deepEqual([0, 1, 25, 26, 27].map(sourceLetter), ['A', 'B', 'Z', 'A2', 'B2'])
  })
})
