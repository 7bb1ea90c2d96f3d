/**
 * Replaying a capture into a node (issue 7): the IPX frames of any capture the codec reads are
 * filtered, their addresses rewritten onto the lab's, timed (original spacing, a speed factor, or
 * as fast as the node accepts) and sent to a node's 2644 port, either as a DOSBox IPXNET client or
 * as a native peer.
 *
 * Three parts, from pure to I/O:
 *  1. the planner, pure: {@link planFrame} (what happens to one capture record: sent, with which
 *     bytes, or skipped and why) and {@link Schedule} (when a frame is due, from its timestamp);
 *  2. {@link Replayer}: streams the capture through the planner and the schedule and hands each
 *     datagram to an injected {@link ReplaySender}, with a bounded in-flight window; clock and
 *     sleep are injected, so it runs on a virtual clock in tests;
 *  3. the two senders over node:dgram, {@link DosboxSender} and {@link NativeSender}.
 *
 * The two modes (which one to use depends on where the frames should go):
 *  - `dosbox`: the replayer registers as a DOSBox client (the 30-byte registration of
 *    ../shared/tools/dosbox/README.md Part 1, retried: DOSBox itself sends it once) and sends
 *    bare IPX datagrams. The node checks that a client's source node is its own ip:port node and
 *    drops anything else as `spoofed` (src/transport/dosbox-server.ts step 8), so a DOSBox-mode
 *    replay necessarily rewrites every source node to the node the server assigned; destinations
 *    are kept unless rewritten, and the checksum becomes FFFF as DOSBox writes it. The node then treats the frames as traffic from its own segment:
 *    broadcasts and unknown unicasts are flooded to its peers (bridge mode), so they reach the
 *    other nodes of the lab.
 *  - `native`: the replayer acts as another node of the mesh (protocol/tunnel/SPEC.md): hello,
 *    data frames carrying the capture's frames with their source nodes intact, keepalives, bye;
 *    frames are signed when a key is given. The node accepts native frames only from a configured
 *    peer (src/transport/udp-tunnel.ts: other senders count `unregistered`), so the node must list
 *    the replayer's bind address as a peer. A node never relays a peer's traffic to another peer
 *    (src/node/router.ts, split horizon of the full mesh), so a native replay reaches the target
 *    node's own segment and services only.
 *
 * Flow control: every `window` frames the sender sends a marker through the node and the replayer
 * waits for it. DOSBox mode: a unicast from the replayer to a second DOSBox client of its own (the
 * "sync client", registered beside it), which every DOSBox-protocol server relays as it relays any
 * unicast between two clients, so nothing depends on a server returning a packet to its sender
 * (ipxbox never does; DOSBox and ipxlab do). Native: a keepalive, which the link answers with a
 * keepalive-ack echoing its sequence. One UDP socket to one server on loopback keeps order, and a
 * server reads datagrams one at a time, so the marker's arrival means the server has read every
 * frame before it. That does not vouch for other clients' queues inside a server (ipxbox gives
 * each client a 16-packet queue drained by a goroutine of its own, network/pipe/pipe.go, and the
 * marker's goroutine may run first), so `--max` is also paced: a window takes at least
 * {@link DEFAULT_WINDOW_MS}, and the default window (8) plus the marker is half such a queue. An
 * unanswered marker is counted (`syncTimeouts`): frames may have been lost at the server.
 */
import dgram from 'node:dgram'
import { randomInt } from 'node:crypto'
import type { RemoteInfo } from 'node:dgram'
import { ipx, tunnel, DecodeError, IPX_HEADER_LENGTH, IPX_NO_CHECKSUM } from '../../protocol/index.js'
import { ConfigError, CaptureError, TransportError } from '../errors.js'
import { DOSBOX_CONTROL_SOCKET, DOSBOX_MAX_DATAGRAM } from '../../protocol/constants.js'
import { readFrames } from './frames.js'
import type { FrameResult, FrameOptions } from './frames.js'

/** How frames reach the node. */
export type ReplayMode = 'dosbox' | 'native'

/** Why a capture record was not sent. Stable names: they appear in the summary and in tests. */
export const SkipReason = {
  /** The record carries no IPX (another EtherType, IP protocol or UDP port). */
  NotIpx: 'not_ipx',
  /** The codec refused the record (its code and offset are in the frame result). */
  Malformed: 'malformed',
  /** The capture cut the frame short (snaplen): the missing bytes cannot be replayed. */
  Snapped: 'snapped',
  /** Outside `--frames`. */
  FrameRange: 'frame_range',
  /** Neither socket is one of `--socket`. */
  Socket: 'socket',
  /** The packet type is not one of `--type`. */
  PacketType: 'packet_type',
  /** Larger than the node accepts (1424 bytes, DOSBox IPXBUFFERSIZE; the native link's default too). */
  Oversize: 'oversize',
  /** DOSBox mode: destination socket 2 and destination node bytes 10-13 zero, which the server reads as a registration. */
  Registration: 'registration',
  /** DOSBox mode: addressed to the replayer's own node; the server would only return it to the replayer. */
  ToSelf: 'to_self'
} as const
export type SkipReason = typeof SkipReason[keyof typeof SkipReason]

