/**
 * `ipxlab lab`: the embedded default (`npm start`). Nodes A and B in one process on loopback
 * (127.0.0.1 and 127.0.0.2, which need no privileges), linked by a native tunnel whose QoS stage
 * emulates a 1 Mbit/s, 30 ms WAN under the SNP scheduler. A DOSBox-protocol client on B listens; the
 * bundled capture (a NetWare morning: SAP, RIP, NCP, SPX, NetBIOS, ping, diagnostics) is replayed
 * into A as a DOSBox client, its stations mapped onto B's listener so the conversation crosses the
 * tunnel, pass after pass, until Ctrl-C or SIGTERM (DOSBox can join either node meanwhile; the
 * dashboard at `http://127.0.0.1:2629/` shows both nodes live). A live status line shows frames,
 * bytes and drops per node; a summary closes the run. `--once` (or `--loop N`) plays the capture
 * ten (N) times and ends, `--duration S` ends after S seconds: what tests and scripts use.
 * `--scenario qos` runs the FIFO-versus-SNP experiment instead.
 */
import { startNode } from '../node/node.js'
import { sampleCapture } from '../paths.js'
import type { IpxNode } from '../node/node.js'
import { validateConfig, IN_PROCESS_RECEIVE_BUFFER } from '../node/config.js'
import { Replayer } from '../capture/replay.js'
import { DosboxClient } from '../transport/dosbox-client.js'
import type { ReplayStats } from '../capture/replay.js'
import { readFrames } from '../capture/frames.js'
import { readSrcNode } from '../../protocol/ipx/peek.js'
import { profile } from '../qos/profiles.js'
import { ConfigError, UsageError } from '../errors.js'
import { createLogger } from '../log.js'
import type { Logger } from '../log.js'
import { labTopology } from '../node/dashboard.js'
import type { LabMember } from '../node/dashboard.js'
import { statusDocument } from '../node/status-api.js'
import { runQosLab } from './lab-qos.js'
import { runTopologyLab } from './lab-topology.js'
import type { TopologyLabOptions } from './lab-topology.js'
import type { Io } from './main.js'

/** Options of {@link runLab}. */
export interface LabOptions {
  /** A topology file to run instead of the two-node default (src/cli/lab-topology.ts). */
  topology?: string
  scenario?: string
  /** qos scenario: an era profile (FIFO, SNP and SNP + LFI on it). */
  wan?: string
  json: boolean
  report?: string
  /** Passes over the capture, then end (as `once`; default with `once`: {@link ONCE_PASSES}). */
  loop?: number
  /** Play the capture {@link ONCE_PASSES} times (or `loop`) and end, instead of running until stopped. */
  once?: boolean
  /** End after this many seconds instead of running until stopped. */
  durationS?: number
  /** Speed factor over the capture's own spacing (default 1). */
  speed?: number
  /** Port of both nodes on their addresses (default 2644). */
  port?: number
  /** Port of both nodes' QoS plane and status API (default 2629). */
  snpPort?: number
  capture?: string
  logLevel?: string
  /** Aborts the run (tests; the CLI uses SIGINT). */
  signal?: AbortSignal
  /** Topology: RIP and SAP update interval, seconds. */
  updateInterval?: number
  /** Topology: cut this link (`A-B`) on the real sockets once converged. */
  cut?: string
  /** Topology: cut this link (`A-B`) on a virtual clock instead of running the nodes. */
  simulateCut?: string
  /** With `simulateCut`: when, virtual seconds. */
  cutAt?: number
}

/** The options a topology run takes from the lab's. */
function pick (o: LabOptions): Omit<TopologyLabOptions, 'file'> {
  return {
    ...(o.port !== undefined ? { port: o.port } : {}),
    ...(o.snpPort !== undefined ? { snpPort: o.snpPort } : {}),
    ...(o.durationS !== undefined ? { durationS: o.durationS } : {}),
    ...(o.logLevel !== undefined ? { logLevel: o.logLevel } : {}),
    ...(o.signal !== undefined ? { signal: o.signal } : {}),
    ...(o.updateInterval !== undefined ? { updateIntervalS: o.updateInterval } : {}),
    ...(o.cut !== undefined ? { cut: o.cut } : {}),
    ...(o.simulateCut !== undefined ? { simulateCut: o.simulateCut } : {}),
    ...(o.cutAt !== undefined ? { cutAtS: o.cutAt } : {})
  }
}

/** Passes over the capture with `--once`: the lab's behaviour before it kept running. */
export const ONCE_PASSES = 10

