/**
 * The node's SAP service (IPX socket 0x0452): advertises the configured services (by default a file
 * server named after the node), learns the services other nodes advertise, answers general and
 * nearest-server queries, broadcasts periodically and on change, ages entries out and announces
 * its own services as going down (16 hops) at shutdown.
 *
 * Sources: operations and the 64-byte entry from Wireshark `dissect_ipxsap` and FreeBSD
 * `usr.sbin/IPXrouted/sap.h` (`MAXSAPENTRIES 7`); timers and the shutdown hop count from
 * gh:twisted-pear/ipx_wrap `ipx_wrap_sapd.c` (`SAP_BCAST_INTERVAL_SECS 60`, expiry 5 min,
 * `SAP_SRV_SHUTDOWN_HOPS 0x0010`, periodic broadcasts use response operation 2, `SAP_PKT_TYPE 0x04`);
 * ipx-reference §B3. Hop counting is RIP's (FreeBSD IPXrouted `sap_output.c` advertises stored + 1):
 * own services are stored at 0 hops and advertised at 1, learned ones as received and advertised
 * one further; an entry that would reach 16 is not advertised.
 *
 * Split horizon as for RIP: an entry is not advertised (nor offered in an answer) out of the port
 * it was learned on. ipxlab's choices: entries are learned only from peer ports; in bridge mode
 * learned entries are kept for status only and never advertised or offered (the lab is one segment
 * and every server answers for itself there). A learned entry that goes down (16 hops from the
 * router it came from) or is not refreshed within `expireMs` is announced once with 16 hops (a
 * triggered update) and deleted.
 */
import * as sap from '../../../protocol/sap.js'
import type { SapServer } from '../../../protocol/sap.js'
import type { IpxPacket } from '../../../protocol/ipx/index.js'
import { BROADCAST_NODE, PacketType } from '../../../protocol/constants.js'
import type { LocalService, Port } from '../router.js'
import type { ServiceHost } from './host.js'
import { broadcastOn, buildPacket, chunks, sourceNetwork } from './host.js'
import { DecodeError } from '../../../protocol/errors.js'

const DOWN = sap.SAP_HOPS_DOWN

/** A service the node advertises itself, at its own network and node. */
export interface AdvertisedService {
  /** Server type (0x0004 file server, 0x0007 print server, ...). */
  type: number
  /** Server name, up to 47 characters (SAP's 48-byte NUL-terminated field). */
  name: string
  /** Socket it listens on (0x0451 NCP for a file server). */
  socket: number
}

/** SAP timers, ms (ipx-reference §B3). */
export interface SapTimers {
  /** Periodic broadcast (default 60 000, ipx_wrap `SAP_BCAST_INTERVAL_SECS`). */
  intervalMs: number
  /** A learned entry not refreshed for this long goes down (default 300 000, ipx_wrap `60*5`). */
  expireMs: number
}

/** ipx_wrap sapd: 60 s broadcast, 5 min expiry. */
export const DEFAULT_SAP_TIMERS: Readonly<SapTimers> = { intervalMs: 60_000, expireMs: 300_000 }

/** One entry of the service table. */
export interface SapEntry {
  /** The service as it would appear in an entry, `hops` as stored (0 for our own). */
  server: SapServer
  /** Port it was learned on; null for the node's own. */
  port: string | null
  /** Node of the router (or server) that advertised it; null for the node's own. */
  learnedFrom: number | null
  /** Last refresh, ms. */
  updatedAt: number
  /** Changed since the last triggered update. */
  changed: boolean
}

/** What the service counts. */
export interface SapStats {
  queriesAnswered: number
  responsesReceived: number
  packetsSent: number
  /** Payloads that did not decode, came from this node, or had an operation it does not act on. */
  ignored: number
}

/** A learned entry's own copy of a received (reachable) server: the decoded one may hold more fields. */
function stored (s: SapServer): SapServer {
  return { type: s.type, name: s.name, network: s.network, node: s.node, socket: s.socket, hops: s.hops }
}

/** The service table key: type and name identify a NetWare service. */
function key (type: number, name: string): string {
  return `${type}/${name}`
}

/** The SAP service; bind it to socket 0x0452 and drive {@link SapService.tick}. */
export class SapService implements LocalService {
  readonly stats: SapStats = { queriesAnswered: 0, responsesReceived: 0, packetsSent: 0, ignored: 0 }
  readonly timers: Readonly<SapTimers>
  readonly #host: ServiceHost
  readonly #table = new Map<string, SapEntry>()
  #nextPeriodic: number | undefined

