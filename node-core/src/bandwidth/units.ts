import { InvalidArgumentError } from '../errors.ts'

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3
}

/** Parses `4MiB`, `500 KiB`, `1.5MB/s`, `1000` (bytes): a size or a per-second rate. `0` = unlimited. */
export function parseByteRate (text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*(?:\/s)?\s*$/i.exec(text)
  if (m == null) throw new InvalidArgumentError(`cannot read "${text}" as a size such as 4MiB`)
  const unit = m[2]!.toLowerCase()
  const factor = unit === '' ? 1 : UNITS[unit]
  if (factor == null) throw new InvalidArgumentError(`unknown unit "${m[2]}" in "${text}" (use B, kB, MB, GB, KiB, MiB or GiB)`)
  const value = Math.round(Number(m[1]) * factor)
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError(`"${text}" is too large`)
  return value
}

const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

/** `0 B`, `512 B`, `1.5 KiB`, `200 MiB`: binary units, three significant digits at most. */
export function formatBytes (n: number): string {
  let i = 0
  let v = n
  while (v >= 1024 && i < BINARY.length - 1) { v /= 1024; i++ }
  const digits = i === 0 || v >= 100 ? 0 : v >= 10 ? 1 : 1
  return `${Number(v.toFixed(digits))} ${BINARY[i]}`
}

export function formatRate (bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`
}
