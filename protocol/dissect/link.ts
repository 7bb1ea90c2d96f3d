/**
 * Dissectors of the link layers below IPX: Ethernet (II, 802.3 raw, 802.2 LLC, SNAP), BSD
 * loopback, Linux cooked (SLL, SLL2), IPv4 and UDP. The structure rules are those of
 * protocol/link.ts and protocol/ethernet.ts; each names IPX (or IPv4, UDP) as its next layer.
 */
import { ethernet, link } from './deps.js'
import type { LocatedIpx } from '../link.js'
import { filler, allZero, macMeaning } from './walker.js'
import type { FieldList, Meanings , Walker} from './walker.js'
import { walkIpx } from './ipx.js'

const ETHERTYPES: ReadonlyMap<number, string> = new Map([[0x8137, 'IPX (Ethernet II framing)'], [0x0800, 'IPv4'], [0x86dd, 'IPv6'], [0x0806, 'ARP']])

const ETHERNET_MEANINGS: Meanings = {
  dst: v => macMeaning(v),
  src: () => 'the sending station',
  typeOrLength: v => v >= ethernet.ETHERTYPE_MIN
    ? `EtherType: ${ETHERTYPES.get(v) ?? 'not IPX'}`
    : v <= ethernet.IEEE_802_3_MAX_LENGTH
      ? `802.3 length: ${v} bytes of LLC/IPX follow (≤ 1500, so a length, not an EtherType; IEEE 802.3 clause 3.2.6)`
      : 'neither a length (≤ 1500) nor an EtherType (≥ 0x0600): malformed'
}

function sapName (v: number): string {
  return v === ethernet.LLC_SAP_IPX ? 'NetWare (IPX)' : v === ethernet.LLC_SAP_SNAP ? 'SNAP follows' : 'not IPX'
}

const LLC_MEANINGS: Meanings = {
  dsap: v => `destination SAP ${sapName(v)}`,
  ssap: v => `source SAP ${sapName(v)}`,
  control: v => v === ethernet.LLC_CONTROL_UI ? 'UI, Unnumbered Information (the only LLC frame IPX uses)' : 'not UI: IPX uses only UI frames'
}

const SNAP_MEANINGS: Meanings = {
  ouiHigh: v => v === 0 ? 'OUI byte 1: 00, an EtherType follows (RFC 1042)' : 'OUI byte 1: a vendor OUI, not an EtherType',
  ouiLow: v => v === 0 ? 'OUI bytes 2-3: 00 00, so OUI 00-00-00 (RFC 1042)' : 'OUI bytes 2-3',
  type: v => `protocol id: ${ETHERTYPES.get(v) ?? 'not IPX'}`
}

const UDP_PORTS: ReadonlyMap<number, string> = new Map([
  [link.IpxUdpPort.Rfc1234, 'IPX (IANA `ipx`, RFC 1234; DOSBox IPXNET\'s default)'],
  [link.IpxUdpPort.Ipxlab, 'travsoft-ipx-t (IANA), ipxlab\'s data plane'],
  [link.IpxUdpPort.Ipxbox, 'ipxbox\'s default port']
])

function portMeaning (v: number): string {
  const name = UDP_PORTS.get(v)
  return name !== undefined ? `port ${v}: ${name}` : `port ${v}`
}

const IPV4_MEANINGS: Meanings = {
  versionIhl: v => `version ${v >>> 4}, header ${(v & 0x0f) * 4} bytes (IHL ${v & 0x0f} × 4)`,
  dsfield: v => `DSCP ${v >>> 2}, ECN ${v & 3}`,
  totalLength: v => `${v} bytes of IPv4 datagram, header included`,
  flagsFragment: v => [(v & 0x4000) !== 0 ? 'DF (don\'t fragment)' : '', (v & 0x2000) !== 0 ? 'MF (more fragments)' : '', `fragment offset ${(v & 0x1fff) * 8}`].filter(s => s !== '').join(', '),
  ttl: v => `${v} more routers may forward it`,
  protocol: v => v === 17 ? 'UDP (17)' : `protocol ${v}, not UDP`,
  checksum: () => 'IPv4 header checksum (not verified here)',
  src: v => `source ${link.formatIpv4(v)}`,
  dst: v => `destination ${link.formatIpv4(v)}`
}

const UDP_MEANINGS: Meanings = {
  srcPort: portMeaning,
  dstPort: portMeaning,
  length: v => `${v} bytes: 8-byte header + ${Math.max(0, v - 8)} bytes of IPX`,
  checksum: v => v === 0 ? 'none (0; RFC 768 allows it, RFC 1234 recommends one)' : 'UDP checksum (not verified here)'
}

const SLL_PACKET_TYPES = ['unicast to this host', 'broadcast', 'multicast', 'unicast to another host', 'sent by this host']
const SLL_MEANINGS: Meanings = {
  packetType: v => SLL_PACKET_TYPES[v] ?? 'unknown',
  arphrdType: v => v === 1 ? 'ARPHRD_ETHER: Ethernet' : `ARPHRD ${v}`,
  addressLength: v => `${v} bytes of link-layer address are meaningful`,
  protocol: v => v === 1 ? 'Novell raw 802.3: IPX with no LLC' : v === 4 ? '802.2 LLC follows' : `EtherType: ${ETHERTYPES.get(v) ?? 'not IPX'}`
}

