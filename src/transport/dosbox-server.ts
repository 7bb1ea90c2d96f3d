/**
 * The DOSBox IPXNET server role (`IPXNET STARTSERVER`), byte-exact on the wire with DOSBox 0.74,
 * dosbox-staging and DOSBox-X, and stricter than all of them where that costs a DOSBox client
 * nothing. Facts and line numbers: ../shared/tools/dosbox/README.md Part 1 (tags [074], [stg082],
 * [stgHEAD], [dbx] there).
 *
 * This class holds no socket: it is given a `send` function and fed datagrams through
 * {@link DosboxServer.handle}; `serve.ts` wires it to a {@link UdpEndpoint}. Time comes from an
 * injectable `now()`, so expiry and rate limits are testable.
 *
 * Life of a datagram in {@link DosboxServer.handle} (each step ends in exactly one counter):
 *  1. fewer than 2 bytes → `malformed`; first two bytes not FF FF → the `onOther` hook (the
 *     native tunnel seam), or `unsupported` without one;
 *  2. fewer than 30 bytes → `malformed` ([074] reads stale bytes instead, probe T9);
 *     more than `maxDatagram` (1424, DOSBox IPXBUFFERSIZE) → `oversize` ([074] truncates, T10);
 *  3. IPv6 sender (not IPv4-mapped) → `unsupported`: a DOSBox node is IPv4 + port;
 *  4. registration (dst socket 2, dst node bytes 10-13 zero; [074] ipxserver.cpp:175-177) → ack,
 *     reusing the sender's slot if it has one ([074] duplicates it, T2), or `table_full`;
 *  5. sender not registered → `unregistered` ([074] relays it, T4);
 *  6. over the sender's token buckets → `rate_limited`;
 *  7. IPX length field ≠ datagram size → `length_mismatch` (malformed if below 30; [074] never
 *     checks, T7);
 *  8. src node ≠ the sender's own ip:port node → `spoofed` ([074] trusts it, T6);
 *  9. reply to our keepalive ping → consumed (delivered);
 * 10. broadcast (dst node bytes 10-13 FF FF FF FF; [074] ipxserver.cpp:67-118) → unchanged to every
 *     other client, never back to the sender, and offered to `onForward` → delivered;
 * 11. unicast → unchanged to the client whose ip:port equals dst node, else offered to
 *     `onForward`; nobody takes it → `unknown_destination`.
 */
import type { RemoteInfo } from 'node:dgram'
import { header as ipxHeader, createPeek, peekHeader, PeekResult, formatNode, isDosboxRegistration, isDosboxBroadcast, readHops, readChecksum, readNode } from '../../protocol/ipx/index.js'
import type { IpxPeek } from '../../protocol/ipx/index.js'
import { IPX_HEADER_LENGTH, IPX_NO_CHECKSUM, DOSBOX_MAX_DATAGRAM, DOSBOX_CONTROL_SOCKET } from '../../protocol/constants.js'
import { Counters, DropReason } from './counters.js'
import type { Logger } from '../log.js'
import { LogLimiter } from '../log-limiter.js'
import { SlotQuota, evictable } from './slot-quota.js'
import { isUnregister } from '../../protocol/dosbox-unregister.js'

// Hot-path copies of imported bindings: under a transpiling loader (tsx) each access to an
// imported name can go through a getter; module-level consts are read directly.
const HEADER_LENGTH = IPX_HEADER_LENGTH
const PEEK_OK = PeekResult.Ok
const PEEK_BAD_LENGTH = PeekResult.BadLength
const peekFn = peekHeader

/** Wire facts of the DOSBox protocol (protocol/constants.ts), re-exported for the transport's users. */
export { DOSBOX_MAX_DATAGRAM, DOSBOX_CONTROL_SOCKET }
/** DOSBox-X's "M" registration: transport control 0x4D, wanted MAC at offsets 30-35 ([dbx] ipx.cpp:871-879). */
export const DOSBOX_X_MAC_MARKER = 0x4d
/** Length of a DOSBox-X "M" registration datagram. */
export const DOSBOX_X_REGISTRATION_LENGTH = 36
/** Default client table size; DOSBox has 16 (`SOCKETTABLESIZE`, [074] ipxserver.h:35). */
export const DEFAULT_MAX_CLIENTS = 256
/** Default idle expiry, 10 minutes. DOSBox never expires a client (README "Keepalive"). */
export const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60 * 1000
/**
 * Source node of our keepalive pings, 0.0.0.1 + server port. Invented: no client can have address
 * 0.0.0.1 (0.0.0.0/8 is never a source, RFC 1122 §3.2.1.3), so a reply addressed to it cannot be a
 * registration (bytes 10-13 not zero), a broadcast, or another client's traffic.
 */
