// Lint rules: typescript-eslint's recommended set, plus bans on the constructs that turn
// untrusted strings into code or markup (eval, new Function, innerHTML, a shell in child_process).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'
import svelte from 'eslint-plugin-svelte'

const RESTRICTED_PATHS = [
  ...['child_process', 'node:child_process'].map(name => ({ name, importNames: ['exec', 'execSync'], message: 'exec runs a shell: use execFile/spawn without one.' })),
  ...['vm', 'node:vm'].map(name => ({ name, message: 'vm compiles strings to code.' }))]

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'renderer/dist/**', 'bench/results/**', 'test/e2e/artifacts/**', 'test/fixtures/lint/**', '.stryker-tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error',
        { property: 'innerHTML', message: 'Render untrusted text as text, never as HTML.' },
        { property: 'outerHTML', message: 'Render untrusted text as text, never as HTML.' },
        { property: 'insertAdjacentHTML', message: 'Render untrusted text as text, never as HTML.' },
        { property: 'setHTMLUnsafe', message: 'Render untrusted text as text, never as HTML.' },
        { object: 'document', property: 'write', message: 'Render untrusted text as text, never as HTML.' },
        { object: 'document', property: 'writeln', message: 'Render untrusted text as text, never as HTML.' }],
      'no-restricted-imports': ['error', { paths: RESTRICTED_PATHS }],
      'no-restricted-syntax': ['error',
        { selector: 'ImportDeclaration[source.value=/^(node:)?child_process$/] > :matches(ImportNamespaceSpecifier, ImportDefaultSpecifier)', message: 'Import execFile/spawn by name, so a shell (exec) cannot slip in.' },
        { selector: 'ImportExpression[source.value=/^(node:)?child_process$/]', message: 'Import execFile/spawn by name, statically.' },
        { selector: 'CallExpression[callee.name="require"][arguments.0.value=/^(node:)?(child_process|vm)$/]', message: 'Import execFile/spawn by name, statically.' },
        { selector: 'CallExpression Property[key.name="shell"]:not([value.value=false])', message: 'No shell: pass the program and its arguments to execFile/spawn.' }]
    }
  },
  // Front ends reach node-core only through its public faces: the renderer through the contract
  // (`swarmdrop/contract`), the Electron shell through the contract and the host API
  // (`swarmdrop/node`); the contract imports nothing from the rest of node-core.
  // test/unit/lint-boundaries.test.ts proves each rule fires.
  {
    files: ['renderer/**/*.{ts,svelte}', 'electron/**/*.ts'],
    ignores: ['electron/build.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: RESTRICTED_PATHS,
        patterns: [{ group: ['**/node-core/**', 'swarmdrop/*', '!swarmdrop/contract', '!swarmdrop/node'], message: 'Front ends import node-core only as swarmdrop/contract (and, in electron/, swarmdrop/node).' }]
      }]
    }
  },
  {
    files: ['renderer/**/*.{ts,svelte}'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: RESTRICTED_PATHS,
        patterns: [{ group: ['**/node-core/**', 'swarmdrop/*', '!swarmdrop/contract'], message: 'The renderer talks to node-core only through swarmdrop/contract.' }]
      }]
    }
  },
  {
    files: ['node-core/src/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: RESTRICTED_PATHS,
        patterns: [{ group: ['../*', '@libp2p/*', 'libp2p', 'node:*'], message: 'The contract imports nothing from the rest of node-core, libp2p or Node: every front end, a browser page included, loads it.' }]
      }]
    }
  },
  // Rooms a newcomer reads in minutes (issue 11): no node-core file over 400 lines, the service
  // (wiring and the contract's two methods) under 250.
  { files: ['node-core/src/**/*.ts'], rules: { 'max-lines': ['error', { max: 400 }] } },
  { files: ['node-core/src/service/service.ts'], rules: { 'max-lines': ['error', { max: 250 }] } },
  // The renderer: Svelte 5 components (TypeScript inside) in a browser.
  ...svelte.configs.recommended,
  {
    files: ['renderer/src/**/*.{ts,svelte}', 'renderer/src/**/*.svelte.ts'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] }
    },
    rules: {
      'svelte/no-at-html-tags': 'error',
      'svelte/require-each-key': 'error',
      'svelte/button-has-type': 'error'
    }
  }
)
