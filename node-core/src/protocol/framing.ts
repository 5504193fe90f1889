import { LengthPrefixedDecoder } from '@libp2p/utils'
import * as varint from 'uint8-varint'
import { Uint8ArrayList } from 'uint8arraylist'
import { ProtocolError } from '../errors.ts'
import { logger } from '../log/logger.ts'
import type { Stream } from '@libp2p/interface'

const log = logger('swarmdrop:framing')

const FEED_SLICE_BYTES = 64 * 1024

/**
 * Runs the decoder over one slice of input, turning its errors (a length over the cap, a length
 * prefix that never ends) into a ProtocolError: the caller sees one typed error for bad input.
 */
function decodeFrames (decoder: LengthPrefixedDecoder, slice: Uint8Array): Uint8ArrayList[] {
  try {
    return [...decoder.decode(slice)].map(frame => frame instanceof Uint8Array ? new Uint8ArrayList(frame) : frame)
  } catch (err) {
    throw new ProtocolError(`bad frame: ${(err as Error).message}`, { cause: err })
  }
}

/**
 * Length-prefixed frames (unsigned varint length, then the bytes) over a libp2p stream, with a
 * hard cap on the frame size: a larger announced length aborts the stream before any of it is
 * buffered.
 */
export class FramedStream {
  readonly stream: Stream
  readonly #maxFrameBytes: number
  #writing: Promise<void> = Promise.resolve()

  constructor (stream: Stream, maxFrameBytes: number) {
    this.stream = stream
    this.#maxFrameBytes = maxFrameBytes
  }

  /** Yields each frame's bytes; ends when the remote closes its side. */
  async * frames (): AsyncGenerator<Uint8Array> {
    for await (const frame of this.frameLists()) yield frame.subarray()
  }

  /**
   * Yields each frame as the pieces it arrived in (views into the stream's buffers, not joined:
   * a chunk is hashed and written piece by piece); ends when the remote closes its side.
   */
  async * frameLists (): AsyncGenerator<Uint8ArrayList> {
    // The stream may hand over many frames at once (up to the muxer's window, 16 MiB), so input is
    // fed to the decoder in slices: its buffer then never holds more than one partial frame plus
    // one slice, and a cap on it cannot be tripped by an honest peer sending fast.
    const decoder = new LengthPrefixedDecoder({ maxDataLength: this.#maxFrameBytes, maxBufferSize: this.#maxFrameBytes + FEED_SLICE_BYTES + 16 })
    let pending = 0 // bytes fed to the decoder and not yet returned as part of a frame
    for await (const chunk of this.stream) {
      for (const buf of chunk instanceof Uint8Array ? [chunk] : chunk) {
        for (let at = 0; at < buf.byteLength; at += FEED_SLICE_BYTES) {
          const slice = buf.subarray(at, at + FEED_SLICE_BYTES)
          pending += slice.byteLength
          for (const frame of decodeFrames(decoder, slice)) {
            pending -= varint.encodingLength(frame.byteLength) + frame.byteLength
            yield frame
          }
        }
      }
    }
    if (pending !== 0) throw new ProtocolError(`stream ended inside a frame (${pending} bytes left over)`)
  }

  /** Sends one frame, waiting for the stream to drain when its buffer is full. Calls are serialised. */
  send (payload: Uint8Array | Uint8ArrayList): Promise<void> {
    return this.sendAll([payload])
  }

  /**
   * Sends several frames, back to back, in one write (one muxer frame and one encrypted frame
   * rather than one each, when they fit). The reader sees the same frames as from separate sends.
   */
  sendAll (payloads: ReadonlyArray<Uint8Array | Uint8ArrayList>): Promise<void> {
    const next = this.#writing.then(async () => {
      const frame = new Uint8ArrayList()
      for (const payload of payloads) frame.append(varint.encode(payload.byteLength), payload)
      if (!this.stream.send(frame)) await this.stream.onDrain()
    })
    this.#writing = next.catch(() => { /* the caller of this send gets the error; later sends still run */ })
    return next
  }

  async close (): Promise<void> {
    await this.#writing
    await this.stream.close().catch((err: unknown) => { log('closing a stream: %s', err) }) // already reset or closed by the other side
  }

  abort (err: Error): void {
    this.stream.abort(err)
  }
}
