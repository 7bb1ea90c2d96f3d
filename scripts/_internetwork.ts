/**
 * The internetwork scale benchmark's parts (issue 16, part 4), shared by `bench-internetwork.ts`
 * and its test: a topology generator, the distances every routing table should show, and the
 * harness that runs the topology in this process on loopback (as `ipxlab lab --topology` does:
 * `parseTopology` → `topologyConfigs` → `startNode`, node i on 127.0.<subnet>.<i + 1>) and measures
 * it. Every wait is bounded; nothing leaves 127.0.0.0/8.
 *
 * The generated shape, for a spine of L hops:
 *  - the spine S0 – S1 – … – SL: a path of L hops, the long path of the frame measurement;
 *  - a detour Di beside each spine link (Di linked to Si and Si+1): a loop with that link and an
 *    alternative path one hop longer, so cutting a spine link moves routes, never shortens one;
 *  - the remaining nodes as branches Bk round-robin on the spine nodes, each linked to its spine
 *    node and to the previous branch on it (a triangle, then a small mesh): more loops, no shortcut.
 * The frame measurement's 1-hop path is S0 → S1, its long path S0 → SL; the cut is the middle spine link.
 */
import v8 from 'node:v8'
import { runInNewContext } from 'node:vm'
import { parseTopology, topologyConfigs } from '../src/node/topology.js'
import type { Topology } from '../src/node/topology.js'
import { startNode } from '../src/node/node.js'
import type { IpxNode } from '../src/node/node.js'
import { IN_PROCESS_RECEIVE_BUFFER } from '../src/node/config.js'
import { DosboxClient } from '../src/transport/dosbox-client.js'
import { TransportError } from '../src/errors.js'
import { Router } from '../src/node/router.js'
import { RipService } from '../src/node/services/rip.js'
import { SapService } from '../src/node/services/sap.js'
import { ipx } from '../protocol/index.js'
import * as sapCodec from '../protocol/sap.js'
import { Socket } from '../protocol/constants.js'
import type { IpxPacket } from '../protocol/ipx/index.js'

/** Size of the generated topology. */
export interface ShapeOptions {
  /** Routers in all (at least 2 × spine + 1: the spine and its detours). */
  nodes: number
  /** Hops of the spine, the long path (at least 2; at most 14, so that branch to branch stays below RIP's 16). */
  spine: number
}

/** A topology file's content (the JSON `ipxlab lab --topology` reads) of the benchmark's shape. */
export function spineTopology (o: ShapeOptions): { mode: 'route', nodes: Array<{ name: string, network: string }>, links: Array<{ between: [string, string] }> } {
  const L = o.spine
  if (!(Number.isInteger(L) && L >= 2 && L <= 14)) throw new RangeError(`spine must be 2..14 hops, got ${L}`)
  if (!(Number.isInteger(o.nodes) && o.nodes >= 2 * L + 1 && o.nodes <= 250)) throw new RangeError(`nodes must be ${2 * L + 1}..250 for a spine of ${L}, got ${o.nodes}`)
  const names: string[] = []
  const links: Array<{ between: [string, string] }> = []
  for (let i = 0; i <= L; i++) names.push(`S${i}`)
  for (let i = 0; i < L; i++) links.push({ between: [`S${i}`, `S${i + 1}`] })
  for (let i = 0; i < L; i++) {
    names.push(`D${i}`)
    links.push({ between: [`D${i}`, `S${i}`] }, { between: [`D${i}`, `S${i + 1}`] })
  }
  const lastOn = new Map<number, string>()
  for (let k = 0; names.length < o.nodes; k++) {
    const on = k % (L + 1)
    const name = `B${k}`
    names.push(name)
    links.push({ between: [name, `S${on}`] })
    const previous = lastOn.get(on)
    if (previous !== undefined) links.push({ between: [name, previous] })
    lastOn.set(on, name)
  }
  // Networks 0x51000001, 0x51000002, ... in node order (hex text, as a topology file writes them).
  return { mode: 'route', nodes: names.map((name, i) => ({ name, network: (0x51000001 + i).toString(16).toUpperCase().padStart(8, '0') })), links }
}

