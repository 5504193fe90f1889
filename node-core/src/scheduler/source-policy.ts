import { InvalidArgumentError } from '../errors.ts'
/**
 * Per-source policy for the download scheduler: how many requests to keep in flight with a source,
 * which source to ask next, when to give up on a source, and a sliding-window rate meter. Pure
 * functions and a clock-injected class; no I/O.
 */

export interface SourceLoad {
  readonly id: string
  /** Bytes per second measured, 0 if unknown yet. */
  readonly rate: number
  readonly inFlight: number
  readonly failures: number
  /** On the local network (found by mDNS): preferred, it costs no internet bandwidth. */
  readonly lan?: boolean
}

/** How much a LAN source's expected time is discounted when ranking. */
export const LAN_PREFERENCE = 2

export interface PipelineOptions {
  /** How long the requests in flight should keep the link busy. Default 0.5 s. */
  targetSeconds?: number
  /** Fewest requests in flight. Default 2. */
  min?: number
  /** Most requests in flight. Default 32. */
  max?: number
}

/**
 * The rate to plan a source's requests with: its recent rate (`recent`, the rate meter's window),
 * or, when nothing arrived within that window, what it delivered on average since it was attached
 * (`deliveredBytes` over `attachedForMs`). A source so slow that one chunk takes longer than the
 * window would otherwise read 0, "unknown": ranked as a median source, given `min + 2` requests and
 * the shortest timeout, it would hold chunks nobody else is asked for. 0 only for a source that
 * has delivered nothing yet.
 */
export function planningRate (recent: number, deliveredBytes: number, attachedForMs: number): number {
  if (recent > 0) return recent
  return deliveredBytes > 0 && attachedForMs > 0 ? deliveredBytes * 1000 / attachedForMs : 0
}

/**
 * Adaptive pipelining: requests to keep in flight with a source so its link stays busy for about
 * `targetSeconds` (default 0.5 s): clamp(ceil(rate * targetSeconds / chunkSize) + 1, min 2, max 32).
 * A source with unknown rate (0) gets `min + 2` (still at most `max`).
 */
export function pipelineDepth (rate: number, chunkSize: number, options: PipelineOptions = {}): number {
  const targetSeconds = options.targetSeconds ?? 0.5
  const min = options.min ?? 2
  const max = options.max ?? 32
  if (!(chunkSize > 0)) throw new InvalidArgumentError(`bad chunk size ${chunkSize}`)
  if (!(targetSeconds >= 0)) throw new InvalidArgumentError(`bad targetSeconds ${targetSeconds}`)
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max < min) throw new InvalidArgumentError(`bad pipeline bounds ${min}..${max}`)
  if (!(rate > 0)) return Math.min(min + 2, max)
  const depth = Math.ceil(rate * targetSeconds / chunkSize) + 1
  return Math.min(max, Math.max(min, depth))
}

/**
 * Bytes of chunk data one download may have outstanding at once, across all its sources: requested
 * and not yet received, or received and not yet verified and written. Nothing else bounds it (the
 * muxer acknowledges data as it arrives, not as it is consumed), so without it the blocks queued in
 * memory grow with the number of sources and the pipeline depth (4 sources x 32 x 1 MiB = 128 MiB),
 * and with a disk slower than the network, without limit. 32 MiB is over 0.3 s of data at 100 MiB/s.
 */
export const MAX_BYTES_OUTSTANDING = 32 * 1024 * 1024
/** Requests (received-unwritten ones included) a source may always hold, budget or not: none starves. */
export const MIN_REQUESTS_PER_SOURCE = 2

/**
 * Whether one more request of up to `bytes` may go to a source that holds `sourceHolds` requests
 * (in flight, or received and not yet written) while the download holds `outstandingBytes`: yes if
 * the download stays within `budget`, or the source holds fewer than MIN_REQUESTS_PER_SOURCE.
 */
export function withinByteBudget (outstandingBytes: number, sourceHolds: number, bytes: number, budget = MAX_BYTES_OUTSTANDING): boolean {
  return sourceHolds < MIN_REQUESTS_PER_SOURCE || outstandingBytes + bytes <= budget
}

/**
 * Order sources by preference for the next request: lowest expected time to deliver one more chunk,
 * (inFlight + 1) * chunkSize / rate; each failure doubles it. An unknown rate (0) counts as the
 * median known rate; when no rate is known at all, every source is ranked as if it had the same
 * rate (so by load and failures). A LAN source's expected time is divided by LAN_PREFERENCE. Ties by
 * id (code-unit order) for determinism. Returns a new array.
 */
export function rankSources (sources: readonly SourceLoad[], chunkSize: number): SourceLoad[] {
  if (!(chunkSize > 0)) throw new InvalidArgumentError(`bad chunk size ${chunkSize}`)
  const known = sources.map(s => s.rate).filter(r => r > 0).sort((a, b) => a - b)
  let fallback = chunkSize // any common rate will do when none is known
  if (known.length > 0) {
    const mid = known.length >> 1
    fallback = known.length % 2 === 1 ? known[mid]! : (known[mid - 1]! + known[mid]!) / 2
  }
  const keyed = sources.map(s => {
    const rate = s.rate > 0 ? s.rate : fallback
    const failures = Math.max(0, s.failures)
    return { s, t: (Math.max(0, s.inFlight) + 1) * chunkSize / rate * 2 ** failures / (s.lan === true ? LAN_PREFERENCE : 1) }
  })
  keyed.sort((a, b) => a.t - b.t || (a.s.id < b.s.id ? -1 : a.s.id > b.s.id ? 1 : 0))
  return keyed.map(k => k.s)
}

