import { ProtocolError, SwarmdropError } from '../errors.ts'
import { logger } from '../log/logger.ts'
import { terminalText } from '../text/peer-text.ts'
import { MANIFEST_LIMITS } from '../manifest/limits.ts'
import { HANDSHAKE_TIMEOUT_MS, MANIFEST_PIECE_TIMEOUT_MS, MAX_SERVER_MESSAGE_BYTES } from './constants.ts'
import { FramedStream } from './framing.ts'
import { decodeServerMessage, encodeMessage } from './messages.ts'
import type { ChunkBytes } from '../storage/file-handles.ts'
import type { ErrorCode } from './constants.ts'
import type { ServerMessage } from './messages.ts'
import type { Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

const log = logger('swarmdrop:chunk-client')

export interface SourceSessionEvents {
  /** `data` may be the pieces the chunk arrived in (not joined). */
  onBlock (index: number, data: ChunkBytes): void
  onHave (index: number): void
  onPeers (addresses: readonly string[]): void
  onError (code: ErrorCode, index: number | undefined, message: string | undefined): void
  onClose (err: Error | undefined): void
}

/**
 * A server refused the session (unknown share, busy, ...); `code` is the server's, `message` its
 * words escaped; `peers`: other members of the swarm it named to try instead (a `busy` refusal).
 */
export class SessionRefusedError extends SwarmdropError {
  declare readonly code: ErrorCode
  readonly peers: readonly string[]
  constructor (code: ErrorCode, message: string, peers: readonly string[] = []) {
    super(code, terminalText(message, 300))
    this.name = 'SessionRefusedError'
    this.peers = peers
  }
}

/**
 * The downloader's end of one chunk-exchange stream with one source for one share. `open` sends
 * HELLO and waits for WELCOME; then the manifest can be fetched in pieces, chunks requested and
 * cancelled, and the server's BLOCK / HAVE / PEERS / ERROR messages arrive as callbacks.
 */
export class SourceSession {
  readonly peerId: string
  readonly manifestSize: number
  /** The source's bitfield as sent in WELCOME (its length is checked once the manifest is known). */
  readonly initialHave: Uint8Array
  readonly initialPeers: readonly string[]
  readonly #framed: FramedStream
  readonly #frames: AsyncGenerator<Uint8ArrayList>
  #events: SourceSessionEvents | null = null
  #manifestWaiter: { offset: number, resolve: (data: Uint8Array) => void, reject: (err: Error) => void } | null = null
  #closed = false

  private constructor (peerId: string, framed: FramedStream, frames: AsyncGenerator<Uint8ArrayList>, welcome: Extract<ServerMessage, { t: 'welcome' }>) {
    this.peerId = peerId
    this.#framed = framed
    this.#frames = frames
    this.manifestSize = welcome.manifestSize
    this.initialHave = welcome.have
    this.initialPeers = welcome.peers
  }

  static async open (stream: Stream, peerId: string, shareId: string): Promise<SourceSession> {
    const framed = new FramedStream(stream, MAX_SERVER_MESSAGE_BYTES)
    const frames = framed.frameLists()
    await framed.send(encodeMessage({ t: 'hello', share: shareId }))
    const timer = setTimeout(() => { framed.abort(new SwarmdropError('unreachable', 'no WELCOME in time')) }, HANDSHAKE_TIMEOUT_MS)
    try {
      const first = await frames.next()
      if (first.done === true) throw new SessionRefusedError('unavailable', 'source closed the stream before WELCOME')
      const m = decodeServerMessage(first.value)
      if (m.t === 'error') throw new SessionRefusedError(m.code, m.message ?? m.code, m.peers)
      if (m.t !== 'welcome') throw new ProtocolError(`expected WELCOME, got ${m.t}`)
      if (m.manifestSize === 0 || m.manifestSize > MANIFEST_LIMITS.maxManifestBytes) throw new ProtocolError(`manifest size ${m.manifestSize} out of bounds`)
      return new SourceSession(peerId, framed, frames, m)
    } catch (err) {
      framed.abort(err as Error)
      throw err
    } finally {
      clearTimeout(timer)
    }
  }

  /** Starts delivering messages to `events`. */
  start (events: SourceSessionEvents): void {
    this.#events = events
    this.#readLoop().then(() => { this.#finish(undefined) }, err => { this.#finish(err as Error) })
  }

  async #readLoop (): Promise<void> {
    for await (const frame of this.#frames) {
      const m = decodeServerMessage(frame)
      const events = this.#events!
      switch (m.t) {
        case 'block': events.onBlock(m.index, m.data); break
        case 'have': events.onHave(m.index); break
        case 'peers': events.onPeers(m.peers); break
        case 'manifest-piece': {
          const w = this.#manifestWaiter
          if (w == null || w.offset !== m.offset) throw new ProtocolError('unrequested MANIFEST_PIECE')
          this.#manifestWaiter = null
          w.resolve(m.data)
          break
        }
        case 'error':
          if (m.index === undefined && this.#manifestWaiter != null) {
            const w = this.#manifestWaiter
            this.#manifestWaiter = null
            w.reject(new SessionRefusedError(m.code, m.message ?? m.code))
          } else {
            events.onError(m.code, m.index, m.message)
          }
          break
        case 'welcome': throw new ProtocolError('WELCOME sent twice')
      }
    }
  }

  #finish (err: Error | undefined): void {
    if (this.#closed) return
    this.#closed = true
    this.#manifestWaiter?.reject(err ?? new SwarmdropError('disconnected', 'session closed'))
    this.#manifestWaiter = null
    // Ended cleanly (by us, or by the server draining its side): close ours too, so the server's
    // session ends as well rather than waiting for a deadline.
    if (err != null) this.#framed.abort(err)
    else this.#framed.close().catch((e: unknown) => { log('closing the session with %s: %s', this.peerId, e) })
    this.#events?.onClose(err)
  }

  get closed (): boolean { return this.#closed }

  /**
   * Fetches the manifest in pieces (requires `start`). The caller checks the bytes against the
   * share ID. A piece not received within `pieceTimeoutMs` ends the session (`unreachable`).
   */
  async fetchManifest (pieceTimeoutMs = MANIFEST_PIECE_TIMEOUT_MS): Promise<Uint8Array> {
    const out = new Uint8Array(this.manifestSize)
    let offset = 0
    while (offset < out.length) {
      const piece = await new Promise<Uint8Array>((resolve, reject) => {
        const timer = setTimeout(() => { this.#finish(new SwarmdropError('unreachable', `no manifest piece within ${pieceTimeoutMs / 1000} s`)) }, pieceTimeoutMs)
        this.#manifestWaiter = {
          offset,
          resolve: data => { clearTimeout(timer); resolve(data) },
          reject: err => { clearTimeout(timer); reject(err) }
        }
        this.#framed.send(encodeMessage({ t: 'manifest', offset })).catch((err: unknown) => { clearTimeout(timer); reject(err as Error) })
      })
      if (piece.length === 0 || offset + piece.length > out.length) throw new ProtocolError('manifest piece has a bad length')
      out.set(piece, offset)
      offset += piece.length
    }
    return out
  }

  request (index: number): void {
    this.#framed.send(encodeMessage({ t: 'request', index })).catch(err => { this.#finish(err as Error) })
  }

  cancel (index: number): void {
    this.#framed.send(encodeMessage({ t: 'cancel', index })).catch((err: unknown) => { log('cancel of chunk %d to %s not sent: %s', index, this.peerId, err) })
  }

  /** Ends the session politely. */
  close (): void {
    this.#finish(undefined)
  }

  /** Ends the session at once (bad source). */
  abort (reason: Error): void {
    this.#finish(reason)
  }
}
