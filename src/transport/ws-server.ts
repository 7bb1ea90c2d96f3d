/**
 * The WebSocket attachment: js-dos players (and any browser page) join the node's IPX network
 * through the protocol of the js-dos relay, caiiiycuk/dosbox-ipx-server ([relay]; rules in
 * ws-relay.ts). WebSocket itself is the `ws` library (websockets/ws): framing, masking, close
 * codes, ping/pong and the message size bound are its well-tested work, not ours.
 *
 * Where connections come from: a listener of its own (`--ws ADDR:PORT`, js-dos uses 1900 and
 * cannot change it, js-dos issue #405), plain or TLS (`--tls-cert/--tls-key`, wss://), and TCP
 * connections on 2644 that start with an HTTP request, handed over by the TCP demux
 * ({@link WsIpxServer.handOff}).
 *
 * Every upgrade request ends in a counter of {@link WsIpxServer.refused} or becomes a client:
 *  - path not `/ipx/<room>` → 404 `bad_path`; room name too long or not printable → 400 `bad_room`
 *    (the relay answers neither and lets the request hang up);
 *  - an `Origin` outside the allow-list → 403 `origin` (the relay allows every origin);
 *  - the total or per-IP connection bound reached → 503 `total_limit` / 429 `per_ip_limit`;
 *  - the client's node (ip:port) already a DOSBox client's on this node → 409 `node_in_use`;
 *    a WebSocket client with the same node is replaced, as the relay does (close 4000);
 *  - a bad handshake (no key, wrong version) → 400 from `ws` itself, counted `bad_handshake`.
 * The subprotocol `binary` is chosen when offered ([relay] main.go `Subprotocols`); a client that
 * offers none is served without one.
 *
 * Every close is counted by reason in {@link WsIpxServer.closed}: a text message → close 1003
 * `not_binary` (counted `unsupported`); a message over the IPX maximum (1424 bytes, DOSBox
 * IPXBUFFERSIZE) → close 1009 `oversize` by `ws`'s maxPayload (counted `oversize`); another protocol
 * error → 1002 `protocol_error`; no pong to our ping for a whole interval → terminated `liveness`;
 * no message for the idle timeout → close 1000 `idle`; stop → 1001 `stopped`.
 */
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer, WebSocket } from 'ws'
import { DOSBOX_MAX_DATAGRAM } from '../../protocol/constants.js'
import { TransportError } from '../errors.js'
import { formatHostPort } from '../address.js'
import type { HostPort } from '../address.js'
import type { Logger } from '../log.js'
import { DropReason } from './counters.js'
import type { CounterSnapshot } from './counters.js'
import { WsRelay, roomFromPath, wsClientNode } from './ws-relay.js'
import type { WsRateLimit, WsRelayClient } from './ws-relay.js'

/** The port js-dos connects to ([relay] main.go `port`; js-dos builds `<host>:1900/ipx/<room>`). */
export const JSDOS_WS_PORT = 1900
/** Default bound on open WebSocket clients. */
export const DEFAULT_WS_MAX_CONNECTIONS = 256
/** Default bound on clients from one IP address (a lab room behind one NAT stays well under it). */
export const DEFAULT_WS_MAX_PER_IP = 16
/** Default ping interval; a client that did not answer the previous ping is cut off. */
export const DEFAULT_WS_PING_INTERVAL_MS = 30_000
/** Default per-client limit: 1000 datagrams/s (a DOS game sends tens), 1 MiB/s. */
export const DEFAULT_WS_RATE_LIMIT: Readonly<WsRateLimit> = { packetsPerSecond: 1000, bytesPerSecond: 1024 * 1024 }
/** Bytes waiting in a client's socket beyond which datagrams to it are dropped `queue_full`. */
export const DEFAULT_WS_MAX_BUFFERED = 1024 * 1024
/** HTTP request deadline for the upgrade request, ms (slowloris). */
export const WS_REQUEST_TIMEOUT_MS = 5000

/** Why an upgrade request was refused. */
export type WsRefusal = 'bad_path' | 'bad_room' | 'origin' | 'total_limit' | 'per_ip_limit' | 'node_in_use' | 'bad_handshake' | 'stopped'
/** Why a client's connection closed. */
export type WsCloseReason = 'not_binary' | 'oversize' | 'protocol_error' | 'liveness' | 'idle' | 'replaced' | 'stopped' | 'peer_closed' | 'socket_error'

