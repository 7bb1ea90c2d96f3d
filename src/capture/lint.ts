/**
 * Spec-conformance findings for IPX captures: a table of rules over the frames that
 * {@link readFrames} yields, each rule citing the document or implementation it enforces
 * (ipx-reference.md gives the facts; the sources are named in each rule's `source`).
 *
 * Every rule is a pure function of one frame. The only I/O is {@link lintCapture}, which reads the
 * file through `readFrames`.
 *
 * Decisions this module makes, with the evidence:
 * - **Ethernet padding is not a finding.** Zero bytes that bring a frame to 60 bytes are the 802.3 pad
 *   (Wireshark `eth.padding`); only bytes that are not such padding (`eth.trailer`) are reported.
 * - **One byte of 802.3 slack that makes the 802.3 payload even is not a finding.** In tcpdump's
 *   ipx.pcap, the NWLink hosts' 802.2 frames carry exactly one byte after the IPX packet inside the
 *   802.3 length whenever LLC + IPX is odd (IPX length 80, 802.3 length 84), never when it is even
 *   (217 → 220); the HP JetDirect's frames (802.3 length 99) carry none. The byte's value is
 *   arbitrary (00, ff, 0b, 6a, …). This is the LAN driver rounding an odd length up to even:
 *   "It may occur that the IPX length value is 1 byte less than the length value given with
 *   frame=ethernet_802.2 or frame=ethernet_snap. If this is the case, an odd number was rounded up by
 *   the LAN driver to an even number" (Synapse banalyzer, IPX length field,
 *   https://banalyzer.synapse.de/ban/HTML/P_XNS_NW/Eng/P_xns_n6.html); Wireshark leaves the byte
 *   undissected without an expert note, and Linux `ipx_rcv` only requires `ipx_pktsize <= skb->len`.
 *   More slack than that, or one byte that leaves the 802.3 payload odd, is reported.
 * - **The ipxbox bridge tag is one finding, not three.** ipxbox's `phys.Sink.WritePacket` overwrites
 *   the checksum with 0 and the transport control with 127 on every packet it writes to a physical
 *   interface, and its `--dump_packets` pcap goes through the same sink (`gh:fragglet/ipxbox:phys/phys.go`
 *   `loopbackDetectValue`, bug #18; `ipxbox.go` `phys.NewPcapgoSink`): ipxpkt.cap has it in all 97 frames. A frame
 *   carrying both values gets `ipxbox-bridge-tag`, whose message states the consequences; the rules
 *   it explains (`supersededBy`) are not applied to that frame.
 * - **Snapped frames** (cut by the capture's snapshot length) are checked only by the rules that need
 *   no more than the headers; rules marked `wholePacket` skip them.
 */
import type { dissect} from '../../protocol/index.js';
import { ipx, ethernet, link, upper, sap, rip, columns, hex, socketName, DecodeError, IPX_HEADER_LENGTH, IPX_NO_CHECKSUM, PacketType, Socket } from '../../protocol/index.js'
import { readFrames } from './frames.js'
import type { FrameOptions, FrameResult } from './frames.js'
import { dissectFrame, passes } from './view.js'
import type { DisplayFilter } from './view.js'

/** How bad a finding is: `error` — receivers drop or misread the packet; `warning` — it breaks a rule but is usually tolerated; `info` — worth knowing. */
export type Severity = 'error' | 'warning' | 'info'

/** One finding: which frame of which file breaks which rule, and where that rule comes from. */
export interface Finding {
  /** The capture file, as given to the linter. */
  file: string
  /** 1-based frame number (tshark's `frame.number`). */
  frame: number
  /** The rule's id, e.g. `ipx-length-below-30`. */
  rule: string
  severity: Severity
  /** What is wrong in this frame, with the values found. */
  message: string
  /** The rule's citation (spec section, implementation function). */
  source: string
}

/** What a rule looks at: one record's fate plus facts derived once for all rules. */
export interface LintFrame {
  /** The capture file, as given. */
  file: string
  /** 1-based frame number. */
  frame: number
  /** The record as `readFrames` classified it. */
  result: FrameResult
  /** For IPX frames: the upper-layer dispatch and, for SAP and RIP, the lenient decode (or its error). */
  upper?: UpperFacts
  /** The frame's dissection, the one `decode --json`, `explain` and `-Y` read (protocol/dissect). */
  dissection: dissect.Dissection
}

