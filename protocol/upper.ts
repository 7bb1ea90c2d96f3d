/**
 * The upper-layer dispatcher: which protocol an IPX packet's payload belongs to, decoded.
 *
 * The order is Wireshark's `dissect_ipx` (`epan/dissectors/packet-ipx.c`), checked against TShark
 * 4.0.17 with crafted frames (test/protocol/upper.test.ts):
 *  1. the LOWER of the two sockets in the `ipx.socket` table, unless the higher one is 0x0551
 *     (NWLink SMB name query: "we assume that it's a NMPI query, and test only that socket");
 *  2. the higher socket;
 *  3. only then the packet type in the `ipx.packet_type` table: 5 SPX, 17 NCP ("Check the socket
 *     numbers before we check the packet type; we've seen non-NCP packets with a type of NCP ...");
 *  4. otherwise data.
 * So a type-5 packet from socket 0x0452 is SAP, and a type-4 packet to 0x0451 is NCP.
 *
 * The socket table is Wireshark's (`tshark -G decodes`, ipx.socket) for the protocols ipxlab decodes
 * (0x0451 NCP, 0x0452 SAP, 0x0453 RIP, 0x0455 NetBIOS), plus two Wireshark 4.0 lacks, registered here
 * as if it had them: 0x0456 diagnostics and 0x9086 Novell ping. Sockets Wireshark gives to
 * protocols ipxlab does not decode (serialization, NMPI, SMB, IPX message, EIGRP, NLSP, IPX WAN) stop
 * the search as they do in Wireshark and yield `data` under that dissector's Protocol-column name.
 */
import { PacketType, Socket } from './constants.js'
import type { IpxPacket } from './ipx/packet.js'
import * as spx from './spx.js'
import * as ncp from './ncp.js'
import * as sap from './sap.js'
import * as rip from './rip.js'
import * as netbios from './netbios.js'
import * as diag from './diag.js'
import * as ping from './ping.js'

/** Protocols the dispatcher can name. */
export type UpperProtocol = 'spx' | 'ncp' | 'sap' | 'rip' | 'netbios' | 'diag' | 'ping' | 'data'

/** The decoded upper layer. `name` reads like tshark's Protocol column. */
export type UpperLayer =
  | { protocol: 'spx', name: 'SPX', value: spx.SpxPacket }
  | { protocol: 'ncp', name: 'NCP', value: ncp.NcpMessage }
  | { protocol: 'sap', name: 'IPX SAP', value: ReturnType<typeof sap.decode> }
  | { protocol: 'rip', name: 'IPX RIP', value: ReturnType<typeof rip.decode> }
  | { protocol: 'netbios', name: 'NBIPX', value: ReturnType<typeof netbios.decode> }
  | { protocol: 'diag', name: 'IPX DIAG', value: diag.DiagMessage }
  | { protocol: 'ping', name: 'IPX PING', value: ping.NovellPing }
  | { protocol: 'data', name: string, value: Buffer }

/** Which entry of the dispatch chose the protocol, for explanations and tests. */
export type DispatchReason = 'low-socket' | 'high-socket' | 'packet-type' | 'none'

/** The dispatch decision, without decoding. */
export interface Dispatch {
  protocol: UpperProtocol
  /** Protocol-column name; for `data` the claiming Wireshark dissector's name, or `IPX`. */
  name: string
  reason: DispatchReason
  /** The socket that decided, when a socket did. */
  socket?: number
}

/** NWLink SMB name query: when it is the higher socket, Wireshark tries only that socket. */
export const NWLINK_SMB_NAMEQUERY_SOCKET = 0x0551

type Claim = { protocol: Exclude<UpperProtocol, 'data' | 'spx'>, name: string } | { protocol: 'data', name: string }

