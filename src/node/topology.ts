/**
 * A topology file (issue 16): a NetWare internetwork described once, in JSON, and turned into one
 * node configuration per node. `ipxlab lab --topology FILE` runs it in one process, node i on
 * loopback address 127.0.<subnet>.<i + 1> (no privileges needed).
 *
 * ```json
 * { "mode": "route",
 *   "nodes": [{ "name": "FS1", "network": "00000A01" }, { "name": "R2", "network": "00000A02" }],
 *   "links": [{ "between": ["FS1", "R2"], "transport": "udp" }] }
 * ```
 *
 * Checked before anything starts, each problem one line naming the item (a {@link ConfigError}):
 * an unknown node in a link, a link from a node to itself, a link given twice, two nodes with one
 * name, two route-mode nodes with one network, a network given where the mode has none, and in
 * bridge mode a loop (named by its nodes): bridged frames carry nothing that could end a loop
 * (src/node/router.ts), so a bridge topology must be a tree, whose nodes then relay between their
 * peers (`bridgeRelay`). Route mode takes any shape: RIP's hop counts and split horizon handle loops.
 */
import { z } from 'zod'
import { ConfigError } from '../errors.js'
import { formatHostPort } from '../address.js'
import { validateConfig } from './config.js'
import type { NodeConfig, RawConfig } from './config.js'

const nodeName = z.string().regex(/^[!-~]{1,47}$/, 'must be 1-47 printable characters without spaces')

const topologySchema = z.strictObject({
  mode: z.enum(['bridge', 'route']).default('route'),
  /** Bridge mode: the one IPX network of the whole lab. */
  network: z.union([z.string(), z.number()]).optional(),
  nodes: z.array(z.strictObject({
    name: nodeName,
    /** Route mode: the node's own network (hex text or a number); required there. */
    network: z.union([z.string(), z.number()]).optional()
  })).min(1, 'must list at least one node'),
  links: z.array(z.strictObject({
    between: z.tuple([nodeName, nodeName]),
    transport: z.enum(['udp', 'tcp']).default('udp')
  })).default([])
})

/** A topology as read, before it becomes node configurations. */
export type Topology = z.output<typeof topologySchema>

/**
 * Where {@link topologyConfigs} puts the nodes. By default on loopback, node i on
 * 127.0.<subnet>.<i + 1>, listening and reached there; a container or namespace lab gives
 * `listenHost` (e.g. 0.0.0.0) and `peerHost` (a container's hostname, or the address of node j's
 * end of link l in a namespace lab).
 */
export interface TopologyPlacement {
  /** Loopback placement: node i on 127.0.<subnet>.<i + 1> (default 0). */
  subnet?: number
  /** The data-plane port of every node (each on its own address). */
  port: number
  /** The QoS-plane and status API port of every node. */
  snpPort: number
  /** Where node i listens; default its loopback address. */
  listenHost?: (i: number) => string
  /** Where the peer of link l reaches node j; default where node j listens. */
  peerHost?: (j: number, l: number) => string
}

/** The node configurations built from a topology, in the file's order. */
export interface TopologyLab {
  mode: 'bridge' | 'route'
  configs: NodeConfig[]
  /** Each node's settings from the topology, before validation and without `extra`: what a `--config` file of that node holds. */
  raw: RawConfig[]
}

/** Parses and checks a topology (already JSON-decoded); throws a {@link ConfigError} naming the bad item. */
export function parseTopology (input: unknown): Topology {
  const r = topologySchema.safeParse(input)
  if (!r.success) {
    const issue = r.error.issues[0]!
    const path = issue.path.map(p => typeof p === 'number' ? `[${p}]` : `.${String(p)}`).join('').replace(/^\./, '')
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : []
    throw new ConfigError(`topology${path === '' ? '' : `.${path}`}${keys.length > 0 ? `.${keys[0]!}` : ''}`, keys.length > 0 ? 'is not a known setting' : issue.message)
  }
  const t = r.data
  if (t.mode === 'route' && t.network !== undefined) throw new ConfigError('topology.network', 'is for bridge mode only: in route mode each node has its own (nodes[i].network)')
  const names = new Set<string>()
  t.nodes.forEach((n, i) => {
    if (t.mode === 'bridge' && n.network !== undefined) throw new ConfigError(`topology.nodes[${i}].network`, 'is for route mode only: a bridge topology is one network (topology.network)')
    if (names.has(n.name)) throw new ConfigError(`topology.nodes[${i}].name`, `${n.name} names another node too`)
    names.add(n.name)
  })
  const links = new Set<string>()
  t.links.forEach((l, i) => {
    const [a, b] = l.between
    for (const x of [a, b]) if (!names.has(x)) throw new ConfigError(`topology.links[${i}]`, `names ${x}, which is not a node of the topology`)
    if (a === b) throw new ConfigError(`topology.links[${i}]`, `links ${a} to itself`)
    const key = [a, b].sort().join(' ')
    if (links.has(key)) throw new ConfigError(`topology.links[${i}]`, `links ${a} and ${b} again`)
    links.add(key)
  })
  if (t.mode === 'bridge') {
    const loop = findLoop(t)
    if (loop !== undefined) throw new ConfigError('topology.links', `bridge mode cannot carry a loop (${loop.join(' - ')}): bridged frames have nothing to end one; use route mode or remove a link`)
  }
  return t
}

