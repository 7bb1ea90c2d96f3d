/**
 * A topology file (issue 16): a NetWare internetwork described once, in YAML or JSON, and turned
 * into one node configuration per node by {@link topologyConfigs} (the one place that does).
 * `ipxlab lab --topology FILE` runs it in one process, node i on loopback address
 * 127.0.<subnet>.<i + 1> (no privileges needed).
 *
 * ```yaml
 * mode: route
 * nodes:
 *   - { name: HQ, network: 0000C001, services: [{ type: 4, name: FS1, socket: 0451 }] }
 *   - { name: GAMES, network: 0000C003, dosbox: { game: DOOM } }
 * links:
 *   - { between: [HQ, GAMES], transport: udp, wan: isdn-64k, qos: snp }
 * replays:
 *   - { file: ../../fixtures/lab-sample.pcapng, into: HQ }
 * ```
 *
 * The settings (every value is checked by the node schema's own validator, src/node/config.ts
 * {@link CONFIG_FIELDS} and src/node/qos-options.ts, so a topology accepts what a node does):
 *  - top level: `mode` (route, the default, or bridge), `network` (bridge mode: the one network),
 *    `key` / `keyFile` / `keyId` (every link's key unless a link has its own), `timers` (every
 *    node's RIP/SAP timers, as a node's `timers`), `nodes`, `links`, `replays`;
 *  - `nodes[i]`: `name`, `network` (route mode), `services` (the SAP services it advertises, as a
 *    node's `services`; default a file server named after the node), `dosbox` (`true` or
 *    `{ game, maxClients }`: the node's segment expects DOSBox clients — the lab prints its
 *    `IPXNET CONNECT` line — and `game` names what they play there, making it a game segment;
 *    `maxClients` is the node's `limits.maxClients`);
 *  - `links[i]`: `between` (two node names), `transport` (udp or tcp), `key` or `keyFile` (a file
 *    holding the key, made with a new one when missing, as `--key-file`), `keyId`, `wan` (an era
 *    profile), `rate`, `delay`, `jitter`, `loss` (as `--rate`, `--delay`, `--jitter`, `--loss`),
 *    and `qos`: a discipline (`snp`, as `--qos snp`) or a whole `qos` object as a node's
 *    `peers[i].qos`. Both ends of a link get the same settings, so both directions are shaped
 *    alike and both routers count the link's ticks (src/node/router.ts `linkTicks`);
 *  - `replays[i]`: `file` (a capture), `into` (a node name), `loop`, `speed` or `max`: the capture
 *    is replayed into the node as a DOSBox client, as `ipxlab replay`, once the links are up.
 *
 * Paths in a file (`keyFile`, `replays[i].file`) are relative to the file's directory. YAML is read
 * with the `yaml` package's failsafe schema: every scalar stays text and the node schema converts
 * it, as it converts environment variables, so `network: 00000010` is hex 10 as in JSON's
 * `"00000010"`, never the decimal number YAML's core schema would make of it.
 *
 * Checked before anything starts, each problem one line naming the item (a {@link ConfigError},
 * with the file's line when read from a file): an unknown node in a link or replay, a link from a
 * node to itself, a link given twice, two nodes with one name, two route-mode nodes with one
 * network, a network given where the mode has none, a setting given twice (`key` and `keyFile`,
 * `wan` and `qos.wan`), a link QoS that cannot run (a scheduler without a rate), and in bridge mode
 * a loop (named by its nodes): bridged frames carry nothing that could end a loop
 * (src/node/router.ts), so a bridge topology must be a tree, whose nodes then relay between their
 * peers (`bridgeRelay`). Route mode takes any shape: RIP's hop counts and split horizon handle loops.
 */
import { accessSync, constants as fsConstants, readFileSync } from 'node:fs'
import path from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import type { Document } from 'yaml'
import { z } from 'zod'
import { ConfigError } from '../errors.js'
import { formatHostPort } from '../address.js'
import { CONFIG_FIELDS, PEER_FIELDS, booleanField, integer, validateConfig } from './config.js'
import type { NodeConfig, RawConfig } from './config.js'
import { decimal, qosField, qosIssues } from './qos-options.js'
import type { QosRaw } from './qos-options.js'
import { loadOrCreateKeyFile } from './key-file.js'

const nodeName = CONFIG_FIELDS.name.unwrap()
/** A file path, as the node schema checks one (`capture`). */
const filePath = CONFIG_FIELDS.capture.unwrap()

/** A link's shorthands for its QoS, each the `qos` member of the same meaning (and validator). */
const LINK_QOS_SHORTHANDS = { wan: 'wan', rate: 'rateBps', delay: 'delayMs', jitter: 'jitterMs', loss: 'loss' } as const

