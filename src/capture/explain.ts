/**
 * `explain`: one captured frame as an annotated hex dump for a learner. Every byte of the frame
 * lands in exactly one labelled range: its layer (link, Ethernet, LLC, SNAP, IPv4, UDP, IPX, the
 * upper protocol), its field, offset, size, raw bytes, value and meaning. Padding, slack and
 * trailers are ranges too, and the upper-layer dispatch decision is spelled out in Wireshark's
 * order (`upper.classify`).
 *
 * Field labels come from the codec's layouts (`layout.fields`, walked with a base offset), so an
 * offset lives only in the layout; this module adds the meanings. Structure decisions (which
 * framing, where IPX starts) follow the codec: for a decodable frame they are read from the
 * located frame (`link.locate`); for a malformed one they are re-read from the bytes with the same
 * rules (protocol/link.ts, protocol/ethernet.ts) and the walk stops after the layer where the
 * codec failed, the error's code and offset attached to the byte it points at.
 *
 * Pure apart from rendering helpers: no I/O here; `src/cli/explain.ts` reads the capture.
 */
import {
  ipx, ethernet, link, upper, spx, sap, rip, netbios, ncp, diag, ping,
  DecodeError, hex, packetTypeName, socketName, isDynamicSocket,
  IPX_HEADER_LENGTH, IPX_NO_CHECKSUM, IPX_MAX_HOPS, BROADCAST_NODE, PacketType
} from '../../protocol/index.js'
import type { Layout, Field } from '../../protocol/index.js'
import type { FrameResult } from './frames.js'
import { formatTimestamp } from './frames.js'

/** The layer a byte range belongs to. `filler` is padding, slack and trailers; `undecoded` follows a decode error. */
export type ExplainLayer =
  | 'link' | 'ethernet' | 'llc' | 'snap' | 'ipv4' | 'udp' | 'ipx'
  | 'spx' | 'ncp' | 'sap' | 'rip' | 'netbios' | 'diag' | 'ping' | 'data'
  | 'filler' | 'undecoded'

/** Headings of the layers, in the order they can appear. */
export const LAYER_TITLES: Readonly<Record<ExplainLayer, string>> = {
  link: 'Link header',
  ethernet: 'Ethernet',
  llc: 'IEEE 802.2 LLC',
  snap: 'SNAP',
  ipv4: 'IPv4',
  udp: 'UDP',
  ipx: 'IPX',
  spx: 'SPX',
  ncp: 'NCP',
  sap: 'SAP',
  rip: 'RIP',
  netbios: 'NetBIOS over IPX',
  diag: 'IPX diagnostics',
  ping: 'Novell ping',
  data: 'Data',
  filler: 'Padding, slack and trailer',
  undecoded: 'Not decoded'
}

/** A decode error as the explanation shows it; `offset` is absolute in the frame. */
export interface ExplainError {
  code: DecodeError['code']
  protocol: DecodeError['protocol']
  offset: number
  reason: string
}

/** One labelled byte range of the frame. */
export interface ByteRange {
  layer: ExplainLayer
  /** Absolute offset in the captured frame. */
  offset: number
  size: number
  /** The codec's field path (`dst.node`, `servers[0].name`) or a name for a non-field range (`padding`). */
  field: string
  /** The field in words (`dst node`, `server 1 name`). */
  label: string
  /** Wireshark's display-filter name, where it has one. */
  wireshark?: string
  /** The value as read: `0x02`, `ff:ff:ff:ff:ff:ff`, `"FS1"`; empty for opaque bytes. */
  value: string
  /** What the value means. */
  meaning: string
  /** Set on the range holding the byte where decoding failed. */
  error?: ExplainError
}

/** How the upper-layer protocol was chosen. */
export interface ExplainDispatch {
  protocol: upper.UpperProtocol
  name: string
  reason: upper.DispatchReason
  socket?: number
  /** The decision in one sentence. */
  text: string
}

/**
 * An extra annotation section: a title and lines. The seam for later explainers (the QoS stage's
 * "which class rule matched"); each provider sees the decoded frame and may return a section.
 */
export interface ExplainSection {
  title: string
  lines: readonly string[]
}

/** What a section provider receives. */
export interface ExplainContext {
  /** 1-based frame number. */
  frame: number
  /** The located IPX packet, when the frame decoded that far. */
  located?: link.LocatedIpx
  /** The whole explanation built so far (ranges, dispatch, error). */
  explanation: Explanation
}

/** Returns an extra section for a frame, or undefined to add nothing. */
export type ExplainSectionProvider = (context: ExplainContext) => ExplainSection | undefined

/** Options of {@link explainFrame}. */
export interface ExplainOptions {
  /** Extra annotation sections, appended after the byte ranges (QoS "which class rule matched", ...). */
  sections?: readonly ExplainSectionProvider[]
}

