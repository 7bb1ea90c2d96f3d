/**
 * What a receiver believes about a sender's sequence numbers and timestamps: one policy, shared
 * by the native link (2644) and the SNP endpoint (2629). Pure: no clock, no sockets; the caller
 * passes the time in.
 *
 * Two modes (protocol/tunnel/SPEC.md §5):
 *  - **strict**, for a link with a key: a frame that passed the MAC is the peer's, so the replay
 *    window enforces. A duplicate, a frame too far behind the window, or one stamped before the
 *    hello that last reset the window is dropped (`replayed`).
 *  - **measure**, for a link without a key: anyone can forge a frame, so the window and the
 *    timestamps only measure and can never take the link down (issue 13, item 7: one forged data
 *    frame with a random sequence made every real frame "too old" for good). An exact duplicate
 *    inside the window is still dropped (it costs nothing real), but a frame too far behind
 *    resynchronises the window to itself (counted `resyncs`) instead of being refused, every hello
 *    and hello-ack that does not continue the window resets it, and the reset floor is not applied.
 * In both modes:
 *  - a timestamp more than {@link MAX_FUTURE_SKEW_US} ahead of the receiver's clock is refused
 *    (`future_timestamp`): a hello "stamped a year ahead" would otherwise become the floor that
 *    every later real hello is older than;
 *  - a jump of more than {@link MAX_DROPOUT} sequence numbers is not counted as loss (counted
 *    `jumps`), after RFC 3550 A.1, which treats a jump beyond MAX_DROPOUT = 3000 as a source
 *    restart rather than loss (a forged jump once added 2,147,483,646 to `lost`);
 *  - a round-trip sample below 0 or above {@link MAX_RTT_US} is discarded ({@link plausibleRtt}).
 *
 * Use: {@link SequenceGuard.check} before the MAC (RFC 4303 §3.4.3: the cheap check first; it
 * changes nothing), then {@link SequenceGuard.accept} after it, for the same frame.
 */
import { ReplayWindow } from '../../protocol/tunnel/auth.js'

/** Clock-skew tolerance for a sender's timestamp, µs: 5 minutes, Kerberos's customary default (MIT krb5 `clockskew` = 300 s). */
export const MAX_FUTURE_SKEW_US = 300 * 1_000_000
/** Largest sequence gap counted as loss (RFC 3550 A.1, `MAX_DROPOUT`). */
export const MAX_DROPOUT = 3000
/** Largest plausible round trip, µs: a minute; a link dead that long is down long before (SPEC.md §3). */
export const MAX_RTT_US = 60 * 1_000_000

/** Outcome of {@link SequenceGuard.check}. */
export const GuardResult = {
  /** Go on (MAC next, then {@link SequenceGuard.accept}). */
  Ok: 0,
  /** Seen before, inside the window. */
  Duplicate: 1,
  /** Strict: too far behind the window to tell. */
  TooOld: 2,
  /** Strict: stamped before the hello that last reset the window. */
  BeforeReset: 3,
  /** Stamped too far in the future. */
  Future: 4
} as const
export type GuardResult = typeof GuardResult[keyof typeof GuardResult]

/** What the guard counts (the owner's stats object; fields are incremented in place). */
export interface SequenceStats {
  lost: number
  reordered: number
  duplicates: number
  tooOld: number
  windowResets: number
  /** Measure mode: the window moved to a frame far behind it (a forged jump, or a restarted peer). */
  resyncs: number
  /** Gaps beyond {@link MAX_DROPOUT}, not counted as loss. */
  jumps: number
  futureTimestamps: number
}

/** A fresh, zeroed {@link SequenceStats}. */
export function sequenceStats (): SequenceStats {
  return { lost: 0, reordered: 0, duplicates: 0, tooOld: 0, windowResets: 0, resyncs: 0, jumps: 0, futureTimestamps: 0 }
}

/** True when a round-trip sample (µs) is worth recording: 0 ≤ rtt ≤ {@link MAX_RTT_US}. */
export function plausibleRtt (us: number): boolean {
  return Number.isFinite(us) && us >= 0 && us <= MAX_RTT_US
}