/** A cycle in the link graph, as its node names (first repeated at the end), or undefined for a forest. */
function findLoop (t: Topology): string[] | undefined {
  const next = new Map<string, string[]>(t.nodes.map(n => [n.name, []]))
  for (const { between: [a, b] } of t.links) { next.get(a)!.push(b); next.get(b)!.push(a) }
  const parent = new Map<string, string | null>()
  for (const root of next.keys()) {
    if (parent.has(root)) continue
    parent.set(root, null)
    const stack = [root]
    while (stack.length > 0) {
      const x = stack.pop()!
      for (const y of next.get(x)!) {
        if (y === parent.get(x)) continue
        if (!parent.has(y)) { parent.set(y, x); stack.push(y); continue }
        // x–y closes a cycle: both paths up to their common ancestor.
        const up = (n: string): string[] => { const p = [n]; let c = parent.get(n); while (c != null) { p.push(c); c = parent.get(c) } return p }
        const px = up(x)
        const py = up(y)
        const common = px.find(n => py.includes(n))!
        return [...px.slice(0, px.indexOf(common) + 1), ...py.slice(0, py.indexOf(common)).reverse(), x]
      }
    }
  }
  return undefined
}

/**
 * Node configurations for a checked topology, placed as `at` says; each config validated as a node's
 * own would be (a bad network is one line naming the node's setting). Route mode: two nodes with
 * one network are refused.
 */
export function topologyConfigs (t: Topology, at: TopologyPlacement, extra: Partial<RawConfig> = {}): TopologyLab {
  const listenHost = at.listenHost ?? ((i: number): string => `127.0.${at.subnet ?? 0}.${i + 1}`)
  const peerHost = at.peerHost ?? ((j: number): string => listenHost(j))
  const index = new Map(t.nodes.map((n, i) => [n.name, i]))
  const raw: RawConfig[] = []
  const configs = t.nodes.map((n, i) => {
    const host = listenHost(i)
    const peers = t.links.flatMap((l, li) => l.between.includes(n.name) ? [{ l, li }] : []).map(({ l, li }) => {
      const j = index.get(l.between[0] === n.name ? l.between[1] : l.between[0])!
      const h = peerHost(j, li)
      return { address: formatHostPort(h, at.port), transport: l.transport, snp: formatHostPort(h, at.snpPort) }
    })
    const network = t.mode === 'route' ? n.network : t.network
    try {
      raw[i] = {
        name: n.name,
        mode: t.mode,
        ...(t.mode === 'bridge' ? { bridgeRelay: true } : {}),
        ...(network !== undefined ? { network } : {}),
        listen: formatHostPort(host, at.port),
        snpListen: formatHostPort(host, at.snpPort),
        peers
      }
      return validateConfig({ ...extra, ...raw[i] })
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigError(`topology.nodes[${i}]${err.field === 'network' ? '.network' : ''}`, `${n.name}: ${err.message}`)
      throw err
    }
  })
  if (t.mode === 'route') {
    const seen = new Map<number, string>()
    configs.forEach((c, i) => {
      const other = seen.get(c.network)
      if (other !== undefined) throw new ConfigError(`topology.nodes[${i}].network`, `${c.name} has network ${c.network.toString(16).padStart(8, '0').toUpperCase()}, as ${other} does`)
      seen.set(c.network, c.name)
    })
  }
  return { mode: t.mode, configs, raw }
}
