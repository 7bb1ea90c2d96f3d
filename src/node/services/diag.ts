/**
 * The node's IPX diagnostics responder (socket 0x0456): answers a configuration request with a
 * configuration response, unless the request lists this node in its exclusion list ("the nodes
 * that must not answer"; Novell, "IPX Diagnostic Responder", NetWare Connection March 1998;
 * A. Frolov ch. 2 — see protocol/diag.ts). The reply goes to the requester's address.
 *
 * What ipxlab answers (its own choice, the sources leave it open): version 1.0 (the version servers
 * report), SPX diagnostic socket 0 (ipxlab has no SPX diagnostics), and one component, 0 (IPX/SPX):
 * the component list of a server or router carries network data whose layout the sources do not
 * confirm (protocol/diag.ts keeps it as bytes), so none is invented here. Novell's responders wait a
 * random delay before answering a broadcast request; this one answers at once.
 */
import * as diag from '../../../protocol/diag.js'
import type { IpxPacket } from '../../../protocol/ipx/index.js'
import { BROADCAST_NODE, PacketType, Socket } from '../../../protocol/constants.js'
import type { LocalService } from '../router.js'
import type { ServiceHost } from './host.js'
import { buildPacket, sourceNetwork } from './host.js'
import { DecodeError } from '../../../protocol/errors.js'

/** What the responder puts in its configuration response. */
export interface DiagOptions {
  majorVersion?: number
  minorVersion?: number
  spxDiagnosticSocket?: number
  /** Component IDs (default [0], IPX/SPX). */
  components?: readonly number[]
}

/** What the responder counts. */
export interface DiagStats {
  answered: number
  /** Requests that listed this node as excluded. */
  excluded: number
  /** Payloads that did not decode or came from this node. */
  ignored: number
}

/** The diagnostics responder; bind it to socket 0x0456. It has no periodic work. */
export class DiagService implements LocalService {
  readonly stats: DiagStats = { answered: 0, excluded: 0, ignored: 0 }
  readonly #host: ServiceHost
  readonly #response: Buffer

  constructor (host: ServiceHost, options: DiagOptions = {}) {
    this.#host = host
    const components = Buffer.from(options.components ?? [diag.DiagComponent.IpxSpx])
    this.#response = diag.encode({
      kind: 'response',
      majorVersion: options.majorVersion ?? 1,
      minorVersion: options.minorVersion ?? 0,
      spxDiagnosticSocket: options.spxDiagnosticSocket ?? 0,
      componentCount: components.length,
      components
    })
  }

  /** A diagnostics packet for the node. */
  handle (packet: IpxPacket, fromPort: string, _now: number): void {
    const host = this.#host
    const h = packet.header
    let req: diag.DiagRequest
    try {
      req = diag.decodeRequest(packet.payload)
    } catch (err) {
      // A malformed payload is ignored and counted; anything else is a bug and goes up.
      if (!(err instanceof DecodeError)) throw err
      this.stats.ignored++
      return
    }
    const port = host.port(fromPort)
    if (port === undefined || h.src.node === host.node || h.src.node === BROADCAST_NODE) {
      this.stats.ignored++
      return
    }
    if (req.exclusions.includes(host.node)) {
      this.stats.excluded++
      return
    }
    const src = { network: sourceNetwork(host, port), node: host.node, socket: Socket.Diagnostic }
    host.send(buildPacket(PacketType.Pep, h.src, src, this.#response), port.id)
    this.stats.answered++
  }
}
