/**
 * RIP and SAP of a whole topology on a virtual clock (issue 16): the real {@link Router},
 * {@link RipService} and {@link SapService} of every node, joined by links that carry each
 * datagram after a fixed one-way delay, driven by a discrete-event queue instead of timers, so a
 * link cut and the re-convergence after it (or the count to 16) can be watched update by update and
 * repeated exactly. Nothing here opens a socket or reads the wall clock.
 *
 * The model: node i starts at `i × stagger` (routers are not switched on in the same millisecond,
 * so their periodic updates are spread over the interval, as on a real network); from then on it
 * ticks every interval / 10, as the node's own timer does (src/node/node.ts), so its periodic update
 * leaves at exactly start + k × interval. A link is two router ports (`link:OTHER`), each sending
 * into a queue delivered `delayMs` later. Cutting a link at `cutAtMs` does what a node does when a
 * link goes down (src/node/node.ts `#linkState`): both ends remove the port (RIP poisons the routes
 * through it), SAP downs the servers learned on it, and both send their triggered updates; frames
 * in flight on the cut link are lost (counted).
 *
 * Why a loop of three can count to 16 in spite of split horizon (the classic case, RFC 1058 §2.2 for IP
 * RIP): when a network behind C is lost, C's poison races the periodic update another
 * router of the loop (A) sends just after the cut, still offering the old route. B hears the poison
 * first, then A's stale offer, and takes it (its own route is gone); B offers it on to C, C to A,
 * each one hop more, around the loop, until the offer would reach 16 and is no longer sent, while
 * the poison follows one link behind. Split horizon only stops a router offering a route back where
 * it learned it, which ends loops of two, not of three.
 */
import { Router } from './router.js'
import { RipService } from './services/rip.js'
import { SapService } from './services/sap.js'
import type { NodeConfig } from './config.js'
import { RIP_HOPS_UNREACHABLE } from '../../protocol/rip.js'
import { Socket } from '../../protocol/constants.js'
import { ConfigError } from '../errors.js'

/** One link of the simulated topology, by node name. */
export type SimLink = readonly [string, string]

/** Options of {@link simulateCut}. */
export interface SimulationOptions {
  /** The nodes (route mode), e.g. from `topologyConfigs`; their networks, node ids and services are used. */
  nodes: readonly NodeConfig[]
  links: readonly SimLink[]
  /** The link to cut. */
  cut: SimLink
  /** RIP and SAP periodic update interval, ms (default 60 000, NetWare's). */
  intervalMs?: number
  /** One-way delay of every link, ms (default 55: one tick, 1/18 s, NetWare's figure for a LAN hop). */
  delayMs?: number
  /** Each link's delay in ticks, as the routers add it to what they learn (default 1 each: LAN links). */
  ticksOf?: LinkTicksOf
  /** Spacing of the nodes' start times, ms (default interval / number of nodes). */
  staggerMs?: number
  /** When the link is cut, virtual ms (default 3.5 intervals: converged, between updates). */
  cutAtMs?: number
  /** How long to run after the cut, ms (default 5 intervals: past RIP's expiry and garbage times). */
  afterMs?: number
}

/** A route as a table shows it. */
export interface SimRoute {
  network: number
  hops: number
  ticks: number
  /** The next hop's node name, null for the node's own network. */
  via: string | null
}

/** One change of one node's route, at virtual `atMs`. */
export interface RouteChange {
  atMs: number
  node: string
  network: number
  /** Before (undefined: no route). */
  from: SimRoute | undefined
  /** After (undefined: the route was forgotten). */
  to: SimRoute | undefined
}

/** Every node's tables at one instant. */
export interface TableSnapshot {
  atMs: number
  routes: Map<string, SimRoute[]>
  servers: Map<string, Array<{ name: string, type: number, hops: number }>>
}

