/**
 * A node's configuration: the {@link NodeConfig} type, its defaults, and {@link validateConfig},
 * which checks a raw object once, with zod, and throws one {@link ConfigError} naming the field
 * (`peers[0].address`) and what is wrong (style guide §5.4; yamux `verifyConfig`).
 *
 * Sources merge in {@link mergeConfigSources}: the config file (JSON), then `IPXLAB_*` environment
 * variables ({@link ENV_VARIABLES}), then command-line flags; later wins, objects (`timers`,
 * `limits`) merge key by key, lists (`peers`, `services`) are replaced whole. The result is
 * validated once, at the end, and an error names the source that set the bad value.
 */
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { ConfigError } from '../errors.js'
import { formatHostPort, isLoopback, parseHostPort } from '../address.js'
import type { HostPort } from '../address.js'
import { parseNode } from '../../protocol/ipx/address.js'
import { BROADCAST_NODE, Socket } from '../../protocol/constants.js'
import { SAP_MAX_NAME_CHARS } from '../../protocol/sap.js'
import type { RouterMode } from './router.js'
import type { AdvertisedService } from './services/sap.js'
import { qosField, mergeQos, qosIssues, resolveQos } from './qos-options.js'
import type { QosRaw, QosSettings } from './qos-options.js'

/** The IANA port of the data plane (`travsoft-ipx-t`, architecture.md). */
export const DEFAULT_TUNNEL_PORT = 2644
/** The IANA port of the QoS plane (`sitaraserver`, architecture.md). */
export const DEFAULT_SNP_PORT = 2629
/** Bridge-mode network when none is given (every node of a bridge lab must agree; the default does). */
export const DEFAULT_NETWORK = 0x00000001
/** Shortest pre-shared key, bytes (protocol/tunnel/auth.ts `MIN_KEY_LENGTH`, SPEC.md §4). */
export const MIN_KEY_BYTES = 16
/** Server type of a NetWare file server, advertised by default (Wireshark `novell_server_vals`). */
export const FILE_SERVER_TYPE = 0x0004

export type { HostPort }

/** One native link to another node. */
export interface PeerConfig {
  /** As given, normalised to `host:port` (`[v6]:port`). */
  address: string
  /** IP address or host name (resolved by the transport). */
  host: string
  port: number
  transport: 'udp' | 'tcp'
  /** Pre-shared key (≥ 16 bytes), this peer's or the node-wide `key`; absent = unauthenticated. */
  key?: Buffer
  /** Key id sent with the key (1-255; default 1). */
  keyId: number
  /** Route mode: the link's IPX network; 0 (default) = unnumbered point-to-point link. */
  network: number
  /** The peer's SNP control address (udp 2629, issue 6); default the peer's host, port 2629. */
  snp: HostPort
  /** This link's QoS (issue 11): the node's `qos`, with the peer's own `qos` members over it. */
  qos: QosSettings
}

/** Timers, ms. RIP/SAP defaults from ipx-reference §B3-B4; shorten them for a fast lab. */
export interface TimersConfig {
  /** RIP periodic update (default 60 000). */
  ripIntervalMs: number
  /** RIP route expiry (default 3 × ripIntervalMs, i.e. 180 000). */
  ripExpireMs: number
  /** RIP garbage collection (default 4 × ripIntervalMs, i.e. 240 000, and at least one interval after expiry). */
  ripGarbageMs: number
  /** SAP periodic broadcast (default 60 000). */
  sapIntervalMs: number
  /** SAP entry expiry (default 5 × sapIntervalMs, i.e. 300 000). */
  sapExpireMs: number
  /** Bridge learning-table ageing (default 300 000, IEEE 802.1D). */
  bridgeAgeMs: number
}

/** Per-client token buckets (as the DOSBox server's `RateLimit`). */
export interface RateLimitConfig {
  packetsPerSecond?: number
  packetBurst?: number
  bytesPerSecond?: number
  byteBurst?: number
}

/** Resource limits. */
export interface LimitsConfig {
  /** DOSBox client table size (default 256). */
  maxClients: number
  /** Client idle expiry, ms (default 600 000; 0 = never). */
  idleTimeoutMs: number
  /** Per-client rate limit; absent = none. */
  rateLimit?: RateLimitConfig
  /** Ping every DOSBox client this often (ms) so NAT mappings stay open; off when absent. */
  keepaliveMs?: number
  /**
   * SO_RCVBUF request of the 2644 UDP socket, bytes; absent = {@link DEFAULT_RECEIVE_BUFFER}. It
   * bounds the queue in front of the relay (Linux doubles the request, socket(7)).
   */
  receiveBufferBytes?: number
  /**
   * Datagrams libuv may queue on the 2644 socket when the kernel's send buffer is full; a send
   * beyond them is dropped and counted `queue_full` (issue 18). Absent = 64
   * (`DEFAULT_MAX_SEND_QUEUE`, src/transport/udp-endpoint.ts).
   */
  sendQueueDatagrams?: number
  /**
   * After each datagram on the 2644 socket, the node keeps polling this long, µs, before its event
   * loop sleeps again: the next datagram is read at once instead of after a wake-up (issue 18;
   * src/transport/busy-poll.ts). Absent = 200 (`DEFAULT_BUSY_POLL_US`); 0 = off (no CPU spent
   * polling, a wake-up per datagram that arrives while idle).
   */
  busyPollUs?: number
  /** DOSBox client slots one IP address may hold (default {@link DEFAULT_MAX_CLIENTS_PER_IP}). */
  maxPerIp: number
  /** Open TCP connections on the listen port at most (default {@link DEFAULT_TCP_MAX_CONNECTIONS}). */
  tcpMaxConnections: number
  /** Open TCP connections from one IP at most (default {@link DEFAULT_TCP_MAX_PER_IP}). */
  tcpMaxPerIp: number
  /** A TCP connection's first whole frame must arrive within this, ms (default 10 000; 0 = no deadline). */
  tcpFirstFrameMs: number
  /** A TCP connection without a whole frame this long is closed, ms (default 300 000; 0 = never). */
  tcpIdleMs: number
}