/**
 * Options of the default scenario that the qos scenario does not take, and the other way round:
 * named before any work starts, so a run never ignores what it was asked.
 */
export function checkLabOptions (o: LabOptions): void {
  const internetwork = Object.entries({ cut: o.cut, 'simulate-cut': o.simulateCut, 'cut-at': o.cutAt, 'update-interval': o.updateInterval })
    .filter(([, v]) => v !== undefined).map(([k]) => `--${k}`)
  if (o.topology === undefined && internetwork.length > 0) throw new UsageError('lab', `${internetwork.join(', ')} ${internetwork.length > 1 ? 'are options' : 'is an option'} of --topology`)
  if (o.cut !== undefined && o.simulateCut !== undefined) throw new UsageError('lab', 'give --cut (real sockets) or --simulate-cut (virtual clock), not both')
  if (o.cutAt !== undefined && o.simulateCut === undefined) throw new UsageError('lab', '--cut-at is an option of --simulate-cut (on real sockets --cut cuts once the tables have converged)')
  if (o.simulateCut !== undefined && o.durationS !== undefined) throw new UsageError('lab', '--simulate-cut runs on a virtual clock and ends by itself; --duration is for the real nodes')
  if (o.topology !== undefined) {
    const given = Object.entries({ scenario: o.scenario, wan: o.wan, report: o.report, json: o.json ? true : undefined, once: o.once, loop: o.loop, speed: o.speed, capture: o.capture })
      .filter(([, v]) => v !== undefined).map(([k]) => `--${k}`)
    if (given.length > 0) throw new UsageError('lab', `--topology runs a topology's nodes; ${given.join(', ')} ${given.length > 1 ? 'are options' : 'is an option'} of the default or qos scenario`)
  }
  const qos = o.scenario === 'qos'
  if (o.scenario !== undefined && o.scenario !== 'default' && !qos) throw new ConfigError('scenario', `unknown scenario ${JSON.stringify(o.scenario)}; known: default, qos`)
  if (!qos) {
    if (o.report !== undefined) throw new UsageError('lab', '--report is an option of --scenario qos (the default scenario writes no report)')
    if (o.json) throw new UsageError('lab', '--json is an option of --scenario qos (the default scenario prints a summary)')
    if (o.wan !== undefined) throw new UsageError('lab', '--wan is for --scenario qos; a node takes --wan itself (ipxlab node --qos snp --wan PROFILE)')
  } else {
    const given = Object.entries({ loop: o.loop, once: o.once, duration: o.durationS, speed: o.speed, port: o.port, 'snp-port': o.snpPort, capture: o.capture })
      .filter(([, v]) => v !== undefined).map(([k]) => `--${k}`)
    if (given.length > 0) throw new UsageError('lab', `${given.join(', ')} ${given.length > 1 ? 'are options' : 'is an option'} of the default scenario, not of --scenario qos`)
  }
  if (o.capture === '-') throw new UsageError('lab', '--capture - is for ipxlab node (the lab prints its status on standard output); give a file')
  if (o.once === true && o.durationS !== undefined) throw new UsageError('lab', 'give --once or --duration, not both')
  if (o.durationS !== undefined && !(o.durationS > 0)) throw new ConfigError('duration', 'is a number of seconds above 0')
  const levels = ['error', 'warn', 'info', 'debug']
  if (o.logLevel !== undefined && !levels.includes(o.logLevel)) throw new ConfigError('log-level', `must be one of ${levels.join(', ')}`)
}

/** The stations of the bundled capture: every one is mapped onto B's listener. */
async function captureNodes (file: string): Promise<Set<number>> {
  const nodes = new Set<number>()
  for await (const f of readFrames(file)) {
    if (f.kind !== 'ipx') continue
    const h = f.located.ipx.header
    for (const n of [h.src.node, h.dst.node]) if (n !== 0xffffffffffff) nodes.add(n)
  }
  return nodes
}

function line (a: IpxNode, b: IpxNode, received: number, st: ReplayStats | undefined): string {
  const link = a.peers()[0]
  const q = link?.qos.stats()
  const drops = (n: IpxNode): number => n.dosbox.counters.totalDropped() + n.router.counters.totalDropped()
  return `replayed ${st?.sent ?? 0} | A: ${a.router.counters.received} frames ${a.router.counters.receivedBytes} B, ${drops(a)} drops` +
    ` | link A->B ${link?.link.stats.dataSent ?? 0} sent, queue ${q?.backlogBytes ?? 0} B` +
    ` | B: ${b.router.counters.received} frames, ${drops(b)} drops | listener on B got ${received}`
}

