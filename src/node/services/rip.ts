/**
 * The node's RIP service (IPX socket 0x0453): answers requests, broadcasts the route table
 * periodically and on change, learns routes from neighbours, ages them out and poisons them.
 * Behaviour follows FreeBSD's `usr.sbin/IPXrouted` (an implementation of Novell's "IPX RIP and SAP
 * Router Specification", part 107-000029-001), whose constants are in `protocol.h`:
 *  - every `intervalMs` (SUPPLY 60 s) a full response on every port, at most 50 entries a packet
 *    (`MAXRIPNETS`), more packets when needed (`output.c` `supply` chops the table);
 *  - split horizon (`supply`): a route is not advertised out of the port it goes through, so
 *    neither a learned route back to where it came from nor a port's own network onto it;
 *  - advertised hops and ticks are the stored ones plus one; a route that would reach 16 is not
 *    advertised, and an unreachable one is advertised with 16 (`supply`: "We don't advertize routes
 *    with more than 15 hops");
 *  - a route not confirmed within `expireMs` (EXPIRE 180 s) is set to 16 hops and announced at once
 *    (poisoning), and deleted `garbageMs` (GARBAGE 240 s) after its last confirmation; a route
 *    poisoned by news (its router announced 16, or its port went down) is deleted `garbageMs`
 *    after that news, so the poison is repeated in the periodic updates meanwhile;
 *  - a response replaces a route when it comes from the same router, or is better: fewer ticks,
 *    or as many ticks and fewer hops (Novell routes on ticks first; Cisco, "Ticks and Equal Cost
 *    Paths (IPX)": "ticks are the primary route metric and hops are a tie breaker");
 *  - ticks per link: the sender's `+ 1` counts one tick for the link the response crossed, a LAN's
 *    (FreeBSD assumes every interface is one); a receiving port whose link is slower
 *    ({@link Port.ticks}, from its WAN profile or rate: `linkTicks` in router.ts) adds the rest, as
 *    a NetWare router adds its interface's delay to the ticks it hears (Cisco, same note: "If we do
 *    not add a proper ticks to the ticks we receive, then the timeout might be set too short").
 *    The receiver's own port is the right one: it is that node's sending direction, the one its
 *    traffic to the learned network takes (the WAN emulator shapes what a node sends), so a slow
 *    link set on one end only still steers that end's traffic;
 *  - a request for 0xFFFFFFFF is answered with the whole table (split horizon on the requesting
 *    port); a request for specific networks with those that are reachable; nothing when none are.
 * ipxlab's choices: routes are learned only in route mode and only from peer ports (a local port
 * is one segment of clients, and the tunnel cannot address a next-hop router on it); in bridge mode
 * only connected networks are advertised (the whole lab is one segment, so split horizon across it
 * leaves nothing else). Changes (from responses, age-out or a port going down) are sent as
 * triggered updates holding only the changed routes.
 */
import * as rip from '../../../protocol/rip.js'
import type { RipEntry } from '../../../protocol/rip.js'
import type { IpxPacket } from '../../../protocol/ipx/index.js'
import { BROADCAST_NODE, PacketType } from '../../../protocol/constants.js'
import type { LocalService, Port, Route } from '../router.js'
import type { RouteHost } from './host.js'
import { broadcastOn, buildPacket, chunks, sourceNetwork } from './host.js'
import { DecodeError } from '../../../protocol/errors.js'

const INFINITY = rip.RIP_HOPS_UNREACHABLE

/** RIP timers, ms. Defaults from FreeBSD IPXrouted `protocol.h` (ipx-reference §B4). */
export interface RipTimers {
  /** Periodic full update (default 60 000). */
  intervalMs: number
  /** A learned route not confirmed for this long becomes unreachable (default 180 000). */
  expireMs: number
  /** ... and is deleted this long after its last confirmation (default 240 000). */
  garbageMs: number
}

/** FreeBSD IPXrouted: supply every 60 s, expire 180 s, garbage-collect 240 s. */
export const DEFAULT_RIP_TIMERS: Readonly<RipTimers> = { intervalMs: 60_000, expireMs: 180_000, garbageMs: 240_000 }

/** What the service counts. */
export interface RipStats {
  requestsAnswered: number
  responsesReceived: number
  packetsSent: number
  /** RIP payloads that did not decode, or came from this node itself. */
  ignored: number
}

