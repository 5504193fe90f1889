/**
 * Seeding limits (qBittorrent's "stop seeding at ratio X / after Y minutes"): the rule, the checker
 * that stops each download once (not again after it is switched on by hand), the seeding clock,
 * the settings (off by default, saved, start-up overrides win, 0 in config.json = off) and the
 * command schema; the row's words.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { parseCommand } from '../../node-core/src/contract/index.ts'
import { serviceOptionsFrom } from '../../node-core/src/config/service-options.ts'
import { SeedingClock, SeedLimits, seedLimitReached } from '../../node-core/src/service/seed-limits.ts'
import { SettingsStore } from '../../node-core/src/service/settings-store.ts'
import { StateStore } from '../../node-core/src/storage/state-store.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'
import { formatRatio, seedStoppedText } from '../../renderer/src/lib/format.ts'
import type { SeededDownload, SeedingTally } from '../../node-core/src/service/seed-limits.ts'

after(removeTemps)

const MIB = 1024 * 1024
const tally = (uploadedBytes: number, totalBytes: number, seedingMs: number): SeedingTally => ({ uploadedBytes, totalBytes, seedingMs })

describe('seedLimitReached', () => {
  it('stops at the ratio, not a byte before', () => {
    const limits = { ratio: 2, minutes: null }
    assert.equal(seedLimitReached(limits, tally(2 * MIB - 1, MIB, 0), 5), null)
    assert.deepEqual(seedLimitReached(limits, tally(2 * MIB, MIB, 90_000), 5), { reason: 'ratio', ratio: 2, seedingMinutes: 1, at: 5 })
    assert.equal(seedLimitReached(limits, tally(3 * MIB, MIB, 0), 5)?.ratio, 3)
  })

  it('stops after the minutes seeded', () => {
    const limits = { ratio: null, minutes: 30 }
    assert.equal(seedLimitReached(limits, tally(100 * MIB, MIB, 30 * 60_000 - 1), 0), null)
    assert.deepEqual(seedLimitReached(limits, tally(MIB / 2, MIB, 30 * 60_000), 7), { reason: 'time', ratio: 0.5, seedingMinutes: 30, at: 7 })
  })

  it('with both, whichever comes first (the ratio when both are reached)', () => {
    const limits = { ratio: 1, minutes: 10 }
    assert.equal(seedLimitReached(limits, tally(MIB / 2, MIB, 60_000), 0), null)
    assert.equal(seedLimitReached(limits, tally(MIB, MIB, 60_000), 0)?.reason, 'ratio')
    assert.equal(seedLimitReached(limits, tally(MIB / 2, MIB, 10 * 60_000), 0)?.reason, 'time')
    assert.equal(seedLimitReached(limits, tally(MIB, MIB, 10 * 60_000), 0)?.reason, 'ratio')
  })

  it('no limits: never; an empty share has no ratio (only time applies)', () => {
    assert.equal(seedLimitReached({ ratio: null, minutes: null }, tally(1e12, 1, 1e12), 0), null)
    assert.equal(seedLimitReached({ ratio: 0.5, minutes: null }, tally(0, 0, 1e9), 0), null)
    assert.equal(seedLimitReached({ ratio: 0.5, minutes: 1 }, tally(0, 0, 60_000), 0)?.reason, 'time')
  })
})

describe('SeedingClock', () => {
  it('adds up the time seeded over each period, and says why only while not seeded', () => {
    const clock = new SeedingClock()
    assert.equal(clock.ms(100), 0)
    clock.started(1000)
    clock.started(1500) // already seeding: unchanged
    assert.equal(clock.ms(4000), 3000)
    clock.ended(4000)
    clock.ended(9000) // not seeding: unchanged
    assert.equal(clock.ms(9000), 3000)
    clock.started(10_000)
    assert.equal(clock.ms(12_000), 5000)
    const why = { reason: 'ratio' as const, ratio: 1, seedingMinutes: 0, at: 1 }
    clock.stopped = why
    assert.equal(clock.info(true, 10).seedStopped, null)
    assert.deepEqual(clock.info(false, 10).seedStopped, why)
    assert.equal(clock.info(false, 10).uploadedBytes, 10)
  })
})

class FakeDownload implements SeededDownload {
  readonly seedClock = new SeedingClock()
  seeding = true
  uploaded = 0
  readonly shareId: string
  readonly size: number
  constructor (shareId: string, size: number) { this.shareId = shareId; this.size = size; this.seedClock.started(0) }
  seedingTally (): SeedingTally { return { uploadedBytes: this.uploaded, totalBytes: this.size, seedingMs: this.seedClock.ms(now) } }
}
let now = 0

describe('SeedLimits', () => {
  it('stops each download that reached a limit, once, and leaves one switched on again by hand', async () => {
    const a = new FakeDownload('a', MIB)
    const b = new FakeDownload('b', MIB)
    const stops: string[] = []
    let limits = { ratio: 1 as number | null, minutes: null as number | null }
    const checker = new SeedLimits({
      limits: () => limits,
      downloads: () => [a, b],
      stop: async id => { stops.push(id); const d = id === 'a' ? a : b; d.seeding = false; d.seedClock.ended(now) },
      now: () => now
    })
    now = 1000
    a.uploaded = MIB - 1
    checker.check()
    assert.deepEqual(stops, [])
    a.uploaded = MIB
    checker.check()
    checker.check() // a stop under way is not started twice
    await new Promise(resolve => setImmediate(resolve))
    assert.deepEqual(stops, ['a'])
    assert.deepEqual(a.seedClock.stopped, { reason: 'ratio', ratio: 1, seedingMinutes: 0, at: 1000 })
    // Switched on again by hand: seeded until switched off, even past the limit.
    a.seeding = true
    a.uploaded = 5 * MIB
    checker.check()
    await new Promise(resolve => setImmediate(resolve))
    assert.deepEqual(stops, ['a'])
    // A time limit set later applies to the other one.
    limits = { ratio: null, minutes: 2 }
    now = 119_000
    checker.check()
    assert.deepEqual(stops, ['a'])
    now = 120_000
    checker.check()
    await new Promise(resolve => setImmediate(resolve))
    assert.deepEqual(stops, ['a', 'b'])
    assert.equal(b.seedClock.stopped?.reason, 'time')
    assert.equal(b.seedClock.stopped?.seedingMinutes, 2)
  })

  it('a stop that fails is logged and not retried in a loop', async () => {
    const a = new FakeDownload('a', MIB)
    a.uploaded = 2 * MIB
    let calls = 0
    const checker = new SeedLimits({ limits: () => ({ ratio: 1, minutes: null }), downloads: () => [a], stop: async () => { calls++; throw new Error('disk gone') } })
    checker.check()
    await new Promise(resolve => setImmediate(resolve))
    checker.check()
    assert.equal(calls, 1)
  })
})

describe('seeding limit settings', () => {
  it('are off by default, saved by setSettings, and a start-up override wins and is saved', async () => {
    const profileDir = await tempDir()
    let store = await StateStore.open(profileDir)
    let settings = await SettingsStore.open({ store, profileDir, network: null })
    let got = await settings.get()
    assert.deepEqual([got.seedRatioLimit, got.seedMinutesLimit], [null, null])
    got = await settings.set({ seedRatioLimit: 1.5, seedMinutesLimit: 90 })
    assert.deepEqual([got.seedRatioLimit, got.seedMinutesLimit], [1.5, 90])
    assert.deepEqual(settings.seedLimits, { ratio: 1.5, minutes: 90 })
    await store.close()

    store = await StateStore.open(profileDir)
    settings = await SettingsStore.open({ store, profileDir, network: null })
    assert.deepEqual(settings.seedLimits, { ratio: 1.5, minutes: 90 })
    await settings.set({ seedRatioLimit: null })
    assert.deepEqual(settings.seedLimits, { ratio: null, minutes: 90 })
    await store.close()

    store = await StateStore.open(profileDir)
    settings = await SettingsStore.open({ store, profileDir, network: null, seedRatioLimit: 3, seedMinutesLimit: null })
    assert.deepEqual(settings.seedLimits, { ratio: 3, minutes: null })
    await store.close()
    store = await StateStore.open(profileDir)
    settings = await SettingsStore.open({ store, profileDir, network: null })
    assert.deepEqual(settings.seedLimits, { ratio: 3, minutes: null }, 'the override was saved')
    await store.close()
  })

  it('config.json and flags: 0 is no limit; the command refuses a ratio of 0 or fractional minutes', () => {
    const opts = serviceOptionsFrom('/p', { seedRatio: 0, seedMinutes: 45 }, undefined)
    assert.equal(opts.seedRatioLimit, null)
    assert.equal(opts.seedMinutesLimit, 45)
    assert.equal(serviceOptionsFrom('/p', {}, undefined).seedRatioLimit, undefined)
    assert.equal(serviceOptionsFrom('/p', { seedRatio: 2.5 }, undefined).seedRatioLimit, 2.5)
    assert.throws(() => parseCommand('setSettings', { seedRatioLimit: 0 }), { name: 'InvalidArgumentError' })
    assert.throws(() => parseCommand('setSettings', { seedMinutesLimit: 1.5 }), { name: 'InvalidArgumentError' })
    assert.deepEqual(parseCommand('setSettings', { seedRatioLimit: null, seedMinutesLimit: 10 }).args, { seedRatioLimit: null, seedMinutesLimit: 10 })
  })
})

describe('the row\'s words', () => {
  it('says which limit stopped the seeding', () => {
    assert.equal(seedStoppedText({ reason: 'ratio', ratio: 2, seedingMinutes: 3, at: 0 }), 'Seeding stopped: ratio 2.0 reached')
    assert.equal(seedStoppedText({ reason: 'time', ratio: 0.4, seedingMinutes: 90, at: 0 }), 'Seeding stopped: seeded for 1 h 30 min')
    assert.deepEqual([0.52, 1.5, 1.25, 12.4, -1].map(formatRatio), ['0.52', '1.5', '1.25', '12', '–'])
  })
})
