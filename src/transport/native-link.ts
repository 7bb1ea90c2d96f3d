/**
 * One native link (protocol/tunnel/SPEC.md) between this node and one peer node, independent of the
 * socket that carries it: frames leave through an attached {@link FrameSink} (UDP: `udp-tunnel.ts`,
 * TCP: `tcp.ts`) and arrive through {@link NativeLink.handleDatagram}.
 *
 * Life of a received frame in {@link NativeLink.handleDatagram} (each step ends in exactly one
 * counter of {@link NativeLink.counters}; the order is RFC 4303 §3.4.3's: replay check before the
 * MAC, window update after it):
 *  1. link not started → `policy`;
 *  2. `tunnel.decode`: a `DecodeError` at the version byte → `unsupported`, any other → `malformed`;
 *  3. `SequenceGuard.check` (sequence-guard.ts; SPEC.md §5): stamped too far ahead →
 *     `future_timestamp`; with a key, a duplicate, a frame behind the window or stamped before the
 *     last window reset → `replayed`; without a key only an exact duplicate is refused (the
 *     window measures and resynchronises, it never takes the link down);
 *  4. keys configured: `tunnel.verify` must say `ok`, else `unauthenticated` (one warning a minute
 *     naming the peer);
 *  5. `SequenceGuard.accept`: window update, sequence statistics (gaps = loss unless absurd, late
 *     arrivals = reordering);
 *  6. by type: data → `onPacket` (oversize → `oversize`); hello → hello-ack; keepalive →
 *     keepalive-ack; keepalive-ack → RTT sample; bye → link down; unknown type → `unsupported`.
 *     Consumed control frames count as delivered.
 *
 * Sent frames end in exactly one counter of {@link NativeLink.txCounters}: delivered (handed to the
 * sink, which accepted it) or a drop (`malformed`, `length_mismatch`, `oversize`, `send_failed` when
 * no sink is attached, or the sink's own verdict such as `queue_full`).
 *
 * Clock assumption: one-way delay is `receivedAtMicros - sentAtMicros`, the receiver's clock minus
 * the sender's. It is meaningful only when both nodes read the same clock: the lab runs its nodes on
 * one machine, where every process reads the same system clock (`performance.timeOrigin` is taken
 * from it at start, then advanced monotonically). Across machines the sample includes the clock
 * offset. RTT (keepalive echo) uses only the local clock and needs no such assumption (SPEC.md §3).
 *
 * Allocation: a received frame allocates only what `tunnel.decode` builds; the delivered IPX packet
 * is a view into the received buffer and the `meta` object is reused. A sent frame gets its own
 * buffer (from Node's pool below 4 KiB): reusing one send buffer is NOT safe, because `dgram.send`
 * to an address string resolves it on `process.nextTick` before the bytes are read, and a TCP
 * socket keeps the buffer queued until written.
 */
import { randomInt } from 'node:crypto'
import type { RemoteInfo } from 'node:dgram'
import { DecodeError } from '../../protocol/errors.js'
import { IPX_HEADER_LENGTH } from '../../protocol/constants.js'
import { formatNode } from '../../protocol/ipx/address.js'
import { readLength } from '../../protocol/ipx/peek.js'
import {
  AUTH_TAG_LENGTH, NATIVE_HEADER_LENGTH, NATIVE_MAGIC, NATIVE_VERSION, NATIVE_VERSION_LFI, NativeOffset, FrameFlag,
  decode, encode, describeFrame
} from '../../protocol/tunnel/frame.js'
import type { NativeFrame, NativeHeader } from '../../protocol/tunnel/frame.js'
import {
  ByeReason, Capability, CLASS_DIGEST_LENGTH, LinkMode, MessageType,
  decodeBye, decodeEcho, decodeHello, encodeBye, encodeEcho, encodeHello
} from '../../protocol/tunnel/messages.js'
import type { HelloBody } from '../../protocol/tunnel/messages.js'
import { MICROS_PER_SECOND } from '../../protocol/tunnel/timestamp.js'
import { MIN_KEY_LENGTH, sign, verify } from '../../protocol/tunnel/auth.js'
import type { Reassembler } from '../../protocol/tunnel/fragment.js'
import { ConfigError } from '../errors.js'
import type { Logger } from '../log.js'
import { Counters, DropReason } from './counters.js'
import { parseListenAddress } from './serve.js'
import { GuardResult, SequenceGuard, plausibleRtt } from './sequence-guard.js'
import { LogLimiter } from '../log-limiter.js'
import type { SequenceStats } from './sequence-guard.js'

