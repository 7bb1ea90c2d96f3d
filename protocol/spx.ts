/**
 * SPX and SPX II (IPX packet type 5): the 12-byte SPX header, or the 14-byte SPX II header with its
 * negotiation size, followed by the connection's data. Offsets and field names are those of
 * Wireshark's `dissect_spx` (`epan/dissectors/packet-ipx.c`: `spx.ctl`, `spx.type`, `spx.src`,
 * `spx.dst`, `spx.seq`, `spx.ack`, `spx.alloc`, `spx.neg_size`); all fields big-endian.
 *
 * `decode(buf, offset)` reads an IPX payload (what follows the 30-byte IPX header).
 */
import { defineLayout } from './layout.js'
import { DecodeError, EncodeError } from './errors.js'
import { hex } from './constants.js'

/** SPX header size (Wireshark `SPX_HEADER_LEN`). */
export const SPX_HEADER_LENGTH = 12
/** SPX II header size: the SPX header plus the 2-byte negotiation size (Wireshark `SPX2_HEADER_LEN`). */
export const SPX2_HEADER_LENGTH = 14
/**
 * Destination connection ID of the first packet of an SPX II session, the connect request, sent
 * before the peer has chosen its ID. Wireshark reads no negotiation size on such a packet.
 */
export const SPX_UNKNOWN_CONNECTION_ID = 0xffff

/** Bits of the connection-control byte (Wireshark `SPX_*` defines in `packet-ipx.c`). */
export const ConnectionControl = {
  /** 0x80: system packet (connect, ack, keep-alive); its sequence number is not incremented. */
  System: 0x80,
  /** 0x40: the receiver must acknowledge this packet. */
  SendAck: 0x40,
  /** 0x20: attention (out-of-band) packet. */
  Attention: 0x20,
  /** 0x10: end of message. */
  EndOfMessage: 0x10,
  /** 0x08: SPX II packet. */
  Spx2: 0x08,
  /** 0x04: SPX II size negotiation request or reply. */
  NegotiateSize: 0x04,
  /** 0x02: reserved. */
  Reserved: 0x02,
  /** 0x01: SPX II extended header. */
  ExtendedHeader: 0x01
} as const
export type ConnectionControl = typeof ConnectionControl[keyof typeof ConnectionControl]

/** Datastream types with a meaning to SPX itself; other values belong to the application. */
export const DatastreamType = {
  /** 0xFE: end of connection (the informed disconnect request). */
  EndOfConnection: 0xfe,
  /** 0xFF: end-of-connection acknowledgment. */
  EndOfConnectionAck: 0xff
} as const
export type DatastreamType = typeof DatastreamType[keyof typeof DatastreamType]

/** A decoded SPX or SPX II header. */
export interface SpxHeader {
  /** Offset 0, u8: connection-control bits (see {@link ConnectionControl}). */
  connectionControl: number
  /** Offset 1, u8: datastream type; 0xFE end of connection, 0xFF its acknowledgment. */
  datastreamType: number
  /** Offset 2, u16: source connection ID. */
  srcConnectionId: number
  /** Offset 4, u16: destination connection ID; 0xFFFF on the first packet of a session. */
  dstConnectionId: number
  /** Offset 6, u16: sequence number of this data packet. */
  sequence: number
  /** Offset 8, u16: next sequence number expected from the peer. */
  acknowledge: number
  /** Offset 10, u16: highest sequence number the sender has buffers for. */
  allocation: number
  /**
   * Offset 12, u16, SPX II only: negotiation size. Present exactly when the SPX II bit is set and
   * the destination connection ID is not 0xFFFF (see {@link hasNegotiationSize}).
   */
  negotiationSize?: number
}

/** An SPX packet: the header and the data after it (a view into the decoded buffer). */
export interface SpxPacket {
  header: SpxHeader
  data: Buffer
}

/** The connection-control bits as booleans, named after Wireshark's `spx.ctl.*` fields. */
export interface SpxFlags {
  /** `spx.ctl.sys` */
  system: boolean
  /** `spx.ctl.send_ack` */
  sendAck: boolean
  /** `spx.ctl.attn` */
  attention: boolean
  /** `spx.ctl.eom` */
  endOfMessage: boolean
  /** `spx.ctl.v2` */
  spx2: boolean
  /** `spx.ctl.neg_size` */
  negotiateSize: boolean
  /** `spx.ctl.reserved` */
  reserved: boolean
  /** `spx.ctl.ext_header` */
  extendedHeader: boolean
}

