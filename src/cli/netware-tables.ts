/**
 * A node's routing and service tables laid out as a NetWare server console showed them (issue 16),
 * one formatter for `ipxlab stats`, `ipxlab lab --topology` and the virtual-clock view:
 *
 * - `DISPLAY NETWORKS`: each known network as `NNNNNNNN hops/ticks`, several to a line. The pair is
 *   the form NetWare's console uses for a network (Novell, NetWare 6 Utilities Reference, TRACK ON:
 *   "5300DEEF 3/4 ... the 3/ indicate the hop count ... the /4 indicate the number of ticks (1/18th
 *   of a second)", novell.com/documentation/nw6p/utlrfenu/data/hpa0x1hd.html). hops/ticks are the
 *   stored ones: 0/0 for a directly connected network here.
 * - `DISPLAY SERVERS`: each service's name followed by its hop count, several to a line; "Your
 *   server is indicated by 0 hops", a server with several services is listed once per service, and
 *   servers 16 hops away are not listed (Novell, NetWare 6 Utilities Reference 103-000153-001,
 *   DISPLAY SERVERS, manualshelf.com/manual/novell/netware-6-documentation/user-guide-english/page-2487.html).
 *
 * ipxlab's additions, since a lab is read to learn: a route still held at 16 hops (poisoned, not yet
 * forgotten) is listed as `16/t` and counted apart, as unreachable; a count line closes each table;
 * `via` lines name the next hop of every route (the console did not show it; `ipxlab stats --json`
 * and TRACK did).
 */

/** A route as the node's stats give it. */
export interface TableRoute {
  /** 8 hex digits. */
  network: string
  hops: number
  ticks: number
  /** The router port it goes out of; null for the node itself. */
  port: string | null
}

/** A service as the node's stats give it. */
export interface TableService {
  name: string
  type: number
  hops: number
}

/** The unreachable hop count (RIP's infinity, NetWare's 16-hop limit). */
const UNREACHABLE = 16
/** A console line's width. */
const WIDTH = 80

function columns (cells: readonly string[], indent: string): string[] {
  if (cells.length === 0) return []
  const width = Math.max(...cells.map(c => c.length)) + 3
  const per = Math.max(1, Math.floor((WIDTH - indent.length) / width))
  const out: string[] = []
  for (let i = 0; i < cells.length; i += per) out.push(indent + cells.slice(i, i + per).map(c => c.padEnd(width)).join('').trimEnd())
  return out
}

/** `DISPLAY NETWORKS`: networks in number order, then the count; `portName` names a route's next hop. */
export function displayNetworks (routes: readonly TableRoute[], o: { indent?: string, via?: (port: string | null) => string } = {}): string[] {
  const indent = o.indent ?? '  '
  const sorted = [...routes].sort((a, b) => a.network.localeCompare(b.network))
  const lines = columns(sorted.map(r => `${r.network} ${r.hops}/${r.ticks}`), indent)
  const down = sorted.filter(r => r.hops >= UNREACHABLE).length
  lines.push(`${indent}There ${sorted.length - down === 1 ? 'is 1 known network' : `are ${sorted.length - down} known networks`}${down > 0 ? ` (and ${down} unreachable at 16 hops, not used)` : ''}`)
  if (o.via !== undefined) {
    const via = o.via
    lines.push(...columns(sorted.map(r => `${r.network} ${r.hops >= UNREACHABLE ? 'unreachable' : `via ${via(r.port)}`}`), indent))
  }
  return lines
}

/** `DISPLAY SERVERS`: services by name, then the count; 16-hop entries are not listed. */
export function displayServers (services: readonly TableService[], o: { indent?: string } = {}): string[] {
  const indent = o.indent ?? '  '
  const known = services.filter(s => s.hops < UNREACHABLE).sort((a, b) => a.name.localeCompare(b.name) || a.type - b.type)
  const lines = columns(known.map(s => `${s.name.padEnd(Math.min(20, Math.max(...known.map(k => k.name.length))))} ${s.hops}`), indent)
  lines.push(`${indent}There ${known.length === 1 ? 'is 1 known server' : `are ${known.length} known servers`}`)
  return lines
}

/** Both tables of one node under a heading naming it. */
export function displayTables (name: string, network: string, routes: readonly TableRoute[], services: readonly TableService[], via?: (port: string | null) => string): string[] {
  return [
    `${name} (network ${network}): DISPLAY NETWORKS`,
    ...displayNetworks(routes, via !== undefined ? { via } : {}),
    `${name}: DISPLAY SERVERS`,
    ...displayServers(services)
  ]
}

/** A port id as a person reads it: `peer:udp:127.0.0.2:2644` → `127.0.0.2:2644`, null → `this node`. */
export function portLabel (port: string | null, names?: ReadonlyMap<string, string>): string {
  // The node's own network: on no port, or on its local segment (its DOSBox clients).
  if (port === null || port === 'local') return 'this node'
  const named = names?.get(port)
  if (named !== undefined) return named
  const m = /^peer:(?:udp|tcp):(.+)$/.exec(port)
  return m !== null ? m[1]! : port
}