/** Which frames to replay. Empty or absent lists select everything. */
export interface ReplayFilter {
  /** Frames whose source or destination socket is one of these. */
  sockets?: readonly number[]
  /** Frames of these packet types. */
  types?: readonly number[]
  /** Frame numbers, 1-based as tshark counts, inclusive. */
  frames?: { from: number, to: number }
}

/** Address rewriting from the capture's LAN onto the lab's. */
export interface ReplayRewrite {
  /** Network number → network number, for source and destination. Wins over {@link allNetworks}. */
  networks?: ReadonlyMap<number, number>
  /**
   * Every network number except 0 ("this network", already the lab's) and FFFFFFFF (all
   * networks) becomes this one: `--network`, the shorthand to play a capture from another LAN
   * into a bridge-mode lab, whose router refuses other networks (`unknown_destination`).
   */
  allNetworks?: number
  /** Node → node, for source and destination (broadcast only when mapped explicitly). */
  nodes?: ReadonlyMap<number, number>
}

/** Timing: original spacing divided by `speed` (1 = as captured), or as fast as the node accepts. */
export type ReplayTiming = { kind: 'original', speed: number } | { kind: 'max' }

/** What the planner needs. */
export interface PlanOptions {
  mode: ReplayMode
  filter?: ReplayFilter
  rewrite?: ReplayRewrite
  /** DOSBox mode: the node the server assigned; every source node becomes it. */
  sourceNode?: number
  /** Largest IPX packet sent, bytes (default 1424). */
  maxPacket?: number
}

/** One frame to send. */
export interface PlannedFrame {
  kind: 'send'
  /** Frame number, 1-based. */
  frame: number
  timestampNs: bigint
  /** The IPX packet to send: exactly `length` bytes, addresses rewritten. A buffer of its own. */
  datagram: Buffer
  /** Whether any header byte differs from the capture. */
  rewritten: boolean
}

/** One record not sent. */
export interface SkippedFrame {
  kind: 'skip'
  frame: number
  reason: SkipReason
  /** For `malformed`: the codec's error. */
  error?: DecodeError
}

/** Registration test of the DOSBox server: dst socket 2 and dst node bytes 10-13 zero ([074] ipxserver.cpp:175-177). */
function looksLikeRegistration (d: Buffer): boolean {
  return d.readUInt16BE(16) === DOSBOX_CONTROL_SOCKET && d.readUInt32BE(10) === 0
}

function readNode (b: Buffer, at: number): number {
  return b.readUInt16BE(at) * 0x100000000 + b.readUInt32BE(at + 2)
}

function writeNode (b: Buffer, at: number, v: number): void {
  b.writeUInt16BE(Math.floor(v / 0x100000000), at)
  b.writeUInt32BE(v % 0x100000000, at + 2)
}

function mapNetwork (n: number, r: ReplayRewrite | undefined): number {
  const explicit = r?.networks?.get(n)
  if (explicit !== undefined) return explicit
  if (r?.allNetworks !== undefined && n !== 0 && n !== 0xffffffff) return r.allNetworks
  return n
}

function mapNode (n: number, r: ReplayRewrite | undefined): number {
  return r?.nodes?.get(n) ?? n
}

/**
 * The IPX bytes of a located frame with the addresses rewritten. Header offsets 6 (dst network),
 * 10 (dst node), 18 (src network), 22 (src node) as in protocol/ipx/header.ts. A checksum other
 * than FFFF that was right stays right (recomputed, protocol/ipx/header.ts `computeChecksum`);
 * one that was already wrong is left as captured. With `noChecksum` (DOSBox mode) the checksum
 * becomes FFFF whatever it was: every DOSBox client writes FF FF there ([074] ipx.cpp:656
 * sendPacket), and a node tells bare IPX from its native frames by those two bytes (RFC 1234
 * "Reserved Packets"; src/transport/udp-tunnel.ts): a captured checksum of 0000, as in
 * ipxbox's ipxpkt.cap, would otherwise be dropped as `unsupported`.
 */