const linkSchema = z.strictObject({
  between: z.tuple([nodeName, nodeName]),
  transport: PEER_FIELDS.transport,
  key: PEER_FIELDS.key,
  keyFile: filePath.optional(),
  keyId: PEER_FIELDS.keyId,
  wan: qosField.shape.wan,
  rate: qosField.shape.rateBps,
  delay: qosField.shape.delayMs,
  jitter: qosField.shape.jitterMs,
  loss: qosField.shape.loss,
  /** `snp` is `{ discipline: snp }` (as `--qos snp`); an object is a node's `peers[i].qos`. */
  qos: z.preprocess(v => typeof v === 'string' ? { discipline: v } : v, qosField).optional()
})

/** `true` is `{}`, `false` none (also as YAML's text). */
const dosboxSchema = z.preprocess(v => v === true || v === 'true' ? {} : v === false || v === 'false' ? undefined : v, z.strictObject({
  /** What the DOSBox clients of this segment play: it is the lab's game segment. */
  game: z.string().regex(/^[ -~]{1,64}$/, 'must be 1-64 printable ASCII characters').optional(),
  maxClients: CONFIG_FIELDS.limits.unwrap().shape.maxClients.unwrap().optional()
}, { error: issue => issue.code === 'invalid_type' ? 'must be true, false or { game, maxClients }' : undefined }).optional())

const nodeSchema = z.strictObject({
  name: nodeName,
  /** Route mode: the node's own network (hex text or a number); required there. */
  network: CONFIG_FIELDS.network,
  services: CONFIG_FIELDS.services,
  dosbox: dosboxSchema
})

const replaySchema = z.strictObject({
  file: filePath,
  into: nodeName,
  loop: integer(1, 1_000_000).optional(),
  speed: decimal('a speed factor above 0 (2 = twice as fast)', 0, 1000, { exclusiveMin: true }).optional(),
  max: booleanField.optional()
})

const topologySchema = z.strictObject({
  mode: CONFIG_FIELDS.mode.unwrap().default('route'),
  /** Bridge mode: the one IPX network of the whole lab. */
  network: CONFIG_FIELDS.network,
  key: CONFIG_FIELDS.key,
  keyFile: filePath.optional(),
  keyId: PEER_FIELDS.keyId,
  timers: CONFIG_FIELDS.timers.unwrap().optional(),
  nodes: z.array(nodeSchema).min(1, 'must list at least one node'),
  links: z.array(linkSchema).default([]),
  replays: z.array(replaySchema).default([])
})

/** A topology as read, before it becomes node configurations. */
export type Topology = z.output<typeof topologySchema>
/** One link of a {@link Topology}. */
export type TopologyLink = Topology['links'][number]

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

/** Where an item of the input is, for a message (`lab.yaml line 12`); undefined when unknown. */
export type TopologyLocator = (at: ReadonlyArray<string | number>) => string | undefined

function fieldOf (at: ReadonlyArray<PropertyKey>): string {
  return `topology${at.map(p => typeof p === 'number' ? `[${p}]` : `.${String(p)}`).join('')}`
}