function walkEthernet (w: Walker, located: LocatedIpx | undefined): void {
  const buf = w.buf
  w.path.push('Ethernet')
  w.fields('ethernet', ethernet.ETHERNET_HEADER, 0, buf.length, ETHERNET_MEANINGS)
  if (w.failedBefore(ethernet.ETHERNET_HEADER_LENGTH) || buf.length < ethernet.ETHERNET_HEADER_LENGTH) return
  const tl = buf.readUInt16BE(12)
  if (tl === 0x0800) {
    w.path[w.path.length - 1] = 'Ethernet II'
    const end = walkIpv4(w, ethernet.ETHERNET_HEADER_LENGTH, located)
    if (end !== undefined && !w.stopped) {
      const zero = allZero(buf, end, buf.length)
      filler(w, end, buf.length - end, zero ? 'padding' : 'trailer', zero ? 'zeros after the IPv4 datagram, up to Ethernet\'s 60-byte minimum' : 'bytes after the IPv4 datagram', zero ? 'eth.padding' : 'eth.trailer')
    }
    return
  }
  let ipxAt: number
  let payloadEnd: number
  if (tl >= ethernet.ETHERTYPE_MIN) {
    w.path[w.path.length - 1] = 'Ethernet II (0x8137)'
    ipxAt = ethernet.ETHERNET_HEADER_LENGTH
    payloadEnd = buf.length
  } else {
    w.path[w.path.length - 1] = `Ethernet 802.3 (length ${tl})`
    const start = ethernet.ETHERNET_HEADER_LENGTH
    payloadEnd = Math.min(start + tl, buf.length)
    if (payloadEnd - start >= 2 && buf[start] === 0xff && buf[start + 1] === 0xff) {
      w.path.push('raw 802.3 (IPX checksum FF FF where LLC would be)')
      ipxAt = start
    } else {
      w.path.push('802.2 LLC')
      w.fields('llc', ethernet.LLC_HEADER, start, payloadEnd, LLC_MEANINGS)
      if (w.failedBefore(start + ethernet.LLC_HEADER.length) || payloadEnd - start < ethernet.LLC_HEADER.length) return
      ipxAt = start + ethernet.LLC_HEADER.length
      if (buf[start] === ethernet.LLC_SAP_SNAP) {
        w.path.push('SNAP')
        w.fields('snap', ethernet.SNAP_HEADER, ipxAt, payloadEnd, SNAP_MEANINGS)
        if (w.failedBefore(ipxAt + ethernet.SNAP_HEADER.length)) return
        ipxAt += ethernet.SNAP_HEADER.length
      }
    }
  }
  if (located !== undefined && located.ipxOffset !== ipxAt) ipxAt = located.ipxOffset
  const ipxEnd = walkIpx(w, ipxAt, payloadEnd, located, false)
  if (ipxEnd === undefined || w.stopped) return
  const e = located?.ethernet
  if (e !== undefined) {
    filler(w, ipxEnd, e.slack.length, 'slack', 'after the IPX packet but inside the 802.3 length (NetWare drivers pad odd lengths to even; Wireshark leaves it undissected)')
    const padAt = ipxEnd + e.slack.length
    filler(w, padAt, e.padding.length, 'padding', 'zeros up to Ethernet\'s 60-byte minimum frame (IEEE 802.3 clause 4.4.2)', 'eth.padding')
    filler(w, padAt + e.padding.length, e.trailer.length, 'trailer', 'bytes after the frame\'s content that are not zero padding (no FCS is assumed)', 'eth.trailer')
  }
}

function walkNullHeader (w: Walker, located: LocatedIpx | undefined): void {
  const buf = w.buf
  w.path.push('BSD loopback')
  if (buf.length >= 4) {
    const be = buf.readUInt32BE(0)
    const order = be === 2 ? 'network' : 'host (little-endian)'
    w.add({ layer: 'link', offset: 0, size: 4, field: 'family', label: 'address family', value: `0x${buf.toString('hex', 0, 4)}`, meaning: (be === 2 || buf.readUInt32LE(0) === 2) ? `AF_INET (2) in ${order} byte order: IPv4 follows (tcpdump.org LINKTYPE_NULL)` : 'not AF_INET: no IPv4 follows' })
  } else {
    w.add({ layer: 'link', offset: 0, size: buf.length, field: 'family', label: 'address family', value: '', meaning: 'cut short: the loopback header needs 4 bytes' })
  }
  if (w.failedBefore(4)) return
  const end = walkIpv4(w, 4, located)
  if (end !== undefined && !w.stopped) filler(w, end, buf.length - end, 'trailer', 'bytes after the IPv4 datagram')
}

