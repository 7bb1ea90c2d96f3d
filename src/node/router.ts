/**
 * The routing core of an emulated node: ports (attachments), a route table, and {@link Router.forward},
 * which decides what happens to every IPX datagram a port hands in. Pure: no sockets, no timers,
 * time is passed in; the composition root wires ports to transports and drives the services' ticks.
 *
 * Life of a datagram in {@link Router.forward} (each ends in exactly one counter of {@link Counters}:
 * `delivered`, or a drop with a named reason):
 *  1. unknown port → `policy`; {@link peekHeader} refuses it → `malformed` (`length_mismatch` when the
 *     IPX length runs past the datagram). No object is built on this path (style guide §3).
 *  2. **bridge mode** (the default; issue 5: "both nodes share one IPX network, a single segment
 *     stretched across the tunnel"): every port is on the node's one network. The node is not a
 *     router, so nothing in the header changes: transport control is left alone, as a repeater or
 *     bridge leaves it (only routers increment it: Novell router spec via Linux `af_ipx.c`
 *     `ipxitf_send`; ipx-reference §4 warns against ipxbox's bridge tagging of the header), and
 *     type-20 packets are ordinary broadcasts here (the propagation list is written by routers).
 *     - destination network neither 0 nor ours → `unknown_destination` (no routes in a bridge);
 *     - broadcast → flooded to every other port, but a broadcast that came from a peer goes to
 *       local ports only: nodes are fully meshed, so every peer already had it from its origin and
 *       nothing can loop (split horizon for a full mesh); then the node's own sockets → `delivered`.
 *       With {@link RouterOptions.relayPeers} (a chain or tree of bridges) a peer's frames also go
 *       on to the other peers, never back out of the port they came in on; a loop is then the
 *       user's to avoid (nothing in a bridged frame can stop it);
 *     - our node → our socket (`delivered`) or nobody bound → `unknown_destination`;
 *     - another node: a local port that says it has the node ({@link PortOptions.hasNode}), else the
 *       port the node was last heard on (a learning table as in IEEE 802.1D, aged by
 *       {@link RouterOptions.bridgeAgeMs}), else from a local port flooded to every peer, from a
 *       peer to local ports that cannot tell (no `hasNode`) → `delivered`; nobody → `unknown_destination`.
 *  3. **route mode** (issue 5: "each node is its own IPX network and a router"): Linux `ipxitf_rcv`
 *     and `ipxitf_send` (gh:torvalds/linux net/ipx/af_ipx.c, which implements Novell's "IPX RIP and
 *     SAP Router Specification", part 107-000029-001):
 *     - packet type 20 → the propagation rules (ipx-reference §B6, Linux `ipxitf_pprop`): transport
 *       control > 8 → `hop_limit`; length < 30 + 32 → `malformed`; at 8 processed locally but not
 *       rebroadcast; not rebroadcast when the receiving network is already in slots [0, tc); a copy
 *       to every other port whose network is not listed, with the receiving network written into
 *       slot [tc], tc + 1, and the destination network set to the output port's network
 *       (`ipxitf_pprop` sets `ipx_dest_net = ifcs->if_netnum`); then local processing → `delivered`.
 *       Unnumbered ports (network 0) never count as "already listed" (ipxlab's choice: Linux has
 *       no unnumbered interfaces; an unnumbered link is not a network a packet can re-enter). A
 *       packet that arrives on an unnumbered port gets the router's own network in slot [tc]
 *       instead of a 0, and is not rebroadcast when that network is already listed: so over a
 *       mesh of unnumbered peer links (the default between nodes) a type-20 packet still ends
 *       when it comes back to a router it crossed, not only at transport control 8 (the list is
 *       checked before the slot is written, so the router's own segment still gets its copy).
 *     - a zero destination network means the network of the receiving port (`ipxitf_rcv`). For
 *       that network: broadcast or our node → our sockets → `delivered`; another node → another
 *       local port on the same network that has it, else `unknown_destination`. Routers do not
 *       flood broadcasts between networks (`ipxitf_rcv`: "We only route point-to-point packets").
 *       Several local ports on one network (DOSBox on UDP, js-dos over WebSocket, the TCP relay)
 *       are one segment split over attachments: a broadcast on it goes to each of them, and
 *       traffic routed to that network goes to the local port that has the destination node.
 *     - another network: our own node on our own network → our sockets; otherwise by the route
 *       table: no route, or 16 hops (unreachable) → `unknown_destination`; the route leads back out
 *       the receiving port → `policy` (a ping-pong loop on a point-to-point link). A directed
 *       broadcast to our own network is also delivered to our sockets.
 *     - forwarding copies the datagram (copy-on-write: the transport may still hold the original,
 *       e.g. a broadcast the DOSBox server is relaying) only when a byte changes: a zero source
 *       network is filled with the receiving network (`ipxitf_rcv`), and transport control is
 *       incremented when the source network differs from the output port's network, the packet
 *       dropped when `++tc > 16` → `hop_limit` (`ipxitf_send`: `if (++ipx->ipx_tctrl >
 *       ipxcfg_max_hops) send_to_wire = 0`, `ipxcfg_max_hops = 16`). So 15 arrives and leaves as
 *       16; 16 arrives and is dropped.
 *
 * Re-entrancy: a port's `send` must not synchronously call `forward` on the same router (queue it),
 * because the router reuses one peek object. Local sockets are always served last in a path.
 */
