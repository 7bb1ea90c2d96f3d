/**
 * A virtual-clock simulation of one link's QoS stage: traffic sources → classifier → scheduler
 * (FIFO or SNP) → token-bucket shaper → WAN emulator, driven by an event heap. Nothing waits on a
 * real clock, so a 60-second lab run takes milliseconds and repeats exactly for a given seed.
 *
 * Life of a simulated packet:
 *  1. a source emits a datagram at time t: it "arrives at the sending node";
 *  2. the classifier picks its class (`enforcedClass`), the scheduler queues it or drops it;
 *  3. whenever the link is free, the scheduler is asked for the next packet; the shaper says when
 *     it may start (at once, when the bucket holds enough tokens); that start is the end of its
 *     queueing delay (arrival → start of transmission on the emulated link);
 *  4. the WAN emulator serializes it at the link rate, loses, duplicates, reorders and delays it;
 *  5. the source hears about a delivery (first copy) or a loss, which is how window-based sources
 *     are clocked.
 *
 * Reports per class and per source: p50 / p99 / max queueing delay, throughput, drops by reason,
 * WAN losses; and the link utilisation. Only packets arriving after `warmupMs` count toward delays;
 * throughput and utilisation count serialization time inside [warmupMs, durationMs].
 */
import { ConfigError } from '../errors.js'
import { makePacket, encode as encodeIpx } from '../../protocol/ipx/packet.js'
import { BROADCAST_NODE, PacketType, Socket } from '../../protocol/constants.js'
import * as spx from '../../protocol/spx.js'
import * as ncp from '../../protocol/ncp.js'
import { TRAFFIC_CLASSES, DEFAULT_MTU, serializationMs } from './classes.js'
import type { ClassTable, TrafficClass } from './classes.js'
import { Classifier } from './classifier.js'
import type { ClassifierCounters, ClassifierOptions } from './classifier.js'
import { FifoScheduler, SnpScheduler } from './scheduler.js'
import type { QueueItem, Scheduler, SchedulerStats, DropReason } from './scheduler.js'
import { TokenBucket } from './shaper.js'
import { WanEmulator } from './wan.js'
import type { WanOptions, WanStats } from './wan.js'
import { Mulberry32 } from './random.js'
import { DOOM_SOCKETS } from './rules.js'

/** A packet in the simulation. */
export interface SimPacket extends QueueItem {
  /** Sequence number of emission, from 0. */
  readonly id: number
  /** Name of the source that sent it. */
  readonly source: string
  /** The IPX datagram. */
  readonly datagram: Uint8Array
  /** Arrival at the sending node, ms. */
  readonly arrival: number
  /** The class the rules chose (`trafficClass` is the enforced one; they differ in monitor-only mode). */
  readonly classifiedClass: TrafficClass
}

/** What a source may do. */
export interface SourceContext {
  /** The current virtual time, ms. */
  readonly now: number
  /** Emits a datagram now; returns the packet (already classified and offered to the scheduler). */
  send: (datagram: Uint8Array) => SimPacket
  /** Runs `fn` at virtual time `time` (>= now). */
  at: (time: number, fn: () => void) => void
  /** A uniform number in [0, 1) from the simulation's seeded PRNG. */
  random: () => number
}

/** A traffic generator. */
export interface TrafficSource {
  readonly name: string
  /** Called once at time 0. */
  start: (ctx: SourceContext) => void
  /** The far end received `packet` (first copy) at `ctx.now`. */
  onDelivered?: (packet: SimPacket, ctx: SourceContext) => void
  /** `packet` was dropped by the scheduler or lost on the WAN, at `ctx.now`. */
  onLost?: (packet: SimPacket, ctx: SourceContext) => void
}