/** The RIP service; bind it to socket 0x0453 and drive {@link RipService.tick}. */
export class RipService implements LocalService {
  readonly stats: RipStats = { requestsAnswered: 0, responsesReceived: 0, packetsSent: 0, ignored: 0 }
  readonly timers: Readonly<RipTimers>
  readonly #host: RouteHost
  #nextPeriodic: number | undefined

  constructor (host: RouteHost, timers: Partial<RipTimers> = {}) {
    this.#host = host
    this.timers = { ...DEFAULT_RIP_TIMERS, ...timers }
  }

  /**
   * Starts (or re-starts, for a port that just came up) RIP: a request for all networks and the
   * full table on every port, or only on `portId`. The next periodic update is one interval later.
   */
  start (now: number, portId?: string): void {
    for (const port of this.#targets(portId)) {
      this.#sendOn(port, rip.RipOperation.Request, [{ network: rip.RIP_ALL_NETWORKS, hops: INFINITY, ticks: 0xffff }])
      this.#advertise(port, false)
    }
    if (portId === undefined) this.#nextPeriodic = now + this.timers.intervalMs
  }

  /**
   * Periodic work: the full update when due, age-out, garbage collection, triggered updates. One
   * pass over the table, in place (a Map may delete the entry being visited), which also notes
   * whether any route changed: it runs every tick of every node, mostly with nothing to do.
   */
  tick (now: number): void {
    const host = this.#host
    const { expireMs, garbageMs } = this.timers
    let changed = false
    for (const r of host.routes.values()) {
      if (r.network !== host.network) {
        if (r.hops < INFINITY && r.learnedFrom !== null && now - r.updatedAt >= expireMs) {
          r.hops = INFINITY
          r.changed = true
        } else if (r.hops >= INFINITY && now - r.updatedAt >= garbageMs) {
          host.deleteRoute(r.network)
          continue
        }
      }
      if (r.changed) changed = true
    }
    if (this.#nextPeriodic === undefined || now >= this.#nextPeriodic) {
      for (const port of host.ports()) this.#advertise(port, false)
      this.#clearChanged()
      this.#nextPeriodic = now + this.timers.intervalMs
    } else if (changed) {
      // flush(), without its second pass to find out whether anything changed.
      for (const port of host.ports()) this.#advertise(port, true)
      this.#clearChanged()
    }
  }

  /** Sends the changed routes at once on every port (a triggered update), then clears the marks. */
  flush (): void {
    let any = false
    for (const r of this.#host.routes.values()) if (r.changed) { any = true; break }
    if (!any) return
    for (const port of this.#host.ports()) this.#advertise(port, true)
    this.#clearChanged()
  }

  /** Going down: every route this node advertises, announced as unreachable (16 hops) on every port. */
  shutdown (): void {
    for (const port of this.#host.ports()) {
      const entries = this.#entriesFor(port, false).map(e => ({ ...e, hops: INFINITY }))
      for (const c of chunks(entries, rip.RIP_MAX_ENTRIES)) this.#sendOn(port, rip.RipOperation.Response, c)
    }
  }

  /** A RIP packet for the node (from {@link Router.forward}). */
  handle (packet: IpxPacket, fromPort: string, now: number): void {
    const host = this.#host
    const port = host.port(fromPort)
    let m: rip.RipMessage
    try {
      m = rip.decode(packet.payload)
    } catch (err) {
      // A malformed payload is ignored and counted; anything else is a bug and goes up.
      if (!(err instanceof DecodeError)) throw err
      this.stats.ignored++
      return
    }
    if (port === undefined || packet.header.src.node === host.node) {
      this.stats.ignored++
      return
    }
    if (m.operation === rip.RipOperation.Request) {
      this.#answer(packet, port, m.entries)
    } else if (m.operation === rip.RipOperation.Response) {
      this.stats.responsesReceived++
      if (host.mode === 'route' && port.kind === 'peer') {
        for (const e of m.entries) this.#learn(e, port, packet.header.src.node, now)
        this.flush()
      }
    } else {
      this.stats.ignored++
    }
  }

  #targets (portId: string | undefined): readonly Port[] {
    if (portId === undefined) return this.#host.ports()
    const p = this.#host.port(portId)
    return p === undefined ? [] : [p]
  }

  #clearChanged (): void {
    for (const r of this.#host.routes.values()) r.changed = false
  }

  /** The entry advertising `r` out of `port`, or undefined when split horizon or the limit keep it back. */
  #advertised (r: Route, port: Port): RipEntry | undefined {
    if (r.port === port.id) return undefined
    if (this.#host.mode === 'bridge' && r.learnedFrom !== null) return undefined
    if (r.hops >= INFINITY) return { network: r.network, hops: INFINITY, ticks: Math.min(0xffff, r.ticks + 1) }
    const hops = r.hops + 1
    if (hops >= INFINITY) return undefined
    return { network: r.network, hops, ticks: Math.min(0xffff, r.ticks + 1) }
  }

  #entriesFor (port: Port, changedOnly: boolean): RipEntry[] {
    const out: RipEntry[] = []
    for (const r of this.#host.routes.values()) {
      if (changedOnly && !r.changed) continue
      const e = this.#advertised(r, port)
      if (e !== undefined) out.push(e)
    }
    return out
  }

