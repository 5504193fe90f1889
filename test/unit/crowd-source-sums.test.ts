/** The crowd benchmark's check that every downloader's sources sum to the share (bench/lib/crowd.ts). */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { checkSourceSums, sourceSumsRow } from '../../bench/lib/crowd.ts'
import type { CrowdResult } from '../../bench/lib/crowd.ts'

const line = (bytes: number[], total: number, earlierBytes?: number): Record<string, unknown> =>
  ({ event: 'complete', sources: bytes.map((b, i) => ({ peerId: `p${i}`, bytes: b })), bytes: total, ...(earlierBytes != null ? { earlierBytes } : {}) })

describe('checkSourceSums', () => {
  it('accepts downloaders whose sources (and bytes on disk before the run) sum to the share', () => {
    assert.deepEqual(checkSourceSums([line([600, 400], 1000), line([1000, 0], 1000), line([300], 1000, 700)], 1000), [])
  })

  it('names each downloader whose sources fall short or overshoot, or whose complete line names another size', () => {
    const problems = checkSourceSums([line([600, 400], 1000), line([600, 300], 1000), line([600, 500], 1000), line([900], 900)], 1000)
    assert.equal(problems.length, 3)
    assert.match(problems[0]!, /^downloader 2: .*900 bytes \(-100\)/)
    assert.match(problems[1]!, /^downloader 3: .*1100 bytes \(\+100\)/)
    assert.match(problems[2]!, /^downloader 4: .*says 900/)
  })

  it('makes a row that is missed when any downloader of any repeat is off', () => {
    const crowd = (problems: string[]): CrowdResult => ({ allDoneSeconds: 1, firstDoneSeconds: 1, startSpreadSeconds: 0, originBytes: 0, cpuSeconds: 1, maxPeakRssBytes: 0, writeSyscalls: 0, sourceSumProblems: problems })
    assert.equal(sourceSumsRow('x', [crowd([]), crowd([])], 4).met, true)
    const missed = sourceSumsRow('x', [crowd([]), crowd(['downloader 3: …'])], 4)
    assert.equal(missed.met, false)
    assert.equal(missed.measured, '7 of 8 downloaders exact')
  })
})
