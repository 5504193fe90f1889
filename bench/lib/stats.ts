/** Median, min and max of repeated measurements. */
export interface Summary { readonly median: number, readonly min: number, readonly max: number, readonly n: number }

export function summarize (xs: readonly number[]): Summary {
  const s = xs.filter(x => Number.isFinite(x)).sort((a, b) => a - b)
  if (s.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 }
  const mid = s.length >> 1
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
  return { median, min: s[0]!, max: s[s.length - 1]!, n: s.length }
}

export const MiB = 1024 * 1024

/** Rounds for display: 3 significant digits. */
export function round3 (x: number): number {
  if (!Number.isFinite(x) || x === 0) return x
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(x))))
  return Number(x.toFixed(Math.min(digits, 6)))
}
