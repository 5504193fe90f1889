import { RELAY_V2_HOP_CODEC, RELAY_V2_STOP_CODEC } from '@libp2p/circuit-relay-v2'
import type { CircuitRelayServerComponents } from '@libp2p/circuit-relay-v2'
import { StreamMessageEvent } from '@libp2p/interface'
import type { Connection, PeerId, Stream, StreamHandler } from '@libp2p/interface'
import type { Registrar } from '@libp2p/interface-internal'

/** What relayed bytes are drawn from: the node's upload token bucket (bandwidth/token-bucket.ts). */
export interface ByteBudget {
  take (bytes: number, signal?: AbortSignal): Promise<void>
}

/**
 * A relayed stream may sit paused while its bytes wait for the budget; the sender can still fill
 * the yamux window it was given (at most 16 MiB), which must not overflow the stream's read buffer
 * (4 MiB by default: the stream would be reset).
 */
const RELAYED_READ_BUFFER = 17 * 1024 * 1024

/** Relayed bytes are paid for, and passed on, at most this many at a time. */
const PIECE = 64 * 1024

type Listener = EventListenerOrEventListenerObject

/** An event held back, with the listeners it is for, until the bytes before it (and its own) are paid for. */
interface Held {
  readonly event: Event
  readonly listeners: Listener[]
}

/**
 * Counts the bytes this node relays for others (circuit relay v2) and draws them from the upload
 * budget, so a relay never sends more than the user's upload cap allows, chunk uploads included.
 *
 * @libp2p/circuit-relay-v2 (4.2.13) has no hook for this: its server joins a circuit's two streams
 * (the hop stream from the dialer, the stop stream to the destination) with `pipe`, which reads
 * each through its `message` events and sends what it reads on the other. So the server is given
 * components (`meteredComponents`) whose registrar and connection manager hand it wrapped hop and
 * stop streams: each message read from one is counted once (the relay forwards each byte it reads
 * exactly once) and reaches the server's listeners only once the budget has let its bytes
 * through; meanwhile the stream is paused. A paused yamux stream sends no window updates, so the
 * sender stops at its window: back-pressure reaches the peer that sends, in both directions. The
 * end of a stream (`remoteCloseWrite`, `end`, `close`) is held back behind the messages before it.
 */
export class RelayMeter {
  #budget: ByteBudget | null = null
  #bytes = 0
  #streams = 0

