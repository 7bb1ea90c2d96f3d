/**
 * Issue 6's QoS scenario on real sockets (`ipxlab lab --scenario qos`): two real nodes on loopback,
 * A on 127.0.0.1 and B on 127.0.0.2, joined by the native tunnel, with the QoS stage of every link
 * set to one discipline (FIFO, then SNP) on an emulated 1 Mbit/s link with 30 ms one-way delay.
 * The traffic is the virtual-clock scenario of src/qos/simulate.ts (`qosScenario`), driven by real
 * timers and real UDP sockets instead of an event heap:
 *
 *  1. Sources are DOSBox IPXNET clients registered with node A (sockets on A's address), sinks are
 *     DOSBox clients registered with node B. Each source is one of the simulation's generators
 *     ({@link windowSource}, {@link periodicSource}) fed with its packet builders, the addresses
 *     rewritten to the real clients (A's DOSBox server checks that the source node is the sender's
 *     own ip:port) and a {@link STAMP_LENGTH}-byte stamp at the end of the payload (flow, sequence,
 *     send time) that no classification rule looks at.
 *  2. bulk: a window of NCP read replies ({@link DEFAULT_BULK_WINDOW} frames of
 *     {@link DOSBOX_MAX_DATAGRAM} bytes, the largest datagram a DOSBox client may send), each
 *     released by the acknowledgement of an earlier one, losses retried about one round trip after
 *     the drop. Not loss-responsive, on purpose: the simulation's notes (src/qos/simulate.ts, test/qos/scenario)
 *     show a Reno-like bulk falling to ~95 % utilisation under SNP's CoDel even on a virtual clock,
 *     so it could not saturate the link, which is the premise of the scenario; an unresponsive
 *     sender is also the worst case for the queue (an AQM can only bound it, not shrink it), and
 *     the drops it causes are reported. The acknowledgement is the sink telling the source
 *     in-process, and the source waits one one-way delay before it counts it (the return path
 *     carries nothing else, so a queue there would add nothing). A loss is noticed as a gap in the
 *     sequence at the sink (one class, served in order; the emulated WAN neither reorders nor
 *     jitters here) or after {@link BULK_LOSS_TIMEOUT_MS}.
 *  3. interactive: an SPX-like exchange, a 64-byte request every 50 ± 10 ms; the sink on B answers
 *     each one back through B and the tunnel, so the source also sees round-trip times.
 *  4. game: an 80-byte broadcast on DOOM's socket at 35 Hz (DOOM's tic rate) ± 2 ms.
 *  5. The bulk starts at once; interactive and game join after the warm-up, when the queue is in
 *     its steady state, and stop at the end of the run; the bulk runs on through a drain period so
 *     that the last interactive and game packets meet the same queue as the others.
 *
 * What is measured (issue 6), on A's link (the only direction that carries the mix): per class the
 * queueing delay (arrival at A → start of transmission on the emulated link) from
 * {@link LinkQos.stats}, whose percentiles cover every packet of the run (LinkQos keeps no window):
 * for interactive and game that is exactly the measured window, for bulk it includes the warm-up;
 * throughput at the sinks (IPX bytes received within the measured window); drops within the window
 * by reason (LinkQos) plus every non-zero drop counter of both nodes over the run; link utilisation
 * within the window (bytes whose transmission started × 8 / rate / window). Beside them, the
 * one-way delay measured end to end at the sinks from the send stamps (queueing + serialization +
 * link delay + this process's sockets and timers).
 *
 * Bounded: every source stops at a fixed time, every timer is tracked and cleared, sample arrays
 * are capped at {@link MAX_SAMPLES}, and each run ends after `durationMs` + the drain.
 */
import { performance, monitorEventLoopDelay } from 'node:perf_hooks'
import { startNode } from './node.js'
import type { IpxNode, NodeStats } from './node.js'
import { validateConfig, IN_PROCESS_RECEIVE_BUFFER } from './config.js'
import { DELAY_SAMPLES } from './link-qos.js'
import type { LinkQosStats } from './link-qos.js'
import { UdpEndpoint, DEFAULT_SOCKET_BUFFER_SIZE } from '../transport/udp-endpoint.js'
import { DosboxClient } from '../transport/dosbox-client.js'
import { DOSBOX_MAX_DATAGRAM } from '../transport/dosbox-server.js'
import type { CounterSnapshot } from '../transport/counters.js'
import { ConfigError, TransportError } from '../errors.js'
import { silentLogger } from '../log.js'
import type { Logger } from '../log.js'
import { Classifier } from '../qos/classifier.js'
import { serializationMs } from '../qos/classes.js'
import { Mulberry32 } from '../qos/random.js'
import { percentile, windowSource, periodicSource, ncpReplyDatagram, spxDatagram, gameBroadcastDatagram } from '../qos/simulate.js'
import type { SimPacket, SourceContext, TrafficSource } from '../qos/simulate.js'
import { BROADCAST_NODE, IPX_HEADER_LENGTH } from '../../protocol/constants.js'
import * as ipxFields from '../../protocol/ipx/peek.js'
import { lfiAims, lfiApplies, scenarioLink, scenarioQos } from './scenario-wan.js'
import type { ScenarioDiscipline } from './scenario-wan.js'

