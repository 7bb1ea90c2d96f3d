/**
 * The four Ethernet framings that carry IPX (ipx-reference.md §B7), decoded and encoded:
 *
 * | framing (NET.CFG name)        | before the IPX header                                  | IPX at |
 * |-------------------------------|--------------------------------------------------------|-------:|
 * | `ethernet_ii` (Ethernet_II)   | dst, src, EtherType 0x8137                             | 14 |
 * | `raw_802_3` (Ethernet_802.3)  | dst, src, 802.3 length; IPX starts FF FF, no LLC       | 14 |
 * | `llc` (Ethernet_802.2)        | dst, src, length, LLC DSAP E0 SSAP E0 control 03       | 17 |
 * | `snap` (Ethernet_SNAP)        | dst, src, length, AA AA 03, OUI 00 00 00, type 81 37   | 22 |
 *
 * Sources: `gh:fragglet/ipxbox:phys/framing.go` (all four, and the raw-802.3 "starts with FF FF"
 * rule), `gh:joncampbell123/dosbox-x:src/hardware/ne2000.cpp`, Linux `net/ipx/af_ipx.c`
 * (`ipx_8022_type = 0xE0`, `ipx_snap_id = {0,0,0,0x81,0x37}`), Wireshark `packet-eth.c` /
 * `packet-ieee8023.c` / `packet-llc.c` for the dispatch order and the padding/trailer split.
 *
 * Two lengths bound the IPX packet: the 802.3 length (802.3 framings) and the IPX length. Bytes after
 * the IPX packet but inside the 802.3 length are `slack` (NetWare drivers pad odd lengths to even;
 * Wireshark leaves them undissected); bytes after the link-layer payload are `padding` (zeros up to
 * the 60-byte minimum, tshark `eth.padding`) and `trailer` (the rest, tshark `eth.trailer`). None of
 * them ever reaches `ipx.payload`.
 */
import { defineLayout, composeLayouts } from './layout.js'
import type { Layout } from './layout.js'
import { DecodeError, EncodeError } from './errors.js'
import { IPX_HEADER_LENGTH, hex } from './constants.js'
import * as ipxPacket from './ipx/packet.js'
import type { IpxPacket } from './ipx/packet.js'
import * as ipxHeader from './ipx/header.js'
import { describeHeader, IPX_HEADER } from './ipx/header.js'
import type { IpxHeader } from './ipx/header.js'
import type { DecodeOptions as IpxDecodeOptions } from './ipx/header.js'
import { formatNode } from './ipx/address.js'

/** EtherType of IPX (IEEE registry "Novell, Inc."; Wireshark `ETHERTYPE_IPX`; Linux `ETH_P_IPX`). */
export const ETHERTYPE_IPX = 0x8137
/** Destination MAC, source MAC, type-or-length (IEEE 802.3 clause 3.2). */
export const ETHERNET_HEADER_LENGTH = 14
/**
 * Shortest Ethernet frame without its 4-byte FCS: minFrameSize is 512 bits = 64 octets with FCS
 * (IEEE 802.3 clause 4.4.2); senders pad to it, and Wireshark looks for padding below it
 * (`add_ethernet_trailer`, "60 bytes").
 */
export const ETHERNET_MIN_FRAME_LENGTH = 60
/** Largest 802.3 length value; a larger type-or-length is an EtherType (IEEE 802.3 clause 3.2.6; Wireshark `IEEE_802_3_MAX_LEN`). */
export const IEEE_802_3_MAX_LENGTH = 1500
/** Smallest EtherType (IEEE 802.3 clause 3.2.6: 0x0600 and up); 1501..1535 is neither (Wireshark `eth.invalid_lentype`). */
export const ETHERTYPE_MIN = 0x0600
/** LLC SAP of IPX (Linux `ipx_8022_type = 0xE0`; Wireshark `SAP_NETWARE`). */
export const LLC_SAP_IPX = 0xe0
/** LLC SAP announcing a SNAP header (Linux `SNAP_SAP`; ipxbox `lsapSNAP 0xaa`). */
export const LLC_SAP_SNAP = 0xaa
/** LLC control: Unnumbered Information, the only frame IPX uses (IEEE 802.2; Linux sends UI via `llc_build_and_send_ui`). */
export const LLC_CONTROL_UI = 0x03
/** SNAP OUI 00-00-00: the protocol id is an EtherType (RFC 1042; Linux `ipx_snap_id`). */
export const SNAP_OUI_ETHERTYPE = 0x000000

