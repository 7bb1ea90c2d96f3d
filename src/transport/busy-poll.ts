/**
 * Busy polling for a UDP socket, in user space: after a datagram arrives, the event loop keeps
 * polling without sleeping for a short window, so the next datagram (the echo of a ping-pong, the
 * other players' packets of the same game tic) is read at once instead of after the thread wakes.
 *
 * Why: a Node process waits for packets in `epoll_wait` (libuv's poll phase, blocking while nothing
 * is due). A datagram arriving then has to wake the thread, and on a virtual machine the wake-up of
 * an idle vCPU is the largest part of a relay's latency: measured here (scripts/bench-peers.ts,
 * `floor` server), ping-pong through a bare Node relay took a 416 µs median round trip sleeping and
 * 154 µs polling. It is the trade Linux's `SO_BUSY_POLL` makes in the kernel (socket(7): "busy poll
 * on a blocking receive when there is no data") and Go's scheduler makes by letting idle threads
 * spin before they park: CPU time for latency, bounded by the window.
 *
 * How: each turn of the loop is one `setImmediate`. While an immediate is pending libuv polls with
 * a zero timeout (libuv `uv_backend_timeout`: 0 when an idle handle is active, which is how Node
 * runs immediates), so datagrams are read as they come. The window restarts with every datagram;
 * once it passes with nothing read, the loop sleeps again. The clock is read once per turn; a
 * datagram costs a few field stores: the hot path stays free of calls.
 *
 * Cost: while polling, a core is busy, and every turn allocates its immediate (about 420 B of
 * young-generation garbage, so a scavenge every few milliseconds under the bin's 2 MiB semi-space:
 * the ping-pong p99 moved between 0.72 and 2.68 × ipxbox's over three runs, against 1.16-1.39
 * without polling, while its p50 fell to 0.67-0.71 ×). On a machine shared with the clients (DOSBox on the same laptop, the
 * load generator of `npm run bench:peers`) that core is taken from them: with 8 players sending at
 * 35 Hz each packet arrives about 3.5 ms after the last, no window catches one, and polling only
 * slowed the players' own wake-ups (one-way p50 474 µs polling against 412 µs sleeping, same run).
 * So polling backs off when it does not pay: after {@link MISSES_BEFORE_REST} windows in a row
 * that read nothing more, the next {@link REST_DATAGRAMS} datagrams start none; then one window
 * tries again, and a window that catches a datagram ends the rest at once. Request and answer
 * traffic (ping, NCP, ping-pong) keeps polling; traffic paced apart sleeps as without it. With
 * nothing arriving the poller spends nothing.
 */

/** Counts of a {@link BusyPoll}, for stats and the teaching views. */
export interface BusyPollStats {
  /** Times polling began: a datagram arrived while the loop slept. */
  windows: number
  /** Datagrams read while polling: each one a wake-up saved. */
  caught: number
  /** Turns of the loop spent polling. */
  turns: number
  /** Datagrams that started no window because the last ones caught nothing (backing off). */
  rested: number
}

/** Windows in a row that caught nothing before polling rests. */
export const MISSES_BEFORE_REST = 8
/** Datagrams a rest lasts: none of them starts a window. */
export const REST_DATAGRAMS = 64

/** Default window, µs: see {@link BusyPoll}; `limits.busyPollUs` sets it, 0 turns polling off. */
export const DEFAULT_BUSY_POLL_US = 200

/** Keeps the event loop polling for `windowUs` after the last datagram noted. */
export class BusyPoll {
  readonly stats: BusyPollStats = { windows: 0, caught: 0, turns: 0, rested: 0 }
  readonly #windowMs: number
  readonly #now: () => number
  #polling = false
  /** A datagram arrived since the last turn. */
  #seen = false
  /** When the last datagram was seen by a turn (or polling began). */
  #lastMs = 0
  #stopped = false
  /** Datagrams caught in the current window. */
  #caughtNow = 0
  /** Windows in a row that caught nothing. */
  #misses = 0
  /** Datagrams left in the current rest. */
  #rest = 0

  /** `windowUs` 0 (or less) never polls. `now` is a clock in ms (default `performance.now`). */
  constructor (windowUs: number, now: () => number = () => performance.now()) {
    this.#windowMs = Math.max(0, windowUs) / 1000
    this.#now = now
  }

  /** The window, in µs. */
  get windowUs (): number {
    return this.#windowMs * 1000
  }

  /** True while the loop is kept polling. */
  get polling (): boolean {
    return this.#polling
  }

  /** Call for every datagram received. */
  note (): void {
    if (this.#polling) {
      this.#seen = true
      this.#caughtNow++
      this.stats.caught++
      return
    }
    if (this.#windowMs === 0 || this.#stopped) return
    if (this.#rest > 0) {
      this.#rest--
      this.stats.rested++
      return
    }
    this.#polling = true
    this.#caughtNow = 0
    this.#seen = false
    this.stats.windows++
    this.#lastMs = this.#now()
    setImmediate(this.#turn)
  }

  /** Ends polling for good (the socket is closing); the last turn ends on its own. */
  stop (): void {
    this.#stopped = true
  }

  readonly #turn = (): void => {
    this.stats.turns++
    const t = this.#now()
    if (this.#seen) {
      this.#seen = false
      this.#lastMs = t
    }
    if (!this.#stopped && t - this.#lastMs < this.#windowMs) {
      setImmediate(this.#turn)
      return
    }
    this.#polling = false
    if (this.#caughtNow > 0) {
      this.#misses = 0
    } else if (++this.#misses >= MISSES_BEFORE_REST) {
      this.#rest = REST_DATAGRAMS
    }
  }
}
