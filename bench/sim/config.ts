/**
 * What a simulated swarm is made of: the share, the origin, the peers (capacities, arrival,
 * behaviour after completion), the network (latency per pair) and, for the validation against
 * the real-process benchmark, the one machine all those processes share (CPU per delivered MiB).
 */
import { chooseChunkSize } from '../../node-core/src/manifest/builder.ts'
import { seededRandom } from '../../test/helpers/random.ts'
import { MAX_CANDIDATES } from '../../node-core/src/scheduler/candidates.ts'

export const MiB = 1024 * 1024
/** Bytes per second in a megabit per second. */
export const Mbit = 1e6 / 8

export interface CpuModel { readonly cores: number, readonly msPerMiB: number, readonly msPerHave: number }

export type Arrivals =
  | { readonly kind: 'flash', readonly spreadSeconds: number }
  | { readonly kind: 'poisson', readonly perSecond: number }

/** What a downloader does once it has every chunk. */
export interface AfterCompletion {
  /** Fraction of contributors that leave at once; the others stay. */
  readonly leaveAtOnce: number
  /** Mean of the exponential time the others stay, in seconds (Infinity: for good). */
  readonly meanStaySeconds: number
}

export interface SimConfig {
  readonly name: string
  readonly seed: number
  readonly peers: number
  readonly shareBytes: number
  readonly chunkBytes: number
  /** Origin upload, bytes/s. */
  readonly originUp: number
  /** Initial seeding (super-seeding) at the origin, as `ServedShare.initialSeeding` would turn on. */
  readonly initialSeeding: boolean
  /** Draws a peer's upload and download capacity (bytes/s). */
  readonly capacity: (random: () => number) => { up: number, down: number }
  readonly arrivals: Arrivals
  readonly after: AfterCompletion
  /** Fraction of peers that never upload (they accept no session). */
  readonly freeRiders: number
  /** One-way latency of a pair: both access latencies plus a per-pair core latency (seconds). */
  readonly accessLatency: readonly [number, number]
  readonly coreLatency: readonly [number, number]
  /** Extra time to open a session (dial, Noise, Yamux, HELLO/WELCOME) beyond 3 one-way trips. */
  readonly sessionSetupSeconds: number
  /** Sources a downloader keeps (SwarmTransfer's maxSources). */
  readonly maxSources: number
  /**
   * Peers a WELCOME lists: 'random', 32 members at random as the service does (PeerBook's
   * swarmAddresses through introduceMembers), or 'first', the first 32 members met (the product
   * before 2026-12-02, kept to compare).
   */
  readonly pex: 'first' | 'random'
  /** A server too full to admit a session answers `busy` with peers of the swarm (as shipped), or without (before 2026-12-02). */
  readonly busyPeers: boolean
  /** Seed sparing in the downloaders (as shipped: on); off is a what-if. */
  readonly seedSparing: boolean
  /**
   * A downloader dials back the peers that opened a session with it, past maxSources (candidates.ts
   * sourceLimit; as shipped since 2026-12-03); off is the product before.
   */
  readonly reciprocity: boolean
  /**
   * Servers send whole chunks in turn, UPLOAD_SLOTS at a time, tit for tat (the real UploadTurns,
   * node-core/src/scheduler/upload-turns.ts; as shipped since 2026-12-03); off: every session with a
   * request queued shares the upload at once (sharing fluid only).
   */
  readonly uploadTurns: boolean
  /** Candidates (peer-exchange addresses) a downloader remembers. */
  readonly maxCandidates: number
  /**
   * One machine for every peer: `cores` CPUs; CPU-ms (all processes together) per delivered MiB
   * and per HAVE message (sent and received: each verified chunk is announced to every peer served).
   */
  readonly cpu: CpuModel | null
  /** The fluid model (fluid.ts): event-driven processor sharing, or fixed ticks with link and CPU limits. */
  readonly fluid: 'sharing' | 'ticks'
  /** Virtual tick: of the ticked fluid model, and the resolution of the event calendar; seconds. */
  readonly tickSeconds: number
  /** Gives up (peers left incomplete are reported) at this virtual time. */
  readonly maxSeconds: number
}

/** Log-uniform in [lo, hi]. */
export function logUniform (random: () => number, lo: number, hi: number): number {
  return lo * (hi / lo) ** random()
}

