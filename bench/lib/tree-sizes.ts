/** The "2 GiB folder of many files and one big file" used by share creation and peak memory. */
import { MiB } from './stats.ts'

export function mixedFolder (quick: boolean): Record<string, number> {
  const big = (quick ? 32 : 1024) * MiB
  const count = quick ? 128 : 4096
  const files: Record<string, number> = { 'big.bin': big }
  for (let i = 0; i < count; i++) files[`many/d${Math.floor(i / 256)}/f${i}.bin`] = 256 * 1024
  return files
}
