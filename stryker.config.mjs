// Mutation testing (`npm run mutate`, not part of `npm test`): StrykerJS with its command runner
// running Node's test runner. One module at a time (MUTATE_MODULE=<name>, see MODULES), each against
// only the unit tests that cover it, so a run takes minutes on two cores. docs/TESTING.md says how
// to run it; docs/MUTATION.md holds the last scores and the equivalent mutants.

/** Module name -> the files mutated and the unit tests that must kill the mutants. */
export const MODULES = {
  'token-bucket': {
    mutate: ['node-core/src/bandwidth/token-bucket.ts'],
    tests: ['test/unit/token-bucket.test.ts']
  },
  'manifest-validation': {
    mutate: ['node-core/src/manifest/validate.ts'],
    tests: ['test/unit/validate.test.ts', 'test/unit/validate-invisible.test.ts', 'test/unit/fuzz-manifest.test.ts']
  },
  link: {
    mutate: ['node-core/src/link/link.ts'],
    tests: ['test/unit/link.test.ts', 'test/unit/fuzz-link.test.ts']
  },
  'framing-messages': {
    mutate: ['node-core/src/protocol/framing.ts', 'node-core/src/protocol/messages.ts'],
    tests: ['test/unit/messages.test.ts', 'test/unit/block-codec.test.ts', 'test/unit/framing.test.ts', 'test/unit/fuzz-messages.test.ts']
  },
  'partial-download': {
    mutate: ['node-core/src/storage/partial-download.ts'],
    tests: ['test/unit/partial-download.test.ts', 'test/unit/partial-download-lifecycle.test.ts']
  },
  'web-guard-static': {
    mutate: ['node-core/src/web/request-guard.ts', 'node-core/src/web/static-files.ts'],
    tests: ['test/unit/web-guard.test.ts', 'test/unit/fuzz-web.test.ts', 'test/unit/static-files.test.ts']
  },
  'picker-policy': {
    mutate: ['node-core/src/scheduler/piece-picker.ts', 'node-core/src/scheduler/source-policy.ts'],
    tests: ['test/unit/piece-picker.test.ts', 'test/unit/piece-picker-edges.test.ts', 'test/unit/source-policy.test.ts']
  }
}

const name = process.env.MUTATE_MODULE ?? 'token-bucket'
const chosen = MODULES[name]
if (chosen == null) throw new Error(`MUTATE_MODULE=${name}: not one of ${Object.keys(MODULES).join(', ')}`)

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'command',
  plugins: ['@stryker-mutator/*', './test/mutation/log-ignorer.mjs'],
  ignorers: ['log-calls'],
  // Fuzz tests run 25 cases each here (200 in npm test): each mutant runs the whole command.
  commandRunner: { command: `env FUZZ_RUNS=25 node --test --test-reporter=dot ${chosen.tests.join(' ')}` },
  coverageAnalysis: 'off',
  // MUTATE_RANGES (set by `npm run mutate -- --survivors`): only these `file:line-line` ranges,
  // the lines of the survivors of the module's last run, into a report of their own.
  mutate: process.env.MUTATE_RANGES != null ? JSON.parse(process.env.MUTATE_RANGES) : chosen.mutate,
  concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 2),
  timeoutMS: 8000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: `.stryker-tmp/reports/${name}${process.env.MUTATE_RANGES != null ? '.survivors' : ''}.json` },
  ignorePatterns: ['out', 'dist', 'renderer/dist', 'bench/results', 'docs/screenshots', 'test/e2e/artifacts', '.tmp'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  thresholds: { high: 90, low: 85, break: null }
}