/** A queue discipline the scenario compares (`snp_lfi`: SNP with link fragmentation and interleaving, issue 11). */
export type QosDiscipline = ScenarioDiscipline

/** The scenario's flows, in stamp order. */
export const QOS_FLOWS = ['bulk', 'interactive', 'game'] as const
/** One of {@link QOS_FLOWS}. */
export type QosFlow = typeof QOS_FLOWS[number]

/** Bulk window, frames: the simulation's default (48), more than the FIFO's 64 KiB holds at 1424 bytes. */
export const DEFAULT_BULK_WINDOW = 48
/** Interactive request and reply size, bytes (the simulation's choice: a keystroke-sized SPX packet). */
export const INTERACTIVE_BYTES = 64
/** Interactive period and jitter, ms (the simulation's: 20 requests a second). */
export const INTERACTIVE_PERIOD_MS = 50
const INTERACTIVE_JITTER_MS = 10
/** Game broadcast size, bytes, and rate: one packet per DOOM tic (35 Hz). */
export const GAME_BYTES = 80
/** See {@link GAME_BYTES}. */
export const GAME_PERIOD_MS = 1000 / 35
const GAME_JITTER_MS = 2
/** Bulk frames outstanding this long are counted lost (tail losses leave no gap to notice). */
export const BULK_LOSS_TIMEOUT_MS = 3000
/** Samples kept per flow and discipline (the default 20 s run makes about 2 000 for bulk). */
export const MAX_SAMPLES = 100_000
/** Stamp at the end of every scenario payload: magic u16, flow u8, kind u8, sequence u32, send time f64 (ms). */
export const STAMP_LENGTH = 16
/** Stamp magic, "QS". */
const STAMP_MAGIC = 0x5153
const KIND_DATA = 0
const KIND_REPLY = 1

/** Options of {@link runQosScenario}. */
export interface QosScenarioRunOptions {
  /** Run length per discipline, warm-up included, ms. Default 20 000. */
  durationMs?: number
  /** Warm-up, ms. Default 15 % of `durationMs`, within 500..3000. */
  warmupMs?: number
  /** An era profile (issue 11): its rate and delay, the traffic mix scaled to it; default the 1 Mbit/s, 30 ms link. */
  wan?: string
  /** Emulated link rate, bit/s. Default 1 000 000 (or the profile's). */
  rateBps?: number
  /** Emulated one-way link delay, ms. Default 30. */
  delayMs?: number
  /** Seeds the sources' jitter and the WAN emulator. Default 1. */
  seed?: number
  /** Disciplines to run, in order. Default `['fifo', 'snp']`, with `wan` `['fifo', 'snp', 'snp_lfi']`. */
  disciplines?: readonly QosDiscipline[]
  /** Bulk window in frames. Default {@link DEFAULT_BULK_WINDOW}. */
  bulkWindow?: number
  /** Bulk frame size (IPX length), 64..{@link DOSBOX_MAX_DATAGRAM}. Default {@link DOSBOX_MAX_DATAGRAM}. */
  bulkFrameBytes?: number
  /** Addresses of node A and node B. Default 127.0.0.1 and 127.0.0.2 (loopback, no privileges). */
  hosts?: { a: string, b: string }
  logger?: Logger
  /** Told at each phase and about once a second. */
  onProgress?: (p: QosScenarioProgress) => void
}

/** What {@link QosScenarioRunOptions.onProgress} is told. */
export interface QosScenarioProgress {
  discipline: QosDiscipline
  phase: 'start' | 'warmup' | 'measure' | 'drain' | 'done'
  /** Since the discipline's traffic started, ms. */
  elapsedMs: number
  /** Planned length of the discipline's run (traffic + drain), ms. */
  totalMs: number
}

/** Delay percentiles, ms. */
export interface DelaySummary {
  p50Ms: number
  p99Ms: number
  maxMs: number
  samples: number
}

/** Figures of one traffic class under one discipline. */
export interface QosClassResult {
  /** Queueing delay on A's link (arrival at A → start of transmission on the emulated link), ms. */
  p50Ms: number
  p99Ms: number
  maxMs: number
  /** Queueing-delay samples behind the percentiles. */
  samples: number
  /** IPX bits per second received at the sink within the measured window (sent on the link for classes without a sink). */
  throughputBps: number
  /** LinkQos drops within the measured window, all reasons. */
  drops: number
  /** The same by reason (`queue_full`, `codel`, ...). */
  dropsByReason: Record<string, number>
  /** Packets that arrived at A's link within the window. */
  offered: number
  /** One-way delay measured at the sink, stamp to receipt (queueing + serialization + link delay + process), or null without a sink. */
  oneWay: DelaySummary | null
  /** Sent by the source within the window and never received at the sink (null without a sink). */
  lost: number | null
}

/** A per-packet latency series for the charts: x = send time since the window started, y = one-way delay (ms). */
export interface LatencySeries {
  t: number[]
  ms: number[]
}