/** The four framings. `as const` object plus a derived union. */
export const Framing = {
  /** DIX Ethernet II, EtherType 0x8137. */
  EthernetII: 'ethernet_ii',
  /** Novell "raw" 802.3: an 802.3 length, then the IPX header (checksum FF FF) with no LLC. */
  Raw8023: 'raw_802_3',
  /** 802.3 length + IEEE 802.2 LLC, DSAP/SSAP E0, control 03. */
  Llc: 'llc',
  /** 802.3 length + LLC AA AA 03 + SNAP OUI 000000, type 0x8137. */
  Snap: 'snap'
} as const
export type Framing = typeof Framing[keyof typeof Framing]

/** Offset of the IPX header from the frame start, per framing (ipx-reference.md §B7). */
export const IPX_OFFSET: Readonly<Record<Framing, number>> = {
  ethernet_ii: 14,
  raw_802_3: 14,
  llc: 17,
  snap: 22
}

/** NetWare's own names for the framings (NET.CFG `FRAME`), used by {@link describeFrame}. */
export const FRAMING_NAMES: Readonly<Record<Framing, string>> = {
  ethernet_ii: 'Ethernet_II',
  raw_802_3: 'Ethernet_802.3',
  llc: 'Ethernet_802.2',
  snap: 'Ethernet_SNAP'
}

/** The Ethernet header as read from the wire: the last field is a type or a length. */
export interface EthernetHeader {
  /** Offset 0, u48: destination MAC. */
  dst: number
  /** Offset 6, u48: source MAC. */
  src: number
  /** Offset 12, u16: EtherType (≥ 0x0600) or 802.3 length (≤ 1500). */
  typeOrLength: number
}

/** IEEE 802.2 LLC header (3 bytes, U-format control). */
export interface LlcHeader {
  /** Offset 0, u8: destination service access point (E0 for IPX, AA for SNAP). */
  dsap: number
  /** Offset 1, u8: source service access point. */
  ssap: number
  /** Offset 2, u8: control; 03 = Unnumbered Information. */
  control: number
}

/** SNAP header (5 bytes after LLC AA AA 03). */
export interface SnapHeader {
  /** u24: organizationally unique identifier; 000000 means `type` is an EtherType. */
  oui: number
  /** u16: protocol id; 0x8137 for IPX. */
  type: number
}

interface SnapWire { ouiHigh: number, ouiLow: number, type: number }

/** The single description of the Ethernet header. */
export const ETHERNET_HEADER = defineLayout<EthernetHeader>('ethernet', 'Ethernet header', [
  { name: 'dst', type: 'u48', wireshark: 'eth.dst', doc: 'destination MAC; FF:FF:FF:FF:FF:FF = broadcast' },
  { name: 'src', type: 'u48', wireshark: 'eth.src', doc: 'source MAC' },
  { name: 'typeOrLength', type: 'u16', wireshark: 'eth.type / eth.len', doc: '≥ 0x0600: EtherType (0x8137 = IPX); ≤ 1500: 802.3 length of what follows, padding excluded (IEEE 802.3 clause 3.2.6)' }
])

/** The single description of the IEEE 802.2 LLC header. */
export const LLC_HEADER = defineLayout<LlcHeader>('ethernet', 'IEEE 802.2 LLC header', [
  { name: 'dsap', type: 'u8', wireshark: 'llc.dsap', doc: 'destination SAP: E0 = NetWare/IPX, AA = SNAP' },
  { name: 'ssap', type: 'u8', wireshark: 'llc.ssap', doc: 'source SAP: E0 = NetWare/IPX, AA = SNAP' },
  { name: 'control', type: 'u8', wireshark: 'llc.control', doc: '03 = Unnumbered Information (UI)' }
])

/**
 * The single description of the SNAP header that follows LLC AA AA 03. The 3-byte OUI is described
 * as a u8 and a u16 because the layout vocabulary has no u24; {@link SnapHeader} joins them.
 */
