/**
 * One admitted (peer, share) stream, from WELCOME to close: the framed stream, the share served,
 * what the serving policy shows this downloader, the queue of requested chunks and the loop that
 * sends them as the upload budget allows. Each message from the downloader goes to its handler
 * (handlers/); the server (../chunk-server.ts) admits sessions and keeps the registry.
 */
import { logger } from '../../log/logger.ts'
import { dispatch } from './handlers/index.ts'
import { decodeClientMessage, encodeBlock, encodeMessage } from '../messages.ts'
import { HaveBatch } from './have-batch.ts'
import type { ServingPolicy, SessionLink, SessionPolicy } from './serving-policy.ts'
import type { TokenBucket } from '../../bandwidth/token-bucket.ts'
import type { UploadTurns } from '../../scheduler/upload-turns.ts'
import type { ServedShare } from '../../storage/served-share.ts'
import type { FramedStream } from '../framing.ts'
import type { Uint8ArrayList } from 'uint8arraylist'
import type { ServerMessage } from '../messages.ts'
import type { BudgetKind, Verdict } from '../../scheduler/peer-budget.ts'
import { SwarmdropError } from '../../errors.ts'

const log = logger('swarmdrop:chunk-server')

/** What a session needs of the server. */
export interface SessionContext {
  /** The share as served now, by ID. */
  lookup (shareId: string): ServedShare | undefined
  readonly uploadLimit: TokenBucket
  /** Upload turns shared by every session (scheduler/upload-turns.ts); none: every session sends at once. */
  readonly uploadTurns?: UploadTurns
  onUpload? (shareId: string, peerId: string, bytes: number): void
  /** Charges a message to the peer's budget (scheduler/peer-budget.ts); `over` has already closed its connection. */
  charge? (kind: BudgetKind): Verdict
  /** Whether this session's downloader is known to have a chunk of a share already (it serves us too). */
  peerHas? (shareId: string, index: number): boolean
}

export class ServerSession implements SessionLink {
  readonly framed: FramedStream
  readonly peerId: string
  /** The share named in HELLO. */
  readonly share: ServedShare
  readonly #context: SessionContext
  readonly #policy: SessionPolicy
  /** Requested chunks not taken by the upload loop yet, in order. */
  readonly #queue: number[] = []
  /** The chunk taken from the queue and not yet sent, with a way to call it off while it waits for upload budget. */
  #sending: { readonly index: number, readonly cancel: AbortController } | null = null
  #wake: (() => void) | null = null
  #ended = false
  /** Set by drain(): no request is taken any more. */
  #draining = false
  /** drain()'s deadline, cleared when the session ends. */
  #drainTimer: NodeJS.Timeout | undefined
  /** Aborted when the session ends: calls off a wait for upload budget. */
  readonly #closing = new AbortController()
  #unsubscribe: (() => void) | null = null
  /** HAVEs waiting to go out together (have-batch.ts). */
  readonly #haves = new HaveBatch(() => { this.#write([]).catch(err => { log('HAVEs to %s not sent: %s', this.peerId, err) }) })

  /** Opens the session's view of `policy`, `others` sessions of the share being open already. */
  constructor (framed: FramedStream, peerId: string, share: ServedShare, context: SessionContext, policy: ServingPolicy, others: number) {
    this.framed = framed
    this.peerId = peerId
    this.share = share
    this.#context = context
    this.#policy = policy.open(share, others, this)
  }

  /** Sends a message (encoded now, sent after those before it, with the HAVEs queued in front). */
  send (message: ServerMessage): Promise<void> {
    return this.#write([encodeMessage(message)])
  }

