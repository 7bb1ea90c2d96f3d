/**
 * The node's SNP conversation with each peer on udp 2629 (protocol/snp/SPEC.md §3.5), on top of the
 * {@link SnpEndpoint} socket:
 *
 *  1. Native link up → `hello` to the peer's SNP address every `helloIntervalMs` (at most
 *     `helloRetries` times) until a hello or hello-ack arrives; a received `hello` is answered with
 *     `hello-ack`. Both carry this node's class-table digest ({@link classTableInput}: the class table
 *     and the classifier's rules) and link settings; each received one is compared with ours
 *     (`compareHello`) and a disagreement is logged once as a warning, field by field
 *     (`describeMismatch`), and flagged in {@link SnpAgent.stats}. SNP observes only: nothing here
 *     changes forwarding (SPEC.md S23).
 *  2. Every `probeIntervalMs`, `probe`; a received probe is answered at once with `probe-reply`.
 *     A reply gives the RTT and the one-way delays (`probeTimes`, RFC 5905 §8); the delay variation is
 *     the difference of consecutive forward delays (IPDV, RFC 3393 §2.4).
 *  3. Every `reportIntervalMs`, `report`(s): what this node received from the peer on the native link
 *     during the interval, per traffic class (counted by the node's receive hook,
 *     {@link SnpReceiveRecorder}, from the native frame's class byte), and its own queue drops per
 *     class towards the peer (from the link's QoS stage). A received report is what the peer measured
 *     of this node's traffic: kept per class, last interval and running totals.
 *  4. On stop, `bye` (reason shutdown).
 *
 * Loss attribution (SPEC.md §3.3, S19, inferred): the native sequence counts every frame of the link,
 * so the link's own loss counter is the truth; the change in it since the previous data frame is
 * charged to the class of the data frame that reveals it. A late frame that fills a gap un-charges
 * one loss (its own class first, then any class), so the per-class losses sum to the link's.
 */
import type { AddressInfo } from 'node:net'
import { EventEmitter } from 'node:events'
import {
  ByeReason, Capability, LinkMode, PPM, SNP_MAX_REPORT_CLASSES, classTableDigest, compareHello, describeMismatch,
  probeTimes, timestampFromMicros
} from '../../protocol/snp/index.js'
import type { ClassReport, ClassTableInput, HelloBody, HelloMismatch, LinkSettings, SnpMessage } from '../../protocol/snp/index.js'
import { formatNode } from '../../protocol/ipx/address.js'
import { formatHostPort } from '../address.js'
import { DEFAULT_MAX_PACKET } from '../transport/native-link.js'
import type { NativeLink, PacketMeta } from '../transport/native-link.js'
import { SnpEndpoint } from '../transport/snp-endpoint.js'
import type { SnpEndpointStats, SnpPeer, SnpReceived } from '../transport/snp-endpoint.js'
import { DEFAULT_CLASS_TABLE, TRAFFIC_CLASSES } from '../qos/classes.js'
import type { ClassTable } from '../qos/classes.js'
import { defaultRules } from '../qos/rules.js'
import type { Rule } from '../qos/rules.js'
import type { LinkQos, LinkQosOptions } from './link-qos.js'
import type { Logger } from '../log.js'

/** SPEC.md §3.5: hello retried every second, at most 10 times. */
export const DEFAULT_HELLO_INTERVAL_MS = 1000
/** See {@link DEFAULT_HELLO_INTERVAL_MS}. */
export const DEFAULT_HELLO_RETRIES = 10
/** Probe and report every second by default: the lab's screens refresh at that pace. */
export const DEFAULT_PROBE_INTERVAL_MS = 1000
/** See {@link DEFAULT_PROBE_INTERVAL_MS}. */
export const DEFAULT_REPORT_INTERVAL_MS = 1000
/**
 * One-way delay samples kept per class per interval (the most recent, a ring): at 2048 the p99 of
 * a full ring still rests on 20 samples; a busier interval reports its latest 2048 frames.
 */
export const DELAY_SAMPLES_PER_INTERVAL = 2048
/**
 * Largest count one class may show in one report: a million packets in a report interval (1 s by
 * default) is beyond any IPX lab link; a larger lost/received count is a forged or corrupt report
 * and the whole report is discarded (counted `reports.implausible`).
 */
