/**
 * WAN emulator for the native tunnel: what happens to a frame between "starts transmission" and
 * "arrives at the far node". Modelled on Linux netem (tc-netem(8), ipx-reference §C3), on an
 * injected clock and a seeded PRNG so that a lab run repeats:
 *
 *  - serialization at `rate` bit/s (netem `rate`, with `overheadBytes` like its packet overhead):
 *    frames are serialized one after another, so the link is busy until the last one is out;
 *  - fixed propagation `delayMs` plus uniform jitter in ±`jitterMs` (netem `delay TIME JITTER`,
 *    "100ms ± 10ms", uniform without a distribution table); jitter can reorder frames, as in netem;
 *  - random loss with probability `loss` (netem `loss random`);
 *  - bursty loss by the Gilbert-Elliott two-state model (netem `loss gemodel p r 1-h 1-k`;
 *    E. N. Gilbert, "Capacity of a burst-noise channel", BSTJ 1960; E. O. Elliott, BSTJ 1963):
 *    in state Good a frame is lost with probability `lossGood` (1-k), in Bad with `lossBad` (1-h);
 *    after each frame Good→Bad with probability `p`, Bad→Good with `r`. With lossGood 0 and lossBad 1
 *    (Gilbert's model) the mean loss is p/(p+r) and the mean burst 1/r frames;
 *  - duplication with probability `duplicate` (netem `duplicate`): a second copy, its own jitter;
 *  - reordering with probability `reorder` (netem `reorder`: "packets are sent immediately, the
 *    others delayed"): the frame skips the propagation delay and overtakes those in flight.
 *
 * A lost frame still occupies the link for its serialization time (the bits went out and died).
 * Draws from the PRNG happen in a fixed order per frame, so the same seed gives the same run.
 */
import { ConfigError } from '../errors.js'
import { Mulberry32 } from './random.js'

/** Gilbert-Elliott bursty-loss parameters (per frame probabilities). */
export interface GilbertElliott {
  /** Good → Bad transition probability per frame. */
  readonly p: number
  /** Bad → Good transition probability per frame. */
  readonly r: number
  /** Loss probability in Bad (netem `1-h`). Default 1. */
  readonly lossBad?: number
  /** Loss probability in Good (netem `1-k`). Default 0. */
  readonly lossGood?: number
}

/** WAN emulator settings. Every impairment defaults to off. */
export interface WanOptions {
  /** Serialization rate in bit/s; absent or Infinity: none (frames take no link time). */
  readonly rate?: number
  /** Bytes added to every frame for serialization (encapsulation, link framing). Default 0. */
  readonly overheadBytes?: number
  /** One-way propagation delay, ms. */
  readonly delayMs?: number
  /** Uniform jitter, ± ms, added to the delay (the sum is clamped at 0). */
  readonly jitterMs?: number
  /** Random loss probability per frame, 0..1. */
  readonly loss?: number
  /** Bursty loss; applies in addition to `loss`. */
  readonly gilbertElliott?: GilbertElliott
  /** Duplication probability per delivered frame, 0..1. */
  readonly duplicate?: number
  /** Probability that a frame skips the delay (and so overtakes earlier frames), 0..1. */
  readonly reorder?: number
  /** PRNG seed. Default 1. */
  readonly seed?: number
}

/** One arrival at the far end. */
export interface WanDelivery<T> {
  readonly frame: T
  /** Arrival time, ms. */
  readonly at: number
  /** The second copy of a duplicated frame. */
  readonly duplicate: boolean
  /** Sent without the propagation delay (reordered). */
  readonly reordered: boolean
}

/** Why a frame never arrived. */
export type WanLoss = 'random' | 'burst'

/** What happened to one frame. */
export interface WanTransmission<T> {
  /** Serialization start (>= the send time: waits for the previous frame). */
  readonly start: number
  /** Serialization end: the link is free again. */
  readonly end: number
  /** Set when the frame was lost. */
  readonly lost: WanLoss | undefined
  /** Zero (lost), one, or two (duplicated) arrivals. */
  readonly deliveries: ReadonlyArray<WanDelivery<T>>
}

/** Counters of a {@link WanEmulator}. */
export interface WanStats {
  frames: number
  bytes: number
  lostRandom: number
  lostBurst: number
  duplicated: number
  reordered: number
  /** Total serialization time, ms. */
  busyMs: number
}

function probability (v: number | undefined, field: string): number {
  if (v === undefined) return 0
  if (!(v >= 0 && v <= 1)) throw new ConfigError(field, 'must be a probability in 0..1')
  return v
}

