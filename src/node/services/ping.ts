/**
 * The node's Novell ping responder (socket 0x9086): a request (type 0) is answered with
 * `ping.makeReply` (same version, ID and data; type 1, result 1 — ipx_wrap `ipx_wrap_ping.h`,
 * Windows NT `pingsvc.h`; see protocol/ping.ts), sent to the requester from this node's socket
 * 0x9086 with the request's IPX packet type. Replies and unknown types are ignored.
 */
import * as ping from '../../../protocol/ping.js'
import type { IpxPacket } from '../../../protocol/ipx/index.js'
import { BROADCAST_NODE, Socket } from '../../../protocol/constants.js'
import type { LocalService } from '../router.js'
import type { ServiceHost } from './host.js'
import { buildPacket, sourceNetwork } from './host.js'
import { DecodeError } from '../../../protocol/errors.js'

/** What the responder counts. */
export interface PingStats {
  answered: number
  /** Payloads that did not decode, were not requests, or came from this node. */
  ignored: number
}

/** The Novell ping responder; bind it to socket 0x9086. It has no periodic work. */
export class PingService implements LocalService {
  readonly stats: PingStats = { answered: 0, ignored: 0 }
  readonly #host: ServiceHost

  constructor (host: ServiceHost) {
    this.#host = host
  }

  /** A ping packet for the node. */
  handle (packet: IpxPacket, fromPort: string, _now: number): void {
    const host = this.#host
    const h = packet.header
    let req: ping.NovellPing
    try {
      req = ping.decode(packet.payload)
    } catch (err) {
      // A malformed payload is ignored and counted; anything else is a bug and goes up.
      if (!(err instanceof DecodeError)) throw err
      this.stats.ignored++
      return
    }
    const port = host.port(fromPort)
    if (req.type !== ping.PingType.Request || port === undefined || h.src.node === host.node || h.src.node === BROADCAST_NODE) {
      this.stats.ignored++
      return
    }
    const src = { network: sourceNetwork(host, port), node: host.node, socket: Socket.NovellPing }
    host.send(buildPacket(h.packetType, h.src, src, ping.encode(ping.makeReply(req))), port.id)
    this.stats.answered++
  }
}