export function rewritePacket (packet: ipx.IpxPacket, rewrite: ReplayRewrite | undefined, sourceNode?: number, noChecksum = false): { datagram: Buffer, rewritten: boolean } {
  const d = ipx.packet.encode(packet)
  if (noChecksum && d.readUInt16BE(0) !== IPX_NO_CHECKSUM) {
    d.writeUInt16BE(IPX_NO_CHECKSUM, 0)
    rewriteAddresses(d, rewrite, sourceNode)
    return { datagram: d, rewritten: true }
  }
  const checksumWasRight = d.readUInt16BE(0) !== IPX_NO_CHECKSUM && ipx.computeChecksum(d, 0, d.length) === d.readUInt16BE(0)
  const rewritten = rewriteAddresses(d, rewrite, sourceNode)
  if (rewritten && checksumWasRight) d.writeUInt16BE(ipx.computeChecksum(d, 0, d.length), 0)
  return { datagram: d, rewritten }
}

/** Rewrites the four address fields of `d` in place; true when a byte changed. */
function rewriteAddresses (d: Buffer, rewrite: ReplayRewrite | undefined, sourceNode: number | undefined): boolean {
  let rewritten = false
  for (const at of [6, 18]) {
    const from = d.readUInt32BE(at)
    const to = mapNetwork(from, rewrite)
    if (to !== from) { d.writeUInt32BE(to, at); rewritten = true }
  }
  for (const at of [10, 22]) {
    const from = readNode(d, at)
    const to = at === 22 && sourceNode !== undefined ? sourceNode : mapNode(from, rewrite)
    if (to !== from) { writeNode(d, at, to); rewritten = true }
  }
  return rewritten
}

/**
 * What happens to one capture record, in this order: not IPX, malformed, snapped, outside the
 * frame range, socket filter, type filter, oversize, then (DOSBox mode) a registration look-alike
 * or a frame to the replayer itself. Pure; never throws for bad bytes.
 */
export function planFrame (f: FrameResult, o: PlanOptions): PlannedFrame | SkippedFrame {
  const frame = f.record.index + 1
  if (f.kind === 'not_ipx') return { kind: 'skip', frame, reason: SkipReason.NotIpx }
  if (f.kind === 'malformed') return { kind: 'skip', frame, reason: SkipReason.Malformed, error: f.error }
  if (f.snapped > 0) return { kind: 'skip', frame, reason: SkipReason.Snapped }
  const range = o.filter?.frames
  if (range !== undefined && (frame < range.from || frame > range.to)) return { kind: 'skip', frame, reason: SkipReason.FrameRange }
  const h = f.located.ipx.header
  const sockets = o.filter?.sockets
  if (sockets !== undefined && sockets.length > 0 && !sockets.includes(h.src.socket) && !sockets.includes(h.dst.socket)) {
    return { kind: 'skip', frame, reason: SkipReason.Socket }
  }
  const types = o.filter?.types
  if (types !== undefined && types.length > 0 && !types.includes(h.packetType)) return { kind: 'skip', frame, reason: SkipReason.PacketType }
  if (h.length > (o.maxPacket ?? DOSBOX_MAX_DATAGRAM)) return { kind: 'skip', frame, reason: SkipReason.Oversize }
  const { datagram, rewritten } = rewritePacket(f.located.ipx, o.rewrite, o.mode === 'dosbox' ? o.sourceNode : undefined, o.mode === 'dosbox')
  if (o.mode === 'dosbox') {
    if (looksLikeRegistration(datagram)) return { kind: 'skip', frame, reason: SkipReason.Registration }
    if (o.sourceNode !== undefined && readNode(datagram, 10) === o.sourceNode) return { kind: 'skip', frame, reason: SkipReason.ToSelf }
  }
  return { kind: 'send', frame, timestampNs: f.record.timestampNs, datagram, rewritten }
}

/**
 * When frames are due, in ms after the replay started. Original timing: each pass starts where
 * the previous one ended; within a pass a frame is due `(t - t_first) / speed` after the pass's
 * start. Timestamps that go backwards never move a frame before its predecessor. `max`: every
 * frame is due at once (the in-flight window paces the sending).
 */
export class Schedule {
  readonly timing: ReplayTiming
  #passFirst: bigint | undefined
  #passStart = 0
  #last = 0

  constructor (timing: ReplayTiming) {
    if (timing.kind === 'original' && !(Number.isFinite(timing.speed) && timing.speed > 0)) {
      throw new ConfigError('speed', `must be a positive number, got ${timing.speed}`)
    }
    this.timing = timing
  }

  /** Starts a pass (a `--loop` iteration): its first frame is due when the last one was. */
  startPass (): void {
    this.#passFirst = undefined
    this.#passStart = this.#last
  }

