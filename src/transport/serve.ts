/**
 * `startDosboxNode()`: what `ipxlab node --listen ADDR:PORT` calls. It binds a {@link UdpEndpoint},
 * runs the {@link DosboxServer} on it, and owns the sweep and keepalive timers. It logs
 * registrations and expiries through the given logger and prints nothing itself.
 */
import type { AddressInfo } from 'node:net'
import { parseAddress } from '../address.js'
import type { HostPort } from '../address.js'
import type { Logger } from '../log.js'
import { UdpEndpoint } from './udp-endpoint.js'
import { DosboxServer } from './dosbox-server.js'
import type { DosboxClientInfo, DosboxServerOptions } from './dosbox-server.js'
import type { Counters } from './counters.js'

/** IANA `travsoft-ipx-t`, the data-plane port (architecture.md). */
export const TUNNEL_PORT = 2644

/** Where a server listens. */
export type ListenAddress = HostPort

/** `ADDR:PORT`, `[V6]:PORT`, an IP or a `PORT` for a listening socket (src/address.ts); ConfigError naming `field`. */
export function parseListenAddress (text: string, field = 'listen'): ListenAddress {
  return parseAddress(text, field, { allowNames: false, defaultPort: TUNNEL_PORT })
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
  /** Bound on libuv's send queue, datagrams (default 64, udp-endpoint.ts `DEFAULT_MAX_SEND_QUEUE`). */
  maxSendQueue?: number
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
    ...(options.maxSendQueue !== undefined ? { maxSendQueue: options.maxSendQueue } : {}),
    ...(logger !== undefined ? { logger } : {})
  })
  const address = await endpoint.start()
  const serverOptions: Partial<DosboxNodeOptions> = { ...options }
  delete serverOptions.listen
  delete serverOptions.keepaliveMs
  delete serverOptions.recvBufferSize
  delete serverOptions.sendBufferSize
  delete serverOptions.maxSendQueue
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