/** What {@link simulateCut} found. */
export interface SimulationResult {
  intervalMs: number
  delayMs: number
  cutAtMs: number
  /** Each node's first periodic update, virtual ms (then every interval). */
  starts: Map<string, number>
  /** True when, just before the cut, every table matched the shortest paths. */
  convergedBeforeCut: boolean
  /** Route changes from the cut on, in time order. */
  changes: RouteChange[]
  /** The tables at the cut and at every interval after it ("RIP rounds"). */
  rounds: TableSnapshot[]
  /** Virtual ms from the cut to the last route change that mattered (hop count or next hop), or undefined when the tables never matched the paths. */
  convergedAfterMs: number | undefined
  /** Per network, the most hops any node held for it after the cut above its true distance, or while it was unreachable (a count up). */
  countedTo: Map<number, number>
  /** Datagrams lost in flight on the cut link. */
  lostOnCut: number
  /** Datagrams delivered over all links. */
  delivered: number
}

interface SimNode {
  config: NodeConfig
  router: Router
  rip: RipService
  sap: SapService
  start: number
}

interface SimEvent { at: number, seq: number, run: () => void }

/** A time-ordered queue, FIFO among equal times. */
class EventQueue {
  readonly #items: SimEvent[] = []
  #seq = 0

  push (at: number, run: () => void): void {
    const e = { at, seq: this.#seq++, run }
    let lo = 0
    let hi = this.#items.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      const m = this.#items[mid]!
      if (m.at < at || (m.at === at && m.seq < e.seq)) lo = mid + 1
      else hi = mid
    }
    this.#items.splice(lo, 0, e)
  }

  shift (): SimEvent | undefined {
    return this.#items.shift()
  }
}

/** A link's delay in ticks, by the names of its ends (default 1: a LAN). */
export type LinkTicksOf = (a: string, b: string) => number

/**
 * The hop counts of the routes every node should hold: node → network → routers crossed (16:
 * unreachable). The path is the one a NetWare router chooses, fewest ticks and then fewest hops
 * (src/node/router.ts), so with a slow link the expected path may be longer in hops than the
 * shortest one.
 */
export function expectedHops (nodes: readonly NodeConfig[], links: readonly SimLink[], ticksOf: LinkTicksOf = () => 1): Map<string, Map<number, number>> {
  const next = new Map<string, Array<{ to: string, ticks: number }>>(nodes.map(n => [n.name, []]))
  for (const [a, b] of links) { next.get(a)?.push({ to: b, ticks: ticksOf(a, b) }); next.get(b)?.push({ to: a, ticks: ticksOf(b, a) }) }
  const better = (x: { ticks: number, hops: number }, y: { ticks: number, hops: number } | undefined): boolean =>
    y === undefined || x.ticks < y.ticks || (x.ticks === y.ticks && x.hops < y.hops)
  const out = new Map<string, Map<number, number>>()
  for (const from of nodes) {
    // Dijkstra on (ticks, hops); the graphs are a classroom's, so a linear scan for the minimum is enough.
    const best = new Map<string, { ticks: number, hops: number }>([[from.name, { ticks: 0, hops: 0 }]])
    const done = new Set<string>()
    for (;;) {
      let x: string | undefined
      for (const [name, d] of best) if (!done.has(name) && (x === undefined || better(d, best.get(x)))) x = name
      if (x === undefined) break
      done.add(x)
      const d = best.get(x)!
      for (const e of next.get(x)!) {
        const c = { ticks: d.ticks + e.ticks, hops: d.hops + 1 }
        if (!done.has(e.to) && better(c, best.get(e.to))) best.set(e.to, c)
      }
    }
    const hops = new Map<number, number>()
    for (const n of nodes) hops.set(n.network, Math.min(RIP_HOPS_UNREACHABLE, best.get(n.name)?.hops ?? RIP_HOPS_UNREACHABLE))
    out.set(from.name, hops)
  }
  return out
}

function portName (id: string | null): string | null {
  return id === null ? null : id.replace(/^link:/, '')
}