/** Simulation settings. */
export interface SimulationOptions {
  /** Queue discipline. */
  readonly discipline: 'fifo' | 'snp'
  /** Link rate, bit/s: the WAN's serialization rate and the shaper's default rate. */
  readonly linkRate: number
  /** WAN impairments; `rate` defaults to `linkRate`. */
  readonly wan?: WanOptions
  /** Virtual run time, ms. */
  readonly durationMs: number
  /** Measurements start here, ms. Default 0. */
  readonly warmupMs?: number
  readonly sources: readonly TrafficSource[]
  /** Classifier settings (rules, monitor-only). */
  readonly classifier?: ClassifierOptions
  /** SNP class table. */
  readonly classes?: ClassTable
  /** FIFO byte bound. Default 65536. */
  readonly fifoBytes?: number
  /** MTU, bytes. Default 1500. */
  readonly mtu?: number
  /** Shaper rate (bit/s; default linkRate) and bucket (bytes; default one MTU). */
  readonly shaper?: { readonly rate?: number, readonly burstBytes?: number }
  /** Seed of the sources' PRNG. Default 1. */
  readonly seed?: number
  /** Safety bound on processed events. Default 5 000 000. */
  readonly maxEvents?: number
}

/** Queueing-delay and volume figures of one class or source. */
export interface FlowReport {
  /** Packets emitted. */
  offered: number
  /** Packets that started transmission. */
  transmitted: number
  /** Scheduler drops by reason. */
  dropped: Record<DropReason, number>
  /** Packets lost on the WAN. */
  lostOnWan: number
  /** Packets delivered at the far end (first copies). */
  delivered: number
  /** Queueing delay (arrival → start of transmission) of measured packets, ms. */
  delayMs: { p50: number, p99: number, max: number, mean: number, samples: number }
  /** Bits serialized in the measurement window / its length, bit/s. */
  throughputBps: number
}

/** What {@link simulate} returns. */
export interface SimulationReport {
  discipline: 'fifo' | 'snp'
  linkRate: number
  /** Length of the measurement window, ms. */
  measuredMs: number
  /** Fraction of the measurement window the link spent serializing. */
  utilisation: number
  /** Serialization time of one MTU frame at the link rate, ms. */
  frameMs: number
  classes: Record<TrafficClass, FlowReport>
  sources: Record<string, FlowReport>
  scheduler: SchedulerStats
  wan: WanStats
  classifier: ClassifierCounters
  events: number
}

interface FlowAcc {
  offered: number
  transmitted: number
  dropped: Record<DropReason, number>
  lostOnWan: number
  delivered: number
  delays: number[]
  busyMs: number
}

function newAcc (): FlowAcc {
  return { offered: 0, transmitted: 0, dropped: { queue_full: 0, codel: 0 }, lostOnWan: 0, delivered: 0, delays: [], busyMs: 0 }
}

/** Nearest-rank percentile of a sorted array (0 for an empty one). */
export function percentile (sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)))
  return sorted[rank - 1]!
}

function report (a: FlowAcc, measuredMs: number, rate: number): FlowReport {
  const d = [...a.delays].sort((x, y) => x - y)
  const sum = d.reduce((s, x) => s + x, 0)
  return {
    offered: a.offered,
    transmitted: a.transmitted,
    dropped: { ...a.dropped },
    lostOnWan: a.lostOnWan,
    delivered: a.delivered,
    delayMs: { p50: percentile(d, 0.5), p99: percentile(d, 0.99), max: d.length > 0 ? d[d.length - 1]! : 0, mean: d.length > 0 ? sum / d.length : 0, samples: d.length },
    throughputBps: measuredMs > 0 ? a.busyMs * rate / measuredMs : 0
  }
}

/** A binary min-heap of events ordered by (time, sequence): deterministic for equal times. */
class EventHeap {
  readonly #times: number[] = []
  readonly #seqs: number[] = []
  readonly #fns: Array<() => void> = []
  #seq = 0

  get size (): number {
    return this.#times.length
  }

