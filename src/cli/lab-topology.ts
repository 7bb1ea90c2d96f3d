/**
 * `ipxlab lab --topology FILE` (issue 16): every node of a topology file (YAML or JSON,
 * src/node/topology.ts) in this process, node i on 127.0.<subnet>.<i + 1> (default subnet 0:
 * 127.0.0.1, 127.0.0.2, ...), each on the same port of its own address. It prints each node's
 * address and links (transport, WAN profile, ticks, key), the `IPXNET CONNECT` line of every
 * node whose segment expects DOSBox clients (`dosbox`; the game segment named), waits for the
 * links, replays the topology's captures into their nodes (as `ipxlab replay`), runs until
 * Ctrl-C, SIGTERM or `--duration`, then prints each node's routing table (as NetWare's
 * `DISPLAY NETWORKS`: network, hops, ticks, next port), its services and its DOSBox clients, and
 * stops every node.
 *
 * Exit status: 0; 1 when a replay found something (as `ipxlab replay`: malformed frames, or a
 * capture that stopped early); 2 for a bad topology, before any node starts.
 */
import { Writable } from 'node:stream'
import { startNode } from '../node/node.js'
import type { IpxNode } from '../node/node.js'
import { IN_PROCESS_RECEIVE_BUFFER } from '../node/config.js'
import type { NodeConfig } from '../node/config.js'
import { linkTicks } from '../node/router.js'
import { loadTopology, topologyConfigs } from '../node/topology.js'
import type { Topology } from '../node/topology.js'
import { ConfigError } from '../errors.js'
import { createLogger } from '../log.js'
import { runReplay } from './replay.js'
import type { Io } from './main.js'
import type { LinkTicksOf } from '../node/rip-simulation.js'
import { displayTables as formatTables, portLabel } from './netware-tables.js'
import { printSimulatedCut, findLink } from './lab-simulate.js'
import { cutAndWatch } from './lab-cut.js'
import type { CutTimes } from './lab-cut.js'

/** Options of {@link runTopologyLab}. */
export interface TopologyLabOptions {
  file: string
  /** Port of every node on its address (default 2644). */
  port?: number
  /** QoS-plane and status API port of every node (default 2629). */
  snpPort?: number
  /** Third byte of the loopback addresses (default 0). */
  subnet?: number
  durationS?: number
  logLevel?: string
  signal?: AbortSignal
  /** Called with the running nodes once every link is up (tests). */
  onRunning?: (nodes: readonly IpxNode[]) => void
  /** RIP and SAP periodic update interval, seconds (default the nodes' 60); expiry and garbage follow. */
  updateIntervalS?: number
  /** `A-B`: once converged, cut that link on the real sockets and watch the lab re-converge (src/cli/lab-cut.ts). */
  cut?: string
  /** `A-B`: run RIP and SAP on a virtual clock instead, cut that link, print every round (src/cli/lab-simulate.ts); no sockets. */
  simulateCut?: string
  /** With `simulateCut`: when the link is cut, virtual seconds. */
  cutAtS?: number
  /** Called with the times `cut` measured (tests). */
  onCut?: (times: CutTimes) => void
}

/** How long the links may take to come up before the lab says which are still down (ms). */
const LINKS_UP_MS = 10_000

function hex8 (n: number): string {
  return n.toString(16).padStart(8, '0').toUpperCase()
}

/**
 * The routing and service tables of a node, as NetWare's DISPLAY NETWORKS and DISPLAY SERVERS
 * (src/cli/netware-tables.ts, shared with `ipxlab stats`); `names` names the peer ports' nodes.
 */
export function displayTables (n: IpxNode, names?: ReadonlyMap<string, string>): string[] {
  const s = n.stats()
  return formatTables(s.name, s.network, s.routes, s.services, (port) => portLabel(port, names))
}

/** Router port id → the name of the node at its other end, for every peer link of the lab. */
export function peerNames (nodes: readonly IpxNode[]): Map<string, string> {
  const byAddress = new Map(nodes.map(n => [`${n.config.listen.host}:${n.config.listen.port}`, n.config.name]))
  const names = new Map<string, string>()
  for (const n of nodes) for (const p of n.peers()) names.set(p.id, byAddress.get(p.address) ?? p.address)
  return names
}

/** Each link's ticks by the names of its ends, as the nodes derive them from the link's profile (src/node/router.ts). */
function ticksByLink (configs: readonly NodeConfig[]): LinkTicksOf {
  const byAddress = new Map(configs.map(c => [`${c.listen.host}:${c.listen.port}`, c.name]))
  const ticks = new Map<string, number>()
  for (const c of configs) for (const p of c.peers) ticks.set(`${c.name} ${byAddress.get(p.address) ?? p.address}`, linkTicks(p.qos))
  return (a, b) => ticks.get(`${a} ${b}`) ?? 1
}

/** One line per link of a node: where it goes, how, and what it costs in ticks. */
function peerLines (c: NodeConfig): string[] {
  return c.peers.map(p => {
    const ticks = linkTicks(p.qos)
    const wan = p.qos.rateBps === null ? 'no emulated link' : `${p.qos.profile ?? `${p.qos.rateBps} bit/s`}, qos ${p.qos.mode}`
    return `      link ${p.transport}://${p.address}: ${wan}, ${ticks} tick${ticks === 1 ? '' : 's'}${p.key !== undefined ? ', keyed' : ''}`
  })
}

