/**
 * `ipxlab node`: one emulated node. Serves DOSBox IPXNET clients and native peers on the listen
 * address (UDP and TCP), routes or bridges between them, prints its address on start (ipxbox users
 * asked for exactly that, fragglet/ipxbox#44) with the `IPXNET CONNECT` line to type, its dashboard
 * and status API, logs who registers and which links come up, and on
 * SIGINT/SIGTERM says goodbye, stops cleanly and prints its counters.
 *
 * Settings come from `--config FILE` (JSON), then `IPXLAB_*` environment variables, then flags;
 * flags win, and the result is validated once (a wrong value is one line naming the field).
 */
import os from 'node:os'
import { startNode } from '../node/node.js'
import type { IpxNode } from '../node/node.js'
import { mergeConfigSources, readConfigFile } from '../node/config.js'
import { linkTicks } from '../node/router.js'
import { describeQos } from '../node/qos-options.js'
import { createLogger } from '../log.js'
import { ConfigError } from '../errors.js'
import { loadOrCreateKeyFile } from '../node/key-file.js'
import type { Io } from './main.js'
import { formatHostPort } from '../address.js'

/** The flags of `ipxlab node`, as commander parses them. */
export interface NodeFlags {
  config?: string
  listen?: string
  snp?: string
  peer?: string[]
  mode?: string
  /** `--bridge-relay`: bridge mode relays one peer's frames to the other peers. */
  bridgeRelay?: boolean
  network?: string
  name?: string
  node?: string
  key?: string
  /** `--key-file`: read the key from this file, made with a new key when absent (src/node/key-file.ts). */
  keyFile?: string
  capture?: string
  maxClients?: number
  idleTimeout?: number
  keepalive?: number
  maxPerIp?: number
  rateLimit?: number
  tcpMaxConnections?: number
  tcpMaxPerIp?: number
  tcpIdleTimeout?: number
  /** `--busy-poll`: µs the 2644 socket is polled after each datagram (0 = off). */
  busyPoll?: number
  api?: string
  apiToken?: string
  apiTokenFile?: string
  qos?: string
  wan?: string
  rate?: string
  delay?: string
  jitter?: string
  loss?: string
  seed?: string
  lfi?: string
  fragmentMs?: string
  fragmentBytes?: string
  ws?: string
  wsRoom?: string
  wsOrigin?: string[]
  tlsCert?: string
  tlsKey?: string
  logLevel: string
}

/** Options of {@link runNode}. */
export interface NodeCommandOptions extends NodeFlags {
  /** Resolves when the node should stop; default: the first SIGINT or SIGTERM. */
  until?: Promise<unknown>
  /** Called once the node is up (tests). */
  onStarted?: (node: IpxNode) => void
  env?: Readonly<Record<string, string | undefined>>
}

/**
 * The first SIGINT or SIGTERM, as a promise, and a way to stop listening. Installed before the node
 * starts: a signal that arrives while it binds, or right after the banner (a supervisor or a test
 * that stops the node as soon as it reads the banner), then ends the node cleanly instead of taking
 * the default action, which kills the process before its goodbye and final counters.
 */
