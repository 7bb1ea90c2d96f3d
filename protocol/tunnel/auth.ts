/**
 * Authentication and anti-replay for native frames (protocol/tunnel/SPEC.md §4, §5).
 *
 * - Tag: HMAC-SHA-256 (RFC 2104) over every byte before the tag, truncated to 128 bits as IPsec's
 *   AUTH_HMAC_SHA2_256_128 does (RFC 4868 §2.6), compared in constant time. `node:crypto` is pure
 *   computation here: no I/O.
 * - Replay: the bitmap window of RFC 6479 (no bit shifting), with the check/accept order of
 *   RFC 4303 §3.4.3, over 32-bit sequence numbers compared with serial-number arithmetic (RFC 1982).
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { EncodeError } from '../errors.js'
import { AUTH_TAG_LENGTH, FrameFlag, NATIVE_HEADER_LENGTH, NATIVE_MAGIC, NativeOffset } from './frame.js'

/** Shortest pre-shared key accepted by {@link sign}; RFC 2104 §3 discourages keys shorter than 32. */
export const MIN_KEY_LENGTH = 16

/** Outcome of {@link verify}. String literals, so returning one allocates nothing. */
export type VerifyResult =
  /** The tag is right for the key `keyId` names. */
  | 'ok'
  /** The authenticated flag is clear: there is no tag. */
  | 'unsigned'
  /** No key is configured under the frame's `keyId`. */
  | 'unknown_key'
  /** The tag does not match (wrong key, altered bytes). */
  | 'bad_tag'
  /** Not a whole native frame (magic, length or size wrong); decode it for the reason. */
  | 'malformed'

/** Structural checks shared by sign and verify: a native frame of exactly `buf.length` bytes. */
function isWholeFrame (buf: Uint8Array): boolean {
  return buf.length >= NATIVE_HEADER_LENGTH &&
    ((buf[0]! << 8) | buf[1]!) === NATIVE_MAGIC &&
    ((buf[2]! << 8) | buf[3]!) === buf.length
}

function computeTag (buf: Buffer, key: Buffer): Buffer {
  return createHmac('sha256', key).update(buf.subarray(0, buf.length - AUTH_TAG_LENGTH)).digest()
}

/**
 * Writes the tag of an encoded frame in place and returns the same buffer. `frame` must be exactly
 * one native frame with the authenticated flag set (encode it with `authenticated: true`: its last
 * 16 bytes are the tag's place). The MAC covers bytes [0, length - 16), header included, so `keyId`,
 * `flags` and `length` are protected too. Throws {@link EncodeError}.
 */
export function sign (frame: Buffer, key: Buffer): Buffer {
  if (key.length < MIN_KEY_LENGTH) {
    throw new EncodeError('tunnel', 'IPX_ERR_FIELD_RANGE', `key of ${key.length} bytes is shorter than ${MIN_KEY_LENGTH}`, 'key')
  }
  if (!isWholeFrame(frame)) {
    throw new EncodeError('tunnel', 'IPX_ERR_FIELD_RANGE', 'not one whole encoded native frame', 'frame')
  }
  if ((frame[NativeOffset.flags]! & FrameFlag.Authenticated) === 0 || frame.length < NATIVE_HEADER_LENGTH + AUTH_TAG_LENGTH) {
    throw new EncodeError('tunnel', 'IPX_ERR_FIELD_RANGE', 'the frame was not encoded with the authenticated flag', 'flags')
  }
  computeTag(frame, key).copy(frame, frame.length - AUTH_TAG_LENGTH, 0, AUTH_TAG_LENGTH)
  return frame
}

/**
 * Checks the tag of one whole received frame against the key its `keyId` names. Never throws; the
 * comparison is constant-time (`timingSafeEqual`). A link with keys configured accepts only `'ok'`.
 */
export function verify (frame: Buffer, keys: ReadonlyMap<number, Buffer>): VerifyResult {
  if (!isWholeFrame(frame)) return 'malformed'
  if ((frame[NativeOffset.flags]! & FrameFlag.Authenticated) === 0) return 'unsigned'
  if (frame.length < NATIVE_HEADER_LENGTH + AUTH_TAG_LENGTH) return 'malformed'
  const key = keys.get(frame[NativeOffset.keyId]!)
  if (key === undefined) return 'unknown_key'
  const mac = computeTag(frame, key)
  const ok = timingSafeEqual(mac.subarray(0, AUTH_TAG_LENGTH), frame.subarray(frame.length - AUTH_TAG_LENGTH))
  return ok ? 'ok' : 'bad_tag'
}