export const SNAP_HEADER = defineLayout<SnapWire>('ethernet', 'SNAP header', [
  { name: 'ouiHigh', type: 'u8', wireshark: 'llc.oui', doc: 'OUI, first byte (00 for an EtherType, RFC 1042)' },
  { name: 'ouiLow', type: 'u16', wireshark: 'llc.oui', doc: 'OUI, last two bytes' },
  { name: 'type', type: 'u16', wireshark: 'llc.type', doc: 'protocol id; with OUI 000000 an EtherType, 0x8137 = IPX (Linux `ipx_snap_id`)' }
])

/**
 * The headers an Ethernet II and an 802.2 IPX frame always carry, composed from the descriptions
 * above and the IPX header's, for the decoder's common paths: one parse per frame, not one per
 * header. Module-private: the book prints the parts.
 */
const ETHERNET_II_IPX = composeLayouts<{ eth: EthernetHeader, ipx: IpxHeader }>('ethernet', 'Ethernet II + IPX headers', [
  { prefix: 'eth', layout: ETHERNET_HEADER as Layout<unknown> }, { prefix: 'ipx', layout: IPX_HEADER as Layout<unknown> }
])
const LLC_IPX = composeLayouts<{ eth: EthernetHeader, llc: LlcHeader, ipx: IpxHeader }>('ethernet', '802.3 + 802.2 LLC + IPX headers', [
  { prefix: 'eth', layout: ETHERNET_HEADER as Layout<unknown> }, { prefix: 'llc', layout: LLC_HEADER as Layout<unknown> }, { prefix: 'ipx', layout: IPX_HEADER as Layout<unknown> }
])

/** A decoded IPX-carrying Ethernet frame. Field names follow Wireshark's `eth.*` and `llc.*`. */
export interface EthernetFrame {
  /** Which of the four framings the frame uses. */
  framing: Framing
  /** Offset 0, u48: destination MAC (`eth.dst`). */
  dst: number
  /** Offset 6, u48: source MAC (`eth.src`). */
  src: number
  /** Offset 12, u16: EtherType, 0x8137 (`eth.type`); Ethernet II only. */
  etherType?: number
  /** Offset 12, u16: 802.3 length, LLC/SNAP + IPX + slack, padding excluded (`eth.len`); 802.3 framings only. */
  length?: number
  /** Offset 14: LLC header (`llc.dsap`, `llc.ssap`, `llc.control`); `llc` and `snap` framings only. */
  llc?: LlcHeader
  /** Offset 17: SNAP header (`llc.oui`, `llc.type`); `snap` framing only. */
  snap?: SnapHeader
  /** The IPX packet; its payload is exactly `ipx.header.length - 30` bytes. */
  ipx: IpxPacket
  /** Bytes after the IPX packet inside the 802.3 length (undissected by Wireshark); empty for Ethernet II. */
  slack: Buffer
  /** Zero bytes after the link-layer payload up to the 60-byte minimum (`eth.padding`). */
  padding: Buffer
  /** Any further bytes, or non-zero padding (`eth.trailer`). No FCS is assumed. */
  trailer: Buffer
}

/**
 * What {@link encode} takes: an {@link EthernetFrame} whose `slack`, `padding` and `trailer` may be
 * omitted (none, zeros up to 60 bytes, none). `etherType`, `length`, `llc` and `snap` may be omitted;
 * when given they must agree with the framing and the packet.
 */
export type EthernetFrameInit = Omit<EthernetFrame, 'slack' | 'padding' | 'trailer'> & {
  slack?: Buffer
  padding?: Buffer
  trailer?: Buffer
}

/** Options for {@link decode}: those of the IPX decoder (`verifyChecksum`). */
export type DecodeOptions = IpxDecodeOptions

/** What {@link decodeLlcPayload} finds in an 802.3 payload. */
export interface LlcPayload {
  /** `raw_802_3`, `llc` or `snap`. */
  framing: Framing
  llc?: LlcHeader
  snap?: SnapHeader
  /** Absolute offset of the IPX header in the buffer. */
  ipxOffset: number
  ipx: IpxPacket
  /** Bytes after the IPX packet up to the payload end. */
  slack: Buffer
}