const GUARD_OK = GuardResult.Ok
const GUARD_DETAIL = ['ok', 'replayed', 'too_old', 'before the last window reset', 'stamped too far in the future'] as const

/** Where a link's frames go: returns undefined when the transport took the frame, else why not. */
export type FrameSink = (frame: Buffer) => DropReason | undefined

/** What {@link NativeLinkOptions.onPacket} is told with each delivered IPX packet. */
export interface PacketMeta {
  /** Header offset 8: the sender's QoS class. */
  trafficClass: number
  /** Header offset 16: the sender's per-link sequence (u32). */
  sequence: number
  /** Header offsets 20-27: the sender's clock at send, µs since the epoch. */
  sentAtMicros: number
  /** This node's clock when the frame was handled, µs since the epoch. */
  receivedAtMicros: number
}

/**
 * Where a link is: `stopped` (not started, or stopped: frames are refused, nothing is sent),
 * `down` (running, no hello seen or the peer went silent: hello every hello interval), `up` (a hello
 * or hello-ack accepted and the peer heard within the dead interval: keepalives when idle).
 */
export const LinkState = {
  Stopped: 'stopped',
  Down: 'down',
  Up: 'up'
} as const
export type LinkState = typeof LinkState[keyof typeof LinkState]

/** Why the link went up or down. */
export type LinkChangeReason = 'hello' | 'hello-ack' | 'timeout' | 'bye' | 'detached' | 'stopped'

/** Injectable timers (default: the global ones, unref'd so that a link never keeps a process alive). */
export interface LinkTimers {
  setInterval: (fn: () => void, ms: number) => unknown
  clearInterval: (handle: unknown) => void
}

/** Options of {@link NativeLink}. */
export interface NativeLinkOptions {
  /** This node's id (u48), sent in every header (SPEC.md §2, offset 10). */
  node: number
  /** The peer's address: `host:port` text or an object. UDP sends there; a TCP dialer connects there. */
  peer: string | { host: string, port: number }
  /** Pre-shared keys by key id (each ≥ 16 bytes, SPEC.md §4). When set, only verified frames are accepted. */
  keys?: ReadonlyMap<number, Buffer>
  /** The key id to sign with (default: the smallest configured). */
  sendKeyId?: number
  /** Hello retransmission while the link is down, ms (default 1000). */
  helloIntervalMs?: number
  /** Keepalive after this long without sending anything, ms (default 1000). */
  keepaliveIntervalMs?: number
  /** Down after this long without an accepted frame, ms (default 3 × keepalive, SPEC.md §3). */
  deadIntervalMs?: number
  /** Largest IPX packet sent or accepted, bytes (default 1424, DOSBox IPXBUFFERSIZE; SPEC.md §3 hello). */
  maxPacket?: number
  /** This node's IPX network number, announced in hello (default 0). */
  network?: number
  /** {@link LinkMode}, announced in hello (default bridge). */
  mode?: number
  /** Extra {@link Capability} bits to announce (Echo, Auth and Qos are set by the link). */
  capabilities?: number
  /** First sequence number (default random). */
  initialSequence?: number
  /** Replay bitmap size in bits (default 1024: a 992-frame window). */
  replayBits?: number
  /** How many one-way delay samples to keep (default 1024, a ring). */
  delaySamples?: number
  /** Delivered IPX packets. `ipx` is a view into the received buffer and `meta` is reused: copy what you keep. Must not throw. */
  onPacket: (ipx: Buffer, meta: Readonly<PacketMeta>) => void
  /** Told on every up/down transition. */
  onStateChange?: (up: boolean, reason: LinkChangeReason) => void
  /** The transport, if known at construction; see {@link NativeLink.attach}. */
  send?: FrameSink
  /** Clock: µs since the Unix epoch (default `performance.timeOrigin + performance.now()`). */
  now?: () => number
  /** Timers (default global, unref'd). */
  timers?: LinkTimers
  /**
   * LFI (issue 11): rebuilds fragments (version 2, type 7) into IPX packets delivered like data;
   * given, the hello announces {@link Capability.Fragment}. Absent: fragments count `unsupported`.
   */
  reassembler?: Reassembler
  /** Link events at info, per-frame lines at debug. */
  logger?: Logger
}

/** Running summary of a series of samples, µs. */
export interface SampleSummary {
  count: number
  min: number
  max: number
  sum: number
  last: number
}

