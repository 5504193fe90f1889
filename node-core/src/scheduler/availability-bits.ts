/** Bit loops of the piece picker's availability counts, over MSB-first bitfield bytes. */

/**
 * avail[i] += delta for each set bit i, without a branch per bit (bits of a partial source are
 * close to random, so branches mispredict); never below 0.
 */
export function addBits (avail: Uint32Array, bytes: Uint8Array, delta: 1 | -1): void {
  for (let j = 0; j < bytes.length; j++) {
    const b = bytes[j]!
    if (b === 0) continue
    const base = j * 8
    const end = Math.min(8, avail.length - base)
    for (let k = 0; k < end; k++) {
      const v = avail[base + k]! + delta * ((b >> (7 - k)) & 1)
      avail[base + k] = v < 0 ? 0 : v
    }
  }
}

/** Calls fn for each set bit of an MSB-first bitfield, skipping zero bytes. */
export function forEachSet (bytes: Uint8Array, fn: (index: number) => void): void {
  for (let j = 0; j < bytes.length; j++) {
    const b = bytes[j]!
    if (b === 0) continue
    for (let k = 0; k < 8; k++) if ((b & (0x80 >> k)) !== 0) fn(j * 8 + k)
  }
}