/** The status API (HTTP on tcp; issue 13). */
export interface ApiConfig {
  /** Where it listens. Default: the `snpListen` address when one is set, else loopback (the listen host when that is loopback). */
  listen: HostPort
  /** Bearer token required on every path but `/healthz` (RFC 6750); absent = open. */
  token?: string
  /** Open connections at most (default 64). */
  maxConnections: number
  /** Open connections from one IP at most (default 8), so one host cannot starve `/healthz`. */
  maxPerIp: number
}

/** Default DOSBox slots per IP: one DOSBox game has at most 16 players (DOSBox's IPX server table). */
export const DEFAULT_MAX_CLIENTS_PER_IP = 16
/** Default cap on TCP connections to 2644: far below a default 1024-descriptor ulimit, far above a lab's needs. */
export const DEFAULT_TCP_MAX_CONNECTIONS = 512
/** Default TCP connections per IP: a NATed lab room's relays and links, not a descriptor flood. */
export const DEFAULT_TCP_MAX_PER_IP = 16
/** Shortest API token, characters: a guessable token is no protection. */
export const MIN_API_TOKEN_CHARS = 16

/**
 * The WebSocket attachment for js-dos players (issue 14, src/transport/ws-server.ts); present only
 * when `ws.listen` is set.
 */
export interface WsConfig {
  /** The WebSocket listener (js-dos connects to port 1900). */
  listen: HostPort
  /** The room on the node's local segment, or `*` for every room (default). */
  room: string
  /** Allowed `Origin` values, or `*` (default: any). */
  origins: string[]
  /** Also accept WebSocket upgrades on the data plane's TCP port (default true). */
  tunnelPort: boolean
  /** PEM files: the listener speaks TLS (wss://). Both or neither. */
  tlsCert?: string
  tlsKey?: string
  /** Open WebSocket clients at most (default 256). */
  maxConnections: number
  /** Clients from one IP address at most (default 16). */
  maxPerIp: number
  /** Close a client silent this long, ms (default 600 000; 0 = never). */
  idleTimeoutMs: number
  /** WebSocket ping interval, ms; no pong by the next one closes the client (default 30 000). */
  pingIntervalMs: number
  /** Per-client token buckets (default 1000 datagrams/s, 1 MiB/s). */
  rateLimit: RateLimitConfig
}

/**
 * Default SO_RCVBUF request of the data-plane socket: 16 KiB, which Linux doubles to 32 KiB
 * (socket(7)): about 39 datagrams of 64 bytes at their 832-byte loopback truesize, or 14 of 1,424
 * bytes (2,304; both measured). A full queue drains in about 1 ms at the relay's saturated rate on
 * this 2-core machine (30,000-70,000 datagrams/s, shared), so at saturation the kernel drops early
 * (counted: the socket's drops in /proc/net/udp, `kernelDrops.tunnel` in the node's stats) instead
 * of holding a backlog: with the 4 MiB asked for before, the one-way delay at saturation was 96 ms
 * (issue 18). ipxbox queues 16 packets per client (network/pipe/pipe.go). Bursty senders pace
 * themselves: replay --max sends 8 frames a window.
 */
export const DEFAULT_RECEIVE_BUFFER = 16 * 1024

/**
 * The receive buffer of nodes that share one process (and one event loop) with their own traffic
 * sources: `ipxlab lab`, the QoS scenario. There the senders run whenever the node does not, so a
 * burst lands while the node cannot read; 4 MiB (the request before issue 18) holds it. A node of
 * its own (`ipxlab node`, a container) keeps {@link DEFAULT_RECEIVE_BUFFER}.
 */
export const IN_PROCESS_RECEIVE_BUFFER = 4 * 1024 * 1024

