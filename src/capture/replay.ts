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
 *  3. the senders, from src/transport/ (the cli wires them): `DosboxClient` (dosbox-client.ts)
 *     and `NativeClient` (native-client.ts).
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
import { ipx, IPX_NO_CHECKSUM } from '../../protocol/index.js'
import type { DecodeError } from '../../protocol/index.js'
import { ConfigError, CaptureError } from '../errors.js'
import { DOSBOX_MAX_DATAGRAM } from '../../protocol/constants.js'
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
  /**
   * Every source network becomes this one (wins over {@link networks}): the network the replayer
   * sits on, set by the automatic mapping (src/capture/network-map.ts), since in DOSBox mode the
   * replayer is the source of every frame.
   */
  sourceNetwork?: number
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
  return ipx.isDosboxRegistration(d)
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
  if (noChecksum && ipx.readChecksum(d) !== IPX_NO_CHECKSUM) {
    ipx.writeChecksum(d, IPX_NO_CHECKSUM)
    rewriteAddresses(d, rewrite, sourceNode)
    return { datagram: d, rewritten: true }
  }
  const checksumWasRight = ipx.readChecksum(d) !== IPX_NO_CHECKSUM && ipx.computeChecksum(d, 0, d.length) === ipx.readChecksum(d)
  const rewritten = rewriteAddresses(d, rewrite, sourceNode)
  if (rewritten && checksumWasRight) ipx.writeChecksum(d, ipx.computeChecksum(d, 0, d.length))
  return { datagram: d, rewritten }
}

/** Rewrites the four address fields of `d` in place; true when a byte changed. */
function rewriteAddresses (d: Buffer, rewrite: ReplayRewrite | undefined, sourceNode: number | undefined): boolean {
  let rewritten = false
  for (const [read, write, isSrc] of [[ipx.readDstNetwork, ipx.writeDstNetwork, false], [ipx.readSrcNetwork, ipx.writeSrcNetwork, true]] as const) {
    const from = read(d)
    const to = isSrc && rewrite?.sourceNetwork !== undefined ? rewrite.sourceNetwork : mapNetwork(from, rewrite)
    if (to !== from) { write(d, to); rewritten = true }
  }
  for (const [read, write, isSrc] of [[ipx.readDstNode, ipx.writeDstNode, false], [ipx.readSrcNode, ipx.writeSrcNode, true]] as const) {
    const from = read(d)
    const to = isSrc && sourceNode !== undefined ? sourceNode : mapNode(from, rewrite)
    if (to !== from) { write(d, to); rewritten = true }
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
    if (o.sourceNode !== undefined && ipx.readDstNode(datagram) === o.sourceNode) return { kind: 'skip', frame, reason: SkipReason.ToSelf }
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
  /**
   * Called once the sender is open (registered), before the first frame: its result, when
   * defined, replaces {@link rewrite}. The automatic network mapping asks the node here.
   */
  resolveRewrite?: (sender: ReplaySender) => Promise<ReplayRewrite | undefined>
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
    let rewrite = o.rewrite
    try {
      rewrite = (await o.resolveRewrite?.(o.sender)) ?? rewrite
    } catch (err) {
      await o.sender.close()
      throw err
    }
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
              ...(rewrite !== undefined ? { rewrite } : {}),
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