/** Options of {@link WsIpxServer}. */
export interface WsIpxServerOptions {
  /** A listener of its own; omitted: only connections handed over from 2644. */
  listen?: HostPort
  /** PEM certificate and key: the listener speaks TLS (wss://). */
  tls?: { cert: Buffer | string, key: Buffer | string }
  /** The room on the node's local segment, or `*` (every room); undefined: none (a bare relay). */
  mappedRoom?: string
  /** Allowed `Origin` values (`scheme://host[:port]`), or `*` for any; default any. */
  origins?: readonly string[]
  maxConnections?: number
  maxPerIp?: number
  /** Per-client token buckets (default {@link DEFAULT_WS_RATE_LIMIT}); `{}` = none. */
  rateLimit?: WsRateLimit
  /** Close a client silent this long, ms (default 600 000; 0 = never). */
  idleTimeoutMs?: number
  pingIntervalMs?: number
  maxBufferedBytes?: number
  /** An upgrade request must be whole within this, ms (default {@link WS_REQUEST_TIMEOUT_MS}). */
  requestTimeoutMs?: number
  /** True when a node is taken by another attachment (the DOSBox server's clients). */
  nodeTaken?: (node: number) => boolean
  /** Mapped segment → the router (see ws-relay.ts). */
  onForward?: (datagram: Buffer) => boolean
  /** Every datagram accepted from a client, with its room (the capture). */
  onAccepted?: (datagram: Buffer, room: string) => void
  logger?: Logger
}

/** What {@link WsIpxServer.stats} reports. */
export interface WsStats {
  listen: string | null
  tls: boolean
  mappedRoom: string | null
  clients: Array<{ node: number, address: string, room: string, registered: boolean, packets: number, bytes: number }>
  rooms: Array<{ room: string, clients: number, mapped: boolean }>
  /** Messages received from clients: delivered or dropped by reason. */
  counters: CounterSnapshot
  /** Copies sent to clients: delivered or dropped (`queue_full`, `send_failed`). */
  sent: CounterSnapshot
  refused: Partial<Record<WsRefusal, number>>
  closed: Partial<Record<WsCloseReason, number>>
}

interface Conn {
  ws: WebSocket
  client: WsRelayClient
  ip: string
  address: string
  alive: boolean
  /** When the last ping went out (performance.now). */
  pingedAt: number
  reason: WsCloseReason | undefined
}

const SEND_OPTIONS = { binary: true, compress: false }

function count<K extends string> (m: Partial<Record<K, number>>, k: K): void {
  m[k] = (m[k] ?? 0) + 1
}