/** Parses and checks a topology (already decoded); throws a {@link ConfigError} naming the bad item. */
export function parseTopology (input: unknown, options: { locate?: TopologyLocator } = {}): Topology {
  const fail = (at: ReadonlyArray<string | number>, message: string): never => {
    const where = options.locate?.(at)
    throw new ConfigError(fieldOf(at), `${message}${where === undefined ? '' : ` (${where})`}`)
  }
  const r = topologySchema.safeParse(input)
  if (!r.success) {
    const issue = r.error.issues[0]!
    const at = issue.path.filter((p): p is string | number => typeof p !== 'symbol')
    if (issue.code === 'unrecognized_keys') fail([...at, issue.keys[0]!], 'is not a known setting')
    fail(at, issue.message)
  }
  const t = r.data!
  if (t.mode === 'route' && t.network !== undefined) fail(['network'], 'is for bridge mode only: in route mode each node has its own (nodes[i].network)')
  if (t.key !== undefined && t.keyFile !== undefined) fail(['keyFile'], 'and key are both set: give one')
  const names = new Set<string>()
  const networks = new Map<number, string>()
  t.nodes.forEach((n, i) => {
    if (t.mode === 'bridge' && n.network !== undefined) fail(['nodes', i, 'network'], 'is for route mode only: a bridge topology is one network (topology.network)')
    if (names.has(n.name)) fail(['nodes', i, 'name'], `${n.name} names another node too`)
    names.add(n.name)
    if (t.mode !== 'route') return
    if (n.network === undefined) fail(['nodes', i], `${n.name} has no network: one is required in route mode, where each node is its own IPX network`)
    const other = networks.get(n.network!)
    if (other !== undefined) fail(['nodes', i, 'network'], `${n.name} has network ${n.network!.toString(16).padStart(8, '0').toUpperCase()}, as ${other} does`)
    networks.set(n.network!, n.name)
  })
  const links = new Set<string>()
  t.links.forEach((l, i) => {
    const [a, b] = l.between
    for (const x of [a, b]) if (!names.has(x)) fail(['links', i], `names ${x}, which is not a node of the topology`)
    if (a === b) fail(['links', i], `links ${a} to itself`)
    const key = [a, b].sort().join(' ')
    if (links.has(key)) fail(['links', i], `links ${a} and ${b} again`)
    links.add(key)
    checkLinkSettings(l, i, fail)
  })
  t.replays.forEach((p, i) => {
    if (!names.has(p.into)) fail(['replays', i, 'into'], `names ${p.into}, which is not a node of the topology`)
    if (p.max === true && p.speed !== undefined) fail(['replays', i, 'max'], 'and speed exclude each other (as --max and --speed)')
  })
  if (t.mode === 'bridge') {
    const loop = findLoop(t)
    if (loop !== undefined) fail(['links'], `bridge mode cannot carry a loop (${loop.join(' - ')}): bridged frames have nothing to end one; use route mode or remove a link`)
  }
  return t
}

/** A link's settings given twice, and a QoS that cannot run (the node schema's own cross-field rules). */
function checkLinkSettings (l: TopologyLink, i: number, fail: (at: ReadonlyArray<string | number>, message: string) => never): void {
  if (l.key !== undefined && l.keyFile !== undefined) fail(['links', i, 'keyFile'], 'and key are both set: give one')
  for (const [short, member] of Object.entries(LINK_QOS_SHORTHANDS)) {
    if (l[short as keyof typeof LINK_QOS_SHORTHANDS] !== undefined && l.qos?.[member] !== undefined) fail(['links', i, 'qos', member], `and links[${i}].${short} are both set: give one`)
  }
  for (const issue of qosIssues(linkQos(l))) {
    const member = issue.path[0]
    const short = Object.entries(LINK_QOS_SHORTHANDS).find(([, m]) => m === member)?.[0]
    fail(l.qos?.[member as keyof QosRaw] !== undefined || short === undefined ? ['links', i, 'qos', ...issue.path] : ['links', i, short], issue.message)
  }
}