/** The middle spine link, the one the benchmark cuts. */
export function cutLink (spine: number): [string, string] {
  const c = Math.floor(spine / 2)
  return [`S${c}`, `S${c + 1}`]
}

/** Hop distances between every pair of nodes (Infinity: apart), by breadth-first search, without the `without` link. */
export function distances (t: Topology, without?: [string, string]): number[][] {
  const index = new Map(t.nodes.map((n, i) => [n.name, i]))
  const next: number[][] = t.nodes.map(() => [])
  for (const { between: [a, b] } of t.links) {
    if (without !== undefined && ((a === without[0] && b === without[1]) || (a === without[1] && b === without[0]))) continue
    next[index.get(a)!]!.push(index.get(b)!)
    next[index.get(b)!]!.push(index.get(a)!)
  }
  return t.nodes.map((_, from) => {
    const d = t.nodes.map(() => Infinity)
    d[from] = 0
    const queue = [from]
    for (let q = 0; q < queue.length; q++) {
      const x = queue[q]!
      for (const y of next[x]!) if (d[y] === Infinity) { d[y] = d[x]! + 1; queue.push(y) }
    }
    return d
  })
}

/** What {@link runInternetworkBench} takes. */
export interface BenchOptions extends ShapeOptions {
  /** RIP and SAP periodic interval of every node, ms (expiry and garbage collection follow it: 3× and 4×). */
  intervalMs: number
  /** Datagrams per throughput measurement, and the window waited for before the next (so no socket overflows). */
  frames: number
  window: number
  /** Latency samples (one datagram at a time) per measurement. */
  samples: number
  /** A window (or a latency sample) with no arrival for this long ends; what is missing then counts as lost, ms. */
  stallMs: number
  /** Alternating rounds of the 1-hop and the long path; the medians are reported. */
  rounds: number
  /** Length of the steady-state window in which routing updates are counted, ms. */
  steadyMs: number
  /** Third byte of the loopback addresses. */
  subnet: number
  /** Bound on every wait (start, convergence, a window of frames), ms. */
  limitMs: number
  /** Progress lines (stderr in the benchmark). */
  progress?: (line: string) => void
}

/** A throughput and latency figure. */
export interface PathResult { pps: number, p50Us: number, lost: number }

/** What {@link runInternetworkBench} measured. */
export interface BenchResult {
  nodes: number
  links: number
  intervalMs: number
  /** Start of every node until every link is up, ms. */
  startMs: number
  /** Every link up until every routing table matches the graph (RIP), and until every node knows every server (SAP), ms. */
  convergeMs: number
  sapConvergeMs: number
  /** Heap and RSS growth per node once converged (after a GC when one could be forced). */
  memory: { heapPerNodeBytes: number, rssPerNodeBytes: number, gc: boolean }
  /** RIP and SAP datagrams sent and received per second at steady state, and the event loop's busy share then. */
  updates: { sentPerS: number, receivedPerS: number, ripSentPerS: number, sapSentPerS: number, windowMs: number, eventLoop: number }
  /** Frames from a DOSBox client on S0 to one on S1 (1 hop) and to one on SL (`spine` hops). */
  frames: { hops: number, oneHop: PathResult, long: PathResult }
  /** The middle spine link cut (both ends stop it): until every routing table matches the cut graph, ms. */
  cut: { link: [string, string], convergeMs: number, routesMoved: number, updatesSent: number }
  /** Datagrams dropped by the routers before the cut (should be 0). */
  routerDrops: number
}

/** A GC, when one can be had (`--expose-gc`, or V8's flag set at run time). */
function collector (): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc
  if (g !== undefined) return g
  try {
    v8.setFlagsFromString('--expose-gc')
    return runInNewContext('gc') as () => void
  } catch {
    return undefined
  }
}

async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

/** Polls `cond` every 2 ms until true or `limitMs`; resolves with the elapsed ms, or throws naming `what`. */
async function waitFor (cond: () => boolean, limitMs: number, what: string): Promise<number> {
  const t0 = performance.now()
  while (!cond()) {
    if (performance.now() - t0 > limitMs) throw new Error(`internetwork bench: timed out after ${limitMs} ms waiting for ${what}`)
    // 5 ms: the resolution of the convergence times; a check of every table costs ~50 µs at 50 nodes.
    await sleep(5)
  }
  return performance.now() - t0
}