  push (time: number, fn: () => void): void {
    const t = this.#times
    const s = this.#seqs
    const f = this.#fns
    let i = t.length
    t.push(time); s.push(this.#seq++); f.push(fn)
    while (i > 0) {
      const p = (i - 1) >> 1
      if (t[p]! < t[i]! || (t[p] === t[i] && s[p]! < s[i]!)) break
      this.#swap(i, p)
      i = p
    }
  }

  peekTime (): number {
    return this.#times[0]!
  }

  pop (): (() => void) | undefined {
    const t = this.#times
    if (t.length === 0) return undefined
    const fn = this.#fns[0]!
    const last = t.length - 1
    this.#swap(0, last)
    t.pop(); this.#seqs.pop(); this.#fns.pop()
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < t.length && this.#less(l, m)) m = l
      if (r < t.length && this.#less(r, m)) m = r
      if (m === i) break
      this.#swap(i, m)
      i = m
    }
    return fn
  }

  #less (a: number, b: number): boolean {
    const t = this.#times
    return t[a]! < t[b]! || (t[a] === t[b] && this.#seqs[a]! < this.#seqs[b]!)
  }

  #swap (a: number, b: number): void {
    const t = this.#times; const s = this.#seqs; const f = this.#fns
    const tt = t[a]!; t[a] = t[b]!; t[b] = tt
    const ss = s[a]!; s[a] = s[b]!; s[b] = ss
    const ff = f[a]!; f[a] = f[b]!; f[b] = ff
  }
}

/** The sources by name, each with its accumulator. Throws ConfigError on a duplicate name. */
function indexSources (list: readonly TrafficSource[]): { bySource: Map<string, FlowAcc>, sourceOf: Map<string, TrafficSource> } {
  const bySource = new Map<string, FlowAcc>()
  const sourceOf = new Map<string, TrafficSource>()
  for (const s of list) {
    if (sourceOf.has(s.name)) throw new ConfigError('qos.sim.sources', `duplicate source name ${s.name}`)
    sourceOf.set(s.name, s)
    bySource.set(s.name, newAcc())
  }
  return { bySource, sourceOf }
}

/** The queue discipline the options name. */
function makeScheduler (options: SimulationOptions, mtu: number, onDrop: (p: SimPacket, reason: DropReason, t: number) => void): Scheduler<SimPacket> {
  return options.discipline === 'fifo'
    ? new FifoScheduler<SimPacket>({ ...(options.fifoBytes !== undefined ? { limitBytes: options.fifoBytes } : {}), onDrop })
    : new SnpScheduler<SimPacket>({ linkRate: options.linkRate, mtu, ...(options.classes !== undefined ? { classes: options.classes } : {}), onDrop })
}

/** The per-class and per-source reports, and the link's busy time in the window. */
function reports (byClass: ReadonlyMap<TrafficClass, FlowAcc>, bySource: ReadonlyMap<string, FlowAcc>, measuredMs: number, linkRate: number): { classes: Record<TrafficClass, FlowReport>, sources: Record<string, FlowReport>, busy: number } {
  const classes = {} as Record<TrafficClass, FlowReport>
  for (const c of TRAFFIC_CLASSES) classes[c] = report(byClass.get(c)!, measuredMs, linkRate)
  const sources: Record<string, FlowReport> = {}
  for (const [n, a] of bySource) sources[n] = report(a, measuredMs, linkRate)
  let busy = 0
  for (const a of byClass.values()) busy += a.busyMs
  return { classes, sources, busy }
}

/** Checks the link rate, duration and warm-up of `options`; returns the warm-up (ms). Throws ConfigError. */
function checkedWarmup (options: SimulationOptions): number {
  const { linkRate, durationMs } = options
  if (!(Number.isFinite(linkRate) && linkRate > 0)) throw new ConfigError('qos.sim.linkRate', 'must be a positive number of bit/s')
  if (!(Number.isFinite(durationMs) && durationMs > 0)) throw new ConfigError('qos.sim.durationMs', 'must be positive')
  const warmup = options.warmupMs ?? 0
  if (!(warmup >= 0 && warmup < durationMs)) throw new ConfigError('qos.sim.warmupMs', 'must be in [0, durationMs)')
  return warmup
}