/** A link's QoS as a node's `peers[i].qos`: its `qos`, with the shorthands (`wan`, `rate`, ...) over it. */
export function linkQos (l: TopologyLink): QosRaw {
  const short: Record<string, unknown> = {}
  for (const [k, member] of Object.entries(LINK_QOS_SHORTHANDS)) {
    const v = l[k as keyof typeof LINK_QOS_SHORTHANDS]
    if (v !== undefined) short[member] = v
  }
  // One link's own settings: a shorthand wins over its `qos` member, as `--rate` over `--wan`.
  return { ...l.qos, ...short } as QosRaw
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

/** The key text of a link (its own, its file's, else the topology's); undefined = unauthenticated. */
function linkKey (t: Topology, l: TopologyLink, i: number, files: Map<string, string>): string | undefined {
  const fromFile = (file: string, field: string): string => {
    let text = files.get(file)
    if (text === undefined) {
      try {
        text = loadOrCreateKeyFile(file).text
      } catch (err) {
        if (err instanceof ConfigError) throw new ConfigError(field, err.message.replace(/^key-file: /, ''))
        throw err
      }
      files.set(file, text)
    }
    return text
  }
  if (l.key !== undefined) return l.key.toString('hex')
  if (l.keyFile !== undefined) return fromFile(l.keyFile, `topology.links[${i}].keyFile`)
  if (t.key !== undefined) return t.key.toString('hex')
  if (t.keyFile !== undefined) return fromFile(t.keyFile, 'topology.keyFile')
  return undefined
}

/**
 * Node configurations for a checked topology ({@link parseTopology}), placed as `at` says; each
 * config validated as a node's own would be (anything it refuses is one line naming the node).
 * Both ends of a link get its transport, key and QoS. Reads (or makes) key files.
 */
export function topologyConfigs (t: Topology, at: TopologyPlacement, extra: Partial<RawConfig> = {}): TopologyLab {
  const listenHost = at.listenHost ?? ((i: number): string => `127.0.${at.subnet ?? 0}.${i + 1}`)
  const peerHost = at.peerHost ?? ((j: number): string => listenHost(j))
  const index = new Map(t.nodes.map((n, i) => [n.name, i]))
  const keyFiles = new Map<string, string>()
  const keys = t.links.map((l, i) => linkKey(t, l, i, keyFiles))
  const raw: RawConfig[] = []
  const configs = t.nodes.map((n, i) => {
    const host = listenHost(i)
    const peers = t.links.flatMap((l, k) => {
      if (!l.between.includes(n.name)) return []
      const j = index.get(l.between[0] === n.name ? l.between[1] : l.between[0])!
      const h = peerHost(j, k)
      const qos = linkQos(l)
      const key = keys[k]
      return [{
        address: formatHostPort(h, at.port),
        transport: l.transport,
        snp: formatHostPort(h, at.snpPort),
        ...(key !== undefined ? { key } : {}),
        ...(l.keyId !== undefined || t.keyId !== undefined ? { keyId: l.keyId ?? t.keyId } : {}),
        ...(Object.keys(qos).length > 0 ? { qos } : {})
      }]
    })
    const network = t.mode === 'route' ? n.network : t.network
    const limits = { ...extra.limits, ...(n.dosbox?.maxClients !== undefined ? { maxClients: n.dosbox.maxClients } : {}) }
    const timers = { ...t.timers, ...extra.timers }
    try {
      raw[i] = {
        name: n.name,
        mode: t.mode,
        ...(t.mode === 'bridge' ? { bridgeRelay: true } : {}),
        ...(network !== undefined ? { network } : {}),
        ...(n.services !== undefined ? { services: n.services } : {}),
        ...(Object.keys(limits).length > 0 ? { limits } : {}),
        ...(Object.keys(timers).length > 0 ? { timers } : {}),
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
  return { mode: t.mode, configs, raw }
}

/** The line of `at` in a parsed document (or of its nearest parent there). */
function locator (doc: Document, lines: LineCounter, name: string): TopologyLocator {
  return at => {
    for (let p = [...at]; ; p = p.slice(0, -1)) {
      const node = p.length === 0 ? doc.contents : doc.getIn(p, true)
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range
      if (range !== undefined) return `${name} line ${lines.linePos(range[0]).line}`
      if (p.length === 0) return undefined
    }
  }
}

/** The decoded content of a topology file and a locator for its items. */
function decodeTopology (file: string, text: string): { data: unknown, locate: TopologyLocator } {
  const lines = new LineCounter()
  const name = path.basename(file)
  if (file.toLowerCase().endsWith('.json')) {
    let data: unknown
    try {
      data = JSON.parse(text)
    } catch (err) {
      const at = /position (\d+)/.exec((err as Error).message)
      const line = at === null ? '' : ` (line ${text.slice(0, Number(at[1])).split('\n').length})`
      throw new ConfigError('topology', `${file} is not JSON: ${(err as Error).message}${line}`)
    }
    // JSON is YAML: the same parser finds the line of every item for the messages.
    return { data, locate: locator(parseDocument(text, { lineCounter: lines }), lines, name) }
  }
  const doc = parseDocument(text, { lineCounter: lines, schema: 'failsafe', prettyErrors: false })
  const error = doc.errors[0]
  if (error !== undefined) {
    throw new ConfigError('topology', `${file} is not YAML: ${error.message.split('\n')[0]!} (line ${lines.linePos(error.pos[0]).line})`)
  }
  return { data: doc.toJS({ maxAliasCount: 100 }) as unknown, locate: locator(doc, lines, name) }
}

/**
 * Reads, parses and checks a topology file: JSON when its name ends in `.json`, else YAML (the
 * `yaml` package). Paths in it become relative to its directory; replay captures must be readable.
 * Throws a {@link ConfigError} naming the item and its line.
 */
export function loadTopology (file: string): Topology {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new ConfigError('topology', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  const { data, locate } = decodeTopology(file, text)
  const t = parseTopology(data, { locate })
  const dir = path.dirname(file)
  const resolve = (p: string): string => path.resolve(dir, p)
  t.replays.forEach((p, i) => {
    p.file = resolve(p.file)
    try {
      accessSync(p.file, fsConstants.R_OK)
    } catch (err) {
      const where = locate(['replays', i, 'file'])
      throw new ConfigError(`topology.replays[${i}].file`, `cannot read ${p.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}${where === undefined ? '' : ` (${where})`}`)
    }
  })
  if (t.keyFile !== undefined) t.keyFile = resolve(t.keyFile)
  for (const l of t.links) if (l.keyFile !== undefined) l.keyFile = resolve(l.keyFile)
  return t
}
