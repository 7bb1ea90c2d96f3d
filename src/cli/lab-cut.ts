/**
 * `ipxlab lab --topology FILE --cut A-B` (issue 16): on the lab's real sockets, waits until every
 * routing table matches the shortest paths of the topology, cuts the link A-B at both ends
 * ({@link IpxNode.cutPeer}: bye, port down, poisoned routes, servers down), prints every route
 * change as it happens with the milliseconds since the cut, and says when the routes, and then the
 * servers, match the shortest paths without that link: hop counts equal to the path lengths,
 * unreachable networks gone (16), each server at its network's distance or forgotten.
 */
import { expectedHops } from '../node/rip-simulation.js'
import type { LinkTicksOf, SimLink } from '../node/rip-simulation.js'
import type { IpxNode } from '../node/node.js'
import { portLabel } from './netware-tables.js'
import type { Io } from './main.js'

/** What {@link cutAndWatch} measured, ms on the wall clock. */
export interface CutTimes {
  /** From the links being up until every table matched the paths before the cut. */
  convergedMs: number
  /** From the cut until every route matched the paths without the link (undefined: not within the time allowed). */
  routesMs: number | undefined
  /** From the cut until every server entry did too. */
  serversMs: number | undefined
}

type Expected = Map<string, Map<number, number>>

/** True when every node's routes are the shortest paths: hop counts equal, unreachable ones 16 or gone. */
export function routesMatch (nodes: readonly IpxNode[], expected: Expected): boolean {
  return nodes.every(n => {
    for (const [network, hops] of expected.get(n.config.name)!) if (Math.min(n.router.route(network)?.hops ?? 16, 16) !== hops) return false
    return true
  })
}

/** True when every node lists every node's servers at the distance of their network (none when unreachable). */
export function serversMatch (nodes: readonly IpxNode[], expected: Expected): boolean {
  return nodes.every(n => {
    const want = expected.get(n.config.name)!
    for (const owner of nodes) {
      for (const s of owner.config.services) {
        const hops = want.get(owner.config.network) ?? 16
        const got = [...n.sap.table.values()].find(e => e.server.type === s.type && e.server.name === s.name)?.server.hops ?? 16
        if (Math.min(got, 16) !== hops) return false
      }
    }
    return true
  })
}

async function until (ok: () => boolean, ms: number, signal: AbortSignal | undefined, step = 5): Promise<number | undefined> {
  const start = performance.now()
  while (performance.now() - start < ms && signal?.aborted !== true) {
    if (ok()) return performance.now() - start
    await new Promise(resolve => setTimeout(resolve, step))
  }
  return ok() ? performance.now() - start : undefined
}

type Seen = Map<string, Map<number, string>>

function routeText (hops: number | undefined, port: string | null | undefined, names: ReadonlyMap<string, string>): string {
  if (hops === undefined) return 'forgotten'
  return hops >= 16 ? '16 hops (unreachable)' : `${hops} hop${hops === 1 ? '' : 's'} via ${portLabel(port ?? null, names)}`
}

/** Writes what changed in the route tables since `seen` (then updated), `at` ms after the cut. */
function report (nodes: readonly IpxNode[], seen: Seen, names: ReadonlyMap<string, string>, at: number, write: (line: string) => void): void {
  for (const n of nodes) {
    const was = seen.get(n.config.name) ?? new Map<number, string>()
    const now = new Map([...n.router.routes.values()].map(r => [r.network, routeText(r.hops, r.port, names)]))
    for (const network of new Set([...was.keys(), ...now.keys()])) {
      const a = was.get(network) ?? 'forgotten'
      const b = now.get(network) ?? 'forgotten'
      if (a !== b) write(`  +${String(Math.round(at)).padStart(5)} ms  ${n.config.name.padEnd(8)} ${network.toString(16).padStart(8, '0').toUpperCase()}  ${a} -> ${b}\n`)
    }
    seen.set(n.config.name, now)
  }
}

/**
 * Cuts `cut` once the tables have converged, and watches the lab re-converge; gives up after
 * `timeoutMs` for each phase (say so, and returns undefined times).
 */
export async function cutAndWatch (nodes: readonly IpxNode[], links: readonly SimLink[], cut: SimLink, names: ReadonlyMap<string, string>, io: Io, o: { timeoutMs: number, signal?: AbortSignal, ticksOf?: LinkTicksOf }): Promise<CutTimes> {
  const configs = nodes.map(n => n.config)
  const before = expectedHops(configs, links, o.ticksOf)
  const key = (l: SimLink): string => [...l].sort().join(' ')
  const after = expectedHops(configs, links.filter(l => key(l) !== key(cut)), o.ticksOf)
  const convergedMs = await until(() => routesMatch(nodes, before) && serversMatch(nodes, before), o.timeoutMs, o.signal, 20)
  if (convergedMs === undefined) {
    io.stdout.write(`  the tables did not match the shortest paths within ${o.timeoutMs} ms; not cutting ${cut[0]} - ${cut[1]}\n`)
    return { convergedMs: NaN, routesMs: undefined, serversMs: undefined }
  }
  io.stdout.write(`  converged: every route and server matches the shortest paths (${Math.round(convergedMs)} ms after the links came up)\n`)
  const [a, b] = cut.map(name => nodes.find(n => n.config.name === name)!)
  const at = (n: IpxNode): string => `${n.config.listen.host}:${n.config.listen.port}`
  const seen: Seen = new Map()
  report(nodes, seen, names, 0, () => {})
  io.stdout.write(`cut ${cut[0]} - ${cut[1]}; route changes, in ms after the cut:\n`)
  const start = performance.now()
  a!.cutPeer(at(b!))
  b!.cutPeer(at(a!))
  let routesMs: number | undefined
  let serversMs: number | undefined
  await until(() => {
    const now = performance.now() - start
    report(nodes, seen, names, now, (line) => { io.stdout.write(line) })
    if (routesMs === undefined && routesMatch(nodes, after)) routesMs = now
    if (serversMs === undefined && serversMatch(nodes, after)) serversMs = now
    return routesMs !== undefined && serversMs !== undefined
  }, o.timeoutMs, o.signal)
  io.stdout.write(routesMs !== undefined
    ? `re-converged ${Math.round(routesMs)} ms after the cut on real sockets: every route matches the shortest paths without ${cut[0]} - ${cut[1]}\n`
    : `NOT re-converged within ${o.timeoutMs} ms of the cut\n`)
  if (serversMs !== undefined) io.stdout.write(`servers followed ${Math.round(serversMs)} ms after the cut: each listed at its network's distance, or gone when unreachable\n`)
  return { convergedMs, routesMs, serversMs }
}