  #advertise (port: Port, changedOnly: boolean): void {
    for (const c of chunks(this.#entriesFor(port, changedOnly), rip.RIP_MAX_ENTRIES)) this.#sendOn(port, rip.RipOperation.Response, c)
  }

  #sendOn (port: Port, operation: number, entries: RipEntry[]): void {
    const host = this.#host
    const payload = rip.encode({ operation, entries })
    const src = { network: sourceNetwork(host, port), node: host.node, socket: rip.RIP_SOCKET }
    host.send(buildPacket(PacketType.Rip, broadcastOn(port, rip.RIP_SOCKET), src, payload), port.id)
    this.stats.packetsSent++
  }

  #answer (packet: IpxPacket, port: Port, asked: RipEntry[]): void {
    const host = this.#host
    let entries: RipEntry[]
    if (asked.some(e => e.network === rip.RIP_ALL_NETWORKS)) {
      entries = this.#entriesFor(port, false).filter(e => e.hops < INFINITY)
    } else {
      entries = []
      for (const a of asked) {
        const r = host.routes.get(a.network)
        // A specific request is answered whatever port the route uses: the requester asked for it.
        if (r === undefined || r.hops >= INFINITY || (host.mode === 'bridge' && r.learnedFrom !== null)) continue
        if (r.hops + 1 < INFINITY) entries.push({ network: r.network, hops: r.hops + 1, ticks: Math.min(0xffff, r.ticks + 1) })
      }
    }
    if (entries.length === 0) return
    this.stats.requestsAnswered++
    const src = { network: sourceNetwork(host, port), node: host.node, socket: rip.RIP_SOCKET }
    const h = packet.header
    // The reply goes to the requester; a broadcast source cannot be answered, so it broadcasts.
    const dst = h.src.node === BROADCAST_NODE ? broadcastOn(port, h.src.socket) : h.src
    for (const c of chunks(entries, rip.RIP_MAX_ENTRIES)) {
      host.send(buildPacket(PacketType.Rip, dst, src, rip.encode({ operation: rip.RipOperation.Response, entries: c })), port.id)
      this.stats.packetsSent++
    }
  }

  #learn (heard: RipEntry, port: Port, router: number, now: number): void {
    const host = this.#host
    if (heard.network === 0 || heard.network === rip.RIP_ALL_NETWORKS || heard.network === host.network) return
    // The sender counted one tick for this link; a slower port adds its remaining ticks.
    const e = port.ticks > 1 ? { ...heard, ticks: Math.min(0xffff, heard.ticks + port.ticks - 1) } : heard
    const r = host.routes.get(e.network)
    if (r !== undefined && r.learnedFrom === null && r.hops < INFINITY) return
    const same = r !== undefined && r.port === port.id && r.learnedFrom === router
    if (e.hops >= INFINITY) {
      // Unreachable: believed only from the router the route goes through (poison from upstream).
      if (r !== undefined && same && r.hops < INFINITY) {
        r.hops = INFINITY
        r.updatedAt = now
        r.changed = true
      }
      return
    }
    if (r === undefined || r.hops >= INFINITY) {
      host.setRoute({ network: e.network, port: port.id, hops: e.hops, ticks: e.ticks, learnedFrom: router, updatedAt: now, changed: true })
      return
    }
    if (same) {
      if (r.hops !== e.hops || r.ticks !== e.ticks) {
        r.hops = e.hops
        r.ticks = e.ticks
        r.changed = true
      }
      r.updatedAt = now
      return
    }
    if (e.ticks < r.ticks || (e.ticks === r.ticks && e.hops < r.hops)) {
      host.setRoute({ network: e.network, port: port.id, hops: e.hops, ticks: e.ticks, learnedFrom: router, updatedAt: now, changed: true })
    }
  }
}