  constructor (host: ServiceHost, services: readonly AdvertisedService[] = [], timers: Partial<SapTimers> = {}) {
    this.#host = host
    this.timers = { ...DEFAULT_SAP_TIMERS, ...timers }
    for (const s of services) {
      const server: SapServer = { type: s.type, name: s.name, network: host.network, node: host.node, socket: s.socket, hops: 0 }
      this.#table.set(key(s.type, s.name), { server, port: null, learnedFrom: null, updatedAt: 0, changed: false })
    }
  }

  /** The service table (own and learned), by `type/name`. */
  get table (): ReadonlyMap<string, SapEntry> {
    return this.#table
  }

  /** Starts SAP: a general query for every type and our services, on every port or on `portId`. */
  start (now: number, portId?: string): void {
    const ports = portId === undefined ? this.#host.ports() : [this.#host.port(portId)].filter(p => p !== undefined)
    for (const port of ports) {
      this.#send(port, broadcastOn(port, sap.SAP_SOCKET), sap.encode({ operation: sap.SapOperation.GeneralQuery, serverType: sap.SAP_WILDCARD_TYPE }))
      this.#advertise(port, false)
    }
    if (portId === undefined) this.#nextPeriodic = now + this.timers.intervalMs
  }

  /**
   * Periodic work: the full broadcast when due, age-out, triggered updates. One pass over the
   * table, which also notes whether any entry changed (it runs every tick, mostly with nothing to do).
   */
  tick (now: number): void {
    const expireMs = this.timers.expireMs
    let changed = false
    for (const e of this.#table.values()) {
      if (e.learnedFrom !== null && e.server.hops < DOWN && now - e.updatedAt >= expireMs) {
        e.server.hops = DOWN
        e.changed = true
      }
      if (e.changed) changed = true
    }
    if (this.#nextPeriodic === undefined || now >= this.#nextPeriodic) {
      for (const port of this.#host.ports()) this.#advertise(port, false)
      this.#settle()
      this.#nextPeriodic = now + this.timers.intervalMs
    } else if (changed) {
      // flush(), without its second pass to find out whether anything changed.
      for (const port of this.#host.ports()) this.#advertise(port, true)
      this.#settle()
    }
  }

  /** Sends changed entries at once (a triggered update), then forgets the ones that went down. */
  flush (): void {
    let any = false
    for (const e of this.#table.values()) if (e.changed) { any = true; break }
    if (!any) return
    for (const port of this.#host.ports()) this.#advertise(port, true)
    this.#settle()
  }

  /**
   * A port went down (its link was lost): the entries learned on it go down as RIP's routes through
   * it do (Router.removePort), announced with 16 hops at the next {@link flush} and then forgotten,
   * so that a server behind the lost link is offered again only by a router that still reaches it
   * (its next update, at the hop count of the other path), not kept for the whole expiry time.
   * Returns how many entries went down.
   */
  portDown (portId: string, now: number): number {
    let n = 0
    for (const e of this.#table.values()) {
      if (e.port !== portId || e.learnedFrom === null || e.server.hops >= DOWN) continue
      e.server.hops = DOWN
      e.updatedAt = now
      e.changed = true
      n++
    }
    return n
  }

  /** Going down: every entry this node advertises, sent with 16 hops on every port. */
  shutdown (): void {
    for (const port of this.#host.ports()) {
      const servers = this.#offered(port).map(s => ({ ...s, hops: DOWN }))
      for (const c of chunks(servers, sap.SAP_MAX_ENTRIES)) {
        this.#send(port, broadcastOn(port, sap.SAP_SOCKET), sap.encode({ operation: sap.SapOperation.GeneralResponse, servers: c }))
      }
    }
  }

  /**
   * The nearest (fewest hops; the node's own first on a tie) reachable service of `type` that may
   * be offered on `port` (split horizon), as it would be advertised there.
   */
  nearest (type: number, port: Port): SapServer | undefined {
    let best: SapServer | undefined
    for (const s of this.#offered(port)) {
      if (s.type !== type && type !== sap.SAP_WILDCARD_TYPE) continue
      if (best === undefined || s.hops < best.hops) best = s
    }
    return best
  }

  /** A SAP packet for the node (from {@link Router.forward}). */
  handle (packet: IpxPacket, fromPort: string, now: number): void {
    const host = this.#host
    const port = host.port(fromPort)
    let m: sap.SapMessage
    try {
      m = sap.decode(packet.payload)
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
    const h = packet.header
    const dst = h.src.node === BROADCAST_NODE ? broadcastOn(port, h.src.socket) : h.src
    if (sap.isQuery(m)) {
      if (m.operation === sap.SapOperation.NearestQuery) {
        const s = this.nearest(m.serverType, port)
        if (s === undefined) return
        this.stats.queriesAnswered++
        this.#send(port, dst, sap.encode({ operation: sap.SapOperation.NearestResponse, servers: [s] }))
        return
      }
      const servers = this.#offered(port).filter(s => s.type === m.serverType || m.serverType === sap.SAP_WILDCARD_TYPE)
      if (servers.length === 0) return
      this.stats.queriesAnswered++
      for (const c of chunks(servers, sap.SAP_MAX_ENTRIES)) this.#send(port, dst, sap.encode({ operation: sap.SapOperation.GeneralResponse, servers: c }))
      return
    }
    if (sap.isResponse(m) && m.operation === sap.SapOperation.GeneralResponse) {
      this.stats.responsesReceived++
      if (port.kind !== 'peer') return
      for (const s of m.servers) this.#learn(s, port, h.src.node, now)
      this.flush()
      return
    }
    this.stats.ignored++
  }

  /** Servers as advertised out of `port`: split horizon, bridge rule, hop limit; down ones excluded. */
  #offered (port: Port): SapServer[] {
    const out: SapServer[] = []
    for (const e of this.#table.values()) {
      const s = this.#advertised(e, port)
      if (s !== undefined && s.hops < DOWN) out.push(s)
    }
    return out
  }

  #advertised (e: SapEntry, port: Port): SapServer | undefined {
    if (e.port === port.id) return undefined
    if (e.learnedFrom !== null && this.#host.mode === 'bridge') return undefined
    const s = e.server
    const hops = s.hops >= DOWN ? DOWN : s.hops + 1
    if (s.hops < DOWN && hops >= DOWN) return undefined
    return { type: s.type, name: s.name, network: s.network, node: s.node, socket: s.socket, hops }
  }

  #advertise (port: Port, changedOnly: boolean): void {
    const servers: SapServer[] = []
    for (const e of this.#table.values()) {
      if (changedOnly && !e.changed) continue
      const s = this.#advertised(e, port)
      if (s !== undefined) servers.push(s)
    }
    for (const c of chunks(servers, sap.SAP_MAX_ENTRIES)) {
      this.#send(port, broadcastOn(port, sap.SAP_SOCKET), sap.encode({ operation: sap.SapOperation.GeneralResponse, servers: c }))
    }
  }

  /** Clears change marks and deletes learned entries that have been announced as down. */
  #settle (): void {
    for (const [k, e] of this.#table) {
      e.changed = false
      if (e.learnedFrom !== null && e.server.hops >= DOWN) this.#table.delete(k)
    }
  }

  #send (port: Port, dst: { network: number, node: number, socket: number }, payload: Buffer): void {
    const host = this.#host
    const src = { network: sourceNetwork(host, port), node: host.node, socket: sap.SAP_SOCKET }
    host.send(buildPacket(PacketType.Pep, dst, src, payload), port.id)
    this.stats.packetsSent++
  }

  #learn (s: SapServer, port: Port, router: number, now: number): void {
    const k = key(s.type, s.name)
    const e = this.#table.get(k)
    if (e !== undefined && e.learnedFrom === null) return
    const same = e !== undefined && e.port === port.id && e.learnedFrom === router
    if (s.hops >= DOWN) {
      if (e !== undefined && same && e.server.hops < DOWN) {
        e.server.hops = DOWN
        e.updatedAt = now
        e.changed = true
      }
      return
    }
    // The stored copy is made only when it is stored: a periodic refresh (the usual case) changes nothing.
    if (e === undefined || e.server.hops >= DOWN || s.hops < e.server.hops) {
      this.#table.set(k, { server: stored(s), port: port.id, learnedFrom: router, updatedAt: now, changed: true })
      return
    }
    if (same) {
      if (e.server.hops !== s.hops || e.server.network !== s.network || e.server.node !== s.node || e.server.socket !== s.socket) {
        e.server = stored(s)
        e.changed = true
      }
      e.updatedAt = now
    }
  }
}