function walkSll (w: Walker, layout: FieldList, located: LocatedIpx | undefined): void {
  const buf = w.buf
  w.path.push(layout.length === link.SLL_HEADER.length ? 'Linux cooked (SLL)' : 'Linux cooked v2 (SLL2)')
  w.fields('link', layout, 0, buf.length, SLL_MEANINGS)
  if (w.failedBefore(layout.length) || buf.length < layout.length) return
  const protoField = layout.fields.find(f => f.name === 'protocol')
  const protocol = protoField !== undefined ? buf.readUInt16BE(protoField.offset) : 0
  const start = layout.length
  if (protocol === 0x0800) {
    const end = walkIpv4(w, start, located)
    if (end !== undefined && !w.stopped) filler(w, end, buf.length - end, 'trailer', 'bytes after the IPv4 datagram')
    return
  }
  let ipxAt = start
  if (protocol === 0x0004) {
    w.path.push('802.2 LLC')
    w.fields('llc', ethernet.LLC_HEADER, start, buf.length, LLC_MEANINGS)
    if (w.failedBefore(start + ethernet.LLC_HEADER.length)) return
    ipxAt += ethernet.LLC_HEADER.length
    if (buf[start] === ethernet.LLC_SAP_SNAP) {
      w.path.push('SNAP')
      w.fields('snap', ethernet.SNAP_HEADER, ipxAt, buf.length, SNAP_MEANINGS)
      if (w.failedBefore(ipxAt + ethernet.SNAP_HEADER.length)) return
      ipxAt += ethernet.SNAP_HEADER.length
    }
  }
  const end = walkIpx(w, ipxAt, buf.length, located, false)
  if (end !== undefined && !w.stopped) filler(w, end, buf.length - end, 'trailer', 'bytes after the IPX packet')
}

/** IPv4 then UDP then IPX. Returns the end of the IPv4 datagram, or undefined when the walk stopped. */
function walkIpv4 (w: Walker, at: number, located: LocatedIpx | undefined): number | undefined {
  const buf = w.buf
  w.path.push('IPv4')
  w.fields('ipv4', link.IPV4_HEADER, at, buf.length, IPV4_MEANINGS)
  if (buf.length - at < link.IPV4_HEADER.length) { w.stopped = true; return undefined }
  const ihl = (buf[at]! & 0x0f) * 4
  const total = buf.readUInt16BE(at + 2)
  const ipEnd = Math.min(at + Math.max(total, ihl), buf.length)
  if (ihl > link.IPV4_HEADER.length) {
    w.add({ layer: 'ipv4', offset: at + link.IPV4_HEADER.length, size: ihl - link.IPV4_HEADER.length, field: 'options', label: 'options', wireshark: 'ip.options', value: '', meaning: 'IPv4 options (RFC 791 §3.1), skipped' })
  }
  if (w.failedBefore(at + Math.max(ihl, link.IPV4_HEADER.length))) return undefined
  const udpAt = at + ihl
  w.path.push('UDP')
  w.fields('udp', link.UDP_HEADER, udpAt, ipEnd, UDP_MEANINGS)
  if (w.failedBefore(udpAt + link.UDP_HEADER.length) || ipEnd - udpAt < link.UDP_HEADER.length) return undefined
  const udpEnd = Math.min(udpAt + buf.readUInt16BE(udpAt + 4), ipEnd)
  const ipxAt = udpAt + link.UDP_HEADER.length
  const ipxEnd = walkIpx(w, ipxAt, udpEnd, located, true)
  if (ipxEnd === undefined || w.stopped) return undefined
  filler(w, ipxEnd, udpEnd - ipxEnd, 'slack', 'UDP payload after the IPX packet\'s length')
  filler(w, udpEnd, ipEnd - udpEnd, 'slack', 'IPv4 payload after the UDP datagram')
  return ipEnd
}

/** The link layer of `linkType` and everything above it. */
export function walkLink (w: Walker, linkType: number, located: LocatedIpx | undefined): void {
  const buf = w.buf
  switch (linkType) {
    case link.LinkType.Ethernet: walkEthernet(w, located); return
    case link.LinkType.Null:
    case link.LinkType.Loop: walkNullHeader(w, located); return
    case link.LinkType.RawDlt12:
    case link.LinkType.RawDlt14: {
      // As link.ts: raw IP starts with nibble 4 or 6; doom.cap says 12 but carries a NULL header.
      const nibble = buf.length > 0 ? buf[0]! >>> 4 : 0
      const nullHeader = buf.length >= 4 && (buf.readUInt32BE(0) === 2 || buf.readUInt32LE(0) === 2)
      if (nibble !== 4 && nibble !== 6 && nullHeader) { walkNullHeader(w, located); return }
      break
    }
    case link.LinkType.Raw:
    case link.LinkType.RawIpv4: break
    case link.LinkType.LinuxSll: walkSll(w, link.SLL_HEADER, located); return
    case link.LinkType.LinuxSll2: walkSll(w, link.SLL2_HEADER, located); return
    default:
      w.path.push(`link type ${linkType}`)
      w.stopped = true
      return
  }
  w.path.push('raw IP')
  const end = walkIpv4(w, 0, located)
  if (end !== undefined && !w.stopped) filler(w, end, buf.length - end, 'trailer', 'bytes after the IPv4 datagram')
}
