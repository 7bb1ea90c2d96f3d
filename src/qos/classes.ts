/**
 * Traffic classes of the SNP-style QoS stage and the default class table: how each class is queued
 * (strict priority with a cap, or a deficit-round-robin weight), how many bytes its queue may hold,
 * and how it drops.
 *
 * The five named classes are the ones a NetWare administrator of the QoSWorks / PacketShaper era
 * would draw on a whiteboard (ipx-reference §C1–C2), mapped onto the service classes of RFC 4594
 * (network control CS6/CS7, real-time interactive CS4 "eg. games", bulk AF1x, scavenger CS1):
 *
 * | class             | RFC 4594 analogue          | CAKE diffserv4 tin        |
 * |-------------------|----------------------------|---------------------------|
 * | network_control   | network control (CS6/CS7)  | Voice (1/4 threshold)     |
 * | interactive       | low-latency data (AF2x)    | Video / Best effort       |
 * | game              | real-time interactive (CS4)| Video                     |
 * | bulk              | high-throughput data (AF1x)| Best effort               |
 * | background        | low-priority data (CS1)    | Bulk (1/16)               |
 * | default           | default forwarding (DF)    | Best effort               |
 *
 * Pure: no timers, no sockets. Times in this folder are milliseconds on a caller's clock; rates are
 * bit/s; sizes are bytes.
 */
import { ConfigError } from '../errors.js'

/** Traffic class names. `as const` object plus a derived union, no TS enum. */
export const TrafficClass = {
  /** RIP, SAP and SPX system packets: lose these and routes, services or connections die. */
  NetworkControl: 'network_control',
  /** SPX data, small NCP requests, Novell ping, diagnostics: a person is waiting on each one. */
  Interactive: 'interactive',
  /** Game sockets (DOOM and friends): small, periodic, stale when late. */
  Game: 'game',
  /** Large NCP reads and writes, packet burst, large frames: throughput matters, latency less. */
  Bulk: 'bulk',
  /** NetBIOS type-20 propagated broadcasts: chatty, rarely urgent. */
  Background: 'background',
  /** Whatever no rule claimed. */
  Default: 'default'
} as const
export type TrafficClass = typeof TrafficClass[keyof typeof TrafficClass]

/** Every class, in the order used for indices, counters and reports. */
export const TRAFFIC_CLASSES: readonly TrafficClass[] = [
  TrafficClass.NetworkControl, TrafficClass.Interactive, TrafficClass.Game,
  TrafficClass.Bulk, TrafficClass.Background, TrafficClass.Default
]

/** Index of a class in {@link TRAFFIC_CLASSES} (for arrays indexed by class). */
export function classIndex (c: TrafficClass): number {
  switch (c) {
    case 'network_control': return 0
    case 'interactive': return 1
    case 'game': return 2
    case 'bulk': return 3
    case 'background': return 4
    case 'default': return 5
  }
}

/** True when `s` names a traffic class. */
export function isTrafficClass (s: string): s is TrafficClass {
  return (TRAFFIC_CLASSES as readonly string[]).includes(s)
}

/**
 * How a class drops when it must.
 *  - `tail`: refuse the arriving packet when the queue's byte bound would be exceeded.
 *  - `codel`: tail drop at the byte bound, plus CoDel's sojourn-time drop at dequeue (RFC 8289).
 *    `targetMs`/`intervalMs` left out are tuned from the link rate by {@link codelParameters}.
 */
export type DropPolicy =
  | { readonly kind: 'tail' }
  | { readonly kind: 'codel', readonly targetMs?: number, readonly intervalMs?: number }

/** How one class is queued and served. */
export interface ClassConfig {
  /**
   * Share of the link rate (0..1] up to which the class is served in strict priority, ahead of the
   * round robin. Above it the class is demoted into the round robin with its `weight`, so it can
   * never starve the rest: CAKE's "soft admission control" of its priority tins (ipx-reference §C3,
   * CakeTechnical.md). Absent: the class is only in the round robin.
   */
  readonly strictShare?: number
  /** Deficit-round-robin weight: the class's quantum is `weight × quantum` bytes per round. */
  readonly weight: number
  /** Largest number of bytes the class's queue may hold; an arrival that would exceed it is dropped. */
  readonly queueBytes: number
  /** Drop policy. */
  readonly drop: DropPolicy
}

/** One {@link ClassConfig} per class. */
export type ClassTable = Readonly<Record<TrafficClass, ClassConfig>>

