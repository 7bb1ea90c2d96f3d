/**
 * The narrow view of a node that its built-in services need, and the helpers they share to build
 * the packets they send. {@link Router} implements both interfaces; tests may pass a fake.
 */
import { packet as ipxPacket } from '../../../protocol/ipx/index.js'
import type { IpxAddress } from '../../../protocol/ipx/index.js'
import { BROADCAST_NODE } from '../../../protocol/constants.js'
import type { Port, Route, RouterMode } from '../router.js'

/** What every service sees of the node. */
export interface ServiceHost {
  readonly mode: RouterMode
  /** The node's network. */
  readonly network: number
  /** The node's own node address. */
  readonly node: number
  /** The node's ports. */
  ports: () => readonly Port[]
  /** The port named `id`. */
  port: (id: string) => Port | undefined
  /** Sends a datagram the node originates; out of `toPort` when given. */
  send: (datagram: Buffer, toPort?: string) => boolean
}

/** What RIP additionally needs: the route table. */
export interface RouteHost extends ServiceHost {
  readonly routes: ReadonlyMap<number, Route>
  setRoute: (route: Route) => void
  deleteRoute: (network: number) => boolean
}

/**
 * The network the node uses as its source on `port`: the port's own network, or the node's for an
 * unnumbered link (network 0) — Linux sends from the output interface's network (`ipxitf_send`
 * writes `ipx_source.net`).
 */
export function sourceNetwork (host: ServiceHost, port: Port | undefined): number {
  return port !== undefined && port.network !== 0 ? port.network : host.network
}

/** Encodes one IPX packet the node sends (checksum 0xFFFF, transport control 0). */
export function buildPacket (packetType: number, dst: IpxAddress, src: IpxAddress, payload: Buffer): Buffer {
  return ipxPacket.encode(ipxPacket.makePacket({ packetType, dst, src }, payload))
}

/** The broadcast address on `port`'s network for `socket`. */
export function broadcastOn (port: Port, socket: number): IpxAddress {
  return { network: port.network, node: BROADCAST_NODE, socket }
}

/** Cuts `items` into chunks of at most `size` (RIP 50, SAP 7 per packet). */
export function chunks<T> (items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