/** Outcome of {@link ReplayWindow.check}. */
export type ReplayResult =
  /** New: ahead of the highest seen, or inside the window and not seen yet. */
  | 'ok'
  /** Seen before (a duplicate or a replay). */
  | 'replayed'
  /** Too far behind the highest seen to tell; dropped like a replay (RFC 4303 §3.4.3). */
  | 'too_old'

/** Default bitmap: 32 blocks of 32 bits, a 992-frame window (RFC 6479 §2: (N-1)·32). */
export const DEFAULT_REPLAY_BITS = 1024

/**
 * The anti-replay window of RFC 6479 ("IPsec Anti-Replay Algorithm without Bit Shifting"): a ring of
 * N 32-bit blocks, N a power of two. Bit `seq mod (32·N)` records `seq`. Moving the window ahead clears
 * whole blocks instead of shifting bits, and one block is kept spare, so the window reaches
 * (N-1)·32 frames behind the highest sequence accepted.
 *
 * Sequences wrap: `seq` is ahead of the highest one when `(seq - top) mod 2^32` is in 1..2^31-1
 * (RFC 1982 serial-number arithmetic), so 0 follows 0xFFFFFFFF. Because 32·N divides 2^32, a bit's
 * position stays the same across the wrap. The cost is that an old frame looks new again after 2^31
 * frames, which is why an authenticated link re-keys before then (SPEC.md §5; RFC 4303 §3.3.3).
 *
 * `check` and `accept` allocate nothing. Call `check` before the MAC and `accept` after it.
 */
export class ReplayWindow {
  readonly #bits: Uint32Array
  readonly #blockMask: number
  /** Frames behind the highest one that can still be told apart: (N-1)·32. */
  readonly size: number
  #top = 0
  #started = false

  /** `bitmapBits`: a power of two from 64 to 65 536; the window is `bitmapBits - 32`. */
  constructor (bitmapBits: number = DEFAULT_REPLAY_BITS) {
    if (!(Number.isInteger(bitmapBits) && bitmapBits >= 64 && bitmapBits <= 65536 && (bitmapBits & (bitmapBits - 1)) === 0)) {
      throw new EncodeError('tunnel', 'IPX_ERR_FIELD_RANGE', `replay bitmap of ${bitmapBits} bits is not a power of two in 64..65536`, 'bitmapBits')
    }
    this.#bits = new Uint32Array(bitmapBits >>> 5)
    this.#blockMask = (bitmapBits >>> 5) - 1
    this.size = bitmapBits - 32
  }

  /** The highest sequence accepted so far, or undefined before the first. */
  get highest (): number | undefined {
    return this.#started ? this.#top : undefined
  }

  /** Whether `seq` (u32) would be accepted. Does not change the window. */
  check (seq: number): ReplayResult {
    if (!this.#started) return 'ok'
    const s = seq >>> 0
    const ahead = (s - this.#top) >>> 0
    if (ahead === 0) return 'replayed'
    if (ahead < 0x80000000) return 'ok'
    const behind = (this.#top - s) >>> 0
    if (behind >= this.size) return 'too_old'
    const block = (s >>> 5) & this.#blockMask
    return (this.#bits[block]! & (1 << (s & 31))) !== 0 ? 'replayed' : 'ok'
  }

  /** Records `seq` when {@link check} says `'ok'`, and returns what `check` said. */
  accept (seq: number): ReplayResult {
    const result = this.check(seq)
    if (result !== 'ok') return result
    const s = seq >>> 0
    if (!this.#started) {
      this.#started = true
      this.#bits.fill(0)
      this.#top = s
    } else if (((s - this.#top) >>> 0) < 0x80000000) {
      // Ahead: clear every block the window slides over (at most all of them), then move the top.
      const from = this.#top >>> 5
      // Block numbers are 27-bit (2^32 / 32); their difference is taken mod 2^27 for the wrap.
      const steps = ((s >>> 5) - from) & 0x7ffffff
      const n = this.#blockMask + 1
      if (steps >= n) this.#bits.fill(0)
      else for (let i = 1; i <= steps; i++) this.#bits[(from + i) & this.#blockMask] = 0
      this.#top = s
    }
    const block = (s >>> 5) & this.#blockMask
    this.#bits[block] = this.#bits[block]! | (1 << (s & 31))
    return 'ok'
  }

  /** Forgets everything, e.g. on a newer hello from the same node (SPEC.md §5). */
  reset (): void {
    this.#bits.fill(0)
    this.#top = 0
    this.#started = false
  }
}