/** A validated node configuration. */
export interface NodeConfig {
  /** Node name (1-47 printable characters); the default file server is named after it. */
  name: string
  mode: RouterMode
  /**
   * Bridge mode: relay one peer's frames to the other peers, for a chain or tree of bridges
   * (default false: the nodes are fully meshed and a peer's frames go to local clients only).
   * Loops of relaying bridges are the user's to avoid: a broadcast would circulate (src/node/router.ts).
   */
  bridgeRelay: boolean
  /** IPX network (1..0xFFFFFFFE). Required in route mode; default 1 in bridge mode. */
  network: number
  /** Node address (u48, not 0 or broadcast); default derived from name and listen address (02:…). */
  node: number
  /** Data plane, udp/tcp (default 0.0.0.0:2644). */
  listen: HostPort
  /** QoS plane, SNP udp and status tcp (default: the listen host, port 2629; the status API follows it only when set, issue 13). */
  snpListen: HostPort
  peers: PeerConfig[]
  timers: TimersConfig
  /** SAP services advertised (default: a file server named after the node, socket 0x0451). */
  services: AdvertisedService[]
  limits: LimitsConfig
  api: ApiConfig
  /** pcapng file to write what the node routes. */
  capture?: string
  /** QoS on every link unless a peer sets its own (issue 11, src/node/qos-options.ts); default off. */
  qos: QosSettings
  /** The WebSocket attachment (js-dos); absent = off. */
  ws?: WsConfig
}

function hexOrNumber (what: string, max: number, min: number): z.ZodType<number, number | string> {
  return z.union([z.number(), z.string()]).transform((v, ctx) => {
    let n: number | undefined
    if (typeof v === 'number') n = v
    else {
      const t = v.trim().replace(/^0x/i, '')
      n = /^[0-9a-fA-F]{1,12}$/.test(t) ? parseInt(t, 16) : undefined
    }
    if (n === undefined || !Number.isInteger(n) || n < min || n > max) {
      ctx.issues.push({ code: 'custom', input: v, message: `must be ${what} (${min}..0x${max.toString(16)}, a number or hex text such as "0x${max.toString(16)}"), got ${JSON.stringify(v)}` })
      return z.NEVER
    }
    return n
  })
}

/** An integer in [min, max], also as text (an environment variable, a YAML scalar). */
export function integer (min: number, max: number): z.ZodType<number, number | string> {
  return z.union([z.number(), z.string()]).transform((v, ctx) => {
    const n = typeof v === 'number' ? v : /^\s*\d+\s*$/.test(v) ? Number(v) : NaN
    if (!Number.isInteger(n) || n < min || n > max) {
      ctx.issues.push({ code: 'custom', input: v, message: `must be an integer ${min}..${max}, got ${JSON.stringify(v)}` })
      return z.NEVER
    }
    return n
  })
}

const nodeField = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : (parseNode(v.trim()) ?? (/^(0x)?[0-9a-fA-F]{1,12}$/i.test(v.trim()) ? parseInt(v.trim().replace(/^0x/i, ''), 16) : undefined))
  if (n === undefined || !Number.isInteger(n) || n <= 0 || n >= BROADCAST_NODE) {
    ctx.issues.push({ code: 'custom', input: v, message: `must be a node address other than 0 and broadcast, e.g. "02:00:00:00:00:01", got ${JSON.stringify(v)}` })
    return z.NEVER
  }
  return n
})

function hostPort (allowNames: boolean, defaultPort: number): z.ZodType<HostPort, string> {
  return z.string().transform((v, ctx) => {
    const r = parseHostPort(v, { allowNames, defaultPort })
    if (typeof r === 'string') {
      ctx.issues.push({ code: 'custom', input: v, message: `must be ADDR:PORT: ${r}` })
      return z.NEVER
    }
    return r
  })
}

/** Hex (even number of digits, optional 0x) or base64; at least 16 bytes. */
export function parseKey (text: string): Buffer | string {
  const t = text.trim()
  let key: Buffer
  if (/^(0x)?([0-9a-fA-F]{2})+$/.test(t)) key = Buffer.from(t.replace(/^0x/, ''), 'hex')
  else if (/^[A-Za-z0-9+/]+={0,2}$/.test(t) && t.length % 4 === 0) key = Buffer.from(t, 'base64')
  else return 'must be hex (an even number of digits) or base64'
  if (key.length < MIN_KEY_BYTES) return `is ${key.length} bytes; at least ${MIN_KEY_BYTES} are needed (tunnel SPEC.md §4)`
  return key
}

const keyField = z.string().transform((v, ctx) => {
  const r = parseKey(v)
  if (typeof r === 'string') {
    ctx.issues.push({ code: 'custom', input: '(key hidden)', message: r })
    return z.NEVER
  }
  return r
})

const peerObject = z.strictObject({
  address: z.string(),
  transport: z.enum(['udp', 'tcp']).default('udp'),
  key: keyField.optional(),
  keyId: integer(1, 255).optional(),
  network: hexOrNumber('an IPX network', 0xfffffffe, 0).optional(),
  snp: hostPort(true, DEFAULT_SNP_PORT).optional(),
  qos: qosField.optional()
})

/** A peer as parsed, before the node-wide defaults are applied. */
interface ParsedPeer {
  address: string
  transport: 'udp' | 'tcp'
  key?: Buffer | undefined
  keyId?: number | undefined
  network?: number | undefined
  snp?: HostPort | undefined
  qos?: QosRaw | undefined
}