function listenForSignal (): { signal: Promise<string>, dispose: () => void } {
  let stop: (sig: string) => void = () => {}
  const signal = new Promise<string>(resolve => {
    stop = (sig: string): void => {
      dispose()
      resolve(sig)
    }
  })
  const dispose = (): void => {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  return { signal, dispose }
}

/** Flags in the config file's shape; only those given. */
function flagsToConfig (f: NodeFlags): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (f.listen !== undefined) out.listen = f.listen
  if (f.snp !== undefined) out.snpListen = f.snp
  if (f.peer !== undefined && f.peer.length > 0) out.peers = f.peer
  if (f.mode !== undefined) out.mode = f.mode
  if (f.bridgeRelay === true) out.bridgeRelay = true
  if (f.network !== undefined) out.network = f.network
  if (f.name !== undefined) out.name = f.name
  if (f.node !== undefined) out.node = f.node
  if (f.key !== undefined) out.key = f.key
  if (f.capture !== undefined) out.capture = f.capture
  const limits: Record<string, unknown> = {}
  if (f.maxClients !== undefined) limits.maxClients = f.maxClients
  if (f.idleTimeout !== undefined) limits.idleTimeoutMs = f.idleTimeout * 1000
  if (f.keepalive !== undefined) limits.keepaliveMs = f.keepalive * 1000
  if (f.maxPerIp !== undefined) limits.maxPerIp = f.maxPerIp
  if (f.rateLimit !== undefined) limits.rateLimit = { packetsPerSecond: f.rateLimit }
  if (f.tcpMaxConnections !== undefined) limits.tcpMaxConnections = f.tcpMaxConnections
  if (f.tcpMaxPerIp !== undefined) limits.tcpMaxPerIp = f.tcpMaxPerIp
  if (f.tcpIdleTimeout !== undefined) limits.tcpIdleMs = f.tcpIdleTimeout * 1000
  if (f.busyPoll !== undefined) limits.busyPollUs = f.busyPoll
  if (Object.keys(limits).length > 0) out.limits = limits
  const api: Record<string, unknown> = {}
  if (f.api !== undefined) api.listen = f.api
  if (f.apiToken !== undefined) api.token = f.apiToken
  if (f.apiTokenFile !== undefined) api.tokenFile = f.apiTokenFile
  if (Object.keys(api).length > 0) out.api = api
  const qos: Record<string, unknown> = {}
  const qosFlags = { qos: 'discipline', wan: 'wan', rate: 'rateBps', delay: 'delayMs', jitter: 'jitterMs', loss: 'loss', seed: 'seed', lfi: 'lfi', fragmentMs: 'fragmentMs', fragmentBytes: 'fragmentBytes' } as const
  for (const [flag, key] of Object.entries(qosFlags)) {
    const v = f[flag as keyof typeof qosFlags]
    if (v !== undefined) qos[key] = v
  }
  if (Object.keys(qos).length > 0) out.qos = qos
  const ws: Record<string, unknown> = {}
  if (f.ws !== undefined) ws.listen = f.ws
  if (f.wsRoom !== undefined) ws.room = f.wsRoom
  if (f.wsOrigin !== undefined && f.wsOrigin.length > 0) ws.origins = f.wsOrigin
  if (f.tlsCert !== undefined) ws.tlsCert = f.tlsCert
  if (f.tlsKey !== undefined) ws.tlsKey = f.tlsKey
  if (Object.keys(ws).length > 0) out.ws = ws
  return out
}

