// Lint rules: typescript-eslint's recommended set, plus bans on the constructs that turn
// untrusted strings into code or markup (eval, new Function, innerHTML, a shell in child_process).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'
import svelte from 'eslint-plugin-svelte'

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'renderer/dist/**', 'bench/results/**', 'test/e2e/artifacts/**', '.stryker-tmp/**'] },
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
      'no-restricted-imports': ['error', {
        paths: [
          ...['child_process', 'node:child_process'].map(name => ({ name, importNames: ['exec', 'execSync'], message: 'exec runs a shell: use execFile/spawn without one.' })),
          ...['vm', 'node:vm'].map(name => ({ name, message: 'vm compiles strings to code.' }))]
      }],
      'no-restricted-syntax': ['error',
        { selector: 'ImportDeclaration[source.value=/^(node:)?child_process$/] > :matches(ImportNamespaceSpecifier, ImportDefaultSpecifier)', message: 'Import execFile/spawn by name, so a shell (exec) cannot slip in.' },
        { selector: 'ImportExpression[source.value=/^(node:)?child_process$/]', message: 'Import execFile/spawn by name, statically.' },
        { selector: 'CallExpression[callee.name="require"][arguments.0.value=/^(node:)?(child_process|vm)$/]', message: 'Import execFile/spawn by name, statically.' },
        { selector: 'CallExpression Property[key.name="shell"]:not([value.value=false])', message: 'No shell: pass the program and its arguments to execFile/spawn.' }]
    }
  },
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
