/**
 * Shared settings for the property and fuzz tests (test/unit/fuzz-*.test.ts). In CI each property
 * runs `FUZZ_RUNS` times (default 200, a few seconds for all of them); `npm run fuzz` sets a much
 * larger count. A failure prints fast-check's seed and shrunk counterexample: add it as a regression
 * example next to the property.
 */
import assert from 'node:assert/strict'
import { SwarmdropError } from '../../node-core/src/errors.ts'

const fromEnv = Number(process.env.FUZZ_RUNS)
/** Runs per property: FUZZ_RUNS or 200. */
export const FUZZ_RUNS = Number.isSafeInteger(fromEnv) && fromEnv > 0 ? fromEnv : 200

/** fast-check parameters every fuzz test uses (a fixed seed when FUZZ_SEED is set, to replay one). */
export function fuzzParams (runs = FUZZ_RUNS): { numRuns: number, seed?: number } {
  const seed = Number(process.env.FUZZ_SEED)
  return Number.isSafeInteger(seed) ? { numRuns: runs, seed } : { numRuns: runs }
}

/**
 * Asserts that `err` is a typed rejection: an instance of `type` (a SwarmdropError subclass) with
 * a short, one-line code, never a TypeError, RangeError or a library's own error.
 */
export function assertTypedError (err: unknown, type: abstract new (...args: never[]) => SwarmdropError): void {
  if (!(err instanceof type)) {
    assert.fail(`expected ${type.name}, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`)
  }
  assert.ok(err instanceof SwarmdropError)
  assert.match(err.code, /^[a-z-]+$/)
  assert.equal(typeof err.message, 'string')
}

/** Calls `fn`; returns its result, or undefined after checking that what it threw is typed. */
export function typedOrResult<T> (fn: () => T, type: abstract new (...args: never[]) => SwarmdropError): T | undefined {
  try {
    return fn()
  } catch (err) {
    assertTypedError(err, type)
    return undefined
  }
}

/** The async form of typedOrResult. */
export async function typedOrResultAsync<T> (fn: () => Promise<T>, type: abstract new (...args: never[]) => SwarmdropError): Promise<T | undefined> {
  try {
    return await fn()
  } catch (err) {
    assertTypedError(err, type)
    return undefined
  }
}
