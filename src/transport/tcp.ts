/**
 * Port 2644 over TCP (protocol/tunnel/SPEC.md §6). A connection carries one framing for its whole
 * life, chosen by its first two bytes:
 *  - `IX`: native frames back to back (`NativeDeframer`), handed to a {@link NativeLink};
 *  - `FF FF`: bare IPX packets delimited by the IPX length field (`IpxLengthDeframer`), the framing
 *    the js-dos relay uses for DOSBox traffic, handed to an `onIpx` handler;
 *  - `GE` (an HTTP `GET`, a WebSocket upgrade) when the owner takes HTTP (`onHttp`): the socket is
 *    handed over whole, with the bytes read so far (ws-server.ts, issue 14);
 *  - anything else: the connection is closed with a logged reason.
 *
 * A framing error desynchronises the stream, so it closes THAT connection (with its reason logged
 * and counted `malformed`) and nothing else (style guide §5.3; ws closes with 1002, MQTT "MUST
 * close"). Sending respects backpressure: once `socket.write` returns false, frames wait in a
 * bounded per-connection queue until `'drain'`; a full queue drops the frame as `queue_full`.
 *
 * {@link TcpTunnelServer} accepts connections; {@link TcpLinkDialer} keeps one outgoing native
 * link connected, reconnecting with bounded exponential backoff and jitter.
 */
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { DecodeError } from '../../protocol/errors.js'
import { hex } from '../../protocol/constants.js'
import { classify } from '../../protocol/tunnel/frame.js'
import type { Encapsulation } from '../../protocol/tunnel/frame.js'
import { IpxLengthDeframer, NativeDeframer } from '../../protocol/tunnel/deframe.js'
import { TransportError } from '../errors.js'
import type { Logger } from '../log.js'
import { Counters, DropReason } from './counters.js'
import type { FrameSink, NativeLink } from './native-link.js'
import { ConnectionLimiter } from './connection-limiter.js'
import type { ConnectionLimits } from './connection-limiter.js'
import { ConnectionDeadlines } from './connection-deadlines.js'
import type { DeadlineOptions } from './connection-deadlines.js'
import { LogLimiter } from '../log-limiter.js'

/**
 * Default send queue bound per connection: 256 frames or 1 MiB, whichever comes first. Rationale:
 * behind Node's own writable buffer (16 KiB high-water mark), this holds about a second of a busy
 * game link (a few hundred packets per second); beyond that, queueing only adds latency, and a
 * drop that the QoS stage can see is better (ipxbox `maxBufferedPackets` makes the same trade).
 */
export const DEFAULT_MAX_QUEUE_FRAMES = 256
export const DEFAULT_MAX_QUEUE_BYTES = 1024 * 1024
/** Default largest bare IPX packet on a stream: DOSBox's IPXBUFFERSIZE ([074] include/ipx.h:107). */
export const DEFAULT_MAX_IPX_LENGTH = 1424

/** Why a connection closed (logged, and counted in the owner's `closeReasons`). */
export type CloseReason =
  | 'framing_error' | 'unknown_encapsulation' | 'unexpected_encapsulation' | 'unknown_peer' | 'rejected'
  | 'replaced' | 'peer_closed' | 'socket_error' | 'stopped' | 'connect_timeout'
  | 'first_frame_timeout' | 'idle_timeout' | 'bad_checksum' | 'handed_off'

/** Options shared by every TCP connection. */
export interface TcpConnectionOptions {
  /** Send queue bound in frames (default {@link DEFAULT_MAX_QUEUE_FRAMES}). */
  maxQueueFrames?: number
  /** Send queue bound in bytes (default {@link DEFAULT_MAX_QUEUE_BYTES}). */
  maxQueueBytes?: number
  /** Largest native frame accepted (default 65 535). */
  maxFrameLength?: number
  /** Largest bare IPX packet accepted (default {@link DEFAULT_MAX_IPX_LENGTH}). */
  maxIpxLength?: number
  /** Deadlines for the first whole frame and between frames (issue 13); absent: none. */
  deadlines?: DeadlineOptions
  logger?: Logger
}