  /** The due time of the next frame of the current pass, ms. */
  next (timestampNs: bigint): number {
    if (this.timing.kind === 'max') return 0
    this.#passFirst ??= timestampNs
    const offset = Number(timestampNs - this.#passFirst) / 1e6 / this.timing.speed
    this.#last = Math.max(this.#last, this.#passStart + offset)
    return this.#last
  }
}

/** The due times of `passes` passes over frames with these timestamps: the schedule, computed. */
export function computeSchedule (timestampsNs: readonly bigint[], timing: ReplayTiming, passes = 1): number[] {
  const s = new Schedule(timing)
  const out: number[] = []
  for (let p = 0; p < passes; p++) {
    s.startPass()
    for (const t of timestampsNs) out.push(s.next(t))
  }
  return out
}

/** Where the replayer's datagrams go. */
export interface ReplaySender {
  readonly mode: ReplayMode
  /** DOSBox mode: the node the server assigned (known after {@link open}). */
  readonly sourceNode: number | undefined
  /** Connects (DOSBox: registers; native: hello until hello-ack). Rejects with TransportError. */
  open: () => Promise<void>
  /** Sends one IPX packet. */
  send: (datagram: Buffer) => void
  /** Resolves true once the node has handled everything sent so far, false after `timeoutMs`. */
  sync: (timeoutMs: number) => Promise<boolean>
  /** Says goodbye where the protocol has a way, and closes the socket. */
  close: () => Promise<void>
}

/** Live figures of a replay, for the progress bar and the summary. */
export interface ReplayStats {
  /** Capture records read, over every pass. */
  read: number
  /** Frames sent. */
  sent: number
  /** Records not sent, by reason. */
  skipped: Record<SkipReason, number>
  /** Frames whose header was rewritten. */
  rewritten: number
  /** Passes started. */
  passes: number
  /** Flow-control markers the node did not answer in time (frames may have been lost at the node). */
  syncTimeouts: number
  /** ms from the first frame sent to the last marker answered. */
  elapsedMs: number
  /** The first frame number the codec refused, with its code, for the summary. */
  firstMalformed: { frame: number, code: string, offset: number } | undefined
  /** Set when the capture could not be read to its end: where it stopped (whole records were replayed). */
  stopped: CaptureError | undefined
}

/** Options of {@link Replayer}. */
export interface ReplayerOptions {
  path: string
  sender: ReplaySender
  timing: ReplayTiming
  /** Passes over the capture (default 1). */
  loop?: number
  filter?: ReplayFilter
  rewrite?: ReplayRewrite
  /** Capture reading (extra IPX-in-UDP ports). */
  frames?: FrameOptions
  /** Frames sent between two flow-control markers (default {@link DEFAULT_WINDOW}). */
  window?: number
  /** `max` timing: the shortest time a window of frames may take, ms (default {@link DEFAULT_WINDOW_MS}). */
  windowMs?: number
  /** How long to wait for a marker, ms (default 2000). */
  syncTimeoutMs?: number
  maxPacket?: number
  /** ms, monotonic (default `performance.now()`). */
  now?: () => number
  /** Waits `ms` (default a timer). */
  sleep?: (ms: number) => Promise<void>
  /** Told after every record (sent or skipped). */
  onProgress?: (stats: Readonly<ReplayStats>) => void
  /** Told of every frame sent; `datagram` is the sender's buffer: copy what you keep. */
  onSend?: (frame: PlannedFrame) => void
  /** Stops the replay between frames when aborted. */
  signal?: AbortSignal
}

/**
 * Default in-flight window: 8 frames and the marker are half of a 16-packet per-client queue at
 * the server (ipxbox's `maxBufferedPackets` = 16, network/pipe/pipe.go: one for what a client sends,
 * one for what each client is sent), so a queue whose worker ran late still has room for the next
 * window. 8 frames of at most 1424 bytes take 18 KiB of a receive buffer at Linux's 2,304-byte
 * truesize for such a datagram on loopback (measured), inside a node's bounded relay buffer and
 * Linux's 208 KiB default `rmem_default`.
 */
export const DEFAULT_WINDOW = 8

/**
 * Default shortest window, ms (see {@link ReplayerOptions.windowMs}): 8 frames per 2 ms, at most
 * 4,000 frames/s. Measured into ipxbox on this 2-core machine under load (doom.cap, 1,116 frames,
 * counted at a listening client): windows of 15 with no pacing lost 66-93 frames a run, windows
 * of 2 lost 44-61, 15 per 2 ms up to 19; 8 per 2 ms and 15 per 4 ms lost none in 4 runs each.
 */
export const DEFAULT_WINDOW_MS = 2

function emptySkips (): Record<SkipReason, number> {
  const s = {} as Record<SkipReason, number>
  for (const r of Object.values(SkipReason)) s[r] = 0
  return s
}

async function defaultSleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

/** Streams a capture through the planner and the schedule into a {@link ReplaySender}. */
export class Replayer {
  readonly stats: ReplayStats = {
    read: 0, sent: 0, skipped: emptySkips(), rewritten: 0, passes: 0, syncTimeouts: 0, elapsedMs: 0, firstMalformed: undefined, stopped: undefined
  }

  readonly #o: ReplayerOptions
  readonly #now: () => number
  readonly #sleep: (ms: number) => Promise<void>