import { createPeek, peekHeader, PeekResult, packet as ipxPacket, writeHops, writeDstNetwork, writeSrcNetwork } from '../../protocol/ipx/index.js'
import type { IpxPeek, IpxPacket } from '../../protocol/ipx/index.js'
import { BROADCAST_NODE, IPX_HEADER_LENGTH, IPX_MAX_HOPS, PacketType } from '../../protocol/constants.js'
import { NETBIOS_PROPAGATION_LENGTH, NETBIOS_PROPAGATION_SLOTS } from '../../protocol/netbios.js'
import { RIP_HOPS_UNREACHABLE } from '../../protocol/rip.js'
import { Counters, DropReason } from '../transport/counters.js'
import { DecodeError } from '../../protocol/errors.js'

/** `bridge`: one network across every node; `route`: every node its own network and a router. */
export type RouterMode = 'bridge' | 'route'

/** `local`: the node's own segment (DOSBox / RFC 1234 clients); `peer`: a native link to another node. */
export type PortKind = 'local' | 'peer'

/** What {@link Router.addPort} takes. */
export interface PortOptions {
  /** Unique name, e.g. `local` or `peer:10.0.0.2:2644`; the services address ports by it. */
  id: string
  kind: PortKind
  /**
   * Route mode: the IPX network on this port. Default: the node's network for a local port, 0
   * (an unnumbered point-to-point link) for a peer. Bridge mode ignores it: every port is on the
   * node's network.
   */
  network?: number
  /** Sends one datagram out of the port, fire and forget. Must not call {@link Router.forward} synchronously. */
  send: (datagram: Buffer) => void
  /** Local ports: true when the node is one of this port's clients (e.g. a DOSBox client table lookup). */
  hasNode?: (node: number) => boolean
  /** The port's delay in ticks (default 1, a LAN); a peer link's from its speed, {@link linkTicks}. */
  ticks?: number
}

/** A port as the router keeps it. */
export interface Port {
  readonly id: string
  readonly kind: PortKind
  /** The network on this port (route mode; in bridge mode always the node's network). 0 = unnumbered. */
  readonly network: number
  readonly send: (datagram: Buffer) => void
  readonly hasNode: ((node: number) => boolean) | undefined
  /** Delay of the port in ticks (1/18 s): 1 for a LAN, more for a slow link ({@link linkTicks}). */
  readonly ticks: number
}

/** One tick, ms: 1/18 s (Novell: "One tick equals 55,000 microseconds, or about 1/18 of a second"). */
export const TICK_MS = 1000 / 18
/** The packet a link's tick delay is reckoned for: 576 bytes, the size routed IPX assumes (ipx-reference §B1). */
export const TICK_PACKET_BYTES = 576
/** A LAN port's delay: one tick (Cisco, "Ticks and Equal Cost Paths (IPX)": LAN interfaces default to 1). */
export const LAN_TICKS = 1