/** Per-link receive and send statistics. Receive figures come from the peer's sequence numbers. */
export interface LinkStats extends SequenceStats {
  /** Frames accepted (all types). */
  received: number
  /** Data frames delivered. */
  dataReceived: number
  /** Keepalive echoes whose round trip was negative or absurd (discarded, not recorded). */
  rttDiscarded: number
  /** `verify` outcomes other than ok, with keys configured. */
  unsigned: number
  unknownKey: number
  badTag: number
  /** Frames sent (all types) and data frames among them. */
  sent: number
  dataSent: number
  /** One-way delay of data frames (see the clock assumption in the module comment). */
  delay: SampleSummary
  /** Round trip of keepalive echoes. */
  rtt: SampleSummary
}

/** Defaults (SPEC.md §3: a peer silent for 3 keepalive intervals is gone). */
export const DEFAULT_HELLO_INTERVAL_MS = 1000
export const DEFAULT_KEEPALIVE_INTERVAL_MS = 1000
export const DEAD_INTERVAL_FACTOR = 3
/** DOSBox's IPXBUFFERSIZE ([074] include/ipx.h:107), the hello's default maxPacket (SPEC.md §3). */
export const DEFAULT_MAX_PACKET = 1424
/** The largest IPX packet a signed data frame can carry: 65535 − 28 − 16 (SPEC.md §2). */
export const MAX_NATIVE_PACKET = 0xffff - NATIVE_HEADER_LENGTH - AUTH_TAG_LENGTH

/** Read once: `performance.timeOrigin` is a getter, and it does not change. */
const TIME_ORIGIN_MS = performance.timeOrigin

function defaultNow (): number {
  return Math.floor((TIME_ORIGIN_MS + performance.now()) * 1000)
}

/** Hot-path copies of the message types (a module-level constant is one load, no property lookup). */
const DATA = MessageType.Data
const HELLO = MessageType.Hello

const DEFAULT_TIMERS: LinkTimers = {
  setInterval: (fn, ms) => {
    const t = setInterval(fn, ms)
    t.unref()
    return t
  },
  clearInterval: (h) => { clearInterval(h as NodeJS.Timeout) }
}

function summary (): SampleSummary {
  return { count: 0, min: Infinity, max: -Infinity, sum: 0, last: 0 }
}

function record (s: SampleSummary, v: number): void {
  s.count++
  s.sum += v
  s.last = v
  if (v < s.min) s.min = v
  if (v > s.max) s.max = v
}

function positiveMs (field: string, v: number | undefined, fallback: number): number {
  const x = v ?? fallback
  if (!(Number.isFinite(x) && x > 0)) throw new ConfigError(field, `must be a positive number of ms, got ${x}`)
  return x
}

/** A native link to one peer. Socket-free: attach a {@link FrameSink}, feed received frames. */
export class NativeLink {
  /** Received frames: each ends in exactly one of these. */
  readonly counters = new Counters()
  /** Frames this link tried to send: each ends in exactly one of these. */
  readonly txCounters = new Counters()
  readonly stats: LinkStats
  /** The peer's address ({@link repoint} changes its host). */
  get peer (): { readonly host: string, readonly port: number } {
    return this.#peer
  }

  #peer: { readonly host: string, readonly port: number }
  /** This node's id. */
  readonly node: number
  readonly #o: NativeLinkOptions
  readonly #keys: ReadonlyMap<number, Buffer> | undefined
  readonly #signKeyId: number
  readonly #signKey: Buffer | undefined
  readonly #helloMs: number
  readonly #keepaliveMs: number
  readonly #deadMs: number
  readonly #maxPacket: number
  readonly #now: () => number
  readonly #timers: LinkTimers
  readonly #log: Logger | undefined
  readonly #debug: boolean
  readonly #guard: SequenceGuard
  readonly #authLog = new LogLimiter()
  readonly #helloBody: Buffer
  readonly #delays: Float64Array
  #delayNext = 0
  readonly #meta: PacketMeta = { trafficClass: 0, sequence: 0, sentAtMicros: 0, receivedAtMicros: 0 }
  readonly #txHeader: NativeHeader
  readonly #txFrame: NativeFrame
  #sink: FrameSink | undefined
  #seq: number
  #timer: unknown
  #state: LinkState = LinkState.Stopped
  /** ms, own clock: last accepted frame, last frame sent, last hello sent. */
  #lastHeardMs = 0
  #lastSentMs = -Infinity
  #lastHelloMs = -Infinity
  /** µs: the send time of the last frame encoded. */
  #lastEncodeUs = 0
  #peerNode: number | undefined
  #peerHello: HelloBody | undefined