/** Figures of one discipline. */
export interface QosDisciplineResult {
  discipline: QosDiscipline
  /** Fraction of the measured window the emulated link spent transmitting, 0..1. */
  utilisation: number
  /** Length of the measured window, ms (as the clock saw it). */
  measuredMs: number
  /** Per traffic class seen on A's link. */
  classes: Record<string, QosClassResult>
  /** Which class each flow's packets were classified into. */
  flowClasses: Record<QosFlow, string>
  /** One-way delay per packet, per class with a sink, for the charts. */
  series: Record<string, LatencySeries>
  /** Interactive round trips (request → reply at the source), ms. */
  interactiveRtt: DelaySummary
  /**
   * How late this process's timers ran during the run (Node's `monitorEventLoopDelay`, 1 ms
   * resolution), ms: the nodes, sources and sinks share one event loop, so a stall (other
   * processes on the machine, garbage collection) delays transmissions and shows in the tails.
   */
  eventLoopDelay: { p50Ms: number, p99Ms: number, maxMs: number }
  /** Non-zero drop counters of both nodes over the whole run (`A dosbox`, `B link rx`, ...). */
  nodeDrops: Record<string, Record<string, number>>
  /** A's link stage as it ended (cumulative over the run). */
  linkQos: LinkQosStats
}

/** One aim of issue 6 and whether the run met it. */
export interface QosAim {
  name: string
  description: string
  value: number
  limit: number
  pass: boolean
}

/** What {@link runQosScenario} returns. */
export interface QosScenarioReport {
  /** ISO time the run started. */
  startedAt: string
  /** The era profile, or null for the default link. */
  profile?: string | null
  rateBps: number
  delayMs: number
  durationMs: number
  warmupMs: number
  seed: number
  bulkWindow: number
  /** The full-size frame of this link: the bulk frame, the largest datagram sent. */
  frameBytes: number
  /** Its serialization time at `rateBps`, ms. */
  frameMs: number
  disciplines: Partial<Record<QosDiscipline, QosDisciplineResult>>
  aims: QosAim[]
}

function round (x: number, digits = 3): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

function summary (values: number[]): DelaySummary {
  const s = [...values].sort((a, b) => a - b)
  return { p50Ms: percentile(s, 0.5), p99Ms: percentile(s, 0.99), maxMs: s.length > 0 ? s[s.length - 1]! : 0, samples: s.length }
}

/** Writes the stamp into the last {@link STAMP_LENGTH} bytes of `d`. */
function writeStamp (d: Buffer, flow: number, kind: number, seq: number, sentAt: number): void {
  const at = d.length - STAMP_LENGTH
  d.writeUInt16BE(STAMP_MAGIC, at)
  d[at + 2] = flow
  d[at + 3] = kind
  d.writeUInt32BE(seq >>> 0, at + 4)
  d.writeDoubleBE(sentAt, at + 8)
}

/** Reads a stamp, or undefined when `d` carries none. */
function readStamp (d: Buffer): { flow: number, kind: number, seq: number, sentAt: number } | undefined {
  if (d.length < IPX_HEADER_LENGTH + STAMP_LENGTH) return undefined
  const at = d.length - STAMP_LENGTH
  if (d.readUInt16BE(at) !== STAMP_MAGIC) return undefined
  return { flow: d[at + 2]!, kind: d[at + 3]!, seq: d.readUInt32BE(at + 4), sentAt: d.readDoubleBE(at + 8) }
}

/** A copy of `template` with networks 0 (this segment), the given nodes, and its stamp. */
function address (template: Uint8Array, srcNode: number, dstNode: number): Buffer {
  const d = Buffer.from(template)
  ipxFields.writeDstNetwork(d, 0)
  ipxFields.writeDstNode(d, dstNode)
  ipxFields.writeSrcNetwork(d, 0)
  ipxFields.writeSrcNode(d, srcNode)
  return d
}

/** A port free for UDP and TCP on `host` (bound, checked, released): the node binds both. */
async function freePort (host: string): Promise<number> {
  const probe = new UdpEndpoint({ host, port: 0, onMessage: () => {}, recvBufferSize: 65536, sendBufferSize: 65536 })
  const { port } = await probe.start()
  await probe.stop()
  return port
}

/**
 * One DOSBox client socket of the scenario, bound on `host`: a load generator, so large socket
 * buffers, and a registration retried every 50 ms for up to a second.
 */
function scenarioClient (host: string, server: { host: string, port: number }): DosboxClient {
  return new DosboxClient({
    to: server,
    bind: { host, port: 0 },
    recvBufferSize: DEFAULT_SOCKET_BUFFER_SIZE,
    sendBufferSize: DEFAULT_SOCKET_BUFFER_SIZE,
    registrationAttempts: 20,
    registrationWaitMs: 50
  })
}

/** Registers `c` with its server; what it then receives goes to `onData`. */
async function openClient (c: DosboxClient, onData: (d: Buffer) => void): Promise<void> {
  c.onDatagram = onData
  await c.open()
}

/** Per-flow records of one discipline's run. */
interface FlowLog {
  /** Sent within the measured window. */
  sentInWindow: number
  /** Of those, received at the sink. */
  receivedOfWindow: number
  /** IPX bytes received within the window (by receive time). */
  bytesInWindow: number
  oneWay: number[]
  series: LatencySeries
}

function newFlowLog (): FlowLog {
  return { sentInWindow: 0, receivedOfWindow: 0, bytesInWindow: 0, oneWay: [], series: { t: [], ms: [] } }
}