/** A peer: an object, or `ADDR:PORT` text with an optional `udp://` / `tcp://` prefix. */
const peerField = z.preprocess(v => typeof v === 'string' ? peerFromText(v) : v, peerObject).transform((o: ParsedPeer, ctx) => {
  const r = parseHostPort(o.address, { allowNames: true, defaultPort: DEFAULT_TUNNEL_PORT })
  if (typeof r === 'string') {
    ctx.issues.push({ code: 'custom', input: o.address, path: ['address'], message: `must be ADDR:PORT: ${r}` })
    return z.NEVER
  }
  return { ...o, host: r.host, port: r.port, address: formatHostPort(r.host, r.port) }
})

function peerFromText (text: string): ParsedPeer {
  const m = /^(udp|tcp):\/\/(.*)$/i.exec(text.trim())
  return m === null ? { address: text, transport: 'udp' } : { address: m[2]!, transport: m[1]!.toLowerCase() as 'udp' | 'tcp' }
}

const serviceField = z.strictObject({
  type: hexOrNumber('a SAP server type', 0xfffe, 1),
  name: z.string().regex(/^[^\0]+$/, 'must not be empty or contain NUL').max(SAP_MAX_NAME_CHARS, `must be at most ${SAP_MAX_NAME_CHARS} characters (SAP's 48-byte name field)`)
    .refine(s => [...s].every(c => c.charCodeAt(0) <= 0xff), 'must be single-byte (latin1) characters'),
  socket: hexOrNumber('a socket', 0xffff, 1)
})

const positiveNumber = z.number().positive()

/** `true`/`false`, also as text (an environment variable). */
export const booleanField = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])]).transform(v => v === true || v === 'true' || v === '1' || v === 'yes')

/** js-dos's port ([relay] caiiiycuk/dosbox-ipx-server main.go; js-dos issue #405: not changeable). */
export const DEFAULT_WS_PORT = 1900

const rateLimitObject = z.strictObject({
  packetsPerSecond: positiveNumber.optional(),
  packetBurst: positiveNumber.optional(),
  bytesPerSecond: positiveNumber.optional(),
  byteBurst: positiveNumber.optional()
})

const wsObject = z.strictObject({
  listen: hostPort(false, DEFAULT_WS_PORT).optional(),
  room: z.string().refine(r => r === '*' || (r.length <= 64 && /^[ -~]+$/.test(r) && r.trim() !== ''), 'must be * or a room name of 1-64 printable ASCII characters').default('*'),
  origins: z.array(z.string().refine(o => o === '*' || /^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/i.test(o), 'must be * or an origin such as https://games.example.org')).min(1).default(['*']),
  tunnelPort: booleanField.default(true),
  tlsCert: z.string().min(1, 'must be a file path').optional(),
  tlsKey: z.string().min(1, 'must be a file path').optional(),
  maxConnections: integer(1, 65_535).default(256),
  maxPerIp: integer(1, 65_535).default(16),
  idleTimeoutMs: integer(0, 86_400_000).default(600_000),
  pingIntervalMs: integer(100, 86_400_000).default(30_000),
  rateLimit: rateLimitObject.default({ packetsPerSecond: 1000, bytesPerSecond: 1024 * 1024 })
})

