/**
 * Benchmark smoke check (`npm run test:bench-smoke`): runs the suite in quick mode into a temporary
 * folder and checks that every scenario ran and wrote its figures. It asserts nothing about time or
 * speed: the figures of a quick run on a shared machine mean little, and targets are for the full run.
 */
import { it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { killGroup, spawnInGroup } from '../test/helpers/process-groups.ts'
import type { ScenarioResult } from './lib/result.ts'

const RUN = fileURLToPath(new URL('./run.ts', import.meta.url))
const IDS = ['one-to-one', 'capped-seeders', 'share-creation', 'latency', 'play-start', 'small-files', 'flash-crowd-uncapped', 'peak-memory', 'flash-crowd']

it('runs every benchmark scenario in quick mode and writes its figures', { timeout: 600_000 }, async () => {
  const out = await mkdtemp(join(tmpdir(), 'swarmdrop-bench-smoke-'))
  try {
    // run.ts and the swarmdrop nodes it starts share a process group: a timeout, a failure or an
    // interruption of this test kills them all, not run.ts alone.
    const run = spawnInGroup(process.execPath, [RUN, '--quick', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    for (const stream of [run.stdout!, run.stderr!]) stream.setEncoding('utf8').on('data', (d: string) => { output = (output + d).slice(-4000) })
    const timer = setTimeout(() => { killGroup(run) }, 540_000)
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(resolve => run.on('close', (c, s) => { resolve([c, s]) }))
    clearTimeout(timer)
    killGroup(run) // anything it left behind
    assert.equal(code, 0, `run.ts ended with ${code ?? signal}: ${output}`)
    const json = JSON.parse(await readFile(join(out, 'latest.json'), 'utf8')) as { scenarios: ScenarioResult[], failures: unknown[], load: Record<string, number> }
    assert.deepEqual(json.failures, [])
    assert.deepEqual(json.scenarios.map(s => s.id), IDS)
    for (const s of json.scenarios) {
      assert.ok(s.rows.length > 0, `${s.id} has result rows`)
      const figures = Object.entries(s.figures)
      assert.ok(figures.length > 0, `${s.id} has figures`)
      for (const [name, f] of figures) assert.ok(f.n >= 1 && Number.isFinite(f.median), `${s.id}.${name} has a measured value`)
      assert.ok(typeof json.load[s.id] === 'number', `${s.id} recorded the load average`)
    }
    const md = await readFile(join(out, 'latest.md'), 'utf8')
    for (const s of json.scenarios) assert.ok(md.includes(s.title), `latest.md has ${s.id}`)
    assert.match(await readFile(join(out, 'chart.svg'), 'utf8'), /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/)
  } finally {
    await rm(out, { recursive: true, force: true })
  }
})
