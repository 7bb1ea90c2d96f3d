/**
 * `ipxlab lab --topology FILE --simulate-cut A-B` (issue 16): the topology's RIP and SAP on a
 * virtual clock (src/node/rip-simulation.ts: the real router and services, no sockets), a link cut
 * at `--cut-at` seconds, and what followed: every route change with its virtual time after the cut,
 * each router's DISPLAY NETWORKS and DISPLAY SERVERS at every RIP round (the cut, then every update
 * interval), how long the tables took to match the shortest paths again, and any count to 16.
 * Runs in well under a second whatever the interval, and the same way every time.
 */
import { simulateCut } from '../node/rip-simulation.js'
import type { LinkTicksOf, SimLink, SimRoute, SimulationResult, TableSnapshot } from '../node/rip-simulation.js'
import type { NodeConfig } from '../node/config.js'
import { ConfigError } from '../errors.js'
import { displayNetworks, displayServers } from './netware-tables.js'
import type { Io } from './main.js'

/** What {@link printSimulatedCut} needs. */
export interface SimulatedCutOptions {
  file: string
  nodes: readonly NodeConfig[]
  links: readonly SimLink[]
  /** `A-B`, as the user wrote it. */
  cut: string
  intervalMs: number
  /** Each link's ticks (default 1: LAN links). */
  ticksOf?: LinkTicksOf
  /** Virtual seconds; default the simulation's (3.5 intervals). */
  cutAtS?: number
}

/** The link `A-B` (or `B-A`) names, as the topology lists it; a {@link ConfigError} when none does. */
export function findLink (links: readonly SimLink[], text: string, option: string): SimLink {
  const link = links.find(([a, b]) => text === `${a}-${b}` || text === `${b}-${a}`)
  if (link === undefined) throw new ConfigError(option, `${JSON.stringify(text)} is not a link of the topology (write A-B with two linked node names; links: ${links.map(([a, b]) => `${a}-${b}`).join(', ')})`)
  return link
}

function hex8 (n: number): string {
  return n.toString(16).padStart(8, '0').toUpperCase()
}

function seconds (ms: number): string {
  return (ms / 1000).toFixed(3)
}

function describe (r: SimRoute | undefined): string {
  if (r === undefined) return 'forgotten'
  if (r.hops >= 16) return '16 hops (unreachable)'
  return `${r.hops} hop${r.hops === 1 ? '' : 's'} via ${r.via ?? 'this node'}`
}

function roundLines (s: TableSnapshot, names: readonly string[], network: Map<string, number>): string[] {
  const out: string[] = []
  for (const name of names) {
    const routes = s.routes.get(name)!.map(r => ({ network: hex8(r.network), hops: r.hops, ticks: r.ticks, port: r.via }))
    out.push(`  ${name} (network ${hex8(network.get(name)!)}): DISPLAY NETWORKS`)
    out.push(...displayNetworks(routes, { indent: '    ', via: (p) => p ?? 'this node' }))
    out.push(`  ${name}: DISPLAY SERVERS`)
    out.push(...displayServers(s.servers.get(name)!, { indent: '    ' }))
  }
  return out
}

function same (a: TableSnapshot, b: TableSnapshot): boolean {
  return JSON.stringify([...a.routes, ...a.servers]) === JSON.stringify([...b.routes, ...b.servers])
}

/** The report, line by line. */
export function simulationReport (o: SimulatedCutOptions, r: SimulationResult, cut: SimLink): string[] {
  const names = o.nodes.map(n => n.name)
  const network = new Map(o.nodes.map(n => [n.name, n.network]))
  const out: string[] = []
  out.push(`ipxlab lab: ${o.file} on a virtual clock: ${o.nodes.length} routers, ${o.links.length} links, RIP and SAP updates every ${o.intervalMs / 1000} s, each link ${r.delayMs} ms one way`)
  out.push(`  periodic updates: ${[...r.starts].map(([n, t]) => `${n} at ${seconds(t)} s`).join(', ')}, then every ${o.intervalMs / 1000} s`)
  out.push(`  before the cut ${r.convergedBeforeCut ? 'every table matched the shortest paths' : 'the tables did NOT yet match the shortest paths (cut later with --cut-at)'}`)
  out.push(`cut ${cut[0]} - ${cut[1]} at ${seconds(r.cutAtMs)} s; route changes, in seconds after the cut:`)
  for (const c of r.changes) out.push(`  +${seconds(c.atMs - r.cutAtMs).padStart(8)}  ${c.node.padEnd(8)} ${hex8(c.network)}  ${describe(c.from)} -> ${describe(c.to)}`)
  let previous: TableSnapshot | undefined
  r.rounds.forEach((s, k) => {
    const head = `round ${k} (${k === 0 ? 'at the cut' : `+${(s.atMs - r.cutAtMs) / 1000} s`})`
    if (previous !== undefined && same(previous, s)) out.push(`${head}: no change`)
    else out.push(`${head}:`, ...roundLines(s, names, network))
    previous = s
  })
  out.push(r.convergedAfterMs !== undefined
    ? `re-converged ${seconds(r.convergedAfterMs)} s after the cut (virtual clock): every table matches the shortest paths without ${cut[0]} - ${cut[1]}`
    : `NOT re-converged within ${(r.rounds.length - 1) * o.intervalMs / 1000} s of the cut`)
  for (const [net, hops] of r.countedTo) {
    out.push(hops >= 4
      ? `count-to-16: ${hex8(net)} was offered around a loop, one hop more each time, up to ${hops} hops, before every router held it unreachable (split horizon stops loops of two, not of three)`
      : `${hex8(net)}: a stale offer (${hops} hops) was taken for a moment before the poison arrived`)
  }
  out.push(`datagrams: ${r.delivered} delivered over the links, ${r.lostOnCut} lost in flight on the cut link`)
  return out
}

/** Runs the simulation and prints its report; returns the exit status. */
export function printSimulatedCut (o: SimulatedCutOptions, io: Io): number {
  const cut = findLink(o.links, o.cut, 'simulate-cut')
  const r = simulateCut({ nodes: o.nodes, links: o.links, cut, intervalMs: o.intervalMs, ...(o.ticksOf !== undefined ? { ticksOf: o.ticksOf } : {}), ...(o.cutAtS !== undefined ? { cutAtMs: o.cutAtS * 1000 } : {}) })
  io.stdout.write(simulationReport(o, r, cut).join('\n') + '\n')
  return 0
}