function nonZero (r: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(r)) if (v > 0) out[k] = v
  return out
}

function nodeDrops (into: Record<string, Record<string, number>>, name: string, s: NodeStats): void {
  const add = (what: string, c: CounterSnapshot | null): void => {
    if (c === null) return
    const d = nonZero(c.dropped)
    if (Object.keys(d).length > 0) into[`${name} ${what}`] = d
  }
  add('dosbox', s.counters.dosbox)
  add('router', s.counters.router)
  add('tunnel', s.counters.tunnel)
  add('tcp', s.counters.tcp)
  s.peers.forEach((p, i) => {
    add(`link ${i} rx`, p.counters)
    add(`link ${i} tx`, p.sent)
  })
}

interface Resolved {
  durationMs: number
  warmupMs: number
  profile: string | null
  interactivePeriodMs: number
  gamePeriodMs: number
  rateBps: number
  delayMs: number
  seed: number
  bulkWindow: number
  bulkFrameBytes: number
  hosts: { a: string, b: string }
  logger: Logger
  onProgress: (p: QosScenarioProgress) => void
}

function resolve (o: QosScenarioRunOptions): Resolved {
  const durationMs = o.durationMs ?? 20_000
  if (!(Number.isFinite(durationMs) && durationMs >= 1000 && durationMs <= 3_600_000)) throw new ConfigError('scenario.durationMs', 'must be 1000..3600000 ms')
  const warmupMs = o.warmupMs ?? Math.min(3000, Math.max(500, 0.15 * durationMs))
  if (!(warmupMs >= 0 && warmupMs <= durationMs - 500)) throw new ConfigError('scenario.warmupMs', 'must leave at least 500 ms to measure')
  const bulkFrameBytes = o.bulkFrameBytes ?? DOSBOX_MAX_DATAGRAM
  if (!(Number.isInteger(bulkFrameBytes) && bulkFrameBytes >= 64 && bulkFrameBytes <= DOSBOX_MAX_DATAGRAM)) throw new ConfigError('scenario.bulkFrameBytes', `must be an integer 64..${DOSBOX_MAX_DATAGRAM}`)
  const link = scenarioLink({ ...o, bulkFrameBytes, interactiveBytes: INTERACTIVE_BYTES, gameBytes: GAME_BYTES, interactivePeriodMs: INTERACTIVE_PERIOD_MS, gamePeriodMs: GAME_PERIOD_MS })
  const { rateBps, delayMs, bulkWindow } = link
  // 9.6 kbit/s: the slowest line of the era (V.32); the 56k modem is a profile.
  if (!(Number.isFinite(rateBps) && rateBps >= 9_600 && rateBps <= 100_000_000)) throw new ConfigError('scenario.rateBps', 'must be 9.6 kbit/s..100 Mbit/s')
  if (!(Number.isFinite(delayMs) && delayMs >= 0 && delayMs <= 1000)) throw new ConfigError('scenario.delayMs', 'must be 0..1000 ms')
  if (!(Number.isInteger(bulkWindow) && bulkWindow >= 1 && bulkWindow <= 1000)) throw new ConfigError('scenario.bulkWindow', 'must be an integer 1..1000')
  return {
    durationMs, warmupMs, rateBps, delayMs, seed: o.seed ?? 1, bulkWindow, bulkFrameBytes,
    profile: link.profile, interactivePeriodMs: link.interactivePeriodMs, gamePeriodMs: link.gamePeriodMs,
    hosts: o.hosts ?? { a: '127.0.0.1', b: '127.0.0.2' },
    logger: o.logger ?? silentLogger(),
    onProgress: o.onProgress ?? (() => {})
  }
}

/** Starts the two nodes of one discipline; retries when a probed port was taken in between. */
async function startPair (r: Resolved, discipline: QosDiscipline): Promise<{ a: IpxNode, b: IpxNode }> {
  for (let attempt = 0; ; attempt++) {
    // Data plane and QoS plane (SNP udp + status tcp) of each node on free ports.
    const aPort = await freePort(r.hosts.a)
    const bPort = await freePort(r.hosts.b)
    const aSnp = await freePort(r.hosts.a)
    const bSnp = await freePort(r.hosts.b)
    const runtime = { logger: r.logger, qos: scenarioQos(discipline, r) }
    let a: IpxNode | undefined
    try {
      a = await startNode(validateConfig({
        name: 'QOS-A', listen: `${r.hosts.a}:${aPort}`, snpListen: `${r.hosts.a}:${aSnp}`,
        peers: [{ address: `${r.hosts.b}:${bPort}`, snp: `${r.hosts.b}:${bSnp}` }],
        limits: { receiveBufferBytes: IN_PROCESS_RECEIVE_BUFFER }
      }), runtime)
      const b = await startNode(validateConfig({
        name: 'QOS-B', listen: `${r.hosts.b}:${bPort}`, snpListen: `${r.hosts.b}:${bSnp}`,
        peers: [{ address: `${r.hosts.a}:${aPort}`, snp: `${r.hosts.a}:${aSnp}` }],
        limits: { receiveBufferBytes: IN_PROCESS_RECEIVE_BUFFER }
      }), runtime)
      return { a, b }
    } catch (err) {
      await a?.stop()
      if (!(err instanceof TransportError && err.code === 'IPX_ERR_ADDR_IN_USE') || attempt >= 4) throw err
    }
  }
}