/**
 * The tick delay of a link from its speed: the time a 576-byte packet takes to cross it (sent at
 * `rateBps`, plus the one-way `delayMs`), in ticks, rounded up, at least {@link LAN_TICKS}. No rate
 * (no emulated link: loopback or a real LAN between the nodes) is a LAN's one tick.
 *
 * Sources: Novell's NetWare 6 IPX guide ("Setting Delay and Throughput for a Slow Link"): a link is
 * characterised by its delay and throughput, and the ticks of a route are "directly proportional
 * to the delay and inversely proportional to the throughput"; a LAN's delay is a constant 200 µs
 * (one tick). IPXWAN (RFC 1362) measures a WAN link's delay with 576-byte timer packets, and
 * NetWare routers derived the link's ticks from it; ipxlab computes what that measurement would
 * give on the emulated link instead of measuring. So modem-56k (56 kbit/s, 100 ms) is
 * ceil((82.3 + 100) / 55.6) = 4 ticks, isdn-64k (64 kbit/s, 20 ms) 2, t1 and ethernet-10m 1.
 */
export function linkTicks (link: { rateBps?: number | null | undefined, delayMs?: number | undefined }): number {
  if (link.rateBps == null || !(link.rateBps > 0) || !Number.isFinite(link.rateBps)) return LAN_TICKS
  const ms = TICK_PACKET_BYTES * 8 * 1000 / link.rateBps + Math.max(0, link.delayMs ?? 0)
  return Math.min(0xffff, Math.max(LAN_TICKS, Math.ceil(ms / TICK_MS - 1e-9)))
}

/**
 * One route. `hops` and `ticks` are as stored (a directly connected network has 0/0); RIP
 * advertises them plus one (FreeBSD `usr.sbin/IPXrouted/output.c` `supply`: `rt_metric + 1`,
 * `rt_ticks + 1`).
 */
export interface Route {
  /** The destination network. */
  network: number
  /** Port to send on; null = the node itself (its own network with no local port attached). */
  port: string | null
  /** Routers between this node and the network; 16 = unreachable (FreeBSD `HOPCNT_INFINITY`). */
  hops: number
  /** Delay in 1/18 s ticks. */
  ticks: number
  /** Node of the router that advertised it; null for a directly connected network. */
  learnedFrom: number | null
  /** When it was last confirmed (learned) or changed, ms on the caller's clock. */
  updatedAt: number
  /** Changed since the last triggered update (RIP sends changed routes at once). */
  changed: boolean
}

/** A service bound to one of the node's own sockets (RIP, SAP, diagnostics, ping). */
export interface LocalService {
  /** A packet for the node on this socket. `packet.payload` is a view: copy what you keep. */
  handle: (packet: IpxPacket, fromPort: string, now: number) => void
}

/** Options of {@link Router}. */
export interface RouterOptions {
  mode: RouterMode
  /** The node's IPX network (u32). In bridge mode, the shared segment's number. */
  network: number
  /** The node's own node address (u48): its services answer from it. */
  node: number
  /** Where every datagram ends; default a new one. */
  counters?: Counters
  /** Transport control above which a routed packet is dropped (default 16, Linux `ipxcfg_max_hops`). */
  maxHops?: number
  /** Bridge learning-table ageing, ms (default 300 000: IEEE 802.1D's default ageing time). */
  bridgeAgeMs?: number
  /** Most nodes the bridge learns (default 4096), so spoofed sources cannot grow memory without bound. */
  maxLearnedNodes?: number
  /**
   * Bridge mode: relay one peer's frames to the other peers (a chain or tree of bridges). Default
   * false: the nodes of a bridge lab are fully meshed and a peer's frames go to local ports only,
   * which cannot loop. With it on, a loop of peers circulates every broadcast forever (a bridge
   * leaves transport control alone): loops are the user's to avoid.
   */
  relayPeers?: boolean
}

/** Per-path tallies beside the counters (a datagram can be copied to several ports). */
export interface RouterStats {
  /** Unicasts sent on by route or learning table. */
  forwarded: number
  /** Broadcast copies sent to ports. */
  flooded: number
  /** Type-20 copies propagated. */
  propagated: number
  /** Type-20 packets not propagated because of the list or transport control 8. */
  propagationSuppressed: number
  /** Packets handed to the node's own sockets. */
  toSockets: number
}