interface ConnectionEvents {
  /** The first two bytes arrived. Return false to refuse the framing (the connection closes). */
  onKind: (conn: TcpFrameConnection, kind: 'native' | 'ipx') => boolean
  /** One whole frame (a view into the received chunk: copy what you keep). Returns its verdict. */
  onFrame: (frame: Buffer, conn: TcpFrameConnection) => DropReason | undefined
  /** Called once, whatever closed it. */
  onClose: (conn: TcpFrameConnection, reason: CloseReason, detail: string) => void
  /** Whether to log this close (a rate limit per source); default yes. */
  logClose?: (conn: TcpFrameConnection, reason: CloseReason) => boolean
  /** A stream that starts `GE` (HTTP GET): take the socket and the bytes read, or return false. */
  onHttp?: (socket: net.Socket, head: Buffer) => boolean
}

/** Per-connection figures. */
export interface TcpConnectionStats {
  framesIn: number
  framesOut: number
  /** Frames that waited in the queue (socket.write had returned false). */
  queued: number
  /** Frames refused because the queue was full. */
  queueFull: number
  /** Most frames ever waiting at once. */
  maxQueued: number
  /** Queued frames thrown away because the connection closed. */
  discarded: number
}

/** One TCP connection carrying frames in either framing; owned by a server or a dialer. */
export class TcpFrameConnection {
  readonly stats: TcpConnectionStats = { framesIn: 0, framesOut: 0, queued: 0, queueFull: 0, maxQueued: 0, discarded: 0 }
  /** The remote ip and port. */
  readonly remoteAddress: string
  readonly remotePort: number
  /** Resolves when the socket is fully closed. */
  readonly closed: Promise<void>
  /** Free slot for the owner (the server keeps the link here). */
  link: NativeLink | undefined
  readonly #socket: net.Socket
  readonly #events: ConnectionEvents
  readonly #log: Logger | undefined
  readonly #maxFrames: number
  readonly #maxBytes: number
  readonly #maxFrame: number
  readonly #maxIpx: number
  #kind: Encapsulation | undefined
  #deframer: NativeDeframer | IpxLengthDeframer | undefined
  #pending: Buffer | undefined
  #blocked = false
  #queue: Buffer[] = []
  #head = 0
  #queuedBytes = 0
  #closing = false
  /** Set by {@link end}: the reason to report when the socket then closes. */
  #ending: CloseReason | undefined
  /** The sink to attach to a link: this connection's {@link send}. */
  readonly sink: FrameSink
  readonly #deadlines: ConnectionDeadlines | undefined