/** Upper-layer facts of an IPX frame, computed once per frame. */
export interface UpperFacts {
  /** Wireshark-order dispatch (socket before packet type). */
  dispatch: upper.Dispatch
  /** SAP frames: `sap.decodeLenient` of the payload, or the error it threw. */
  sap?: sap.SapDecodeResult | DecodeError
  /** RIP frames: `rip.decodeLenient` of the payload, or the error it threw. */
  rip?: rip.RipDecodeResult | DecodeError
  /** Other decoded protocols: the dissection's error above IPX, if any (offset within the payload). */
  error?: Pick<DecodeError, 'code' | 'reason' | 'offset'>
}

/** One rule of the table. */
export interface Rule {
  /** Stable id, kebab-case, shown in brackets in the text output. */
  id: string
  /** One line saying what the rule requires. */
  title: string
  /** Severity of its findings. */
  severity: Severity
  /** Citation: spec section, implementation file and function. */
  source: string
  /** Needs the whole packet (payload, trailer): skipped for frames the capture cut short. */
  wholePacket?: boolean
  /** When the named rule fires on a frame, this rule is not applied to it (that rule's message covers it). */
  supersededBy?: string
  /** The findings of this rule for one frame (usually zero or one). */
  check: (frame: LintFrame) => Finding[]
}

type IpxResult = Extract<FrameResult, { kind: 'ipx' }>

/** Checksum ipxbox writes on bridged packets (`phys.go` `modifiedHeader.Checksum = 0`). */
export const IPXBOX_BRIDGE_CHECKSUM = 0
/** Transport control ipxbox writes on bridged packets (`phys.go` `loopbackDetectValue = 127`). */
export const IPXBOX_BRIDGE_HOPS = 127
/** Highest transport control a router still forwards: it increments and drops above 16 (Linux `ipxcfg_max_hops`). */
export const MAX_FORWARDABLE_HOPS = 15
/** Most hops of a type-20 packet (Linux `IPX_MAX_PPROP_HOPS`; Novell router spec ch. 5). */
export const TYPE20_MAX_HOPS = 8
/** Smallest type-20 packet: header + 8 network numbers (Linux `ipxitf_pprop`). */
export const TYPE20_MIN_LENGTH = IPX_HEADER_LENGTH + 8 * 4
/** First dynamic socket (Linux `IPX_MIN_EPHEMERAL_SOCKET`, include/net/ipx.h). */
export const DYNAMIC_SOCKET_MIN = 0x4000
/** Slack a LAN driver may add to round an odd 802.3 payload up to even (see the module comment). */
export const EVEN_ROUNDING_SLACK = 1
/** RFC 1234's UDP port for IPX (Wireshark `UDP_PORT_IPX 213`). */
export const RFC1234_UDP_PORT = 213

/**
 * Well-known sockets below the dynamic range (ipx-reference.md §B2; Wireshark `packet-ipx.h`
 * `IPX_SOCKET_*`; tcpdump `ipx.h`). A packet from one of these is from a service, not a client.
 */
export const WELL_KNOWN_SOCKETS: ReadonlySet<number> = new Set([
  0x0001, Socket.CiscoPing, Socket.Ncp, Socket.Sap, Socket.Rip, Socket.Netbios, Socket.Diagnostic, Socket.Serialization,
  0x0550, 0x0551, 0x0552, 0x0553, 0x0554, 0x0555, 0x055d
])

/**
 * Service sockets a client sends requests to: the well-known sockets above, and the registered
 * sockets Wireshark names at and above 0x8000 (Novell-assigned: 0x85BE EIGRP, 0x9001 NLSP, 0x9004
 * IPXWAN, 0x900F/0x9010 SNMP, 0x9086 ping, 0x9091/0x9092 TCP/UDP over IPX; ipx-reference.md §B2).
 */
export const SERVICE_SOCKETS: ReadonlySet<number> = new Set([
  ...WELL_KNOWN_SOCKETS, 0x85be, 0x9001, 0x9004, 0x900f, 0x9010, Socket.NovellPing, 0x9091, 0x9092
])

