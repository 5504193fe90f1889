/**
 * The swarm simulator's quick mode (bench/sim): a flash crowd of 1,000 peers running the real piece
 * picker, source policy and seed sparing, with sanity checks that can fail. No timing assertion:
 * the figures are written to bench/results/partial/sim-smoke.json (ignored by git) to be read.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { MiB, benchCrowd, residentialFlash } from '../../../bench/sim/config.ts'
import { fluidBound } from '../../../bench/sim/figures.ts'
import { simulate } from '../../../bench/sim/simulate.ts'

test('a simulated flash crowd of 1,000 completes, no faster than the fluid bound, the origin uploading at least the share', { timeout: 1_800_000 }, async () => {
  // 2 MiB in 8 chunks of 256 KiB keeps it to seconds of CPU: the cost is per chunk and per neighbour.
  const f = simulate(residentialFlash(1000, { shareBytes: 2 * MiB, maxSeconds: 3600 }))
  assert.equal(f.incomplete, 0, 'every peer completes')
  assert.equal(f.downloadSeconds.count, 1000)
  assert.ok(f.allDoneSeconds >= f.fluidBoundSeconds, `all done ${f.allDoneSeconds} s >= fluid bound ${f.fluidBoundSeconds} s`)
  assert.ok(f.downloadSeconds.median <= f.downloadSeconds.p90 && f.downloadSeconds.p90 <= f.downloadSeconds.max)
  assert.ok(f.originUploadFactor >= 1, `origin uploaded ${f.originUploadFactor}x the share (no other seed at the start)`)
  assert.ok(f.originVerifiedFactor >= 1 && f.originVerifiedFactor <= f.originUploadFactor)
  const out = fileURLToPath(new URL('../../../bench/results/partial/', import.meta.url))
  await mkdir(out, { recursive: true })
  await writeFile(`${out}sim-smoke.json`, JSON.stringify(f, null, 1) + '\n')
})

test('the simulated benchmark crowd of 8 (origin capped at 8 MiB/s) lands near its fluid bound with the origin at about 1x', () => {
  const f = simulate(benchCrowd(8, null))
  assert.equal(f.incomplete, 0)
  assert.equal(f.fluidBoundSeconds, 32)
  assert.ok(f.allDoneSeconds >= 32 && f.allDoneSeconds < 64, `all done in ${f.allDoneSeconds} s`)
  assert.ok(f.originUploadFactor >= 1 && f.originUploadFactor < 1.5, `origin ${f.originUploadFactor}x`)
})

test('the fluid bound is the largest of F / u_origin, F / d_min and N F / (u_origin + sum u)', () => {
  assert.equal(fluidBound(100, 10, [10, 10], [100, 100]), 10) // the origin's upload
  assert.equal(fluidBound(100, 1000, [1, 1], [5, 100]), 20) // the slowest download
  assert.equal(fluidBound(100, 4, [1, 1], [100, 100]), 200 / 6) // everyone's upload
})
