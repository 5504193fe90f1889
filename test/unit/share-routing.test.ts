/**
 * How an announce decides it is done (ShareRouting.announce), against a stand-in for kad-dht's
 * `provide` that answers each round as a script says: MIN_STORED peers hold the record, a network
 * smaller than that holds it whole, or no peer stores it and the announce fails once its time is up.
 * The real DHT runs in the integration tests (discovery, dht-upkeep); this checks the rule itself.
 */
import { describe, it } from 'node:test'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import assert from 'node:assert/strict'
import { peerIdFromString } from '@libp2p/peer-id'
import { MIN_STORED, PROVIDE_TIMEOUT_MS, ShareRouting } from '../../node-core/src/net/share-routing.ts'
import type { ProviderRouting } from '../../node-core/src/net/share-routing.ts'
import { SwarmdropError } from '../../node-core/src/errors.ts'

const execFileAsync = promisify(execFile)
const SHARE = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const PEERS = [
  '12D3KooWAa1Ldmyw5cRX1ApxAnercvVSMAyoYsgip6burjz1K1zb',
  '12D3KooWK6P2ubGc4k9HKuXcZw3YgaU8joGYJqzMT9EyrL3Lv4mU',
  '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN',
  '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'
].map(p => peerIdFromString(p))

/** One round's answer: the closest peers found, and those that accepted ADD_PROVIDER. */
interface Round { readonly closest: number[], readonly stored: number[], readonly errors?: number }

/** A `provide` that plays `rounds` one per call (the last one again once they run out). */
function scripted (rounds: Round[]): { routing: ProviderRouting, calls: () => number } {
  let calls = 0
  const routing = {
    async * provide () {
      const round = rounds[Math.min(calls++, rounds.length - 1)]!
      for (const i of round.closest) yield { name: 'FINAL_PEER', peer: { id: PEERS[i]!, multiaddrs: [] } }
      for (const i of round.stored) yield { name: 'PEER_RESPONSE', messageName: 'ADD_PROVIDER', from: PEERS[i]!, closer: [], providers: [] }
      for (let e = 0; e < (round.errors ?? 0); e++) yield { name: 'QUERY_ERROR', from: PEERS[0]!, error: new Error('no answer') }
    },
    async * findProviders () {},
    async cancelReprovide () {}
  } as unknown as ProviderRouting
  return { routing, calls: () => calls }
}

const FAST = { timeoutMs: 400, retryDelayMs: 10 }

describe('ShareRouting.announce', () => {
  it('is done in one round once MIN_STORED peers hold the record', async () => {
    const { routing, calls } = scripted([{ closest: [0, 1, 2, 3], stored: [0, 1, 2] }])
    const a = await new ShareRouting(routing, FAST).announce(SHARE)
    assert.equal(MIN_STORED, 3)
    assert.deepEqual({ stored: a.stored, attempts: a.attempts, calls: calls() }, { stored: 3, attempts: 1, calls: 1 })
  })

  it('provides again until the peers that hold it, over every round, reach MIN_STORED', async () => {
    const { routing } = scripted([{ closest: [0, 1, 2, 3], stored: [0], errors: 2 }, { closest: [0, 1, 2, 3], stored: [0, 1] }, { closest: [0, 1, 2, 3], stored: [2] }])
    const a = await new ShareRouting(routing, FAST).announce(SHARE)
    assert.deepEqual({ stored: a.stored, attempts: a.attempts, errors: a.errors }, { stored: 3, attempts: 3, errors: 2 })
  })

  it('in a network smaller than MIN_STORED, is done when two rounds find the same closest peers and all hold it', async () => {
    const { routing } = scripted([{ closest: [0], stored: [0] }])
    const a = await new ShareRouting(routing, FAST).announce(SHARE)
    assert.deepEqual({ stored: a.stored, attempts: a.attempts }, { stored: 1, attempts: 2 })
  })

  it('keeps going while the closest peers change or some do not hold it, and succeeds at its time limit if any peer does', async () => {
    const { routing, calls } = scripted([{ closest: [0, 1], stored: [0] }])
    const a = await new ShareRouting(routing, FAST).announce(SHARE)
    assert.equal(a.stored, 1)
    assert.ok(calls() > 2, `${calls()} rounds`)
    assert.ok(a.ms >= FAST.timeoutMs - 50, `gave up after ${a.ms} ms`)
  })

  it('fails once its time is up when no peer stored the record, saying so', async () => {
    const { routing, calls } = scripted([{ closest: [], stored: [] }])
    await assert.rejects(new ShareRouting(routing, FAST).announce(SHARE), (err: Error) => {
      assert.ok(err instanceof SwarmdropError)
      assert.equal(err.code, 'unreachable')
      assert.match(err.message, new RegExp(`no DHT peer stored the provider record after ${calls()} attempt\\(s\\)`))
      return true
    })
    assert.ok(calls() > 2, `${calls()} rounds`)
  })

  it('ends with the caller\'s reason when the caller aborts', async () => {
    const { routing } = scripted([{ closest: [], stored: [] }])
    const stop = new AbortController()
    const announcing = new ShareRouting(routing, { timeoutMs: 60_000, retryDelayMs: 10 }).announce(SHARE, { signal: stop.signal })
    stop.abort(new Error('stopping'))
    await assert.rejects(announcing, /stopping/)
  })

  it('tries for a minute unless SWARMDROP_PROVIDE_TIMEOUT_MS (a whole number of ms) says otherwise', async () => {
    const timeoutIn = async (value: string | undefined): Promise<number> => {
      const env = { ...process.env, SWARMDROP_PROVIDE_TIMEOUT_MS: value }
      if (value == null) delete env.SWARMDROP_PROVIDE_TIMEOUT_MS
      const module = new URL('../../node-core/src/net/share-routing.ts', import.meta.url).href
      const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(module)}); console.log(m.PROVIDE_TIMEOUT_MS)`], { env })
      return Number(stdout.trim())
    }
    assert.deepEqual(await Promise.all([undefined, '1500', 'soon', '-5', '2.5'].map(timeoutIn)), [60_000, 1500, 60_000, 60_000, 60_000])
    if (process.env.SWARMDROP_PROVIDE_TIMEOUT_MS == null) assert.equal(PROVIDE_TIMEOUT_MS, 60_000)
  })
})