const SOURCES = {
  ipxHeader: 'Novell IPX header: 30 bytes, length counts them (ipx-reference.md §B1); Linux net/ipx/af_ipx.c ipx_rcv ("Too small or invalid header?" drops ipx_pktsize < sizeof(struct ipxhdr)); Wireshark packet-ipx.c, tshark 4.0.17 shows [Malformed Packet: IPX]',
  ipxBeyond: 'Linux net/ipx/af_ipx.c ipx_rcv: drops a packet whose ipx_pktsize exceeds the received bytes (pskb_may_pull); Wireshark packet-ipx.c set_actual_length(tvb, ipx_length)',
  ethBeyond: 'IEEE 802.3 length field (length of the MAC client data); Wireshark packet-ieee8023.c dissect_802_3 expert eth.len.past_end "Length field value goes past the end of the payload"',
  malformed: 'ipxlab codec (protocol/link.ts, protocol/ethernet.ts, protocol/ipx/header.ts): each check cites its spec (IEEE 802.3, IEEE 802.2, RFC 791, RFC 768, Novell IPX)',
  slack: 'IEEE 802.3 length = LLC data octets; IPX length may be 1 less when the LAN driver rounds an odd length up to even (Synapse banalyzer, IPX length, https://banalyzer.synapse.de/ban/HTML/P_XNS_NW/Eng/P_xns_n6.html); Wireshark packet-ipx.c dissect_ipx set_actual_length(tvb, ipx_length) leaves the rest undissected',
  udp: 'RFC 1234: each IPX datagram rides in the data of one UDP packet (IP | UDP | IPX header | IPX data); Wireshark packet-ipx.c set_actual_length(tvb, ipx_length)',
  trailer: 'IEEE 802.3 pad field: zeros up to the 64-byte minimum frame (60 without FCS); Wireshark packet-eth.c add_ethernet_trailer, eth.trailer expert "Didn\'t find padding of zeros, and an undecoded trailer exists"',
  hops: 'Linux net/ipx/af_ipx.c ipxitf_send: a router drops the packet when ++ipx_tctrl > ipxcfg_max_hops (16); Novell "IPX RIP and SAP Router Specification" 107-000029-001: 16 hops = unreachable (FreeBSD usr.sbin/IPXrouted/protocol.h HOPCNT_INFINITY 16)',
  checksum: 'Linux net/ipx/af_ipx.c ipx_rcv: a checksum other than 0xFFFF (IPX_NO_CHECKSUM) must equal ipx_cksum() (one\'s-complement sum from offset 2, transport control masked) or the packet is dropped',
  raw8023: 'Linux net/ipx/ipx_route.c ipxrtr_route_packet: "Apply checksum. Not allowed on 802.3 links." (0xFFFF on IPX_FRAME_8023); raw 802.3 is recognised by FF FF after the length (Wireshark packet-ieee8023.c, Linux eth_type_trans)',
  rfc1234: 'RFC 1234 "Reserved packets": the IPX checksum field is always 0xFFFF; receivers ignore datagrams whose first two octets differ',
  type20Hops: 'Linux net/ipx/af_ipx.c ipxitf_pprop: type 20 with tctrl > IPX_MAX_PPROP_HOPS (8) is dropped without local processing; Novell "IPX RIP and SAP Router Specification" 107-000029-001 ch. 5',
  type20Length: 'Linux net/ipx/af_ipx.c ipxitf_pprop: type 20 shorter than the IPX header + 8 network numbers (30 + 32 bytes) is dropped without local processing; Novell "IPX RIP and SAP Router Specification" 107-000029-001 ch. 5',
  sapMax: 'FreeBSD usr.sbin/IPXrouted/sap.h MAXSAPENTRIES 7 (2 + 7 × 64 = 450 bytes fits the 576-byte routed IPX packet); ipx_wrap SAP_MAX_SRVS_PER_PKT 7',
  sapEntry: 'SAP response entries are 64 bytes (FreeBSD usr.sbin/IPXrouted/sap.h struct sap_info; Wireshark packet-ipx.c dissect_ipxsap walks cursor + 64 <= length and ignores the rest)',
  sapQuery: 'SAP query = operation(2) + server type(2) (FreeBSD usr.sbin/IPXrouted/sap.h; Wireshark packet-ipx.c dissect_ipxsap reads the server type at offset 2 and nothing after)',
  sapName: 'SAP server name: 48 bytes, NUL-padded (FreeBSD usr.sbin/IPXrouted/sap.h ServName[SERVNAMELEN 48], stored and re-advertised whole by sap_tables.c sap_add; Wireshark packet-ipx.c dissect_ipxsap tvb_format_stringzpad)',
  ripMax: 'FreeBSD usr.sbin/IPXrouted/protocol.h MAXRIPNETS 50 (2 + 50 × 8 = 402 bytes)',
  ripEntry: 'RIP entries are 8 bytes: network(4) hops(2) ticks(2) (FreeBSD usr.sbin/IPXrouted/protocol.h struct netinfo; Wireshark packet-ipx.c dissect_ipxrip)',
  upper: 'Wireshark packet-ipx.c dispatch (socket before packet type) and the protocol\'s dissector; ipxlab protocol/upper.ts decodeUpper',
  clientSocket: 'Dynamic (client) sockets are 0x4000-0x7FFF: Linux include/net/ipx.h IPX_MIN/MAX_EPHEMERAL_SOCKET; net/ipx/af_ipx.c __ipx_bind refuses sockets below 0x4000 without CAP_NET_ADMIN ("protect IPX system stuff like routing/sap"); well-known sockets: Wireshark packet-ipx.h IPX_SOCKET_* (ipx-reference.md §B2)',
  bridge: 'gh:fragglet/ipxbox:phys/phys.go Sink.WritePacket sets Checksum = 0 and TransControl = loopbackDetectValue (127) on every packet written to a physical interface, and ipxbox.go --dump_packets writes its pcap through the same Sink (phys.NewPcapgoSink) (bug #18); ipx-reference.md §4'
} as const