/** Runs a simulation to `durationMs` and reports. Pure and deterministic for given options. */
export function simulate (options: SimulationOptions): SimulationReport {
  const { linkRate, durationMs } = options
  const warmup = checkedWarmup(options)
  const mtu = options.mtu ?? DEFAULT_MTU
  const maxEvents = options.maxEvents ?? 5_000_000
  const measuredMs = durationMs - warmup

  const heap = new EventHeap()
  let now = 0
  let nextId = 0
  const rng = new Mulberry32(options.seed ?? 1)
  const classifier = new Classifier(options.classifier)
  const wan = new WanEmulator({ ...options.wan, rate: options.wan?.rate ?? linkRate })
  const shaper = new TokenBucket({ rate: options.shaper?.rate ?? linkRate, burst: options.shaper?.burstBytes ?? mtu })
  const byClass = new Map<TrafficClass, FlowAcc>(TRAFFIC_CLASSES.map(c => [c, newAcc()]))
  const { bySource, sourceOf } = indexSources(options.sources)
  // Reports go by the class the rules chose, for FIFO too (whose queue ignores it).
  const accs = (p: SimPacket): [FlowAcc, FlowAcc] => [byClass.get(p.classifiedClass)!, bySource.get(p.source)!]

  const at = (time: number, fn: () => void): void => {
    if (!(time >= now)) throw new ConfigError('qos.sim.at', `cannot schedule in the past (${time} < ${now})`)
    heap.push(time, fn)
  }
  const random = (): number => rng.next()
  // One context per source, bound to its name; callbacks get the same one.
  const contexts = new Map<string, SourceContext>()
  const contextOf = (name: string): SourceContext => contexts.get(name)!
  const lost = (p: SimPacket): void => { sourceOf.get(p.source)?.onLost?.(p, contextOf(p.source)) }
  const onDrop = (p: SimPacket, reason: DropReason, t: number): void => {
    for (const a of accs(p)) a.dropped[reason]++
    // Tell the source from the event loop, not from inside enqueue/dequeue.
    heap.push(t, () => lost(p))
  }
  const scheduler = makeScheduler(options, mtu, onDrop)

  let linkBusy = false
  const overlap = (a: number, b: number): number => Math.max(0, Math.min(b, durationMs) - Math.max(a, warmup))

  const transmit = (p: SimPacket, t: number): void => {
    shaper.consume(p.size, t)
    const tx = wan.send(p, p.size, t)
    const busy = overlap(tx.start, tx.end)
    for (const a of accs(p)) {
      a.transmitted++
      a.busyMs += busy
      if (p.arrival >= warmup) a.delays.push(tx.start - p.arrival)
    }
    linkBusy = true
    at(tx.end, () => { linkBusy = false; kick() })
    if (tx.lost !== undefined) {
      for (const a of accs(p)) a.lostOnWan++
      at(tx.end, () => lost(p))
    }
    const first = tx.deliveries.find(d => !d.duplicate)
    if (first !== undefined) {
      at(first.at, () => {
        for (const a of accs(p)) a.delivered++
        sourceOf.get(p.source)?.onDelivered?.(p, contextOf(p.source))
      })
    }
  }

  function kick (): void {
    if (linkBusy) return
    const p = scheduler.dequeue(now)
    if (p === undefined) return
    const start = shaper.nextSendTime(p.size, now)
    if (start > now) {
      linkBusy = true
      at(start, () => transmit(p, start))
    } else {
      transmit(p, now)
    }
  }

  const send = (source: string, datagram: Uint8Array): SimPacket => {
    const c = classifier.classify(datagram)
    const p: SimPacket = { id: nextId++, source, datagram, arrival: now, size: datagram.length, trafficClass: c.enforcedClass, classifiedClass: c.trafficClass }
    for (const a of accs(p)) a.offered++
    if (scheduler.enqueue(p, now).accepted) kick()
    return p
  }
  for (const s of options.sources) {
    const name = s.name
    contexts.set(name, {
      get now (): number { return now },
      random,
      at,
      send: (datagram: Uint8Array) => send(name, datagram)
    })
    heap.push(0, () => s.start(contextOf(name)))
  }

  let events = 0
  while (heap.size > 0 && heap.peekTime() <= durationMs) {
    if (++events > maxEvents) throw new ConfigError('qos.sim.maxEvents', `more than ${maxEvents} events before ${durationMs} ms`)
    now = heap.peekTime()
    heap.pop()!()
  }
  now = durationMs

  const { classes, sources, busy } = reports(byClass, bySource, measuredMs, linkRate)
  return {
    discipline: options.discipline,
    linkRate,
    measuredMs,
    utilisation: busy / measuredMs,
    frameMs: serializationMs(mtu, linkRate),
    classes,
    sources,
    scheduler: scheduler.stats(),
    wan: wan.stats(),
    classifier: classifier.counters(),
    events
  }
}