function routesOf (n: SimNode): SimRoute[] {
  return [...n.router.routes.values()].map(r => ({ network: r.network, hops: r.hops, ticks: r.ticks, via: portName(r.port) }))
    .sort((a, b) => a.network - b.network)
}

function snapshot (nodes: readonly SimNode[], atMs: number): TableSnapshot {
  return {
    atMs,
    routes: new Map(nodes.map(n => [n.config.name, routesOf(n)])),
    servers: new Map(nodes.map(n => [n.config.name, [...n.sap.table.values()].map(e => ({ name: e.server.name, type: e.server.type, hops: e.server.hops }))]))
  }
}

/** True when every node's reachable routes are exactly the shortest paths (and nothing else is reachable). */
function matches (nodes: readonly SimNode[], expected: Map<string, Map<number, number>>): boolean {
  return nodes.every(n => {
    const want = expected.get(n.config.name)!
    for (const [network, hops] of want) {
      const got = n.router.route(network)?.hops ?? RIP_HOPS_UNREACHABLE
      if (Math.min(got, RIP_HOPS_UNREACHABLE) !== hops) return false
    }
    return true
  })
}

/** The virtual clock the events of one simulation read and the queue sets. */
interface Clock { get: () => number, set: (t: number) => void }

/** Builds the nodes and their ports; datagrams go through `queue`, counted in `state`. */
function build (o: SimulationOptions, queue: EventQueue, cutKey: string, state: { cut: boolean, lostOnCut: number, delivered: number }): { nodes: SimNode[], clock: Clock } {
  const intervalMs = o.intervalMs ?? 60_000
  const delayMs = o.delayMs ?? 55
  const stagger = o.staggerMs ?? intervalMs / o.nodes.length
  const timers = { intervalMs, expireMs: 3 * intervalMs, garbageMs: 4 * intervalMs }
  const nodes: SimNode[] = o.nodes.map((config, i) => {
    const router = new Router({ mode: 'route', network: config.network, node: config.node })
    const rip = new RipService(router, timers)
    const sap = new SapService(router, config.services, { intervalMs, expireMs: 5 * intervalMs })
    router.bind(Socket.Rip, rip)
    router.bind(Socket.Sap, sap)
    return { config, router, rip, sap, start: i * stagger }
  })
  const byName = new Map(nodes.map(n => [n.config.name, n]))
  let now = 0
  const clock: Clock = { get: () => now, set: (t: number) => { now = t } }
  for (const [a, b] of o.links) {
    const key = [a, b].sort().join(' ')
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const src = byName.get(from)!
      const dst = byName.get(to)!
      src.router.addPort({
        id: `link:${to}`,
        kind: 'peer',
        ...(o.ticksOf !== undefined ? { ticks: o.ticksOf(from, to) } : {}),
        send: (d) => {
          const copy = Buffer.from(d)
          queue.push(clock.get() + delayMs, () => {
            if (state.cut && key === cutKey) { state.lostOnCut++; return }
            state.delivered++
            dst.router.forward(copy, `link:${from}`, clock.get())
          })
        }
      })
    }
  }
  return { nodes, clock }
}