function make (rule: Pick<Rule, 'id' | 'severity' | 'source'>, f: LintFrame, message: string): Finding {
  return { file: f.file, frame: f.frame, rule: rule.id, severity: rule.severity, message, source: rule.source }
}

function ipxOf (f: LintFrame): IpxResult | undefined {
  return f.result.kind === 'ipx' ? f.result : undefined
}

function malformedWith (f: LintFrame, protocols: readonly string[], code: string): DecodeError | undefined {
  const r = f.result
  if (r.kind !== 'malformed') return undefined
  return protocols.includes(r.error.protocol) && r.error.code === code ? r.error : undefined
}

function isBridgeTagged (h: ipx.IpxHeader): boolean {
  return h.checksum === IPXBOX_BRIDGE_CHECKSUM && h.transportControl === IPXBOX_BRIDGE_HOPS
}

/** The correct checksum of the packet as located in the record (Linux `ipx_cksum`). */
function correctChecksum (r: IpxResult): number {
  return ipx.computeChecksum(r.record.data, r.located.ipxOffset, r.located.ipx.header.length)
}

const h4 = (n: number): string => `0x${hex(n, 4)}`

/** Where an 802.3 payload ends, and what follows it, for a frame whose IPX header did not decode. */
interface RawExtent { payloadEnd: number, trailer: number }

/**
 * Padding and trailer of a raw Ethernet 802.3 frame, read from the Ethernet header alone, split the
 * way Wireshark's `add_ethernet_trailer` splits them (zeros up to byte 60 are padding, the rest is
 * trailer; no FCS assumed). Used for frames whose IPX header is malformed, so that the codec's
 * `ethernet.decode` gives no frame.
 */
function rawExtent (data: Buffer): RawExtent | undefined {
  if (data.length < ethernet.ETHERNET_HEADER_LENGTH) return undefined
  const tl = data.readUInt16BE(12)
  if (tl > ethernet.IEEE_802_3_MAX_LENGTH) return undefined
  const payloadEnd = ethernet.ETHERNET_HEADER_LENGTH + tl
  if (payloadEnd > data.length) return undefined
  let pad = 0
  if (data.length >= ethernet.ETHERNET_MIN_FRAME_LENGTH && payloadEnd < ethernet.ETHERNET_MIN_FRAME_LENGTH) {
    pad = ethernet.ETHERNET_MIN_FRAME_LENGTH - payloadEnd
    for (let i = payloadEnd; i < payloadEnd + pad; i++) if (data[i] !== 0) { pad = 0; break }
  }
  return { payloadEnd, trailer: data.length - payloadEnd - pad }
}