/** The replay window and timestamp floor of one sender, under one of the two policies. */
export class SequenceGuard {
  readonly strict: boolean
  readonly stats: SequenceStats
  readonly #window: ReplayWindow
  /** µs: timestamp of the last accepted hello (strict: only a newer one may reset the window). */
  #lastHelloTs = -1
  /** µs: timestamp of the hello that last reset the window (strict: older frames are refused). */
  #floorTs = -1
  /** The plan {@link check} made for the frame {@link accept} then records. */
  #reset = false
  #resync = false

  constructor (o: { strict: boolean, replayBits?: number | undefined, stats?: SequenceStats }) {
    this.strict = o.strict
    this.#window = new ReplayWindow(o.replayBits)
    this.stats = o.stats ?? sequenceStats()
  }

  /** The highest sequence accepted, if any. */
  get highest (): number | undefined {
    return this.#window.highest
  }

  /**
   * Decides about one frame before its MAC is checked; changes no window state (a counted
   * refusal aside). `hello`: a hello or hello-ack.
   */
  check (seq: number, sentAtUs: number, hello: boolean, nowUs: number): GuardResult {
    this.#reset = false
    this.#resync = false
    const st = this.stats
    if (sentAtUs > nowUs + MAX_FUTURE_SKEW_US) {
      st.futureTimestamps++
      return GuardResult.Future
    }
    const w = this.#window
    const r = w.check(seq)
    const top = w.highest
    const continues = r === 'ok' && top !== undefined && ((seq - top) >>> 0) <= w.size
    // SPEC.md §5: a hello that merely continues the sequence keeps the window. Strict: only a
    // hello newer than the last accepted one may reset it (a replayed old hello cannot reopen it).
    if (hello && !continues && (!this.strict || sentAtUs > this.#lastHelloTs)) {
      this.#reset = true
      return GuardResult.Ok
    }
    if (r === 'replayed') {
      st.duplicates++
      return GuardResult.Duplicate
    }
    if (r === 'too_old') {
      if (this.strict) {
        st.tooOld++
        return GuardResult.TooOld
      }
      this.#resync = true
      return GuardResult.Ok
    }
    if (this.strict && sentAtUs < this.#floorTs) {
      st.tooOld++
      return GuardResult.BeforeReset
    }
    return GuardResult.Ok
  }

  /**
   * The sender restarted elsewhere (a peer given by name came back at another address): its new
   * sequence starts a new window. Strict: frames stamped before its last accepted hello stay refused.
   */
  restart (): void {
    if (this.#window.highest !== undefined) this.stats.windowResets++
    this.#window.reset()
    this.#floorTs = Math.max(this.#floorTs, this.#lastHelloTs)
  }

  /** Records the frame {@link check} said `Ok` to (after its MAC verified), with loss statistics. */
  accept (seq: number, sentAtUs: number, hello: boolean): void {
    const w = this.#window
    const st = this.stats
    if (hello && sentAtUs > this.#lastHelloTs) this.#lastHelloTs = sentAtUs
    if (this.#reset || this.#resync) {
      if (w.highest !== undefined) {
        if (this.#reset) st.windowResets++
        else st.resyncs++
      }
      w.reset()
      if (this.#reset) this.#floorTs = sentAtUs
      this.#reset = this.#resync = false
    }
    // Before the window moves: a frame ahead of the top skips (ahead − 1) sequence numbers, counted
    // lost unless absurd; one behind it fills one of those gaps (RFC 3550 A.3's expected − received).
    const from = w.highest
    if (from !== undefined) {
      const ahead = (seq - from) >>> 0
      if (ahead < 0x80000000) {
        if (ahead - 1 > MAX_DROPOUT) st.jumps++
        else st.lost += ahead - 1
      } else {
        st.reordered++
        if (st.lost > 0) st.lost--
      }
    }
    w.accept(seq)
  }
}