function summary (a: IpxNode, b: IpxNode, st: ReplayStats, received: number, file: string, why: string, io: Io): void {
  const q = a.peers()[0]!.qos.stats()
  const link = b.peers()[0]!.link.stats
  io.stdout.write(`\nreplayed ${st.sent} frames of ${file} (${st.passes} passes) into node A as a DOSBox client${why}\n`)
  io.stdout.write(`listener on node B received ${received} of them (mapped onto it; broadcasts included)\n`)
  io.stdout.write(`link A->B: ${link.dataReceived} data frames received by B, ${link.lost} lost, ${link.reordered} reordered, ${link.duplicates} duplicates\n`)
  io.stdout.write('QoS on A\'s link, per class (queueing delay at A, ms):\n')
  for (const [c, k] of Object.entries(q.classes)) {
    if (k.packets === 0) continue
    io.stdout.write(`  ${c.padEnd(16)} ${String(k.packets).padStart(5)} packets  p50 ${k.p50Ms.toFixed(1)}  p99 ${k.p99Ms.toFixed(1)}  max ${k.maxMs.toFixed(1)}\n`)
  }
  for (const n of [a, b]) {
    const d = { ...n.dosbox.counters.dropped }
    for (const [r, v] of Object.entries(n.router.counters.dropped)) d[r as keyof typeof d] += v
    const named = Object.entries(d).filter(([, v]) => v > 0).map(([r, v]) => `${r} ${v}`).join(', ')
    io.stdout.write(`${n.config.name}: ${n.router.counters.received} frames routed, drops: ${named === '' ? 'none' : named}\n`)
  }
}