export const MAX_REPORT_COUNT = 1_000_000

/** Probes awaiting a reply, per peer; older ones are forgotten (a lost probe is not retried). */
const MAX_OUTSTANDING_PROBES = 16
const U32 = 0xffffffff
/** u48: the report's `bytes` field. */
const U48 = 0xffffffffffff

function u32 (n: number): number {
  return Math.max(0, Math.min(U32, Math.round(n)))
}

/** The QoS runtime options of a node, as {@link linkSettingsFromQos} reads them. */
export type QosRuntime = Omit<LinkQosOptions, 'send' | 'now' | 'logger'>

/**
 * The hello's link settings from the node's QoS runtime (SPEC.md §3.1): the rate, delay, jitter and
 * loss the QoS stage emulates towards every peer. The stage shapes only what it sends, and a lab
 * gives both nodes the same settings, so the link is stated as symmetric: `upRate = downRate`.
 * Without a discipline nothing is emulated: all zero.
 */
export function linkSettingsFromQos (q: QosRuntime | undefined): LinkSettings {
  if (q === undefined || (q.discipline ?? 'none') === 'none') {
    return { upRate: 0, downRate: 0, delayMicros: 0, jitterMicros: 0, lossPpm: 0 }
  }
  const rate = u32(q.rateBps ?? 0)
  return {
    upRate: rate,
    downRate: rate,
    delayMicros: u32((q.wan?.delayMs ?? 0) * 1000),
    jitterMicros: u32((q.wan?.jitterMs ?? 0) * 1000),
    lossPpm: Math.min(PPM, u32((q.wan?.loss ?? 0) * PPM))
  }
}

/**
 * What the class-table digest covers (SPEC.md §4): the classes in class-id order (their position is
 * the native `trafficClass`, S15), each its name plus its queue settings, and the classifier's rules
 * in match order.
 */
export function classTableInput (table: ClassTable = DEFAULT_CLASS_TABLE, rules: readonly Rule[] = defaultRules()): ClassTableInput {
  return {
    classes: TRAFFIC_CLASSES.map(name => ({ name, ...table[name] })),
    rules: rules.map(r => ({ ...r }))
  }
}

/** The name of class `id`: its {@link TRAFFIC_CLASSES} name, or `class_<id>` beyond them. */
export function className (id: number): string {
  return TRAFFIC_CLASSES[id] ?? `class_${id}`
}

/** The node's receive hook: one call per delivered native data frame of this peer. Allocation-free. */
export interface SnpReceiveRecorder {
  record: (bytes: number, meta: Readonly<PacketMeta>) => void
}

/** One delay summary, µs. */
export interface DelaySummary {
  p50: number
  p99: number
  max: number
}

/** What this node measured receiving one class from a peer: totals, and the last interval's delays. */
export interface MeasuredClass {
  packets: number
  bytes: number
  lost: number
  reordered: number
  duplicates: number
  /** One-way delay of the last completed interval with traffic, µs (nearest rank, SPEC.md §6). */
  delayMicros: DelaySummary
}

/** What the peer reported about this node's traffic in one class: running totals and the last interval. */
export interface PeerMeasuredClass {
  packets: number
  bytes: number
  lost: number
  reordered: number
  duplicates: number
  /** The peer's own queue drops in this class towards this node (totals). */
  drops: ClassReport['drops']
  /** The last reported interval with traffic in this class. */
  last: { packets: number, lost: number, delayMicros: DelaySummary }
}