  constructor (socket: net.Socket, options: TcpConnectionOptions, events: ConnectionEvents) {
    this.#socket = socket
    this.#events = events
    this.remoteAddress = socket.remoteAddress ?? ''
    this.remotePort = socket.remotePort ?? 0
    this.#log = options.logger
    this.#maxFrames = options.maxQueueFrames ?? DEFAULT_MAX_QUEUE_FRAMES
    this.#maxBytes = options.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES
    this.#maxFrame = options.maxFrameLength ?? 0xffff
    this.#maxIpx = options.maxIpxLength ?? DEFAULT_MAX_IPX_LENGTH
    this.sink = frame => this.send(frame)
    // Game packets are small and latency-bound: no Nagle (RFC 896) delay.
    socket.setNoDelay(true)
    this.closed = new Promise(resolve => { socket.once('close', () => { resolve() }) })
    socket.on('data', this.#onDataListener)
    socket.on('drain', this.#onDrain)
    socket.on('error', this.#onError)
    socket.on('close', this.#onClose)
    this.#deadlines = options.deadlines !== undefined
      ? new ConnectionDeadlines(options.deadlines, (which, ms) => { this.close(which === 'first_frame' ? 'first_frame_timeout' : 'idle_timeout', `no whole frame for ${ms} ms`) })
      : undefined
  }

  readonly #onDataListener = (chunk: Buffer): void => { this.#onData(chunk) }
  readonly #onDrain = (): void => { this.#flush() }
  readonly #onError = (err: NodeJS.ErrnoException): void => { this.close('socket_error', err.code ?? err.message) }
  readonly #onClose = (): void => { this.close(this.#ending ?? 'peer_closed', 'socket closed') }

  /** Gives the socket away (an HTTP upgrade): our listeners come off, the owner hears `handed_off`. */
  #handOff (chunk: Buffer): boolean {
    const take = this.#events.onHttp
    if (take === undefined) return false
    const s = this.#socket
    s.off('data', this.#onDataListener)
    s.off('drain', this.#onDrain)
    s.off('error', this.#onError)
    s.off('close', this.#onClose)
    this.#closing = true
    this.#deadlines?.cancel()
    if (!take(this.#socket, chunk)) {
      this.#socket.destroy()
      this.#events.onClose(this, 'unknown_encapsulation', 'HTTP not taken')
      return true
    }
    this.#events.onClose(this, 'handed_off', 'HTTP request')
    return true
  }

  /** Bytes of a partial frame waiting for the rest (0 between frames). */
  get partialBytes (): number {
    return (this.#pending?.length ?? 0) + (this.#deframer?.bufferedBytes ?? 0)
  }

  /** The framing, once the first two bytes arrived. */
  get kind (): Encapsulation | undefined {
    return this.#kind
  }

  /** True until {@link close}. */
  get open (): boolean {
    return !this.#closing
  }

  /** Frames waiting for `'drain'`. */
  get queuedFrames (): number {
    return this.#queue.length - this.#head
  }

  /**
   * Writes one whole frame (native frame or IPX packet). Returns undefined when written or queued,
   * `queue_full` when the bounded queue is full, `send_failed` when the connection is closed.
   */
  send (frame: Buffer): DropReason | undefined {
    if (this.#closing) return DropReason.SendFailed
    if (this.#blocked) {
      if (this.queuedFrames >= this.#maxFrames || this.#queuedBytes + frame.length > this.#maxBytes) {
        this.stats.queueFull++
        return DropReason.QueueFull
      }
      this.#queue.push(frame)
      this.#queuedBytes += frame.length
      this.stats.queued++
      if (this.queuedFrames > this.stats.maxQueued) this.stats.maxQueued = this.queuedFrames
      return undefined
    }
    this.stats.framesOut++
    // Node buffers the frame even when write returns false; false means "stop until 'drain'".
    if (!this.#socket.write(frame)) this.#blocked = true
    return undefined
  }

  #flush (): void {
    this.#blocked = false
    const q = this.#queue
    while (this.#head < q.length && !this.#blocked && !this.#closing) {
      const f = q[this.#head]!
      q[this.#head++] = EMPTY
      this.#queuedBytes -= f.length
      this.stats.framesOut++
      if (!this.#socket.write(f)) this.#blocked = true
    }
    if (this.#head === q.length) {
      this.#queue = []
      this.#head = 0
    }
  }

  #onData (chunk: Buffer): void {
    if (this.#closing) return
    if (this.#deframer === undefined) {
      // SPEC.md §1: the first two bytes of the stream choose the framing for its whole life.
      if (this.#pending !== undefined) {
        chunk = Buffer.concat([this.#pending, chunk])
        this.#pending = undefined
      }
      if (chunk.length < 2) {
        this.#pending = chunk
        return
      }
      const kind = classify(chunk)
      this.#kind = kind
      if (kind === 'unknown' && chunk[0] === 0x47 && chunk[1] === 0x45 && this.#handOff(chunk)) return
      if (kind === 'unknown') return this.close('unknown_encapsulation', `stream starts with 0x${hex((chunk[0]! << 8) | chunk[1]!, 4)}`)
      if (!this.#events.onKind(this, kind)) return this.close('unexpected_encapsulation', `${kind} framing not accepted here`)
      this.#deframer = kind === 'native' ? new NativeDeframer({ maxLength: this.#maxFrame }) : new IpxLengthDeframer({ maxLength: this.#maxIpx })
    }
    try {
      for (const frame of this.#deframer.push(chunk)) {
        this.stats.framesIn++
        this.#deadlines?.frame()
        this.#events.onFrame(frame, this)
        if (this.#closing) return
      }
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err
      this.close('framing_error', `${err.code} at stream offset ${err.offset}`)
    }
  }

  /** Closes the connection at once (queued frames are discarded and counted). Idempotent. */
  close (reason: CloseReason, detail = ''): void {
    if (this.#closing) return
    this.#closing = true
    this.#deadlines?.cancel()
    this.stats.discarded += this.queuedFrames
    this.#queue = []
    this.#head = 0
    this.#queuedBytes = 0
    this.#socket.destroy()
    const level = reason === 'framing_error' || reason === 'unknown_encapsulation' || reason === 'socket_error' ? 'warn' : 'info'
    if (this.#events.logClose?.(this, reason) !== false) this.#log?.[level]('connection closed', { remote: `${this.remoteAddress}:${this.remotePort}`, kind: this.#kind, reason, detail })
    this.#events.onClose(this, reason, detail)
  }

  /**
   * Closes gracefully: what was written is flushed and a FIN sent (so a bye written just before
   * arrives), then the socket is destroyed after at most `graceMs`.
   */
  async end (reason: CloseReason, graceMs = 500): Promise<void> {
    if (this.#closing) return await this.closed
    this.#ending = reason
    this.#socket.end()
    const timer = setTimeout(() => { this.close(reason, 'grace period over') }, graceMs)
    timer.unref()
    await this.closed
    clearTimeout(timer)
    this.close(reason)
  }
}

const EMPTY = Buffer.alloc(0)

function countClose (map: Map<CloseReason, number>, reason: CloseReason): void {
  map.set(reason, (map.get(reason) ?? 0) + 1)
}

/**
 * A connection closed for its framing, its encapsulation or a deadline threw away the bytes of a
 * frame that never became whole: that is one unit received and one dropped, so `received =
 * delivered + drops` holds for the component (issue 13, item 5: a framing close used to add a
 * drop with no receive).
 */
function countThrownAway (c: Counters, conn: TcpFrameConnection, reason: CloseReason): void {
  let why: DropReason | undefined
  if (reason === 'framing_error') why = DropReason.Malformed
  else if (reason === 'unknown_encapsulation' || reason === 'unexpected_encapsulation') why = DropReason.Unsupported
  else if ((reason === 'first_frame_timeout' || reason === 'idle_timeout') && conn.partialBytes > 0) why = DropReason.Timeout
  if (why === undefined) return
  c.receive(conn.partialBytes)
  c.drop(why)
}

/** Maps a `listen` error as `bindError` does for UDP. */
function listenError (err: unknown, host: string, port: number): TransportError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (code === 'EADDRINUSE') return new TransportError('IPX_ERR_ADDR_IN_USE', `tcp ${host}:${port} is already in use`, { cause: err })
  if (code === 'EACCES' || code === 'EPERM') return new TransportError('IPX_ERR_ACCESS', `no permission to listen on tcp ${host}:${port}`, { cause: err })
  return new TransportError('IPX_ERR_SOCKET', `cannot listen on tcp ${host}:${port}: ${code ?? String(err)}`, { cause: err })
}

/** What {@link TcpTunnelServer.connectionStats} reports. */
export interface TcpConnectionFigures {
  open: number
  admitted: number
  refused: { total_limit: number, per_ip_limit: number }
  limits: { maxTotal: number, maxPerIp: number } | null
  closed: Partial<Record<CloseReason, number>>
}

/** Options of {@link TcpTunnelServer}. */
export interface TcpTunnelServerOptions extends TcpConnectionOptions {
  host: string
  port: number
  /**
   * The link a native connection belongs to, by the sender node id in its first frame (header
   * offset 10; a TCP peer's source port is ephemeral, so its address cannot name it). Undefined
   * closes the connection (`unknown_peer`, counted `unregistered`).
   */
  linkFor?: (node: number, remote: { address: string, port: number }) => NativeLink | undefined
  /** One bare IPX packet from an `FF FF` connection (a view: copy what you keep). Reply with `conn.send`. */
  onIpx?: (packet: Buffer, conn: TcpFrameConnection) => void
  /** An `FF FF` connection closed. */
  onIpxClose?: (conn: TcpFrameConnection, reason: CloseReason) => void
  /** Total and per-IP caps on open connections (issue 13); absent: none. */
  limits?: ConnectionLimits
  /** Refusal and close lines: at most one per interval per source and reason (default 60 s). */
  logIntervalMs?: number
  /** Connections that start with an HTTP GET (WebSocket upgrades): the socket and the bytes read. */
  onHttp?: (socket: net.Socket, head: Buffer) => void
}

/**
 * Accepts TCP connections on 2644 and sorts them by their first two bytes. Every frame received on
 * any connection ends in exactly one counter of {@link counters}: delivered (a link accepted it, or
 * it was handed to `onIpx`) or a drop. A connection closed for its framing or encapsulation counts
 * one drop for the bytes it threw away (`malformed`, `unsupported`, `unregistered`).
 */
export class TcpTunnelServer {
  readonly counters = new Counters()
  /** How many connections closed, by reason. */
  readonly closeReasons = new Map<CloseReason, number>()
  /** Admission control; refusals are counted in its `refused`. */
  readonly limiter: ConnectionLimiter | undefined
  readonly #logLimit: LogLimiter
  readonly #o: TcpTunnelServerOptions
  readonly #log: Logger | undefined
  readonly #conns = new Set<TcpFrameConnection>()
  readonly #server: net.Server
  #stopping: Promise<void> | undefined
  #address: AddressInfo | undefined

  constructor (options: TcpTunnelServerOptions) {
    this.#o = options
    this.#log = options.logger?.child({ component: 'transport/tcp' })
    this.limiter = options.limits !== undefined ? new ConnectionLimiter(options.limits) : undefined
    this.#logLimit = new LogLimiter(options.logIntervalMs !== undefined ? { intervalMs: options.logIntervalMs } : {})
    this.#server = net.createServer(socket => { this.#accept(socket) })
  }

  /** Listens. Rejects with `TransportError` (`IPX_ERR_ADDR_IN_USE`, `IPX_ERR_ACCESS`, `IPX_ERR_SOCKET`). */
  async start (): Promise<AddressInfo> {
    const { host, port } = this.#o
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => { reject(listenError(err, host, port)) }
      this.#server.once('error', onError)
      this.#server.listen({ host, port, exclusive: true }, () => {
        this.#server.removeListener('error', onError)
        resolve()
      })
    })
    this.#server.on('error', (err: NodeJS.ErrnoException) => { this.#log?.warn('server error', { code: err.code }) })
    this.#address = this.#server.address() as AddressInfo
    this.#log?.info('tcp tunnel listening', { address: this.#address.address, port: this.#address.port })
    return this.#address
  }

  /** The bound address. Throws `IPX_ERR_CLOSED` before start. */
  address (): AddressInfo {
    if (this.#address === undefined) throw new TransportError('IPX_ERR_CLOSED', 'server not started')
    return this.#address
  }

  /** Open connections. */
  connections (): TcpFrameConnection[] {
    return [...this.#conns]
  }

  /** Connections open, admitted and refused (by reason), and closes by reason: for stats. */
  connectionStats (): TcpConnectionFigures {
    const l = this.limiter?.snapshot()
    return {
      open: this.#conns.size,
      admitted: l?.admitted ?? 0,
      refused: l?.refused ?? { total_limit: 0, per_ip_limit: 0 },
      limits: l !== undefined ? { maxTotal: l.maxTotal, maxPerIp: l.maxPerIp } : null,
      closed: Object.fromEntries(this.closeReasons)
    }
  }

  #accept (socket: net.Socket): void {
    if (this.#stopping !== undefined) {
      socket.destroy()
      return
    }
    const ip = socket.remoteAddress ?? ''
    const refused = this.limiter?.admit(ip)
    if (refused !== undefined) {
      // Refused before any byte is read: the fd is released at once (issue 13, item 1).
      socket.destroy()
      const suppressed = this.#logLimit.allow(`${refused}|${ip}`)
      if (suppressed !== undefined) this.#log?.warn('connection refused', { remote: ip, reason: refused, open: this.limiter!.open, fromThisIp: this.limiter!.openFrom(ip), ...(suppressed > 0 ? { suppressedSinceLast: suppressed } : {}) })
      return
    }
    const conn = new TcpFrameConnection(socket, { ...this.#o, ...(this.#log !== undefined ? { logger: this.#log } : {}) }, {
      onKind: () => true,
      onFrame: (frame, c) => this.#frame(frame, c),
      onClose: (c, reason) => { this.#closed(c, reason, ip) },
      logClose: (c, reason) => reason === 'stopped' || this.#logLimit.allow(`${reason}|${c.remoteAddress}`) !== undefined,
      ...(this.#o.onHttp !== undefined ? { onHttp: (s: net.Socket, head: Buffer) => { this.#o.onHttp!(s, head); return true } } : {})
    })
    this.#conns.add(conn)
  }

  #frame (frame: Buffer, conn: TcpFrameConnection): DropReason | undefined {
    const c = this.counters
    c.receive(frame.length)
    let verdict: DropReason | undefined
    if (conn.kind === 'ipx') {
      if (this.#o.onIpx === undefined) {
        c.drop(DropReason.Unsupported)
        conn.close('rejected', 'no handler for IPX streams')
        return DropReason.Unsupported
      }
      // Every DOSBox packet carries checksum FFFF ([074] ipx.cpp:656); on an FF FF stream a later
      // packet without it means the stream lost its framing (issue 13): count it, close.
      if (frame[0] !== 0xff || frame[1] !== 0xff) {
        c.drop(DropReason.Malformed)
        conn.close('bad_checksum', `IPX checksum 0x${hex((frame[0]! << 8) | frame[1]!, 4)} mid-stream, not FFFF`)
        return DropReason.Malformed
      }
      c.deliver(frame.length)
      this.#o.onIpx(frame, conn)
      return undefined
    }
    let link = conn.link
    if (link === undefined) {
      // First native frame: its node id (offset 10, u48) names the link. The connection is bound
      // to the link only after the link accepted that frame (verified, when keys are configured),
      // so a forged first frame cannot take a link's traffic away from its real connection.
      const node = frame.readUIntBE(10, 6)
      link = this.#o.linkFor?.(node, { address: conn.remoteAddress, port: conn.remotePort })
      if (link === undefined) {
        c.drop(DropReason.Unregistered)
        conn.close('unknown_peer', `no link for node ${node.toString(16).padStart(12, '0')}`)
        return DropReason.Unregistered
      }
      verdict = link.handleDatagram(frame)
      if (verdict !== undefined) {
        c.drop(verdict)
        conn.close('rejected', `first frame dropped: ${verdict}`)
        return verdict
      }
      conn.link = link
      link.attach(conn.sink)
      for (const other of this.#conns) if (other !== conn && other.link === link) other.close('replaced', 'the peer connected again')
      c.deliver(frame.length)
      return undefined
    }
    verdict = link.handleDatagram(frame)
    if (verdict === undefined) c.deliver(frame.length)
    else c.drop(verdict)
    return verdict
  }

  #closed (conn: TcpFrameConnection, reason: CloseReason, ip: string): void {
    this.#conns.delete(conn)
    this.limiter?.release(ip)
    countClose(this.closeReasons, reason)
    countThrownAway(this.counters, conn, reason)
    if (conn.link !== undefined && conn.link.sink === conn.sink) conn.link.attach(undefined)
    if (conn.kind === 'ipx') this.#o.onIpxClose?.(conn, reason)
  }

  /**
   * Stops: no new connections; each native link still bound gets `stop()` (bye written), every
   * connection is ended (flushed, FIN) and then destroyed; the listener closes. Idempotent.
   */
  async stop (): Promise<void> {
    if (this.#stopping !== undefined) return await this.#stopping
    this.#stopping = (async () => {
      const closing = new Promise<void>(resolve => { this.#server.close(() => { resolve() }) })
      const ends: Array<Promise<void>> = []
      for (const conn of this.#conns) {
        conn.link?.stop()
        ends.push(conn.end('stopped'))
      }
      await Promise.all(ends)
      await closing
    })()
    await this.#stopping
  }
}

/** Options of {@link TcpLinkDialer}. */
export interface TcpLinkDialerOptions extends TcpConnectionOptions {
  /** The link to carry; the dialer attaches to it on each connect. */
  link: NativeLink
  /** Where to connect (default the link's peer address). */
  host?: string
  port?: number
  /**
   * The local address to connect from (the node's listen address). The peer accepts a link only
   * from an address it lists, and without it the kernel picks the source: for any 127.x.y.z
   * destination that is 127.0.0.1 (the loopback route's `src`), so a lab node on 127.0.0.2 would
   * reach its peer as 127.0.0.1 and be refused. Absent: the kernel's choice.
   */
  localAddress?: string
  /** First reconnect delay, ms (default 100). */
  initialBackoffMs?: number
  /** Largest reconnect delay, ms (default 5000). */
  maxBackoffMs?: number
  /** Give up a connect attempt after this long, ms (default 5000). */
  connectTimeoutMs?: number
  /** Random source in [0, 1) for jitter (default Math.random). */
  random?: () => number
}

/** Figures of a {@link TcpLinkDialer}. */
export interface TcpDialerStats {
  attempts: number
  connects: number
  failures: number
  /** The last reconnect delay chosen, ms. */
  lastDelayMs: number
}

/**
 * Keeps one native link connected over TCP. After a failure or a close it waits
 * `min(max, initial · 2^n) · (1/2 + random/2)` ms ("equal jitter", AWS Architecture Blog,
 * "Exponential Backoff And Jitter", 2015): bounded, never zero, and spread so that many links
 * restarting together do not reconnect in lockstep. `n` resets once a connection has delivered a
 * frame, so a peer that accepts and immediately closes still sees growing delays.
 */
export class TcpLinkDialer {
  /** Frames received on the dialer's connections: delivered to the link or dropped. */
  readonly counters = new Counters()
  readonly closeReasons = new Map<CloseReason, number>()
  readonly stats: TcpDialerStats = { attempts: 0, connects: 0, failures: 0, lastDelayMs: 0 }
  readonly #o: TcpLinkDialerOptions
  readonly #log: Logger | undefined
  readonly #host: string
  readonly #port: number
  #conn: TcpFrameConnection | undefined
  #socket: net.Socket | undefined
  #timer: NodeJS.Timeout | undefined
  #failures = 0
  #running = false

  constructor (options: TcpLinkDialerOptions) {
    this.#o = options
    this.#log = options.logger?.child({ component: 'transport/tcp-dialer', peer: `${options.host ?? options.link.peer.host}:${options.port ?? options.link.peer.port}` })
    this.#host = options.host ?? options.link.peer.host
    this.#port = options.port ?? options.link.peer.port
  }

  /** True while a connection is established. */
  get connected (): boolean {
    return this.#conn?.open === true
  }

  /** The current connection, if any. */
  get connection (): TcpFrameConnection | undefined {
    return this.#conn
  }

  /** Starts connecting (and the link, if it is not running). */
  start (): void {
    if (this.#running) return
    this.#running = true
    this.#o.link.start()
    this.#connect()
  }

  #connect (): void {
    this.#timer = undefined
    if (!this.#running) return
    // The link may already be carried by a connection the peer made to us (both sides may dial,
    // e.g. when a node listens on a wildcard address): then there is nothing to dial for now.
    if (this.#o.link.up && this.#conn === undefined) {
      this.#retry()
      return
    }
    this.stats.attempts++
    const socket = net.connect({ host: this.#host, port: this.#port, ...(this.#o.localAddress !== undefined ? { localAddress: this.#o.localAddress } : {}) })
    this.#socket = socket
    const timeout = setTimeout(() => { socket.destroy(new Error('connect timeout')) }, this.#o.connectTimeoutMs ?? 5000)
    timeout.unref()
    const onFail = (err: NodeJS.ErrnoException): void => {
      clearTimeout(timeout)
      socket.destroy()
      this.#socket = undefined
      this.stats.failures++
      this.#log?.debug('connect failed', { code: err.code ?? err.message })
      this.#retry()
    }
    socket.once('error', onFail)
    socket.once('connect', () => {
      clearTimeout(timeout)
      socket.removeListener('error', onFail)
      this.#socket = undefined
      if (!this.#running) {
        socket.destroy()
        return
      }
      this.stats.connects++
      let delivered = false
      const link = this.#o.link
      const conn = new TcpFrameConnection(socket, { ...this.#o, ...(this.#log !== undefined ? { logger: this.#log } : {}) }, {
        onKind: (_c, kind) => kind === 'native',
        onFrame: (frame) => {
          this.counters.receive(frame.length)
          const verdict = link.handleDatagram(frame)
          if (verdict === undefined) {
            this.counters.deliver(frame.length)
            if (!delivered) {
              delivered = true
              this.#failures = 0
            }
          } else this.counters.drop(verdict)
          return verdict
        },
        onClose: (c, reason) => {
          countClose(this.closeReasons, reason)
          countThrownAway(this.counters, c, reason)
          if (this.#conn === c) {
            this.#conn = undefined
            link.attach(undefined)
            this.#retry()
          }
        }
      })
      this.#conn = conn
      this.#log?.info('connected', { local: socket.localPort })
      link.attach(conn.sink)
    })
  }

  #retry (): void {
    if (!this.#running || this.#timer !== undefined) return
    const initial = this.#o.initialBackoffMs ?? 100
    const max = this.#o.maxBackoffMs ?? 5000
    const base = Math.min(max, initial * 2 ** Math.min(this.#failures, 30))
    this.#failures++
    const delay = base / 2 + (this.#o.random ?? Math.random)() * base / 2
    this.stats.lastDelayMs = delay
    this.#timer = setTimeout(() => { this.#connect() }, delay)
    this.#timer.unref()
  }

  /** Stops the link (bye written), ends the connection, cancels any reconnect. Idempotent. */
  async stop (): Promise<void> {
    if (!this.#running) return
    this.#running = false
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#socket?.destroy()
    this.#socket = undefined
    this.#o.link.stop()
    const conn = this.#conn
    this.#conn = undefined
    if (conn !== undefined) await conn.end('stopped')
    this.#o.link.attach(undefined)
  }
}