const schema = z.strictObject({
  name: z.string().regex(/^[!-~]{1,47}$/, 'must be 1-47 printable characters without spaces (it names the SAP file server)').default('IPXLAB'),
  mode: z.enum(['bridge', 'route']).default('bridge'),
  bridgeRelay: booleanField.default(false),
  network: hexOrNumber('an IPX network', 0xfffffffe, 1).optional(),
  node: nodeField.optional(),
  listen: hostPort(false, DEFAULT_TUNNEL_PORT).default({ host: '0.0.0.0', port: DEFAULT_TUNNEL_PORT }),
  snpListen: hostPort(false, DEFAULT_SNP_PORT).optional(),
  peers: z.array(peerField).default([]),
  key: keyField.optional(),
  keyId: integer(1, 255).default(1),
  timers: z.strictObject({
    ripIntervalMs: integer(1, 86_400_000).optional(),
    ripExpireMs: integer(1, 86_400_000).optional(),
    ripGarbageMs: integer(1, 86_400_000).optional(),
    sapIntervalMs: integer(1, 86_400_000).optional(),
    sapExpireMs: integer(1, 86_400_000).optional(),
    bridgeAgeMs: integer(1, 86_400_000).optional()
  }).default({}),
  services: z.array(serviceField).optional(),
  limits: z.strictObject({
    maxClients: integer(1, 65_535).default(256),
    idleTimeoutMs: integer(0, 86_400_000).default(600_000),
    keepaliveMs: integer(100, 86_400_000).optional(),
    maxPerIp: integer(1, 65_535).optional(),
    tcpMaxConnections: integer(1, 1_000_000).optional(),
    tcpMaxPerIp: integer(1, 1_000_000).optional(),
    tcpFirstFrameMs: integer(0, 86_400_000).optional(),
    tcpIdleMs: integer(0, 86_400_000).optional(),
    receiveBufferBytes: integer(4096, 64 * 1024 * 1024).optional(),
    sendQueueDatagrams: integer(1, 65_536).optional(),
    busyPollUs: integer(0, 100_000).optional(),
    rateLimit: rateLimitObject.optional()
  }).default({ maxClients: 256, idleTimeoutMs: 600_000 }),
  api: z.strictObject({
    listen: hostPort(false, DEFAULT_SNP_PORT).optional(),
    token: z.string().optional(),
    tokenFile: z.string().min(1, 'must be a file path').optional(),
    maxConnections: integer(1, 100_000).optional(),
    maxPerIp: integer(1, 100_000).optional()
  }).default({}),
  capture: z.string().min(1, 'must be a file path').optional(),
  qos: qosField.optional(),
  ws: wsObject.optional()
}).superRefine((c, ctx) => {
  for (const i of qosIssues(c.qos)) ctx.addIssue({ code: 'custom', path: ['qos', ...i.path], message: i.message })
  c.peers.forEach((p, n) => {
    for (const i of qosIssues(mergeQos(c.qos, p.qos))) ctx.addIssue({ code: 'custom', path: p.qos !== undefined ? ['peers', n, 'qos', ...i.path] : ['qos', ...i.path], message: i.message })
  })
  if (c.mode === 'route' && c.bridgeRelay) {
    ctx.addIssue({ code: 'custom', path: ['bridgeRelay'], message: 'is for bridge mode only: in route mode the routing table carries frames between peers' })
  }
  if (c.mode === 'route' && c.network === undefined) {
    ctx.addIssue({ code: 'custom', path: ['network'], message: 'is required in route mode: each node is its own IPX network (issue 5)' })
  }
  const t = c.timers
  const ripInterval = t.ripIntervalMs ?? 60_000
  const ripExpire = t.ripExpireMs ?? 3 * ripInterval
  if (ripExpire <= ripInterval) ctx.addIssue({ code: 'custom', path: ['timers', 'ripExpireMs'], message: `must be longer than timers.ripIntervalMs (${ripInterval}), or routes expire between updates` })
  if ((t.ripGarbageMs ?? Math.max(4 * ripInterval, ripExpire + ripInterval)) <= ripExpire) ctx.addIssue({ code: 'custom', path: ['timers', 'ripGarbageMs'], message: `must be longer than timers.ripExpireMs (${ripExpire}) so that poisoned routes are announced` })
  const sapInterval = t.sapIntervalMs ?? 60_000
  if ((t.sapExpireMs ?? 5 * sapInterval) <= sapInterval) ctx.addIssue({ code: 'custom', path: ['timers', 'sapExpireMs'], message: `must be longer than timers.sapIntervalMs (${sapInterval})` })
  const seen = new Set<string>()
  c.services?.forEach((s, i) => {
    const k = `${s.type}/${s.name}`
    if (seen.has(k)) ctx.addIssue({ code: 'custom', path: ['services', i, 'name'], message: `duplicates another service of type 0x${s.type.toString(16)} named ${JSON.stringify(s.name)}` })
    seen.add(k)
  })
  if (c.api.token !== undefined && c.api.tokenFile !== undefined) ctx.addIssue({ code: 'custom', path: ['api', 'tokenFile'], message: 'and api.token are both set: give one' })
  if (c.api.token !== undefined && c.api.token.trim().length < MIN_API_TOKEN_CHARS) ctx.addIssue({ code: 'custom', path: ['api', 'token'], message: `must be at least ${MIN_API_TOKEN_CHARS} characters` })
  if (c.ws !== undefined && (c.ws.tlsCert === undefined) !== (c.ws.tlsKey === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['ws', c.ws.tlsCert === undefined ? 'tlsCert' : 'tlsKey'], message: 'is needed too: TLS takes a certificate and its key' })
  }
  c.peers.forEach((p, i) => {
    if (p.network !== undefined && p.network !== 0 && c.mode !== 'route') {
      ctx.addIssue({ code: 'custom', path: ['peers', i, 'network'], message: 'is for route mode only: in bridge mode every port is on the node\'s network' })
    }
  })
})

/**
 * The node schema's fields, for other files that hold node settings (a topology file,
 * src/node/topology.ts): one validator per setting, never a second copy.
 */
export const CONFIG_FIELDS = schema.shape
/** The fields of one peer (`peers[i]`), as {@link CONFIG_FIELDS}. */
export const PEER_FIELDS = peerObject.shape

/** The raw, unvalidated shape: what a JSON file, the environment or flags may hold. */
export type RawConfig = z.input<typeof schema>

