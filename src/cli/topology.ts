/**
 * `ipxlab topology compose FILE` and `ipxlab topology configs FILE` (issue 16): a topology file
 * (src/node/topology.ts) turned into node configurations for a lab of separate hosts, each node's
 * config made by the same {@link topologyConfigs} that `ipxlab lab --topology` runs in one process.
 *
 *  - `compose`: a compose file (the Compose Specification, as compose.yaml is written: docker
 *    compose v2, docker-compose 1.29 and podman-compose 1.0 read it), one service per node from the
 *    ipxlab image, each with its config file (`ipxlab-nodes/SERVICE.json` beside the compose file,
 *    mounted read-only) and one compose network per link, so that a node reaches only its linked
 *    peers, by their service names. The nodes share one key made on first start (`lab-key` volume),
 *    as compose.yaml's pair does; data and status ports are published on 127.0.0.1 by default.
 *  - `configs`: the configs of a lab in network namespaces (scripts/netns-lab.sh --topology), one
 *    file per node in a folder, and a plan on stdout that the script follows: link l is a veth pair
 *    whose ends are 198.18.<l>.1 (the link's first node) and 198.18.<l>.2, in 198.18.0.0/15, the
 *    range RFC 2544 sets aside for benchmarking (so never a real network); every node listens on
 *    0.0.0.0 in its own namespace and reaches each peer at that peer's end of their link.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { stringify } from 'yaml'
import { loadTopology, topologyConfigs } from '../node/topology.js'
import type { Topology, TopologyLab } from '../node/topology.js'
import { DEFAULT_SNP_PORT, DEFAULT_TUNNEL_PORT } from '../node/config.js'
import { ConfigError } from '../errors.js'
import type { Io } from './main.js'

/** Options of {@link runTopologyCompose}. */
export interface ComposeOptions {
  file: string
  /** The compose file to write (default `compose.yaml`); the node configs go to `ipxlab-nodes/` beside it. */
  out?: string
  /** Overwrite an existing compose file. */
  force?: boolean
  /** Host port of the first node's data plane; node i gets this + i (default 2644). */
  hostPort?: number
  /** Host port of the first node's status API; node i gets this + i (default 2729: 2629 + 100, clear of the data ports of up to 85 nodes). */
  hostApiPort?: number
}

/** The folder beside the compose file that holds one config per node. */
export const NODE_CONFIG_DIR = 'ipxlab-nodes'
/** Where a node's config is mounted inside its container. */
const CONTAINER_CONFIG = '/etc/ipxlab/node.json'
/** 198.18.0.0/15 (RFC 2544 §C.2.2): 512 /24 networks, one per link. */
const NETNS_LINKS_MAX = 512

/** One compose service name per node: its name in lower case, as a hostname may be written (RFC 1123 §2.1). */
export function serviceNames (t: Topology): string[] {
  const names = t.nodes.map((n, i) => n.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || `node-${i + 1}`)
  names.forEach((s, i) => {
    const j = names.indexOf(s)
    if (j !== i) throw new ConfigError(`topology.nodes[${i}].name`, `${t.nodes[j]!.name} and ${t.nodes[i]!.name} would both be the compose service ${s}`)
  })
  return names
}

/** The environment variable that moves a node's published port: IPXLAB_PORT_HQ for service hq. */
function portVariable (what: 'PORT' | 'API_PORT', service: string): string {
  return `IPXLAB_${what}_${service.toUpperCase().replaceAll('-', '_')}`
}

