/**
 * `ipxlab lab --topology FILE` (issue 16): every node of a topology file (src/node/topology.ts) in
 * this process, node i on 127.0.<subnet>.<i + 1> (default subnet 0: 127.0.0.1, 127.0.0.2, ...),
 * each on the same port of its own address. It prints each node's address and the `IPXNET CONNECT`
 * line for DOSBox, waits for the links, runs until Ctrl-C, SIGTERM or `--duration`, then prints
 * each node's routing table (as NetWare's `DISPLAY NETWORKS`: network, hops, ticks, next port) and
 * its services, and stops every node.
 */
import { readFile } from 'node:fs/promises'
import { startNode } from '../node/node.js'
import type { IpxNode } from '../node/node.js'
import { IN_PROCESS_RECEIVE_BUFFER } from '../node/config.js'
import { parseTopology, topologyConfigs } from '../node/topology.js'
import { ConfigError } from '../errors.js'
import { createLogger } from '../log.js'
import type { Io } from './main.js'

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
}

/** How long the links may take to come up before the lab says which are still down (ms). */
const LINKS_UP_MS = 10_000

/** A topology file, read and decoded (not yet checked); a {@link ConfigError} when unreadable or not JSON. */
export async function readTopology (file: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new ConfigError('topology', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new ConfigError('topology', `${file} is not JSON: ${(err as Error).message}`)
  }
}

/** The routing and service tables of a node, as NetWare's DISPLAY NETWORKS and DISPLAY SERVERS. */
export function displayTables (n: IpxNode): string[] {
  const s = n.stats()
  const lines = [`${s.name} (network ${s.network}): ${s.routes.length} networks`]
  for (const r of s.routes) lines.push(`  ${r.network}  ${String(r.hops).padStart(2)} hops ${String(r.ticks).padStart(3)} ticks  ${r.hops >= 16 ? 'unreachable' : (r.port ?? 'this node')}`)
  for (const v of s.services) lines.push(`  server ${v.name} type ${v.type.toString(16).padStart(4, '0')} at ${v.address}, ${v.hops} hop${v.hops === 1 ? '' : 's'}`)
  return lines
}

/** Runs the topology until stopped; returns the exit status. */
export async function runTopologyLab (o: TopologyLabOptions, io: Io): Promise<number> {
  const topology = parseTopology(await readTopology(o.file))
  const lab = topologyConfigs(topology, { subnet: o.subnet ?? 0, port: o.port ?? 2644, snpPort: o.snpPort ?? 2629 }, { limits: { receiveBufferBytes: IN_PROCESS_RECEIVE_BUFFER } })
  const logger = createLogger({ level: o.logLevel ?? 'warn', stream: io.stderr })
  const nodes: IpxNode[] = []
  const abort = new AbortController()
  const stop = (): void => { abort.abort() }
  o.signal?.addEventListener('abort', stop)
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  const timer = o.durationS !== undefined ? setTimeout(stop, o.durationS * 1000) : undefined
  try {
    io.stdout.write(`ipxlab lab: ${o.file}, ${lab.configs.length} nodes in ${lab.mode} mode, ${topology.links.length} links\n`)
    for (const c of lab.configs) {
      nodes.push(await startNode(c, { logger }))
      const peers = c.peers.map(p => p.address).join(', ')
      io.stdout.write(`  ${c.name.padEnd(12)} network ${c.network.toString(16).padStart(8, '0').toUpperCase()} on ${c.listen.host}:${c.listen.port} (IPXNET CONNECT ${c.listen.host} ${c.listen.port})${peers === '' ? '' : `, peers ${peers}`}\n`)
    }
    const end = Date.now() + LINKS_UP_MS
    while (!abort.signal.aborted && Date.now() < end && !nodes.every(n => n.peers().every(p => p.link.up))) await new Promise(resolve => setTimeout(resolve, 20))
    const down = nodes.flatMap(n => n.peers().filter(p => !p.link.up).map(p => `${n.config.name} to ${p.address}`))
    io.stdout.write(down.length === 0 ? '  every link is up; Ctrl-C ends the lab\n' : `  links still down: ${down.join(', ')}\n`)
    o.onRunning?.(nodes)
    if (!abort.signal.aborted) await new Promise(resolve => abort.signal.addEventListener('abort', resolve, { once: true }))
    for (const n of nodes) io.stdout.write(`${displayTables(n).join('\n')}\n`)
    return 0
  } finally {
    if (timer !== undefined) clearTimeout(timer)
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
    o.signal?.removeEventListener('abort', stop)
    for (const n of nodes) await n.stop()
  }
}