export const KEEPALIVE_HOST = 0x00000001

/** A registered client, as reported to hooks and by {@link DosboxServer.clients}. */
export interface DosboxClientInfo {
  /** The client's IPX node: IPv4 (4 bytes) + UDP port (2 bytes), as a u48. */
  node: number
  /** The sender address as the socket reported it (may be `::ffff:a.b.c.d` on a dual-stack socket). */
  address: string
  /** The dotted IPv4 part of the node. */
  ipv4: string
  /** The UDP port. */
  port: number
  /** The MAC a DOSBox-X client asked for with an "M" registration; recorded, not honoured. */
  requestedMac: number | undefined
  /** `now()` at first registration. */
  registeredAt: number
  /** `now()` of the last datagram from it. */
  lastSeen: number
  /** Datagrams received from it (registrations included). */
  packets: number
  /** Bytes received from it. */
  bytes: number
}

/** What the client hook is told. */
export type DosboxClientEvent = 'registered' | 'reregistered' | 'expired' | 'evicted' | 'unregistered'

/** Per-client token buckets ([RFC 2697] style single-rate buckets, one for packets, one for bytes). */
export interface RateLimit {
  /** Sustained datagrams per second; omitted = no packet limit. */
  packetsPerSecond?: number
  /** Bucket depth in datagrams (default: one second's worth). */
  packetBurst?: number
  /** Sustained bytes per second; omitted = no byte limit. */
  bytesPerSecond?: number
  /** Bucket depth in bytes (default: one second's worth). */
  byteBurst?: number
}

/** Options of {@link DosboxServer}. */
export interface DosboxServerOptions {
  /** Sends one datagram to ip:port; fire and forget. */
  send: (datagram: Uint8Array, port: number, address: string) => void
  /** The server's UDP port; it appears in the ack's src node ([074] ackClient, ipxserver.cpp:126-150). */
  serverPort: number
  /** Client table size (default {@link DEFAULT_MAX_CLIENTS}); when full, the longest-idle client (30 s or more) is evicted. */
  maxClients?: number
  /** Slots one IPv4 address may hold (default: no quota beyond `maxClients`); more → `ip_quota`. */
  maxPerIp?: number
  /** Registration and expiry lines: at most one per interval per IP and event (default 60 s). */
  logIntervalMs?: number
  /** Idle expiry in ms, reset by any datagram from the client (default 10 min; 0 = never). */
  idleTimeoutMs?: number
  /** Largest datagram accepted (default {@link DOSBOX_MAX_DATAGRAM}). */
  maxDatagram?: number
  /** Per-client rate limit; omitted = none. */
  rateLimit?: RateLimit
  /** Clock in ms (default `performance.now`). */
  now?: () => number
  /** Where registrations (info) and per-packet drops (debug) are logged. */
  logger?: Logger
  /** Told when a client registers, re-registers or expires. */
  onClient?: (event: DosboxClientEvent, client: DosboxClientInfo) => void
  /**
   * The seam for the native tunnel on the same port: datagrams whose first two bytes are not FF FF.
   * Return `undefined` when accepted (counted delivered) or the reason to count a drop.
   * Without it such datagrams count as `unsupported`.
   */
  onOther?: (datagram: Buffer, rinfo: RemoteInfo) => DropReason | undefined
  /**
   * The seam for the node layer (bridge to other nodes): every relayed broadcast, and every unicast
   * whose destination is not a local client, after all checks passed. `peek` is reused: copy what
   * you keep. Return true when taken; an unknown unicast nobody takes counts `unknown_destination`.
   */
  onForward?: (datagram: Buffer, peek: Readonly<IpxPeek>, sender: Readonly<DosboxClientInfo>) => boolean
}