/** The SNP view of one peer. */
export interface SnpPeerStats {
  id: string
  /** The native peer address. */
  address: string
  /** Where SNP goes. */
  snp: string
  peerNode: string | null
  linkUp: boolean
  hello: {
    sent: number
    received: number
    /** A hello or hello-ack arrived since the link came up. */
    complete: boolean
    /** null until the peer's hello arrived; false on any mismatch. */
    match: boolean | null
    /** `describeMismatch` lines. */
    mismatches: string[]
    remoteDigest: string | null
    remoteLink: LinkSettings | null
  }
  probes: {
    sent: number
    replies: number
    rttMicros: { last: number, min: number, avg: number, max: number } | null
    /** One-way delay variation, consecutive forward delays: the last and the mean absolute value. */
    ipdvMicros: { last: number, meanAbs: number } | null
  }
  reports: { sent: number, received: number, implausible: number }
  /** What this node measured of the peer's traffic, per class name. */
  measured: Record<string, MeasuredClass>
  /** What the peer measured of this node's traffic, per class name (from its reports). */
  peerMeasured: Record<string, PeerMeasuredClass>
  /** The peer's bye reason, when it said goodbye. */
  bye: number | null
}

/** What {@link SnpAgent.stats} returns. */
export interface SnpStats {
  listen: string
  /** This node's class-table digest, hex. */
  classDigest: string
  link: LinkSettings
  endpoint: SnpEndpointStats
  peers: SnpPeerStats[]
}

/** A peer as the node hands it over. */
export interface SnpPeerSource {
  id: string
  /** The native peer address (for display). */
  address: string
  /** The peer's SNP address. */
  snp: { host: string, port: number }
  link: NativeLink
  qos: LinkQos
  /** The native link's key and key id: SNP to this peer is signed with it (SPEC.md §5). */
  key?: Buffer
  keyId?: number
}

/** Options of {@link SnpAgent}. */
export interface SnpAgentOptions {
  /** The node's `snpListen`. */
  host: string
  port: number
  /** This node's id and IPX network, and its mode (hello). */
  node: number
  network: number
  mode: 'bridge' | 'route'
  /** The class table and rules the node classifies with (default: src/qos's). */
  classTable?: ClassTable
  rules?: readonly Rule[]
  /** Link settings announced in hello (default all zero; see {@link linkSettingsFromQos}). */
  link?: LinkSettings
  /** Largest IPX packet forwarded (hello `mtu`; default the native link's 1424). */
  mtu?: number
  helloIntervalMs?: number
  helloRetries?: number
  probeIntervalMs?: number
  reportIntervalMs?: number
  /** Scheduling clock, ms (default `performance.now()`). */
  now?: () => number
  /** Timestamp clock, µs since the epoch (default `performance.timeOrigin + performance.now()`). */
  nowMicros?: () => number
  logger?: Logger
}

/** Receive figures of one class from one peer. */
class ClassRx {
  packets = 0
  bytes = 0
  lost = 0
  reordered = 0
  duplicates = 0
  iPackets = 0
  iBytes = 0
  iLost = 0
  iReordered = 0
  iDuplicates = 0
  readonly delays = new Float64Array(DELAY_SAMPLES_PER_INTERVAL)
  /** Samples taken in the interval (may exceed the ring). */
  iSamples = 0
  last: DelaySummary = { p50: 0, p99: 0, max: 0 }

  /** The interval's delay summary, nearest rank (SPEC.md §6). */
  intervalDelay (): DelaySummary {
    const n = Math.min(this.iSamples, this.delays.length)
    if (n === 0) return { p50: 0, p99: 0, max: 0 }
    const s = this.delays.slice(0, n).sort()
    const rank = (p: number): number => s[Math.min(n, Math.max(1, Math.ceil(p * n))) - 1]!
    return { p50: u32(rank(0.5)), p99: u32(rank(0.99)), max: u32(s[n - 1]!) }
  }

  endInterval (): void {
    this.iPackets = 0
    this.iBytes = 0
    this.iLost = 0
    this.iReordered = 0
    this.iDuplicates = 0
    this.iSamples = 0
  }
}

/** Per-peer receive accounting: the hook's state. */
class PeerRx implements SnpReceiveRecorder {
  /** By class id (the native class byte, 0..255), created on first use. */
  readonly classes: Array<ClassRx | undefined> = []
  readonly #link: NativeLink
  #lost: number
  #reordered: number
  #duplicates: number

  constructor (link: NativeLink) {
    this.#link = link
    this.#lost = link.stats.lost
    this.#reordered = link.stats.reordered
    this.#duplicates = link.stats.duplicates
    // The known classes always appear (a report shows zeros rather than nothing).
    for (let i = 0; i < TRAFFIC_CLASSES.length; i++) this.classes[i] = new ClassRx()
  }