/** Options of {@link periodicSource}. */
export interface PeriodicSourceOptions {
  readonly name: string
  /** The datagram to send, or a function of the emission index. */
  readonly datagram: Uint8Array | ((index: number) => Uint8Array)
  /** Nominal interval, ms. */
  readonly periodMs: number
  /** Uniform jitter ± ms around each nominal emission time (no drift). Default 0. */
  readonly jitterMs?: number
  /** First nominal emission, ms. Default 0. */
  readonly startMs?: number
}

/** A source that sends one datagram every `periodMs` (± jitter), open loop: a game tick, a keystroke. */
export function periodicSource (o: PeriodicSourceOptions): TrafficSource {
  if (!(o.periodMs > 0)) throw new ConfigError('qos.sim.periodMs', 'must be positive')
  const jitter = o.jitterMs ?? 0
  const start = o.startMs ?? 0
  const make = typeof o.datagram === 'function' ? o.datagram : () => o.datagram as Uint8Array
  return {
    name: o.name,
    start (ctx) {
      const fire = (k: number): void => {
        ctx.send(make(k))
        const next = start + (k + 1) * o.periodMs + (jitter === 0 ? 0 : (ctx.random() * 2 - 1) * jitter)
        ctx.at(Math.max(ctx.now, next), () => fire(k + 1))
      }
      const first = start + (jitter === 0 ? 0 : ctx.random() * jitter)
      ctx.at(Math.max(ctx.now, first), () => fire(0))
    }
  }
}

/** Options of {@link windowSource}. */
export interface WindowSourceOptions {
  readonly name: string
  readonly datagram: Uint8Array | ((index: number) => Uint8Array)
  /** Packets outstanding (queued, on the wire, in flight, or awaiting retransmission); the initial window when `responsive`. */
  readonly window: number
  /** Delay from delivery at the far end to the acknowledgement reaching the sender, ms. */
  readonly ackDelayMs: number
  /** Delay from a drop or loss to the retransmission, ms. */
  readonly retransmitMs: number
  /** Start of the transfer, ms. Default 0. */
  readonly startMs?: number
  /**
   * React to loss like TCP Reno's congestion avoidance (RFC 5681 §3.1, used here as a generic
   * model, not as a claim about NCP): halve the window on a loss event (at most once per
   * `retransmitMs`), grow it by one packet per window of acknowledgements, within
   * [minWindow, maxWindow]. Absent: the window is fixed and the source ignores loss.
   */
  readonly responsive?: { readonly minWindow: number, readonly maxWindow: number }
}

/**
 * A saturating, ack-clocked transfer (NCP packet-burst-like): a window of packets outstanding; each
 * acknowledgement (a delivery + `ackDelayMs`) releases more; each drop or loss is retransmitted
 * after `retransmitMs`. Unresponsive by default (the worst case for a queue: an AQM cannot shrink
 * the window, only bound the queue); `responsive` makes it back off on loss.
 */