function llcOf (framing: Framing): LlcHeader | undefined {
  if (framing === 'llc') return { dsap: LLC_SAP_IPX, ssap: LLC_SAP_IPX, control: LLC_CONTROL_UI }
  if (framing === 'snap') return { dsap: LLC_SAP_SNAP, ssap: LLC_SAP_SNAP, control: LLC_CONTROL_UI }
  return undefined
}

/**
 * Decodes the payload of an 802.3 frame (or of a Linux cooked capture with protocol 0x0001/0x0004),
 * the bytes from `start` to `end` of `buf`: raw IPX when they begin FF FF, else LLC, else SNAP.
 *
 * The FF FF test is Wireshark's and Linux's (`packet-ieee8023.c`: "an IPX packet whose checksum is
 * 0xFFFF"; Linux `eth_type_trans` "magic hack to spot IPX packets"); so a raw-802.3 frame with a
 * real checksum reads as LLC with DSAP = its first byte, as it does in Wireshark.
 * Throws IPX_ERR_NOT_IPX for LLC frames of other SAPs and SNAP frames of other protocols,
 * IPX_ERR_BAD_FRAME for an inconsistent LLC header or a payload too short for LLC/SNAP + IPX header.
 */
export function decodeLlcPayload (buf: Buffer, start: number, end: number, options?: DecodeOptions): LlcPayload {
  if (!(start >= 0 && end <= buf.length && start <= end)) {
    throw new DecodeError('ethernet', 'IPX_ERR_TRUNCATED', Math.max(0, Math.min(start, buf.length)), `payload ${start}..${end} lies outside the ${buf.length}-byte buffer`)
  }
  const size = end - start
  let framing: Framing
  let llc: LlcHeader | undefined
  let snap: SnapHeader | undefined
  if (size >= 2 && buf[start] === 0xff && buf[start + 1] === 0xff) {
    framing = 'raw_802_3'
  } else {
    if (size < LLC_HEADER.length) {
      throw new DecodeError('ethernet', 'IPX_ERR_BAD_FRAME', start, `802.3 payload of ${size} bytes holds no LLC header`)
    }
    llc = LLC_HEADER.read(buf, start)
    if (llc.dsap === LLC_SAP_SNAP && llc.ssap === LLC_SAP_SNAP) {
      // Wireshark `packet-llc.c`: DSAP = SSAP = AA is SNAP; SNAP is carried in UI frames (RFC 1042).
      if (llc.control !== LLC_CONTROL_UI) {
        throw new DecodeError('ethernet', 'IPX_ERR_BAD_FRAME', start + 2, `SNAP with LLC control 0x${hex(llc.control, 2)}, expected 03 (UI)`)
      }
      if (size < LLC_HEADER.length + SNAP_HEADER.length) {
        throw new DecodeError('ethernet', 'IPX_ERR_BAD_FRAME', start, `802.3 payload of ${size} bytes holds no SNAP header`)
      }
      const w = SNAP_HEADER.read(buf, start + LLC_HEADER.length)
      snap = { oui: w.ouiHigh * 0x10000 + w.ouiLow, type: w.type }
      if (snap.oui !== SNAP_OUI_ETHERTYPE || snap.type !== ETHERTYPE_IPX) {
        throw new DecodeError('ethernet', 'IPX_ERR_NOT_IPX', start + 3, `SNAP OUI 0x${hex(snap.oui, 6)} type 0x${hex(snap.type, 4)} is not IPX`)
      }
      framing = 'snap'
    } else if (llc.dsap === LLC_SAP_IPX) {
      // Wireshark dispatches LLC on the DSAP; E0 means IPX, so SSAP and control must agree
      // (Linux `ipx_8022_type`, UI frames only).
      if (llc.ssap !== LLC_SAP_IPX || llc.control !== LLC_CONTROL_UI) {
        throw new DecodeError('ethernet', 'IPX_ERR_BAD_FRAME', start + 1,
          `LLC DSAP E0 with SSAP 0x${hex(llc.ssap, 2)} control 0x${hex(llc.control, 2)}, expected E0 and 03`)
      }
      framing = 'llc'
    } else {
      throw new DecodeError('ethernet', 'IPX_ERR_NOT_IPX', start, `LLC DSAP 0x${hex(llc.dsap, 2)} is not IPX`)
    }
  }
  const ipxOffset = start + (framing === 'raw_802_3' ? 0 : framing === 'llc' ? LLC_HEADER.length : LLC_HEADER.length + SNAP_HEADER.length)
  if (end - ipxOffset < IPX_HEADER_LENGTH) {
    throw new DecodeError('ethernet', 'IPX_ERR_BAD_FRAME', ipxOffset, `802.3 payload leaves ${end - ipxOffset} bytes for the 30-byte IPX header`)
  }
  // The IPX length rules (protocol/ipx) apply against the 802.3 payload end, not the buffer end.
  const ipx = ipxPacket.decode(buf, ipxOffset, options, end)
  const slackStart = ipxOffset + ipx.header.length
  const result: LlcPayload = { framing, ipxOffset, ipx, slack: slackStart === end ? EMPTY : buf.subarray(slackStart, end) }
  if (llc !== undefined) result.llc = llc
  if (snap !== undefined) result.snap = snap
  return result
}

