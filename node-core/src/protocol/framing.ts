import { LengthPrefixedDecoder } from '@libp2p/utils'
import * as varint from 'uint8-varint'
import { Uint8ArrayList } from 'uint8arraylist'
import type { Stream } from '@libp2p/interface'

const FEED_SLICE_BYTES = 64 * 1024

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
    // The stream may hand over many frames at once (up to the muxer's window, 16 MiB), so input is
    // fed to the decoder in slices: its buffer then never holds more than one partial frame plus
    // one slice, and a cap on it cannot be tripped by an honest peer sending fast.
    const decoder = new LengthPrefixedDecoder({ maxDataLength: this.#maxFrameBytes, maxBufferSize: this.#maxFrameBytes + FEED_SLICE_BYTES + 16 })
    for await (const chunk of this.stream) {
      for (const buf of chunk instanceof Uint8Array ? [chunk] : chunk) {
        for (let at = 0; at < buf.byteLength; at += FEED_SLICE_BYTES) {
          for (const frame of decoder.decode(buf.subarray(at, at + FEED_SLICE_BYTES))) yield frame.subarray()
        }
      }
    }
  }

  /** Sends one frame, waiting for the stream to drain when its buffer is full. Calls are serialised. */
  send (payload: Uint8Array): Promise<void> {
    const next = this.#writing.then(async () => {
      const frame = new Uint8ArrayList(varint.encode(payload.byteLength), payload)
      if (!this.stream.send(frame)) await this.stream.onDrain()
    })
    this.#writing = next.catch(() => {})
    return next
  }

  async close (): Promise<void> {
    await this.#writing
    await this.stream.close().catch(() => {})
  }

  abort (err: Error): void {
    this.stream.abort(err)
  }
}