const SPX_FIELDS = [
  { name: 'connectionControl', type: 'u8', wireshark: 'spx.ctl', doc: 'connection control: 0x80 system, 0x40 send ack, 0x20 attention, 0x10 end of message, 0x08 SPX II, 0x04 negotiate size, 0x02 reserved, 0x01 extended header (TShark 4.0 shows `spx.ctl` with mask 0xF0, i.e. the high nibble, and the low bits as `spx.ctl.v2` etc. on SPX II packets only)' },
  { name: 'datastreamType', type: 'u8', wireshark: 'spx.type', doc: 'datastream type: 0xFE end of connection, 0xFF end-of-connection ack, others the application\'s' },
  { name: 'srcConnectionId', type: 'u16', wireshark: 'spx.src', doc: 'source connection ID' },
  { name: 'dstConnectionId', type: 'u16', wireshark: 'spx.dst', doc: 'destination connection ID; 0xFFFF until the peer has chosen one' },
  { name: 'sequence', type: 'u16', wireshark: 'spx.seq', doc: 'sequence number; not incremented for system packets' },
  { name: 'acknowledge', type: 'u16', wireshark: 'spx.ack', doc: 'acknowledge number: next sequence number expected' },
  { name: 'allocation', type: 'u16', wireshark: 'spx.alloc', doc: 'allocation number: receive window end' }
] as const

/** The 12-byte SPX header. */
export const SPX_HEADER = defineLayout<SpxHeader>('spx', 'SPX header', SPX_FIELDS)

/** The 14-byte SPX II header (every SPX II packet but a connect request, see {@link hasNegotiationSize}). */
export const SPX2_HEADER = defineLayout<Required<SpxHeader>>('spx', 'SPX II header', [
  ...SPX_FIELDS,
  { name: 'negotiationSize', type: 'u16', wireshark: 'spx.neg_size', doc: 'SPX II negotiation size (largest packet size offered)' }
])

/**
 * True when the header carries the SPX II negotiation size at offset 12. Mirrors Wireshark's
 * `dissect_spx` exactly: `(conn_ctrl & SPX_VII_PACKET) && tvb_get_ntohs(tvb, 4) != 0xffff` — "field
 * exists on ALL SPXII packets EXCEPT the first packet of the session", told by a destination
 * connection ID of 0xFFFF. (ipx-reference §B5 "except first packet".)
 */
export function hasNegotiationSize (connectionControl: number, dstConnectionId: number): boolean {
  return (connectionControl & ConnectionControl.Spx2) !== 0 && dstConnectionId !== SPX_UNKNOWN_CONNECTION_ID
}

/** 12, or 14 when {@link hasNegotiationSize}. */
export function headerLength (header: Pick<SpxHeader, 'connectionControl' | 'dstConnectionId'>): number {
  return hasNegotiationSize(header.connectionControl, header.dstConnectionId) ? SPX2_HEADER_LENGTH : SPX_HEADER_LENGTH
}

/**
 * Decodes the SPX header at `offset` and takes the rest of `buf` as data. Throws IPX_ERR_TRUNCATED
 * when fewer than 12 bytes remain, or fewer than 14 for an SPX II packet that carries a negotiation size.
 */
export function decode (buf: Buffer, offset = 0): SpxPacket {
  const header = decodeHeader(buf, offset)
  return { header, data: buf.subarray(offset + headerLength(header)) }
}

/** Decodes only the header (12 or 14 bytes). Throws IPX_ERR_TRUNCATED. */
export function decodeHeader (buf: Buffer, offset = 0): SpxHeader {
  const base = SPX_HEADER.read(buf, offset)
  if (!hasNegotiationSize(base.connectionControl, base.dstConnectionId)) return base
  if (buf.length - offset < SPX2_HEADER_LENGTH) {
    throw new DecodeError('spx', 'IPX_ERR_TRUNCATED', buf.length,
      `SPX II header needs ${SPX2_HEADER_LENGTH} bytes, ${buf.length - offset} remain`)
  }
  return { ...base, negotiationSize: buf.readUInt16BE(offset + SPX_HEADER_LENGTH) }
}

/** Header length plus data length. */
export function encodingLength (packet: SpxPacket): number {
  return headerLength(packet.header) + packet.data.length
}