  record (bytes: number, meta: Readonly<PacketMeta>): void {
    const id = meta.trafficClass & 0xff
    const c = this.classes[id] ?? (this.classes[id] = new ClassRx())
    c.packets++
    c.bytes += bytes
    c.iPackets++
    c.iBytes += bytes
    const d = meta.receivedAtMicros - meta.sentAtMicros
    c.delays[c.iSamples % DELAY_SAMPLES_PER_INTERVAL] = d > 0 ? d : 0
    c.iSamples++
    const s = this.#link.stats
    const dLost = s.lost - this.#lost
    this.#lost = s.lost
    if (dLost > 0) {
      c.lost += dLost
      c.iLost += dLost
    } else if (dLost < 0) {
      this.#uncharge(c, -dLost)
    }
    const dReordered = s.reordered - this.#reordered
    this.#reordered = s.reordered
    c.reordered += dReordered
    c.iReordered += dReordered
    const dDuplicates = s.duplicates - this.#duplicates
    this.#duplicates = s.duplicates
    c.duplicates += dDuplicates
    c.iDuplicates += dDuplicates
  }

  /** A late frame filled `n` gaps: un-charge them, this class first, this interval first. */
  #uncharge (first: ClassRx, n: number): void {
    let need = n
    for (const pass of [true, false]) {
      for (const k of [first, ...this.classes]) {
        if (k === undefined || need === 0) continue
        const t = Math.min(need, pass ? k.iLost : k.lost)
        if (t <= 0) continue
        k.lost -= t
        k.iLost = Math.max(0, k.iLost - t)
        need -= t
      }
    }
  }
}

interface RttSummary { count: number, min: number, max: number, sum: number, last: number }

/** Per-peer conversation state. */
interface PeerState {
  src: SnpPeerSource
  rx: PeerRx
  wasUp: boolean
  helloSent: number
  helloReceived: number
  helloTries: number
  lastHelloAt: number
  helloComplete: boolean
  remote: { hello: HelloBody, node: number } | undefined
  mismatches: HelloMismatch[] | undefined
  mismatchKey: string
  probeId: number
  probesSent: number
  replies: number
  lastProbeAt: number
  outstanding: Map<number, number>
  rtt: RttSummary
  lastForward: number | undefined
  ipdv: { last: number, sumAbs: number, count: number }
  reportsSent: number
  reportsReceived: number
  /** Reports discarded as implausible (a count above {@link MAX_REPORT_COUNT}). */
  reportsImplausible: number
  lastReportAt: number
  intervalStartMicros: number
  /** The QoS stage's cumulative drops per class at the last report, to report the interval's. */
  prevDrops: Map<string, Record<string, number>>
  peerMeasured: Map<number, PeerMeasuredClass>
  bye: number | undefined
}

const TIME_ORIGIN_MS = performance.timeOrigin

function emptyDrops (): ClassReport['drops'] {
  return { queueFull: 0, aqm: 0, expired: 0, policer: 0, other: 0 }
}

/**
 * The QoS stage's drop reasons (src/qos/scheduler.ts `DropReason`, link-qos.ts `wan_*`, the link's
 * own send verdicts) onto the report's five (SPEC.md §3.3): tail drop → queueFull, CoDel → aqm;
 * the stage has no sojourn-time limit or policer of its own, so every other reason is `other`.
 */
function addDrop (out: ClassReport['drops'], reason: string, n: number): void {
  if (reason === 'queue_full') out.queueFull += n
  else if (reason === 'codel') out.aqm += n
  else if (reason === 'expired') out.expired += n
  else if (reason === 'policer') out.policer += n
  else out.other += n
}

/** The endpoint's view of a peer: where its SNP goes, its keys, and its node id once the link knows it. */
function endpointPeer (src: SnpPeerSource): SnpPeer {
  return {
    id: src.id,
    host: src.snp.host,
    port: src.snp.port,
    ...(src.key !== undefined ? { keys: new Map([[src.keyId ?? 1, src.key]]), sendKeyId: src.keyId ?? 1 } : {}),
    node: () => src.link.peerNode
  }
}

