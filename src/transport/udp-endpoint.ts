/**
 * A UDP socket for the data plane (2644) and for RFC 1234 peers: bind/close lifecycle through
 * `dgram-as-promised`, receive through the socket's `'message'` event (every datagram, none lost
 * between two `recv()` calls), fire-and-forget sends, and the timers of whoever owns the socket, so
 * that `stop()` leaves nothing running.
 *
 * Errors: `EADDRINUSE` and `EACCES` fail {@link UdpEndpoint.start} with a {@link TransportError}
 * (style guide §5.3: fatal at bind); later socket errors are warnings, counted in `stats`.
 */
import DgramAsPromised from 'dgram-as-promised'
import type { SocketAsPromised } from 'dgram-as-promised'
import { isIP } from 'node:net'
import { KernelDropReader } from './kernel-drops.js'
import { lookup as dnsLookup } from 'node:dns'
import type { LookupOneOptions } from 'node:dns'
import type { AddressInfo } from 'node:net'
import type { RemoteInfo, Socket } from 'node:dgram'
import { TransportError } from '../errors.js'
import type { Logger } from '../log.js'
import { DropReason } from './counters.js'
import { BusyPoll, DEFAULT_BUSY_POLL_US } from './busy-poll.js'
import type { BusyPollStats } from './busy-poll.js'

/**
 * Default kernel buffer sizes: 4 MiB each. Rationale: a burst of tens of thousands of small
 * datagrams arrives faster than one event-loop turn drains it; Linux's default `rmem_default` is
 * 208 KiB (about 250 queued datagrams at skb truesize), far too little. Linux caps the request at
 * `net.core.rmem_max`/`wmem_max` (and doubles it for bookkeeping, socket(7) SO_RCVBUF).
 */
export const DEFAULT_SOCKET_BUFFER_SIZE = 4 * 1024 * 1024

/**
 * Default bound on libuv's send queue, in datagrams. A send the kernel cannot take at once
 * (`EAGAIN`: the socket's send buffer is full) is queued by libuv in user space without limit
 * (node src/udp_wrap.cc `UDPWrap::Send`: `uv_udp_try_send` first, else `uv_udp_send`; libuv
 * src/unix/udp.c `uv__udp_send` appends to `write_queue`), so at saturation a backlog would grow
 * inside the node. Past this many queued datagrams a send is dropped and counted (`queue_full`)
 * instead (issue 18). 64 is one fan-out of a full DOSBox table of 64 clients, or 4 of ipxbox's
 * 16-packet per-client queues (network/pipe/pipe.go). Read per send through
 * `socket.getSendQueueCount()` (Node ≥ 18.8), about 11 ns here.
 */
export const DEFAULT_MAX_SEND_QUEUE = 64

/** What {@link UdpEndpoint} is given. */
export interface UdpEndpointOptions {
  /** Address to bind: `127.0.0.1`, `0.0.0.0`, `::1`, `::`. An address containing `:` selects udp6. */
  host: string
  /** Port to bind; 0 picks an ephemeral port. */
  port: number
  /** Called for every datagram, synchronously from the `'message'` event. Must not throw. */
  onMessage: (datagram: Buffer, rinfo: RemoteInfo) => void
  /** Requested SO_RCVBUF in bytes (default {@link DEFAULT_SOCKET_BUFFER_SIZE}). */
  recvBufferSize?: number
  /** Requested SO_SNDBUF in bytes (default {@link DEFAULT_SOCKET_BUFFER_SIZE}). */
  sendBufferSize?: number
  /**
   * Datagrams libuv's send queue may hold (default {@link DEFAULT_MAX_SEND_QUEUE}); a send finding
   * it this full is dropped and counted in `stats.queueFull`. At least 1.
   */
  maxSendQueue?: number
  /**
   * After a datagram, keep the event loop polling this long, µs, before it sleeps again (busy-poll.ts;
   * default {@link DEFAULT_BUSY_POLL_US}; 0 = never: the loop sleeps as soon as it is idle).
   */
  busyPollUs?: number
  /** For udp6: refuse IPv4-mapped traffic (default false: a `::` socket also serves IPv4). */
  ipv6Only?: boolean
  /** Where warnings go. */
  logger?: Logger
}

/** Socket-level counts that are not per-datagram verdicts (those live in `Counters`). */
export interface UdpEndpointStats {
  /** Datagrams handed to the socket. */
  sent: number
  /**
   * `'error'` events after start: failed sends among them, since {@link UdpEndpoint.send} passes no
   * callback and Node then reports send errors as `'error'` (Node dgram docs, `socket.send`).
   * Warnings, never fatal (style guide §5.3).
   */
  errors: number
  /**
   * Sends dropped because libuv's send queue already held `maxSendQueue` datagrams (the kernel's
   * send buffer was full and stayed full): the bounded send side drops early instead of queueing.
   */
  queueFull: number
}

/**
 * IP literals already validated by {@link literalLookup}: a relay sends to the same few client
 * addresses (the very string objects of its client table) again and again, and `net.isIP` runs a
 * regular expression each time (node lib/internal/net.js). Bounded: cleared when it holds
 * {@link LITERAL_CACHE_MAX} strings.
 */
