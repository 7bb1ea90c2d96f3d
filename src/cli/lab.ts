/**
 * `ipxlab lab`: the embedded default (`npm start`). Nodes A and B in one process on loopback
 * (127.0.0.1 and 127.0.0.2, which need no privileges), linked by a native tunnel whose QoS stage
 * emulates a 1 Mbit/s, 30 ms WAN under the SNP scheduler. A DOSBox-protocol client on B listens; the
 * bundled capture (a NetWare morning: SAP, RIP, NCP, SPX, NetBIOS, ping, diagnostics) is replayed
 * into A as a DOSBox client, its stations mapped onto B's listener so the conversation crosses the
 * tunnel. A live status line shows frames, bytes and drops per node; a summary closes the run.
 * Ctrl-C stops it cleanly. `--scenario qos` runs the FIFO-versus-SNP experiment instead.
 */
import { startNode } from '../node/node.js'
import { sampleCapture } from '../paths.js'
import type { IpxNode } from '../node/node.js'
import { validateConfig } from '../node/config.js'
import { DosboxSender, Replayer } from '../capture/replay.js'
import type { ReplayStats } from '../capture/replay.js'
import { readFrames } from '../capture/frames.js'
import { readNode } from '../../protocol/ipx/peek.js'
import { profile } from '../qos/profiles.js'
import { ConfigError } from '../errors.js'
import { createLogger } from '../log.js'
import { runQosLab } from './lab-qos.js'
import type { Io } from './main.js'

/** Options of {@link runLab}. */
export interface LabOptions {
  scenario?: string
  /** qos scenario: an era profile (FIFO, SNP and SNP + LFI on it). */
  wan?: string
  json: boolean
  report?: string
  /** Passes over the capture (default 10). */
  loop?: number
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

/** Runs the lab; returns the exit status. */
export async function runLab (o: LabOptions, io: Io): Promise<number> {
  const SAMPLE_CAPTURE = sampleCapture()
  if (o.scenario !== undefined && o.scenario !== 'default') {
    if (o.scenario !== 'qos') throw new ConfigError('scenario', `unknown scenario ${JSON.stringify(o.scenario)}; known: default, qos`)
    return await runQosLab({ json: o.json, ...(o.report !== undefined ? { report: o.report } : {}), ...(o.wan !== undefined ? { scenario: { wan: o.wan } } : {}) }, io)
  }
  if (o.wan !== undefined) throw new ConfigError('wan', 'is for --scenario qos; a node takes --wan itself (ipxlab node --qos snp --wan PROFILE)')
  const levels = ['error', 'warn', 'info', 'debug']
  if (o.logLevel !== undefined && !levels.includes(o.logLevel)) throw new ConfigError('log-level', `must be one of ${levels.join(', ')}`)
  const port = o.port ?? 2644
  const snpPort = o.snpPort ?? 2629
  const logger = createLogger({ level: o.logLevel ?? 'warn', stream: io.stderr })
  const wan = profile('lab-wan')
  const qos = { discipline: 'snp' as const, rateBps: wan.rate, wan: { delayMs: wan.delayMs ?? 30 } }
  const nodes: IpxNode[] = []
  const abort = new AbortController()
  const onSigint = (): void => { abort.abort() }
  o.signal?.addEventListener('abort', onSigint)
  process.once('SIGINT', onSigint)
  let ticker: NodeJS.Timeout | undefined
  try {
    const a = await startNode(validateConfig({ name: 'NODE-A', listen: `127.0.0.1:${port}`, snpListen: `127.0.0.1:${snpPort}`, peers: [{ address: `127.0.0.2:${port}`, snp: `127.0.0.2:${snpPort}` }] }), { logger, qos })
    nodes.push(a)
    const b = await startNode(validateConfig({ name: 'NODE-B', listen: `127.0.0.2:${port}`, snpListen: `127.0.0.2:${snpPort}`, peers: [{ address: `127.0.0.1:${port}`, snp: `127.0.0.1:${snpPort}` }], ...(o.capture !== undefined ? { capture: o.capture } : {}) }), { logger, qos })
    nodes.push(b)
    io.stdout.write(`ipxlab lab: node A on 127.0.0.1:${port}, node B on 127.0.0.2:${port}, native tunnel with SNP QoS on an emulated ${wan.rate / 1e6} Mbit/s, ${qos.wan.delayMs} ms WAN\n`)
    io.stdout.write(`  status: http://127.0.0.1:${snpPort}/api/stats and http://127.0.0.2:${snpPort}/api/stats (also /metrics); DOSBox can join either node with IPXNET CONNECT\n`)
    const deadline = Date.now() + 5000
    while (!(a.peers()[0]?.link.up === true && b.peers()[0]?.link.up === true)) {
      if (Date.now() > deadline || abort.signal.aborted) throw new ConfigError('lab', 'the link between the two nodes did not come up within 5 s')
      await new Promise(resolve => setTimeout(resolve, 20))
    }
    let received = 0
    // The nodes' own RIP and SAP broadcasts reach the listener too (as on a NetWare LAN); count
    // only what the replayer sent, which never comes from a node's own address.
    const own = new Set([a.config.node, b.config.node])
    const listener = new DosboxSender({ to: { host: '127.0.0.2', port }, onDatagram: (d) => { if (!own.has(readNode(d, 22))) received++ } })
    await listener.open()
    // The replayer opens (registers) its sender itself.
    const sender = new DosboxSender({ to: { host: '127.0.0.1', port } })
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
      loop: o.loop ?? 10,
      // The capture's LAN (00000A01) becomes the lab's segment, and its stations B's listener.
      rewrite: { nodes: map, allNetworks: a.config.network },
      onProgress: st => { last = st },
      signal: abort.signal
    })
    const st = await replayer.run()
    // Let the last frames cross the emulated WAN (30 ms) before counting.
    await new Promise(resolve => setTimeout(resolve, 300))
    clearInterval(ticker)
    ticker = undefined
    if (tty) io.stdout.write('\n')
    await sender.close()
    await listener.close()
    const q = a.peers()[0]!.qos.stats()
    const link = b.peers()[0]!.link.stats
    io.stdout.write(`\nreplayed ${st.sent} frames of ${SAMPLE_CAPTURE} (${st.passes} passes) into node A as a DOSBox client${abort.signal.aborted ? ' (stopped by Ctrl-C)' : ''}\n`)
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
    const lost = st.sent - received
    return lost === 0 || abort.signal.aborted ? 0 : 1
  } finally {
    if (ticker !== undefined) clearInterval(ticker)
    process.off('SIGINT', onSigint)
    o.signal?.removeEventListener('abort', onSigint)
    for (const n of nodes.reverse()) await n.stop()
  }
}