function fnv1a (text: string, seed: number): number {
  let h = seed >>> 0
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/**
 * The default node address: 02 (locally administered, as ipxbox's random 02:… addresses) and 40
 * bits hashed from the name and listen address, so that two nodes of a lab differ without
 * configuration and a node keeps its address across restarts.
 */
export function defaultNode (name: string, listen: HostPort): number {
  const text = `${name}|${listen.host}|${listen.port}`
  return 0x02 * 2 ** 40 + fnv1a(text, 0x811c9dc5) * 256 + (fnv1a(text, 0x01234567) & 0xff)
}

function fieldPath (path: readonly PropertyKey[]): string {
  let out = ''
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`
    else out += out === '' ? String(p) : `.${String(p)}`
  }
  return out === '' ? '(config)' : out
}

/**
 * Validates a raw configuration and fills in the defaults. Throws {@link ConfigError} whose
 * `field` is the path of the first wrong setting (`peers[0].address`, `timers.ripExpireMs`, `extra`
 * for an unknown key) and whose message says what is wrong. `sources` (from
 * {@link mergeConfigSources}) names where a value came from, for the message.
 */
export function validateConfig (input: unknown, sources: ReadonlyMap<string, string> = new Map()): NodeConfig {
  const r = schema.safeParse(input)
  if (!r.success) {
    const issue = r.error.issues[0]!
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : []
    const field = fieldPath(keys.length > 0 ? [...issue.path, keys[0]!] : issue.path)
    const message = keys.length > 0 ? 'is not a known setting' : issue.message
    const from = sourceOf(field, sources)
    const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problem${r.error.issues.length > 2 ? 's' : ''})` : ''
    throw new ConfigError(field, `${message}${from === undefined ? '' : ` (set by ${from})`}${more}`)
  }
  const c = r.data
  const t = c.timers
  const ripIntervalMs = t.ripIntervalMs ?? 60_000
  const ripExpireMs = t.ripExpireMs ?? 3 * ripIntervalMs
  const sapIntervalMs = t.sapIntervalMs ?? 60_000
  const config: NodeConfig = {
    name: c.name,
    mode: c.mode,
    bridgeRelay: c.bridgeRelay,
    network: c.network ?? DEFAULT_NETWORK,
    node: c.node ?? defaultNode(c.name, c.listen),
    listen: c.listen,
    // The QoS plane sits beside the data plane: same host, port 2629, unless set. Two nodes on two
    // loopback addresses (the lab) then never collide on 2629.
    snpListen: c.snpListen ?? { host: c.listen.host, port: DEFAULT_SNP_PORT },
    peers: c.peers.map(p => {
      const key = p.key ?? c.key
      const peer: PeerConfig = {
        address: p.address,
        host: p.host,
        port: p.port,
        transport: p.transport,
        keyId: p.keyId ?? c.keyId,
        network: p.network ?? 0,
        snp: p.snp ?? { host: p.host, port: DEFAULT_SNP_PORT },
        qos: resolveQos(mergeQos(c.qos, p.qos))
      }
      if (key !== undefined) peer.key = key
      return peer
    }),
    timers: {
      ripIntervalMs,
      ripExpireMs,
      ripGarbageMs: t.ripGarbageMs ?? Math.max(4 * ripIntervalMs, ripExpireMs + ripIntervalMs),
      sapIntervalMs,
      sapExpireMs: t.sapExpireMs ?? 5 * sapIntervalMs,
      bridgeAgeMs: t.bridgeAgeMs ?? 300_000
    },
    services: c.services ?? [{ type: FILE_SERVER_TYPE, name: c.name.toUpperCase(), socket: Socket.Ncp }],
    limits: {
      maxClients: c.limits.maxClients,
      idleTimeoutMs: c.limits.idleTimeoutMs,
      ...(c.limits.keepaliveMs !== undefined ? { keepaliveMs: c.limits.keepaliveMs } : {}),
      maxPerIp: c.limits.maxPerIp ?? Math.min(DEFAULT_MAX_CLIENTS_PER_IP, c.limits.maxClients),
      tcpMaxConnections: c.limits.tcpMaxConnections ?? DEFAULT_TCP_MAX_CONNECTIONS,
      tcpMaxPerIp: c.limits.tcpMaxPerIp ?? DEFAULT_TCP_MAX_PER_IP,
      tcpFirstFrameMs: c.limits.tcpFirstFrameMs ?? 10_000,
      tcpIdleMs: c.limits.tcpIdleMs ?? 300_000,
      ...(c.limits.receiveBufferBytes !== undefined ? { receiveBufferBytes: c.limits.receiveBufferBytes } : {}),
      ...(c.limits.sendQueueDatagrams !== undefined ? { sendQueueDatagrams: c.limits.sendQueueDatagrams } : {}),
      ...(c.limits.busyPollUs !== undefined ? { busyPollUs: c.limits.busyPollUs } : {})
    },
    api: apiConfig(c.api, c.snpListen, c.listen, sources),
    qos: resolveQos(c.qos)
  }
  if (c.limits.rateLimit !== undefined) {
    const rl: RateLimitConfig = {}
    for (const k of ['packetsPerSecond', 'packetBurst', 'bytesPerSecond', 'byteBurst'] as const) {
      const v = c.limits.rateLimit[k]
      if (v !== undefined) rl[k] = v
    }
    config.limits.rateLimit = rl
  }
  if (c.capture !== undefined) config.capture = c.capture
  if (c.ws?.listen !== undefined) config.ws = wsConfig(c.ws, c.ws.listen)
  return config
}