/**
 * Splits the bytes after the link-layer payload into padding and trailer the way Wireshark does
 * (`packet-eth.c` `add_ethernet_trailer`, default "padding of zeros" preference): when the frame is
 * at least 60 bytes and the payload ends before byte 60, the bytes up to 60 are padding if they are
 * all zero; everything else is trailer. Wireshark may also guess that the last 4 trailer bytes of a
 * frame of 64+ bytes are an FCS; pcap captures on Linux carry none, so no FCS is assumed here.
 */
/** One shared empty buffer for absent padding, trailer and slack: no allocation per frame. */
const EMPTY: Buffer = Buffer.alloc(0)

function splitTrailer (buf: Buffer, frameStart: number, payloadEnd: number): { padding: Buffer, trailer: Buffer } {
  const frameLength = buf.length - frameStart
  const before = payloadEnd - frameStart
  let padLength = 0
  if (frameLength >= ETHERNET_MIN_FRAME_LENGTH && before < ETHERNET_MIN_FRAME_LENGTH) {
    padLength = ETHERNET_MIN_FRAME_LENGTH - before
    for (let i = payloadEnd; i < payloadEnd + padLength; i++) {
      if (buf[i] !== 0) { padLength = 0; break }
    }
  }
  const trailerStart = payloadEnd + padLength
  return {
    padding: padLength === 0 ? EMPTY : buf.subarray(payloadEnd, trailerStart),
    trailer: trailerStart >= buf.length ? EMPTY : buf.subarray(trailerStart)
  }
}

/**
 * The two framings real captures carry most (Ethernet II, 802.2), read with one composed parse
 * when the frame is plainly well formed; anything else (short, another framing, a length out of
 * range) returns undefined and takes the general path below, which gives the precise errors.
 * The rules are the general path's: the IPX length is checked against the end of the frame
 * (Ethernet II) or of the 802.3 payload (802.2).
 */
