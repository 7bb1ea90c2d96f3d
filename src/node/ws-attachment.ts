/**
 * The node's side of the WebSocket attachment (issue 14): builds the {@link WsIpxServer} from the
 * `ws` settings and makes its mapped room a router port of its own, `ws`, a local port on the
 * node's network, as the DOSBox relay over TCP is (node.ts). So js-dos players in that room, the
 * node's DOSBox clients on UDP and other nodes' clients across the native tunnel share one IPX
 * network; what the router hands the port goes to {@link WsIpxServer.deliver}.
 */
import { readFileSync } from 'node:fs'
import { ConfigError } from '../errors.js'
import type { Logger } from '../log.js'
import { WsIpxServer } from '../transport/ws-server.js'
import type { DropReason } from '../transport/counters.js'
import type { PortOptions, Router } from './router.js'
import type { WsConfig } from './config.js'

/** The router port of the mapped room. */
export const WS_PORT_ID = 'ws'

/** What {@link createWsAttachment} needs from the node. */
export interface WsAttachmentDeps {
  config: WsConfig
  router: Router
  /** The node's network (the port's, in route mode). */
  network: number
  now: () => number
  /** True when a DOSBox client of the node has this node address. */
  dosboxHas: (node: number) => boolean
  /** Records a datagram for the capture, on the interface of `room`. */
  capture: (datagram: Buffer, room: string) => void
  /** Counts what the attachment did with a datagram the router handed it. */
  attached: (datagram: Buffer, verdict: DropReason | undefined) => void
  logger: Logger
}

function readPem (path: string, field: string): Buffer {
  try {
    return readFileSync(path)
  } catch (err) {
    throw new ConfigError(field, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
}

/** The server and its router port; the node adds the port, then starts the server. */
export interface WsAttachment {
  server: WsIpxServer
  port: PortOptions
}

/** Builds the server and its `ws` port (neither started nor added). Throws ConfigError for unreadable TLS files. */
export function createWsAttachment (d: WsAttachmentDeps): WsAttachment {
  const c = d.config
  const tls = c.tlsCert !== undefined && c.tlsKey !== undefined ? { cert: readPem(c.tlsCert, 'ws.tlsCert'), key: readPem(c.tlsKey, 'ws.tlsKey') } : undefined
  const server = new WsIpxServer({
    listen: c.listen,
    ...(tls !== undefined ? { tls } : {}),
    mappedRoom: c.room,
    origins: c.origins,
    maxConnections: c.maxConnections,
    maxPerIp: c.maxPerIp,
    rateLimit: c.rateLimit,
    idleTimeoutMs: c.idleTimeoutMs,
    pingIntervalMs: c.pingIntervalMs,
    nodeTaken: d.dosboxHas,
    onAccepted: (datagram, room) => { d.capture(datagram, room) },
    onForward: (datagram) => d.router.forward(datagram, WS_PORT_ID, d.now()) === undefined,
    logger: d.logger
  })
  const port: PortOptions = {
    id: WS_PORT_ID,
    kind: 'local',
    network: d.network,
    send: (datagram) => {
      d.capture(datagram, c.room)
      d.attached(datagram, server.deliver(datagram))
    },
    hasNode: (n) => server.hasNode(n)
  }
  return { server, port }
}
