/**
 * Stream framing for TCP on port 2644 (protocol/tunnel/SPEC.md §6). Both kinds of frame carry their own
 * whole length at bytes 2-3, so neither needs a prefix:
 *  - native frames (`IX`), delimited by the native `length` field ({@link NativeDeframer});
 *  - bare IPX packets (`FF FF`), delimited by the IPX length field, as the js-dos relay frames DOSBox
 *    traffic over a stream (docs/ipx-reference.md B8) ({@link IpxLengthDeframer}).
 *
 * The deframers are generators in the style of yamux's `Decoder`: a chunk yields zero or more frames
 * and the remainder is kept; "need more bytes" is not an error. Chunks are kept in a list, never
 * concatenated as a whole: a frame inside one chunk is yielded as a view (no copy), and a frame that
 * spans chunks is copied once into a buffer of its exact size, so the work is linear in the bytes.
 * A framing error is sticky: the stream is desynchronised and the caller closes the connection.
 */
import { DecodeError, EncodeError, OptionsError } from '../errors.js'
import { IPX_HEADER_LENGTH, hex } from '../constants.js'
import { NATIVE_HEADER_LENGTH, NATIVE_MAGIC, NATIVE_MAX_LENGTH } from './frame.js'

/** Options of a deframer. */
export interface DeframerOptions {
  /** Largest frame accepted, in bytes (default and ceiling 65 535, the u16 length). */
  maxLength?: number
}

/** Compacts the chunk list once this many chunks are consumed (and they are at least half of it). */
const COMPACT_AFTER = 64

/** The shared machinery: a chunk list and the length-at-bytes-2-3 rule. */
abstract class LengthFieldDeframer {
  #chunks: Buffer[] = []
  /** Index of the first chunk still holding unread bytes. */
  #first = 0
  /** Read position inside `#chunks[#first]`. */
  #head = 0
  #buffered = 0
  /** Stream offset of the next unread byte (for error offsets). */
  #position = 0
  #error: DecodeError | undefined
  protected readonly maxLength: number

  constructor (options: DeframerOptions | undefined, protected readonly minLength: number) {
    const max = options?.maxLength ?? NATIVE_MAX_LENGTH
    if (!(Number.isInteger(max) && max >= minLength && max <= NATIVE_MAX_LENGTH)) {
      throw new OptionsError('tunnel', 'maxLength', `${max} is not in ${minLength}..65535`)
    }
    this.maxLength = max
  }

  /** Bytes received and not yet yielded. */
  get bufferedBytes (): number {
    return this.#buffered
  }

  /** Stream offset of the next frame's first byte. */
  get position (): number {
    return this.#position
  }

  /**
   * Takes a chunk and returns a generator of the whole frames now available. The chunk is stored at
   * once, even if the generator is never iterated. Iterating throws {@link DecodeError} on a framing
   * error, and every later call throws it again (the caller closes the connection).
   * Yielded buffers may be views into the chunks given: copy one to keep it past its chunk's reuse.
   */
  push (chunk: Uint8Array): Generator<Buffer, void, undefined> {
    if (this.#error === undefined && chunk.length > 0) {
      this.#chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length))
      this.#buffered += chunk.length
    }
    return this.#frames()
  }