/** The lines printed for each node as it starts. */
function nodeLines (t: Topology, i: number, c: NodeConfig): string[] {
  const dosbox = t.nodes[i]!.dosbox
  const lines = [`  ${c.name.padEnd(12)} network ${hex8(c.network)} on ${c.listen.host}:${c.listen.port}, status http://${c.api.listen.host}:${c.api.listen.port}/`]
  if (dosbox !== undefined) lines.push(`      DOSBox: IPXNET CONNECT ${c.listen.host} ${c.listen.port}${dosbox.game !== undefined ? ` (the game segment: ${dosbox.game})` : ''}`)
  return [...lines, ...peerLines(c)]
}

/** Replays each capture into its node in turn; the worst exit status of them. */
async function runReplays (t: Topology, configs: readonly NodeConfig[], io: Io, signal: AbortSignal): Promise<number> {
  // Each replay's summary, indented under the lab's lines.
  const out = new Writable({ write (chunk: Buffer, _enc, done) { io.stdout.write(chunk.toString().replace(/^(?=.)/gm, '    ')); done() } })
  let worst = 0
  for (const r of t.replays) {
    if (signal.aborted) break
    const c = configs.find(x => x.name === r.into)!
    io.stdout.write(`  replaying ${r.file} into ${c.name}\n`)
    const code = await runReplay(r.file, {
      to: `${c.listen.host}:${c.listen.port}`,
      mode: 'dosbox',
      progress: 'none',
      signal,
      ...(r.loop !== undefined ? { loop: r.loop } : {}),
      ...(r.speed !== undefined ? { speed: r.speed } : {}),
      ...(r.max === true ? { max: true } : {})
    }, { stdout: out, stderr: io.stderr })
    worst = Math.max(worst, code)
  }
  return worst
}

/** Runs the topology until stopped; returns the exit status. */
export async function runTopologyLab (o: TopologyLabOptions, io: Io): Promise<number> {
  const topology = loadTopology(o.file)
  const intervalMs = o.updateIntervalS !== undefined ? Math.round(o.updateIntervalS * 1000) : undefined
  const timers = intervalMs !== undefined ? { timers: { ripIntervalMs: intervalMs, sapIntervalMs: intervalMs } } : {}
  const lab = topologyConfigs(topology, { subnet: o.subnet ?? 0, port: o.port ?? 2644, snpPort: o.snpPort ?? 2629 }, { limits: { receiveBufferBytes: IN_PROCESS_RECEIVE_BUFFER }, ...timers })
  const links = topology.links.map(l => l.between)
  const ticksOf = ticksByLink(lab.configs)
  if (o.simulateCut !== undefined) {
    if (lab.mode !== 'route') throw new ConfigError('simulate-cut', 'simulates RIP between routers: the topology must be in route mode')
    return printSimulatedCut({ file: o.file, nodes: lab.configs, links, ticksOf, cut: o.simulateCut, intervalMs: lab.configs[0]!.timers.ripIntervalMs, ...(o.cutAtS !== undefined ? { cutAtS: o.cutAtS } : {}) }, io)
  }
  const cut = o.cut !== undefined ? findLink(links, o.cut, 'cut') : undefined
  if (cut !== undefined && lab.mode !== 'route') throw new ConfigError('cut', 'watches RIP re-converge between routers: the topology must be in route mode')
  const logger = createLogger({ level: o.logLevel ?? 'warn', stream: io.stderr })
  const nodes: IpxNode[] = []
  const abort = new AbortController()
  const stop = (): void => { abort.abort() }
  o.signal?.addEventListener('abort', stop)
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  const timer = o.durationS !== undefined ? setTimeout(stop, o.durationS * 1000) : undefined
  try {
    io.stdout.write(`ipxlab lab: ${o.file}, ${lab.configs.length} nodes in ${lab.mode} mode, ${topology.links.length} link${topology.links.length === 1 ? '' : 's'}\n`)
    for (const [i, c] of lab.configs.entries()) {
      nodes.push(await startNode(c, { logger }))
      io.stdout.write(`${nodeLines(topology, i, c).join('\n')}\n`)
    }
    const end = Date.now() + LINKS_UP_MS
    while (!abort.signal.aborted && Date.now() < end && !nodes.every(n => n.peers().every(p => p.link.up))) await new Promise(resolve => setTimeout(resolve, 20))
    const down = nodes.flatMap(n => n.peers().filter(p => !p.link.up).map(p => `${n.config.name} to ${p.address}`))
    io.stdout.write(down.length === 0 ? '  every link is up; Ctrl-C ends the lab\n' : `  links still down: ${down.join(', ')}\n`)
    o.onRunning?.(nodes)
    const names = peerNames(nodes)
    if (cut !== undefined && down.length > 0) io.stdout.write(`  not cutting ${cut[0]} - ${cut[1]}: the lab never converged with links down\n`)
    if (cut !== undefined && down.length === 0) {
      // Long enough for a full update to cross the lab, and RIP's expiry when it must.
      const timeoutMs = 4 * lab.configs[0]!.timers.ripIntervalMs + LINKS_UP_MS
      const times = await cutAndWatch(nodes, links, cut, names, io, { timeoutMs, signal: abort.signal, ticksOf })
      o.onCut?.(times)
    }
    const status = await runReplays(topology, lab.configs, io, abort.signal)
    if (!abort.signal.aborted) await new Promise(resolve => abort.signal.addEventListener('abort', resolve, { once: true }))
    for (const [i, n] of nodes.entries()) {
      const clients = topology.nodes[i]!.dosbox !== undefined ? [`  DOSBox clients: ${n.stats().clients.length}`] : []
      io.stdout.write(`${[...displayTables(n, names), ...clients].join('\n')}\n`)
    }
    return status === 0 ? 0 : 1
  } finally {
    if (timer !== undefined) clearTimeout(timer)
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
    o.signal?.removeEventListener('abort', stop)
    for (const n of nodes) await n.stop()
  }
}
