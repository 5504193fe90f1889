/**
 * Runs node-core's service inside the main process and keeps it running: a failure (the service
 * failing to start, or a fault reported from an uncaught exception) stops it and starts a new one
 * after a back-off, and the user is told. The supervisor itself is the `SwarmdropApi` the shell
 * uses: calls fail with a typed `unavailable` error while no service runs, and subscriptions
 * survive restarts.
 */
import { EventEmitter } from 'node:events'
import { logger } from 'swarmdrop/node'
import { ServiceUnavailableError } from './errors.ts'

const log = logger('swarmdrop:electron')
import type { CommandArgs, CommandName, CommandResults, ServiceEvent, SwarmdropApi } from 'swarmdrop/contract'
import type { MediaReader } from 'swarmdrop/node'

/** What the supervisor runs: the service's contract plus `stop()`. */
export interface SupervisedService extends SwarmdropApi {
  stop (): Promise<void>
  /** The files of shares and downloads for the window's player (media-protocol.ts). */
  readonly media?: MediaReader
}

export interface RestartPolicy {
  /** Delay before the first restart. */
  readonly initialDelayMs: number
  readonly maxDelayMs: number
  readonly factor: number
  /** A service that ran this long without a fault resets the back-off. */
  readonly stableAfterMs: number
  /** How long `stop()` of a failed service may take before it is abandoned. */
  readonly stopTimeoutMs: number
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 1000,
  maxDelayMs: 60_000,
  factor: 2,
  stableAfterMs: 120_000,
  stopTimeoutMs: 10_000
}

/** The delay before restart number `attempt` (1 = first): exponential, capped. */
export function restartDelay (attempt: number, policy: RestartPolicy = DEFAULT_RESTART_POLICY): number {
  const exponent = Math.max(0, attempt - 1)
  return Math.min(policy.maxDelayMs, Math.round(policy.initialDelayMs * policy.factor ** exponent))
}

export type SupervisorState = 'idle' | 'starting' | 'running' | 'waiting' | 'stopped'

export interface SupervisorFault {
  readonly error: Error
  /** Consecutive failures so far, this one included. */
  readonly attempt: number
  /** When the next start is tried. */
  readonly retryInMs: number
}

export interface ServiceSupervisorInit {
  readonly create: () => Promise<SupervisedService>
  readonly policy?: Partial<RestartPolicy>
  /** Told about every failure (the shell shows a notification). */
  readonly onFault?: (fault: SupervisorFault) => void
  readonly onStateChange?: (state: SupervisorState) => void
}

function asError (value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value))
}

export class ServiceSupervisor implements SwarmdropApi {
  readonly #create: () => Promise<SupervisedService>
  readonly #policy: RestartPolicy
  readonly #onFault: (fault: SupervisorFault) => void
  readonly #onStateChange: (state: SupervisorState) => void
  readonly #events = new EventEmitter<{ event: [ServiceEvent] }>()
  #service: SupervisedService | null = null
  #unsubscribe: (() => void) | null = null
  #state: SupervisorState = 'idle'
  #failures = 0
  #startedAt = 0
  #timer: NodeJS.Timeout | null = null
  #restarts = 0
  #cycle: Promise<void> = Promise.resolve()
  readonly #runningWaiters = new Set<() => void>()

  constructor (init: ServiceSupervisorInit) {
    this.#create = init.create
    this.#policy = { ...DEFAULT_RESTART_POLICY, ...init.policy }
    this.#onFault = init.onFault ?? (() => {})
    this.#onStateChange = init.onStateChange ?? (() => {})
    this.#events.setMaxListeners(0)
  }