/** Starts A and B and waits for their link; the nodes are pushed to `nodes` as they start (stopped by the caller). */
async function startPair (o: LabOptions, io: Io, nodes: IpxNode[], signal: AbortSignal, logger: Logger): Promise<[IpxNode, IpxNode]> {
  const port = o.port ?? 2644
  const snpPort = o.snpPort ?? 2629
  const wan = profile('lab-wan')
  const qos = { discipline: 'snp' as const, rateBps: wan.rate, wan: { delayMs: wan.delayMs ?? 30 } }
  const a = await startNode(validateConfig({ name: 'NODE-A', listen: `127.0.0.1:${port}`, snpListen: `127.0.0.1:${snpPort}`, peers: [{ address: `127.0.0.2:${port}`, snp: `127.0.0.2:${snpPort}` }], limits: { receiveBufferBytes: IN_PROCESS_RECEIVE_BUFFER } }), { logger, qos })
  nodes.push(a)
  const b = await startNode(validateConfig({ name: 'NODE-B', listen: `127.0.0.2:${port}`, snpListen: `127.0.0.2:${snpPort}`, peers: [{ address: `127.0.0.1:${port}`, snp: `127.0.0.1:${snpPort}` }], limits: { receiveBufferBytes: IN_PROCESS_RECEIVE_BUFFER }, ...(o.capture !== undefined ? { capture: o.capture } : {}) }), { logger, qos })
  nodes.push(b)
  // One page shows both nodes and their link: each node's dashboard knows the whole lab.
  const aApi = a.api!
  const bApi = b.api!
  const member = (n: IpxNode, url: string): LabMember => ({ document: () => statusDocument({ stats: () => n.stats(), snpStats: () => n.snp.stats(), running: () => true }), dashboard: url })
  const lab = labTopology([member(a, `http://127.0.0.1:${aApi.port}/`), member(b, `http://127.0.0.2:${bApi.port}/`)])
  for (const n of [a, b]) n.statusApi?.setTopology(lab)
  io.stdout.write(`ipxlab lab: node A on 127.0.0.1:${port}, node B on 127.0.0.2:${port}, native tunnel with SNP QoS on an emulated ${wan.rate / 1e6} Mbit/s, ${qos.wan.delayMs} ms WAN\n`)
  io.stdout.write(`  dashboard: http://127.0.0.1:${aApi.port}/ (both nodes live; B's own: http://127.0.0.2:${bApi.port}/)\n`)
  io.stdout.write(`  status: http://127.0.0.1:${aApi.port}/api/stats and http://127.0.0.2:${bApi.port}/api/stats (also /metrics)\n`)
  io.stdout.write(`  DOSBox: IPXNET CONNECT 127.0.0.1 ${port} (node A) or IPXNET CONNECT 127.0.0.2 ${port} (node B)\n`)
  const deadline = Date.now() + 5000
  while (!(a.peers()[0]?.link.up === true && b.peers()[0]?.link.up === true)) {
    if (Date.now() > deadline || signal.aborted) throw new ConfigError('lab', 'the link between the two nodes did not come up within 5 s')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  return [a, b]
}

/** Runs the lab; returns the exit status. */
export async function runLab (o: LabOptions, io: Io): Promise<number> {
  checkLabOptions(o)
  if (o.topology !== undefined) {
    return await runTopologyLab({ file: o.topology, ...pick(o) }, io)
  }
  if (o.scenario === 'qos') return await runQosLab({ json: o.json, ...(o.report !== undefined ? { report: o.report } : {}), ...(o.wan !== undefined ? { scenario: { wan: o.wan } } : {}) }, io)
  const SAMPLE_CAPTURE = sampleCapture()
  const logger = createLogger({ level: o.logLevel ?? 'warn', stream: io.stderr })
  const nodes: IpxNode[] = []
  const abort = new AbortController()
  let why = ''
  const stop = (reason: string) => (): void => { if (!abort.signal.aborted) { why = reason; abort.abort() } }
  const onSignal = stop(' (stopped by a signal)')
  const onAbort = stop(' (stopped)')
  o.signal?.addEventListener('abort', onAbort)
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const finite = o.once === true || o.loop !== undefined
  const timer = o.durationS !== undefined ? setTimeout(stop(` (after ${o.durationS} s)`), o.durationS * 1000) : undefined
  let ticker: NodeJS.Timeout | undefined
  try {
    const [a, b] = await startPair(o, io, nodes, abort.signal, logger)
    if (!finite) io.stdout.write(`  replaying ${SAMPLE_CAPTURE} into A until Ctrl-C${o.durationS !== undefined ? ` or ${o.durationS} s` : ''} (--once: ${ONCE_PASSES} passes and a summary)\n`)
    let received = 0
    // The nodes' own RIP and SAP broadcasts reach the listener too (as on a NetWare LAN); count
    // only what the replayer sent, which never comes from a node's own address.
    const own = new Set([a.config.node, b.config.node])
    const listener = new DosboxClient({ to: { host: '127.0.0.2', port: b.address().port }, onDatagram: (d) => { if (!own.has(readSrcNode(d))) received++ } })
    await listener.open()
    // The replayer opens (registers) its sender itself.
    const sender = new DosboxClient({ to: { host: '127.0.0.1', port: a.address().port } })
    const listenerNode = listener.sourceNode!
    const map = new Map([...await captureNodes(SAMPLE_CAPTURE)].map(n => [n, listenerNode]))
    let last: ReplayStats | undefined
    const tty = (io.stdout as { isTTY?: boolean }).isTTY === true
    ticker = setInterval(() => {
      const text = line(a, b, received, last)
      io.stdout.write(tty ? `\r${text}\u001b[K` : `${text}\n`)
    }, tty ? 250 : 1000)
    const replayer = new Replayer({
      path: SAMPLE_CAPTURE,
      sender,
      timing: { kind: 'original', speed: o.speed ?? 1 },
      // Until stopped: as many passes as a run can hold, each due when the last one ended.
      loop: finite ? o.loop ?? ONCE_PASSES : Number.MAX_SAFE_INTEGER,
      // The capture's LAN (00000A01) becomes the lab's segment, and its stations B's listener.
      rewrite: { nodes: map, allNetworks: a.config.network },
      onProgress: st => { last = st },
      signal: abort.signal
    })
    const st = await replayer.run()
    // Let the last frames cross the emulated WAN (30 ms, more on a busy machine) before counting:
    // until all have arrived, for 2 s at most.
    for (const end = Date.now() + 2000; received < st.sent && Date.now() < end;) await new Promise(resolve => setTimeout(resolve, 20))
    clearInterval(ticker)
    ticker = undefined
    if (tty) io.stdout.write('\n')
    await sender.close()
    await listener.close()
    summary(a, b, st, received, SAMPLE_CAPTURE, why, io)
    // A person's Ctrl-C may land between a frame and its arrival; a run that ended by itself may not lose any.
    return st.sent === received || why === ' (stopped by a signal)' || why === ' (stopped)' ? 0 : 1
  } finally {
    if (ticker !== undefined) clearInterval(ticker)
    if (timer !== undefined) clearTimeout(timer)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    o.signal?.removeEventListener('abort', onAbort)
    for (const n of nodes.reverse()) await n.stop()
  }
}
