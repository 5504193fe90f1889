import { InvalidArgumentError } from '../errors.ts'

/** Multipliers by lower-cased unit: decimal (kB, MB, ...) and binary (KiB, MiB, ...). */
const UNITS: ReadonlyMap<string, number> = new Map([
  ['', 1],
  ['b', 1],
  ['kb', 1e3],
  ['mb', 1e6],
  ['gb', 1e9],
  ['tb', 1e12],
  ['kib', 2 ** 10],
  ['mib', 2 ** 20],
  ['gib', 2 ** 30],
  ['tib', 2 ** 40]
])

const SIZE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*(?:\/\s*s)?$/i

/**
 * Parses a size or rate such as `4MiB`, `4 MiB`, `500KiB`, `1.5MB`, `100kB`, `1000`, `2GiB`, with an
 * optional trailing `/s`. Units are case-insensitive: B, kB/KB/MB/GB/TB (powers of 1000) and
 * KiB/MiB/GiB/TiB (powers of 1024); no unit means bytes. Returns whole bytes (rounded). `0` means
 * unlimited and returns 0. Throws InvalidArgumentError for anything else, including negative
 * values, a non-zero value under one byte, and results beyond Number.MAX_SAFE_INTEGER.
 */
export function parseByteRate (text: string): number {
  const trimmed = text.trim()
  const m = SIZE.exec(trimmed)
  if (m == null) throw new InvalidArgumentError(`not a byte size or rate: ${JSON.stringify(text)}`)
  const [, sign, digits, unit] = m
  const multiplier = UNITS.get(unit!.toLowerCase())
  if (multiplier === undefined) throw new InvalidArgumentError(`unknown unit ${JSON.stringify(unit)} in ${JSON.stringify(text)} (use B, kB, MB, GB, KiB, MiB or GiB)`)
  const value = Number(digits)
  if (!Number.isFinite(value)) throw new InvalidArgumentError(`not a finite number: ${JSON.stringify(text)}`)
  if (sign === '-') throw new InvalidArgumentError(`negative byte size or rate: ${JSON.stringify(text)}`)
  const bytes = Math.round(value * multiplier)
  if (!Number.isSafeInteger(bytes)) throw new InvalidArgumentError(`too large: ${JSON.stringify(text)}`)
  if (bytes === 0 && value !== 0) throw new InvalidArgumentError(`less than one byte: ${JSON.stringify(text)} (use 0 for unlimited)`)
  return bytes
}

const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB']

/**
 * Human-readable size in binary units with up to 3 significant digits (whole bytes under 1 KiB,
 * and at least integers from 100 up): `0 B`, `512 B`, `1.5 KiB`, `12.3 MiB`, `200 MiB`, `3.2 GiB`.
 * Negative values get a minus sign; NaN and infinities are printed as such.
 */
export function formatBytes (n: number): string {
  if (!Number.isFinite(n)) return `${n} B`
  if (n < 0) return `-${formatBytes(-n)}`
  let value = n
  let unit = 0
  for (;;) {
    const text = unit === 0 ? Math.round(value).toString() : roundSignificant(value)
    // Rounding can reach the next unit (1023.7 KiB -> 1024): carry it over.
    if (Number(text) >= 1024 && unit < BINARY.length - 1) {
      value /= 1024
      unit++
      continue
    }
    return `${text} ${BINARY[unit]}`
  }
}

/** Bytes per second, as formatBytes plus `/s`. */
export function formatRate (n: number): string {
  return `${formatBytes(n)}/s`
}

/** Up to 3 significant digits, no trailing zeros; integers from 100 up. */
function roundSignificant (value: number): string {
  const decimals = value < 10 ? 2 : value < 100 ? 1 : 0
  const text = value.toFixed(decimals)
  return decimals === 0 ? text : text.replace(/\.?0+$/, '')
}
