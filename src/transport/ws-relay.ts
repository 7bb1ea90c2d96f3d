/**
 * The js-dos IPX relay's rules over WebSocket clients, with no socket of its own (ws-server.ts
 * feeds it). The facts mirrored here come from caiiiycuk/dosbox-ipx-server (Go, GPL-2; read for
 * its wire behaviour only, nothing copied), cited as [relay] file:function:
 *
 *  - A client is a WebSocket connection; its IPX node is the IPv4 address and TCP port it
 *    connected from, 4 + 2 bytes ([relay] ip.go:setAddress, which takes the low 4 bytes of an IPv6
 *    address). It joins its room when it connects, not when it registers ([relay]
 *    ipx-handler.go:OnConnect).
 *  - Each binary message is exactly one DOSBox IPXNET datagram.
 *  - Registration: dst socket 2 and dst node bytes 10-13 zero ([relay] ipx-handler.go:OnMessage),
 *    answered on the same connection with a 30-byte header: checksum FFFF, length 30, transport
 *    control 0, packet type 0, dst network 0, dst node = the client's node, dst socket 2, src
 *    network 1, src node = 127.0.0.1 + the server's port, src socket 2.
 *  - Broadcast: dst node bytes 10-13 FF FF FF FF, unchanged to every other client of the room,
 *    never back to the sender. Unicast: unchanged to the client of the room whose node is the dst
 *    node; nobody → nothing.
 *
 * Where the relay trusts, this is stricter, and every refusal is a named drop in {@link counters}:
 * fewer than 30 bytes → `malformed`; larger than {@link DOSBOX_MAX_DATAGRAM} → `oversize`; a
 * registration whose src node is neither zero (what DOSBox sends) nor the client's own → `spoofed`;
 * over the client's token buckets → `rate_limited`; IPX length ≠ message size → `length_mismatch`;
 * src node ≠ the client's own → `spoofed`; a unicast nobody takes → `unknown_destination`.
 *
 * Rooms are segments. The mapped room (`*`: every room) is the node's local segment: what its
 * clients broadcast, and unicasts for nodes not in the room, are also offered to `onForward` (the
 * router), and {@link WsRelay.deliver} brings the router's datagrams in. Other rooms stay apart, as
 * the relay keeps them.
 */
import { readNode } from '../../protocol/ipx/index.js'
import { IPX_HEADER_LENGTH, DOSBOX_MAX_DATAGRAM, DOSBOX_CONTROL_SOCKET } from '../../protocol/constants.js'
import { Counters, DropReason } from './counters.js'
import { ipv4ToNumber, encodeRegistrationAck } from './dosbox-server.js'

/** The room setting that maps every room to the node's local segment. */
export const WS_ALL_ROOMS = '*'
/** Longest room name, characters (ours; the relay has no bound). */
export const WS_MAX_ROOM_LENGTH = 64
/** The relay's src host in its registration ack: 127.0.0.1 ([relay] main.go `serverAddress`). */
export const WS_ACK_HOST = 0x7f000001

/** Why a request path names no room. */
export type RoomPathError = 'bad_path' | 'bad_room'

/**
 * The room of a request target `/ipx/<room>` ([relay] main.go:getRoom: second path segment `ipx`,
 * third non-empty; anything after it ignored; the query is not part of the path). The name is
 * percent-decoded and must be 1-{@link WS_MAX_ROOM_LENGTH} printable ASCII characters.
 */
export function roomFromPath (target: string): string | RoomPathError {
  const q = target.indexOf('?')
  const parts = (q < 0 ? target : target.slice(0, q)).split('/')
  if (parts.length < 3 || parts[0] !== '' || parts[1] !== 'ipx') return 'bad_path'
  let room: string
  try {
    room = decodeURIComponent(parts[2]!)
  } catch {
    return 'bad_room'
  }
  return validRoomName(room) ? room : 'bad_room'
}