/** The emulator for one direction of one link. */
export class WanEmulator {
  readonly options: WanOptions
  readonly #rng: Mulberry32
  readonly #msPerByte: number
  readonly #overhead: number
  readonly #delay: number
  readonly #jitter: number
  readonly #loss: number
  readonly #dup: number
  readonly #reorder: number
  readonly #ge: Required<GilbertElliott> | undefined
  #bad = false
  #busyUntil = -Infinity
  readonly #stats: WanStats = { frames: 0, bytes: 0, lostRandom: 0, lostBurst: 0, duplicated: 0, reordered: 0, busyMs: 0 }

  constructor (options: WanOptions = {}) {
    const rate = options.rate ?? Infinity
    if (!(rate > 0)) throw new ConfigError('qos.wan.rate', 'must be a positive number of bit/s')
    const nonNegative = (v: number | undefined, field: string): number => {
      if (v === undefined) return 0
      if (!(Number.isFinite(v) && v >= 0)) throw new ConfigError(field, 'must be a non-negative number')
      return v
    }
    this.options = options
    this.#msPerByte = rate === Infinity ? 0 : 8000 / rate
    this.#overhead = nonNegative(options.overheadBytes, 'qos.wan.overheadBytes')
    this.#delay = nonNegative(options.delayMs, 'qos.wan.delayMs')
    this.#jitter = nonNegative(options.jitterMs, 'qos.wan.jitterMs')
    this.#loss = probability(options.loss, 'qos.wan.loss')
    this.#dup = probability(options.duplicate, 'qos.wan.duplicate')
    this.#reorder = probability(options.reorder, 'qos.wan.reorder')
    const ge = options.gilbertElliott
    this.#ge = ge === undefined
      ? undefined
      : {
          p: probability(ge.p, 'qos.wan.gilbertElliott.p'),
          r: probability(ge.r, 'qos.wan.gilbertElliott.r'),
          lossBad: probability(ge.lossBad ?? 1, 'qos.wan.gilbertElliott.lossBad'),
          lossGood: probability(ge.lossGood ?? 0, 'qos.wan.gilbertElliott.lossGood')
        }
    this.#rng = new Mulberry32(options.seed ?? 1)
  }

  /** When the link finishes serializing what it has been given (ms). */
  get busyUntil (): number {
    return this.#busyUntil
  }

  /** Serialization time of a frame of `bytes` (overhead included), ms. */
  serializationMs (bytes: number): number {
    return (bytes + this.#overhead) * this.#msPerByte
  }

  #delayed (reordered: boolean, end: number): number {
    if (reordered) return end
    const j = this.#jitter === 0 ? 0 : (this.#rng.next() * 2 - 1) * this.#jitter
    return end + Math.max(0, this.#delay + j)
  }

  /**
   * Sends `frame` (`bytes` long) at `now`: serialization starts when the link is free, then loss,
   * duplication, reordering and delay are drawn.
   */
  send<T> (frame: T, bytes: number, now: number): WanTransmission<T> {
    const start = Math.max(now, this.#busyUntil)
    const end = start + this.serializationMs(bytes)
    this.#busyUntil = end
    const s = this.#stats
    s.frames++
    s.bytes += bytes
    s.busyMs += end - start
    // Fixed draw order: random loss, burst loss (+ transition), duplicate, reorder, jitter.
    const randomLost = this.#loss > 0 && this.#rng.next() < this.#loss
    let burstLost = false
    const ge = this.#ge
    if (ge !== undefined) {
      burstLost = this.#rng.next() < (this.#bad ? ge.lossBad : ge.lossGood)
      const u = this.#rng.next()
      this.#bad = this.#bad ? !(u < ge.r) : u < ge.p
    }
    if (randomLost || burstLost) {
      if (randomLost) s.lostRandom++
      else s.lostBurst++
      return { start, end, lost: randomLost ? 'random' : 'burst', deliveries: [] }
    }
    const duplicated = this.#dup > 0 && this.#rng.next() < this.#dup
    const reordered = this.#reorder > 0 && this.#rng.next() < this.#reorder
    if (reordered) s.reordered++
    const deliveries: Array<WanDelivery<T>> = [{ frame, at: this.#delayed(reordered, end), duplicate: false, reordered }]
    if (duplicated) {
      s.duplicated++
      deliveries.push({ frame, at: this.#delayed(false, end), duplicate: true, reordered: false })
    }
    return { start, end, lost: undefined, deliveries }
  }

  /** A snapshot of the counters. */
  stats (): WanStats {
    return { ...this.#stats }
  }
}