  /** Bytes relayed since start: read from circuits' streams and passed on (once paid for). */
  get bytes (): number { return this.#bytes }

  /** Relayed streams open now (two per circuit, once it is joined). */
  get streams (): number { return this.#streams }

  /** Draws relayed bytes from `budget` from now on (until set, they are only counted). */
  useBudget (budget: ByteBudget): void {
    this.#budget = budget
  }

  /** The stream the relay server should use in place of `stream`: its reads are counted and budgeted. */
  meter (stream: Stream): Stream {
    stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, RELAYED_READ_BUFFER)
    this.#streams++
    const closed = new AbortController()
    stream.addEventListener('close', () => { this.#streams--; closed.abort() }, { once: true })
    // Events held back until the bytes before them are paid for, in the order they came.
    const queue: Held[] = []
    const held = new WeakMap<Event, Held>()
    // pipe() listens twice on the hop stream (as source and as sink): each message counts once
    const counted = new WeakSet<Event>()
    let draining = false

    const drain = async (): Promise<void> => {
      draining = true
      while (queue.length > 0) {
        const head = queue[0]!
        if (head.event instanceof StreamMessageEvent) {
          // Paid for and passed on in pieces: a message read after a pause holds all that was
          // buffered (up to the yamux window), and the bucket would let a request larger than
          // its burst through at once, in debt.
          const data = head.event.data
          for (let at = 0; at < data.byteLength; at += PIECE) {
            const end = Math.min(at + PIECE, data.byteLength)
            // closed meanwhile: what is left is passed on at once (the stream is gone anyway)
            if (!closed.signal.aborted) await this.#budget?.take(end - at, closed.signal).catch(() => {})
            this.#bytes += end - at
            const piece = at === 0 && end === data.byteLength ? head.event : new StreamMessageEvent(data.subarray(at, end))
            for (const listener of head.listeners) deliver(listener, piece)
          }
        } else {
          for (const listener of head.listeners) deliver(listener, head.event)
        }
        queue.shift()
      }
      draining = false
      if (stream.readStatus === 'paused') stream.resume()
    }

    const deliver = (listener: Listener, evt: Event): void => {
      try {
        if (typeof listener === 'function') listener(evt)
        else listener.handleEvent(evt)
      } catch (err) {
        stream.log.error('relayed stream listener failed - %e', err)
      }
    }

    const hold = (evt: Event, listener: Listener): void => {
      let entry = held.get(evt)
      if (entry == null) {
        const message = evt instanceof StreamMessageEvent
        if (!message && stream.readStatus === 'paused') {
          // The remote closed (or the stream ended) while data waits in the paused stream's
          // buffer: take it into the queue first, so the close is passed on after it.
          stream.resume()
        }
        if (this.#budget == null || (!message && queue.length === 0)) {
          if (message && !counted.has(evt)) { counted.add(evt); this.#bytes += evt.data.byteLength }
          deliver(listener, evt) // nothing to pay for, nothing ahead of it
          return
        }
        entry = { event: evt, listeners: [] }
        held.set(evt, entry)
        queue.push(entry)
        if (message && stream.readStatus === 'readable') stream.pause()
        if (!draining) void drain()
      }
      entry.listeners.push(listener)
    }

    const wrapped = new WeakMap<Listener, Listener>()
    const wrap = (listener: Listener): Listener => {
      let w = wrapped.get(listener)
      if (w == null) {
        w = (evt: Event) => { hold(evt, listener) }
        wrapped.set(listener, w)
      }
      return w
    }
    const heldBack = (type: string): boolean => type === 'message' || type === 'remoteCloseWrite' || type === 'end' || type === 'close'

    return new Proxy(stream, {
      get (target, prop) {
        if (prop === 'addEventListener') {
          return (type: string, listener: Listener | null, options?: AddEventListenerOptions | boolean) => {
            (target as unknown as EventTarget).addEventListener(type, heldBack(type) && listener != null ? wrap(listener) : listener, options)
          }
        }
        if (prop === 'removeEventListener') {
          return (type: string, listener: Listener | null, options?: EventListenerOptions | boolean) => {
            (target as unknown as EventTarget).removeEventListener(type, heldBack(type) && listener != null ? (wrapped.get(listener) ?? listener) : listener, options)
          }
        }
        const value: unknown = Reflect.get(target, prop, target)
        return typeof value === 'function' ? value.bind(target) : value
      }
    })
  }

  /**
   * The components to build a circuit relay server with: `components`, except that the hop
   * streams its registrar hands over, and the stop streams it opens on the connection manager's
   * connections, are metered.
   */
  meteredComponents<C extends CircuitRelayServerComponents>(components: C): C {
    const registrar = rewrap(components.registrar, {
      handle: async (protocol: string, handler: StreamHandler, options?: Parameters<Registrar['handle']>[2]) => {
        const metered: StreamHandler = protocol === RELAY_V2_HOP_CODEC ? async (stream, connection) => { await handler(this.meter(stream), connection) } : handler
        await components.registrar.handle(protocol, metered, options)
      }
    })
    const connectionManager = rewrap(components.connectionManager, {
      getConnections: (peerId?: PeerId) => components.connectionManager.getConnections(peerId).map(c => this.#meteredConnection(c))
    })
    return rewrap(components, { registrar, connectionManager } as Partial<C>)
  }

  #meteredConnection (connection: Connection): Connection {
    return rewrap(connection, {
      newStream: async (protocols: string | string[], options?: Parameters<Connection['newStream']>[1]) => {
        const stream = await connection.newStream(protocols, options)
        return [protocols].flat().includes(RELAY_V2_STOP_CODEC) ? this.meter(stream) : stream
      }
    })
  }
}

/** `target` with some properties replaced; every other method is called on `target` itself. */
function rewrap<T extends object> (target: T, replaced: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(target, {
    get (t, prop) {
      if (Object.hasOwn(replaced, prop)) return replaced[prop as keyof T]
      const value: unknown = Reflect.get(t, prop, t)
      return typeof value === 'function' ? value.bind(t) : value
    }
  })
}