/** Answers an upgrade request that is refused, and hangs up. */
function refuse (socket: Duplex, status: number, text: string): void {
  if (socket.writable) {
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text) + 1}\r\n\r\n${text}\n`)
  }
  socket.destroy()
}

/** The WebSocket attachment. Construct, {@link start}, {@link stop}. */
export class WsIpxServer {
  readonly relay: WsRelay
  readonly refused: Partial<Record<WsRefusal, number>> = {}
  readonly closed: Partial<Record<WsCloseReason, number>> = {}
  readonly #o: WsIpxServerOptions
  readonly #log: Logger | undefined
  readonly #wss: WebSocketServer
  readonly #conns = new Set<Conn>()
  readonly #perIp = new Map<string, number>()
  readonly #origins: Set<string> | undefined
  /** Serves the listener (http or https), and parses requests handed over from 2644 (plain http). */
  readonly #server: http.Server | https.Server | undefined
  readonly #handoff: http.Server
  #timer: NodeJS.Timeout | undefined
  #address: AddressInfo | undefined
  #stopping = false

  constructor (o: WsIpxServerOptions) {
    this.#o = o
    this.#log = o.logger?.child({ component: 'transport/ws' })
    this.#origins = o.origins === undefined || o.origins.includes('*') ? undefined : new Set(o.origins.map(s => s.toLowerCase()))
    this.relay = new WsRelay({
      ...(o.mappedRoom !== undefined ? { mappedRoom: o.mappedRoom } : {}),
      rateLimit: o.rateLimit ?? DEFAULT_WS_RATE_LIMIT,
      ...(o.onForward !== undefined ? { onForward: o.onForward } : {}),
      ...(o.onAccepted !== undefined ? { onAccepted: (d: Buffer, c: WsRelayClient) => { o.onAccepted!(d, c.room) } } : {})
    })
    this.#wss = new WebSocketServer({
      noServer: true,
      // The IPX maximum: a longer message is refused by ws with close 1009 before it is buffered whole.
      maxPayload: DOSBOX_MAX_DATAGRAM,
      perMessageDeflate: false,
      clientTracking: false,
      handleProtocols: (protocols) => protocols.has('binary') ? 'binary' : false
    })
    this.#wss.on('wsClientError', (_err, socket) => {
      count(this.refused, 'bad_handshake')
      refuse(socket, 400, 'bad WebSocket handshake')
    })
    const requestTimeout = o.requestTimeoutMs ?? WS_REQUEST_TIMEOUT_MS
    const httpOptions = { requestTimeout, headersTimeout: requestTimeout, maxHeaderSize: 8 * 1024, connectionsCheckingInterval: Math.max(100, Math.min(1000, requestTimeout / 2)) }
    const onRequest = (_req: http.IncomingMessage, res: http.ServerResponse): void => {
      res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket', Connection: 'close' })
      res.end('ipxlab: a WebSocket endpoint for js-dos; connect a WebSocket to /ipx/<room>\n')
    }
    this.#handoff = http.createServer(httpOptions, onRequest)
    this.#handoff.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => { this.#upgrade(req, socket, head) })
    if (o.listen !== undefined) {
      this.#server = o.tls !== undefined ? https.createServer({ ...httpOptions, cert: o.tls.cert, key: o.tls.key }, onRequest) : http.createServer(httpOptions, onRequest)
      this.#server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => { this.#upgrade(req, socket, head) })
      this.#server.on('clientError', (_err, socket) => { socket.destroy() })
      // Upgraded clients plus room for handshakes in progress; beyond that the kernel's backlog waits.
      this.#server.maxConnections = (o.maxConnections ?? DEFAULT_WS_MAX_CONNECTIONS) + 64
    }
    this.#handoff.on('clientError', (_err, socket) => { socket.destroy() })
  }

  /** Listens (when a listener is configured) and starts the liveness timer. Rejects with `TransportError`. */
  async start (): Promise<AddressInfo | undefined> {
    const interval = this.#o.pingIntervalMs ?? DEFAULT_WS_PING_INTERVAL_MS
    const idle = this.#o.idleTimeoutMs ?? 600_000
    // Often enough for both clocks: a quarter of each, at least every 50 ms and at most every 30 s.
    const period = Math.max(50, Math.min(30_000, interval / 4, idle > 0 ? idle / 4 : interval))
    this.#timer = setInterval(() => { this.#sweep() }, period)
    this.#timer.unref()
    const server = this.#server
    const listen = this.#o.listen
    if (server === undefined || listen === undefined) return undefined
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        const where = `tcp ${listen.host}:${listen.port}`
        if (err.code === 'EADDRINUSE') reject(new TransportError('IPX_ERR_ADDR_IN_USE', `${where} (WebSocket) is already in use`, { cause: err }))
        else if (err.code === 'EACCES' || err.code === 'EPERM') reject(new TransportError('IPX_ERR_ACCESS', `no permission to listen on ${where} (WebSocket)`, { cause: err }))
        else reject(new TransportError('IPX_ERR_SOCKET', `cannot listen on ${where} (WebSocket): ${err.code ?? String(err)}`, { cause: err }))
      }
      server.once('error', onError)
      server.listen({ host: listen.host, port: listen.port, exclusive: true }, () => {
        server.off('error', onError)
        resolve()
      })
    })
    server.on('error', (err: NodeJS.ErrnoException) => { this.#log?.warn('server error', { code: err.code }) })
    this.#address = server.address() as AddressInfo
    this.#log?.info('WebSocket endpoint listening', { address: this.#address.address, port: this.#address.port, tls: this.#o.tls !== undefined, room: this.#o.mappedRoom ?? null })
    return this.#address
  }

  /** The listener's bound address, once started (undefined without a listener). */
  address (): AddressInfo | undefined {
    return this.#address
  }

  /**
   * A TCP connection on 2644 that starts with an HTTP request: `head` is what was read of it so
   * far. The socket must have no other listeners left.
   */
  handOff (socket: net.Socket, head: Buffer): void {
    if (this.#stopping) {
      socket.destroy()
      return
    }
    // This server never listens, so Node checks no request deadline for it: the socket's own timer
    // does (cleared once the upgrade is answered).
    socket.setTimeout(this.#o.requestTimeoutMs ?? WS_REQUEST_TIMEOUT_MS)
    socket.once('timeout', () => { socket.destroy() })
    this.#handoff.emit('connection', socket)
    // The HTTP parser is attached; give it the bytes the demux already read.
    socket.emit('data', head)
  }

  /** True when `node` is a client of the mapped room. */
  hasNode (node: number): boolean {
    return this.relay.hasNode(node)
  }

  /** The router's datagram for the mapped room (see {@link WsRelay.deliver}). */
  deliver (d: Buffer): DropReason | undefined {
    return this.relay.deliver(d)
  }

  #upgrade (req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => { socket.destroy() })
    if (socket instanceof net.Socket) socket.setTimeout(0)
    if (this.#stopping) {
      count(this.refused, 'stopped')
      return refuse(socket, 503, 'stopping')
    }
    const room = roomFromPath(req.url ?? '')
    if (room === 'bad_path' || room === 'bad_room') {
      count(this.refused, room)
      return room === 'bad_path' ? refuse(socket, 404, 'the path is /ipx/<room>') : refuse(socket, 400, 'a room name is 1-64 printable ASCII characters')
    }
    const origin = req.headers.origin
    if (this.#origins !== undefined && (origin === undefined || !this.#origins.has(origin.toLowerCase()))) {
      count(this.refused, 'origin')
      return refuse(socket, 403, 'this Origin is not allowed')
    }
    if (this.#conns.size >= (this.#o.maxConnections ?? DEFAULT_WS_MAX_CONNECTIONS)) {
      count(this.refused, 'total_limit')
      return refuse(socket, 503, 'too many WebSocket clients')
    }
    const ip = req.socket.remoteAddress ?? ''
    const port = req.socket.remotePort ?? 0
    if ((this.#perIp.get(ip) ?? 0) >= (this.#o.maxPerIp ?? DEFAULT_WS_MAX_PER_IP)) {
      count(this.refused, 'per_ip_limit')
      return refuse(socket, 429, 'too many WebSocket clients from this address')
    }
    const node = wsClientNode(ip, port)
    if (node < 0 || port === 0 || this.#o.nodeTaken?.(node) === true) {
      count(this.refused, 'node_in_use')
      return refuse(socket, 409, 'this address and port is already a client of this node')
    }
    const serverPort = req.socket.localPort ?? 0
    this.#wss.handleUpgrade(req, socket, head, ws => { this.#open(ws, ip, port, node, room, serverPort) })
  }

  #open (ws: WebSocket, ip: string, port: number, node: number, room: string, serverPort: number): void {
    if (this.#stopping) {
      ws.close(1001, 'stopping')
      return
    }
    const previous = this.relay.client(node)
    if (previous !== undefined) {
      // The relay swaps the old connection of the same address out ([relay] ipx-handler.go:OnConnect).
      for (const c of this.#conns) if (c.client === previous) this.#close(c, 'replaced', 4000, 'replaced by a new connection')
    }
    const maxBuffered = this.#o.maxBufferedBytes ?? DEFAULT_WS_MAX_BUFFERED
    const client = this.relay.add({
      node,
      room,
      serverPort,
      send: (d) => {
        if (ws.readyState !== WebSocket.OPEN) return DropReason.SendFailed
        if (ws.bufferedAmount > maxBuffered) return DropReason.QueueFull
        ws.send(d, SEND_OPTIONS)
        return undefined
      }
    })
    if (client === undefined) {
      ws.close(4000, 'node in use')
      count(this.closed, 'replaced')
      return
    }
    const address = ip.includes(':') && !ip.startsWith('::ffff:') ? `[${ip}]:${port}` : `${ip.replace(/^::ffff:/, '')}:${port}`
    const conn: Conn = { ws, client, ip, address, alive: true, pingedAt: performance.now(), reason: undefined }
    this.#conns.add(conn)
    this.#perIp.set(ip, (this.#perIp.get(ip) ?? 0) + 1)
    this.#log?.info('WebSocket client connected', { client: address, room, mapped: this.relay.isMapped(room), clients: this.#conns.size })
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        this.relay.counters.receive(data.length)
        this.relay.counters.drop(DropReason.Unsupported)
        return this.#close(conn, 'not_binary', 1003, 'binary messages only: one IPX datagram each')
      }
      this.relay.handle(client, data)
    })
    ws.on('pong', () => { conn.alive = true })
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        this.relay.counters.receive(0)
        this.relay.counters.drop(DropReason.Oversize)
        conn.reason ??= 'oversize'
      } else {
        conn.reason ??= err.code?.startsWith('WS_ERR_') === true ? 'protocol_error' : 'socket_error'
      }
      this.#log?.debug('WebSocket client error', { client: address, code: err.code })
    })
    ws.on('close', (code: number) => {
      this.#conns.delete(conn)
      const n = (this.#perIp.get(ip) ?? 1) - 1
      if (n <= 0) this.#perIp.delete(ip)
      else this.#perIp.set(ip, n)
      this.relay.remove(client)
      const reason = conn.reason ?? 'peer_closed'
      count(this.closed, reason)
      this.#log?.info('WebSocket client disconnected', { client: address, room, reason, code })
    })
  }

  #close (c: Conn, reason: WsCloseReason, code: number, text: string): void {
    c.reason ??= reason
    c.ws.close(code, text)
    // A peer that never answers the close frame is cut off after a grace period.
    setTimeout(() => { c.ws.terminate() }, 1000).unref()
  }

  /** Liveness (ping, and terminate those that did not answer the last one) and idle expiry. */
  #sweep (): void {
    const now = performance.now()
    const idle = this.#o.idleTimeoutMs ?? 600_000
    const interval = this.#o.pingIntervalMs ?? DEFAULT_WS_PING_INTERVAL_MS
    for (const c of this.#conns) {
      if (c.reason !== undefined) continue
      if (idle > 0 && now - c.client.lastSeen > idle) {
        this.#close(c, 'idle', 1000, 'idle timeout')
        continue
      }
      if (now - c.pingedAt < interval) continue
      if (!c.alive) {
        c.reason = 'liveness'
        c.ws.terminate()
        continue
      }
      c.alive = false
      c.pingedAt = now
      c.ws.ping()
    }
  }

  /** Figures for `stats`, `/api/stats` and `/metrics`. */
  stats (): WsStats {
    const addr = this.#address
    const byNode = new Map([...this.#conns].map(c => [c.client.node, c.address]))
    return {
      listen: addr === undefined ? null : formatHostPort(addr.address, addr.port),
      tls: this.#o.tls !== undefined,
      mappedRoom: this.#o.mappedRoom ?? null,
      clients: this.relay.clients().map(c => ({ node: c.node, address: byNode.get(c.node) ?? '', room: c.room, registered: c.registered, packets: c.packets, bytes: c.bytes })),
      rooms: this.relay.rooms(),
      counters: this.relay.counters.snapshot(),
      sent: this.relay.sent.snapshot(),
      refused: { ...this.refused },
      closed: { ...this.closed }
    }
  }

  /** Closes every client (1001) and the listener. Idempotent. */
  async stop (): Promise<void> {
    if (this.#stopping) return
    this.#stopping = true
    if (this.#timer !== undefined) clearInterval(this.#timer)
    const closing = [...this.#conns].map(c => new Promise<void>(resolve => {
      c.ws.once('close', () => { resolve() })
      this.#close(c, 'stopped', 1001, 'node stopping')
    }))
    await Promise.all(closing)
    const server = this.#server
    if (server?.listening === true) {
      await new Promise<void>(resolve => {
        server.close(() => { resolve() })
        server.closeAllConnections()
      })
    }
    this.#handoff.closeAllConnections()
  }
}