/** Residential access: 1–40 Mbit/s up, 10–500 Mbit/s down, log-uniform, down at least 2x up. */
export function residential (random: () => number): { up: number, down: number } {
  const up = logUniform(random, 1, 40) * Mbit
  const down = Math.max(2 * up, logUniform(random, 10, 500) * Mbit)
  return { up, down }
}

/** Deterministic uniform [0, 1) generator (the tests' mulberry32). */
export const prng = seededRandom

/**
 * Chunk size of the runs at scale: 256 chunks for their 64 MiB (the product would choose 64 KiB,
 * 1,024 chunks). Every chunk costs a HAVE to each neighbour and a pick, so 4x fewer chunks keep
 * N = 10,000 within minutes; `--chunk-kib` runs them with the product's size.
 */
export const SCALE_CHUNK_BYTES = 256 * 1024

/** The downloader as shipped: 32 sources, peer exchange as the service does it, seed sparing on. */
const SHIPPED_SCHEDULER = { maxSources: 32, pex: 'random', busyPeers: true, seedSparing: true, reciprocity: true, uploadTurns: true, maxCandidates: MAX_CANDIDATES } as const

/** A residential flash crowd: everyone arrives within a second, stays seeding. */
export function residentialFlash (peers: number, overrides: Partial<SimConfig> = {}): SimConfig {
  return {
    name: `residential flash crowd, N = ${peers}`,
    seed: 1,
    peers,
    shareBytes: 64 * MiB,
    chunkBytes: SCALE_CHUNK_BYTES,
    originUp: 100 * Mbit,
    initialSeeding: false,
    capacity: residential,
    arrivals: { kind: 'flash', spreadSeconds: 1 },
    after: { leaveAtOnce: 0, meanStaySeconds: Infinity },
    freeRiders: 0,
    accessLatency: [0.002, 0.02],
    coreLatency: [0.005, 0.07],
    sessionSetupSeconds: 0.1,
    ...SHIPPED_SCHEDULER,
    cpu: null,
    fluid: 'sharing',
    tickSeconds: 0.01,
    maxSeconds: 7200,
    ...overrides
  }
}

/**
 * Poisson arrivals with churn and free riders: arrivals at a rate that keeps about `peers / 4`
 * downloading at once, contributors leave at once (40 %) or after an exponential stay (mean 60 s),
 * 20 % free riders that leave at once.
 */
export function residentialChurn (peers: number, overrides: Partial<SimConfig> = {}): SimConfig {
  const base = residentialFlash(peers, overrides)
  return {
    ...base,
    name: `residential Poisson arrivals, churn, 20 % free riders, N = ${peers}`,
    arrivals: { kind: 'poisson', perSecond: peers / 400 },
    after: { leaveAtOnce: 0.4, meanStaySeconds: 60 },
    freeRiders: 0.2,
    ...overrides
  }
}

/**
 * The real-process capped flash crowd of bench/scenarios/flash-crowd.ts: 256 MiB (256 KiB chunks),
 * origin capped at 8 MiB/s, N downloaders on one 2-core machine over loopback, all staying as
 * seeds (`get --seed`). Peers' links are not the limit there (loopback, uncapped): the machine's
 * CPU is (`cpu`, see validation.ts for where its figures come from).
 */
export function benchCrowd (peers: number, cpu: CpuModel | null, overrides: Partial<SimConfig> = {}): SimConfig {
  const shareBytes = 256 * MiB
  return {
    name: `bench flash crowd, N = ${peers}`,
    seed: 1,
    peers,
    shareBytes,
    chunkBytes: chooseChunkSize(shareBytes),
    originUp: 8 * MiB,
    initialSeeding: false,
    capacity: () => ({ up: 2000 * MiB, down: 2000 * MiB }),
    // The recorded runs' start spread (the last downloader up 0.39 s / 0.76 s after the first).
    arrivals: { kind: 'flash', spreadSeconds: peers <= 8 ? 0.39 : 0.76 },
    after: { leaveAtOnce: 0, meanStaySeconds: Infinity },
    freeRiders: 0,
    accessLatency: [0.00005, 0.00005],
    coreLatency: [0, 0.0001],
    sessionSetupSeconds: 0.05,
    ...SHIPPED_SCHEDULER,
    cpu,
    fluid: 'ticks',
    tickSeconds: 0.005,
    maxSeconds: 3600,
    ...overrides
  }
}