  constructor (options: ReplayerOptions) {
    const loop = options.loop ?? 1
    if (!(Number.isInteger(loop) && loop >= 1)) throw new ConfigError('loop', `must be an integer of at least 1, got ${loop}`)
    const window = options.window ?? DEFAULT_WINDOW
    if (!(Number.isInteger(window) && window >= 1)) throw new ConfigError('window', `must be an integer of at least 1, got ${window}`)
    this.#o = options
    this.#now = options.now ?? (() => performance.now())
    this.#sleep = options.sleep ?? defaultSleep
  }

  /**
   * Opens the sender, replays every pass, waits for the node to have handled the last frame, and
   * closes the sender. Throws {@link CaptureError} when the capture yields no record at all
   * (unreadable); a capture that breaks after whole records is replayed up to there and the error
   * is kept in `stats.stopped`.
   */
  async run (): Promise<ReplayStats> {
    const o = this.#o
    const st = this.stats
    const schedule = new Schedule(o.timing)
    const window = o.window ?? DEFAULT_WINDOW
    const syncMs = o.syncTimeoutMs ?? 2000
    await o.sender.open()
    let start: number | undefined
    let inFlight = 0
    const windowMs = o.timing.kind === 'max' ? (o.windowMs ?? DEFAULT_WINDOW_MS) : 0
    let windowStart = this.#now()
    try {
      const aborted = (): boolean => o.signal?.aborted === true
      for (let pass = 0; pass < (o.loop ?? 1) && !aborted(); pass++) {
        st.passes++
        schedule.startPass()
        let records = 0
        try {
          for await (const f of readFrames(o.path, o.frames ?? {})) {
            records++
            st.read++
            const plan = planFrame(f, {
              mode: o.sender.mode,
              ...(o.filter !== undefined ? { filter: o.filter } : {}),
              ...(o.rewrite !== undefined ? { rewrite: o.rewrite } : {}),
              ...(o.sender.sourceNode !== undefined ? { sourceNode: o.sender.sourceNode } : {}),
              ...(o.maxPacket !== undefined ? { maxPacket: o.maxPacket } : {})
            })
            if (plan.kind === 'skip') {
              st.skipped[plan.reason]++
              if (plan.error !== undefined && st.firstMalformed === undefined) st.firstMalformed = { frame: plan.frame, code: plan.error.code, offset: plan.error.offset }
              o.onProgress?.(st)
              continue
            }
            const due = schedule.next(plan.timestampNs)
            start ??= this.#now()
            const wait = start + due - this.#now()
            if (wait > 0) await this.#sleep(wait)
            if (aborted()) break
            if (inFlight >= window) {
              if (!await o.sender.sync(syncMs)) st.syncTimeouts++
              inFlight = 0
              // Pacing: a window takes at least windowMs, so a server's per-client queues, which
              // the marker cannot vouch for (another client's queue is drained by its own worker),
              // drain between two windows.
              const rest = windowStart + windowMs - this.#now()
              if (rest > 0) await this.#sleep(rest)
              windowStart = this.#now()
            }
            o.sender.send(plan.datagram)
            inFlight++
            st.sent++
            if (plan.rewritten) st.rewritten++
            o.onSend?.(plan)
            o.onProgress?.(st)
          }
        } catch (err) {
          if (!(err instanceof CaptureError)) throw err
          if (records === 0) throw err
          st.stopped ??= err
        }
      }
      if (inFlight > 0 && !await o.sender.sync(syncMs)) st.syncTimeouts++
      st.elapsedMs = start === undefined ? 0 : this.#now() - start
    } finally {
      await o.sender.close()
    }
    return st
  }
}

// ---------------------------------------------------------------------------------------------
// Senders over node:dgram.

/** Options shared by the senders. */
export interface SenderOptions {
  /** The node's 2644 address. */
  to: { host: string, port: number }
  /** Local address to bind (default an ephemeral port on the wildcard of `to`'s family). */
  bind?: { host: string, port: number }
  /** Every datagram the node sends this client, other than the ack and the flow-control markers. */
  onDatagram?: (datagram: Buffer) => void
}

async function openSocket (o: SenderOptions, onMessage: (d: Buffer, r: RemoteInfo) => void): Promise<dgram.Socket> {
  const v6 = o.to.host.includes(':')
  const socket = dgram.createSocket(v6 ? 'udp6' : 'udp4')
  socket.on('message', onMessage)
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error): void => {
      reject(new TransportError((err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'IPX_ERR_ADDR_IN_USE' : 'IPX_ERR_SOCKET', `cannot bind the replayer's socket: ${err.message}`, { cause: err }))
    }
    socket.once('error', fail)
    socket.bind(o.bind?.port ?? 0, o.bind?.host ?? (v6 ? '::' : '0.0.0.0'), () => { socket.removeListener('error', fail); resolve() })
  })
  // Send errors (ICMP port unreachable and the like) must not crash the process; they show as
  // unanswered markers.
  socket.on('error', () => {})
  return socket
}