/**
 * Seed sparing: while seeds are scarce among the connected sources (no more of them than of
 * sources that are not seeds), a seed (a source with every chunk, typically the origin, whose
 * upload is what a swarm is short of) is asked only for chunks held by seeds alone, i.e. with
 * availability at most the number of seeds. Chunks other peers have come from them; a seed's
 * upload goes to chunks nobody else can give. Once seeds outnumber the others (the end of a flash
 * crowd, when most peers have finished and stay), they are asked for anything: sparing them then
 * left hundreds of finished peers idle while the last downloaders waited on the few still
 * downloading (the simulator's tail, docs/PERFORMANCE.md). Returns the availability limit for the
 * piece picker when picking for `source` (Infinity: no limit); the picker lifts it for duplicates
 * in the true endgame (PiecePicker.pick).
 */
export function seedSparingLimit<S> (source: S, sources: Iterable<S>, isSeed: (s: S) => boolean): number {
  if (!isSeed(source)) return Infinity
  let seeds = 0
  let partial = 0
  for (const s of sources) {
    if (isSeed(s)) seeds++
    else partial++
  }
  return partial > 0 && seeds <= partial ? seeds : Infinity
}

/** Shortest time a request waits for its block before it is given to another source. */
const MIN_REQUEST_TIMEOUT_MS = 15_000

/**
 * How long a source's requests wait for their blocks: 4x the time its `bytesInFlight` take at its
 * rate, at least MIN_REQUEST_TIMEOUT_MS. The rate is the recent one, else the one it had when its
 * last chunk came: a slow source is given time for its chunks, and one that stopped still times
 * out (its average would fall without end).
 */
export function requestTimeoutMs (recentRate: number, rateAtLastChunk: number, bytesInFlight: number): number {
  const rate = recentRate > 0 ? recentRate : rateAtLastChunk
  return Math.max(MIN_REQUEST_TIMEOUT_MS, rate > 0 ? 4000 * bytesInFlight / rate : 0)
}

/** Strike policy for bad chunks: a source is dropped after `maxStrikes` (default 2) chunks that fail verification. */
export function shouldDropSource (badChunks: number, maxStrikes = 2): boolean {
  return badChunks >= maxStrikes
}

/** Widest rate-meter bucket; the window is split into equal buckets no wider than this. */
const MAX_BUCKET_MS = 250

/**
 * Bytes per second over a sliding window, from a ring of fixed-width buckets (ceil(window / 250 ms)
 * of them: constant memory per meter). The clock is injectable for tests.
 */
export class RateMeter {
  readonly #bucketMs: number
  readonly #now: () => number
  readonly #bytes: Float64Array
  /** Which bucket number (floor(time / bucketMs)) each slot currently holds. */
  readonly #epochs: Float64Array
  readonly #created: number
  #total: number

  constructor (windowMs = 3000, now: () => number = () => performance.now()) {
    if (!(windowMs > 0) || !Number.isFinite(windowMs)) throw new InvalidArgumentError(`bad window ${windowMs}`)
    // At least two buckets, so the window never shrinks to a barely started bucket.
    const slots = Math.max(2, Math.ceil(windowMs / MAX_BUCKET_MS))
    this.#bucketMs = windowMs / slots
    this.#now = now
    this.#bytes = new Float64Array(slots)
    this.#epochs = new Float64Array(slots).fill(-Infinity)
    this.#created = now()
    this.#total = 0
  }

  /** Bytes counted since the meter was made. */
  get total (): number { return this.#total }

  add (bytes: number): void {
    if (!(bytes >= 0) || !Number.isFinite(bytes)) throw new InvalidArgumentError(`bad byte count ${bytes}`)
    const epoch = Math.floor(this.#now() / this.#bucketMs)
    const slot = this.#slot(epoch)
    if (this.#epochs[slot] !== epoch) {
      this.#epochs[slot] = epoch
      this.#bytes[slot] = 0
    }
    this.#bytes[slot] = this.#bytes[slot]! + bytes
    this.#total += bytes
  }

  /**
   * Bytes per second over the window, 0 when nothing arrived in it. The divisor is the time the
   * counted buckets actually cover (the current bucket only partly), but no more than the meter's
   * age and no less than one bucket, so a young meter is neither diluted nor spiky.
   */
  rate (): number {
    const now = this.#now()
    const width = this.#bucketMs
    const epoch = Math.floor(now / width)
    const slots = this.#bytes.length
    let sum = 0
    for (let k = 0; k < slots; k++) {
      const e = this.#epochs[k]!
      if (e <= epoch && e > epoch - slots) sum += this.#bytes[k]!
    }
    if (sum === 0) return 0
    const covered = Math.min((slots - 1) * width + (now - epoch * width), now - this.#created)
    return sum / (Math.max(covered, width) / 1000)
  }

  #slot (epoch: number): number {
    const n = this.#bytes.length
    return ((epoch % n) + n) % n
  }
}