export function windowSource (o: WindowSourceOptions): TrafficSource {
  if (!(Number.isInteger(o.window) && o.window > 0)) throw new ConfigError('qos.sim.window', 'must be a positive integer')
  const make = typeof o.datagram === 'function' ? o.datagram : () => o.datagram as Uint8Array
  const r = o.responsive
  let k = 0
  let cwnd = o.window
  let outstanding = 0
  let lastCut = -Infinity
  const fill = (ctx: SourceContext): void => {
    while (outstanding < Math.floor(cwnd)) {
      outstanding++
      ctx.send(make(k++))
    }
  }
  return {
    name: o.name,
    start (ctx) {
      ctx.at(Math.max(ctx.now, o.startMs ?? 0), () => fill(ctx))
    },
    onDelivered (_p, ctx) {
      ctx.at(ctx.now + o.ackDelayMs, () => {
        outstanding--
        if (r !== undefined) cwnd = Math.min(r.maxWindow, cwnd + 1 / cwnd)
        fill(ctx)
      })
    },
    onLost (_p, ctx) {
      if (r !== undefined && ctx.now - lastCut >= o.retransmitMs) {
        lastCut = ctx.now
        cwnd = Math.max(r.minWindow, cwnd / 2)
      }
      ctx.at(ctx.now + o.retransmitMs, () => {
        outstanding--
        fill(ctx)
      })
    }
  }
}

const IPX_HEADER = 30
/** A server's network and node, and a client's, for crafted scenario packets (invented addresses). */
const SERVER = { network: 0x00000010, node: 0x0000000000_01 }
const CLIENT = { network: 0x00000020, node: 0x02_00_00_00_00_02 }
/** A client socket in the dynamic range that no dissector claims (0x4000–0x7FFF, ipx-reference §B2). */
const CLIENT_SOCKET = 0x4010

function ipxDatagram (packetType: number, src: { network: number, node: number, socket: number },
  dst: { network: number, node: number, socket: number }, payload: Buffer): Buffer {
  return encodeIpx(makePacket({ packetType, src, dst }, payload))
}

function padTo (header: Buffer, payloadBytes: number): Buffer {
  const out = Buffer.alloc(Math.max(payloadBytes, header.length))
  header.copy(out)
  return out
}

/** An NCP service reply (0x3333, completion 0) from the file server's socket 0x0451: IPX length `bytes` (>= 38). */
export function ncpReplyDatagram (bytes: number, sequence = 0): Buffer {
  const head = ncp.encode({ kind: 'reply', type: ncp.NcpType.ServiceReply, sequence: sequence & 0xff, connection: 1, task: 1, completionCode: 0, connectionStatus: 0, data: Buffer.alloc(0) })
  return ipxDatagram(PacketType.Ncp, { ...SERVER, socket: Socket.Ncp }, { ...CLIENT, socket: CLIENT_SOCKET }, padTo(head, bytes - IPX_HEADER))
}

/** An NCP service request (0x2222) with `fn` to the server's socket 0x0451: IPX length `bytes` (>= 37). */
export function ncpRequestDatagram (bytes: number, fn: number, sequence = 0): Buffer {
  const head = ncp.encode({ kind: 'request', type: ncp.NcpType.ServiceRequest, sequence: sequence & 0xff, connection: 1, task: 1, function: fn, data: Buffer.alloc(0) })
  return ipxDatagram(PacketType.Ncp, { ...CLIENT, socket: CLIENT_SOCKET }, { ...SERVER, socket: Socket.Ncp }, padTo(head, bytes - IPX_HEADER))
}

/**
 * An SPX packet between two dynamic sockets: IPX length `bytes` (>= 42). `connectionControl`
 * 0x50 (send-ack + end of message) is data; 0x80 or 0xC0 a system packet.
 */
