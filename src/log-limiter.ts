/**
 * Rate-limited logging: at most one line per interval per (source, reason), so that a flood from
 * one source (a re-registration storm, thousands of refused connections) writes a bounded number
 * of lines instead of one per datagram (issue 13, item 8). The first event of a key is logged at
 * once; later ones within the interval are only counted, and the next line that is let through
 * says how many were suppressed since the previous one.
 *
 * A leaf: no winston, no timers; the clock is injected (ms), so tests need no sleeps.
 */

/** Default interval per key, ms: one line a minute per source and reason. */
export const DEFAULT_LOG_INTERVAL_MS = 60_000
/**
 * Default bound on tracked keys. Rationale: each key is a few dozen bytes; 4096 of them are a few
 * hundred KiB at most, and a spoofed-source flood cannot grow the map past it (when full, the
 * oldest key is forgotten, which at worst lets one more line through for it).
 */
export const DEFAULT_LOG_KEYS = 4096

/** Options of {@link LogLimiter}. */
export interface LogLimiterOptions {
  intervalMs?: number
  maxKeys?: number
  /** Milliseconds, monotonic (default `performance.now()`). */
  now?: () => number
}

interface Entry { at: number, suppressed: number }

/** Decides, per key, whether a log line may be written now. */
export class LogLimiter {
  /** Lines let through and lines suppressed, over every key. */
  written = 0
  suppressed = 0
  readonly #interval: number
  readonly #maxKeys: number
  readonly #now: () => number
  readonly #keys = new Map<string, Entry>()

  constructor (o: LogLimiterOptions = {}) {
    this.#interval = o.intervalMs ?? DEFAULT_LOG_INTERVAL_MS
    this.#maxKeys = o.maxKeys ?? DEFAULT_LOG_KEYS
    this.#now = o.now ?? (() => performance.now())
  }

  /**
   * Returns undefined when the line for `key` must be suppressed, else the number of lines
   * suppressed for that key since the last one written (0 the first time).
   */
  allow (key: string): number | undefined {
    const now = this.#now()
    const e = this.#keys.get(key)
    if (e !== undefined && now - e.at < this.#interval) {
      e.suppressed++
      this.suppressed++
      return undefined
    }
    const before = e?.suppressed ?? 0
    if (e !== undefined) {
      // Re-insert so the map's order stays oldest-first for eviction.
      this.#keys.delete(key)
    } else if (this.#keys.size >= this.#maxKeys) {
      const oldest = this.#keys.keys().next().value
      if (oldest !== undefined) this.#keys.delete(oldest)
    }
    this.#keys.set(key, { at: now, suppressed: 0 })
    this.written++
    return before
  }

  /** Keys currently tracked (bounded by `maxKeys`). */
  get size (): number {
    return this.#keys.size
  }
}