function decodeCommon (buf: Buffer, offset: number, options?: DecodeOptions): EthernetFrame | undefined {
  if (offset < 0) return undefined
  const tl = (buf[offset + 12]! << 8) | buf[offset + 13]!
  if (tl === ETHERTYPE_IPX) {
    if (buf.length - offset < ETHERNET_HEADER_LENGTH + IPX_HEADER_LENGTH) return undefined
    const r = ETHERNET_II_IPX.read(buf, offset)
    const ipxOffset = offset + ETHERNET_HEADER_LENGTH
    const header = r.ipx
    ipxHeader.checkLength(header.length, buf.length - ipxOffset, ipxOffset)
    if (options?.verifyChecksum === true) ipxHeader.verifyChecksum(buf, ipxOffset, header.length)
    const end = ipxOffset + header.length
    const { padding, trailer } = splitTrailer(buf, offset, end)
    return { framing: 'ethernet_ii', dst: r.eth.dst, src: r.eth.src, etherType: tl, ipx: { header, payload: buf.subarray(ipxOffset + IPX_HEADER_LENGTH, end) }, slack: EMPTY, padding, trailer }
  }
  const ipxOffset = offset + ETHERNET_HEADER_LENGTH + LLC_HEADER.length
  const end = offset + ETHERNET_HEADER_LENGTH + tl
  if (tl > IEEE_802_3_MAX_LENGTH || end > buf.length || end - ipxOffset < IPX_HEADER_LENGTH ||
    buf[offset + 14] !== LLC_SAP_IPX || buf[offset + 15] !== LLC_SAP_IPX || buf[offset + 16] !== LLC_CONTROL_UI) return undefined
  const r = LLC_IPX.read(buf, offset)
  const header = r.ipx
  ipxHeader.checkLength(header.length, end - ipxOffset, ipxOffset)
  if (options?.verifyChecksum === true) ipxHeader.verifyChecksum(buf, ipxOffset, header.length)
  const slackStart = ipxOffset + header.length
  const { padding, trailer } = splitTrailer(buf, offset, end)
  return {
    framing: 'llc', dst: r.eth.dst, src: r.eth.src, length: tl,
    ipx: { header, payload: buf.subarray(ipxOffset + IPX_HEADER_LENGTH, slackStart) },
    slack: slackStart === end ? EMPTY : buf.subarray(slackStart, end), padding, trailer, llc: r.llc
  }
}

/**
 * Decodes an IPX-carrying Ethernet frame starting at `offset` and running to the end of `buf`,
 * detecting its framing. Throws {@link DecodeError}:
 * - IPX_ERR_TRUNCATED: fewer than 14 bytes;
 * - IPX_ERR_NOT_IPX: a valid frame of another protocol (EtherType, LLC SAP or SNAP type);
 * - IPX_ERR_BAD_FRAME: type/length 1501..1535, an inconsistent LLC header, an 802.3 length too short for its headers;
 * - IPX_ERR_LENGTH_BEYOND_DATA: an 802.3 length past the end of the frame;
 * - the IPX header's own errors (IPX_ERR_BAD_LENGTH, IPX_ERR_LENGTH_BEYOND_DATA, IPX_ERR_TRUNCATED, IPX_ERR_BAD_CHECKSUM).
 */
export function decode (buf: Buffer, offset = 0, options?: DecodeOptions): EthernetFrame {
  if (!(offset >= 0 && buf.length - offset >= ETHERNET_HEADER_LENGTH)) {
    throw new DecodeError('ethernet', 'IPX_ERR_TRUNCATED', Math.max(0, Math.min(offset, buf.length)),
      `Ethernet header needs ${ETHERNET_HEADER_LENGTH} bytes, ${Math.max(0, buf.length - offset)} remain`)
  }
  const fast = decodeCommon(buf, offset, options)
  if (fast !== undefined) return fast
  const h = ETHERNET_HEADER.read(buf, offset)
  const tl = h.typeOrLength
  const payloadStart = offset + ETHERNET_HEADER_LENGTH
  if (tl >= ETHERTYPE_MIN) {
    if (tl !== ETHERTYPE_IPX) {
      throw new DecodeError('ethernet', 'IPX_ERR_NOT_IPX', offset + 12, `EtherType 0x${hex(tl, 4)} is not IPX`)
    }
    // Ethernet II has no length: the IPX length alone ends the packet (Wireshark `packet-ethertype.c`
    // treats what the IPX dissector leaves as the trailer).
    const ipx = ipxPacket.decode(buf, payloadStart, options)
    const { padding, trailer } = splitTrailer(buf, offset, payloadStart + ipx.header.length)
    return { framing: 'ethernet_ii', dst: h.dst, src: h.src, etherType: tl, ipx, slack: EMPTY, padding, trailer }
  }
  if (tl > IEEE_802_3_MAX_LENGTH) {
    throw new DecodeError('ethernet', 'IPX_ERR_BAD_FRAME', offset + 12, `type/length 0x${hex(tl, 4)} is neither a length (≤ 1500) nor an EtherType (≥ 0x0600)`)
  }
  const end = payloadStart + tl
  if (end > buf.length) {
    // Wireshark `eth.len.past_end`: "Length field value goes past the end of the payload".
    throw new DecodeError('ethernet', 'IPX_ERR_LENGTH_BEYOND_DATA', offset + 12, `802.3 length ${tl} exceeds the ${buf.length - payloadStart} bytes present`)
  }
  const p = decodeLlcPayload(buf, payloadStart, end, options)
  const { padding, trailer } = splitTrailer(buf, offset, end)
  const frame: EthernetFrame = { framing: p.framing, dst: h.dst, src: h.src, length: tl, ipx: p.ipx, slack: p.slack, padding, trailer }
  if (p.llc !== undefined) frame.llc = p.llc
  if (p.snap !== undefined) frame.snap = p.snap
  return frame
}

