/**
 * Budgets for what a peer can make us do: every message type it sends and every stream it opens.
 * Each is a token bucket (`burst` at once, then `perSecond`) with a debt: a message past the budget
 * is throttled (ignored: not acted on, not answered), and a peer that runs up more than `debt`
 * throttled messages is over: the caller disconnects it and scores it down (peer-score.ts). Honest
 * peers stay far below every budget. Clock-injected; no I/O.
 */
import { InvalidArgumentError } from '../errors.ts'

/** What a message or stream may do: `ok`, be ignored (`throttle`), or end the peer's welcome (`over`). */
export type Verdict = 'ok' | 'throttle' | 'over'

export interface BudgetSpec {
  readonly burst: number
  readonly perSecond: number
  /** Throttled messages tolerated (net of the refill) before the peer is over. */
  readonly debt: number
}

export class RateBudget {
  readonly #spec: BudgetSpec
  readonly #now: () => number
  #tokens: number
  #at: number

  constructor (spec: BudgetSpec, now: () => number = Date.now) {
    if (!(spec.burst >= 1) || !(spec.perSecond >= 0) || !(spec.debt >= 0)) throw new InvalidArgumentError(`bad budget ${spec.burst}, ${spec.perSecond}/s, debt ${spec.debt}`)
    this.#spec = spec
    this.#now = now
    this.#tokens = spec.burst
    this.#at = now()
  }

  /** Spends one message: `ok` within the budget, `throttle` past it, `over` past its debt too (and from then on until it pays back). */
  charge (): Verdict {
    const now = this.#now()
    this.#tokens = Math.min(this.#spec.burst, this.#tokens + (now - this.#at) * this.#spec.perSecond / 1000)
    this.#at = now
    if (this.#tokens >= 1) { this.#tokens--; return 'ok' }
    if (this.#tokens <= -this.#spec.debt) return 'over'
    this.#tokens--
    return 'throttle'
  }

  /** True when the bucket is full again (nothing owed, nothing spent): its state can be forgotten. */
  get idle (): boolean {
    return this.#tokens + (this.#now() - this.#at) * this.#spec.perSecond / 1000 >= this.#spec.burst
  }
}

/**
 * The budgets, per peer. Downloader side (from a source): `chatter` is what carries nothing (PEERS,
 * a HAVE we knew, an error for nothing we asked). Server side (from a downloader): `stream` is a
 * chunk-protocol stream opened to us; `manifest` a manifest piece asked for; `refused` a message we
 * could only refuse or ignore (a request past the queue or the end, HELLO twice, a CANCEL of
 * nothing, a manifest offset past the end); `cancel` a CANCEL that called a request off (an honest
 * endgame sends a few per chunk, a peer could otherwise request and cancel in a loop for ever).
 */
export const BUDGETS = {
  chatter: { burst: 200, perSecond: 20, debt: 200 },
  stream: { burst: 64, perSecond: 8, debt: 128 },
  manifest: { burst: 256, perSecond: 8, debt: 256 },
  refused: { burst: 200, perSecond: 20, debt: 200 },
  cancel: { burst: 512, perSecond: 128, debt: 512 }
} as const satisfies Record<string, BudgetSpec>

export type BudgetKind = keyof typeof BUDGETS

/** Peers whose budgets are kept at most; past it, idle ones are forgotten first, else the oldest. */
const MAX_PEERS = 4096

/** Every peer's budgets of each kind (made on first use, forgotten when idle and room is needed). */
export class PeerBudgets {
  readonly #specs: Readonly<Record<BudgetKind, BudgetSpec>>
  readonly #now: () => number
  readonly #byPeer = new Map<string, Map<BudgetKind, RateBudget>>()

  constructor (specs: Readonly<Record<BudgetKind, BudgetSpec>> = BUDGETS, now: () => number = Date.now) {
    this.#specs = specs
    this.#now = now
  }

  get size (): number { return this.#byPeer.size }

  charge (peerId: string, kind: BudgetKind): Verdict {
    let budgets = this.#byPeer.get(peerId)
    if (budgets == null) {
      if (this.#byPeer.size >= MAX_PEERS) this.#makeRoom()
      this.#byPeer.set(peerId, budgets = new Map())
    }
    let budget = budgets.get(kind)
    if (budget == null) budgets.set(kind, budget = new RateBudget(this.#specs[kind], this.#now))
    return budget.charge()
  }

  /** Forgets a peer's budgets (it was disconnected and scored down: the score keeps it out now). */
  forget (peerId: string): void {
    this.#byPeer.delete(peerId)
  }

  #makeRoom (): void {
    for (const [id, budgets] of this.#byPeer) {
      if ([...budgets.values()].every(b => b.idle)) this.#byPeer.delete(id)
    }
    if (this.#byPeer.size >= MAX_PEERS) this.#byPeer.delete(this.#byPeer.keys().next().value!)
  }
}