async function closeSocket (s: dgram.Socket | undefined): Promise<void> {
  if (s === undefined) return
  await new Promise<void>(resolve => { s.close(() => { resolve() }) })
}

/** A waiter for one condition on received datagrams, bounded by a timeout. */
class Waiter {
  #pending: Array<{ test: () => boolean, resolve: (ok: boolean) => void, timer: NodeJS.Timeout }> = []

  async wait (test: () => boolean, ms: number): Promise<boolean> {
    if (test()) return true
    return await new Promise<boolean>(resolve => {
      const entry = { test, resolve, timer: setTimeout(() => { this.#pending = this.#pending.filter(e => e !== entry); resolve(false) }, ms) }
      this.#pending.push(entry)
    })
  }

  /** Re-tests the pending conditions (after a datagram arrived). */
  poke (): void {
    if (this.#pending.length === 0) return
    this.#pending = this.#pending.filter(e => {
      if (!e.test()) return true
      clearTimeout(e.timer)
      e.resolve(true)
      return false
    })
  }
}

/** Registration attempts and the wait for each ack (DOSBox waits 5000 ms once, [074] ipx.cpp:804; we retry). */
export const REGISTRATION_ATTEMPTS = 4
export const REGISTRATION_WAIT_MS = 750

/** Payload prefix of the flow-control markers of {@link DosboxSender}. */
const SYNC_MAGIC = Buffer.from('ipxlab-replay-sync')

/** The 30-byte registration of [074] ipx.cpp:751-800: socket 2, every node and network zero. */
function registrationDatagram (): Buffer {
  return ipx.header.encode({
    checksum: IPX_NO_CHECKSUM,
    length: IPX_HEADER_LENGTH,
    transportControl: 0,
    packetType: 0,
    dst: { network: 0, node: 0, socket: DOSBOX_CONTROL_SOCKET },
    src: { network: 0, node: 0, socket: DOSBOX_CONTROL_SOCKET }
  })
}

/** The ack ([074] ackClient): dst socket 2, src socket 2; its dst node is the client's node. */
function ackedNode (d: Buffer): number | undefined {
  return d.length >= IPX_HEADER_LENGTH && d[0] === 0xff && d[1] === 0xff &&
    d.readUInt16BE(16) === DOSBOX_CONTROL_SOCKET && d.readUInt16BE(28) === DOSBOX_CONTROL_SOCKET
    ? readNode(d, 10)
    : undefined
}

/**
 * A DOSBox IPXNET client: registers, then sends bare IPX. At its first flow-control marker a second
 * client of its own, the sync client, registers beside it and receives the markers from then on: unicasts from the first to
 * the second, which a server relays as any unicast between two clients ([074]
 * ipxserver.cpp:67-118; ipxbox and ipxlab alike). When the server refuses the second registration
 * (a full table), the markers go to the sender's own node instead, which DOSBox and ipxlab return
 * (a unicast to every slot whose ip:port equals the destination, the sender's own included).
 */
export class DosboxSender implements ReplaySender {
  readonly mode = 'dosbox'
  #node: number | undefined
  #syncNode: number | undefined
  #socket: dgram.Socket | undefined
  #syncSocket: dgram.Socket | undefined
  readonly #o: SenderOptions
  readonly #waiter = new Waiter()
  #markerSent = 0
  #markerSeen = 0
  #syncTried = false

  constructor (options: SenderOptions) {
    this.#o = options
  }

  get sourceNode (): number | undefined {
    return this.#node
  }

  /** The sync client's node, when it registered. */
  get syncNode (): number | undefined {
    return this.#syncNode
  }

  async open (): Promise<void> {
    this.#socket = await openSocket(this.#o, (d) => { this.#receive(d) })
    const registration = registrationDatagram()
    for (let i = 0; i < REGISTRATION_ATTEMPTS && this.#node === undefined; i++) {
      this.#raw(registration)
      await this.#waiter.wait(() => this.#node !== undefined, REGISTRATION_WAIT_MS)
    }
    if (this.#node === undefined) {
      await this.close()
      throw new TransportError('IPX_ERR_SOCKET', `no DOSBox registration ack from ${this.#o.to.host}:${this.#o.to.port} after ${REGISTRATION_ATTEMPTS} attempts`)
    }
  }

  /**
   * Opens and registers the sync client, once, at the first marker (a sender that never syncs,
   * such as `ipxlab ping`'s client or the lab's listener, registers no second client).
   */
  async #openSync (): Promise<void> {
    if (this.#syncTried) return
    this.#syncTried = true
    // An ephemeral port of its own on the sender's address family.
    const sync = await openSocket({ to: this.#o.to }, (d) => { this.#receiveSync(d) })
    this.#syncSocket = sync
    const registration = registrationDatagram()
    for (let i = 0; i < REGISTRATION_ATTEMPTS && this.#syncNode === undefined && this.#socket !== undefined; i++) {
      sync.send(registration, this.#o.to.port, this.#o.to.host)
      await this.#waiter.wait(() => this.#syncNode !== undefined, REGISTRATION_WAIT_MS)
    }
    if (this.#syncNode === undefined) {
      this.#syncSocket = undefined
      await closeSocket(sync)
    }
  }

  #raw (d: Buffer): void {
    this.#socket?.send(d, this.#o.to.port, this.#o.to.host)
  }

  /** A marker: payload SYNC_MAGIC + u32 number, from the sender's node. */
  #marker (d: Buffer): boolean {
    if (d.length !== IPX_HEADER_LENGTH + SYNC_MAGIC.length + 4 || readNode(d, 22) !== this.#node ||
        !d.subarray(IPX_HEADER_LENGTH, IPX_HEADER_LENGTH + SYNC_MAGIC.length).equals(SYNC_MAGIC)) return false
    this.#markerSeen = Math.max(this.#markerSeen, d.readUInt32BE(IPX_HEADER_LENGTH + SYNC_MAGIC.length))
    this.#waiter.poke()
    return true
  }

  #receive (d: Buffer): void {
    if (d.length < IPX_HEADER_LENGTH || d[0] !== 0xff || d[1] !== 0xff) return
    if (this.#node === undefined) {
      // The client takes the first datagram it gets ([074] ipx.cpp:813); we at least check the sockets.
      this.#node = ackedNode(d)
      if (this.#node !== undefined) this.#waiter.poke()
      return
    }
    if (this.#marker(d)) return
    this.#o.onDatagram?.(d)
  }

  /** The sync client hears the markers, and copies of the replayed broadcasts (ignored). */
  #receiveSync (d: Buffer): void {
    if (this.#syncNode === undefined) {
      this.#syncNode = ackedNode(d)
      if (this.#syncNode !== undefined) this.#waiter.poke()
      return
    }
    this.#marker(d)
  }

  send (datagram: Buffer): void {
    this.#raw(datagram)
  }

  async sync (timeoutMs: number): Promise<boolean> {
    await this.#openSync()
    const node = this.#node
    if (node === undefined) return false
    const n = ++this.#markerSent
    const payload = Buffer.alloc(SYNC_MAGIC.length + 4)
    SYNC_MAGIC.copy(payload)
    payload.writeUInt32BE(n >>> 0, SYNC_MAGIC.length)
    const marker = ipx.packet.encode(ipx.packet.makePacket({
      packetType: 0,
      dst: { network: 0, node: this.#syncNode ?? node, socket: DOSBOX_CONTROL_SOCKET },
      src: { network: 0, node, socket: DOSBOX_CONTROL_SOCKET }
    }, payload))
    this.#raw(marker)
    return await this.#waiter.wait(() => this.#markerSeen >= n, timeoutMs)
  }

  async close (): Promise<void> {
    // DOSBox has no disconnect datagram ([074] ipx.cpp:1004 TODO); the node expires idle clients.
    const s = this.#socket
    const sync = this.#syncSocket
    this.#socket = undefined
    this.#syncSocket = undefined
    await closeSocket(s)
    await closeSocket(sync)
  }
}

/** Options of {@link NativeSender}. */
export interface NativeSenderOptions extends SenderOptions {
  /** The replayer's node id in the native header (default 02:00:00:00 + bind port, a locally administered address). */
  node?: number
  /** Pre-shared key (≥ 16 bytes): frames are signed (SPEC.md §4). */
  key?: Buffer
  /** Key id (default 1, as the node's config). */
  keyId?: number
  /** Network announced in hello (default 0). */
  network?: number
  /** Keepalive after this long without sending, ms (default 1000, the link default; the node's dead interval is 3 of them). */
  keepaliveMs?: number
}

/** A native peer (protocol/tunnel/SPEC.md): hello, data, keepalive markers, bye. */
export class NativeSender implements ReplaySender {
  readonly mode = 'native'
  readonly sourceNode = undefined
  readonly #o: NativeSenderOptions
  readonly #waiter = new Waiter()
  #socket: dgram.Socket | undefined
  #node = 0
  /** Random first sequence, as NativeLink starts (a restarted replayer's hello then resets the node's window, SPEC.md §5). */
  #seq = randomInt(0, 0x100000000)
  #up = false
  #echoed = -1
  #lastSentMs = 0
  #timer: NodeJS.Timeout | undefined

  constructor (options: NativeSenderOptions) {
    if (options.key !== undefined && options.key.length < tunnel.MIN_KEY_LENGTH) {
      throw new ConfigError('key', `is ${options.key.length} bytes; at least ${tunnel.MIN_KEY_LENGTH} are needed (tunnel SPEC.md §4)`)
    }
    this.#o = options
  }

  async open (): Promise<void> {
    this.#socket = await openSocket(this.#o, (d, r) => { this.#receive(d, r) })
    const bound = this.#socket.address()
    this.#node = this.#o.node ?? 0x020000000000 + bound.port
    const hello = tunnel.encodeHello({
      network: this.#o.network ?? 0,
      mode: tunnel.LinkMode.Bridge,
      reserved: 0,
      capabilities: tunnel.Capability.Echo | (this.#o.key !== undefined ? tunnel.Capability.Auth : 0),
      keepaliveInterval: 1,
      maxPacket: DOSBOX_MAX_DATAGRAM,
      classDigest: Buffer.alloc(tunnel.CLASS_DIGEST_LENGTH)
    })
    for (let i = 0; i < REGISTRATION_ATTEMPTS && !this.#up; i++) {
      this.#frame(tunnel.MessageType.Hello, hello)
      await this.#waiter.wait(() => this.#up, REGISTRATION_WAIT_MS)
    }
    if (!this.#up) {
      await this.close()
      throw new TransportError('IPX_ERR_SOCKET', `no native hello-ack from ${this.#o.to.host}:${this.#o.to.port}: does the node list ${bound.address}:${bound.port} as a peer (and the same key)?`)
    }
    const keepaliveMs = this.#o.keepaliveMs ?? 1000
    this.#timer = setInterval(() => {
      if (performance.now() - this.#lastSentMs >= keepaliveMs) this.#frame(tunnel.MessageType.Keepalive, Buffer.alloc(0))
    }, Math.max(10, keepaliveMs / 4))
    this.#timer.unref()
  }

  /** Encodes, signs and sends one frame; returns its sequence. `sent` is called once the socket sent it. */
  #frame (type: number, body: Buffer, sent?: () => void): number {
    const seq = this.#seq
    this.#seq = (this.#seq + 1) >>> 0
    const us = Math.floor((performance.timeOrigin + performance.now()) * 1000)
    const seconds = Math.floor(us / 1e6)
    const key = this.#o.key
    const frame = tunnel.makeFrame({
      type,
      node: this.#node,
      sequence: seq,
      timestamp: { seconds, micros: us - seconds * 1e6 },
      ...(key !== undefined ? { authenticated: true, keyId: this.#o.keyId ?? 1 } : {})
    }, body)
    const out = tunnel.encode(frame)
    if (key !== undefined) tunnel.sign(out, key)
    if (this.#socket === undefined) sent?.()
    else this.#socket.send(out, this.#o.to.port, this.#o.to.host, () => { sent?.() })
    this.#lastSentMs = performance.now()
    return seq
  }

  #receive (d: Buffer, r: RemoteInfo): void {
    if (r.port !== this.#o.to.port || tunnel.classify(d) !== 'native') return
    let f: tunnel.NativeFrame
    try {
      f = tunnel.decode(d)
    } catch (err) {
      if (err instanceof DecodeError) return
      throw err
    }
    if (this.#o.key !== undefined && tunnel.verify(d, new Map([[this.#o.keyId ?? 1, this.#o.key]])) !== 'ok') return
    const type = f.header.type
    if (type === tunnel.MessageType.HelloAck || type === tunnel.MessageType.Hello) this.#up = true
    else if (type === tunnel.MessageType.KeepaliveAck) {
      const echo = tunnel.decodeEcho(f.payload).echoSequence
      // Serial-number comparison (RFC 1982): the latest echo wins.
      if (this.#echoed < 0 || ((echo - this.#echoed) >>> 0) < 0x80000000) this.#echoed = echo
    } else if (type === tunnel.MessageType.Keepalive) {
      this.#frame(tunnel.MessageType.KeepaliveAck, tunnel.encodeEcho({ echoSequence: f.header.sequence, echoTimestamp: f.header.timestamp }))
    }
    this.#waiter.poke()
  }

  send (datagram: Buffer): void {
    this.#frame(tunnel.MessageType.Data, datagram)
  }

  async sync (timeoutMs: number): Promise<boolean> {
    const seq = this.#frame(tunnel.MessageType.Keepalive, Buffer.alloc(0))
    return await this.#waiter.wait(() => this.#echoed >= 0 && ((this.#echoed - seq) >>> 0) < 0x80000000, timeoutMs)
  }

  async close (): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    const s = this.#socket
    if (s === undefined) return
    // The bye tells the node's link to go down at once rather than after its dead interval.
    if (this.#up) await new Promise<void>(resolve => { this.#frame(tunnel.MessageType.Bye, tunnel.encodeBye({ reason: tunnel.ByeReason.Shutdown }), resolve) })
    this.#socket = undefined
    await closeSocket(s)
  }
}