async function sleepUntil (t: number): Promise<void> {
  const ms = t - performance.now()
  if (ms > 0) await new Promise(resolve => setTimeout(resolve, ms))
}

/** One discipline's run: what its phases share. */
interface Run {
  readonly r: Resolved
  readonly discipline: QosDiscipline
  readonly log: Logger
  readonly totalMs: number
  readonly windowStart: number
  readonly windowEnd: number
  readonly a: IpxNode
  readonly b: IpxNode
  readonly clients: DosboxClient[]
  readonly timers: Set<NodeJS.Timeout>
  readonly intervals: NodeJS.Timeout[]
  readonly loop: ReturnType<typeof monitorEventLoopDelay>
  readonly logs: Record<QosFlow, FlowLog>
  readonly rtts: number[]
  /** Bulk bookkeeping: outstanding frames by sequence, and the sink's next expected sequence. */
  readonly outstanding: Map<number, SimPacket>
  expected: number
  stopped: boolean
  /** performance.now() at the start of traffic. */
  epoch: number
  readonly classifier: Classifier
  readonly flowClasses: Record<QosFlow, string>
  readonly generators: Record<QosFlow, TrafficSource>
  readonly stopAt: Record<QosFlow, number>
  /** Made once the clients are registered (the sinks' nodes are known then). */
  contexts: Record<QosFlow, SourceContext> | undefined
}

/** The queue statistics at the start and end of the measurement window and after the drain. */
interface RunSamples {
  s0: LinkQosStats
  s1: LinkQosStats
  s2: LinkQosStats
  t0: number
  t1: number
}

const runNow = (run: Run): number => performance.now() - run.epoch
const inWindow = (run: Run, t: number): boolean => t >= run.windowStart && t < run.windowEnd
const seqOf = (p: SimPacket): number => p.datagram.length >= STAMP_LENGTH ? Buffer.from(p.datagram.buffer, p.datagram.byteOffset, p.datagram.length).readUInt32BE(p.datagram.length - STAMP_LENGTH + 4) : -1

/** Phase 1, start: the two nodes, up and linked; the flows' generators and classes. */
async function startRun (r: Resolved, discipline: QosDiscipline): Promise<Run> {
  const drainMs = Math.min(5000, 65536 * 8000 / r.rateBps + 2 * r.delayMs + 300)
  const totalMs = r.durationMs + drainMs
  const { a, b } = await startPair(r, discipline)
  const windowStart = r.warmupMs
  const windowEnd = r.durationMs
  const generators: Record<QosFlow, TrafficSource> = {
    bulk: windowSource({
      name: 'bulk-ncp',
      datagram: k => ncpReplyDatagram(r.bulkFrameBytes, k),
      window: r.bulkWindow,
      ackDelayMs: r.delayMs,
      // The source hears of a loss when the sink sees the gap, already a one-way delay after the
      // drop; the news takes one more one-way delay back: the simulation's "retry after one
      // round trip", counted from the drop.
      retransmitMs: r.delayMs
    }),
    interactive: periodicSource({ name: 'interactive-spx', datagram: k => spxDatagram(INTERACTIVE_BYTES, 0x50, k), periodMs: r.interactivePeriodMs, jitterMs: INTERACTIVE_JITTER_MS, startMs: windowStart + 3 }),
    game: periodicSource({ name: 'game-broadcast', datagram: gameBroadcastDatagram(GAME_BYTES), periodMs: r.gamePeriodMs, jitterMs: GAME_JITTER_MS, startMs: windowStart + 7 })
  }
  const classifier = new Classifier()
  const flowClasses = {} as Record<QosFlow, string>
  const templates: Record<QosFlow, Buffer> = { bulk: ncpReplyDatagram(r.bulkFrameBytes), interactive: spxDatagram(INTERACTIVE_BYTES), game: gameBroadcastDatagram(GAME_BYTES) }
  for (const f of QOS_FLOWS) flowClasses[f] = classifier.classify(templates[f]).trafficClass
  const run: Run = {
    r,
    discipline,
    log: r.logger.child({ component: `scenario/qos/${discipline}` }),
    totalMs,
    windowStart,
    windowEnd,
    a,
    b,
    clients: [],
    timers: new Set(),
    intervals: [],
    loop: monitorEventLoopDelay({ resolution: 1 }),
    logs: { bulk: newFlowLog(), interactive: newFlowLog(), game: newFlowLog() },
    rtts: [],
    outstanding: new Map(),
    expected: 0,
    stopped: false,
    epoch: 0,
    classifier,
    flowClasses,
    generators,
    stopAt: { bulk: totalMs, interactive: windowEnd, game: windowEnd },
    contexts: undefined
  }
  try {
    const end = performance.now() + 5000
    while (!(a.peers().every(p => p.link.up) && b.peers().every(p => p.link.up))) {
      if (performance.now() > end) throw new TransportError('IPX_ERR_SOCKET', 'the link between the scenario nodes did not come up')
      await new Promise(resolve => setTimeout(resolve, 10))
    }
  } catch (err) {
    await closeRun(run)
    throw err
  }
  return run
}