/** The compose document for a topology and the config file of each service (by file name). */
export function composeFor (t: Topology, source: string, o: { hostPort?: number, hostApiPort?: number } = {}): { text: string, files: Map<string, string> } {
  const services = serviceNames(t)
  const hostPort = o.hostPort ?? DEFAULT_TUNNEL_PORT
  const hostApiPort = o.hostApiPort ?? DEFAULT_SNP_PORT + 100
  const n = t.nodes.length
  if (hostPort + n > 65536 || hostApiPort + n > 65536) throw new ConfigError('topology compose', `${n} nodes need host ports ${hostPort}-${hostPort + n - 1} and ${hostApiPort}-${hostApiPort + n - 1}, past 65535`)
  if (hostPort < hostApiPort + n && hostApiPort < hostPort + n) throw new ConfigError('topology compose', `the data ports ${hostPort}-${hostPort + n - 1} and the status API ports ${hostApiPort}-${hostApiPort + n - 1} overlap`)
  const lab = topologyConfigs(t, { port: DEFAULT_TUNNEL_PORT, snpPort: DEFAULT_SNP_PORT, listenHost: () => '0.0.0.0', peerHost: j => services[j]! })
  const linkNet = (l: number): string => `link-${t.links[l]!.between.map(b => services[t.nodes.findIndex(x => x.name === b)]!).join('-')}`
  const files = new Map<string, string>()
  const doc: Record<string, unknown> = {}
  doc.services = Object.fromEntries(t.nodes.map((node, i) => {
    const s = services[i]!
    files.set(`${s}.json`, `${JSON.stringify(lab.raw[i], null, 2)}\n`)
    const nets = t.links.flatMap((l, li) => l.between.includes(node.name) ? [linkNet(li)] : [])
    const publish = (host: string, port: number, target: number, proto: string): string => `\${IPXLAB_PUBLISH:-127.0.0.1}:\${${host}:-${port + i}}:${target}/${proto}`
    return [s, {
      image: '${IPXLAB_IMAGE:-ipxlab:local}',
      hostname: s,
      restart: 'unless-stopped',
      command: ['ipxlab', 'node', '--config', CONTAINER_CONFIG],
      environment: { IPXLAB_KEY_FILE: '/keys/lab.key' },
      volumes: [`./${NODE_CONFIG_DIR}/${s}.json:${CONTAINER_CONFIG}:ro`, 'lab-key:/keys'],
      healthcheck: { test: ['CMD', 'node', '/app/dist/src/cli/healthcheck.js'], interval: '5s', timeout: '5s', start_period: '30s', retries: 3 },
      ...(nets.length > 0 ? { networks: nets } : {}),
      ports: [
        publish(portVariable('PORT', s), hostPort, DEFAULT_TUNNEL_PORT, 'udp'),
        publish(portVariable('PORT', s), hostPort, DEFAULT_TUNNEL_PORT, 'tcp'),
        publish(portVariable('API_PORT', s), hostApiPort, DEFAULT_SNP_PORT, 'tcp')
      ]
    }]
  }))
  doc.volumes = { 'lab-key': {} }
  if (t.links.length > 0) doc.networks = Object.fromEntries(t.links.map((_, l) => [linkNet(l), {}]))
  const header = [
    `# Written by \`ipxlab topology compose ${source}\`: ${n} nodes in ${t.mode} mode, ${t.links.length} links.`,
    '#',
    '#   docker build -t ipxlab:local .     (in the ipxlab source tree; or set IPXLAB_IMAGE)',
    '#   docker compose up -d               (or docker-compose up -d, podman-compose up -d)',
    '#',
    `# One service per node, its config in ./${NODE_CONFIG_DIR}/SERVICE.json; one network per link, so a`,
    '# node reaches only the peers it is linked with. The nodes share a key made on first start in the',
    '# lab-key volume. Published on 127.0.0.1 (IPXLAB_PUBLISH moves it):',
    ...t.nodes.map((node, i) => `#   ${node.name.padEnd(12)} data ${hostPort + i} (${portVariable('PORT', services[i]!)}), status API ${hostApiPort + i} (${portVariable('API_PORT', services[i]!)})   IPXNET CONNECT 127.0.0.1 ${hostPort + i}`)
  ]
  return { text: `${header.join('\n')}\n${stringify(doc, { lineWidth: 0 })}`, files }
}

/** `ipxlab topology compose`: writes the compose file and the node configs; returns the exit status. */
export async function runTopologyCompose (o: ComposeOptions, io: Io): Promise<number> {
  const t = loadTopology(o.file)
  const out = path.resolve(o.out ?? 'compose.yaml')
  if (existsSync(out) && o.force !== true) throw new ConfigError('topology compose', `${out} exists; --force overwrites it`)
  const { text, files } = composeFor(t, path.basename(o.file), { ...(o.hostPort !== undefined ? { hostPort: o.hostPort } : {}), ...(o.hostApiPort !== undefined ? { hostApiPort: o.hostApiPort } : {}) })
  const dir = path.join(path.dirname(out), NODE_CONFIG_DIR)
  mkdirSync(dir, { recursive: true })
  // 0644: the node runs as uid 1000 inside the container and reads its mounted config.
  for (const [name, body] of files) writeFileSync(path.join(dir, name), body, { mode: 0o644 })
  writeFileSync(out, text)
  io.stdout.write(`wrote ${out} and ${files.size} node configs in ${dir}\n`)
  return 0
}

/** The lab of a namespace per node: configs and the veth address of each link end. */
export function netnsLab (t: Topology): { lab: TopologyLab, ends: Array<[string, string]> } {
  if (t.links.length > NETNS_LINKS_MAX) throw new ConfigError('topology.links', `a namespace lab takes at most ${NETNS_LINKS_MAX} links (one /24 of 198.18.0.0/15 each); this one has ${t.links.length}`)
  const ends = t.links.map((_, l): [string, string] => [1, 2].map(e => `198.${18 + (l >> 8)}.${l & 255}.${e}`) as [string, string])
  const lab = topologyConfigs(t, {
    port: DEFAULT_TUNNEL_PORT,
    snpPort: DEFAULT_SNP_PORT,
    listenHost: () => '0.0.0.0',
    peerHost: (j, l) => ends[l]![t.links[l]!.between[0] === t.nodes[j]!.name ? 0 : 1]
  })
  return { lab, ends }
}

/**
 * `ipxlab topology configs FILE --out DIR`: `DIR/<i>.json` for node i, and the plan, one
 * tab-separated line each:
 *   `node  I  NAME  NETWORK  NODE  FILE`          (network and node in hex)
 *   `link  L  I  ADDR_I  J  ADDR_J  TRANSPORT`    (node indexes and their veth addresses)
 */
export async function runTopologyConfigs (o: { file: string, out: string }, io: Io): Promise<number> {
  const t = loadTopology(o.file)
  const { lab, ends } = netnsLab(t)
  const dir = path.resolve(o.out)
  mkdirSync(dir, { recursive: true })
  const index = new Map(t.nodes.map((n, i) => [n.name, i]))
  lab.configs.forEach((c, i) => {
    const file = path.join(dir, `${i}.json`)
    writeFileSync(file, `${JSON.stringify(lab.raw[i], null, 2)}\n`, { mode: 0o644 })
    io.stdout.write(['node', i, c.name, c.network.toString(16).padStart(8, '0').toUpperCase(), c.node.toString(16).padStart(12, '0').toUpperCase(), file].join('\t') + '\n')
  })
  t.links.forEach((l, li) => {
    io.stdout.write(['link', li, index.get(l.between[0]), ends[li]![0], index.get(l.between[1]), ends[li]![1], l.transport].join('\t') + '\n')
  })
  return 0
}