/** The rules, in the order their findings are printed for a frame. */
export const RULES: readonly Rule[] = [
  {
    id: 'ipx-length-below-30',
    title: 'The IPX length is at least the 30-byte header',
    severity: 'error',
    source: SOURCES.ipxHeader,
    check (f) {
      const e = malformedWith(f, ['ipx'], 'IPX_ERR_BAD_LENGTH')
      if (e === undefined) return []
      const d = f.result.record.data
      const value = e.offset + 2 <= d.length ? String(d.readUInt16BE(e.offset)) : '(unreadable)'
      return [make(this, f, `IPX length ${value} is below the 30-byte header (at byte ${e.offset})`)]
    }
  },
  {
    id: 'ipx-length-beyond-frame',
    title: 'The IPX length does not exceed the bytes the link layer carries',
    severity: 'error',
    source: SOURCES.ipxBeyond,
    check (f) {
      const e = malformedWith(f, ['ipx'], 'IPX_ERR_LENGTH_BEYOND_DATA')
      return e === undefined ? [] : [make(this, f, `${e.reason} (IPX length field at byte ${e.offset})`)]
    }
  },
  {
    id: 'eth-length-beyond-frame',
    title: 'The 802.3 length does not exceed the frame',
    severity: 'error',
    source: SOURCES.ethBeyond,
    check (f) {
      const e = malformedWith(f, ['ethernet'], 'IPX_ERR_LENGTH_BEYOND_DATA')
      return e === undefined ? [] : [make(this, f, e.reason)]
    }
  },
  {
    id: 'frame-malformed',
    title: 'The frame decodes down to the IPX header',
    severity: 'error',
    source: SOURCES.malformed,
    check (f) {
      const r = f.result
      if (r.kind !== 'malformed') return []
      const e = r.error
      const covered = (e.protocol === 'ipx' && (e.code === 'IPX_ERR_BAD_LENGTH' || e.code === 'IPX_ERR_LENGTH_BEYOND_DATA')) ||
        (e.protocol === 'ethernet' && e.code === 'IPX_ERR_LENGTH_BEYOND_DATA')
      return covered ? [] : [make(this, f, `${e.protocol}: ${e.reason} (${e.code} at byte ${e.offset})`)]
    }
  },
  {
    id: 'ipx-length-short-of-802.3',
    title: 'The 802.3 length covers the LLC/SNAP header and the IPX packet, plus at most one byte rounding it up to even',
    severity: 'warning',
    source: SOURCES.slack,
    wholePacket: true,
    check (f) {
      const e = ipxOf(f)?.located.ethernet
      if (e?.length === undefined) return []
      const slack = e.slack.length
      const rounding = slack === EVEN_ROUNDING_SLACK && e.length % 2 === 0
      if (slack === 0 || rounding) return []
      return [make(this, f, `802.3 length ${e.length} exceeds the ${e.length - slack} bytes of ${e.framing === 'raw_802_3' ? '' : 'LLC/SNAP header and '}IPX packet (IPX length ${e.ipx.header.length}) by ${slack} bytes` +
        (slack === 1 ? ', leaving the 802.3 length odd (not an even round-up)' : ''))]
    }
  },
  {
    id: 'ipx-length-short-of-udp',
    title: 'The UDP payload is exactly one IPX packet',
    severity: 'warning',
    source: SOURCES.udp,
    wholePacket: true,
    check (f) {
      const r = ipxOf(f)
      if (r === undefined || r.located.encapsulation !== 'udp') return []
      const udp = link.UDP_HEADER.read(r.record.data, r.located.ipxOffset - link.UDP_HEADER.length)
      const payload = udp.length - link.UDP_HEADER.length
      const len = r.located.ipx.header.length
      return payload > len ? [make(this, f, `UDP payload of ${payload} bytes carries an IPX packet of length ${len}: ${payload - len} bytes follow it`)] : []
    }
  },
  {
    id: 'eth-trailer',
    title: 'Nothing follows the Ethernet payload but zero padding to 60 bytes',
    severity: 'warning',
    source: SOURCES.trailer,
    wholePacket: true,
    check (f) {
      const r = f.result
      if (r.kind === 'ipx') {
        const e = r.located.ethernet
        if (e === undefined || e.trailer.length === 0) return []
        const end = r.record.data.length - e.trailer.length
        const what = e.framing === 'ethernet_ii'
          ? `Ethernet II has no length field: the IPX length ${e.ipx.header.length} ends the packet, and ${e.trailer.length} bytes after byte ${end} are not zero padding (an IPX length shorter than the packet, or a captured FCS)`
          : `${e.trailer.length} bytes after the 802.3 payload (from byte ${end}) are not zero padding to 60`
        return [make(this, f, `${what}: ${e.trailer.subarray(0, 16).toString('hex')}${e.trailer.length > 16 ? '…' : ''}`)]
      }
      // A malformed IPX header inside a well-formed 802.3 frame: the framing can still be checked.
      if (r.kind !== 'malformed' || r.error.protocol !== 'ipx' || r.record.linkType !== link.LinkType.Ethernet) return []
      const x = rawExtent(r.record.data)
      if (x === undefined || x.trailer === 0) return []
      const t = r.record.data.subarray(r.record.data.length - x.trailer)
      return [make(this, f, `${x.trailer} bytes after the 802.3 payload (from byte ${r.record.data.length - x.trailer}) are not zero padding to 60: ${t.subarray(0, 16).toString('hex')}${t.length > 16 ? '…' : ''}`)]
    }
  },
  {
    id: 'ipxbox-bridge-tag',
    title: 'The packet does not carry ipxbox\'s bridge tag (transport control 127, checksum 0)',
    severity: 'warning',
    source: SOURCES.bridge,
    check (f) {
      const r = ipxOf(f)
      if (r === undefined || !isBridgeTagged(r.located.ipx.header)) return []
      const h = r.located.ipx.header
      const consequences = ['no router forwards it (Linux ipxitf_send: 128 > 16)']
      if (r.snapped === 0) {
        const want = correctChecksum(r)
        if (want !== IPXBOX_BRIDGE_CHECKSUM) consequences.push(`a verifying receiver drops it (Linux ipx_rcv: checksum 0x0000 is neither 0xffff nor the correct ${h4(want)})`)
      }
      if (h.packetType === PacketType.NetbiosBroadcast) consequences.push('as type 20 it is dropped without local processing (Linux ipxitf_pprop: 127 > 8 hops)')
      return [make(this, f, `transport control 127 and checksum 0x0000: ipxbox's bridge tag, written over the sender's hop count and checksum; on a wire ${consequences.join('; ')}`)]
    }
  },
  {
    id: 'ipx-hops-above-15',
    title: 'The transport control (hop count) is at most 15, so the next router can still forward it',
    severity: 'warning',
    source: SOURCES.hops,
    supersededBy: 'ipxbox-bridge-tag',
    check (f) {
      const h = ipxOf(f)?.located.ipx.header
      if (h === undefined || h.transportControl <= MAX_FORWARDABLE_HOPS) return []
      return [make(this, f, `transport control ${h.transportControl} > ${MAX_FORWARDABLE_HOPS}: the next router increments it past 16 and drops the packet`)]
    }
  },
  {
    id: 'ipx-checksum-mismatch',
    title: 'The checksum is 0xFFFF (none) or the correct one\'s-complement sum',
    severity: 'error',
    source: SOURCES.checksum,
    supersededBy: 'ipxbox-bridge-tag',
    wholePacket: true,
    check (f) {
      const r = ipxOf(f)
      if (r === undefined) return []
      const h = r.located.ipx.header
      if (h.checksum === IPX_NO_CHECKSUM) return []
      const want = correctChecksum(r)
      return h.checksum === want ? [] : [make(this, f, `checksum ${h4(h.checksum)} is neither 0xffff nor the correct ${h4(want)}`)]
    }
  },
  {
    id: 'ipx-checksum-on-raw-802.3',
    title: 'Raw 802.3 (Ethernet_802.3) frames carry checksum 0xFFFF',
    severity: 'error',
    source: SOURCES.raw8023,
    check (f) {
      const r = ipxOf(f)
      if (r === undefined || r.located.framing !== 'raw_802_3') return []
      const c = r.located.ipx.header.checksum
      return c === IPX_NO_CHECKSUM ? [] : [make(this, f, `raw 802.3 framing with checksum ${h4(c)}: on an Ethernet segment such a frame cannot be told from 802.2 LLC (DSAP 0x${hex(c >>> 8, 2)})`)]
    }
  },
  {
    id: 'rfc1234-checksum-not-ffff',
    title: 'IPX in UDP on port 213 carries checksum 0xFFFF',
    severity: 'error',
    source: SOURCES.rfc1234,
    check (f) {
      const r = ipxOf(f)
      const u = r?.located.udp
      if (r === undefined || u === undefined || (u.srcPort !== RFC1234_UDP_PORT && u.dstPort !== RFC1234_UDP_PORT)) return []
      const c = r.located.ipx.header.checksum
      return c === IPX_NO_CHECKSUM ? [] : [make(this, f, `UDP ${u.srcPort} -> ${u.dstPort} datagram starts ${h4(c)}, not 0xffff: an RFC 1234 receiver ignores it`)]
    }
  },
  {
    id: 'type20-hops-above-8',
    title: 'A type-20 (propagated broadcast) packet has crossed at most 8 networks',
    severity: 'error',
    source: SOURCES.type20Hops,
    supersededBy: 'ipxbox-bridge-tag',
    check (f) {
      const h = ipxOf(f)?.located.ipx.header
      if (h === undefined || h.packetType !== PacketType.NetbiosBroadcast || h.transportControl <= TYPE20_MAX_HOPS) return []
      return [make(this, f, `type-20 packet with transport control ${h.transportControl} > ${TYPE20_MAX_HOPS}: receivers drop it without local processing`)]
    }
  },
  {
    id: 'type20-short-propagation-list',
    title: 'A type-20 packet holds the 8-slot propagation list (length at least 62)',
    severity: 'error',
    source: SOURCES.type20Length,
    check (f) {
      const h = ipxOf(f)?.located.ipx.header
      if (h === undefined || h.packetType !== PacketType.NetbiosBroadcast || h.length >= TYPE20_MIN_LENGTH) return []
      return [make(this, f, `type-20 packet of IPX length ${h.length} < ${TYPE20_MIN_LENGTH}: no room for the 8 × 4-byte propagation list`)]
    }
  },
  {
    id: 'sap-too-many-entries',
    title: 'A SAP response holds at most 7 server entries',
    severity: 'warning',
    source: SOURCES.sapMax,
    wholePacket: true,
    check (f) {
      const s = f.upper?.sap
      if (s === undefined || s instanceof DecodeError || !sap.isResponse(s.message) || s.message.servers.length <= sap.SAP_MAX_ENTRIES) return []
      return [make(this, f, `SAP ${sap.sapOperationName(s.message.operation)} with ${s.message.servers.length} entries > ${sap.SAP_MAX_ENTRIES}`)]
    }
  },
  {
    id: 'sap-partial-entry',
    title: 'A SAP response body is a whole number of 64-byte entries',
    severity: 'error',
    source: SOURCES.sapEntry,
    wholePacket: true,
    check (f) {
      const s = f.upper?.sap
      if (s === undefined || s instanceof DecodeError || !sap.isResponse(s.message) || s.trailing === 0) return []
      return [make(this, f, `SAP ${sap.sapOperationName(s.message.operation)} ends in a partial entry: ${s.trailing} bytes after ${s.message.servers.length} whole 64-byte entries (ignored by Wireshark)`)]
    }
  },
  {
    id: 'sap-query-length',
    title: 'A SAP query is exactly operation + server type (4 bytes)',
    severity: 'warning',
    source: SOURCES.sapQuery,
    wholePacket: true,
    check (f) {
      const s = f.upper?.sap
      if (s === undefined || s instanceof DecodeError || !sap.isQuery(s.message) || s.trailing === 0) return []
      return [make(this, f, `SAP ${sap.sapOperationName(s.message.operation)} carries ${s.trailing} bytes after its 4 bytes`)]
    }
  },
  {
    id: 'sap-name-not-nul-padded',
    title: 'Each SAP server name is NUL-terminated and NUL-padded to 48 bytes',
    severity: 'warning',
    source: SOURCES.sapName,
    wholePacket: true,
    check (f) {
      const s = f.upper?.sap
      if (s === undefined || s instanceof DecodeError || !sap.isResponse(s.message)) return []
      const out: Finding[] = []
      s.message.servers.forEach((server, i) => {
        if (server.namePadding === 'dirty') out.push(make(this, f, `entry ${i + 1} (${JSON.stringify(server.name)}): non-NUL bytes follow the name's terminating NUL`))
        else if (server.namePadding === 'none') out.push(make(this, f, `entry ${i + 1}: the 48-byte name field has no terminating NUL`))
      })
      return out
    }
  },
  {
    id: 'rip-too-many-entries',
    title: 'A RIP packet holds at most 50 route entries',
    severity: 'warning',
    source: SOURCES.ripMax,
    wholePacket: true,
    check (f) {
      const r = f.upper?.rip
      if (r === undefined || r instanceof DecodeError || r.message.entries.length <= rip.RIP_MAX_ENTRIES) return []
      return [make(this, f, `RIP ${rip.ripOperationName(r.message.operation)} with ${r.message.entries.length} entries > ${rip.RIP_MAX_ENTRIES}`)]
    }
  },
  {
    id: 'rip-partial-entry',
    title: 'A RIP body is a whole number of 8-byte entries',
    severity: 'error',
    source: SOURCES.ripEntry,
    wholePacket: true,
    check (f) {
      const r = f.upper?.rip
      if (r === undefined || r instanceof DecodeError || r.trailing === 0) return []
      return [make(this, f, `RIP ${rip.ripOperationName(r.message.operation)} ends in a partial entry: ${r.trailing} bytes after ${r.message.entries.length} whole 8-byte entries`)]
    }
  },
  {
    id: 'upper-layer-malformed',
    title: 'The upper-layer message (SAP, RIP, NetBIOS, SPX, NCP, diagnostics, ping) decodes',
    severity: 'error',
    source: SOURCES.upper,
    wholePacket: true,
    check (f) {
      const u = f.upper
      if (u === undefined) return []
      const e = u.sap instanceof DecodeError ? u.sap : u.rip instanceof DecodeError ? u.rip : u.error
      return e === undefined ? [] : [make(this, f, `${u.dispatch.name}: ${e.reason} (${e.code} at payload byte ${e.offset})`)]
    }
  },
  {
    id: 'client-socket-below-dynamic',
    title: 'A client (a source socket that is not well-known) sending to a service socket uses a dynamic socket (0x4000-0x7FFF)',
    severity: 'warning',
    source: SOURCES.clientSocket,
    check (f) {
      const h = ipxOf(f)?.located.ipx.header
      if (h === undefined) return []
      const s = h.src.socket
      const d = h.dst.socket
      // From a well-known socket it is a service speaking (server to server or a reply); to a
      // non-service socket it is not a request. Only a request from an unregistered low socket is flagged.
      if (s >= DYNAMIC_SOCKET_MIN || WELL_KNOWN_SOCKETS.has(s) || !SERVICE_SOCKETS.has(d)) return []
      return [make(this, f, `source socket ${h4(s)} sends to service socket ${h4(d)} (${socketName(d)}) but is neither well-known nor in the dynamic range 0x4000-0x7fff`)]
    }
  }
]

