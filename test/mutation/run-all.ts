/**
 * `npm run mutate`: runs Stryker once per module of stryker.config.mjs (or only those named as
 * arguments), one after another, and prints each module's mutation score. Slow (minutes per
 * module); not part of `npm test`.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const CONFIG = new URL('../../stryker.config.mjs', import.meta.url).href
const { MODULES } = await import(CONFIG) as { MODULES: Record<string, { mutate: string[], tests: string[] }> }
const names = process.argv.length > 2 ? process.argv.slice(2) : Object.keys(MODULES)
const scores: string[] = []
let failed = false
for (const name of names) {
  const run = spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, MUTATE_MODULE: name } })
  if (run.status !== 0) { failed = true; scores.push(`${name}: stryker failed (${run.status ?? run.signal})`); continue }
  const report = JSON.parse(readFileSync(`${ROOT}.stryker-tmp/reports/${name}.json`, 'utf8')) as { files: Record<string, { mutants: Array<{ status: string }> }> }
  const all = Object.values(report.files).flatMap(f => f.mutants)
  const detected = all.filter(m => m.status === 'Killed' || m.status === 'Timeout').length
  const valid = all.filter(m => m.status !== 'CompileError' && m.status !== 'RuntimeError' && m.status !== 'Ignored').length
  scores.push(`${name}: ${(100 * detected / valid).toFixed(1)} % (${detected} of ${valid} mutants detected)`)
}
console.log(['', 'Mutation scores:', ...scores].join('\n'))
process.exit(failed ? 1 : 0)