const literalFamily = new Map<string, number>()
const LITERAL_CACHE_MAX = 4096

/**
 * dgram's `lookup` for sockets that are only ever given IP literals: answers in the same call
 * (no `dns.lookup` validation, no `process.nextTick` per datagram; node lib/dgram.js `send` calls
 * `lookup` for every datagram sent to an address string and sends from its callback), and hands
 * anything else to `dns.lookup`.
 */
export function literalLookup (address: string, options: LookupOneOptions | number, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  let f = literalFamily.get(address)
  if (f === undefined) {
    f = isIP(address)
    if (f !== 0) {
      if (literalFamily.size >= LITERAL_CACHE_MAX) literalFamily.clear()
      literalFamily.set(address, f)
    }
  }
  if (f !== 0) {
    callback(null, address, f)
    return
  }
  // Node 20's dgram passes the family as a number (lib/internal/dgram.js lookup4/lookup6).
  dnsLookup(address, typeof options === 'number' ? { family: options } : options, callback)
}

/** Maps a bind error to the project's {@link TransportError}. */
export function bindError (err: unknown, host: string, port: number): TransportError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (code === 'EADDRINUSE') return new TransportError('IPX_ERR_ADDR_IN_USE', `udp ${host}:${port} is already in use`, { cause: err })
  if (code === 'EACCES' || code === 'EPERM') return new TransportError('IPX_ERR_ACCESS', `no permission to bind udp ${host}:${port} (ports below 1024 need privileges)`, { cause: err })
  return new TransportError('IPX_ERR_SOCKET', `cannot bind udp ${host}:${port}: ${code ?? String(err)}`, { cause: err })
}

/** A bound UDP socket with an owned set of timers. */
export class UdpEndpoint {
  readonly stats: UdpEndpointStats = { sent: 0, errors: 0, queueFull: 0 }
  readonly #options: UdpEndpointOptions
  readonly #maxSendQueue: number
  #socket: SocketAsPromised | undefined
  /** The dgram socket itself, while running (the hot path reads no getter). */
  #raw: Socket | undefined
  #address: AddressInfo | undefined
  readonly #timers = new Set<NodeJS.Timeout>()
  #stopping: Promise<void> | undefined
  readonly #busyPoll: BusyPoll
  /** What the socket's `'message'` event calls: `onMessage`, behind the busy poller when it polls. */
  readonly #onMessage: UdpEndpointOptions['onMessage']

  constructor (options: UdpEndpointOptions) {
    this.#options = options
    this.#maxSendQueue = Math.max(1, Math.floor(options.maxSendQueue ?? DEFAULT_MAX_SEND_QUEUE))
    const busyPoll = this.#busyPoll = new BusyPoll(options.busyPollUs ?? DEFAULT_BUSY_POLL_US)
    const onMessage = options.onMessage
    this.#onMessage = busyPoll.windowUs > 0 ? (d, rinfo) => { busyPoll.note(); onMessage(d, rinfo) } : onMessage
  }