/** Type-20 limit: 8 networks in the list (Linux `IPX_MAX_PPROP_HOPS 8`). */
export const TYPE20_MAX_HOPS = NETBIOS_PROPAGATION_SLOTS
/** Type-20 minimum length: header + the 8-slot list (Linux `ipxitf_pprop`). */
export const TYPE20_MIN_LENGTH = IPX_HEADER_LENGTH + NETBIOS_PROPAGATION_LENGTH
/** 802.1D default ageing time, 300 s. */
export const DEFAULT_BRIDGE_AGE_MS = 300_000
/** Default size limit of the bridge learning table. */
export const DEFAULT_MAX_LEARNED_NODES = 4096

const PEEK_OK = PeekResult.Ok
const BROADCAST = BROADCAST_NODE
const TYPE20 = PacketType.NetbiosBroadcast

interface Learned { port: Port, seenAt: number }

function readU32 (b: Buffer, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0
}

/** True when `network` is in propagation slots [0, count) of the type-20 packet `d`. */
function listed (d: Buffer, count: number, network: number): boolean {
  for (let i = 0, at = IPX_HEADER_LENGTH; i < count; i++, at += 4) if (readU32(d, at) === network) return true
  return false
}

/** The router. See the module comment for the rules. */
export class Router {
  readonly mode: RouterMode
  readonly network: number
  readonly node: number
  readonly counters: Counters
  readonly stats: RouterStats = { forwarded: 0, flooded: 0, propagated: 0, propagationSuppressed: 0, toSockets: 0 }
  readonly #maxHops: number
  readonly #bridgeAgeMs: number
  readonly #maxLearned: number
  readonly #relayPeers: boolean
  readonly #ports = new Map<string, Port>()
  #list: Port[] = []
  readonly #routes = new Map<number, Route>()
  readonly #sockets = new Map<number, LocalService>()
  readonly #learned = new Map<number, Learned>()
  readonly #peek: IpxPeek = createPeek()
  readonly #sendPeek: IpxPeek = createPeek()

  constructor (options: RouterOptions) {
    this.mode = options.mode
    this.network = options.network
    this.node = options.node
    this.counters = options.counters ?? new Counters()
    this.#maxHops = options.maxHops ?? IPX_MAX_HOPS
    this.#bridgeAgeMs = options.bridgeAgeMs ?? DEFAULT_BRIDGE_AGE_MS
    this.#maxLearned = options.maxLearnedNodes ?? DEFAULT_MAX_LEARNED_NODES
    this.#relayPeers = options.relayPeers ?? false
    // The node's own network is always known, directly connected (hops 0), even before a local port.
    this.#routes.set(this.network, { network: this.network, port: null, hops: 0, ticks: 0, learnedFrom: null, updatedAt: 0, changed: false })
  }