/** A bulk frame is lost: its source hears of it (once). */
function lostBulk (run: Run, p: SimPacket): void {
  if (!run.outstanding.delete(seqOf(p))) return
  if (run.contexts !== undefined) run.generators.bulk.onLost?.(p, run.contexts.bulk)
}

/** One datagram of `flow` received at its sink, sent at `sentAt`: counted and sampled. */
function recordArrival (run: Run, flow: QosFlow, d: Buffer, sentAt: number): void {
  const recvAt = performance.now()
  const sentRel = sentAt - run.epoch
  const recvRel = recvAt - run.epoch
  const l = run.logs[flow]
  if (inWindow(run, recvRel)) l.bytesInWindow += d.length
  if (inWindow(run, sentRel)) {
    l.receivedOfWindow++
    if (l.oneWay.length < MAX_SAMPLES) {
      const ms = recvAt - sentAt
      l.oneWay.push(ms)
      l.series.t.push(round(sentRel - run.windowStart, 1))
      l.series.ms.push(round(ms, 2))
    }
  }
}

/** Phase 2, connect clients: a source on A and a sink on B per flow, registered, with their handlers. */
async function connectClients (run: Run): Promise<{ sources: Record<QosFlow, DosboxClient>, sinks: Record<QosFlow, DosboxClient> }> {
  const { r, a, b } = run
  const aServer = { host: r.hosts.a, port: a.address().port }
  const bServer = { host: r.hosts.b, port: b.address().port }
  const sources: Record<QosFlow, DosboxClient> = {
    bulk: scenarioClient(r.hosts.a, aServer),
    interactive: scenarioClient(r.hosts.a, aServer),
    game: scenarioClient(r.hosts.a, aServer)
  }
  const sinks: Record<QosFlow, DosboxClient> = {
    bulk: scenarioClient(r.hosts.b, bServer),
    interactive: scenarioClient(r.hosts.b, bServer),
    game: scenarioClient(r.hosts.b, bServer)
  }
  run.clients.push(...Object.values(sources), ...Object.values(sinks))
  const sinkHandler = (flow: QosFlow) => (d: Buffer): void => {
    const s = readStamp(d)
    if (s === undefined || s.kind !== KIND_DATA || QOS_FLOWS[s.flow] !== flow) return
    recordArrival(run, flow, d, s.sentAt)
    if (flow === 'bulk') {
      if (s.seq < run.expected) return
      for (let k = run.expected; k < s.seq; k++) {
        const p = run.outstanding.get(k)
        if (p !== undefined) lostBulk(run, p)
      }
      run.expected = s.seq + 1
      const p = run.outstanding.get(s.seq)
      if (p !== undefined) {
        run.outstanding.delete(s.seq)
        if (run.contexts !== undefined) run.generators.bulk.onDelivered?.(p, run.contexts.bulk)
      }
    } else if (flow === 'interactive' && !run.stopped) {
      // The answer: the same stamp, swapped addresses and sockets, back through B and the tunnel.
      const reply = address(spxDatagram(INTERACTIVE_BYTES, 0x50, s.seq), sinks.interactive.node, sources.interactive.node)
      ipxFields.writeDstSocket(reply, ipxFields.readSrcSocket(d))
      ipxFields.writeSrcSocket(reply, ipxFields.readDstSocket(d))
      d.copy(reply, reply.length - STAMP_LENGTH, d.length - STAMP_LENGTH)
      reply[reply.length - STAMP_LENGTH + 3] = KIND_REPLY
      sinks.interactive.send(reply)
    }
  }
  const sourceHandler = (flow: QosFlow) => (d: Buffer): void => {
    if (flow !== 'interactive') return
    const s = readStamp(d)
    if (s === undefined || s.kind !== KIND_REPLY || s.flow !== QOS_FLOWS.indexOf('interactive')) return
    if (inWindow(run, s.sentAt - run.epoch) && run.rtts.length < MAX_SAMPLES) run.rtts.push(performance.now() - s.sentAt)
  }
  for (const f of QOS_FLOWS) {
    await openClient(sinks[f], sinkHandler(f))
    await openClient(sources[f], sourceHandler(f))
  }
  return { sources, sinks }
}

/** The simulation's source interface on performance.now() and setTimeout, for each flow. */
function makeContexts (run: Run, sources: Record<QosFlow, DosboxClient>, sinks: Record<QosFlow, DosboxClient>): Record<QosFlow, SourceContext> {
  const rng = new Mulberry32(run.r.seed)
  const random = (): number => rng.next()
  let nextId = 0
  const seqs: Record<QosFlow, number> = { bulk: 0, interactive: 0, game: 0 }
  const makeContext = (flow: QosFlow): SourceContext => {
    const fi = QOS_FLOWS.indexOf(flow)
    const dstNode = flow === 'bulk' ? sinks.bulk.node : flow === 'interactive' ? sinks.interactive.node : BROADCAST_NODE
    const at = (time: number, fn: () => void): void => {
      if (run.stopped || time >= run.stopAt[flow]) return
      const t = setTimeout(() => {
        run.timers.delete(t)
        if (!run.stopped) fn()
      }, Math.max(0, time - runNow(run)))
      run.timers.add(t)
    }
    return {
      get now (): number { return runNow(run) },
      random,
      at,
      send: (template: Uint8Array): SimPacket => {
        const t = runNow(run)
        const seq = seqs[flow]++
        const d = address(template, sources[flow].node, dstNode)
        const sentAt = performance.now()
        writeStamp(d, fi, KIND_DATA, seq, sentAt)
        const c = run.classifier.classify(d)
        const p: SimPacket = { id: nextId++, source: flow, datagram: d, arrival: t, size: d.length, trafficClass: c.enforcedClass, classifiedClass: c.trafficClass }
        if (run.stopped || t >= run.stopAt[flow]) return p
        if (inWindow(run, t)) run.logs[flow].sentInWindow++
        if (flow === 'bulk') run.outstanding.set(seq, p)
        sources[flow].send(d)
        return p
      }
    }
  }
  return { bulk: makeContext('bulk'), interactive: makeContext('interactive'), game: makeContext('game') }
}