/** 1-64 printable ASCII characters (space to tilde), not all spaces. */
export function validRoomName (room: string): boolean {
  return room.length >= 1 && room.length <= WS_MAX_ROOM_LENGTH && /^[ -~]+$/.test(room) && room.trim() !== ''
}

/**
 * The IPX node of a WebSocket client: IPv4 (an IPv4-mapped IPv6 address counts as IPv4) or the low
 * 32 bits of an IPv6 address ([relay] ip.go:setAddress), then the TCP port. -1 when unparsable.
 */
export function wsClientNode (address: string, port: number): number {
  const v4 = ipv4ToNumber(address)
  if (v4 >= 0) return v4 * 0x10000 + port
  const a = address.split('%')[0]!
  if (!a.includes(':')) return -1
  const halves = a.split('::')
  if (halves.length > 2) return -1
  const head = halves[0] === '' ? [] : halves[0]!.split(':')
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : []
  const last = tail.length > 0 ? tail : head
  const dotted = last[last.length - 1] ?? ''
  if (dotted.includes('.')) {
    const low = ipv4ToNumber(dotted)
    return low < 0 ? -1 : low * 0x10000 + port
  }
  const groups = halves.length === 2 ? [...head, ...new Array<string>(Math.max(0, 8 - head.length - tail.length)).fill('0'), ...tail] : head
  if (groups.length !== 8 || !groups.every(g => /^[0-9a-fA-F]{1,4}$/.test(g))) return -1
  return (parseInt(groups[6]!, 16) * 0x10000 + parseInt(groups[7]!, 16)) * 0x10000 + port
}

/**
 * The relay's 30-byte registration ack (see the module comment): DOSBox's ack with the src host
 * 127.0.0.1 where DOSBox leaves 0.0.0.0.
 */
export function encodeWsRegistrationAck (clientNode: number, serverPort: number): Buffer {
  const ack = encodeRegistrationAck(clientNode, serverPort)
  ack.writeUInt32BE(WS_ACK_HOST, 22)
  return ack
}

/** Per-client token buckets: sustained rate and depth, packets and bytes (0 = no limit). */
export interface WsRateLimit {
  packetsPerSecond?: number
  packetBurst?: number
  bytesPerSecond?: number
  byteBurst?: number
}

/** A client as the relay sees it; ws-server.ts makes them. */
export interface WsRelayClient {
  /** Its IPX node (remote IPv4 + TCP port). */
  readonly node: number
  readonly room: string
  /** The port of the listener it connected to: the ack's src node carries it. */
  readonly serverPort: number
  /** Sends one datagram as one binary message; undefined when written, else why not. */
  send: (datagram: Buffer) => DropReason | undefined
  registered: boolean
  packets: number
  bytes: number
  lastSeen: number
  packetTokens: number
  byteTokens: number
  refilledAt: number
}

interface Segment {
  readonly room: string
  readonly mapped: boolean
  readonly list: WsRelayClient[]
  readonly byNode: Map<number, WsRelayClient>
}

/** Options of {@link WsRelay}. */
export interface WsRelayOptions {
  /** The room mapped to the node's local segment, or {@link WS_ALL_ROOMS}; undefined: none. */
  mappedRoom?: string
  rateLimit?: WsRateLimit
  /** Mapped segment: a broadcast, or a unicast for a node not in it. True when taken. */
  onForward?: (datagram: Buffer) => boolean
  /** Every datagram accepted from a client, before it is relayed (the capture). */
  onAccepted?: (datagram: Buffer, client: WsRelayClient) => void
  now?: () => number
}