/** The running lab: nodes in topology order, and which node each router port leads to. */
interface Lab {
  topology: Topology
  nodes: IpxNode[]
  networks: number[]
  hosts: string[]
  port: number
  /** Router port id → index of the node at its far end. */
  portTo: Map<string, number>
  /** RIP and SAP datagrams handed to each node's services. */
  received: { rip: number, sap: number }
}

/** Counts what reaches a node's RIP and SAP sockets, then hands it to the service (the benchmark's only hook). */
function countServices (n: IpxNode, received: Lab['received']): void {
  n.router.bind(Socket.Rip, { handle: (p: IpxPacket, from: string, now: number) => { received.rip++; n.rip.handle(p, from, now) } })
  n.router.bind(Socket.Sap, { handle: (p: IpxPacket, from: string, now: number) => { received.sap++; n.sap.handle(p, from, now) } })
}

/** Starts every node of `t` on 127.0.<subnet>.x at one random port (another on a clash). */
async function startLab (t: Topology, o: BenchOptions): Promise<Lab> {
  for (let attempt = 0; ; attempt++) {
    // Below Linux's ephemeral range (32768-60999), so no test's port-0 socket takes it meanwhile.
    const port = 20000 + 2 * Math.floor(Math.random() * 6000)
    const lab = topologyConfigs(t, { subnet: o.subnet, port, snpPort: port + 1 }, {
      limits: { receiveBufferBytes: IN_PROCESS_RECEIVE_BUFFER },
      timers: { ripIntervalMs: o.intervalMs, sapIntervalMs: o.intervalMs }
    })
    const nodes: IpxNode[] = []
    const received = { rip: 0, sap: 0 }
    try {
      for (const c of lab.configs) {
        const n = await startNode(c)
        nodes.push(n)
        countServices(n, received)
      }
    } catch (err) {
      await Promise.all(nodes.map(async n => { await n.stop() }))
      if (err instanceof TransportError && err.code === 'IPX_ERR_ADDR_IN_USE' && attempt < 5) continue
      throw err
    }
    const hosts = lab.configs.map(c => c.listen.host)
    const portTo = new Map<string, number>()
    nodes.forEach(n => { for (const p of n.peers()) portTo.set(p.id, hosts.indexOf(p.address.slice(0, p.address.lastIndexOf(':')))) })
    return { topology: t, nodes, networks: lab.configs.map(c => c.network), hosts, port, portTo, received }
  }
}

/** Routes that differ from the distances `d` (hops, and a next hop on a shortest path); 0 = converged. */
function mismatches (lab: Lab, d: number[][]): number {
  let wrong = 0
  lab.nodes.forEach((n, i) => {
    lab.networks.forEach((net, j) => {
      if (i === j) return
      const r = n.router.route(net)
      const want = d[i]![j]!
      if (want === Infinity) { if (r !== undefined && r.hops < 16) wrong++; return }
      const via = r?.port == null ? undefined : lab.portTo.get(r.port)
      if (r === undefined || r.hops !== want || via === undefined || d[via]![j] !== want - 1) wrong++
    })
  })
  return wrong
}

/**
 * Waits until every table matches `d` and stays so for `stableMs`. Returns the ms from `t0` to the
 * start of that stretch, and the routing datagrams sent by then (from `t0`).
 */
async function converge (lab: Lab, d: number[][], stableMs: number, limitMs: number, what: string, t0 = performance.now()): Promise<{ ms: number, sent: number }> {
  const total = (): number => { const s = updatesSent(lab); return s.rip + s.sap }
  const sent0 = total()
  let since: number | undefined
  let sent = 0
  await waitFor(() => {
    const now = performance.now()
    if (mismatches(lab, d) !== 0) since = undefined
    else if (since === undefined) { since = now; sent = total() - sent0 }
    return since !== undefined && now - since >= stableMs
  }, limitMs, what)
  return { ms: since! - t0, sent }
}