/** The lines that tell how a js-dos page reaches the node. */
function wsLines (node: IpxNode, udpPort: number): string[] {
  const w = node.config.ws
  const a = node.ws?.server.address()
  if (w === undefined || a === undefined) return []
  const scheme = w.tlsCert !== undefined ? 'wss' : 'ws'
  const shown = formatHostPort(a.address, a.port)
  const room = w.room === '*' ? '<any room>' : w.room
  return [
    `  js-dos / browsers: ${scheme}://${shown}/ipx/${room}${w.tunnelPort ? ` (also ws:// on tcp ${udpPort})` : ''}` +
      `${w.room === '*' ? ', every room on this node\'s segment' : ', other rooms kept apart'}` +
      `${w.origins.includes('*') ? ', any Origin' : `, Origin ${w.origins.join(' ')}`}`
  ]
}

/**
 * The addresses a person can reach a node on: its listen host, or for a wildcard (0.0.0.0, ::) the
 * machine's own IPv4 addresses (non-internal first, loopback when there is no other).
 */
export function reachableHosts (host: string, interfaces: ReturnType<typeof os.networkInterfaces> = os.networkInterfaces()): string[] {
  if (host !== '0.0.0.0' && host !== '::' && host !== '') return [host]
  const v4 = Object.values(interfaces).flatMap(list => list ?? []).filter(i => i.family === 'IPv4')
  const external = v4.filter(i => !i.internal).map(i => i.address)
  return external.length > 0 ? external : ['127.0.0.1']
}

/** The start-up lines: where the node listens, what DOSBox types, the status API and the dashboard. */
export function banner (node: IpxNode): string {
  const config = node.config
  const { address, port } = node.address()
  const lines = [`ipxlab node ${config.name} listening on udp+tcp ${formatHostPort(address, port)} (${config.mode} mode, network ${config.network.toString(16).padStart(8, '0').toUpperCase()})`]
  // DOSBox 0.74's IPXNET CONNECT takes a host name or an IPv4 address and a port.
  for (const h of reachableHosts(address)) lines.push(`  DOSBox clients: IPXNET CONNECT ${h} ${port}`)
  const api = node.api
  if (api !== undefined) {
    const h = reachableHosts(api.address)[0]!
    lines.push(`  dashboard: http://${formatHostPort(h, api.port)}/`)
    lines.push(`  status API: http://${formatHostPort(h, api.port)}/api/stats (also /metrics, /healthz; ipxlab stats --node ${formatHostPort(h, api.port)})${config.api.token !== undefined ? ' (bearer token required but for /healthz)' : ''}`)
  }
  lines.push(`  QoS: ${describeQos(config.qos)}`)
  for (const p of config.peers) {
    const own = describeQos(p.qos)
    // Route mode: a slow link's tick delay, which RIP adds to the routes heard over it (issue 16).
    const ticks = config.mode === 'route' ? linkTicks(p.qos) : 1
    lines.push(`  peer: ${p.transport}://${p.address}${p.key !== undefined ? ' (authenticated)' : ''}${own !== describeQos(config.qos) ? `, QoS: ${own}` : ''}${ticks > 1 ? `, ${ticks} ticks` : ''}`)
  }
  lines.push(...wsLines(node, port))
  if (config.capture === '-') lines.push('  capture: pcapng on standard output (these lines and the log go to standard error)')
  return lines.join('\n') + '\n'
}

/** Runs the node until stopped; returns the exit status. */
export async function runNode (options: NodeCommandOptions, io: Io): Promise<number> {
  const levels = ['error', 'warn', 'info', 'debug']
  if (!levels.includes(options.logLevel)) throw new ConfigError('log-level', `must be one of ${levels.join(', ')}`)
  const env = options.env ?? process.env
  const keyFile = options.keyFile ?? (env.IPXLAB_KEY_FILE?.trim() !== '' ? env.IPXLAB_KEY_FILE : undefined)
  let keyNote: string | undefined
  let flags = options
  if (keyFile !== undefined) {
    if (options.key !== undefined || (env.IPXLAB_KEY ?? '').trim() !== '') throw new ConfigError('key-file', 'give the key once: --key-file (IPXLAB_KEY_FILE) or --key (IPXLAB_KEY), not both')
    const k = loadOrCreateKeyFile(keyFile)
    flags = { ...options, key: k.text }
    keyNote = k.created ? `  key: made a new one in ${keyFile} (copy that file to the other nodes of the lab)` : `  key: from ${keyFile}`
  }
  const config = mergeConfigSources({
    ...(options.config !== undefined ? { file: readConfigFile(options.config), filePath: options.config } : {}),
    env,
    flags: flagsToConfig(flags)
  })
  const logger = createLogger({ level: options.logLevel, stream: io.stderr })
  // `--capture -`: standard output carries the pcapng stream (to Wireshark or tshark), so every
  // line for a person goes to standard error.
  const out = config.capture === '-' ? io.stderr : io.stdout
  const signals = options.until === undefined ? listenForSignal() : undefined
  let node: IpxNode
  let why: unknown
  try {
    node = await startNode(config, { logger })
    out.write(banner(node))
    if (keyNote !== undefined) out.write(keyNote + '\n')
    options.onStarted?.(node)
    why = await (options.until ?? signals!.signal)
  } finally {
    signals?.dispose()
  }
  await node.stop()
  const c = node.dosbox.counters.snapshot()
  const drops = Object.entries(c.dropped).filter(([, n]) => n > 0).map(([r, n]) => `${r} ${n}`).join(', ')
  const r = node.router.counters
  out.write(`ipxlab node stopped (${String(why)}): ${c.received} datagrams received, ${c.delivered} delivered, ` +
    `${node.dosbox.counters.totalDropped()} dropped${drops !== '' ? ` (${drops})` : ''}; router ${r.delivered} delivered, ${r.totalDropped()} dropped\n`)
  for (const p of node.stats().peers) {
    // Per class on each link, what the QoS stage did (issue 11): the figures `ipxlab stats` shows live.
    const rows = Object.entries(p.qos.classes).filter(([, k]) => k.packets > 0)
    if (rows.length === 0) continue
    out.write(`  link to ${p.address} (qos ${p.qos.qos ?? p.qos.discipline}${p.qos.profile != null ? ` on ${p.qos.profile}` : ''}${p.qos.lfi?.enabled === true ? `, LFI: ${p.qos.lfi.fragmentsSent} fragments sent` : ''}):\n`)
    for (const [c, k] of rows) {
      const dropped = Object.values(k.drops).reduce((a, b) => a + b, 0)
      out.write(`    ${c.padEnd(16)} ${k.packets} packets, ${k.sentPackets} sent, ${dropped} dropped, queue p50 ${k.p50Ms.toFixed(1)} ms p99 ${k.p99Ms.toFixed(1)} ms\n`)
    }
  }
  return 0
}