  /** Writes the queued HAVEs and then `frames`, all in one write. */
  #write (frames: ReadonlyArray<Uint8Array | Uint8ArrayList>): Promise<void> {
    const haves = this.#haves.take()
    return this.framed.sendAll(haves.length === 0 ? frames : [...haves, ...frames])
  }

  /**
   * Sends a message nothing waits for. It fails only when the stream is gone, which the session's
   * own loop sees and reports; here it is a debug line.
   */
  post (message: ServerMessage): void {
    this.send(message).catch(err => { log('%s to %s not sent: %s', message.t, this.peerId, err) })
  }

  /**
   * Sends a message whose payload counts against the upload cap like a chunk does (a manifest
   * piece): a peer asking for the manifest again and again gets it no faster than the cap allows.
   */
  async sendMetered (message: ServerMessage, bytes: number): Promise<void> {
    await this.#context.uploadLimit.take(bytes, this.#closing.signal)
    await this.send(message)
  }

  /**
   * Whether a message of this kind may be acted on: within the peer's budget, yes; past it, no (it
   * is ignored, unanswered); past its debt too, the session ends (throws) and the peer is shut out.
   */
  allow (kind: BudgetKind): boolean {
    const verdict = this.#context.charge?.(kind) ?? 'ok'
    if (verdict === 'over') throw new SwarmdropError('protocol', `flooded us past its ${kind} budget`)
    return verdict === 'ok'
  }

  /** Queues a HAVE (none to a downloader known to have the chunk): it goes out within HAVE_WINDOW_MS, with any others of the window. */
  tellHave (index: number): void {
    if (this.#context.peerHas?.(this.share.shareId, index) === true) return
    this.#haves.add(index)
  }

  /**
   * Sends WELCOME (manifest size, what the policy shows, the swarm's addresses) and starts pushing
   * HAVE for every chunk the share gets from now on, in the same tick, so no chunk falls between
   * the two. Nothing may be sent before it.
   */
  welcome (peers: readonly string[]): Promise<void> {
    const sent = this.send({ t: 'welcome', manifestSize: this.share.manifestBytes.length, have: this.#policy.have, peers })
    this.#unsubscribe = this.share.onHave(index => { this.tellHave(index) })
    return sent
  }

  /** Requests queued and not yet taken by the upload loop. */
  get queued (): number {
    return this.#queue.length
  }

  /** Queues a request (already checked: in range, room in the queue); none is taken while draining. */
  enqueue (index: number): void {
    if (this.#draining) return
    this.#queue.push(index)
    this.#wakeUp()
    this.#policy.requested(index)
  }

  /** Calls a request off: out of the queue, or, waiting for upload budget, never sent. */
  cancel (index: number): void {
    const at = this.#queue.indexOf(index)
    if (at >= 0) this.#queue.splice(at, 1)
    else if (this.#sending?.index === index) this.#sending.cancel.abort()
    else return
    this.#policy.cancelled(index)
  }

  /**
   * Ends the session without losing what was sent (a share no longer served, by choice or by a
   * seeding limit): no request is taken from now on, the queued ones are dropped, the frames
   * already written (and the chunk being written) reach the downloader, then our side closes; the
   * downloader asks its other sources for the rest. If the stream is not over within `deadlineMs`
   * (a downloader that never closes its side), it is aborted.
   */
  drain (deadlineMs: number): void {
    if (this.#draining) return
    this.#draining = true
    this.#ended = true
    this.#queue.length = 0
    this.#sending?.cancel.abort()
    this.#wakeUp()
    this.#drainTimer = setTimeout(() => { this.framed.abort(new SwarmdropError('unavailable', 'share no longer served')) }, deadlineMs)
    this.framed.close().catch((err: unknown) => { log('closing a drained session with %s: %s', this.peerId, err) })
  }

  /**
   * Answers the downloader's messages, once `welcomeSent`, until it closes its side; then sends
   * what is queued and closes. Rejects when the stream fails or the downloader breaks the protocol.
   */
  async serve (frames: AsyncGenerator<Uint8Array>, welcomeSent: Promise<void>): Promise<void> {
    const uploads = this.#upload()
    // Awaited below when the downloader closes; on any other way out the stream is aborted and the
    // loop's failure (a send on a dead stream) is only worth a debug line.
    uploads.catch(err => { log('uploads to %s stopped: %s', this.peerId, err) })
    try {
      await welcomeSent
      for await (const frame of frames) {
        if (this.#draining) continue // read to the downloader's end, answering nothing
        const handled = dispatch(this, decodeClientMessage(frame))
        if (handled != null) await handled
      }
      this.#ended = true
      this.#wakeUp()
      await uploads
      await this.framed.close()
    } finally {
      clearTimeout(this.#drainTimer)
      this.#ended = true
      this.#closing.abort()
      this.#queue.length = 0
      this.#sending?.cancel.abort()
      this.#wakeUp()
      this.#unsubscribe?.()
      this.#haves.take()
      this.#policy.closed()
    }
  }

  #wakeUp (): void {
    const wake = this.#wake
    this.#wake = null
    wake?.()
  }

  /** Sends the queued chunks in order, each once the upload budget allows. */
  async #upload (): Promise<void> {
    const shareId = this.share.shareId
    while (true) {
      if (this.#queue.length === 0) {
        if (this.#ended) return
        await new Promise<void>(resolve => { this.#wake = resolve })
        continue
      }
      const index = this.#queue.shift()!
      const sending = { index, cancel: new AbortController() }
      this.#sending = sending
      let data: Uint8Array
      try {
        // From what is served now, not what was at HELLO: a download that finishes moves its files
        // and is served from them from then on (the service swaps it for a seeded share), and a
        // session opened while it was downloading must follow, or it answers `unavailable` for good.
        data = await (this.#context.lookup(shareId) ?? this.share).readChunk(index)
      } catch (err) {
        this.#sending = null
        log.warn('chunk %d of %s unavailable to %s: %s', index, shareId, this.peerId, err)
        await this.send({ t: 'error', code: 'unavailable', index, message: (err as Error).message.slice(0, 200) })
        continue
      }
      const turns = this.#context.uploadTurns
      let turn = false
      try {
        // Cancelled while it waits for its turn or for budget (the downloader got the chunk from
        // another source in the endgame, or gave up waiting), or the session ended: never sent,
        // and the turn and budget go to the next chunk. A capped seed keeps a crowd's requests
        // waiting about a second.
        await turns?.take(this.peerId, sending.cancel.signal)
        turn = turns != null
        await this.#context.uploadLimit.take(data.length, sending.cancel.signal)
      } catch (err) {
        if (turn) turns!.release()
        if (!sending.cancel.signal.aborted) log.error('upload budget for chunk %d to %s failed: %s', index, this.peerId, err)
        continue
      } finally {
        this.#sending = null
      }
      try {
        await this.#write([encodeBlock(index, data)])
      } finally {
        if (turn) turns!.release()
      }
      if (log.enabled) log.trace('sent chunk %d of %s to %s', index, shareId, this.peerId)
      this.#policy.sent(index)
      this.#context.onUpload?.(shareId, this.peerId, data.length)
    }
  }
}