function checkFramingFields (frame: EthernetFrameInit): void {
  const f = frame.framing
  if (!Object.hasOwn(IPX_OFFSET, f)) {
    throw new EncodeError('ethernet', 'IPX_ERR_FIELD_RANGE', `unknown framing ${String(f)}`, 'framing')
  }
  if (f === 'ethernet_ii') {
    if (frame.etherType !== undefined && frame.etherType !== ETHERTYPE_IPX) {
      throw new EncodeError('ethernet', 'IPX_ERR_FIELD_RANGE', `etherType must be 0x8137, got ${frame.etherType}`, 'etherType')
    }
    if (frame.slack !== undefined && frame.slack.length > 0) {
      throw new EncodeError('ethernet', 'IPX_ERR_FIELD_RANGE', 'Ethernet II has no length field, so it cannot carry slack', 'slack')
    }
    return
  }
  const want = llcOf(f)
  const llc = frame.llc
  if (llc !== undefined && (want === undefined || llc.dsap !== want.dsap || llc.ssap !== want.ssap || llc.control !== want.control)) {
    throw new EncodeError('ethernet', 'IPX_ERR_FIELD_RANGE', `llc ${JSON.stringify(llc)} does not match framing ${f}`, 'llc')
  }
  const snap = frame.snap
  if (snap !== undefined && (f !== 'snap' || snap.oui !== SNAP_OUI_ETHERTYPE || snap.type !== ETHERTYPE_IPX)) {
    throw new EncodeError('ethernet', 'IPX_ERR_FIELD_RANGE', `snap ${JSON.stringify(snap)} does not match framing ${f}`, 'snap')
  }
}

interface Sizes { ipxOffset: number, ipxLength: number, slack: number, padding: number, trailer: number, total: number }

function sizes (frame: EthernetFrameInit): Sizes {
  checkFramingFields(frame)
  const ipxOffset = IPX_OFFSET[frame.framing]
  const ipxLength = ipxPacket.encodingLength(frame.ipx)
  const slack = frame.slack?.length ?? 0
  const trailer = frame.trailer?.length ?? 0
  const before = ipxOffset + ipxLength + slack
  const padding = frame.padding?.length ?? Math.max(0, ETHERNET_MIN_FRAME_LENGTH - before)
  return { ipxOffset, ipxLength, slack, padding, trailer, total: before + padding + trailer }
}

/** Bytes {@link encode} writes: headers + IPX + slack + padding (to 60 when not given) + trailer. */
export function encodingLength (frame: EthernetFrameInit): number {
  return sizes(frame).total
}

/**
 * Writes the frame at `offset` of `buf` (allocated when omitted) and returns `buf`. The framing
 * decides the headers; the 802.3 length counts LLC/SNAP + IPX + slack, not padding (IEEE 802.3
 * clause 3.2.6). Without an explicit `padding`, a frame shorter than 60 bytes is padded with zeros
 * (no FCS is written). Throws {@link EncodeError}: IPX_ERR_FIELD_RANGE for a field that disagrees
 * with the framing or is out of range, IPX_ERR_TOO_LARGE for an 802.3 length above 1500,
 * IPX_ERR_BUFFER_TOO_SMALL when `buf` cannot hold the frame at `offset`.
 */
