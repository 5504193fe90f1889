import { Bitfield } from '../../node-core/src/storage/bitfield.ts'

/** A bitfield of `length` bits with `indices` set. */
export function bits (length: number, indices: Iterable<number>): Bitfield {
  const b = new Bitfield(length)
  for (const i of indices) b.set(i)
  return b
}

/** The integers from `from` up to, not including, `to`. */
export function range (from: number, to: number): number[] {
  const out: number[] = []
  for (let i = from; i < to; i++) out.push(i)
  return out
}