/**
 * Writes header and data at `offset` of `buf` (allocated when omitted) and returns `buf`. The
 * negotiation size must be present exactly when {@link hasNegotiationSize} says so (EncodeError
 * IPX_ERR_FIELD_RANGE otherwise), so that what is written decodes back to the same object.
 */
export function encode (packet: SpxPacket, buf?: Buffer, offset = 0): Buffer {
  const h = packet.header
  const len = encodingLength(packet)
  const out = buf ?? Buffer.allocUnsafe(offset + len)
  if (!(offset >= 0 && out.length - offset >= len)) {
    throw new EncodeError('spx', 'IPX_ERR_BUFFER_TOO_SMALL', `need ${len} bytes at offset ${offset}, buffer has ${out.length}`)
  }
  if (hasNegotiationSize(h.connectionControl, h.dstConnectionId)) {
    if (h.negotiationSize === undefined) {
      throw new EncodeError('spx', 'IPX_ERR_FIELD_RANGE', 'an SPX II packet with a known destination ID needs negotiationSize', 'negotiationSize')
    }
    SPX2_HEADER.write({ ...h, negotiationSize: h.negotiationSize }, out, offset)
  } else {
    if (h.negotiationSize !== undefined) {
      throw new EncodeError('spx', 'IPX_ERR_FIELD_RANGE', 'negotiationSize is only carried by SPX II packets whose destination ID is not 0xFFFF', 'negotiationSize')
    }
    SPX_HEADER.write(h, out, offset)
  }
  packet.data.copy(out, offset + headerLength(h))
  return out
}

/** The connection-control byte as named booleans. */
export function spxFlags (connectionControl: number): SpxFlags {
  return {
    system: (connectionControl & ConnectionControl.System) !== 0,
    sendAck: (connectionControl & ConnectionControl.SendAck) !== 0,
    attention: (connectionControl & ConnectionControl.Attention) !== 0,
    endOfMessage: (connectionControl & ConnectionControl.EndOfMessage) !== 0,
    spx2: (connectionControl & ConnectionControl.Spx2) !== 0,
    negotiateSize: (connectionControl & ConnectionControl.NegotiateSize) !== 0,
    reserved: (connectionControl & ConnectionControl.Reserved) !== 0,
    extendedHeader: (connectionControl & ConnectionControl.ExtendedHeader) !== 0
  }
}

/** Wireshark's `spx_conn_ctrl` names, looked up on the high nibble (`ctrl & 0xf0`). */
const CONN_CTRL_NAMES: ReadonlyMap<number, string> = new Map([
  [0x00, 'Data, No Ack Required'],
  [0x10, 'End-of-Message'],
  [0x20, 'Attention'],
  [0x40, 'Acknowledgment Required'],
  [0x50, 'Send Ack: End Message'],
  [0x80, 'System Packet'],
  [0xc0, 'System Packet: Send Ack']
])

/** Wireshark's one-phrase meaning of a connection-control byte; `Unknown` for other combinations. */
export function connectionControlName (connectionControl: number): string {
  return CONN_CTRL_NAMES.get(connectionControl & 0xf0) ?? 'Unknown'
}

/** `End-of-Connection`, `End-of-Connection Acknowledgment` (Wireshark `spx_datastream`), else `0x05`. */
export function datastreamTypeName (type: number): string {
  if (type === DatastreamType.EndOfConnection) return 'End-of-Connection'
  if (type === DatastreamType.EndOfConnectionAck) return 'End-of-Connection Acknowledgment'
  return `0x${hex(type, 2)}`
}

/** One line for logs and test titles. */
export function describeSpx (packet: SpxPacket): string {
  const h = packet.header
  const ii = (h.connectionControl & ConnectionControl.Spx2) !== 0 ? 'SPX II' : 'SPX'
  const neg = h.negotiationSize !== undefined ? ` neg ${h.negotiationSize}` : ''
  return `${ii} ${connectionControlName(h.connectionControl)} (ctl 0x${hex(h.connectionControl, 2)}) ` +
    `type ${datastreamTypeName(h.datastreamType)} conn ${h.srcConnectionId}->${h.dstConnectionId} ` +
    `seq ${h.sequence} ack ${h.acknowledge} alloc ${h.allocation}${neg} data ${packet.data.length}`
}
