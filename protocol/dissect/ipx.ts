/**
 * The IPX header's dissector and the upper-layer dispatch (Wireshark's `dissect_ipx` order,
 * protocol/upper.ts), which names the next layer and hands the payload to its dissector.
 */
import { ipx, link, upper, DecodeError, hex, packetTypeName, IPX_HEADER_LENGTH, IPX_NO_CHECKSUM, IPX_MAX_HOPS, BROADCAST_NODE, PacketType, Socket } from './deps.js'
import type { LocatedIpx } from '../link.js'
import type { DissectDispatch } from './types.js'
import { toError, rest, plural, networkMeaning, socketMeaning } from './walker.js'
import type { Meanings , Walker} from './walker.js'
import { walkSpx } from './spx.js'
import { walkNcp } from './ncp.js'
import { walkSap } from './sap.js'
import { walkRip } from './rip.js'
import { walkNetbios } from './netbios.js'
import { walkDiag } from './diag.js'
import { walkPing } from './ping.js'

const PACKET_TYPE_MEANINGS: ReadonlyMap<number, string> = new Map([
  [PacketType.Ipx, 'IPX, plain or unknown (RIP and SAP may also use 0)'],
  [PacketType.Rip, 'RIP'],
  [PacketType.Echo, 'Echo'],
  [PacketType.Error, 'Error'],
  [PacketType.Pep, 'PEP, Packet Exchange Protocol (used by SAP and IPX applications)'],
  [PacketType.Spx, 'SPX, Sequenced Packet Exchange'],
  [PacketType.Ncp, 'NCP, NetWare Core Protocol'],
  [PacketType.NetbiosBroadcast, 'NetBIOS broadcast (propagated, Novell router spec ch. 5)']
])

function ipxMeanings (buf: Buffer, at: number, udp: boolean): Meanings {
  const node = (v: number): string => {
    if (v === BROADCAST_NODE) return 'broadcast'
    if (!udp) return 'a station\'s node number (on Ethernet, its MAC)'
    // DOSBox IPXNET / ipxbox: the node is the client's IPv4 address and UDP port (SPEC.md R6).
    const port = v % 0x10000
    return `a tunnel client: IPv4 ${link.formatIpv4(Math.floor(v / 0x10000))}, UDP port ${port} (the DOSBox IPXNET node convention)`
  }
  return {
    checksum: (v) => {
      if (v === IPX_NO_CHECKSUM) return 'no checksum (0xFFFF, what every IPX stack sends)'
      const length = buf.length - at >= 4 ? buf.readUInt16BE(at + 2) : 0
      if (length < IPX_HEADER_LENGTH || at + length > buf.length) return 'a checksum (cannot be checked: the packet is not whole)'
      const want = ipx.computeChecksum(buf, at, length)
      return want === v ? 'a checksum, and it is correct (Linux `ipx_cksum`)' : `not 0xFFFF, so a checksum, but the sum gives 0x${hex(want, 4)} (Linux \`ipx_cksum\`)`
    },
    length: v => v < IPX_HEADER_LENGTH
      ? `${v} bytes: below the 30-byte header, so malformed`
      : `${v} bytes: 30-byte header + ${v - IPX_HEADER_LENGTH} bytes of payload`,
    transportControl: v => `crossed ${plural(v, 'router')}` + (v > IPX_MAX_HOPS ? ` (above ${IPX_MAX_HOPS}: routers drop it)` : ''),
    packetType: v => PACKET_TYPE_MEANINGS.get(v) ?? packetTypeName(v),
    'dst.network': networkMeaning,
    'src.network': networkMeaning,
    'dst.node': node,
    'src.node': node,
    'dst.socket': socketMeaning,
    'src.socket': socketMeaning
  }
}