/** The relay. Every datagram handed to {@link handle} ends in exactly one counter of {@link counters}. */
export class WsRelay {
  readonly counters = new Counters()
  /** Copies the relay sent to clients: delivered, or dropped (`queue_full`, `send_failed`). */
  readonly sent = new Counters()
  readonly #o: WsRelayOptions
  readonly #now: () => number
  readonly #segments = new Map<string, Segment>()
  readonly #byNode = new Map<number, WsRelayClient>()
  readonly #pps: number
  readonly #pktBurst: number
  readonly #bps: number
  readonly #byteBurst: number
  readonly #mapped: Segment | undefined

  constructor (o: WsRelayOptions = {}) {
    this.#o = o
    this.#now = o.now ?? (() => performance.now())
    this.#pps = o.rateLimit?.packetsPerSecond ?? 0
    this.#pktBurst = o.rateLimit?.packetBurst ?? this.#pps
    this.#bps = o.rateLimit?.bytesPerSecond ?? 0
    this.#byteBurst = o.rateLimit?.byteBurst ?? this.#bps
    if (o.mappedRoom !== undefined) {
      this.#mapped = { room: o.mappedRoom, mapped: true, list: [], byNode: new Map() }
      this.#segments.set(o.mappedRoom, this.#mapped)
    }
  }

  /** The client with this node, in any room. */
  client (node: number): WsRelayClient | undefined {
    return this.#byNode.get(node)
  }

  /** True when `node` is a client of the mapped segment (the router's `hasNode`). */
  hasNode (node: number): boolean {
    return this.#mapped?.byNode.has(node) === true
  }

  /** True when clients of `room` are on the node's local segment. */
  isMapped (room: string): boolean {
    return this.#segmentFor(room) === this.#mapped && this.#mapped !== undefined
  }