export function spxDatagram (bytes: number, connectionControl = 0x50, sequence = 0): Buffer {
  const head = spx.encode({
    header: { connectionControl, datastreamType: 0, srcConnectionId: 0x1234, dstConnectionId: 0x5678, sequence: sequence & 0xffff, acknowledge: 0, allocation: 4 },
    data: Buffer.alloc(0)
  })
  return ipxDatagram(PacketType.Spx, { ...CLIENT, socket: CLIENT_SOCKET + 1 }, { ...SERVER, socket: CLIENT_SOCKET + 2 }, padTo(head, bytes - IPX_HEADER))
}

/** A game broadcast (packet type 4) to FF:FF:FF:FF:FF:FF on a game socket (default 0x869C): IPX length `bytes`. */
export function gameBroadcastDatagram (bytes: number, socket: number = DOOM_SOCKETS[1]!): Buffer {
  return ipxDatagram(PacketType.Pep, { ...CLIENT, socket }, { network: CLIENT.network, node: BROADCAST_NODE, socket }, Buffer.alloc(Math.max(0, bytes - IPX_HEADER)))
}

/** Options of {@link qosScenario}; every field has the issue-6 default. */
export interface QosScenarioOptions {
  readonly discipline: 'fifo' | 'snp'
  /** Default 1 Mbit/s. */
  readonly linkRate?: number
  /** One-way WAN delay, ms. Default 30. */
  readonly delayMs?: number
  /** Default 60 000 ms. */
  readonly durationMs?: number
  /** Default 5 000 ms. */
  readonly warmupMs?: number
  /** Seeds both the sources and the WAN. Default 1. */
  readonly seed?: number
  /** Bulk window in full-size frames. Default 48 (72 KB outstanding, more than any queue holds). */
  readonly bulkWindow?: number
  /** Classifier options (e.g. monitor-only). */
  readonly classifier?: ClassifierOptions
  /** Make the bulk transfer back off on loss (see {@link WindowSourceOptions.responsive}). Default false. */
  readonly responsiveBulk?: boolean
}

/**
 * The `ipxlab lab --scenario qos` traffic mix (issue 6), as simulation options:
 *  - bulk: an NCP-read-like transfer of 1500-byte replies from the server, ack-clocked with a
 *    48-frame window, acknowledgements returning after the one-way delay, losses retried after one
 *    round trip: it saturates the link;
 *  - interactive: an SPX-like exchange, one 64-byte data packet every 50 ms ± 10 ms;
 *  - game: a DOOM-like broadcast stream, one 80-byte packet per 35 Hz tic (DOOM's tic rate) ± 2 ms.
 * Sizes and rates are ipxlab's choices (invented, typical of each kind of traffic).
 */
export function qosScenario (o: QosScenarioOptions): SimulationOptions {
  const linkRate = o.linkRate ?? 1_000_000
  const delayMs = o.delayMs ?? 30
  const seed = o.seed ?? 1
  return {
    discipline: o.discipline,
    linkRate,
    wan: { delayMs, seed },
    durationMs: o.durationMs ?? 60_000,
    warmupMs: o.warmupMs ?? 5_000,
    seed,
    ...(o.classifier !== undefined ? { classifier: o.classifier } : {}),
    sources: [
      windowSource({ name: 'bulk-ncp', datagram: k => ncpReplyDatagram(DEFAULT_MTU, k), window: o.bulkWindow ?? 48, ackDelayMs: delayMs, retransmitMs: 2 * delayMs,
        ...(o.responsiveBulk === true ? { responsive: { minWindow: 2, maxWindow: o.bulkWindow ?? 48 } } : {}) }),
      periodicSource({ name: 'interactive-spx', datagram: k => spxDatagram(64, 0x50, k), periodMs: 50, jitterMs: 10, startMs: 3 }),
      periodicSource({ name: 'game-broadcast', datagram: gameBroadcastDatagram(80), periodMs: 1000 / 35, jitterMs: 2, startMs: 7 })
    ]
  }
}