/** Internal client entry; `info` is what leaves the class (copied). */
interface Entry extends DosboxClientInfo {
  /** Index in the dense array, for swap-remove. */
  index: number
  packetTokens: number
  byteTokens: number
  refilledAt: number
}

/** Parses dotted IPv4 (optionally `::ffff:`-mapped) without allocating; -1 when not IPv4. */
export function ipv4ToNumber (address: string): number {
  let i = 0
  const n = address.length
  if (n > 7 && address.charCodeAt(0) === 58 /* : */) {
    // ::ffff:a.b.c.d (RFC 4291 §2.5.5.2), any letter case
    if (n < 14 || address.charCodeAt(1) !== 58 || address.charCodeAt(6) !== 58) return -1
    for (let k = 2; k < 6; k++) if ((address.charCodeAt(k) | 0x20) !== 102 /* f */) return -1
    i = 7
  }
  let value = 0
  let part = 0
  let digits = 0
  let dots = 0
  for (; i < n; i++) {
    const c = address.charCodeAt(i)
    if (c === 46 /* . */) {
      if (digits === 0 || dots === 3) return -1
      value = value * 256 + part
      part = 0
      digits = 0
      dots++
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48)
      if (++digits > 3 || part > 255) return -1
    } else {
      return -1
    }
  }
  if (dots !== 3 || digits === 0) return -1
  return value * 256 + part
}

/** `a.b.c.d` from a u32. */
export function numberToIpv4 (value: number): string {
  return `${Math.floor(value / 0x1000000) & 0xff}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`
}

/** The DOSBox node of an ip:port: IPv4 (network order) then port (big-endian), as a u48. */
export function dosboxNode (ipv4: number, port: number): number {
  return ipv4 * 0x10000 + port
}

/** Human form `127.0.0.1:33608` of a DOSBox node. */
export function describeDosboxNode (node: number): string {
  return `${numberToIpv4(Math.floor(node / 0x10000))}:${node % 0x10000}`
}

/**
 * The 30-byte registration ack ([074] ackClient, ipxserver.cpp:126-150): checksum FFFF, length 30,
 * transport control 0, packet type 0 (as [stg082]/[stgHEAD] zero it; [074] leaves garbage), dst
 * network 0, dst node = client ip:port, dst socket 2, src network 1, src node 0.0.0.0 + server port,
 * src socket 2.
 */
export function encodeRegistrationAck (clientNode: number, serverPort: number): Buffer {
  return ipxHeader.encode({
    checksum: IPX_NO_CHECKSUM,
    length: IPX_HEADER_LENGTH,
    transportControl: 0,
    packetType: 0,
    dst: { network: 0, node: clientNode, socket: DOSBOX_CONTROL_SOCKET },
    src: { network: 1, node: serverPort, socket: DOSBOX_CONTROL_SOCKET }
  })
}

/**
 * A DOSBox-style ping ([074] pingSend, ipx.cpp:536-564): broadcast node, socket 2, length 30, from
 * `srcNode`. A DOSBox client answers it with a unicast to `srcNode` (ipx.cpp:566-599); we send it to
 * one client at a time so that the reply refreshes that client's NAT mapping.
 */
export function encodeKeepalivePing (srcNode: number): Buffer {
  return ipxHeader.encode({
    checksum: IPX_NO_CHECKSUM,
    length: IPX_HEADER_LENGTH,
    transportControl: 0,
    packetType: 0,
    dst: { network: 0, node: 0xffffffffffff, socket: DOSBOX_CONTROL_SOCKET },
    src: { network: 0, node: srcNode, socket: DOSBOX_CONTROL_SOCKET }
  })
}

function snapshot (e: Entry): DosboxClientInfo {
  return { node: e.node, address: e.address, ipv4: e.ipv4, port: e.port, requestedMac: e.requestedMac, registeredAt: e.registeredAt, lastSeen: e.lastSeen, packets: e.packets, bytes: e.bytes }
}

/** The DOSBox IPXNET server role over an injected `send`. */
export class DosboxServer {
  /** Every datagram handed to {@link handle} ends in exactly one of these. */
  readonly counters = new Counters()
  readonly #o: DosboxServerOptions
  readonly #send: DosboxServerOptions['send']
  readonly #maxClients: number
  readonly #idleTimeoutMs: number
  readonly #maxDatagram: number
  readonly #now: () => number
  readonly #debug: boolean
  readonly #byNode = new Map<number, Entry>()
  readonly #list: Entry[] = []
  readonly #peek = createPeek()
  readonly #keepaliveNode: number
  readonly #keepalivePing: Buffer
  readonly #pps: number
  readonly #pktBurst: number
  readonly #bps: number
  readonly #byteBurst: number
  readonly #quota: SlotQuota | undefined
  readonly #logLimit: LogLimiter