function sapComplete (lab: Lab): boolean {
  return lab.nodes.every(n => n.sap.table.size >= lab.nodes.length)
}

function updatesSent (lab: Lab): { rip: number, sap: number } {
  let rip = 0
  let sap = 0
  for (const n of lab.nodes) { rip += n.rip.stats.packetsSent; sap += n.sap.stats.packetsSent }
  return { rip, sap }
}

/** RIP and SAP datagrams per second over `ms` of steady state, and the event loop's busy share meanwhile. */
async function steadyUpdates (lab: Lab, ms: number): Promise<BenchResult['updates']> {
  const s0 = updatesSent(lab)
  const r0 = lab.received.rip + lab.received.sap
  const elu0 = performance.eventLoopUtilization()
  const t0 = performance.now()
  await sleep(ms)
  const elapsed = performance.now() - t0
  const elu = performance.eventLoopUtilization(elu0)
  const s1 = updatesSent(lab)
  const perS = (x: number): number => x * 1000 / elapsed
  return {
    sentPerS: perS(s1.rip + s1.sap - s0.rip - s0.sap),
    receivedPerS: perS(lab.received.rip + lab.received.sap - r0),
    ripSentPerS: perS(s1.rip - s0.rip),
    sapSentPerS: perS(s1.sap - s0.sap),
    windowMs: elapsed,
    eventLoop: elu.utilization
  }
}

/** A DOSBox client registered with node `i` of the lab, counting what it receives. */
async function clientAt (lab: Lab, i: number): Promise<{ client: DosboxClient, got: { n: number } }> {
  const got = { n: 0 }
  // Only the measurement's datagrams: the node's own RIP and SAP broadcasts reach its segment too.
  const onDatagram = (d: Buffer): void => { if (ipx.readDstSocket(d) === GAME_SOCKET) got.n++ }
  const client = new DosboxClient({ to: { host: lab.hosts[i]!, port: lab.port }, bind: { host: lab.hosts[i]!, port: 0 }, recvBufferSize: IN_PROCESS_RECEIVE_BUFFER, sendBufferSize: IN_PROCESS_RECEIVE_BUFFER, onDatagram })
  await client.open()
  return { client, got }
}

/** The socket the measurement's datagrams go to (a game's, in the dynamic range). */
const GAME_SOCKET = 0x4000

/** A 60-byte datagram from `from` to `to` on network `network`, socket {@link GAME_SOCKET}. */
function datagram (from: number, to: number, network: number): Buffer {
  return ipx.packet.encode(ipx.packet.makePacket({ packetType: 4, dst: { network, node: to, socket: GAME_SOCKET }, src: { network: 0, node: from, socket: GAME_SOCKET } }, Buffer.alloc(30)))
}

/** Throughput (windows, each waited for until no progress for `stallMs`: the rest counted lost) and latency (one at a time). */
async function measurePath (send: () => void, got: { n: number }, o: BenchOptions): Promise<PathResult> {
  const stalled = async (target: number): Promise<void> => {
    let last = got.n
    let lastAt = performance.now()
    while (got.n < target) {
      await new Promise(resolve => setImmediate(resolve))
      if (got.n !== last) { last = got.n; lastAt = performance.now() } else if (performance.now() - lastAt > o.stallMs) return
    }
  }
  const start = got.n
  const t0 = performance.now()
  for (let sent = 0; sent < o.frames;) {
    const n = Math.min(o.window, o.frames - sent)
    for (let i = 0; i < n; i++) send()
    sent += n
    await stalled(start + sent)
  }
  const pps = (got.n - start) * 1000 / (performance.now() - t0)
  const lost = start + o.frames - got.n
  const lat: number[] = []
  for (let i = 0; i < o.samples; i++) {
    const before = got.n
    const s = performance.now()
    send()
    await stalled(before + 1)
    if (got.n > before) lat.push((performance.now() - s) * 1000)
  }
  lat.sort((a, b) => a - b)
  return { pps, p50Us: lat[Math.floor(lat.length / 2)] ?? NaN, lost }
}

