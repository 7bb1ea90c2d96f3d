/**
 * Token-bucket shaper: tokens are bytes, filled at `rate` bit/s up to `burst` bytes (RFC 2697's
 * committed rate and burst size; tc HTB's `rate`/`burst`, ipx-reference §C3–C4).
 *
 * A frame may leave when the bucket holds at least its size, or, for a frame larger than the whole
 * bucket, when the bucket is full; sending then takes the bucket into debt, which later refills
 * repay. Debt keeps the long-run rate exact whatever the burst (the idea of CAKE's deficit-mode
 * shaper: the next send time follows from what was sent).
 *
 * Pure: the clock is an argument (milliseconds); no timers.
 */
import { ConfigError } from '../errors.js'

/**
 * Slack for floating-point refill arithmetic, so that `canSend(b, nextSendTime(b, t))` is true.
 * A millionth of a byte is far below anything observable.
 */
const EPSILON_BYTES = 1e-6

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Fill rate in bit/s. */
  readonly rate: number
  /** Bucket size in bytes; at least one full frame is sensible. */
  readonly burst: number
  /** Clock value at creation, milliseconds. Default 0. */
  readonly now?: number
  /** Start full (default) or empty. */
  readonly startFull?: boolean
}

/** A token bucket on an injected clock. */
export class TokenBucket {
  /** Fill rate, bit/s. */
  readonly rate: number
  /** Capacity, bytes. */
  readonly burst: number
  #tokens: number
  #last: number
  /** Bytes per millisecond. */
  readonly #perMs: number

  constructor (options: TokenBucketOptions) {
    if (!(Number.isFinite(options.rate) && options.rate > 0)) throw new ConfigError('qos.shaper.rate', 'must be a positive number of bit/s')
    if (!(Number.isFinite(options.burst) && options.burst > 0)) throw new ConfigError('qos.shaper.burst', 'must be a positive number of bytes')
    this.rate = options.rate
    this.burst = options.burst
    this.#perMs = options.rate / 8000
    this.#last = options.now ?? 0
    this.#tokens = options.startFull === false ? 0 : options.burst
  }

  #refill (now: number): void {
    if (now > this.#last) {
      this.#tokens = Math.min(this.burst, this.#tokens + (now - this.#last) * this.#perMs)
      this.#last = now
    }
  }

  /** Tokens (bytes) available at `now`; negative while in debt. */
  tokens (now: number): number {
    this.#refill(now)
    return this.#tokens
  }

  /** True when a frame of `bytes` may leave at `now`. */
  canSend (bytes: number, now: number): boolean {
    this.#refill(now)
    return this.#tokens + EPSILON_BYTES >= Math.min(bytes, this.burst)
  }

  /** Takes `bytes` tokens at `now` (the bucket may go into debt). */
  consume (bytes: number, now: number): void {
    this.#refill(now)
    this.#tokens -= bytes
  }

  /** Earliest time (>= `now`) at which a frame of `bytes` may leave. */
  nextSendTime (bytes: number, now: number): number {
    this.#refill(now)
    const need = Math.min(bytes, this.burst) - this.#tokens
    if (need <= 0) return now
    return Math.max(now, this.#last) + need / this.#perMs
  }
}