  /** The busy poller's window (µs, 0 = off) and counts. */
  busyPoll (): BusyPollStats & { windowUs: number } {
    return { windowUs: this.#busyPoll.windowUs, ...this.#busyPoll.stats }
  }

  /** The bound on libuv's send queue, in datagrams. */
  get maxSendQueue (): number {
    return this.#maxSendQueue
  }

  /** Datagrams in libuv's send queue now (0 when not running). */
  sendQueueCount (): number {
    return this.#raw?.getSendQueueCount() ?? 0
  }

  /** True between a successful {@link start} and {@link stop}. */
  get running (): boolean {
    return this.#socket !== undefined && this.#stopping === undefined
  }

  /**
   * Binds the socket. Rejects with {@link TransportError} `IPX_ERR_ADDR_IN_USE` or `IPX_ERR_ACCESS`
   * when the port is taken or privileged, `IPX_ERR_SOCKET` otherwise (e.g. an unknown address).
   */
  async start (): Promise<AddressInfo> {
    if (this.#socket !== undefined) throw new TransportError('IPX_ERR_SOCKET', 'endpoint already started')
    const { host, port } = this.#options
    const family = isIP(host)
    if (family === 0) throw new TransportError('IPX_ERR_SOCKET', `not an IP address: ${host}`)
    const type = family === 6 ? 'udp6' : 'udp4'
    const socket = DgramAsPromised.createSocket({ type, ipv6Only: this.#options.ipv6Only === true, lookup: literalLookup })
    try {
      this.#address = await socket.bind({ address: host, port, exclusive: true })
    } catch (err) {
      socket.destroy()
      throw bindError(err, host, port)
    }
    const raw = socket.socket
    try {
      raw.setRecvBufferSize(this.#options.recvBufferSize ?? DEFAULT_SOCKET_BUFFER_SIZE)
      raw.setSendBufferSize(this.#options.sendBufferSize ?? DEFAULT_SOCKET_BUFFER_SIZE)
    } catch (err) {
      this.#options.logger?.warn('could not size socket buffers', { error: String(err) })
    }
    raw.on('message', this.#onMessage)
    raw.on('error', (err: NodeJS.ErrnoException) => {
      this.stats.errors++
      this.#options.logger?.warn('socket error', { code: err.code })
    })
    this.#socket = socket
    this.#raw = raw
    this.recvBufferSize()
    return this.#address
  }

  /** The bound address. Throws `IPX_ERR_CLOSED` before start. */
  address (): AddressInfo {
    if (this.#address === undefined) throw new TransportError('IPX_ERR_CLOSED', 'endpoint not started')
    return this.#address
  }

  /**
   * The socket's effective receive buffer in bytes (as the kernel reports it); after stop, the
   * last size read (a stopped node's final stats still show it; dgram throws on a closed socket).
   */
  recvBufferSize (): number {
    try {
      const n = this.#socket?.socket.getRecvBufferSize()
      if (n !== undefined) this.#lastRecvBuffer = n
    } catch {
      // ERR_SOCKET_DGRAM_NOT_RUNNING / a closed handle: keep the last size read.
    }
    return this.#lastRecvBuffer
  }

  #lastRecvBuffer = 0

  /**
   * Datagrams the kernel dropped because this socket's receive buffer was full: the `drops` column
   * of its line in /proc/net/udp or udp6 (Linux proc(5)), found by the bound address and port. The
   * bounded queue in front of a relay drops early; this is where those drops are counted. Read on
   * demand (stats), never per datagram; undefined where /proc is absent or the line is not found.
   */
  receiveDrops (): number | undefined {
    const a = this.#address
    if (a === undefined || this.#socket === undefined) return undefined
    return this.#kernel.read([{ name: 'socket', address: a }]).socket ?? undefined
  }

  /** The one reader of /proc/net/udp{,6} (kernel-drops.ts): finds this socket by its inode. */
  readonly #kernel = new KernelDropReader()

  /**
   * Sends one datagram, fire and forget: failures are counted in `stats`, never thrown. Returns
   * false (and sends nothing) when the endpoint is not running, the send queue is full or dgram
   * refused the address; {@link sendVerdict} says which.
   */
  send (datagram: Uint8Array, port: number, address: string): boolean {
    return this.sendVerdict(datagram, port, address) === undefined
  }

  /**
   * {@link send} with the reason: `undefined` when handed to the socket, `queue_full` when libuv's
   * send queue holds `maxSendQueue` datagrams (the kernel's send buffer is full: drop early rather
   * than queue), `send_failed` when not running or dgram threw. No callback is passed on purpose:
   * Node then allocates no completion callback and reports a failed send as an `'error'` event
   * (node `lib/dgram.js` `doSend`); it tries a synchronous `uv_udp_try_send` first in either case
   * (`src/udp_wrap.cc`).
   */
  sendVerdict (datagram: Uint8Array, port: number, address: string): DropReason | undefined {
    const raw = this.#raw
    if (raw === undefined || this.#stopping !== undefined) return DropReason.SendFailed
    if (raw.getSendQueueCount() >= this.#maxSendQueue) {
      this.stats.queueFull++
      return DropReason.QueueFull
    }
    try {
      // dgram throws synchronously for a bad port or address (ERR_SOCKET_BAD_PORT); inside a
      // 'message' handler that would end the process, so it is a counted failure instead.
      raw.send(datagram, port, address)
    } catch {
      this.stats.errors++
      return DropReason.SendFailed
    }
    this.stats.sent++
    return undefined
  }

  /** Sends and resolves when the kernel took it (tests and control paths, not the hot path). */
  async sendAsync (datagram: Uint8Array, port: number, address: string): Promise<void> {
    const socket = this.#socket
    if (socket === undefined || this.#stopping !== undefined) throw new TransportError('IPX_ERR_CLOSED', 'endpoint not running')
    this.stats.sent++
    await socket.send(datagram, port, address)
  }

  /** An interval owned by this endpoint: cleared by {@link stop} or by calling the returned function. */
  every (ms: number, fn: () => void): () => void {
    const timer = setInterval(fn, ms)
    timer.unref()
    this.#timers.add(timer)
    return () => {
      clearInterval(timer)
      this.#timers.delete(timer)
    }
  }

  /** Clears every timer and closes the socket. Idempotent. */
  async stop (): Promise<void> {
    if (this.#stopping !== undefined) return await this.#stopping
    for (const t of this.#timers) clearInterval(t)
    this.#timers.clear()
    const socket = this.#socket
    if (socket === undefined) return
    this.#stopping = (async () => {
      socket.socket.removeListener('message', this.#onMessage)
      this.#busyPoll.stop()
      // A send to an address string is resolved on the next tick (node lib/dgram.js); closing in
      // this tick would drop the last datagrams (a link's bye) without a word. Let them go first.
      await new Promise(resolve => setImmediate(resolve))
      await socket.close()
      socket.destroy()
    })()
    await this.#stopping
  }
}