export function encode (frame: EthernetFrameInit, buf?: Buffer, offset = 0): Buffer {
  const s = sizes(frame)
  const f = frame.framing
  let typeOrLength = ETHERTYPE_IPX
  if (f !== 'ethernet_ii') {
    typeOrLength = s.ipxOffset - ETHERNET_HEADER_LENGTH + s.ipxLength + s.slack
    if (typeOrLength > IEEE_802_3_MAX_LENGTH) {
      throw new EncodeError('ethernet', 'IPX_ERR_TOO_LARGE', `802.3 length ${typeOrLength} exceeds ${IEEE_802_3_MAX_LENGTH}`, 'length')
    }
    if (frame.length !== undefined && frame.length !== typeOrLength) {
      throw new EncodeError('ethernet', 'IPX_ERR_FIELD_RANGE', `length ${frame.length} disagrees with the ${typeOrLength} bytes of LLC/SNAP, IPX and slack`, 'length')
    }
  }
  const out = buf ?? Buffer.alloc(offset + s.total)
  if (!(Number.isInteger(offset) && offset >= 0 && offset + s.total <= out.length)) {
    throw new EncodeError('ethernet', 'IPX_ERR_BUFFER_TOO_SMALL', `need ${s.total} bytes at offset ${offset}, buffer has ${out.length}`)
  }
  ETHERNET_HEADER.write({ dst: frame.dst, src: frame.src, typeOrLength }, out, offset)
  const llc = llcOf(f)
  if (llc !== undefined) LLC_HEADER.write(llc, out, offset + ETHERNET_HEADER_LENGTH)
  if (f === 'snap') {
    SNAP_HEADER.write({ ouiHigh: 0, ouiLow: SNAP_OUI_ETHERTYPE, type: ETHERTYPE_IPX }, out, offset + ETHERNET_HEADER_LENGTH + LLC_HEADER.length)
  }
  ipxPacket.encode(frame.ipx, out, offset + s.ipxOffset)
  let at = offset + s.ipxOffset + s.ipxLength
  if (frame.slack !== undefined) at += frame.slack.copy(out, at)
  if (frame.padding !== undefined) at += frame.padding.copy(out, at)
  else { out.fill(0, at, at + s.padding); at += s.padding }
  if (frame.trailer !== undefined) frame.trailer.copy(out, at)
  return out
}

/** Addresses for {@link encodeIpx}; each defaults to the IPX node of the same side. */
export interface EncodeIpxOptions {
  /** Destination MAC; default `packet.header.dst.node` (on a LAN the IPX node is the MAC). */
  dst?: number
  /** Source MAC; default `packet.header.src.node`. */
  src?: number
}

/**
 * Frames an IPX packet for an Ethernet segment in the given framing, padded to 60 bytes. The MACs
 * default to the IPX nodes (Novell uses the NIC's MAC as the node number on Ethernet).
 */
export function encodeIpx (packet: IpxPacket, framing: Framing, options: EncodeIpxOptions = {}): Buffer {
  return encode({ framing, dst: options.dst ?? packet.header.dst.node, src: options.src ?? packet.header.src.node, ipx: packet })
}

/** `00:03:47:1b:c1:a8`. */
export function formatMac (mac: number): string {
  return formatNode(mac)
}

/**
 * One line for logs and test titles:
 * `Ethernet_802.2 00:03:47:1b:c1:a8 > ff:ff:ff:ff:ff:ff len 84: IPX NetBIOS Broadcast ... (+2 padding)`.
 */
export function describeFrame (frame: EthernetFrameInit): string {
  const f = frame.framing
  const length = frame.length ?? IPX_OFFSET[f] - ETHERNET_HEADER_LENGTH + IPX_HEADER_LENGTH + frame.ipx.payload.length + (frame.slack?.length ?? 0)
  const lenPart = f === 'ethernet_ii' ? 'type 0x8137' : `len ${length}`
  const extras: string[] = []
  if (frame.slack !== undefined && frame.slack.length > 0) extras.push(`${frame.slack.length} slack`)
  if (frame.padding !== undefined && frame.padding.length > 0) extras.push(`${frame.padding.length} padding`)
  if (frame.trailer !== undefined && frame.trailer.length > 0) extras.push(`${frame.trailer.length} trailer`)
  return `${FRAMING_NAMES[f]} ${formatMac(frame.src)} > ${formatMac(frame.dst)} ${lenPart}: ` +
    describeHeader(frame.ipx.header) + (extras.length > 0 ? ` (+${extras.join(', ')})` : '')
}