/** Runs the topology, cuts `cut` at `cutAtMs`, and reports what every router did. A link the topology lacks is a {@link ConfigError}. */
export function simulateCut (o: SimulationOptions): SimulationResult {
  const intervalMs = o.intervalMs ?? 60_000
  const delayMs = o.delayMs ?? 55
  const cutAtMs = o.cutAtMs ?? 3.5 * intervalMs
  const endMs = cutAtMs + (o.afterMs ?? 5 * intervalMs)
  const cutKey = [...o.cut].sort().join(' ')
  if (!o.links.some(l => [...l].sort().join(' ') === cutKey)) throw new ConfigError('cut', `no link ${o.cut[0]} - ${o.cut[1]} in the topology`)
  const queue = new EventQueue()
  const state = { cut: false, lostOnCut: 0, delivered: 0 }
  const { nodes, clock } = build(o, queue, cutKey, state)
  const tickMs = intervalMs / 10
  for (const n of nodes) {
    queue.push(n.start, () => { n.rip.start(clock.get()); n.sap.start(clock.get()) })
    for (let t = n.start + tickMs; t <= endMs; t += tickMs) queue.push(t, () => { n.rip.tick(clock.get()); n.sap.tick(clock.get()) })
  }
  const before = expectedHops(o.nodes, o.links, o.ticksOf)
  const after = expectedHops(o.nodes, o.links.filter(l => [...l].sort().join(' ') !== cutKey), o.ticksOf)
  const result: SimulationResult = { intervalMs, delayMs, cutAtMs, starts: new Map(nodes.map(n => [n.config.name, n.start])), convergedBeforeCut: false, changes: [], rounds: [], convergedAfterMs: undefined, countedTo: new Map(), lostOnCut: 0, delivered: 0 }
  queue.push(cutAtMs, () => {
    result.convergedBeforeCut = matches(nodes, before)
    state.cut = true
    for (const [end, other] of [[o.cut[0], o.cut[1]], [o.cut[1], o.cut[0]]] as const) {
      const n = nodes.find(x => x.config.name === end)!
      n.router.removePort(`link:${other}`, clock.get())
      n.sap.portDown(`link:${other}`, clock.get())
      n.rip.flush()
      n.sap.flush()
    }
  })
  for (let k = 0; cutAtMs + k * intervalMs <= endMs; k++) {
    const at = cutAtMs + k * intervalMs
    // Queued again at that instant, so it runs after every event already due then: the round's view.
    queue.push(at, () => { queue.push(clock.get(), () => { result.rounds.push(snapshot(nodes, clock.get())) }) })
  }
  run(nodes, queue, clock, endMs, cutAtMs, result, after)
  result.lostOnCut = state.lostOnCut
  result.delivered = state.delivered
  return result
}

/** Drains the queue to `endMs`, recording route changes from the cut on. */
function run (nodes: readonly SimNode[], queue: EventQueue, clock: Clock, endMs: number, cutAtMs: number, result: SimulationResult, after: Map<string, Map<number, number>>): void {
  const last = new Map(nodes.map(n => [n.config.name, new Map(routesOf(n).map(r => [r.network, r]))]))
  let lastMatter: number | undefined
  for (let e = queue.shift(); e !== undefined && e.at <= endMs; e = queue.shift()) {
    clock.set(e.at)
    e.run()
    if (e.at < cutAtMs) {
      for (const n of nodes) last.set(n.config.name, new Map(routesOf(n).map(r => [r.network, r])))
      continue
    }
    for (const n of nodes) {
      const was = last.get(n.config.name)!
      const now = new Map(routesOf(n).map(r => [r.network, r]))
      for (const network of new Set([...was.keys(), ...now.keys()])) {
        const a = was.get(network)
        const b = now.get(network)
        if (a?.hops === b?.hops && a?.via === b?.via && a?.ticks === b?.ticks) continue
        result.changes.push({ atMs: e.at, node: n.config.name, network, from: a, to: b })
        const usable = (r: SimRoute | undefined): number => r === undefined ? RIP_HOPS_UNREACHABLE : Math.min(r.hops, RIP_HOPS_UNREACHABLE)
        if (usable(a) !== usable(b) || (usable(b) < RIP_HOPS_UNREACHABLE && a?.via !== b?.via)) lastMatter = e.at
        const truth = after.get(n.config.name)!.get(network) ?? RIP_HOPS_UNREACHABLE
        if (b !== undefined && b.hops < RIP_HOPS_UNREACHABLE && (b.hops > truth || truth >= RIP_HOPS_UNREACHABLE)) {
          result.countedTo.set(network, Math.max(result.countedTo.get(network) ?? 0, b.hops))
        }
      }
      last.set(n.config.name, now)
    }
  }
  result.convergedAfterMs = matches(nodes, after) ? Math.max(0, (lastMatter ?? cutAtMs) - cutAtMs) : undefined
}