  /** Every client. */
  clients (): WsRelayClient[] {
    return [...this.#byNode.values()]
  }

  /** Rooms with clients (and the mapped one), with their sizes. */
  rooms (): Array<{ room: string, clients: number, mapped: boolean }> {
    return [...this.#segments.values()].map(s => ({ room: s.room, clients: s.list.length, mapped: s.mapped }))
  }

  #segmentFor (room: string): Segment | undefined {
    if (this.#mapped !== undefined && this.#mapped.room === WS_ALL_ROOMS) return this.#mapped
    return this.#segments.get(room)
  }

  /** Adds a client with fresh buckets; false when its node is already a client's. */
  add (c: Omit<WsRelayClient, 'registered' | 'packets' | 'bytes' | 'lastSeen' | 'packetTokens' | 'byteTokens' | 'refilledAt'>): WsRelayClient | undefined {
    if (this.#byNode.has(c.node)) return undefined
    const now = this.#now()
    const client: WsRelayClient = { ...c, registered: false, packets: 0, bytes: 0, lastSeen: now, packetTokens: this.#pktBurst, byteTokens: this.#byteBurst, refilledAt: now }
    let s = this.#segmentFor(c.room)
    if (s === undefined) {
      s = { room: c.room, mapped: false, list: [], byNode: new Map() }
      this.#segments.set(c.room, s)
    }
    s.list.push(client)
    s.byNode.set(client.node, client)
    this.#byNode.set(client.node, client)
    return client
  }

  /** Removes a client; an unmapped room left empty is forgotten ([relay] ipx-handler.go:OnClose). */
  remove (client: WsRelayClient): void {
    if (this.#byNode.get(client.node) !== client) return
    this.#byNode.delete(client.node)
    const s = this.#segmentFor(client.room)
    if (s === undefined) return
    const i = s.list.indexOf(client)
    if (i >= 0) s.list.splice(i, 1)
    s.byNode.delete(client.node)
    if (!s.mapped && s.list.length === 0) this.#segments.delete(s.room)
  }

  #send (c: WsRelayClient, d: Buffer): void {
    const verdict = c.send(d)
    if (verdict === undefined) this.sent.deliver(d.length)
    else this.sent.drop(verdict)
  }

  /** One binary message from `c`. Never throws. */
  handle (c: WsRelayClient, d: Buffer): void {
    const size = d.length
    const counters = this.counters
    counters.receive(size)
    if (size < IPX_HEADER_LENGTH) return counters.drop(DropReason.Malformed)
    if (size > DOSBOX_MAX_DATAGRAM) return counters.drop(DropReason.Oversize)
    const now = this.#now()
    c.lastSeen = now
    c.packets++
    c.bytes += size
    if (d[16] === 0 && d[17] === DOSBOX_CONTROL_SOCKET && d[10] === 0 && d[11] === 0 && d[12] === 0 && d[13] === 0) {
      // Registration. DOSBox sends src node 0 ([074] ipx.cpp ConnectToServer); anything else but
      // the client's own node is a registration for somebody else.
      const src = readNode(d, 22)
      if (src !== 0 && src !== c.node) return counters.drop(DropReason.Spoofed)
      c.registered = true
      this.#send(c, encodeWsRegistrationAck(c.node, c.serverPort))
      return counters.deliver(size)
    }
    if ((this.#pps > 0 || this.#bps > 0) && !this.#take(c, size, now)) return counters.drop(DropReason.RateLimited)
    const length = (d[2]! << 8) | d[3]!
    if (length < IPX_HEADER_LENGTH) return counters.drop(DropReason.Malformed)
    if (length !== size) return counters.drop(DropReason.LengthMismatch)
    if (readNode(d, 22) !== c.node) return counters.drop(DropReason.Spoofed)
    this.#o.onAccepted?.(d, c)
    const s = this.#segmentFor(c.room)
    if (s === undefined) return counters.drop(DropReason.Policy)
    if (d[10] === 0xff && d[11] === 0xff && d[12] === 0xff && d[13] === 0xff) {
      const list = s.list
      for (let i = 0; i < list.length; i++) if (list[i] !== c) this.#send(list[i]!, d)
      if (s.mapped) this.#o.onForward?.(d)
      return counters.deliver(size)
    }
    const target = s.byNode.get(readNode(d, 10))
    if (target !== undefined) {
      this.#send(target, d)
      return counters.deliver(size)
    }
    if (s.mapped && this.#o.onForward?.(d) === true) return counters.deliver(size)
    counters.drop(DropReason.UnknownDestination)
  }

  /**
   * A datagram from elsewhere (the router) to the mapped segment: a broadcast to every client but
   * the one whose node is its source, a unicast to the client whose node is its destination.
   * Returns undefined when it went out, `unknown_destination` when nobody matched; the caller counts.
   */
  deliver (d: Buffer): DropReason | undefined {
    const s = this.#mapped
    if (s === undefined) return DropReason.UnknownDestination
    if (d[10] === 0xff && d[11] === 0xff && d[12] === 0xff && d[13] === 0xff) {
      const src = readNode(d, 22)
      const list = s.list
      for (let i = 0; i < list.length; i++) if (list[i]!.node !== src) this.#send(list[i]!, d)
      return undefined
    }
    const target = s.byNode.get(readNode(d, 10))
    if (target === undefined) return DropReason.UnknownDestination
    this.#send(target, d)
    return undefined
  }

  /** Token-bucket admission (packets and bytes); consumes only when both allow it. */
  #take (c: WsRelayClient, bytes: number, now: number): boolean {
    const elapsed = now - c.refilledAt
    if (elapsed > 0) {
      c.refilledAt = now
      if (this.#pps > 0) c.packetTokens = Math.min(this.#pktBurst, c.packetTokens + elapsed * this.#pps / 1000)
      if (this.#bps > 0) c.byteTokens = Math.min(this.#byteBurst, c.byteTokens + elapsed * this.#bps / 1000)
    }
    if ((this.#pps > 0 && c.packetTokens < 1) || (this.#bps > 0 && c.byteTokens < bytes)) return false
    if (this.#pps > 0) c.packetTokens -= 1
    if (this.#bps > 0) c.byteTokens -= bytes
    return true
  }
}