/** The dispatch decision in one sentence (Wireshark `dissect_ipx` order, see protocol/upper.ts). */
export function explainDispatch (h: { packetType: number, src: { socket: number }, dst: { socket: number } }): DissectDispatch {
  const d = upper.classify(h)
  const s = h.src.socket
  const t = h.dst.socket
  const low = Math.min(s, t)
  const high = Math.max(s, t)
  const sockets = `src 0x${hex(s, 4)}, dst 0x${hex(t, 4)}`
  const order = 'Wireshark\'s order: the lower socket, then the higher socket, then the packet type'
  let text: string
  switch (d.reason) {
    case 'low-socket':
      text = `the lower socket 0x${hex(low, 4)} (${sockets}) is in the socket table: ${d.name}`
      break
    case 'high-socket':
      text = high === upper.NWLINK_SMB_NAMEQUERY_SOCKET
        ? `the higher socket is 0x0551 (NWLink SMB name query), so Wireshark tests only that socket: ${d.name}`
        : `the lower socket 0x${hex(low, 4)} is not in the socket table, the higher socket 0x${hex(high, 4)} is (${sockets}): ${d.name}`
      break
    case 'packet-type':
      text = `neither socket (${sockets}) is in the socket table; packet type 0x${hex(h.packetType, 2)} chose ${d.name}`
      break
    case 'none':
      text = `neither socket (${sockets}) nor packet type 0x${hex(h.packetType, 2)} names a dissector: plain data`
      break
  }
  return { protocol: d.protocol, name: d.name, reason: d.reason, ...(d.socket !== undefined ? { socket: d.socket } : {}), text: `${text} (${order})` }
}

/** The IPX header and what it carries. Returns the end of the IPX packet, or undefined when the walk stopped. */
export function walkIpx (w: Walker, at: number, end: number, located: LocatedIpx | undefined, udp: boolean): number | undefined {
  const buf = w.buf
  w.path.push('IPX')
  w.fields('ipx', ipx.IPX_HEADER, at, end, ipxMeanings(buf, at, udp))
  if (w.failedBefore(at + IPX_HEADER_LENGTH) || Math.min(end, buf.length) - at < IPX_HEADER_LENGTH) {
    w.stopped = true
    return undefined
  }
  const header = located?.ipx.header ?? ipx.IPX_HEADER.read(buf, at)
  const ipxEnd = at + header.length
  const payloadAt = at + IPX_HEADER_LENGTH
  const d = explainDispatch(header)
  w.dispatch = d
  w.path.push(d.protocol === 'data' ? (d.name === 'IPX' ? 'data' : `${d.name} (data)`) : d.name)
  const payloadEnd = Math.min(ipxEnd, buf.length)
  if (located !== undefined) {
    try {
      upper.decodeUpper(located.ipx)
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err
      // A payload the capture cut short (snaplen) is not malformed: it was whole on the wire.
      if (!(w.snapped > 0 && err.code === 'IPX_ERR_TRUNCATED')) w.error = toError(err, payloadAt)
    }
    walkUpper(w, d, header, payloadAt, payloadEnd)
  }
  return ipxEnd
}


/**
 * Annotates the upper layer leniently, as far as its bytes go: a decode error found by
 * `upper.decodeUpper` stays attached to its byte (by {@link Walker.finish}), and the link layer's
 * padding and trailer after the IPX packet are still labelled.
 */
function walkUpper (w: Walker, d: DissectDispatch, h: ipx.IpxHeader, at: number, end: number): void {
  switch (d.protocol) {
    case 'spx': walkSpx(w, at, end); break
    case 'ncp': walkNcp(w, at, end); break
    case 'sap': walkSap(w, at, end); break
    case 'rip': walkRip(w, at, end); break
    case 'netbios': walkNetbios(w, at, end, h.packetType); break
    case 'diag': walkDiag(w, at, end, h.dst.socket === Socket.Diagnostic ? 'request' : 'response'); break
    case 'ping': walkPing(w, at, end); break
    case 'data': rest(w, 'data', at, end, 'data', `${end - at} bytes for ${d.name === 'IPX' ? 'the application on the socket' : `the ${d.name} dissector (not decoded by ipxlab)`}`, 'data.data'); break
  }
}