/** Looks a rule up by id. */
export function ruleById (id: string): Rule | undefined {
  return RULES.find(r => r.id === id)
}

function upperFacts (r: IpxResult, d: dissect.Dissection): UpperFacts {
  const packet = r.located.ipx
  const dispatch = upper.classify(packet.header)
  const facts: UpperFacts = { dispatch }
  // A snapped record holds only part of the payload: nothing above IPX can be judged.
  if (r.snapped > 0) return facts
  const attempt = <T>(fn: () => T): T | DecodeError => {
    try {
      return fn()
    } catch (err) {
      if (err instanceof DecodeError) return err
      throw err
    }
  }
  if (dispatch.protocol === 'sap') facts.sap = attempt(() => sap.decodeLenient(packet.payload))
  else if (dispatch.protocol === 'rip') facts.rip = attempt(() => rip.decodeLenient(packet.payload))
  else if (dispatch.protocol !== 'data' && d.error !== undefined) {
    // The dissector decoded the upper layer (upper.decodeUpper) and kept its error, frame-absolute.
    const payloadAt = r.located.ipxOffset + IPX_HEADER_LENGTH
    facts.error = { code: d.error.code, reason: d.error.reason, offset: d.error.offset - payloadAt }
  }
  return facts
}

/** Builds the {@link LintFrame} of one record (upper-layer facts decoded once). */
export function prepareFrame (file: string, result: FrameResult, dissection: dissect.Dissection = dissectFrame(result)): LintFrame {
  const f: LintFrame = { file, frame: result.record.index + 1, result, dissection }
  if (result.kind === 'ipx') f.upper = upperFacts(result, dissection)
  return f
}

