import { InvalidArgumentError } from '../errors.ts'
/**
 * A fixed-length set of chunk indices, stored MSB-first (bit 0 is the top bit of byte 0), the
 * layout BitTorrent uses. Spare bits in the last byte are always zero.
 */
export class Bitfield {
  readonly length: number
  readonly bytes: Uint8Array
  #count: number

  constructor (length: number, bytes?: Uint8Array) {
    if (!Number.isSafeInteger(length) || length < 0) throw new InvalidArgumentError(`bad bitfield length ${length}`)
    const byteLength = Math.ceil(length / 8)
    if (bytes != null) {
      if (bytes.length !== byteLength) throw new InvalidArgumentError(`bitfield of ${length} bits needs ${byteLength} bytes, got ${bytes.length}`)
      const spare = byteLength * 8 - length
      if (spare > 0 && (bytes[byteLength - 1]! & ((1 << spare) - 1)) !== 0) throw new InvalidArgumentError('bitfield has bits set past its length')
      this.bytes = Uint8Array.from(bytes)
    } else {
      this.bytes = new Uint8Array(byteLength)
    }
    this.length = length
    this.#count = 0
    for (const b of this.bytes) this.#count += popcount(b)
  }

  static full (length: number): Bitfield {
    const b = new Bitfield(length)
    for (let i = 0; i < length; i++) b.set(i)
    return b
  }

  get count (): number { return this.#count }
  get complete (): boolean { return this.#count === this.length }

  has (index: number): boolean {
    if (index < 0 || index >= this.length) return false
    return (this.bytes[index >> 3]! & (0x80 >> (index & 7))) !== 0
  }

  /** Sets a bit; returns true if it was not set before. */
  set (index: number): boolean {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) throw new InvalidArgumentError(`bit ${index} out of range 0..${this.length - 1}`)
    const mask = 0x80 >> (index & 7)
    const i = index >> 3
    if ((this.bytes[i]! & mask) !== 0) return false
    this.bytes[i] = this.bytes[i]! | mask
    this.#count++
    return true
  }

  *indices (): Generator<number> {
    for (let i = 0; i < this.length; i++) if (this.has(i)) yield i
  }
}

function popcount (b: number): number {
  let n = 0
  while (b !== 0) { n += b & 1; b >>= 1 }
  return n
}