  get state (): SupervisorState { return this.#state }
  /** How many times a service was started again after a failure. */
  get restarts (): number { return this.#restarts }
  /** The running service, or null. */
  get service (): SupervisedService | null { return this.#service }

  /** Starts the first service. Resolves once it runs, or once its failure is scheduled for retry. */
  async start (): Promise<void> {
    if (this.#state !== 'idle') return
    await this.#serialize(() => this.#startOnce())
  }

  /** Reports a failure of the running service (an uncaught exception): it is stopped and restarted. */
  reportFault (error: unknown): void {
    if (this.#state === 'stopped') return
    void this.#serialize(async () => {
      if (this.#state !== 'running') return // already restarting
      await this.#stopCurrent()
      this.#failed(asError(error))
    })
  }

  /** Stops the service for good (app quit). */
  async stop (): Promise<void> {
    if (this.#timer != null) clearTimeout(this.#timer)
    this.#timer = null
    this.#setState('stopped')
    await this.#serialize(() => this.#stopCurrent())
  }

  /** Resolves once a service runs (at once if one does); rejects if `signal` aborts or the supervisor stops. */
  async whenRunning (signal?: AbortSignal): Promise<void> {
    if (this.#state === 'running') return
    if (this.#state === 'stopped') throw new ServiceUnavailableError('the node is stopped')
    signal?.throwIfAborted()
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.#runningWaiters.delete(done)
        signal?.removeEventListener('abort', done)
        if (this.#state === 'running') resolve()
        else reject(signal?.aborted === true ? signal.reason : new ServiceUnavailableError('the node is stopped'))
      }
      this.#runningWaiters.add(done)
      signal?.addEventListener('abort', done)
    })
  }

  async call<C extends CommandName> (command: C, args: CommandArgs<C>): Promise<CommandResults[C]> {
    const service = this.#service
    if (service == null || this.#state !== 'running') {
      throw new ServiceUnavailableError(this.#state === 'stopped' ? 'the node is stopped' : 'the node is restarting; try again in a moment')
    }
    return await service.call(command, args)
  }

  subscribe (listener: (event: ServiceEvent) => void): () => void {
    this.#events.on('event', listener)
    return () => { this.#events.off('event', listener) }
  }

  /** Runs lifecycle steps one at a time. */
  #serialize (step: () => Promise<void>): Promise<void> {
    const next = this.#cycle.then(step, step)
    this.#cycle = next.catch((err: unknown) => { log('a lifecycle step failed (its caller has the error): %s', err) })
    return next
  }

  async #startOnce (): Promise<void> {
    if (this.#state === 'stopped') return
    this.#setState('starting')
    let service: SupervisedService
    try {
      service = await this.#create()
    } catch (err) {
      this.#failed(asError(err))
      return
    }
    if ((this.#state as SupervisorState) === 'stopped') { // quit while starting
      await service.stop().catch((err: unknown) => { log.warn('stopping the node started during quit failed: %s', err) })
      return
    }
    this.#service = service
    this.#unsubscribe = service.subscribe(event => { this.#events.emit('event', event) })
    this.#startedAt = Date.now()
    this.#setState('running')
  }

  async #stopCurrent (): Promise<void> {
    const service = this.#service
    this.#service = null
    this.#unsubscribe?.()
    this.#unsubscribe = null
    if (service == null) return
    if (this.#state === 'running' && Date.now() - this.#startedAt >= this.#policy.stableAfterMs) this.#failures = 0
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>(resolve => { timer = setTimeout(resolve, this.#policy.stopTimeoutMs) })
    await Promise.race([service.stop().catch((err: unknown) => { log.warn('stopping the node failed: %s', err) }), timeout])
    clearTimeout(timer)
  }

  #failed (error: Error): void {
    if (this.#state === 'stopped') return
    this.#failures++
    const retryInMs = restartDelay(this.#failures, this.#policy)
    this.#setState('waiting')
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.#restarts++
      void this.#serialize(() => this.#startOnce())
    }, retryInMs)
    try { this.#onFault({ error, attempt: this.#failures, retryInMs }) } catch (err) { log.error('the fault handler failed (restarts go on): %s', err) }
  }

  #setState (state: SupervisorState): void {
    if (this.#state === state) return
    this.#state = state
    if (state === 'running' || state === 'stopped') for (const waiter of [...this.#runningWaiters]) waiter()
    try { this.#onStateChange(state) } catch (err) { log.error('the state-change handler failed on %s: %s', state, err) }
  }
}

/**
 * Routes the main process's uncaught exceptions and unhandled rejections to the supervisor instead
 * of letting them end the process (the tray and window stay up). In the main process the node is
 * the code that runs on its own (timers, sockets, streams), so such an error is taken as its fault.
 * Returns a function that removes the handlers.
 */
export function routeProcessFaults (
  proc: Pick<NodeJS.Process, 'on' | 'off'>,
  supervisor: Pick<ServiceSupervisor, 'reportFault'>,
  log: (message: string, error: unknown) => void = (message, error) => { console.error(message, error) }
): () => void {
  const onException = (error: Error): void => { log('uncaught exception in the main process', error); supervisor.reportFault(error) }
  const onRejection = (reason: unknown): void => { log('unhandled rejection in the main process', reason); supervisor.reportFault(reason) }
  proc.on('uncaughtException', onException)
  proc.on('unhandledRejection', onRejection)
  return () => {
    proc.off('uncaughtException', onException)
    proc.off('unhandledRejection', onRejection)
  }
}