function medianOf (rs: PathResult[]): PathResult {
  const m = (k: keyof PathResult): number => rs.map(r => r[k]).sort((x, y) => x - y)[Math.floor(rs.length / 2)]!
  return { pps: m('pps'), p50Us: m('p50Us'), lost: rs.reduce((s, r) => s + r.lost, 0) }
}

/** The 1-hop and the long path, in alternating rounds, from a client on S0. */
async function measureFrames (lab: Lab, o: BenchOptions): Promise<BenchResult['frames']> {
  const index = (name: string): number => lab.topology.nodes.findIndex(n => n.name === name)
  const [s0, s1, sL] = [index('S0'), index('S1'), index(`S${o.spine}`)]
  const x = await clientAt(lab, s0)
  const near = await clientAt(lab, s1)
  const far = await clientAt(lab, sL)
  try {
    const toNear = datagram(x.client.node, near.client.node, lab.networks[s1]!)
    const toFar = datagram(x.client.node, far.client.node, lab.networks[sL]!)
    const one: PathResult[] = []
    const long: PathResult[] = []
    for (let r = 0; r < o.rounds; r++) {
      one.push(await measurePath(() => { x.client.send(toNear) }, near.got, o))
      long.push(await measurePath(() => { x.client.send(toFar) }, far.got, o))
    }
    return { hops: o.spine, oneHop: medianOf(one), long: medianOf(long) }
  } finally {
    for (const c of [x, near, far]) await c.client.close()
  }
}

/** Cuts the middle spine link (both ends stop it: a bye, the ports gone at once) and times the re-convergence. */
async function measureCut (lab: Lab, o: BenchOptions, stableMs: number): Promise<BenchResult['cut']> {
  const link = cutLink(o.spine)
  const before = distances(lab.topology)
  const after = distances(lab.topology, link)
  let moved = 0
  before.forEach((row, i) => { row.forEach((d, j) => { if (d !== after[i]![j]) moved++ }) })
  const [a, b] = link.map(name => lab.topology.nodes.findIndex(n => n.name === name)) as [number, number]
  const ends = ([[a, b], [b, a]] as const).map(([from, to]) => {
    const peer = lab.nodes[from]!.peers().find(p => lab.portTo.get(p.id) === to)
    if (peer === undefined) throw new Error(`internetwork bench: no link from ${lab.topology.nodes[from]!.name} to ${lab.topology.nodes[to]!.name}`)
    return peer.link
  })
  // The wait starts (and counts the datagrams sent) before the cut; its first check sees the old tables.
  const t0 = performance.now()
  const settled = converge(lab, after, stableMs, o.limitMs, 'the routes after the cut', t0)
  for (const l of ends) l.stop()
  const c = await settled
  // updatesSent: what the routers sent until then, triggered and periodic updates alike.
  return { link, convergeMs: c.ms, routesMoved: moved, updatesSent: c.sent }
}

/**
 * Runs the benchmark once: generate, start (memory before and after), converge, count updates at
 * steady state, measure frames on the 1-hop and the long path, cut, re-converge, stop everything.
 */
export async function runInternetworkBench (o: BenchOptions): Promise<BenchResult> {
  const say = o.progress ?? (() => {})
  const topology = parseTopology(spineTopology(o))
  const gc = collector()
  gc?.()
  const m0 = process.memoryUsage()
  const t0 = performance.now()
  const lab = await startLab(topology, o)
  try {
    await waitFor(() => lab.nodes.every(n => n.peers().every(p => p.link.up)), o.limitMs, 'every link up')
    const startMs = performance.now() - t0
    say(`${lab.nodes.length} nodes, ${topology.links.length} links up in ${startMs.toFixed(0)} ms`)
    const stableMs = 2 * o.intervalMs
    const sap = waitFor(() => sapComplete(lab), o.limitMs, 'SAP convergence')
    const convergeMs = (await converge(lab, distances(topology), stableMs, o.limitMs, 'RIP convergence')).ms
    const sapConvergeMs = await sap
    say(`converged: RIP ${convergeMs.toFixed(0)} ms, SAP ${sapConvergeMs.toFixed(0)} ms`)
    gc?.()
    const m1 = process.memoryUsage()
    const memory = { heapPerNodeBytes: (m1.heapUsed - m0.heapUsed) / lab.nodes.length, rssPerNodeBytes: (m1.rss - m0.rss) / lab.nodes.length, gc: gc !== undefined }
    const updates = await steadyUpdates(lab, o.steadyMs)
    say(`steady state: ${updates.sentPerS.toFixed(0)} updates/s sent`)
    const frames = await measureFrames(lab, o)
    const routerDrops = lab.nodes.reduce((s, n) => s + n.router.counters.totalDropped(), 0)
    const cut = await measureCut(lab, o, stableMs)
    return { nodes: lab.nodes.length, links: topology.links.length, intervalMs: o.intervalMs, startMs, convergeMs, sapConvergeMs, memory, updates, frames, cut, routerDrops }
  } finally {
    await Promise.all(lab.nodes.map(async n => { await n.stop() }))
  }
}