  * #frames (): Generator<Buffer, void, undefined> {
    for (;;) {
      if (this.#error !== undefined) throw this.#error
      if (this.#buffered < 2) return
      const fault = this.checkStart(this.#byteAt(0), this.#byteAt(1), this.#position)
      if (fault !== undefined) throw (this.#error = fault)
      if (this.#buffered < 4) return
      const length = (this.#byteAt(2) << 8) | this.#byteAt(3)
      if (length < this.minLength) {
        throw (this.#error = new DecodeError('tunnel', 'IPX_ERR_BAD_LENGTH', this.#position + 2,
          `frame length ${length} is below ${this.minLength}; the stream is desynchronised`))
      }
      if (length > this.maxLength) {
        throw (this.#error = new DecodeError('tunnel', 'IPX_ERR_LENGTH_TOO_LARGE', this.#position + 2,
          `frame length ${length} exceeds the maximum ${this.maxLength}`))
      }
      if (this.#buffered < length) return
      yield this.#take(length)
    }
  }

  /** Checks the first two bytes of a frame; a DecodeError to throw, or undefined. */
  protected abstract checkStart (b0: number, b1: number, position: number): DecodeError | undefined

  /** The byte `i` places after the read position; `i < #buffered`. At most 4 chunk steps here. */
  #byteAt (i: number): number {
    let c = this.#first
    let at = this.#head + i
    for (;;) {
      const chunk = this.#chunks[c]!
      if (at < chunk.length) return chunk[at]!
      at -= chunk.length
      c++
    }
  }

  /** Removes `n ≤ #buffered` bytes from the front: a view when they lie in one chunk, else one copy. */
  #take (n: number): Buffer {
    const chunk = this.#chunks[this.#first]!
    let out: Buffer
    if (chunk.length - this.#head >= n) {
      out = chunk.subarray(this.#head, this.#head + n)
      this.#head += n
      if (this.#head === chunk.length) this.#dropFirst()
    } else {
      out = Buffer.allocUnsafe(n)
      let filled = 0
      while (filled < n) {
        const c = this.#chunks[this.#first]!
        const count = Math.min(c.length - this.#head, n - filled)
        c.copy(out, filled, this.#head, this.#head + count)
        filled += count
        this.#head += count
        if (this.#head === c.length) this.#dropFirst()
      }
    }
    this.#buffered -= n
    this.#position += n
    return out
  }

  #dropFirst (): void {
    this.#chunks[this.#first] = EMPTY
    this.#first++
    this.#head = 0
    if (this.#first === this.#chunks.length) {
      this.#chunks = []
      this.#first = 0
    } else if (this.#first >= COMPACT_AFTER && this.#first * 2 >= this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#first)
      this.#first = 0
    }
  }
}

const EMPTY = Buffer.alloc(0)

/**
 * Native frames on TCP, back to back, each delimited by its own `length` (bytes 2-3). Throws
 * IPX_ERR_BAD_MAGIC when a frame does not start with `IX`, IPX_ERR_BAD_LENGTH below 28 and
 * IPX_ERR_LENGTH_TOO_LARGE above `maxLength`. Decode each yielded frame with `decode`.
 */
export class NativeDeframer extends LengthFieldDeframer {
  constructor (options?: DeframerOptions) {
    super(options, NATIVE_HEADER_LENGTH)
  }

  protected checkStart (b0: number, b1: number, position: number): DecodeError | undefined {
    const magic = (b0 << 8) | b1
    return magic === NATIVE_MAGIC
      ? undefined
      : new DecodeError('tunnel', 'IPX_ERR_BAD_MAGIC', position, `frame starts with 0x${hex(magic, 4)}, not "IX"; the stream is desynchronised`)
  }
}

/**
 * Bare IPX packets on a stream, each delimited by the IPX length field (bytes 2-3), as the js-dos
 * relay frames DOSBox traffic. Throws IPX_ERR_BAD_LENGTH on a length below 30 (Novell IPX: the
 * length includes the 30-byte header) and IPX_ERR_LENGTH_TOO_LARGE above `maxLength` (DOSBox's
 * 1424-byte `IPXBUFFERSIZE` is a sensible setting for DOSBox peers). The checksum bytes are not
 * checked: a real checksum is legal IPX.
 */
export class IpxLengthDeframer extends LengthFieldDeframer {
  constructor (options?: DeframerOptions) {
    super(options, IPX_HEADER_LENGTH)
  }

  protected checkStart (): DecodeError | undefined {
    return undefined
  }
}

/**
 * The TCP encoding of one frame, native or IPX: the frame itself, since both carry their whole
 * length at bytes 2-3 (SPEC.md §6). Checks that the length field equals the buffer's size and at least
 * the smaller minimum of the two kinds, then returns the same buffer (no copy, no prefix).
 * Throws {@link EncodeError}.
 */
export function frameForTcp (frame: Buffer): Buffer {
  if (frame.length < 4) {
    throw new EncodeError('tunnel', 'IPX_ERR_FIELD_RANGE', `a ${frame.length}-byte buffer is not a frame`, 'length')
  }
  const length = (frame[2]! << 8) | frame[3]!
  const native = ((frame[0]! << 8) | frame[1]!) === NATIVE_MAGIC
  const min = native ? NATIVE_HEADER_LENGTH : IPX_HEADER_LENGTH
  if (length !== frame.length || length < min) {
    throw new EncodeError('tunnel', 'IPX_ERR_FIELD_RANGE', `length field ${length} disagrees with the ${frame.length}-byte ${native ? 'native frame' : 'IPX packet'}`, 'length')
  }
  return frame
}