  /** Throws {@link ConfigError} for a bad address, key or interval. */
  constructor (options: NativeLinkOptions) {
    this.#o = options
    if (!(Number.isSafeInteger(options.node) && options.node >= 0 && options.node <= 0xffffffffffff)) {
      throw new ConfigError('node', `node id must be a u48, got ${options.node}`)
    }
    this.node = options.node
    this.#peer = typeof options.peer === 'string' ? parseListenAddress(options.peer, 'peer') : { host: options.peer.host, port: options.peer.port }
    const keys = options.keys
    if (keys !== undefined && keys.size > 0) {
      for (const [id, key] of keys) {
        if (!(Number.isInteger(id) && id >= 0 && id <= 0xff)) throw new ConfigError('keys', `key id must be a u8, got ${id}`)
        // RFC 2104 §3: keys shorter than the hash output are discouraged; SPEC.md §4 floors at 16.
        if (key.length < MIN_KEY_LENGTH) throw new ConfigError('keys', `key ${id} has ${key.length} bytes, fewer than ${MIN_KEY_LENGTH}`)
      }
      this.#keys = keys
      this.#signKeyId = options.sendKeyId ?? Math.min(...keys.keys())
      this.#signKey = keys.get(this.#signKeyId)
      if (this.#signKey === undefined) throw new ConfigError('sendKeyId', `no key with id ${this.#signKeyId}`)
    } else {
      this.#keys = undefined
      this.#signKeyId = 0
      this.#signKey = undefined
    }
    this.#helloMs = positiveMs('helloIntervalMs', options.helloIntervalMs, DEFAULT_HELLO_INTERVAL_MS)
    this.#keepaliveMs = positiveMs('keepaliveIntervalMs', options.keepaliveIntervalMs, DEFAULT_KEEPALIVE_INTERVAL_MS)
    this.#deadMs = positiveMs('deadIntervalMs', options.deadIntervalMs, DEAD_INTERVAL_FACTOR * this.#keepaliveMs)
    this.#maxPacket = options.maxPacket ?? DEFAULT_MAX_PACKET
    if (!(Number.isInteger(this.#maxPacket) && this.#maxPacket >= IPX_HEADER_LENGTH && this.#maxPacket <= MAX_NATIVE_PACKET)) {
      throw new ConfigError('maxPacket', `must be ${IPX_HEADER_LENGTH}..${MAX_NATIVE_PACKET}, got ${this.#maxPacket}`)
    }
    this.#now = options.now ?? defaultNow
    this.#timers = options.timers ?? DEFAULT_TIMERS
    this.#log = options.logger?.child({ component: 'transport/native-link', peer: `${this.peer.host}:${this.peer.port}` })
    this.#debug = this.#log?.isDebugEnabled() ?? false
    this.#delays = new Float64Array(options.delaySamples ?? 1024)
    this.#seq = (options.initialSequence ?? randomInt(0, 0x100000000)) >>> 0
    this.#sink = options.send
    this.stats = {
      received: 0, dataReceived: 0, lost: 0, reordered: 0, duplicates: 0, tooOld: 0,
      unsigned: 0, unknownKey: 0, badTag: 0, windowResets: 0, sent: 0, dataSent: 0,
      resyncs: 0, jumps: 0, futureTimestamps: 0, rttDiscarded: 0,
      delay: summary(), rtt: summary()
    }
    this.#guard = new SequenceGuard({ strict: this.#keys !== undefined, replayBits: options.replayBits, stats: this.stats })
    this.#helloBody = encodeHello({
      network: options.network ?? 0,
      mode: options.mode ?? LinkMode.Bridge,
      reserved: 0,
      capabilities: (options.capabilities ?? 0) | Capability.Echo | Capability.Qos | (this.#signKey !== undefined ? Capability.Auth : 0) |
        (options.reassembler !== undefined ? Capability.Fragment : 0),
      // The hello announces whole seconds (SPEC.md §3); sub-second lab intervals round up to 1.
      keepaliveInterval: Math.min(0xffff, Math.ceil(this.#keepaliveMs / 1000)),
      maxPacket: this.#maxPacket,
      classDigest: Buffer.alloc(CLASS_DIGEST_LENGTH)
    })
    this.#txHeader = {
      magic: NATIVE_MAGIC, length: NATIVE_HEADER_LENGTH, version: NATIVE_VERSION, type: 0, flags: 0,
      headerLength: NATIVE_HEADER_LENGTH, trafficClass: 0, keyId: 0, node: this.node, sequence: 0,
      timestamp: { seconds: 0, micros: 0 }
    }
    this.#txFrame = { header: this.#txHeader, options: Buffer.alloc(0), payload: Buffer.alloc(0), tag: undefined }
  }

  /** True while the peer is considered alive (a hello or hello-ack seen, no dead interval since). */
  get up (): boolean {
    return this.#state === LinkState.Up
  }

  /** The link's state. */
  get state (): LinkState {
    return this.#state
  }

  /** True between {@link start} and {@link stop}. */
  get running (): boolean {
    return this.#state !== LinkState.Stopped
  }

  /** The peer's node id, once a frame was accepted from it. */
  get peerNode (): number | undefined {
    return this.#peerNode
  }

  /**
   * The peer is at another address now (a peer given by name whose container came back with a
   * new IP). Only while the link is detached: the carrier keys links by address
   * (UdpTunnel.relink does both).
   */
  repoint (host: string): void {
    this.#peer = { host, port: this.#peer.port }
    // A peer at a new address is a restarted one, and it may answer our hello with a hello-ack
    // rather than send a hello of its own (it comes up on ours), so its new sequence starts a new
    // window here. Frames stamped before its last accepted hello stay refused.
    this.#guard.restart()
  }

  /** The peer's last hello or hello-ack body (copied), once one was accepted. */
  get peerHello (): HelloBody | undefined {
    return this.#peerHello
  }

  /** Whether a transport is attached. */
  get attached (): boolean {
    return this.#sink !== undefined
  }

  /** The attached transport, if any (a transport checks it is still the one before detaching). */
  get sink (): FrameSink | undefined {
    return this.#sink
  }

  /** The tick period of the link's one timer: a quarter of the shortest interval, at least 5 ms. */
  get tickMs (): number {
    return Math.max(5, Math.min(this.#helloMs, this.#keepaliveMs, this.#deadMs) / 4)
  }

  /** The last up-to-`delaySamples` one-way delay samples of data frames, oldest first, µs. */
  delaySamples (): number[] {
    const n = Math.min(this.stats.delay.count, this.#delays.length)
    const out = new Array<number>(n)
    const start = this.stats.delay.count > this.#delays.length ? this.#delayNext : 0
    for (let i = 0; i < n; i++) out[i] = this.#delays[(start + i) % this.#delays.length]!
    return out
  }

  /**
   * Sets (or, with undefined, removes) the transport. A new transport on a started link gets a
   * hello at once (a new path re-announces the link; it also lets a restarted peer reset its replay
   * window, SPEC.md §5). Removing it takes the link down (`detached`).
   */
  attach (sink: FrameSink | undefined): void {
    this.#sink = sink
    if (sink === undefined) {
      if (this.#state === LinkState.Up) this.#enter(LinkState.Down, 'detached')
      return
    }
    if (this.#state !== LinkState.Stopped) this.#sendHello(this.#nowMs())
  }

  /** Starts the timer and, with a transport attached, sends the first hello. */
  start (): void {
    if (this.#state !== LinkState.Stopped) return
    this.#state = LinkState.Down
    this.#lastHeardMs = this.#nowMs()
    this.#timer = this.#timers.setInterval(() => { this.tick() }, this.tickMs)
    if (this.#sink !== undefined) this.#sendHello(this.#nowMs())
  }

  /** Sends bye (when a transport is attached), stops the timer, and takes the link down. Idempotent. */
  stop (reason: number = ByeReason.Shutdown): void {
    if (this.#state === LinkState.Stopped) return
    if (this.#sink !== undefined) this.#sendControl(MessageType.Bye, encodeBye({ reason }))
    this.#timers.clearInterval(this.#timer)
    this.#timer = undefined
    this.#enter(LinkState.Stopped, 'stopped')
  }

  /**
   * The periodic work, called by the link's timer (or by a test with an injected clock): down after
   * the dead interval; hello every hello interval while down; keepalive after a keepalive interval
   * without sending anything while up.
   */
  tick (): void {
    if (this.#state === LinkState.Stopped) return
    const now = this.#nowMs()
    this.#o.reassembler?.sweep(now)
    if (this.#state === LinkState.Up && now - this.#lastHeardMs >= this.#deadMs) this.#enter(LinkState.Down, 'timeout')
    if (this.#sink === undefined) return
    if (this.#state === LinkState.Down) {
      if (now - this.#lastHelloMs >= this.#helloMs) this.#sendHello(now)
    } else if (now - this.#lastSentMs >= this.#keepaliveMs) {
      this.#sendControl(MessageType.Keepalive, EMPTY)
    }
  }

  /**
   * Sends one IPX packet (30-byte header and data, its length field equal to its size) as a data
   * frame of `trafficClass`. Returns undefined when the transport took it, else the drop reason
   * (also counted in {@link txCounters}).
   */
  send (ipx: Buffer, trafficClass = 0): DropReason | undefined {
    const c = this.txCounters
    const size = ipx.length
    c.receive(size)
    let reason: DropReason | undefined
    if (size < IPX_HEADER_LENGTH) reason = DropReason.Malformed
    else {
      // SPEC.md §3: a data body is exactly one IPX packet, its length field equal to the body size.
      const ipxLength = readLength(ipx)
      if (ipxLength < IPX_HEADER_LENGTH) reason = DropReason.Malformed
      else if (ipxLength !== size) reason = DropReason.LengthMismatch
      else if (size > this.#maxPacket) reason = DropReason.Oversize
      else if (this.#sink === undefined || this.#state === LinkState.Stopped) reason = DropReason.SendFailed
    }
    if (reason !== undefined) {
      c.drop(reason)
      return reason
    }
    const frame = this.#encode(DATA, ipx, trafficClass & 0xff)
    reason = this.#sink!(frame)
    if (reason !== undefined) {
      c.drop(reason)
      return reason
    }
    c.deliver(size)
    this.stats.sent++
    this.stats.dataSent++
    this.#lastSentMs = this.#lastEncodeUs / 1000
    return undefined
  }

  /**
   * Handles one received native frame (a whole UDP datagram, or one frame a TCP deframer yielded).
   * Returns undefined when accepted (delivered or consumed), else the drop reason, also counted in
   * {@link counters}; the signature fits `DosboxServer`'s `onOther`. Never throws.
   */
  handleDatagram (buf: Buffer, _rinfo?: RemoteInfo): DropReason | undefined {
    const size = buf.length
    this.counters.receive(size)
    if (this.#state === LinkState.Stopped) return this.#drop(DropReason.Policy, 'link not started')
    const receivedAt = this.#now()
    let frame: NativeFrame
    try {
      frame = decode(buf)
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err
      // SPEC.md §7: a version other than 1 is IPX_ERR_BAD_VALUE at offset 4 → unsupported, not malformed.
      const version = err.code === 'IPX_ERR_BAD_VALUE' && err.offset === NativeOffset.version
      return this.#drop(version ? DropReason.Unsupported : DropReason.Malformed, err.code)
    }
    const h = frame.header
    const sentAt = h.timestamp.seconds * MICROS_PER_SECOND + h.timestamp.micros
    const refused = this.#admit(buf, frame, sentAt, receivedAt)
    if (refused !== undefined) return refused
    this.stats.received++
    this.#lastHeardMs = receivedAt / 1000
    this.#peerNode = h.node
    switch (h.type) {
      case DATA:
        return this.#onData(frame, size, sentAt, receivedAt)
      case MessageType.Hello:
      case MessageType.HelloAck:
        this.#onHello(frame)
        break
      case MessageType.Keepalive:
        this.#sendControl(MessageType.KeepaliveAck, encodeEcho({ echoSequence: h.sequence, echoTimestamp: { seconds: h.timestamp.seconds, micros: h.timestamp.micros } }))
        break
      case MessageType.KeepaliveAck: {
        const echo = decodeEcho(frame.payload)
        const rtt = receivedAt - (echo.echoTimestamp.seconds * MICROS_PER_SECOND + echo.echoTimestamp.micros)
        // A forged echo once showed −86,399 s in /metrics (issue 13): only plausible samples count.
        if (plausibleRtt(rtt)) record(this.stats.rtt, rtt)
        else this.stats.rttDiscarded++
        break
      }
      case MessageType.Fragment:
        if (this.#o.reassembler === undefined) return this.#drop(DropReason.Unsupported, 'fragment without LFI', frame)
        this.#fragment(frame, receivedAt)
        break
      case MessageType.Bye:
        this.#onBye(frame)
        break
      default:
        return this.#drop(DropReason.Unsupported, 'unknown type', frame)
    }
    this.counters.deliver(size)
    if (this.#debug) this.#log?.debug('rx', { frame: describeFrame(frame) })
    return undefined
  }

  /**
   * Steps 3 to 5 for a decoded frame sent at `sentAt` (µs): the replay check (or a window reset by
   * a newer hello), the MAC, then the window moves and the sequence statistics. Returns the drop
   * reason (counted), or undefined when the frame is admitted.
   */
  #admit (buf: Buffer, frame: NativeFrame, sentAt: number, receivedAt: number): DropReason | undefined {
    const h = frame.header
    const seq = h.sequence
    const st = this.stats
    // SPEC.md §5 and sequence-guard.ts: strict with a key, measure-only without one.
    const guard = this.#guard
    const hello = h.type === HELLO || h.type === MessageType.HelloAck
    const g = guard.check(seq, sentAt, hello, receivedAt)
    if (g !== GUARD_OK) {
      return this.#drop(g === GuardResult.Future ? DropReason.FutureTimestamp : DropReason.Replayed, GUARD_DETAIL[g], frame)
    }
    if (this.#keys !== undefined) {
      const v = verify(buf, this.#keys)
      if (v !== 'ok') {
        if (v === 'unsigned') st.unsigned++
        else if (v === 'unknown_key') st.unknownKey++
        else st.badTag++
        this.#authWarning(v, h.keyId)
        return this.#drop(DropReason.Unauthenticated, v, frame)
      }
    }
    guard.accept(seq, sentAt, hello)
    return undefined
  }

  /** A data frame: its one-way delay sampled, its IPX packet to `onPacket` (oversize → `oversize`). */
  #onData (frame: NativeFrame, size: number, sentAt: number, receivedAt: number): DropReason | undefined {
    if (frame.payload.length > this.#maxPacket) return this.#drop(DropReason.Oversize, 'data', frame)
    const st = this.stats
    const delay = receivedAt - sentAt
    record(st.delay, delay)
    this.#delays[this.#delayNext] = delay
    this.#delayNext = (this.#delayNext + 1) % this.#delays.length
    st.dataReceived++
    const m = this.#meta
    m.trafficClass = frame.header.trafficClass
    m.sequence = frame.header.sequence
    m.sentAtMicros = sentAt
    m.receivedAtMicros = receivedAt
    this.counters.deliver(size)
    if (this.#debug) this.#log?.debug('rx', { frame: describeFrame(frame) })
    this.#o.onPacket(frame.payload, m)
    return undefined
  }

  /** A hello (answered with a hello-ack) or a hello-ack: the peer's announcement kept, the link up. */
  #onHello (frame: NativeFrame): void {
    const type = frame.header.type
    const body = decodeHello(frame.payload)
    this.#peerHello = { ...body, classDigest: Buffer.from(body.classDigest) }
    if (type === MessageType.Hello) this.#sendControl(MessageType.HelloAck, this.#helloBody)
    this.#enter(LinkState.Up, type === MessageType.Hello ? 'hello' : 'hello-ack')
  }

  /** A bye: the link goes down at once. */
  #onBye (frame: NativeFrame): void {
    const { reason } = decodeBye(frame.payload)
    this.#log?.info('peer said bye', { reason })
    this.#enter(LinkState.Down, 'bye')
  }

  /**
   * LFI: a fragment goes to the reassembler, which counts it by outcome (the link counts the frame
   * delivered to it); a rebuilt packet is delivered as a data frame would be, with the last
   * fragment's header as its meta.
   */
  #fragment (frame: NativeFrame, receivedAt: number): void {
    const r = this.#o.reassembler!.push(frame.payload, receivedAt / 1000)
    // The reassembler was made with this link's maxPacket, so a rebuilt packet never exceeds it.
    if (r.kind !== 'complete') return
    const h = frame.header
    const m = this.#meta
    m.trafficClass = h.trafficClass
    m.sequence = h.sequence
    m.sentAtMicros = h.timestamp.seconds * MICROS_PER_SECOND + h.timestamp.micros
    m.receivedAtMicros = receivedAt
    this.stats.dataReceived++
    this.#o.onPacket(r.packet, m)
  }

  /**
   * LFI: sends one fragment body ({@link fragmentPacket}) as a version 2 type-7 frame of
   * `trafficClass`, counted in {@link txCounters} like data. The caller sends fragments only to a
   * peer whose hello announced {@link Capability.Fragment}.
   */
  sendFragment (body: Buffer, trafficClass = 0): DropReason | undefined {
    const c = this.txCounters
    c.receive(body.length)
    let reason: DropReason | undefined = this.#sink === undefined || this.#state === LinkState.Stopped ? DropReason.SendFailed : undefined
    if (reason === undefined) {
      this.#txHeader.version = NATIVE_VERSION_LFI
      try {
        reason = this.#sink!(this.#encode(MessageType.Fragment, body, trafficClass & 0xff))
      } finally {
        this.#txHeader.version = NATIVE_VERSION
      }
    }
    if (reason !== undefined) {
      c.drop(reason)
      return reason
    }
    c.deliver(body.length)
    this.stats.sent++
    this.#lastSentMs = this.#lastEncodeUs / 1000
    return undefined
  }

  /** True when the peer's last hello announced fragment reassembly (LFI may send it fragments). */
  get peerReassembles (): boolean {
    return ((this.#peerHello?.capabilities ?? 0) & Capability.Fragment) !== 0
  }

  #drop (reason: DropReason, detail: string, frame?: NativeFrame): DropReason {
    this.counters.drop(reason)
    if (this.#debug) this.#log?.debug('drop', { reason, detail, ...(frame !== undefined ? { frame: describeFrame(frame) } : {}) })
    return reason
  }

  /**
   * One warning per minute naming the peer when its frames fail authentication: with different
   * `--key` values on two nodes the link stays down, and the default log level must say why.
   */
  #authWarning (why: string, keyId: number): void {
    const suppressed = this.#authLog.allow(why)
    if (suppressed === undefined) return
    this.#log?.warn('frames from the peer fail authentication: is the same --key (and key id) set on both nodes?', { peer: `${this.peer.host}:${this.peer.port}`, why, keyId, ...(suppressed > 0 ? { suppressedSinceLast: suppressed } : {}) })
  }

  #nowMs (): number {
    return this.#now() / 1000
  }

  /** Moves to `next`; going up or coming down is logged and told to `onStateChange`. */
  #enter (next: LinkState, reason: LinkChangeReason): void {
    const wasUp = this.#state === LinkState.Up
    this.#state = next
    const up = next === LinkState.Up
    if (wasUp === up) return
    this.#log?.info(up ? 'link up' : 'link down', { reason, ...(this.#peerNode !== undefined ? { peerNode: formatNode(this.#peerNode) } : {}) })
    this.#o.onStateChange?.(up, reason)
  }

  /** Encodes (then signs, SPEC.md §4: sign after encode) one frame into a buffer of its own. */
  #encode (type: number, payload: Buffer, trafficClass: number): Buffer {
    const h = this.#txHeader
    const auth = this.#signKey !== undefined
    h.type = type
    h.flags = auth ? FrameFlag.Authenticated : 0
    h.keyId = auth ? this.#signKeyId : 0
    h.trafficClass = trafficClass
    h.sequence = this.#seq
    this.#seq = (this.#seq + 1) >>> 0
    const us = this.#lastEncodeUs = Math.floor(this.#now())
    const seconds = Math.floor(us / MICROS_PER_SECOND)
    h.timestamp.seconds = seconds >>> 0
    h.timestamp.micros = us - seconds * MICROS_PER_SECOND
    h.length = NATIVE_HEADER_LENGTH + payload.length + (auth ? AUTH_TAG_LENGTH : 0)
    this.#txFrame.payload = payload
    const out = encode(this.#txFrame, Buffer.allocUnsafe(h.length))
    if (auth) sign(out, this.#signKey!)
    return out
  }

  #sendHello (nowMs: number): void {
    this.#lastHelloMs = nowMs
    this.#sendControl(MessageType.Hello, this.#helloBody)
  }

  /** Sends a control frame through the sink, counted in txCounters like data. */
  #sendControl (type: number, body: Buffer): void {
    const sink = this.#sink
    if (sink === undefined) return
    const frame = this.#encode(type, body, 0)
    this.txCounters.receive(body.length)
    const reason = sink(frame)
    if (reason !== undefined) {
      this.txCounters.drop(reason)
      return
    }
    this.txCounters.deliver(body.length)
    this.stats.sent++
    this.#lastSentMs = this.#lastEncodeUs / 1000
  }
}

const EMPTY = Buffer.alloc(0)