/** Phase 3, drive traffic: warm-up, the measurement window, the drain; the queue statistics at each edge. */
async function driveTraffic (run: Run, contexts: Record<QosFlow, SourceContext>): Promise<RunSamples> {
  const { r, discipline, totalMs, windowStart, windowEnd } = run
  // Bulk frames outstanding too long are lost (every frame after them was dropped too).
  run.intervals.push(setInterval(() => {
    const limit = runNow(run) - BULK_LOSS_TIMEOUT_MS
    for (const p of run.outstanding.values()) {
      if (p.arrival > limit) break
      lostBulk(run, p)
    }
  }, 250))
  const qos = run.a.peers()[0]!.qos
  run.loop.enable()
  run.epoch = performance.now()
  r.onProgress({ discipline, phase: 'start', elapsedMs: 0, totalMs })
  run.log.info('scenario traffic started', { rateBps: r.rateBps, delayMs: r.delayMs, durationMs: r.durationMs, warmupMs: r.warmupMs })
  for (const f of QOS_FLOWS) run.generators[f].start(contexts[f])
  // The phase moves on only where the run itself moves on (below); the once-a-second line repeats
  // it. Worked out from the clock instead, a tick due just after a boundary said `measure` before
  // the run got there, and the run's own `warmup` line then followed it (issue 17).
  let phase: QosScenarioProgress['phase'] = 'warmup'
  r.onProgress({ discipline, phase, elapsedMs: 0, totalMs })
  run.intervals.push(setInterval(() => {
    r.onProgress({ discipline, phase, elapsedMs: runNow(run), totalMs })
  }, 1000))
  await sleepUntil(run.epoch + windowStart)
  const s0 = qos.stats()
  // The percentiles cover the measurement window (and the drain), not the warm-up.
  qos.resetDelays()
  const t0 = runNow(run)
  phase = 'measure'
  r.onProgress({ discipline, phase, elapsedMs: t0, totalMs })
  await sleepUntil(run.epoch + windowEnd)
  const s1 = qos.stats()
  const t1 = runNow(run)
  phase = 'drain'
  r.onProgress({ discipline, phase, elapsedMs: t1, totalMs })
  await sleepUntil(run.epoch + totalMs)
  for (const i of run.intervals) clearInterval(i)
  run.loop.disable()
  run.stopped = true
  for (const t of run.timers) clearTimeout(t)
  run.timers.clear()
  const s2 = qos.stats()
  r.onProgress({ discipline, phase: 'done', elapsedMs: runNow(run), totalMs })
  return { s0, s1, s2, t0, t1 }
}

/** Phase 4, reduce results: per class, the window's differences, the sinks' one-way figures and the node drops. */
function reduceResults (run: Run, m: RunSamples): QosDisciplineResult {
  const { s0, s1, s2 } = m
  const { logs, flowClasses } = run
  const measuredMs = m.t1 - m.t0
  let sentBytes = 0
  const classes: Record<string, QosClassResult> = {}
  const flowOf = (c: string): QosFlow | undefined => QOS_FLOWS.find(f => flowClasses[f] === c)
  for (const [c, end] of Object.entries(s2.classes)) {
    const before = s0.classes[c]!
    const after = s1.classes[c]!
    sentBytes += after.sentBytes - before.sentBytes
    if (end.packets === 0) continue
    const dropsByReason: Record<string, number> = {}
    for (const [k, v] of Object.entries(after.drops)) {
      const d = v - (before.drops[k] ?? 0)
      if (d > 0) dropsByReason[k] = d
    }
    const flow = flowOf(c)
    const l = flow !== undefined ? logs[flow] : undefined
    const bits = l !== undefined ? l.bytesInWindow * 8 : (after.sentBytes - before.sentBytes) * 8
    classes[c] = {
      p50Ms: round(end.p50Ms),
      p99Ms: round(end.p99Ms),
      maxMs: round(end.maxMs),
      samples: Math.min(end.sentPackets, DELAY_SAMPLES),
      throughputBps: measuredMs > 0 ? Math.round(bits * 1000 / measuredMs) : 0,
      drops: Object.values(dropsByReason).reduce((x, y) => x + y, 0),
      dropsByReason,
      offered: after.packets - before.packets,
      oneWay: l !== undefined ? (({ p50Ms, p99Ms, maxMs, samples }) => ({ p50Ms: round(p50Ms), p99Ms: round(p99Ms), maxMs: round(maxMs), samples }))(summary(l.oneWay)) : null,
      lost: l !== undefined ? l.sentInWindow - l.receivedOfWindow : null
    }
  }
  const drops: Record<string, Record<string, number>> = {}
  nodeDrops(drops, 'A', run.a.stats())
  nodeDrops(drops, 'B', run.b.stats())
  const series: Record<string, LatencySeries> = {}
  for (const f of QOS_FLOWS) series[flowClasses[f]] = logs[f].series
  const rtt = summary(run.rtts)
  const loop = run.loop
  return {
    discipline: run.discipline,
    utilisation: measuredMs > 0 ? Math.min(1, round(sentBytes * 8 * 1000 / run.r.rateBps / measuredMs, 4)) : 0,
    measuredMs: round(measuredMs, 1),
    classes,
    flowClasses,
    series,
    interactiveRtt: { p50Ms: round(rtt.p50Ms), p99Ms: round(rtt.p99Ms), maxMs: round(rtt.maxMs), samples: rtt.samples },
    eventLoopDelay: { p50Ms: round(loop.percentile(50) / 1e6), p99Ms: round(loop.percentile(99) / 1e6), maxMs: round(loop.max / 1e6) },
    nodeDrops: drops,
    linkQos: s2
  }
}