/**
 * The findings of one frame, in rule-table order. Rules marked `wholePacket` skip snapped frames;
 * a rule whose `supersededBy` rule fired on the frame is not applied.
 */
export function lintFrame (file: string, result: FrameResult, rules: readonly Rule[] = RULES, dissection?: dissect.Dissection): Finding[] {
  if (result.kind === 'not_ipx') return []
  const f = prepareFrame(file, result, dissection)
  const snapped = result.kind === 'ipx' && result.snapped > 0
  const byRule = new Map<string, Finding[]>()
  for (const rule of rules) {
    if (snapped && rule.wholePacket === true) continue
    byRule.set(rule.id, rule.check(f))
  }
  const out: Finding[] = []
  for (const rule of rules) {
    const found = byRule.get(rule.id)
    if (found === undefined || found.length === 0) continue
    const over = rule.supersededBy
    if (over !== undefined && (byRule.get(over)?.length ?? 0) > 0) continue
    out.push(...found)
  }
  return out
}

/** One frame of a linted capture: its fate and its findings. */
export interface LintedFrame {
  result: FrameResult
  findings: Finding[]
  /** False when a display filter left the frame out (its findings are then empty). */
  shown: boolean
}

/**
 * Lints every frame of the capture at `path`, streaming. `file` is the name printed in findings
 * (default: `path`). Throws the reader's CaptureError for an unreadable file, after the good frames.
 */
export async function * lintCapture (path: string, options: FrameOptions & { file?: string, displayFilter?: DisplayFilter } = {}): AsyncGenerator<LintedFrame> {
  const file = options.file ?? path
  const frameOptions: FrameOptions = {}
  if (options.udpPorts !== undefined) frameOptions.udpPorts = options.udpPorts
  const state = new columns.ColumnState()
  for await (const result of readFrames(path, frameOptions)) {
    const d = dissectFrame(result)
    const f = options.displayFilter
    if (f !== undefined && !passes(f, result, result.kind === 'ipx' ? columns.columns(result.located.ipx, state) : undefined, d)) {
      yield { result, findings: [], shown: false }
      continue
    }
    yield { result, findings: lintFrame(file, result, RULES, d), shown: true }
  }
}

/** `ipx.pcap:17: warning [sap-name-not-nul-padded] message (source)`, the text form of a finding. */
export function formatFinding (x: Finding): string {
  return `${x.file}:${x.frame}: ${x.severity} [${x.rule}] ${x.message} (${x.source})`
}
