/**
 * The project's lint configuration (eslint.config.js) bans the constructs that turn untrusted strings
 * into code, markup or shell commands. This runs ESLint's API with that configuration on small
 * fixtures: each banned construct must be reported, and the allowed forms must not be.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'

const root = fileURLToPath(new URL('../..', import.meta.url))
const eslint = new ESLint({ cwd: root, overrideConfigFile: fileURLToPath(new URL('../../eslint.config.js', import.meta.url)) })

/** Lints `code` as a TypeScript file of the project; returns the rule ids reported. */
async function rulesFiredOn (code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}/node-core/src/lint-fixture.ts` })
  assert.ok(result != null)
  return result.messages.map(m => m.ruleId ?? `fatal: ${m.message}`)
}

const banned: Array<[string, string, string]> = [
  ['eval', 'export const f = (s: string): unknown => eval(s)', 'no-eval'],
  ['new Function', "export const f = new Function('return 1')", 'no-new-func'],
  ['setTimeout with a string', "setTimeout('alert(1)', 10)", 'no-implied-eval'],
  ['innerHTML', "export function f (el: { innerHTML: string }, s: string): void { el.innerHTML = s }", 'no-restricted-properties'],
  ['outerHTML', "export function f (el: { outerHTML: string }, s: string): void { el.outerHTML = s }", 'no-restricted-properties'],
  ['insertAdjacentHTML', "export function f (el: { insertAdjacentHTML (p: string, s: string): void }, s: string): void { el.insertAdjacentHTML('beforeend', s) }", 'no-restricted-properties'],
  ['document.write', "declare const document: { write (s: string): void }\nexport function f (s: string): void { document.write(s) }", 'no-restricted-properties'],
  ['exec from child_process', "import { exec } from 'node:child_process'\nexec('ls')", 'no-restricted-imports'],
  ['execSync from child_process', "import { execSync } from 'child_process'\nexecSync('ls')", 'no-restricted-imports'],
  ['a namespace import of child_process', "import * as cp from 'node:child_process'\ncp.exec('ls')", 'no-restricted-syntax'],
  ['a default import of child_process', "import cp from 'child_process'\ncp.exec('ls')", 'no-restricted-syntax'],
  ['a dynamic import of child_process', "const { exec } = await import('node:child_process')\nexec('ls')", 'no-restricted-syntax'],
  ['execFile with shell: true', "import { execFile } from 'node:child_process'\nexecFile('ls', [], { shell: true })", 'no-restricted-syntax'],
  ['spawn with a shell path', "import { spawn } from 'node:child_process'\nspawn('ls', [], { shell: '/bin/sh' })", 'no-restricted-syntax'],
  ['the vm module', "import { runInNewContext } from 'node:vm'\nrunInNewContext('1')", 'no-restricted-imports']
]

describe('lint rules ban code, markup and shell injection sinks', () => {
  for (const [what, code, rule] of banned) {
    it(`reports ${what} (${rule})`, async () => {
      assert.ok((await rulesFiredOn(code)).includes(rule), `${rule} fired on: ${code}`)
    })
  }

  it('reports {@html} in a Svelte component (svelte/no-at-html-tags) and allows text interpolation', async () => {
    const lint = async (markup: string): Promise<string[]> => {
      const [result] = await eslint.lintText(`<script lang="ts">\n  let { name }: { name: string } = $props()\n</script>\n\n${markup}\n`, { filePath: `${root}/renderer/src/LintFixture.svelte` })
      assert.ok(result != null)
      return result.messages.map(m => m.ruleId ?? `fatal: ${m.message}`)
    }
    assert.ok((await lint('<p>{@html name}</p>')).includes('svelte/no-at-html-tags'))
    assert.deepEqual(await lint('<p>{name}</p>'), [])
  })

  it('allows the safe forms: execFile/spawn by name without a shell, textContent', async () => {
    const code = [
      "import { execFile, spawn } from 'node:child_process'",
      "execFile('ls', ['-l'], { shell: false })",
      "spawn('ls', ['-l'], { stdio: 'inherit' })",
      'export function f (el: { textContent: string }, s: string): void { el.textContent = s }',
      "export const m = /a/.exec('a')"
    ].join('\n')
    assert.deepEqual(await rulesFiredOn(code), [])
  })
})
