/**
 * Deadlines of one accepted TCP connection (issue 13, item 1): the first whole frame must arrive
 * within `firstFrameMs` of the accept, and after that a whole frame at least every `idleMs`. Only
 * WHOLE frames count, so a client that trickles one byte a second, or sends half a frame and
 * stops, is closed as surely as one that sends nothing (the slowloris pattern; Node's own
 * `socket.setTimeout` resets on every byte and would not catch it).
 *
 * Cost per frame: one `performance.now()` and a store; the idle timer is re-armed only when it
 * fires (for the time left), never per frame.
 */

/** Default deadline for the first whole frame, ms. A hello or a js-dos packet is one write; 10 s covers a slow handshake over a bad path. */
export const DEFAULT_FIRST_FRAME_MS = 10_000
/**
 * Default longest gap between whole frames, ms. Native links send a keepalive every second
 * (SPEC.md §3); a js-dos relay of an idle DOSBox may be quiet much longer, so 5 minutes.
 */
export const DEFAULT_TCP_IDLE_MS = 300_000

/** Options of {@link ConnectionDeadlines}; 0 or absent turns one off. */
export interface DeadlineOptions {
  firstFrameMs?: number
  idleMs?: number
  /** Milliseconds, monotonic (default `performance.now()`). */
  now?: () => number
}

/** Which deadline passed. */
export type DeadlineKind = 'first_frame' | 'idle'

/** The two timers of one connection. */
export class ConnectionDeadlines {
  readonly #idleMs: number
  readonly #now: () => number
  readonly #onExpire: (which: DeadlineKind, ms: number) => void
  #timer: NodeJS.Timeout | undefined
  #last = 0
  #framed = false
  #done = false

  constructor (o: DeadlineOptions, onExpire: (which: DeadlineKind, ms: number) => void) {
    this.#idleMs = o.idleMs ?? 0
    this.#now = o.now ?? (() => performance.now())
    this.#onExpire = onExpire
    const first = o.firstFrameMs ?? 0
    if (first > 0) this.#arm(first, () => { this.#expire('first_frame', first) })
  }

  /** A whole frame arrived. */
  frame (): void {
    if (this.#framed) {
      this.#last = this.#now()
      return
    }
    this.#framed = true
    this.#last = this.#now()
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#idleMs > 0) this.#arm(this.#idleMs, () => { this.#idleCheck() })
  }

  /** Stops both timers (the connection closed). Idempotent. */
  cancel (): void {
    this.#done = true
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #idleCheck (): void {
    const quiet = this.#now() - this.#last
    if (quiet >= this.#idleMs) return this.#expire('idle', this.#idleMs)
    this.#arm(this.#idleMs - quiet, () => { this.#idleCheck() })
  }

  #expire (which: DeadlineKind, ms: number): void {
    this.#timer = undefined
    if (this.#done) return
    this.#done = true
    this.#onExpire(which, ms)
  }

  #arm (ms: number, fn: () => void): void {
    if (this.#done) return
    this.#timer = setTimeout(fn, Math.max(1, Math.ceil(ms)))
    this.#timer.unref()
  }
}
