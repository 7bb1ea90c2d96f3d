/**
 * The native frame's send time: u32 seconds since the Unix epoch plus u32 microseconds, the pcap
 * record-header convention (`ts_sec`, `ts_usec`). The codec has no clock; callers pass time in.
 */
import { EncodeError } from '../errors.js'

/** Microseconds per second; `micros` is always below this. */
export const MICROS_PER_SECOND = 1_000_000

/** A send time. `seconds` wraps in 2106 (u32). */
export interface Timestamp {
  /** Whole seconds since 1970-01-01T00:00:00Z, u32. */
  seconds: number
  /** Microseconds within the second, 0..999 999. */
  micros: number
}

/** Splits microseconds since the epoch (e.g. `Date.now() * 1000`) into a {@link Timestamp}. */
export function timestampFromMicros (us: number): Timestamp {
  if (!(Number.isSafeInteger(us) && us >= 0 && us < 0x100000000 * MICROS_PER_SECOND)) {
    throw new EncodeError('tunnel', 'IPX_ERR_FIELD_RANGE', `timestamp ${us} µs is not an integer within u32 seconds`, 'timestamp')
  }
  return { seconds: Math.floor(us / MICROS_PER_SECOND), micros: us % MICROS_PER_SECOND }
}

/** Microseconds since the epoch (exact: below 2^53). */
export function timestampToMicros (ts: Timestamp): number {
  return ts.seconds * MICROS_PER_SECOND + ts.micros
}
