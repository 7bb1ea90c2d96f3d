/**
 * `ipxlab node`: one emulated node. Serves DOSBox IPXNET clients and native peers on the listen
 * address (UDP and TCP), routes or bridges between them, prints its address on start (ipxbox users
 * asked for exactly that, fragglet/ipxbox#44), logs who registers and which links come up, and on
 * SIGINT/SIGTERM says goodbye, stops cleanly and prints its counters.
 *
 * Settings come from `--config FILE` (JSON), then `IPXLAB_*` environment variables, then flags;
 * flags win, and the result is validated once (a wrong value is one line naming the field).
 */
import { startNode } from '../node/node.js'
import type { IpxNode } from '../node/node.js'
import { mergeConfigSources, readConfigFile } from '../node/config.js'
import { createLogger } from '../log.js'
import { ConfigError } from '../errors.js'
import type { Io } from './main.js'

/** The flags of `ipxlab node`, as commander parses them. */
export interface NodeFlags {
  config?: string
  listen?: string
  snp?: string
  peer?: string[]
  mode?: string
  network?: string
  name?: string
  node?: string
  key?: string
  capture?: string
  maxClients?: number
  idleTimeout?: number
  keepalive?: number
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

function untilSignal (): Promise<string> {
  return new Promise(resolve => {
    const stop = (sig: string): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve(sig)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

/** Flags in the config file's shape; only those given. */
function flagsToConfig (f: NodeFlags): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (f.listen !== undefined) out.listen = f.listen
  if (f.snp !== undefined) out.snpListen = f.snp
  if (f.peer !== undefined && f.peer.length > 0) out.peers = f.peer
  if (f.mode !== undefined) out.mode = f.mode
  if (f.network !== undefined) out.network = f.network
  if (f.name !== undefined) out.name = f.name
  if (f.node !== undefined) out.node = f.node
  if (f.key !== undefined) out.key = f.key
  if (f.capture !== undefined) out.capture = f.capture
  const limits: Record<string, unknown> = {}
  if (f.maxClients !== undefined) limits.maxClients = f.maxClients
  if (f.idleTimeout !== undefined) limits.idleTimeoutMs = f.idleTimeout * 1000
  if (f.keepalive !== undefined) limits.keepaliveMs = f.keepalive * 1000
  if (Object.keys(limits).length > 0) out.limits = limits
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
  const shown = a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`
  const room = w.room === '*' ? '<any room>' : w.room
  return [
    `  js-dos / browsers: ${scheme}://${shown}/ipx/${room}${w.tunnelPort ? ` (also ws:// on tcp ${udpPort})` : ''}` +
      `${w.room === '*' ? ', every room on this node\'s segment' : ', other rooms kept apart'}` +
      `${w.origins.includes('*') ? ', any Origin' : `, Origin ${w.origins.join(' ')}`}`
  ]
}

/** Runs the node until stopped; returns the exit status. */
export async function runNode (options: NodeCommandOptions, io: Io): Promise<number> {
  const levels = ['error', 'warn', 'info', 'debug']
  if (!levels.includes(options.logLevel)) throw new ConfigError('log-level', `must be one of ${levels.join(', ')}`)
  const config = mergeConfigSources({
    ...(options.config !== undefined ? { file: readConfigFile(options.config), filePath: options.config } : {}),
    env: options.env ?? process.env,
    flags: flagsToConfig(options)
  })
  const logger = createLogger({ level: options.logLevel, stream: io.stderr })
  const node = await startNode(config, { logger })
  const { address, port } = node.address()
  const shown = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`
  io.stdout.write(`ipxlab node ${config.name} listening on udp+tcp ${shown} (${config.mode} mode, network ${config.network.toString(16).padStart(8, '0').toUpperCase()})\n`)
  io.stdout.write(`  DOSBox clients: IPXNET CONNECT <this host's address> ${port}\n`)
  for (const line of wsLines(node, port)) io.stdout.write(`${line}\n`)
  for (const p of config.peers) io.stdout.write(`  peer: ${p.transport}://${p.address}${p.key !== undefined ? ' (authenticated)' : ''}\n`)
  options.onStarted?.(node)
  const why = await (options.until ?? untilSignal())
  await node.stop()
  const c = node.dosbox.counters.snapshot()
  const drops = Object.entries(c.dropped).filter(([, n]) => n > 0).map(([r, n]) => `${r} ${n}`).join(', ')
  const r = node.router.counters
  io.stdout.write(`ipxlab node stopped (${String(why)}): ${c.received} datagrams received, ${c.delivered} delivered, ` +
    `${node.dosbox.counters.totalDropped()} dropped${drops !== '' ? ` (${drops})` : ''}; router ${r.delivered} delivered, ${r.totalDropped()} dropped\n`)
  return 0
}