/** The `ipx.socket` table: ipxlab's decoders, then Wireshark 4.0.17's other registrations. */
const SOCKET_TABLE: ReadonlyMap<number, Claim> = new Map<number, Claim>([
  [Socket.Ncp, { protocol: 'ncp', name: 'NCP' }],
  [Socket.Sap, { protocol: 'sap', name: 'IPX SAP' }],
  [Socket.Rip, { protocol: 'rip', name: 'IPX RIP' }],
  [Socket.Netbios, { protocol: 'netbios', name: 'NBIPX' }],
  [Socket.Diagnostic, { protocol: 'diag', name: 'IPX DIAG' }],
  [Socket.NovellPing, { protocol: 'ping', name: 'IPX PING' }],
  [0x0457, { protocol: 'data', name: 'NW_SERIAL' }],
  [0x0550, { protocol: 'data', name: 'SMB' }],
  [0x0551, { protocol: 'data', name: 'NMPI' }],
  [0x0552, { protocol: 'data', name: 'SMB' }],
  [0x0553, { protocol: 'data', name: 'NMPI' }],
  [0x0554, { protocol: 'data', name: 'SMB' }],
  [0x4001, { protocol: 'data', name: 'IPX MSG' }],
  [0x4003, { protocol: 'data', name: 'IPX MSG' }],
  [0x85be, { protocol: 'data', name: 'EIGRP' }],
  [0x9001, { protocol: 'data', name: 'NLSP' }],
  [0x9004, { protocol: 'data', name: 'IPX WAN' }]
])

/**
 * Decides the protocol from the header alone, in Wireshark's order (see the module comment).
 * Allocation aside, it reads three numbers; it never throws.
 */
export function classify (header: { packetType: number, src: { socket: number }, dst: { socket: number } }): Dispatch {
  const s = header.src.socket
  const d = header.dst.socket
  const low = s > d ? d : s
  const high = s > d ? s : d
  if (high !== NWLINK_SMB_NAMEQUERY_SOCKET) {
    const c = SOCKET_TABLE.get(low)
    if (c !== undefined) return { ...c, reason: 'low-socket', socket: low }
  }
  const c = SOCKET_TABLE.get(high)
  if (c !== undefined) return { ...c, reason: 'high-socket', socket: high }
  if (header.packetType === PacketType.Spx) return { protocol: 'spx', name: 'SPX', reason: 'packet-type' }
  if (header.packetType === PacketType.Ncp) return { protocol: 'ncp', name: 'NCP', reason: 'packet-type' }
  return { protocol: 'data', name: 'IPX', reason: 'none' }
}

/**
 * Decodes the payload of `packet` as the protocol {@link classify} picks. Unknown sockets and types
 * give `{ protocol: 'data' }`. A malformed upper layer throws the upper codec's {@link DecodeError};
 * the caller decides whether that drops the packet.
 *
 * Diagnostics: a packet TO socket 0x0456 is a configuration request, one FROM it (to another
 * socket) a configuration response (Novell's responder answers the requester's socket; inferred).
 */
export function decodeUpper (packet: IpxPacket): UpperLayer {
  const h = packet.header
  const p = packet.payload
  const c = classify(h)
  switch (c.protocol) {
    case 'spx': return { protocol: 'spx', name: 'SPX', value: spx.decode(p) }
    case 'ncp': return { protocol: 'ncp', name: 'NCP', value: ncp.decode(p) }
    case 'sap': return { protocol: 'sap', name: 'IPX SAP', value: sap.decode(p) }
    case 'rip': return { protocol: 'rip', name: 'IPX RIP', value: rip.decode(p) }
    case 'netbios': return { protocol: 'netbios', name: 'NBIPX', value: netbios.decode(p, 0, { ipxPacketType: h.packetType }) }
    case 'diag': {
      const kind = h.dst.socket === Socket.Diagnostic ? 'request' : 'response'
      return { protocol: 'diag', name: 'IPX DIAG', value: diag.decode(p, 0, kind) }
    }
    case 'ping': return { protocol: 'ping', name: 'IPX PING', value: ping.decode(p) }
    case 'data': return { protocol: 'data', name: c.name, value: p }
  }
}

/** One line for logs: the protocol name and, where the codec has one, its own description. */
export function describeUpper (u: UpperLayer): string {
  switch (u.protocol) {
    case 'spx': return spx.describeSpx(u.value)
    case 'ncp': return ncp.describeNcp(u.value)
    case 'diag': return diag.describeDiag(u.value)
    case 'ping': return ping.describePing(u.value)
    case 'data': return `${u.name} data ${u.value.length} bytes${u.value.length > 0 ? ' ' + u.value.subarray(0, 8).toString('hex') + (u.value.length > 8 ? '…' : '') : ''}`
    case 'sap': return sap.describeSap(u.value)
    case 'rip': return rip.describeRip(u.value)
    case 'netbios': return netbios.describeNetbios(u.value)
  }
}
