/**
 * The seam between the chunk server's mechanism (sessions, queues, budget, framing) and a seed's
 * strategy for what each downloader is shown. A share is served by one policy, chosen by the
 * server when its first session opens; the default shows everything and does nothing else.
 * `InitialSeedingPolicy` (initial-seeding-policy.ts) is the other one.
 */
import type { ServedShare } from '../../storage/served-share.ts'

/** What a policy may do to one session: tell the downloader the seed has a chunk (a HAVE). */
export interface SessionLink {
  tellHave (index: number): void
}

/** One share's policy, shared by all its sessions. */
export interface ServingPolicy {
  /**
   * A session of `share` was admitted, `others` sessions of the share being open already: what it
   * is shown. Called in the tick WELCOME is sent; `link` stays valid until `closed()`.
   */
  open (share: ServedShare, others: number, link: SessionLink): SessionPolicy
  /** The share is no longer served (unshared, changed, server stopping): timers stop, nothing more is told. */
  stop (): void
}

/** A policy's hooks for one session, called by the session in the order things happen. */
export interface SessionPolicy {
  /** The bitfield WELCOME carries: the chunks the downloader is shown at first. */
  readonly have: Uint8Array
  /** The downloader's request for chunk `index` was queued. */
  requested (index: number): void
  /** Chunk `index` was sent. */
  sent (index: number): void
  /** The downloader called off its request for chunk `index` before it was sent (it got it elsewhere). */
  cancelled (index: number): void
  /** The session ended. */
  closed (): void
}

const noop = (): void => {}

/** A session shown what the share has (the live bitfield, copied when WELCOME is encoded). */
export function showEverything (share: ServedShare): SessionPolicy {
  return { have: share.have.bytes, requested: noop, sent: noop, cancelled: noop, closed: noop }
}

/** The default: every session is shown everything the share has, and nothing else happens. */
export const ordinaryServing: ServingPolicy = {
  open: share => showEverything(share),
  stop: noop
}