/**
 * The default class table. Every number is a design choice of ipxlab's (invented, labelled as
 * such), with the reasoning next to it:
 *  - network_control: strict up to 1/4 of the link, CAKE diffserv4's Voice-tin threshold
 *    (ipx-reference §C3); RIP and SAP together are a few hundred bytes a minute per router
 *    (60 s timers, §B3–B4), so 1/4 is never reached by healthy traffic and caps a storm.
 *  - interactive and game: weight 4 and short queues (16 KiB and 8 KiB): QoSWorks 2.0 "can cap
 *    queue depth for real-time traffic to cut latency/jitter" (§C1); a game update queued longer
 *    than a few frames is stale.
 *  - bulk: weight 2, 64 KiB queue with CoDel (fq_codel and CAKE put CoDel on every queue, §C3).
 *  - background: weight 1 (CAKE's Bulk tin gets 1/16, §C3).
 *  - default: weight 2, 32 KiB.
 */
export const DEFAULT_CLASS_TABLE: ClassTable = {
  network_control: { strictShare: 0.25, weight: 1, queueBytes: 16 * 1024, drop: { kind: 'tail' } },
  interactive: { weight: 4, queueBytes: 16 * 1024, drop: { kind: 'tail' } },
  game: { weight: 4, queueBytes: 8 * 1024, drop: { kind: 'tail' } },
  bulk: { weight: 2, queueBytes: 64 * 1024, drop: { kind: 'codel' } },
  background: { weight: 1, queueBytes: 16 * 1024, drop: { kind: 'tail' } },
  default: { weight: 2, queueBytes: 32 * 1024, drop: { kind: 'tail' } }
}

/**
 * The largest frame the stage expects, in bytes: an Ethernet payload (IEEE 802.3: 1500). Used as
 * the DRR base quantum and in CoDel's auto-tuning. Configurable everywhere it is used.
 */
export const DEFAULT_MTU = 1500

/** CoDel's defaults: target 5 ms, interval 100 ms (RFC 8289 §4.2–4.3; tc-fq_codel(8)). */
export const CODEL_TARGET_MS = 5
/** See {@link CODEL_TARGET_MS}. */
export const CODEL_INTERVAL_MS = 100

/** Serialization time of `bytes` at `rate` bit/s, in milliseconds. */
export function serializationMs (bytes: number, rate: number): number {
  return bytes * 8000 / rate
}

/**
 * CoDel target and interval for a link: RFC 8289's 5 ms / 100 ms, raised the way CAKE auto-tunes
 * them on slow links so that one full frame is never "standing queue" by itself: target at least
 * 1.5 × the serialization time of one MTU, interval at least 8 × target (ipx-reference §C5, citing
 * tohojo/bufferbloat-net CakeTechnical.md). At 1 Mbit/s one 1500-byte frame takes 12 ms, so the
 * target becomes 18 ms and the interval 144 ms.
 */
export function codelParameters (rate: number, mtu: number = DEFAULT_MTU): { targetMs: number, intervalMs: number } {
  const targetMs = Math.max(CODEL_TARGET_MS, 1.5 * serializationMs(mtu, rate))
  return { targetMs, intervalMs: Math.max(CODEL_INTERVAL_MS, 8 * targetMs) }
}

/** Throws {@link ConfigError} unless every class of `table` has sane numbers. */
export function validateClassTable (table: ClassTable): void {
  for (const c of TRAFFIC_CLASSES) {
    const cfg = table[c]
    const field = `qos.classes.${c}`
    if (cfg === undefined) throw new ConfigError(field, 'missing class')
    if (!(Number.isFinite(cfg.weight) && cfg.weight > 0)) throw new ConfigError(`${field}.weight`, 'must be a positive number')
    if (!(Number.isInteger(cfg.queueBytes) && cfg.queueBytes > 0)) throw new ConfigError(`${field}.queueBytes`, 'must be a positive integer')
    if (cfg.strictShare !== undefined && !(cfg.strictShare > 0 && cfg.strictShare <= 1)) {
      throw new ConfigError(`${field}.strictShare`, 'must be in (0, 1]')
    }
    if (cfg.drop.kind === 'codel') {
      const { targetMs, intervalMs } = cfg.drop
      if (targetMs !== undefined && !(targetMs > 0)) throw new ConfigError(`${field}.drop.targetMs`, 'must be positive')
      if (intervalMs !== undefined && !(intervalMs > 0)) throw new ConfigError(`${field}.drop.intervalMs`, 'must be positive')
    }
  }
}
