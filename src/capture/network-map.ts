/**
 * Replay's automatic network mapping (issue 15): a capture's IPX networks are the numbers of the
 * LAN it was taken on (`00000A01`), which no lab node has. A router refuses a destination network
 * it has no route to (`unknown_destination`, src/node/router.ts), so a capture replayed unmapped
 * into a route-mode node is mostly dropped. Here the replayer asks the node which networks it
 * knows, as a NetWare workstation does when it starts: a RIP request for all networks
 * (0xFFFFFFFF) broadcast on the node's segment, answered by the node's RIP service with its route
 * table (Novell's IPX RIP and SAP Router Specification; src/node/services/rip.ts). Then:
 *
 *  - the replayer is the source of every frame it sends (DOSBox mode rewrites every source node
 *    to its own), so every source network becomes the network of the node's segment: the RIP
 *    answer's source network (the answering port's network);
 *  - the capture's networks, in the order they first appear, map onto the networks the node
 *    routes to beyond its own segment, nearest first (fewest hops, then the lower number), taken
 *    in turn; a node that knows no other network (bridge mode, or no peer up yet) gets them all
 *    on its own network. So the frames of a one-LAN capture played into node A of the compose lab
 *    cross the tunnel to node B's network, as a workstation on A talking to servers on B.
 *
 * `--map-network OLD=NEW` wins for the networks it names; `--network HEX` (every network to one)
 * or `--no-auto-map` turn the discovery off. No answer within the wait (a plain DOSBox server has
 * no RIP) leaves the networks as captured, and the summary says so.
 *
 * Kept apart from src/capture/replay.ts (the planner, the replayer and the senders): the pure
 * parts here ({@link autoNetworkMap}, {@link ripRequest}, {@link parseRipAnswer}) are functions of their inputs; the I/O is one request
 * and one wait over any sender that hands back what the node sends it.
 */
import { ipx, rip } from '../../protocol/index.js'
import { BROADCAST_NODE, IPX_NO_CHECKSUM, PacketType } from '../../protocol/constants.js'
import { DecodeError } from '../../protocol/errors.js'
import { CaptureError } from '../errors.js'
import { readFrames } from './frames.js'
import type { FrameOptions } from './frames.js'

/** What a node said about its networks in a RIP response. */
export interface NodeNetworks {
  /** The network of the node's segment (the response's source network). */
  own: number
  /** The other networks it can reach, with their advertised hops (1 = its own network). */
  remote: Array<{ network: number, hops: number }>
}

/** How long the replayer waits for the RIP answer, ms. */
export const DISCOVERY_WAIT_MS = 1000

/** True for the network numbers that are not a LAN's: 0 ("this network") and FFFFFFFF (all). */
function special (n: number): boolean {
  return n === 0 || n === rip.RIP_ALL_NETWORKS
}

/** The distinct networks of a capture's IPX frames (source and destination), in order of first appearance. */
export async function captureNetworks (path: string, options: FrameOptions = {}): Promise<number[]> {
  const seen = new Set<number>()
  try {
    for await (const f of readFrames(path, options)) {
      if (f.kind !== 'ipx') continue
      const h = f.located.ipx.header
      for (const n of [h.dst.network, h.src.network]) if (!special(n)) seen.add(n)
    }
  } catch (err) {
    // A capture broken after whole records: their networks count; the replay says where it stopped.
    if (!(err instanceof CaptureError)) throw err
  }
  return [...seen]
}

/**
 * The mapping of the capture's networks onto the node's (see the module comment): pure. The
 * explicit entries win over the automatic ones.
 */
export function autoNetworkMap (captured: readonly number[], node: NodeNetworks, explicit?: ReadonlyMap<number, number>): Map<number, number> {
  const targets = node.remote
    .filter(r => r.network !== node.own && !special(r.network) && r.hops < rip.RIP_HOPS_UNREACHABLE)
    .sort((a, b) => a.hops - b.hops || a.network - b.network)
    .map(r => r.network)
  if (targets.length === 0) targets.push(node.own)
  const out = new Map<number, number>()
  captured.forEach((n, i) => { out.set(n, targets[i % targets.length]!) })
  for (const [from, to] of explicit ?? []) out.set(from, to)
  return out
}

/**
 * The RIP request for all networks, from `sourceNode` (the node the DOSBox server assigned) on
 * the RIP socket, broadcast on the segment (network 0: the receiving network, `ipxitf_rcv`).
 * Checksum FFFF, as every DOSBox client writes it.
 */
export function ripRequest (sourceNode: number): Buffer {
  const payload = rip.encode({ operation: rip.RipOperation.Request, entries: [{ network: rip.RIP_ALL_NETWORKS, hops: rip.RIP_HOPS_UNREACHABLE, ticks: 0xffff }] })
  const p = ipx.packet.makePacket({
    packetType: PacketType.Rip,
    dst: { network: 0, node: BROADCAST_NODE, socket: rip.RIP_SOCKET },
    src: { network: 0, node: sourceNode, socket: rip.RIP_SOCKET }
  }, payload)
  const d = ipx.packet.encode(p)
  d.writeUInt16BE(IPX_NO_CHECKSUM, 0)
  return d
}

/**
 * What a datagram the node sent says about its networks: a RIP response from the RIP socket to
 * `sourceNode`'s RIP socket, else undefined (anything else, or bytes that do not decode).
 */
export function parseRipAnswer (d: Buffer, sourceNode: number): NodeNetworks | undefined {
  let p: ipx.IpxPacket
  let m: rip.RipMessage
  try {
    p = ipx.packet.decode(d)
    if (p.header.src.socket !== rip.RIP_SOCKET || p.header.dst.socket !== rip.RIP_SOCKET) return undefined
    if (p.header.dst.node !== sourceNode && p.header.dst.node !== BROADCAST_NODE) return undefined
    m = rip.decode(p.payload)
  } catch (err) {
    if (err instanceof DecodeError) return undefined
    throw err
  }
  if (m.operation !== rip.RipOperation.Response || special(p.header.src.network)) return undefined
  return { own: p.header.src.network, remote: m.entries.map(e => ({ network: e.network, hops: e.hops })) }
}

/**
 * Collects the node's RIP answers: feed it every datagram the node sends the replayer
 * ({@link receive}), send {@link ripRequest} and {@link wait}. Several responses (a table of more
 * than 50 routes) are merged; the wait ends at the first one, plus a short grace for the rest.
 */
export class NetworkDiscovery {
  readonly #sourceNode: () => number | undefined
  #found: NodeNetworks | undefined
  #wake: (() => void) | undefined

  /** `sourceNode` gives the replayer's node once it is registered. */
  constructor (sourceNode: () => number | undefined) {
    this.#sourceNode = sourceNode
  }

  receive (d: Buffer): void {
    const node = this.#sourceNode()
    if (node === undefined) return
    const a = parseRipAnswer(d, node)
    if (a === undefined) return
    if (this.#found === undefined || this.#found.own !== a.own) this.#found = a
    else this.#found.remote.push(...a.remote)
    this.#wake?.()
  }

  /** Resolves with what the node said, or undefined after `ms` without an answer. */
  async wait (ms: number = DISCOVERY_WAIT_MS): Promise<NodeNetworks | undefined> {
    if (this.#found === undefined) {
      let timer: NodeJS.Timeout | undefined
      await new Promise<void>(resolve => {
        this.#wake = resolve
        timer = setTimeout(resolve, ms)
      })
      clearTimeout(timer)
      this.#wake = undefined
    }
    if (this.#found !== undefined) await new Promise(resolve => setTimeout(resolve, 50))
    return this.#found
  }
}