/** Stops the timers, closes the clients and stops both nodes (also after a failure). */
async function closeRun (run: Run): Promise<void> {
  run.stopped = true
  for (const i of run.intervals) clearInterval(i)
  run.loop.disable()
  for (const t of run.timers) clearTimeout(t)
  for (const c of run.clients) await c.close()
  await run.a.stop()
  await run.b.stop()
}

/** Runs one discipline: start, connect the clients, drive the traffic, reduce the results. */
async function runOne (r: Resolved, discipline: QosDiscipline): Promise<QosDisciplineResult> {
  const run = await startRun(r, discipline)
  try {
    const { sources, sinks } = await connectClients(run)
    const contexts = makeContexts(run, sources, sinks)
    run.contexts = contexts
    const samples = await driveTraffic(run, contexts)
    return reduceResults(run, samples)
  } finally {
    await closeRun(run)
  }
}

/** Issue 6's aims, judged on a report's figures. */
export function evaluateAims (report: Omit<QosScenarioReport, 'aims'>): QosAim[] {
  // On a slow link (a full frame over 20 ms) issue 11's LFI aims are the ones that matter.
  if (lfiApplies(report.frameMs) && report.disciplines.snp_lfi !== undefined) return lfiAims(report)
  const snp = report.disciplines.snp
  const fifo = report.disciplines.fifo
  const aims: QosAim[] = []
  const snpP99 = snp?.classes.interactive?.p99Ms
  if (snpP99 !== undefined) {
    aims.push({
      name: 'snp-interactive-p99',
      description: `SNP interactive p99 queueing delay ≤ 2 × one full-size frame (${report.frameBytes} B) at the link rate`,
      value: snpP99,
      limit: round(2 * report.frameMs),
      pass: snpP99 <= 2 * report.frameMs
    })
  }
  const fifoP99 = fifo?.classes.interactive?.p99Ms
  if (snpP99 !== undefined && fifoP99 !== undefined) {
    const ratio = snpP99 > 0 ? fifoP99 / snpP99 : Infinity
    aims.push({
      name: 'fifo-over-snp-interactive-p99',
      description: 'FIFO interactive p99 ≥ 10 × SNP interactive p99',
      value: Number.isFinite(ratio) ? round(ratio, 2) : Number.MAX_VALUE,
      limit: 10,
      pass: ratio >= 10
    })
  }
  if (snp !== undefined) {
    aims.push({ name: 'snp-utilisation', description: 'link utilisation under SNP ≥ 95 %', value: snp.utilisation, limit: 0.95, pass: snp.utilisation >= 0.95 })
  }
  return aims
}

/**
 * Runs the scenario once per discipline, one after the other, each on fresh nodes, and reports.
 * Takes about (`durationMs` + a drain of about 1 s) per discipline. Rejects with
 * {@link ConfigError} for bad options and {@link TransportError} when a socket cannot be opened.
 */
export async function runQosScenario (options: QosScenarioRunOptions = {}): Promise<QosScenarioReport> {
  const r = resolve(options)
  const disciplines = options.disciplines ?? (options.wan !== undefined ? ['fifo', 'snp', 'snp_lfi'] : ['fifo', 'snp'])
  const report: Omit<QosScenarioReport, 'aims'> = {
    startedAt: new Date().toISOString(),
    profile: r.profile,
    rateBps: r.rateBps,
    delayMs: r.delayMs,
    durationMs: r.durationMs,
    warmupMs: r.warmupMs,
    seed: r.seed,
    bulkWindow: r.bulkWindow,
    frameBytes: r.bulkFrameBytes,
    frameMs: serializationMs(r.bulkFrameBytes, r.rateBps),
    disciplines: {}
  }
  for (const d of disciplines) report.disciplines[d] = await runOne(r, d)
  return { ...report, aims: evaluateAims(report) }
}