  constructor (options: DosboxServerOptions) {
    this.#o = options
    this.#send = options.send
    this.#maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS
    this.#idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS
    this.#maxDatagram = options.maxDatagram ?? DOSBOX_MAX_DATAGRAM
    this.#now = options.now ?? (() => performance.now())
    this.#debug = options.logger?.isDebugEnabled() ?? false
    this.#keepaliveNode = dosboxNode(KEEPALIVE_HOST, options.serverPort)
    this.#keepalivePing = encodeKeepalivePing(this.#keepaliveNode)
    const rl = options.rateLimit
    this.#pps = rl?.packetsPerSecond ?? 0
    this.#pktBurst = rl?.packetBurst ?? this.#pps
    this.#bps = rl?.bytesPerSecond ?? 0
    this.#byteBurst = rl?.byteBurst ?? this.#bps
    this.#quota = options.maxPerIp !== undefined ? new SlotQuota(options.maxPerIp) : undefined
    this.#logLimit = new LogLimiter({ ...(options.logIntervalMs !== undefined ? { intervalMs: options.logIntervalMs } : {}), now: this.#now })
  }

  /** Logs a client event at info, at most once per interval per IP and event (issue 13: a re-registration flood wrote a line per datagram). */
  #note (event: DosboxClientEvent, e: Entry, extra: Record<string, unknown> = {}): void {
    const suppressed = this.#logLimit.allow(`${event}|${e.ipv4}`)
    if (suppressed === undefined) return
    this.#o.logger?.info(`client ${event === 'reregistered' ? 're-registered' : event}`, {
      client: `${e.ipv4}:${e.port}`, node: formatNode(e.node), clients: this.#list.length, ...extra, ...(suppressed > 0 ? { suppressedSinceLast: suppressed } : {})
    })
  }

  /** The source node our keepalive pings carry (0.0.0.1 + server port). */
  get keepaliveNode (): number {
    return this.#keepaliveNode
  }

  /** Number of registered clients. */
  get size (): number {
    return this.#list.length
  }

  /** Copies of the registered clients. */
  clients (): DosboxClientInfo[] {
    return this.#list.map(snapshot)
  }

  /** The client with this node, copied, or undefined. */
  client (node: number): DosboxClientInfo | undefined {
    const e = this.#byNode.get(node)
    return e === undefined ? undefined : snapshot(e)
  }

  #drop (reason: DropReason, rinfo: RemoteInfo): void {
    this.counters.drop(reason)
    if (this.#debug) this.#o.logger?.debug('drop', { reason, from: `${rinfo.address}:${rinfo.port}`, bytes: rinfo.size })
  }

  /** Processes one datagram received from `rinfo`. Never throws. */
  handle (d: Buffer, rinfo: RemoteInfo): void {
    const size = d.length
    this.counters.receive(size)
    if (size < 2) return this.#drop(DropReason.Malformed, rinfo)
    if (readChecksum(d) !== IPX_NO_CHECKSUM) {
      // RFC 1234 reserves datagrams whose first two octets are not FF FF; DOSBox always writes
      // FF FF (sendPacket, [074] ipx.cpp:656). That is our discriminator for the native tunnel.
      const other = this.#o.onOther
      if (other === undefined) return this.#drop(DropReason.Unsupported, rinfo)
      const verdict = other(d, rinfo)
      if (verdict === undefined) this.counters.deliver(size)
      else this.#drop(verdict, rinfo)
      return
    }
    if (size < HEADER_LENGTH) return this.#drop(DropReason.Malformed, rinfo)
    if (size > this.#maxDatagram) return this.#drop(DropReason.Oversize, rinfo)
    const ip = ipv4ToNumber(rinfo.address)
    if (ip < 0) return this.#drop(DropReason.Unsupported, rinfo)
    // UDP source port 0 is legal on the wire but nothing can be sent back to it, so it can be no
    // client's node (dgram refuses port 0 as a destination).
    if (rinfo.port === 0) return this.#drop(DropReason.Malformed, rinfo)
    const senderNode = dosboxNode(ip, rinfo.port)
    const now = this.#now()

    // Registration: dst socket 2 and dst node bytes 10-13 zero, nothing else checked
    // ([074] ipxserver.cpp:175-177; [stgHEAD] ipxserver.cpp:168-170). Its length field is not
    // checked either: a DOSBox-X "M" registration is 36 bytes on the wire behind a header whose
    // length field we cannot rely on (sources show only the 30-byte header being filled in).
    if (isDosboxRegistration(d)) {
      return this.#register(d, rinfo, ip, senderNode, now)
    }

    const sender = this.#byNode.get(senderNode)
    if (sender === undefined) return this.#drop(DropReason.Unregistered, rinfo)
    sender.lastSeen = now
    sender.packets++
    sender.bytes += size
    if ((this.#pps > 0 || this.#bps > 0) && !this.#take(sender, size, now)) return this.#drop(DropReason.RateLimited, rinfo)

    const peek = this.#peek
    const pr = peekFn(d, 0, peek, size)
    if (pr === PEEK_BAD_LENGTH) return this.#drop(DropReason.Malformed, rinfo)
    if (pr !== PEEK_OK || peek.length !== size) return this.#drop(DropReason.LengthMismatch, rinfo)
    if (peek.srcNode !== senderNode) return this.#drop(DropReason.Spoofed, rinfo)

    if (peek.dstNode === this.#keepaliveNode && peek.dstSocket === DOSBOX_CONTROL_SOCKET) {
      // A keepalive reply, or ipxlab's unregister (protocol/dosbox-unregister.ts): the slot is freed.
      if (isUnregister(d)) {
        this.#remove(sender)
        this.#note('unregistered', sender)
        this.#o.onClient?.('unregistered', snapshot(sender))
      }
      this.counters.deliver(size)
      return
    }

    if (isDosboxBroadcast(d)) {
      // Broadcast: bytes 10-13 only; the port bytes are ignored (probe T8). Never echoed to the
      // sender ([074] ipxserver.cpp:67-118 skips the src node; we use the verified sender).
      const list = this.#list
      for (let i = 0; i < list.length; i++) {
        const c = list[i]!
        if (c !== sender) this.#send(d, c.port, c.address)
      }
      if (this.#o.onForward !== undefined) this.#o.onForward(d, peek, sender)
      this.counters.deliver(size)
      return
    }

    const target = this.#byNode.get(peek.dstNode)
    if (target !== undefined) {
      this.#send(d, target.port, target.address)
      this.counters.deliver(size)
      return
    }
    if (this.#o.onForward !== undefined && this.#o.onForward(d, peek, sender)) {
      this.counters.deliver(size)
      return
    }
    this.#drop(DropReason.UnknownDestination, rinfo)
  }

  /**
   * Delivers a datagram that arrived from elsewhere (another node, through the router) to the
   * local clients, as DOSBox relays: a broadcast (dest-node bytes 10-13 FF FF FF FF) to every
   * client except the one whose node is the source, a unicast to the client whose ip:port is the
   * dest node. The caller has checked the header and counts the outcome: `undefined` when it went
   * out, `unknown_destination` when no client matched. Not counted in this server's counters, which
   * are for datagrams its own socket received.
   */
  deliverLocal (d: Buffer, dstNode: number, srcNode: number): DropReason | undefined {
    if (isDosboxBroadcast(d)) {
      const list = this.#list
      for (let i = 0; i < list.length; i++) {
        const c = list[i]!
        if (c.node !== srcNode) this.#send(d, c.port, c.address)
      }
      return undefined
    }
    const target = this.#byNode.get(dstNode)
    if (target === undefined) return DropReason.UnknownDestination
    this.#send(d, target.port, target.address)
    return undefined
  }

  #register (d: Buffer, rinfo: RemoteInfo, ip: number, node: number, now: number): void {
    // DOSBox-X "M" extension ([dbx] ipxserver.cpp:192-207): the client asks for its own node.
    // We record it but do not honour it: we route and verify by ip:port, so the ack carries the
    // ip:port node with transport control 0, exactly as a non-X server answers; the DOSBox-X
    // client then uses that node (README "DOSBox-X M extension").
    const requestedMac = readHops(d) === DOSBOX_X_MAC_MARKER && d.length >= DOSBOX_X_REGISTRATION_LENGTH
      ? readNode(d, IPX_HEADER_LENGTH)
      : undefined
    let e = this.#byNode.get(node)
    let event: DosboxClientEvent
    if (e !== undefined) {
      // Re-registration from the same ip:port reuses the slot ([074] duplicates it, probe T2).
      event = 'reregistered'
      e.requestedMac = requestedMac
    } else {
      if (this.#quota !== undefined && !this.#quota.allows(ip)) return this.#drop(DropReason.IpQuota, rinfo)
      if (this.#list.length >= this.#maxClients) {
        const victim = evictable(this.#list, now)
        if (victim === undefined) return this.#drop(DropReason.TableFull, rinfo)
        this.#remove(victim)
        this.#note('evicted', victim, { idleMs: Math.round(now - victim.lastSeen), for: `${numberToIpv4(ip)}:${rinfo.port}` })
        this.#o.onClient?.('evicted', snapshot(victim))
      }
      event = 'registered'
      e = {
        node,
        address: rinfo.address,
        ipv4: numberToIpv4(ip),
        port: rinfo.port,
        requestedMac,
        registeredAt: now,
        lastSeen: now,
        packets: 0,
        bytes: 0,
        index: this.#list.length,
        packetTokens: this.#pktBurst,
        byteTokens: this.#byteBurst,
        refilledAt: now
      }
      this.#list.push(e)
      this.#byNode.set(node, e)
      this.#quota?.take(ip)
    }
    e.lastSeen = now
    e.packets++
    e.bytes += d.length
    this.#send(encodeRegistrationAck(node, this.#o.serverPort), rinfo.port, rinfo.address)
    this.counters.deliver(d.length)
    this.#note(event, e, requestedMac !== undefined ? { requestedMac: formatNode(requestedMac) } : {})
    this.#o.onClient?.(event, snapshot(e))
  }

  /** Token-bucket admission; consumes only when both buckets allow it. */
  #take (e: Entry, bytes: number, now: number): boolean {
    const elapsed = now - e.refilledAt
    if (elapsed > 0) {
      e.refilledAt = now
      if (this.#pps > 0) e.packetTokens = Math.min(this.#pktBurst, e.packetTokens + elapsed * this.#pps / 1000)
      if (this.#bps > 0) e.byteTokens = Math.min(this.#byteBurst, e.byteTokens + elapsed * this.#bps / 1000)
    }
    if (this.#pps > 0 && e.packetTokens < 1) return false
    if (this.#bps > 0 && e.byteTokens < bytes) return false
    if (this.#pps > 0) e.packetTokens -= 1
    if (this.#bps > 0) e.byteTokens -= bytes
    return true
  }

  #remove (e: Entry): void {
    const list = this.#list
    const last = list.pop()!
    if (last !== e) {
      list[e.index] = last
      last.index = e.index
    }
    this.#byNode.delete(e.node)
    this.#quota?.release(Math.floor(e.node / 0x10000))
  }

  /** Expires clients idle for longer than the timeout; returns how many. Call periodically. */
  sweep (now: number = this.#now()): number {
    if (this.#idleTimeoutMs <= 0) return 0
    let n = 0
    for (let i = this.#list.length - 1; i >= 0; i--) {
      const e = this.#list[i]!
      if (now - e.lastSeen > this.#idleTimeoutMs) {
        this.#remove(e)
        n++
        this.#note('expired', e, { idleMs: Math.round(now - e.lastSeen) })
        this.#o.onClient?.('expired', snapshot(e))
      }
    }
    return n
  }

  /** Sends one keepalive ping to every client (see {@link encodeKeepalivePing}); returns how many. */
  keepalive (): number {
    const list = this.#list
    for (let i = 0; i < list.length; i++) this.#send(this.#keepalivePing, list[i]!.port, list[i]!.address)
    return list.length
  }

  /** How often {@link sweep} should run for the configured timeout (a quarter of it, 50 ms to 30 s). */
  sweepIntervalMs (): number {
    return Math.max(50, Math.min(30_000, Math.floor(this.#idleTimeoutMs / 4)))
  }
}