/**
 * The status API's settings. Where it listens (issue 13: it must not face the Internet by
 * default): `api.listen` when given; else the `snpListen` address when that was set (`--snp` moves
 * both planes, as before); else the listen host when that is a loopback address (the two-node lab
 * on 127.0.0.1 and 127.0.0.2), else 127.0.0.1 (::1 for an IPv6 listen host), on the SNP port.
 * The SNP UDP plane itself stays on the listen host: peers must reach it.
 */
function apiConfig (a: { listen?: HostPort | undefined, token?: string | undefined, tokenFile?: string | undefined, maxConnections?: number | undefined, maxPerIp?: number | undefined }, snp: HostPort | undefined, listen: HostPort, sources: ReadonlyMap<string, string>): ApiConfig {
  const host = isLoopback(listen.host) ? listen.host : (listen.host.includes(':') ? '::1' : '127.0.0.1')
  const out: ApiConfig = {
    listen: a.listen ?? snp ?? { host, port: DEFAULT_SNP_PORT },
    maxConnections: a.maxConnections ?? 64,
    maxPerIp: a.maxPerIp ?? 8
  }
  if (a.token !== undefined) out.token = a.token.trim()
  if (a.tokenFile !== undefined) out.token = readToken(a.tokenFile, sourceOf('api.tokenFile', sources))
  return out
}

/** The token in a file (the first line, trimmed); throws {@link ConfigError} naming `api.tokenFile`. */
function readToken (path: string, from: string | undefined): string {
  const by = from === undefined ? '' : ` (set by ${from})`
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError('api.tokenFile', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}${by}`)
  }
  const token = (text.split(/\r?\n/)[0] ?? '').trim()
  if (token.length < MIN_API_TOKEN_CHARS) throw new ConfigError('api.tokenFile', `${path} must hold a token of at least ${MIN_API_TOKEN_CHARS} characters on its first line${by}`)
  return token
}

function wsConfig (w: z.output<typeof wsObject>, listen: HostPort): WsConfig {
  const ws: WsConfig = {
    listen,
    room: w.room,
    origins: w.origins,
    tunnelPort: w.tunnelPort,
    maxConnections: w.maxConnections,
    maxPerIp: w.maxPerIp,
    idleTimeoutMs: w.idleTimeoutMs,
    pingIntervalMs: w.pingIntervalMs,
    rateLimit: {}
  }
  for (const k of ['packetsPerSecond', 'packetBurst', 'bytesPerSecond', 'byteBurst'] as const) {
    const v = w.rateLimit[k]
    if (v !== undefined) ws.rateLimit[k] = v
  }
  if (w.tlsCert !== undefined) ws.tlsCert = w.tlsCert
  if (w.tlsKey !== undefined) ws.tlsKey = w.tlsKey
  return ws
}

function sourceOf (field: string, sources: ReadonlyMap<string, string>): string | undefined {
  for (let f = field; f !== ''; f = f.replace(/(\.[^.[\]]+|\[\d+\])$/, '')) {
    const s = sources.get(f)
    if (s !== undefined) return s
    if (!/[.[]/.test(f)) break
  }
  return undefined
}

/** Environment variables read by {@link configFromEnv}, each with the setting it fills. */
export const ENV_VARIABLES = {
  IPXLAB_NAME: 'name',
  IPXLAB_MODE: 'mode',
  IPXLAB_BRIDGE_RELAY: 'bridgeRelay',
  IPXLAB_NETWORK: 'network',
  IPXLAB_NODE: 'node',
  IPXLAB_LISTEN: 'listen',
  IPXLAB_SNP_LISTEN: 'snpListen',
  IPXLAB_PEERS: 'peers',
  IPXLAB_KEY: 'key',
  IPXLAB_KEY_ID: 'keyId',
  IPXLAB_CAPTURE: 'capture',
  IPXLAB_RIP_INTERVAL_MS: 'timers.ripIntervalMs',
  IPXLAB_RIP_EXPIRE_MS: 'timers.ripExpireMs',
  IPXLAB_RIP_GARBAGE_MS: 'timers.ripGarbageMs',
  IPXLAB_SAP_INTERVAL_MS: 'timers.sapIntervalMs',
  IPXLAB_SAP_EXPIRE_MS: 'timers.sapExpireMs',
  IPXLAB_MAX_CLIENTS: 'limits.maxClients',
  IPXLAB_IDLE_TIMEOUT_MS: 'limits.idleTimeoutMs',
  IPXLAB_KEEPALIVE_MS: 'limits.keepaliveMs',
  IPXLAB_MAX_PER_IP: 'limits.maxPerIp',
  IPXLAB_TCP_MAX_CONNECTIONS: 'limits.tcpMaxConnections',
  IPXLAB_TCP_MAX_PER_IP: 'limits.tcpMaxPerIp',
  IPXLAB_API_LISTEN: 'api.listen',
  IPXLAB_API_TOKEN: 'api.token',
  IPXLAB_API_TOKEN_FILE: 'api.tokenFile',
  IPXLAB_QOS: 'qos.discipline',
  IPXLAB_WAN: 'qos.wan',
  IPXLAB_RATE: 'qos.rateBps',
  IPXLAB_DELAY_MS: 'qos.delayMs',
  IPXLAB_JITTER_MS: 'qos.jitterMs',
  IPXLAB_LOSS: 'qos.loss',
  IPXLAB_SEED: 'qos.seed',
  IPXLAB_LFI: 'qos.lfi',
  IPXLAB_FRAGMENT_MS: 'qos.fragmentMs',
  IPXLAB_FRAGMENT_BYTES: 'qos.fragmentBytes',
  IPXLAB_WS: 'ws.listen',
  IPXLAB_WS_ROOM: 'ws.room',
  IPXLAB_WS_ORIGINS: 'ws.origins',
  IPXLAB_TLS_CERT: 'ws.tlsCert',
  IPXLAB_TLS_KEY: 'ws.tlsKey',
  IPXLAB_RECEIVE_BUFFER_BYTES: 'limits.receiveBufferBytes',
  IPXLAB_SEND_QUEUE_DATAGRAMS: 'limits.sendQueueDatagrams',
  IPXLAB_BUSY_POLL_US: 'limits.busyPollUs'
} as const

/** Variables holding a comma-separated list. */
const LIST_VARIABLES = new Set(['peers', 'ws.origins'])

type Raw = Record<string, unknown>

function setPath (target: Raw, path: string, value: unknown): void {
  const parts = path.split('.')
  let o = target
  for (const p of parts.slice(0, -1)) {
    const next = o[p]
    if (typeof next !== 'object' || next === null || Array.isArray(next)) o[p] = {}
    o = o[p] as Raw
  }
  o[parts[parts.length - 1]!] = value
}

/**
 * The settings the environment holds, as a raw config (values stay text; the schema converts
 * and checks them). `IPXLAB_PEERS` is a comma-separated list of `[udp://|tcp://]ADDR:PORT`.
 * Empty variables are ignored.
 */
export function configFromEnv (env: Readonly<Record<string, string | undefined>>): Raw {
  const out: Raw = {}
  for (const [name, path] of Object.entries(ENV_VARIABLES)) {
    const v = env[name]
    if (v === undefined || v.trim() === '') continue
    setPath(out, path, LIST_VARIABLES.has(path) ? v.split(',').map(s => s.trim()).filter(s => s !== '') : v)
  }
  return out
}

function isPlainObject (v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v)
}

/** Merges `over` into `base`: objects key by key, anything else (lists included) replaced. Records where each leaf came from. */
function merge (base: Raw, over: Raw, label: string, sources: Map<string, string>, prefix = ''): Raw {
  const out: Raw = { ...base }
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue
    const path = prefix === '' ? k : `${prefix}.${k}`
    if (isPlainObject(v)) {
      out[k] = merge(isPlainObject(out[k]) ? out[k] : {}, v, label, sources, path)
    } else {
      out[k] = v
      for (const s of [...sources.keys()]) if (s.startsWith(`${path}.`) || s.startsWith(`${path}[`)) sources.delete(s)
      sources.set(path, label)
    }
  }
  return out
}