/** One router's periodic work alone: ns per call of RIP's and SAP's `tick` when nothing is due, beside one bare pass over both tables. */
export interface TickCost { routes: number, servers: number, tickNs: number, passNs: number }

/**
 * What each node pays every tick (interval / 10, at most 1 s) for tables of `size` routes and
 * servers learned from one peer, with no update due and nothing changed: the services' `tick`,
 * against one bare pass over the same two tables reading the fields an expiry check reads (the
 * least a scan can cost). Pure (no sockets); bounded by `calls`.
 */
export function tickCost (size: number, calls: number): TickCost {
  const peer = 0x020000000002
  const router = new Router({ mode: 'route', network: 0x51000001, node: 0x020000000001 })
  router.addPort({ id: 'peer:bench', kind: 'peer', send: () => {} })
  for (let i = 0; i < size; i++) router.setRoute({ network: 0x52000000 + i, port: 'peer:bench', hops: 2, ticks: 3, learnedFrom: peer, updatedAt: 0, changed: false })
  const hour = 3_600_000
  const rip = new RipService(router, { intervalMs: hour, expireMs: 3 * hour, garbageMs: 4 * hour })
  const sap = new SapService(router, [], { intervalMs: hour, expireMs: 3 * hour })
  const servers = Array.from({ length: size }, (_, i) => ({ type: 4, name: `SERVER-${i}`, network: 0x52000000 + i, node: 1, socket: 0x451, hops: 2 }))
  for (let i = 0; i < servers.length; i += sapCodec.SAP_MAX_ENTRIES) {
    const payload = sapCodec.encode({ operation: sapCodec.SapOperation.GeneralResponse, servers: servers.slice(i, i + sapCodec.SAP_MAX_ENTRIES) })
    const d = ipx.packet.encode(ipx.packet.makePacket({ packetType: 4, dst: { network: 0, node: 0x020000000001, socket: Socket.Sap }, src: { network: 0x52000000, node: peer, socket: Socket.Sap } }, payload))
    sap.handle(ipx.packet.decode(d), 'peer:bench', 0)
  }
  rip.start(0)
  sap.start(0)
  sap.tick(1)
  rip.tick(1)
  const time = (fn: (now: number) => void): number => {
    const t0 = process.hrtime.bigint()
    for (let i = 2; i < calls + 2; i++) fn(i)
    return Number(process.hrtime.bigint() - t0) / calls
  }
  let sink = 0
  const pass = (now: number): void => {
    for (const r of router.routes.values()) if (r.changed || now - r.updatedAt > hour) sink++
    for (const e of sap.table.values()) if (e.changed || now - e.updatedAt > hour) sink++
  }
  const tick = (now: number): void => { rip.tick(now); sap.tick(now) }
  // Alternating halves, so neither gets the warmer half of the run.
  const t = [time(tick), time(pass), time(tick), time(pass)]
  if (sink !== 0 || sap.table.size !== size) throw new Error('tick cost: the tables changed under the measurement')
  return { routes: router.routes.size, servers: sap.table.size, tickNs: (t[0]! + t[2]!) / 2, passNs: (t[1]! + t[3]!) / 2 }
}
