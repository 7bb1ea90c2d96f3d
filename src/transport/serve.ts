/**
 * `startDosboxNode()`: what `ipxlab node --listen ADDR:PORT` calls. It binds a {@link UdpEndpoint},
 * runs the {@link DosboxServer} on it, and owns the sweep and keepalive timers. It logs
 * registrations and expiries through the given logger and prints nothing itself.
 */
import type { AddressInfo } from 'node:net'
import { isIP } from 'node:net'
import { ConfigError } from '../errors.js'
import type { Logger } from '../log.js'
import { UdpEndpoint } from './udp-endpoint.js'
import { DosboxServer } from './dosbox-server.js'
import type { DosboxClientInfo, DosboxServerOptions } from './dosbox-server.js'
import type { Counters } from './counters.js'

/** IANA `travsoft-ipx-t`, the data-plane port (architecture.md). */
export const TUNNEL_PORT = 2644

/** A host and UDP port to bind. */
export interface ListenAddress {
  host: string
  port: number
}

/**
 * Parses `ADDR:PORT`, `[V6ADDR]:PORT`, `ADDR` (port 2644) or `PORT` (0.0.0.0). Throws
 * {@link ConfigError} with field `listen`.
 */
export function parseListenAddress (text: string, field = 'listen'): ListenAddress {
  const t = text.trim()
  let host: string
  let portText: string | undefined
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(t)
  if (v6 !== null) {
    host = v6[1]!
    portText = v6[2]
  } else if (/^\d+$/.test(t)) {
    host = '0.0.0.0'
    portText = t
  } else if (isIP(t) === 6) {
    host = t
  } else {
    const i = t.lastIndexOf(':')
    host = i < 0 ? t : t.slice(0, i)
    portText = i < 0 ? undefined : t.slice(i + 1)
  }
  if (host === 'localhost') host = '127.0.0.1'
  if (isIP(host) === 0) throw new ConfigError(field, `not an IP address: ${JSON.stringify(host)}`)
  const port = portText === undefined ? TUNNEL_PORT : Number(portText)
  if (!/^\d+$/.test(portText ?? '0') || !Number.isInteger(port) || port < 0 || port > 0xffff) throw new ConfigError(field, `bad UDP port ${JSON.stringify(portText)}`)
  return { host, port }
}

/** Options of {@link startDosboxNode}. */
export interface DosboxNodeOptions extends Omit<DosboxServerOptions, 'send' | 'serverPort'> {
  /** Where to listen: `ADDR:PORT` text or a {@link ListenAddress}. */
  listen: string | ListenAddress
  /** Keepalive ping interval in ms (DOSBox-style ping to socket 2, keeps NAT open); 0 or omitted = off. */
  keepaliveMs?: number
  /** SO_RCVBUF request (default 4 MiB). */
  recvBufferSize?: number
  /** SO_SNDBUF request (default 4 MiB). */
  sendBufferSize?: number
}

/** A running DOSBox-role node. */
export interface DosboxNode {
  /** The bound address. */
  address: AddressInfo
  /** Stops the timers and closes the socket. Idempotent. */
  stop: () => Promise<void>
  /** The server's per-datagram counters (live object). */
  counters: Counters
  /** Copies of the registered clients. */
  clients: () => DosboxClientInfo[]
  /** The server, for the node layer's seams and tests. */
  server: DosboxServer
  /** The socket wrapper. */
  endpoint: UdpEndpoint
}

/**
 * Binds and starts the DOSBox IPXNET server role. Rejects with `TransportError`
 * (`IPX_ERR_ADDR_IN_USE`, `IPX_ERR_ACCESS`) when the port cannot be bound, `ConfigError` for a bad
 * `listen` text.
 */
export async function startDosboxNode (options: DosboxNodeOptions): Promise<DosboxNode> {
  const listen = typeof options.listen === 'string' ? parseListenAddress(options.listen) : options.listen
  const logger: Logger | undefined = options.logger?.child({ component: 'transport/dosbox' })
  // The server needs the bound port (it appears in every ack), the socket needs the handler first.
  const ref: { server?: DosboxServer } = {}
  const endpoint = new UdpEndpoint({
    host: listen.host,
    port: listen.port,
    onMessage: (d, rinfo) => { ref.server?.handle(d, rinfo) },
    ...(options.recvBufferSize !== undefined ? { recvBufferSize: options.recvBufferSize } : {}),
    ...(options.sendBufferSize !== undefined ? { sendBufferSize: options.sendBufferSize } : {}),
    ...(logger !== undefined ? { logger } : {})
  })
  const address = await endpoint.start()
  const serverOptions: Partial<DosboxNodeOptions> = { ...options }
  delete serverOptions.listen
  delete serverOptions.keepaliveMs
  delete serverOptions.recvBufferSize
  delete serverOptions.sendBufferSize
  const s = new DosboxServer({
    ...serverOptions,
    ...(logger !== undefined ? { logger } : {}),
    serverPort: address.port,
    send: (d, port, host) => { endpoint.send(d, port, host) }
  })
  ref.server = s
  const keepaliveMs = options.keepaliveMs
  if ((options.idleTimeoutMs ?? 1) > 0) endpoint.every(s.sweepIntervalMs(), () => { s.sweep() })
  if (keepaliveMs !== undefined && keepaliveMs > 0) endpoint.every(keepaliveMs, () => { s.keepalive() })
  logger?.info('DOSBox IPXNET server listening', { address: address.address, port: address.port })
  return {
    address,
    stop: async () => { await endpoint.stop() },
    counters: s.counters,
    clients: () => s.clients(),
    server: s,
    endpoint
  }
}