  /**
   * Attaches a port. In route mode a numbered port's network becomes a directly connected route
   * (hops 0, ticks 0), marked changed so that RIP announces it. Throws on a duplicate id.
   */
  addPort (options: PortOptions, now = 0): Port {
    if (this.#ports.has(options.id)) throw new Error(`port ${options.id} already exists`)
    const network = this.mode === 'bridge' ? this.network : (options.network ?? (options.kind === 'local' ? this.network : 0))
    const ticks = options.ticks !== undefined && Number.isInteger(options.ticks) && options.ticks >= 1 ? Math.min(0xffff, options.ticks) : LAN_TICKS
    const port: Port = { id: options.id, kind: options.kind, network, send: options.send, hasNode: options.hasNode, ticks }
    this.#ports.set(port.id, port)
    this.#list = [...this.#ports.values()]
    // In bridge mode every port is on the one network; it is "connected" through the local port.
    if (network !== 0 && (this.mode === 'route' || port.kind === 'local')) {
      const r = this.#routes.get(network)
      if (r === undefined || r.learnedFrom !== null || r.port === null || r.hops >= RIP_HOPS_UNREACHABLE) {
        this.#routes.set(network, { network, port: port.id, hops: 0, ticks: 0, learnedFrom: null, updatedAt: now, changed: true })
      }
    }
    return port
  }

  /**
   * Detaches a port (a link went down). Routes through it become unreachable (16 hops, changed) so
   * that RIP poisons them at once; the node's own network falls back to the node itself.
   */
  removePort (id: string, now: number): boolean {
    if (!this.#ports.delete(id)) return false
    this.#list = [...this.#ports.values()]
    for (const r of this.#routes.values()) {
      if (r.port !== id) continue
      if (r.network === this.network) {
        r.port = null
      } else {
        r.hops = RIP_HOPS_UNREACHABLE
        r.updatedAt = now
      }
      r.changed = true
    }
    for (const [node, l] of this.#learned) if (l.port.id === id) this.#learned.delete(node)
    return true
  }

  /** The port named `id`. */
  port (id: string): Port | undefined {
    return this.#ports.get(id)
  }

  /** Every port, in the order they were added. */
  ports (): readonly Port[] {
    return this.#list
  }

  /** Serves packets addressed to the node on `socket`. Replaces a previous binding. */
  bind (socket: number, service: LocalService): void {
    this.#sockets.set(socket, service)
  }

  /** Stops serving `socket`. */
  unbind (socket: number): boolean {
    return this.#sockets.delete(socket)
  }

  /** The route table, by network. Mutate it through {@link setRoute} / {@link deleteRoute}. */
  get routes (): ReadonlyMap<number, Route> {
    return this.#routes
  }

  /** The route to `network`, if any (unreachable ones included, with 16 hops). */
  route (network: number): Route | undefined {
    return this.#routes.get(network)
  }

  /** Adds or replaces a route (RIP uses this). */
  setRoute (route: Route): void {
    this.#routes.set(route.network, route)
  }

  /** Removes a route; the node's own network cannot be removed. */
  deleteRoute (network: number): boolean {
    if (network === this.network) return false
    return this.#routes.delete(network)
  }

  /** Forgets bridge-learned nodes not heard from within the ageing time; returns how many. */
  sweep (now: number): number {
    let n = 0
    for (const [node, l] of this.#learned) {
      if (now - l.seenAt >= this.#bridgeAgeMs) { this.#learned.delete(node); n++ }
    }
    return n
  }

  /** The port a node was learned on (bridge mode), for status output and tests. */
  learnedPort (node: number, now: number): string | undefined {
    const l = this.#learned.get(node)
    return l !== undefined && now - l.seenAt < this.#bridgeAgeMs ? l.port.id : undefined
  }

  /**
   * Handles one datagram that arrived on port `fromPort`. Returns undefined when it was delivered
   * (to a port or a socket), else the drop reason; either way it was counted in {@link counters}.
   * The datagram itself is never modified.
   */
  forward (datagram: Buffer, fromPort: string, now: number): DropReason | undefined {
    this.counters.receive(datagram.length)
    const from = this.#ports.get(fromPort)
    if (from === undefined) return this.#drop(DropReason.Policy)
    const r = peekHeader(datagram, 0, this.#peek)
    if (r !== PEEK_OK) return this.#drop(r === PeekResult.LengthBeyondData ? DropReason.LengthMismatch : DropReason.Malformed)
    const result = this.mode === 'bridge' ? this.#bridge(datagram, from, now) : this.#route(datagram, from, now)
    if (result === undefined) this.counters.deliver(datagram.length)
    else this.counters.drop(result)
    return result
  }

  /**
   * Sends a datagram the node itself originates (a service's reply or broadcast), unchanged. With
   * `toPort`, out of that port; without, by destination: broadcasts to every port on the destination
   * network (every port for network 0), unicasts by route (route mode) or learning table, else to
   * every port (bridge mode). Returns false when it went nowhere.
   */
  send (datagram: Buffer, toPort?: string): boolean {
    if (toPort !== undefined) {
      const port = this.#ports.get(toPort)
      if (port === undefined) return false
      port.send(datagram)
      return true
    }
    const p = this.#sendPeek
    if (peekHeader(datagram, 0, p) !== PEEK_OK) return false
    const list = this.#list
    if (p.dstNode === BROADCAST) {
      let sent = false
      for (let i = 0; i < list.length; i++) {
        const port = list[i]!
        if (p.dstNetwork === 0 || port.network === p.dstNetwork) { port.send(datagram); sent = true }
      }
      return sent
    }
    if (this.mode === 'route') {
      const route = this.#routes.get(p.dstNetwork === 0 ? this.network : p.dstNetwork)
      const port = route !== undefined && route.hops < RIP_HOPS_UNREACHABLE && route.port !== null ? this.#ports.get(route.port) : undefined
      if (port === undefined) return false
      const out = port.kind === 'local' ? this.#localWith(port, p.dstNode) : port
      out.send(datagram)
      return true
    }
    const learned = this.#learned.get(p.dstNode)
    if (learned !== undefined && this.#ports.get(learned.port.id) === learned.port) {
      learned.port.send(datagram)
      return true
    }
    for (let i = 0; i < list.length; i++) list[i]!.send(datagram)
    return list.length > 0
  }

  #drop (reason: DropReason): DropReason {
    this.counters.drop(reason)
    return reason
  }

  /** Hands the datagram to the service bound on its destination socket; false when none is. */
  #toSockets (d: Buffer, from: Port, now: number): boolean {
    const service = this.#sockets.get(this.#peek.dstSocket)
    if (service === undefined) return false
    let packet: IpxPacket
    try {
      packet = ipxPacket.decode(d)
    } catch (err) {
      // Only a malformed datagram is refused here (the peek already checked the lengths).
      if (!(err instanceof DecodeError)) throw err
      return false
    }
    this.stats.toSockets++
    service.handle(packet, from.id, now)
    return true
  }

  #learn (node: number, from: Port, now: number): void {
    if (node === BROADCAST || node === this.node) return
    const l = this.#learned.get(node)
    if (l !== undefined) {
      l.port = from
      l.seenAt = now
    } else if (this.#learned.size < this.#maxLearned) {
      this.#learned.set(node, { port: from, seenAt: now })
    }
  }

  #bridge (d: Buffer, from: Port, now: number): DropReason | undefined {
    const p = this.#peek
    this.#learn(p.srcNode, from, now)
    if (p.dstNetwork !== 0 && p.dstNetwork !== this.network) return DropReason.UnknownDestination
    const list = this.#list
    // A frame from a peer goes on to other peers only when relaying (never back out of `from`).
    const noRelay = from.kind === 'peer' && !this.#relayPeers
    if (p.dstNode === BROADCAST) {
      for (let i = 0; i < list.length; i++) {
        const port = list[i]!
        if (port === from || (noRelay && port.kind === 'peer')) continue
        port.send(d)
        this.stats.flooded++
      }
      this.#toSockets(d, from, now)
      return undefined
    }
    if (p.dstNode === this.node) return this.#toSockets(d, from, now) ? undefined : DropReason.UnknownDestination
    const node = p.dstNode
    for (let i = 0; i < list.length; i++) {
      const port = list[i]!
      if (port !== from && port.kind === 'local' && port.hasNode?.(node) === true) {
        port.send(d)
        this.stats.forwarded++
        return undefined
      }
    }
    const l = this.#learned.get(node)
    if (l !== undefined && now - l.seenAt < this.#bridgeAgeMs && l.port !== from && this.#ports.get(l.port.id) === l.port &&
        !(noRelay && l.port.kind === 'peer')) {
      l.port.send(d)
      this.stats.forwarded++
      return undefined
    }
    let sent = false
    for (let i = 0; i < list.length; i++) {
      const port = list[i]!
      if (port === from) continue
      // From a local port: unknown unicast floods to the peers (802.1D). From a peer: to local
      // ports that cannot tell whether they have the node, and to the other peers when relaying.
      const toPeer = port.kind === 'peer' && (from.kind === 'local' || this.#relayPeers)
      if (toPeer || (from.kind === 'peer' && port.kind === 'local' && port.hasNode === undefined)) {
        port.send(d)
        this.stats.flooded++
        sent = true
      }
    }
    return sent ? undefined : DropReason.UnknownDestination
  }

  #route (d: Buffer, from: Port, now: number): DropReason | undefined {
    const p = this.#peek
    if (p.packetType === TYPE20) return this.#type20(d, from, now)
    const recvNet = from.network
    const dstNet = p.dstNetwork === 0 ? recvNet : p.dstNetwork
    const broadcast = p.dstNode === BROADCAST
    if (dstNet === recvNet) {
      if (broadcast) {
        // Several local ports on one network are one segment split over attachments (DOSBox on
        // UDP, js-dos over WebSocket, the TCP relay): a broadcast on it reaches all of them.
        this.#floodLocal(d, from, recvNet)
        this.#toSockets(d, from, now)
        return undefined
      }
      if (p.dstNode === this.node) return this.#toSockets(d, from, now) ? undefined : DropReason.UnknownDestination
      const list = this.#list
      for (let i = 0; i < list.length; i++) {
        const port = list[i]!
        if (port !== from && port.kind === 'local' && port.network === recvNet && port.hasNode?.(p.dstNode) === true) {
          port.send(d)
          this.stats.forwarded++
          return undefined
        }
      }
      return DropReason.UnknownDestination
    }
    if (dstNet === this.network && p.dstNode === this.node) return this.#toSockets(d, from, now) ? undefined : DropReason.UnknownDestination
    const route = this.#routes.get(dstNet)
    if (route === undefined || route.hops >= RIP_HOPS_UNREACHABLE) return DropReason.UnknownDestination
    if (route.port === null) {
      if (!broadcast) return DropReason.UnknownDestination
      this.#toSockets(d, from, now)
      return undefined
    }
    if (route.port === from.id) return DropReason.Policy
    let out = this.#ports.get(route.port)
    if (out === undefined) return DropReason.UnknownDestination
    // A network of several local ports: the one that has the node (or the route's port).
    if (out.kind === 'local' && !broadcast) out = this.#localWith(out, p.dstNode)
    const srcNet = p.srcNetwork === 0 ? recvNet : p.srcNetwork
    let tc = p.transportControl
    if (srcNet !== out.network && ++tc > this.#maxHops) return DropReason.HopLimit
    let outgoing = d
    if (tc !== p.transportControl || srcNet !== p.srcNetwork) {
      outgoing = Buffer.allocUnsafe(d.length)
      d.copy(outgoing)
      writeHops(outgoing, tc)
      writeSrcNetwork(outgoing, srcNet)
    }
    out.send(outgoing)
    this.stats.forwarded++
    if (broadcast && out.kind === 'local') this.#floodLocal(outgoing, out, out.network, from)
    if (broadcast && dstNet === this.network) this.#toSockets(d, from, now)
    return undefined
  }

  /** Sends `d` to every local port on `network` but `except` (and `also`). */
  #floodLocal (d: Buffer, except: Port, network: number, also?: Port): void {
    const list = this.#list
    for (let i = 0; i < list.length; i++) {
      const port = list[i]!
      if (port === except || port === also || port.kind !== 'local' || port.network !== network) continue
      port.send(d)
      this.stats.flooded++
    }
  }

  /** Among the local ports on `port`'s network, the one that says it has `node`; else `port`. */
  #localWith (port: Port, node: number): Port {
    if (port.hasNode?.(node) === true) return port
    const list = this.#list
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!
      if (p !== port && p.kind === 'local' && p.network === port.network && p.hasNode?.(node) === true) return p
    }
    return port
  }

  #type20 (d: Buffer, from: Port, now: number): DropReason | undefined {
    const p = this.#peek
    const tc = p.transportControl
    if (tc > TYPE20_MAX_HOPS) return DropReason.HopLimit
    if (p.length < TYPE20_MIN_LENGTH) return DropReason.Malformed
    const recvNet = from.network
    // An unnumbered link (a peer port with network 0) names no network to record: the slot gets
    // this router's own network instead, and a packet whose list already holds it has passed here.
    const mark = recvNet !== 0 ? recvNet : this.network
    if (tc < TYPE20_MAX_HOPS && !listed(d, tc, mark)) {
      const list = this.#list
      for (let i = 0; i < list.length; i++) {
        const out = list[i]!
        if (out === from || (out.network !== 0 && listed(d, tc, out.network))) continue
        const copy = Buffer.allocUnsafe(d.length)
        d.copy(copy)
        copy.writeUInt32BE(mark, IPX_HEADER_LENGTH + 4 * tc)
        writeHops(copy, tc + 1)
        writeDstNetwork(copy, out.network)
        if (p.srcNetwork === 0) writeSrcNetwork(copy, recvNet)
        out.send(copy)
        this.stats.propagated++
      }
    } else {
      this.stats.propagationSuppressed++
    }
    if (p.dstNode === BROADCAST || p.dstNode === this.node) this.#toSockets(d, from, now)
    return undefined
  }
}