/** The SNP side of a node. Construct, add peers, {@link start}; {@link stop} says bye and closes. */
export class SnpAgent {
  /**
   * What happened in the conversations, for whoever waits on it (tests, the status API):
   * `'hello'` (peer id) when a hello or hello-ack completes the exchange, `'bye'` (peer id,
   * reason) when a peer says goodbye. Emitted after the state changed.
   */
  readonly events = new EventEmitter<{ hello: [peer: string], bye: [peer: string, reason: number] }>()
  readonly endpoint: SnpEndpoint
  /** This node's class-table digest (16 bytes). */
  readonly classDigest: Buffer
  /** The link settings announced in hello. */
  readonly link: LinkSettings
  readonly #o: SnpAgentOptions
  readonly #log: Logger | undefined
  readonly #now: () => number
  readonly #nowMicros: () => number
  readonly #peers = new Map<string, PeerState>()
  readonly #helloMs: number
  readonly #helloRetries: number
  readonly #probeMs: number
  readonly #reportMs: number
  #timer: NodeJS.Timeout | undefined
  #stopped = false

  constructor (o: SnpAgentOptions) {
    this.#o = o
    this.#log = o.logger
    this.#now = o.now ?? (() => performance.now())
    this.#nowMicros = o.nowMicros ?? (() => Math.floor((TIME_ORIGIN_MS + performance.now()) * 1000))
    this.classDigest = classTableDigest(classTableInput(o.classTable, o.rules))
    this.link = o.link ?? linkSettingsFromQos(undefined)
    this.#helloMs = o.helloIntervalMs ?? DEFAULT_HELLO_INTERVAL_MS
    this.#helloRetries = o.helloRetries ?? DEFAULT_HELLO_RETRIES
    this.#probeMs = o.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS
    this.#reportMs = o.reportIntervalMs ?? DEFAULT_REPORT_INTERVAL_MS
    for (const [k, v] of [['helloIntervalMs', this.#helloMs], ['probeIntervalMs', this.#probeMs], ['reportIntervalMs', this.#reportMs]] as const) {
      // SPEC.md §3.1: intervals are u16 ms in the hello.
      if (!(Number.isInteger(v) && v >= 1 && v <= 0xffff)) throw new RangeError(`${k} must be an integer 1..65535, got ${v}`)
    }
    this.endpoint = new SnpEndpoint({
      host: o.host,
      port: o.port,
      node: o.node,
      now: this.#nowMicros,
      onMessage: (r) => { this.#onMessage(r) },
      ...(o.logger !== undefined ? { logger: o.logger } : {})
    })
  }

  /** Registers a peer; returns the receive hook the node calls for each data frame from it. */
  addPeer (src: SnpPeerSource): SnpReceiveRecorder {
    const rx = new PeerRx(src.link)
    this.#peers.set(src.id, {
      src,
      rx,
      wasUp: false,
      helloSent: 0,
      helloReceived: 0,
      helloTries: 0,
      lastHelloAt: -Infinity,
      helloComplete: false,
      remote: undefined,
      mismatches: undefined,
      mismatchKey: '',
      probeId: 0,
      probesSent: 0,
      replies: 0,
      lastProbeAt: -Infinity,
      outstanding: new Map(),
      rtt: { count: 0, min: Infinity, max: -Infinity, sum: 0, last: 0 },
      lastForward: undefined,
      ipdv: { last: 0, sumAbs: 0, count: 0 },
      reportsSent: 0,
      reportsReceived: 0,
      reportsImplausible: 0,
      lastReportAt: this.#now(),
      intervalStartMicros: this.#nowMicros(),
      prevDrops: new Map(),
      peerMeasured: new Map(),
      bye: undefined
    })
    this.endpoint.addPeer(endpointPeer(src))
    return rx
  }

  /** The peer `id` is at another SNP host now (its name resolved to a new address): its figures stay. */
  repointPeer (id: string, host: string): void {
    const p = this.#peers.get(id)
    if (p === undefined) return
    p.src = { ...p.src, snp: { ...p.src.snp, host } }
    this.endpoint.addPeer(endpointPeer(p.src))
  }

  /** Binds udp `host:port`; then ticks. Rejects with `TransportError` on a bind failure. */
  async start (): Promise<AddressInfo> {
    const a = await this.endpoint.start()
    const tickMs = Math.max(10, Math.min(250, Math.floor(Math.min(this.#helloMs, this.#probeMs, this.#reportMs) / 4)))
    this.#timer = setInterval(() => { this.tick() }, tickMs)
    this.#timer.unref()
    return a
  }

  /** The bound SNP address. */
  address (): AddressInfo {
    return this.endpoint.address()
  }

  /** This node's hello body towards `p`. */
  #helloBody (p: PeerState): HelloBody {
    return {
      peerNode: p.src.link.peerNode ?? 0,
      network: this.#o.network,
      mode: this.#o.mode === 'bridge' ? LinkMode.Bridge : LinkMode.Route,
      reserved: 0,
      classCount: TRAFFIC_CLASSES.length,
      capabilities: Capability.Reports | Capability.Probes,
      reportIntervalMs: this.#reportMs,
      probeIntervalMs: this.#probeMs,
      mtu: this.#o.mtu ?? DEFAULT_MAX_PACKET,
      link: { ...this.link },
      classDigest: this.classDigest
    }
  }

  /** The periodic work (the timer calls it; tests may too): hellos, probes, reports. */
  tick (): void {
    if (this.#stopped || !this.endpoint.running) return
    const now = this.#now()
    for (const p of this.#peers.values()) {
      const up = p.src.link.up
      if (up && !p.wasUp) {
        // A (re)started link: a new conversation (SPEC.md §3.5 step 1).
        p.helloComplete = false
        p.helloTries = 0
        p.lastHelloAt = -Infinity
        p.outstanding.clear()
        p.lastForward = undefined
      }
      p.wasUp = up
      if (!up) continue
      if (!p.helloComplete && p.helloTries < this.#helloRetries && now - p.lastHelloAt >= this.#helloMs) {
        p.helloTries++
        p.lastHelloAt = now
        this.#send(p, { kind: 'hello', hello: this.#helloBody(p) })
      }
      if (now - p.lastProbeAt >= this.#probeMs) {
        p.lastProbeAt = now
        const id = p.probeId
        p.probeId = (p.probeId + 1) >>> 0
        const at = this.endpoint.send(p.src.id, { kind: 'probe', probe: { probeId: id } })
        if (at !== undefined) {
          p.probesSent++
          p.outstanding.set(id, at)
          if (p.outstanding.size > MAX_OUTSTANDING_PROBES) p.outstanding.delete(p.outstanding.keys().next().value!)
        }
      }
      if (now - p.lastReportAt >= this.#reportMs) {
        p.lastReportAt = now
        this.#report(p)
      }
    }
  }

  #send (p: PeerState, body: Parameters<SnpEndpoint['send']>[1]): number | undefined {
    const at = this.endpoint.send(p.src.id, body)
    if (at !== undefined && (body.kind === 'hello' || body.kind === 'hello-ack')) p.helloSent++
    return at
  }

  /** Ends the interval: one report (or several, 24 classes each, SPEC.md §3.3) of what was received. */
  #report (p: PeerState): void {
    const nowUs = this.#nowMicros()
    const intervalMicros = u32(nowUs - p.intervalStartMicros)
    p.intervalStartMicros = nowUs
    const qos = p.src.qos.stats().classes
    const entries: ClassReport[] = []
    p.rx.classes.forEach((c, id) => {
      if (c === undefined) return
      const name = className(id)
      const drops = emptyDrops()
      const nowDrops = qos[name]?.drops ?? {}
      const before = p.prevDrops.get(name) ?? {}
      for (const [reason, n] of Object.entries(nowDrops)) addDrop(drops, reason, n - (before[reason] ?? 0))
      p.prevDrops.set(name, { ...nowDrops })
      const delay = c.intervalDelay()
      // The figures shown keep the last interval that had traffic.
      if (c.iSamples > 0) c.last = delay
      entries.push({
        classId: id,
        reserved: 0,
        packets: u32(c.iPackets),
        bytes: Math.min(U48, c.iBytes),
        lost: u32(c.iLost),
        reordered: u32(c.iReordered),
        duplicates: u32(c.iDuplicates),
        delay,
        drops: { queueFull: u32(drops.queueFull), aqm: u32(drops.aqm), expired: u32(drops.expired), policer: u32(drops.policer), other: u32(drops.other) }
      })
      c.endInterval()
    })
    for (let i = 0; i < entries.length; i += SNP_MAX_REPORT_CLASSES) {
      const at = this.#send(p, { kind: 'report', report: { intervalMicros, classes: entries.slice(i, i + SNP_MAX_REPORT_CLASSES) } })
      if (at !== undefined) p.reportsSent++
    }
  }

  #onMessage (r: SnpReceived): void {
    // Once it said bye, a stopping agent answers nothing: the peer, which starts a new hello
    // exchange on a bye while the link is still up, would take a hello-ack sent now as a
    // return and forget the bye (the flaky "stop says bye" test: the socket closes a moment later).
    if (this.#stopped) return
    const p = this.#peers.get(r.peer)
    // A stopping agent has said bye: it answers nothing more (a hello-ack sent while the socket
    // closes would arrive after the bye and undo it at the peer).
    if (p === undefined || this.#stopped) return
    const m = r.message
    const b = m.body
    switch (b.kind) {
      case 'hello':
      case 'hello-ack':
        p.helloReceived++
        p.helloComplete = true
        p.bye = undefined
        this.#checkHello(p, b.hello, m)
        if (b.kind === 'hello') this.#send(p, { kind: 'hello-ack', hello: this.#helloBody(p) })
        this.events.emit('hello', r.peer)
        break
      case 'probe':
        this.endpoint.send(p.src.id, {
          kind: 'probe-reply',
          reply: { probeId: b.probe.probeId, echoTimestamp: { ...m.header.timestamp }, receivedAt: timestampFromMicros(r.receivedAtMicros) }
        })
        break
      case 'probe-reply': {
        if (!p.outstanding.delete(b.reply.probeId)) break
        const t = probeTimes(b.reply, m.header.timestamp, timestampFromMicros(r.receivedAtMicros))
        p.replies++
        const rtt = Math.max(0, t.rttMicros)
        const s = p.rtt
        s.count++
        s.sum += rtt
        s.last = rtt
        if (rtt < s.min) s.min = rtt
        if (rtt > s.max) s.max = rtt
        if (p.lastForward !== undefined) {
          const v = t.forwardMicros - p.lastForward
          p.ipdv.last = v
          p.ipdv.sumAbs += Math.abs(v)
          p.ipdv.count++
        }
        p.lastForward = t.forwardMicros
        break
      }
      case 'report':
        p.reportsReceived++
        // A forged report (no key) must not add billions to the peer's figures (issue 13).
        if (b.report.classes.some(c => c.packets > MAX_REPORT_COUNT || c.lost > MAX_REPORT_COUNT || c.reordered > MAX_REPORT_COUNT || c.duplicates > MAX_REPORT_COUNT)) {
          p.reportsImplausible++
          break
        }
        for (const c of b.report.classes) {
          const k = p.peerMeasured.get(c.classId) ?? {
            packets: 0, bytes: 0, lost: 0, reordered: 0, duplicates: 0, drops: emptyDrops(), last: { packets: 0, lost: 0, delayMicros: { p50: 0, p99: 0, max: 0 } }
          }
          k.packets += c.packets
          k.bytes += c.bytes
          k.lost += c.lost
          k.reordered += c.reordered
          k.duplicates += c.duplicates
          for (const f of ['queueFull', 'aqm', 'expired', 'policer', 'other'] as const) k.drops[f] += c.drops[f]
          if (c.packets > 0 || c.lost > 0) k.last = { packets: c.packets, lost: c.lost, delayMicros: { ...c.delay } }
          p.peerMeasured.set(c.classId, k)
        }
        break
      case 'bye':
        p.bye = b.bye.reason
        p.helloComplete = false
        p.helloTries = 0
        this.#log?.info('snp: peer said bye', { peer: p.src.address, reason: b.bye.reason })
        this.events.emit('bye', r.peer, b.bye.reason)
        break
      case 'unknown':
        break
    }
  }

  #checkHello (p: PeerState, remote: HelloBody, m: SnpMessage): void {
    const copy: HelloBody = { ...remote, link: { ...remote.link }, classDigest: Buffer.from(remote.classDigest) }
    p.remote = { hello: copy, node: m.header.node }
    const list = compareHello(this.#helloBody(p), copy, { local: this.#o.node, remote: m.header.node })
    p.mismatches = list
    const key = list.map(describeMismatch).join('; ')
    if (key === p.mismatchKey) return
    p.mismatchKey = key
    if (list.length > 0) {
      this.#log?.warn('snp: the peer runs a different QoS configuration (hello mismatch); forwarding continues', {
        peer: p.src.address, peerNode: formatNode(m.header.node), mismatches: list.map(describeMismatch)
      })
    } else {
      this.#log?.info('snp: hello agrees with the peer', { peer: p.src.address })
    }
  }

  /** Everything the status API shows about SNP. */
  stats (): SnpStats {
    let listen = `${this.#o.host}:${this.#o.port}`
    if (this.endpoint.running) {
      const a = this.endpoint.address()
      listen = formatHostPort(a.address, a.port)
    }
    return {
      listen,
      classDigest: this.classDigest.toString('hex'),
      link: { ...this.link },
      endpoint: this.endpoint.stats(),
      peers: [...this.#peers.values()].map(p => this.#peerStats(p))
    }
  }

  #peerStats (p: PeerState): SnpPeerStats {
    const measured: Record<string, MeasuredClass> = {}
    p.rx.classes.forEach((c, id) => {
      if (c === undefined) return
      measured[className(id)] = { packets: c.packets, bytes: c.bytes, lost: c.lost, reordered: c.reordered, duplicates: c.duplicates, delayMicros: { ...c.last } }
    })
    const peerMeasured: Record<string, PeerMeasuredClass> = {}
    for (const [id, k] of [...p.peerMeasured].sort((a, b) => a[0] - b[0])) {
      peerMeasured[className(id)] = { ...k, drops: { ...k.drops }, last: { ...k.last, delayMicros: { ...k.last.delayMicros } } }
    }
    const r = p.rtt
    const node = p.src.link.peerNode
    return {
      id: p.src.id,
      address: p.src.address,
      snp: formatHostPort(p.src.snp.host, p.src.snp.port),
      peerNode: node !== undefined ? formatNode(node) : null,
      linkUp: p.src.link.up,
      hello: {
        sent: p.helloSent,
        received: p.helloReceived,
        complete: p.helloComplete,
        match: p.mismatches === undefined ? null : p.mismatches.length === 0,
        mismatches: (p.mismatches ?? []).map(describeMismatch),
        remoteDigest: p.remote?.hello.classDigest.toString('hex') ?? null,
        remoteLink: p.remote !== undefined ? { ...p.remote.hello.link } : null
      },
      probes: {
        sent: p.probesSent,
        replies: p.replies,
        rttMicros: r.count > 0 ? { last: r.last, min: r.min, avg: Math.round(r.sum / r.count), max: r.max } : null,
        ipdvMicros: p.ipdv.count > 0 ? { last: p.ipdv.last, meanAbs: Math.round(p.ipdv.sumAbs / p.ipdv.count) } : null
      },
      reports: { sent: p.reportsSent, received: p.reportsReceived, implausible: p.reportsImplausible },
      measured,
      peerMeasured,
      bye: p.bye ?? null
    }
  }

  /** Says bye (reason shutdown) to every peer that heard from us, stops the timer, closes the socket. */
  async stop (): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    if (this.#timer !== undefined) clearInterval(this.#timer)
    if (this.endpoint.running) {
      for (const p of this.#peers.values()) {
        if (p.helloComplete || p.helloSent > 0) this.endpoint.send(p.src.id, { kind: 'bye', bye: { reason: ByeReason.Shutdown } })
      }
    }
    await this.endpoint.stop()
  }
}
