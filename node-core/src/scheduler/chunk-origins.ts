/** Records which source delivered each verified chunk: the data behind the contract's ChunkMap. */
import { ORIGIN_EARLIER, ORIGIN_MISSING } from '../contract/chunk-map.ts'
import type { ChunkMap } from '../contract/chunk-map.ts'
import { InvalidArgumentError } from '../errors.ts'

export { ORIGIN_EARLIER, ORIGIN_MISSING } from '../contract/chunk-map.ts'
export type { ChunkMap, ChunkRun } from '../contract/chunk-map.ts'

const MAX_SOURCES = 0x7fff

export class ChunkOrigins {
  readonly chunkCount: number
  readonly #origin: Int16Array
  readonly #sources: string[] = []
  readonly #index = new Map<string, number>()

  constructor (chunkCount: number) {
    if (!Number.isSafeInteger(chunkCount) || chunkCount < 0) throw new InvalidArgumentError(`bad chunk count ${chunkCount}`)
    this.chunkCount = chunkCount
    this.#origin = new Int16Array(chunkCount).fill(ORIGIN_MISSING)
  }

  /** Records that `peerId` delivered chunk `index` (verified). */
  record (index: number, peerId: string): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.chunkCount) throw new InvalidArgumentError(`bad chunk index ${index}`)
    let i = this.#index.get(peerId)
    if (i == null) {
      if (this.#sources.length >= MAX_SOURCES) { this.#origin[index] = ORIGIN_EARLIER; return }
      i = this.#sources.length
      this.#sources.push(peerId)
      this.#index.set(peerId, i)
    }
    this.#origin[index] = i
  }

  /** The map, given which chunks are verified (`has(i)`); verified chunks with no record are ORIGIN_EARLIER. */
  map (has: (index: number) => boolean): ChunkMap {
    const runs: Array<[number, number]> = []
    for (let i = 0; i < this.chunkCount; i++) {
      const recorded = this.#origin[i]!
      const origin = !has(i) ? ORIGIN_MISSING : recorded >= 0 ? recorded : ORIGIN_EARLIER
      const last = runs[runs.length - 1]
      if (last != null && last[0] === origin) last[1]++
      else runs.push([origin, 1])
    }
    return { sources: [...this.#sources], chunkCount: this.chunkCount, runs }
  }
}