/** The explanation of one frame. */
export interface Explanation {
  /** 1-based, like tshark's frame.number. */
  frame: number
  linkType: number
  capturedLength: number
  originalLength: number
  /** ISO time with nanoseconds. */
  time: string
  /** A copy of the captured bytes. */
  data: Buffer
  /** `malformed` when any layer failed to decode (link, IPX or the upper protocol). */
  status: 'ok' | 'malformed'
  /** The layers found, outermost first: `Ethernet 802.3 → LLC → IPX → IPX SAP`. */
  path: string
  /** The upper-layer dispatch, when the IPX header decoded. */
  dispatch?: ExplainDispatch
  /** The decode error, when there was one. */
  error?: ExplainError
  /** Bytes of the frame that the capture did not keep (snaplen); 0 normally. */
  snapped: number
  /** Contiguous, ordered, covering every captured byte exactly once. */
  ranges: ByteRange[]
  /** Extra annotation sections. */
  sections: ExplainSection[]
}

/** What the walker needs of a layout: its field list and size (any `Layout<T>` fits). */
type FieldList = Pick<Layout<unknown>, 'fields' | 'length'>

type Meaning = (value: number, f: Field) => string | undefined
type Meanings = Readonly<Record<string, Meaning>>

/** `transportControl` → `transport control`; `dst.node` → `dst node`. */
export function fieldLabel (name: string): string {
  return name.replaceAll('.', ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase()
}

function formatValue (type: Field['type'], v: number): string {
  switch (type) {
    case 'u8': return `0x${hex(v, 2)}`
    case 'u16': return `0x${hex(v, 4)}`
    case 'u32': return `0x${hex(v, 8)}`
    case 'u48': return ipx.formatNode(v)
  }
}

function plural (n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

function toError (err: DecodeError, base: number): ExplainError {
  return { code: err.code, protocol: err.protocol, offset: base + err.offset, reason: err.reason }
}

/** Collects ranges in order; keeps them contiguous and stops after the layer where decoding failed. */
class Walker {
  readonly ranges: ByteRange[] = []
  /** End of the last range. */
  pos = 0
  stopped = false
  error: ExplainError | undefined
  readonly path: string[] = []
  /** Set once the IPX header is read. */
  dispatch: ExplainDispatch | undefined

  constructor (readonly buf: Buffer, error: ExplainError | undefined, readonly snapped: number) {
    this.error = error
  }

  add (r: Omit<ByteRange, 'offset' | 'size'> & { offset: number, size: number }): void {
    let { offset, size } = r
    const end = Math.min(offset + size, this.buf.length)
    if (offset < this.pos) offset = this.pos
    if (end <= offset) return
    if (offset > this.pos) {
      this.ranges.push({ layer: 'undecoded', offset: this.pos, size: offset - this.pos, field: 'unexplained', label: 'unexplained bytes', value: '', meaning: 'bytes the explainer did not attribute (an ipxlab bug: please report it)' })
    }
    size = end - offset
    this.ranges.push({ ...r, offset, size })
    this.pos = offset + size
  }

  /** Annotates the fields of `layout` at `base`, up to `end` (exclusive). Returns true when every field fit. */
  fields (layer: ExplainLayer, layout: FieldList, base: number, end: number, meanings: Meanings = {}, prefix = '', labelPrefix = ''): boolean {
    const limit = Math.min(end, this.buf.length)
    for (const f of layout.fields) {
      const at = base + f.offset
      if (at >= limit) return false
      const label = labelPrefix + fieldLabel(f.name)
      const ws = f.wireshark !== undefined ? { wireshark: f.wireshark } : {}
      if (at + f.size > limit) {
        this.add({ layer, offset: at, size: limit - at, field: prefix + f.name, label, ...ws, value: '', meaning: `cut short: ${limit - at} of its ${f.size} bytes are present (${f.doc})` })
        return false
      }
      const v = this.buf.readUIntBE(at, f.size)
      const m = meanings[f.name]?.(v, f) ?? f.doc
      this.add({ layer, offset: at, size: f.size, field: prefix + f.name, label, ...ws, value: formatValue(f.type, v), meaning: m })
    }
    return true
  }

  /** True (and the walk stops) when the error lies before `end`: the layer just annotated is where decoding failed. */
  failedBefore (end: number): boolean {
    if (this.error !== undefined && this.error.offset < end) this.stopped = true
    return this.stopped
  }

  /** Marks the remaining bytes as not decoded (after an error) and attaches the error to its byte. */
  finish (): void {
    const rest = this.buf.length - this.pos
    if (rest > 0) {
      const e = this.error
      this.add({
        layer: this.stopped ? 'undecoded' : 'filler',
        offset: this.pos,
        size: rest,
        field: this.stopped ? 'undecoded' : 'rest',
        label: this.stopped ? 'not decoded' : 'remaining bytes',
        value: '',
        meaning: this.stopped && e !== undefined ? `decoding stopped at ${e.code} (offset ${e.offset}); these bytes were not interpreted` : 'bytes after everything the frame\'s headers account for'
      })
    }
    const e = this.error
    if (e === undefined) return
    const holder = this.ranges.find(r => e.offset >= r.offset && e.offset < r.offset + r.size) ?? this.ranges.at(-1)
    if (holder !== undefined) holder.error = e
  }
}

// ---------------------------------------------------------------------------------------------
// Meanings, per layer and field.

const ETHERTYPES: ReadonlyMap<number, string> = new Map([[0x8137, 'IPX (Ethernet II framing)'], [0x0800, 'IPv4'], [0x86dd, 'IPv6'], [0x0806, 'ARP']])

function macMeaning (v: number): string {
  if (v === BROADCAST_NODE) return 'broadcast'
  return Math.floor(v / 0x10000000000) % 2 === 1 ? 'multicast (group bit set)' : 'unicast'
}

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

function networkMeaning (v: number): string {
  if (v === 0) return 'this network (0: the sender\'s own segment)'
  if (v === 0xffffffff) return 'all networks'
  return `network ${ipx.formatNetwork(v)}`
}

function socketMeaning (v: number): string {
  const name = socketName(v)
  if (!name.startsWith('Unknown')) return name
  return isDynamicSocket(v) ? 'a dynamic socket (0x4000-0x7FFF: a client\'s own, chosen at open)' : 'not a well-known socket'
}

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

// ---------------------------------------------------------------------------------------------
// Link layers. The structure rules are those of protocol/link.ts and protocol/ethernet.ts.

/** Bytes after a layer's content: padding (all zero) or trailer, labelled as Wireshark names them. */
function filler (w: Walker, start: number, size: number, field: 'padding' | 'trailer' | 'slack', meaning: string, wireshark?: string): void {
  if (size <= 0) return
  w.add({ layer: 'filler', offset: start, size, field, label: field, ...(wireshark !== undefined ? { wireshark } : {}), value: '', meaning })
}

function allZero (buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false
  return true
}

function walkEthernet (w: Walker, located: link.LocatedIpx | undefined): void {
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

function walkNullHeader (w: Walker, located: link.LocatedIpx | undefined): void {
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

function walkSll (w: Walker, layout: FieldList, located: link.LocatedIpx | undefined): void {
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
function walkIpv4 (w: Walker, at: number, located: link.LocatedIpx | undefined): number | undefined {
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

// ---------------------------------------------------------------------------------------------
// IPX and the dispatch.

/** The dispatch decision in one sentence (Wireshark `dissect_ipx` order, see protocol/upper.ts). */
export function explainDispatch (h: { packetType: number, src: { socket: number }, dst: { socket: number } }): ExplainDispatch {
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
function walkIpx (w: Walker, at: number, end: number, located: link.LocatedIpx | undefined, udp: boolean): number | undefined {
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

// ---------------------------------------------------------------------------------------------
// Upper layers.

function rest (w: Walker, layer: ExplainLayer, at: number, end: number, field: string, meaning: string, wireshark?: string): void {
  if (end > at) w.add({ layer, offset: at, size: end - at, field, label: fieldLabel(field), ...(wireshark !== undefined ? { wireshark } : {}), value: '', meaning })
}

/** The stopping point inside an upper layer: the error offset, or the payload end. */
function upperLimit (w: Walker, end: number): number {
  return w.error !== undefined && w.error.offset < end ? w.error.offset : end
}

/**
 * Annotates the upper layer leniently, as far as its bytes go: a decode error found by
 * `upper.decodeUpper` stays attached to its byte (by {@link Walker.finish}), and the link layer's
 * padding and trailer after the IPX packet are still labelled.
 */
function walkUpper (w: Walker, d: ExplainDispatch, h: ipx.IpxHeader, at: number, end: number): void {
  switch (d.protocol) {
    case 'spx': walkSpx(w, at, end); break
    case 'ncp': walkNcp(w, at, end); break
    case 'sap': walkSap(w, at, end); break
    case 'rip': walkRip(w, at, end); break
    case 'netbios': walkNetbios(w, at, end, h.packetType); break
    case 'diag': walkDiag(w, at, end, h.dst.socket === 0x0456 ? 'request' : 'response'); break
    case 'ping': walkPing(w, at, end); break
    case 'data': rest(w, 'data', at, end, 'data', `${end - at} bytes for ${d.name === 'IPX' ? 'the application on the socket' : `the ${d.name} dissector (not decoded by ipxlab)`}`, 'data.data'); break
  }
}

const SPX_MEANINGS: Meanings = {
  connectionControl: v => {
    const flags = spx.spxFlags(v)
    const names = Object.entries(flags).filter(([, on]) => on).map(([k]) => fieldLabel(k))
    return `${spx.connectionControlName(v)}${names.length > 0 ? ` (${names.join(', ')})` : ''}`
  },
  datastreamType: v => v >= 0xfe ? spx.datastreamTypeName(v) : `${spx.datastreamTypeName(v)}: the application's own value`,
  srcConnectionId: v => `connection ${v} at the sender`,
  dstConnectionId: v => v === spx.SPX_UNKNOWN_CONNECTION_ID ? 'not yet known (0xFFFF: the connect request)' : `connection ${v} at the receiver`,
  sequence: v => `packet ${v} of this direction`,
  acknowledge: v => `the sender expects packet ${v} next`,
  allocation: v => `the sender has buffers up to packet ${v}`,
  negotiationSize: v => `SPX II: packets up to ${v} bytes offered`
}

function walkSpx (w: Walker, at: number, end: number): void {
  const buf = w.buf
  const ii = end - at >= 6 && spx.hasNegotiationSize(buf[at]!, buf.readUInt16BE(at + 4))
  const layout = ii ? spx.SPX2_HEADER : spx.SPX_HEADER
  if (!w.fields('spx', layout, at, end, SPX_MEANINGS)) return
  rest(w, 'spx', at + layout.length, end, 'data', 'the connection\'s data', 'data.data')
}

function ncpMeanings (buf: Buffer, at: number): Meanings {
  const connection = (): string => buf.length - at >= 6 ? ` (connection = high × 256 + low = ${buf[at + 5]! * 256 + buf[at + 3]!})` : ''
  return {
    type: v => `${ncp.typeName(v)}`,
    sequence: v => `request number ${v}; the reply repeats it`,
    connectionLow: v => `connection number, low byte ${v}${connection()}`,
    connectionHigh: v => `connection number, high byte ${v}`,
    task: v => `task ${v} of the client`,
    function: v => ncp.functionName(v),
    completionCode: v => ncp.completionCodeName(v),
    connectionStatus: v => ncp.connectionStatusName(v),
    systemFlags: v => ['SYS', 'LST', '', 'EOB', 'BSY', 'ABT'].filter((n, i) => n !== '' && (v & (0x80 >> i)) !== 0).join(' ') || 'none'
  }
}

function walkNcp (w: Walker, at: number, end: number): void {
  const buf = w.buf
  const m = ncpMeanings(buf, at)
  if (end - at < 2) { w.fields('ncp', ncp.NCP_COMMON_HEADER, at, end, m); return }
  const type = buf.readUInt16BE(at)
  const request = type === ncp.NcpType.ServiceRequest || type === ncp.NcpType.CreateServiceConnection || type === ncp.NcpType.DestroyServiceConnection
  const reply = type === ncp.NcpType.ServiceReply || type === ncp.NcpType.PositiveAck
  const layout = request ? ncp.NCP_REQUEST_HEADER : reply ? ncp.NCP_REPLY_HEADER : type === ncp.NcpType.BurstModeTransfer ? ncp.NCP_BURST_HEADER : ncp.NCP_COMMON_HEADER
  if (!w.fields('ncp', layout, at, end, m)) return
  let bodyAt = at + layout.length
  if (request) {
    const sub = ncp.subfunctionLayout(type, buf[at + 6]!)
    if (sub === 'length' && end - bodyAt >= 3) {
      const len = buf.readUInt16BE(bodyAt)
      w.add({ layer: 'ncp', offset: bodyAt, size: 2, field: 'length', label: 'length', wireshark: 'ncp.length', value: `0x${hex(len, 4)}`, meaning: `${len} bytes follow (subfunction and its fields)` })
      w.add({ layer: 'ncp', offset: bodyAt + 2, size: 1, field: 'subfunction', label: 'subfunction', wireshark: 'ncp.subfunc', value: `0x${hex(buf[bodyAt + 2]!, 2)}`, meaning: 'subfunction of the function above' })
      bodyAt += 3
    } else if (sub === 'direct' && end - bodyAt >= 1) {
      w.add({ layer: 'ncp', offset: bodyAt, size: 1, field: 'subfunction', label: 'subfunction', wireshark: 'ncp.subfunc', value: `0x${hex(buf[bodyAt]!, 2)}`, meaning: 'subfunction, right after the function byte' })
      bodyAt += 1
    }
  }
  const what = request ? 'request body: the function\'s fields (not decoded)' : reply ? 'reply body (not decoded)' : 'NCP data'
  rest(w, 'ncp', bodyAt, upperLimit(w, end), 'data', what)
}

const SAP_MEANINGS: Meanings = {
  operation: v => sap.sapOperationName(v),
  serverType: v => `${sap.serverTypeName(v)}`,
  type: v => `server type: ${sap.serverTypeName(v)}`,
  network: networkMeaning,
  node: v => v === BROADCAST_NODE ? 'broadcast' : 'node of the server',
  socket: socketMeaning,
  hops: v => v >= sap.SAP_HOPS_DOWN ? `${v} = going down (16: the server is shutting down)` : `${plural(v, 'hop')} away`
}

function walkSap (w: Walker, at: number, end: number): void {
  const buf = w.buf
  if (end - at < sap.SAP_HEADER_LENGTH) { w.fields('sap', sap.SAP_HEADER, at, end, SAP_MEANINGS); return }
  const op = buf.readUInt16BE(at)
  if (op === sap.SapOperation.GeneralQuery || op === sap.SapOperation.NearestQuery) {
    if (!w.fields('sap', sap.SAP_QUERY, at, end, SAP_MEANINGS)) return
    rest(w, 'sap', at + sap.SAP_QUERY_LENGTH, end, 'ignored', 'bytes after the 4-byte query (Wireshark ignores them)')
    return
  }
  w.fields('sap', sap.SAP_HEADER, at, end, SAP_MEANINGS)
  if (op !== sap.SapOperation.GeneralResponse && op !== sap.SapOperation.NearestResponse) {
    rest(w, 'sap', at + sap.SAP_HEADER_LENGTH, end, 'data', 'unknown operation: the rest is not interpreted')
    return
  }
  let e = at + sap.SAP_HEADER_LENGTH
  for (let i = 0; e + sap.SAP_ENTRY_LENGTH <= end; i++, e += sap.SAP_ENTRY_LENGTH) {
    const prefix = `servers[${i}].`
    const label = `server ${i + 1} `
    w.fields('sap', sap.SAP_SERVER_TYPE, e, end, SAP_MEANINGS, prefix, label)
    const nameAt = e + sap.SAP_NAME_OFFSET
    const raw = buf.subarray(nameAt, nameAt + sap.SAP_NAME_LENGTH)
    const nul = raw.indexOf(0)
    const name = raw.toString('latin1', 0, nul < 0 ? raw.length : nul)
    w.add({ layer: 'sap', offset: nameAt, size: sap.SAP_NAME_LENGTH, field: `${prefix}name`, label: `${label}name`, wireshark: 'ipxsap.server.name', value: JSON.stringify(name), meaning: `server name, NUL-padded to 48 bytes${nul < 0 ? ' (no NUL at all)' : ''}` })
    w.fields('sap', sap.SAP_SERVER_ADDRESS, e + sap.SAP_ADDRESS_OFFSET, end, SAP_MEANINGS, prefix, label)
  }
  rest(w, 'sap', e, end, 'partialEntry', `${end - e} bytes: not a whole 64-byte entry`)
}

const RIP_MEANINGS: Meanings = {
  operation: v => rip.ripOperationName(v),
  network: v => v === rip.RIP_ALL_NETWORKS ? 'all networks (in a request: send every route)' : `network ${ipx.formatNetwork(v)}`,
  hops: v => v >= rip.RIP_HOPS_UNREACHABLE ? `${v} = unreachable (16 is infinity)` : `${plural(v, 'hop')} away`,
  ticks: v => `${plural(v, 'tick')} = ${rip.ticksToMs(v)} ms (a tick is 1/18 s)`
}

function walkRip (w: Walker, at: number, end: number): void {
  if (!w.fields('rip', rip.RIP_HEADER, at, end, RIP_MEANINGS)) return
  let e = at + rip.RIP_HEADER_LENGTH
  for (let i = 0; e + rip.RIP_ENTRY_LENGTH <= end; i++, e += rip.RIP_ENTRY_LENGTH) {
    w.fields('rip', rip.RIP_ENTRY, e, end, RIP_MEANINGS, `entries[${i}].`, `route ${i + 1} `)
  }
  rest(w, 'rip', e, end, 'partialEntry', `${end - e} bytes: not a whole 8-byte entry`)
}

/** Common NetBIOS name suffixes (the 16th byte; RFC 1001-era conventions as Windows uses them). */
const NAME_TYPES: ReadonlyMap<number, string> = new Map([
  [0x00, 'workstation'], [0x03, 'messenger'], [0x1b, 'domain master browser'], [0x1c, 'domain controllers'],
  [0x1d, 'master browser'], [0x1e, 'browser election'], [0x20, 'file server']
])

function netbiosName (w: Walker, at: number, end: number, field: string, label: string): boolean {
  if (end - at < netbios.NETBIOS_NAME_LENGTH) return false
  const n = { name: w.buf.toString('latin1', at, at + netbios.NETBIOS_NAME_CHARS).replace(/ +$/, ''), nameType: w.buf[at + netbios.NETBIOS_NAME_CHARS]! }
  w.add({ layer: 'netbios', offset: at, size: netbios.NETBIOS_NAME_CHARS, field: `${field}.name`, label: `${label}`, wireshark: 'netbios.nb_name', value: JSON.stringify(netbios.formatNetbiosName(n)), meaning: '15 name bytes, space-padded' })
  w.add({ layer: 'netbios', offset: at + netbios.NETBIOS_NAME_CHARS, size: 1, field: `${field}.nameType`, label: `${label} type`, wireshark: 'netbios.nb_name_type', value: `0x${hex(n.nameType, 2)}`, meaning: `${NAME_TYPES.get(n.nameType) ?? 'name type (suffix)'}: ${netbios.describeNetbiosName(n)}` })
  return true
}

function walkNetbios (w: Walker, at: number, end: number, ipxPacketType: number): void {
  const buf = w.buf
  const payload = buf.subarray(at, end)
  let p = at
  const hasList = netbios.hasPropagationList(payload, 0, ipxPacketType)
  if (hasList) {
    const meanings: Meanings = Object.fromEntries(netbios.NETBIOS_PROPAGATION.fields.map((f, i) => [f.name, (v: number) => v === 0 ? `slot ${i}: empty` : `slot ${i}: network ${ipx.formatNetwork(v)}, recorded by the router at hop ${i}`]))
    if (!w.fields('netbios', netbios.NETBIOS_PROPAGATION, p, end, meanings, 'propagation.', 'propagation ')) return
    p += netbios.NETBIOS_PROPAGATION_LENGTH
  }
  if (end - p < netbios.NETBIOS_HEADER_LENGTH) { rest(w, 'netbios', p, end, 'truncated', 'cut short: the NBIPX header needs 2 bytes'); return }
  const type = buf[p + 1]!
  const typeMeaning: Meaning = v => netbios.netbiosPacketTypeName(v)
  if (netbios.isNamePacketType(type)) {
    const flagNames: Meaning = v => Object.entries(netbios.NameTypeFlag).filter(([, bit]) => (v & bit) !== 0).map(([k]) => fieldLabel(k)).join(', ') || 'unique name, no flags'
    w.fields('netbios', netbios.NETBIOS_NAME_HEADER, p, end, { nameTypeFlag: flagNames, packetType: typeMeaning })
    p += netbios.NETBIOS_HEADER_LENGTH
    if (!netbiosName(w, p, end, 'name', 'name')) { rest(w, 'netbios', p, end, 'truncated', 'cut short: the 16-byte name is incomplete'); return }
    p += netbios.NETBIOS_NAME_LENGTH
    rest(w, 'netbios', p, end, 'data', 'bytes after the name')
    return
  }
  const ctl: Meaning = v => Object.entries(netbios.ConnectionControl).filter(([, bit]) => (v & bit) !== 0).map(([k]) => fieldLabel(k)).join(', ') || 'no flags'
  w.fields('netbios', netbios.NETBIOS_CONTROL_HEADER, p, end, { connectionControl: ctl, packetType: typeMeaning })
  p += netbios.NETBIOS_HEADER_LENGTH
  if (type === netbios.NetbiosPacketType.DirectedDatagram) {
    if (!netbiosName(w, p, end, 'receiver', 'receiver name')) { rest(w, 'netbios', p, end, 'truncated', 'cut short: the receiver\'s name is incomplete'); return }
    p += netbios.NETBIOS_NAME_LENGTH
    if (!netbiosName(w, p, end, 'sender', 'sender name')) { rest(w, 'netbios', p, end, 'truncated', 'cut short: the sender\'s name is incomplete'); return }
    p += netbios.NETBIOS_NAME_LENGTH
    rest(w, 'netbios', p, end, 'datagram', 'the datagram (usually an SMB mailslot message; not decoded)')
    return
  }
  rest(w, 'netbios', p, end, 'data', 'session or status data (Wireshark does not interpret it either)')
}

const DIAG_MEANINGS: Meanings = {
  majorVersion: v => `responder version ${v}.x`,
  minorVersion: v => `minor version ${v}`,
  spxDiagnosticSocket: v => `send SPX diagnostic queries to socket 0x${hex(v, 4)}`,
  componentCount: v => `${plural(v, 'component')} listed next`
}

function walkDiag (w: Walker, at: number, end: number, kind: 'request' | 'response'): void {
  const buf = w.buf
  if (kind === 'response') {
    if (!w.fields('diag', diag.DIAG_RESPONSE_HEADER, at, end, DIAG_MEANINGS)) return
    rest(w, 'diag', at + diag.DIAG_RESPONSE_HEADER_LENGTH, end, 'components', 'component IDs and their data, kept as bytes (0 IPX/SPX, 1 router driver, 2 LAN driver, 3 shell, 4 VAP, 6 server or router, 9 DOS application)')
    return
  }
  if (end <= at) return
  const count = buf[at]!
  w.add({ layer: 'diag', offset: at, size: 1, field: 'exclusionCount', label: 'exclusion count', value: `0x${hex(count, 2)}`, meaning: `configuration request to every node but ${plural(count, 'excluded node')} (socket 0x0456 → request)` })
  let p = at + 1
  for (let i = 0; i < count && p + diag.DIAG_EXCLUSION_LENGTH <= end; i++, p += diag.DIAG_EXCLUSION_LENGTH) {
    w.add({ layer: 'diag', offset: p, size: 6, field: `exclusions[${i}]`, label: `exclusion ${i + 1}`, value: ipx.formatNode(buf.readUIntBE(p, 6)), meaning: 'this node must not answer' })
  }
  rest(w, 'diag', p, end, 'ignored', 'bytes after the listed exclusions (ignored)')
}

const PING_MEANINGS: Meanings = {
  signature: v => v === ping.PING_SIGNATURE ? '"Ping"' : 'not "Ping": malformed',
  version: v => `version ${v}`,
  type: v => v === ping.PingType.Request ? 'request' : v === ping.PingType.Reply ? 'reply' : 'unknown type',
  pingId: v => `ping ${v}; the reply echoes it`,
  result: v => `result ${v}`,
  reserved: () => 'reserved'
}

function walkPing (w: Walker, at: number, end: number): void {
  if (!w.fields('ping', ping.PING_HEADER, at, end, PING_MEANINGS)) return
  rest(w, 'ping', at + ping.PING_HEADER_LENGTH, end, 'data', 'padding data, echoed by the reply')
}

// ---------------------------------------------------------------------------------------------

/**
 * Explains one frame. `result` is what `locateRecord` / `readFrames` gave for it: an IPX frame, a
 * malformed one (explained up to the layer that failed), or a not-IPX one (a single range).
 * Never throws for bad bytes.
 */
export function explainFrame (result: FrameResult, options: ExplainOptions = {}): Explanation {
  const record = result.record
  const data = Buffer.from(record.data)
  const error = result.kind === 'malformed' ? toError(result.error, 0) : undefined
  const located = result.kind === 'ipx' ? result.located : undefined
  const w = new Walker(data, error, result.kind === 'ipx' ? result.snapped : 0)
  if (result.kind === 'not_ipx') {
    w.path.push('not IPX')
    w.add({ layer: 'undecoded', offset: 0, size: data.length, field: 'frame', label: 'frame', value: '', meaning: `not IPX: ${result.reason.reason}` })
  } else {
    walkLink(w, record.linkType, located)
  }
  w.finish()
  const e = w.error
  const x: Explanation = {
    frame: record.index + 1,
    linkType: record.linkType,
    capturedLength: record.capturedLength,
    originalLength: record.originalLength,
    time: formatTimestamp(record.timestampNs),
    data,
    status: e !== undefined ? 'malformed' : 'ok',
    path: w.path.join(' → '),
    ...(w.dispatch !== undefined ? { dispatch: w.dispatch } : {}),
    ...(e !== undefined ? { error: e } : {}),
    snapped: result.kind === 'ipx' ? result.snapped : 0,
    ranges: w.ranges,
    sections: []
  }
  for (const provide of options.sections ?? []) {
    const s = provide({ frame: x.frame, ...(located !== undefined ? { located } : {}), explanation: x })
    if (s !== undefined) x.sections.push(s)
  }
  return x
}

function walkLink (w: Walker, linkType: number, located: link.LocatedIpx | undefined): void {
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

// ---------------------------------------------------------------------------------------------
// Rendering.

/** SGR colour per layer: link layers blue/cyan, IP magenta, IPX yellow, upper layers green. */
const LAYER_COLOURS: Readonly<Record<ExplainLayer, string>> = {
  link: '34', ethernet: '34', llc: '36', snap: '36', ipv4: '35', udp: '35', ipx: '33',
  spx: '32', ncp: '32', sap: '32', rip: '32', netbios: '32', diag: '32', ping: '32', data: '32',
  filler: '90', undecoded: '31'
}

/** Options of {@link renderText}. */
export interface RenderTextOptions {
  /** ANSI colours per layer. The CLI sets it only for a TTY with NO_COLOR unset. */
  color?: boolean
  /** Shown in the first line, e.g. the capture's file name. */
  source?: string
}

/** Consecutive ranges of the same layer. */
export function groupByLayer (ranges: readonly ByteRange[]): Array<{ layer: ExplainLayer, ranges: ByteRange[] }> {
  const groups: Array<{ layer: ExplainLayer, ranges: ByteRange[] }> = []
  for (const r of ranges) {
    const last = groups.at(-1)
    if (last !== undefined && last.layer === r.layer) last.ranges.push(r)
    else groups.push({ layer: r.layer, ranges: [r] })
  }
  return groups
}

function errorText (e: ExplainError): string {
  return `${e.code} at offset ${e.offset} (${e.protocol}): ${e.reason}`
}

function headerLines (x: Explanation, source: string | undefined): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ['frame', `${x.frame}${source !== undefined ? ` of ${source}` : ''}`],
    ['captured', `${x.capturedLength} bytes (${x.originalLength} on the wire${x.snapped > 0 ? `; ${x.snapped} not captured, cut by the snapshot length` : ''}), link type ${x.linkType}, ${x.time}`],
    ['layers', x.path]
  ]
  if (x.dispatch !== undefined) rows.push(['dispatch', x.dispatch.text])
  rows.push(['status', x.error !== undefined ? `malformed: ${errorText(x.error)}` : 'decodes cleanly'])
  return rows
}

const BYTES_PER_ROW = 16

/** The explanation as an annotated hex dump, one line per field, grouped by layer. */
export function renderText (x: Explanation, options: RenderTextOptions = {}): string {
  const colour = options.color === true
  const paint = (code: string, s: string): string => colour ? `\u001b[${code}m${s}\u001b[0m` : s
  const out: string[] = []
  for (const [k, v] of headerLines(x, options.source)) out.push(`${(k + ':').padEnd(10)}${v}`)
  for (const g of groupByLayer(x.ranges)) {
    const first = g.ranges[0]!
    const last = g.ranges.at(-1)!
    const size = last.offset + last.size - first.offset
    const c = LAYER_COLOURS[g.layer]
    out.push('')
    out.push(paint(`1;${c}`, `── ${LAYER_TITLES[g.layer]} ── offset ${first.offset}, ${plural(size, 'byte')}`))
    for (const r of g.ranges) {
      const text = `${r.label}${r.value !== '' ? ` ${r.value}` : ''}: ${r.meaning}`
      const ws = r.wireshark !== undefined ? paint('2', `  [${r.wireshark}]`) : ''
      for (let row = 0; row * BYTES_PER_ROW < r.size; row++) {
        const at = r.offset + row * BYTES_PER_ROW
        const n = Math.min(BYTES_PER_ROW, r.size - row * BYTES_PER_ROW)
        const bytes = [...x.data.subarray(at, at + n)].map(b => hex(b, 2)).join(' ')
        const lead = `  ${String(at).padStart(5)}  ${paint(c, bytes)}${' '.repeat(3 * BYTES_PER_ROW - 1 - bytes.length)}  `
        out.push(row === 0 ? `${lead}${text}${ws}` : lead.trimEnd())
        const e = r.error
        if (e !== undefined && e.offset >= at && e.offset < at + n) {
          out.push(paint('1;31', `  ${' '.repeat(5)}  ${' '.repeat(3 * (e.offset - at))}^ ${errorText(e)}`))
        }
      }
      const e = r.error
      if (e !== undefined && !(e.offset >= r.offset && e.offset < r.offset + r.size)) {
        out.push(paint('1;31', `  ${' '.repeat(5)}  ✗ after the captured bytes: ${errorText(e)}`))
      }
    }
  }
  for (const s of x.sections) {
    out.push('', paint('1', `── ${s.title} ──`), ...s.lines.map(l => `  ${l}`))
  }
  return out.join('\n') + '\n'
}

function mdCell (s: string): string {
  return s.replaceAll('|', '\\|').replaceAll('\n', ' ')
}

/** Bytes shown in one markdown cell before eliding; a worksheet row stays readable. */
const MARKDOWN_MAX_BYTES = 32

/** The explanation for worksheets: a header table, then one table per layer, then the extra sections. */
export function renderMarkdown (x: Explanation, options: { source?: string } = {}): string {
  const out: string[] = [`## Frame ${x.frame}${options.source !== undefined ? ` of \`${options.source}\`` : ''}`, '', '| | |', '|---|---|']
  for (const [k, v] of headerLines(x, undefined).slice(1)) out.push(`| ${k} | ${mdCell(v)} |`)
  for (const g of groupByLayer(x.ranges)) {
    out.push('', `### ${LAYER_TITLES[g.layer]}`, '', '| offset | size | bytes | field | Wireshark | value | meaning |', '|---:|---:|---|---|---|---|---|')
    for (const r of g.ranges) {
      const shown = Math.min(r.size, MARKDOWN_MAX_BYTES)
      const bytes = x.data.subarray(r.offset, r.offset + shown).toString('hex').replace(/(..)(?!$)/g, '$1 ') + (r.size > shown ? ' …' : '')
      const err = r.error !== undefined ? ` **✗ ${mdCell(errorText(r.error))}**` : ''
      out.push(`| ${r.offset} | ${r.size} | \`${bytes}\` | ${mdCell(r.label)} | ${r.wireshark !== undefined ? `\`${r.wireshark}\`` : '–'} | ${r.value !== '' ? `\`${mdCell(r.value)}\`` : '–'} | ${mdCell(r.meaning)}${err} |`)
    }
  }
  for (const s of x.sections) out.push('', `### ${s.title}`, '', ...s.lines.map(l => `- ${l}`))
  return out.join('\n') + '\n'
}