/** What {@link mergeConfigSources} combines; each part optional. */
export interface ConfigSources {
  /** The parsed config file (JSON), and its path for messages. */
  file?: unknown
  filePath?: string
  /** The environment (`process.env`); only `IPXLAB_*` variables are read. */
  env?: Readonly<Record<string, string | undefined>>
  /** Command-line flags, already in config shape (`{ listen, peers: [...] }`). */
  flags?: Raw
}

/**
 * File, then environment, then flags (flags win), validated once at the end. Throws
 * {@link ConfigError}; its message names the source of the bad value (`IPXLAB_NETWORK`, the
 * config file, a flag).
 */
export function mergeConfigSources (sources: ConfigSources): NodeConfig {
  const where = new Map<string, string>()
  let raw: Raw = {}
  if (sources.file !== undefined) {
    if (!isPlainObject(sources.file)) throw new ConfigError('(config)', `the config file${sources.filePath === undefined ? '' : ` ${sources.filePath}`} must hold a JSON object`)
    raw = merge(raw, sources.file, `the config file${sources.filePath === undefined ? '' : ` ${sources.filePath}`}`, where)
  }
  if (sources.env !== undefined) {
    const fromEnv = configFromEnv(sources.env)
    const byPath = new Map<string, string>(Object.entries(ENV_VARIABLES).map(([n, p]) => [p, n]))
    for (const [k, v] of Object.entries(fromEnv)) {
      if (isPlainObject(v)) {
        for (const [sub, sv] of Object.entries(v)) raw = merge(raw, { [k]: { [sub]: sv } }, byPath.get(`${k}.${sub}`) ?? 'the environment', where)
      } else {
        raw = merge(raw, { [k]: v }, byPath.get(k) ?? 'the environment', where)
      }
    }
  }
  if (sources.flags !== undefined) raw = merge(raw, sources.flags, 'a command-line flag', where)
  return validateConfig(raw, where)
}

/** Reads and parses a JSON config file. Throws {@link ConfigError} (field `config`) when it cannot. */
export function readConfigFile (path: string): unknown {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError('config', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    throw new ConfigError('config', `${path} is not valid JSON: ${(err as Error).message}`)
  }
}
