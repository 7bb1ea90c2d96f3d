/**
 * The 30-byte IPX header (Novell IPX spec; offsets as Wireshark `packet-ipx.c` reads them).
 * `encode` / `decode` / `encodingLength`, derived from {@link IPX_HEADER}.
 */
import { defineLayout } from '../layout.js'
import { DecodeError, EncodeError } from '../errors.js'
import { IPX_HEADER_LENGTH, IPX_NO_CHECKSUM, packetTypeName, socketName } from '../constants.js'
import { formatIpxAddress } from './address.js'
import type { IpxAddress } from './address.js'

/** A decoded IPX header. Field names follow Wireshark's filter vocabulary. */
export interface IpxHeader {
  /** Offset 0, u16: checksum; 0xFFFF means none (what every stack sends). */
  checksum: number
  /** Offset 2, u16: whole packet length in bytes, header included; at least 30. */
  length: number
  /** Offset 4, u8: transport control, the hop count; each router increments it. */
  transportControl: number
  /** Offset 5, u8: packet type (see `PacketType`). */
  packetType: number
  /** Offsets 6, 10, 16: destination network (u32), node (u48), socket (u16). */
  dst: IpxAddress
  /** Offsets 18, 22, 28: source network (u32), node (u48), socket (u16). */
  src: IpxAddress
}

/** The single description of the IPX header; decoder, encoder and book table derive from it. */
export const IPX_HEADER = defineLayout<IpxHeader>('ipx', 'IPX header', [
  { name: 'checksum', type: 'u16', wireshark: 'ipx.checksum', doc: '0xFFFF = no checksum; otherwise a one\'s-complement sum from offset 2, transport control masked (Linux `ipx_cksum`)' },
  { name: 'length', type: 'u16', wireshark: 'ipx.len', doc: 'packet length including this header, at least 30' },
  { name: 'transportControl', type: 'u8', wireshark: 'ipx.hops', doc: 'hop count; routers increment it and drop above 16 (Linux `ipxcfg_max_hops`)' },
  { name: 'packetType', type: 'u8', wireshark: 'ipx.packet_type', doc: '0 IPX, 1 RIP, 4 PEP, 5 SPX, 17 NCP, 20 NetBIOS broadcast' },
  { name: 'dst.network', type: 'u32', wireshark: 'ipx.dst.net', doc: 'destination network; 0 = this network' },
  { name: 'dst.node', type: 'u48', wireshark: 'ipx.dst.node', doc: 'destination node; FF:FF:FF:FF:FF:FF = broadcast' },
  { name: 'dst.socket', type: 'u16', wireshark: 'ipx.dst.socket', doc: 'destination socket' },
  { name: 'src.network', type: 'u32', wireshark: 'ipx.src.net', doc: 'source network' },
  { name: 'src.node', type: 'u48', wireshark: 'ipx.src.node', doc: 'source node' },
  { name: 'src.socket', type: 'u16', wireshark: 'ipx.src.socket', doc: 'source socket' }
])

/** Options for {@link decode}. */
export interface DecodeOptions {
  /** Verify a checksum that is not 0xFFFF; a wrong one throws IPX_ERR_BAD_CHECKSUM. Default false. */
  verifyChecksum?: boolean
}

/** Always 30. */
export function encodingLength (_header?: IpxHeader): number {
  return IPX_HEADER_LENGTH
}

/**
 * Decodes the header at `offset`. The length field must be at least 30 and must fit before `end`
 * (default the buffer's end; what follows `length` is padding or trailer, never payload).
 * Throws {@link DecodeError}.
 */
export function decode (buf: Buffer, offset = 0, options?: DecodeOptions, end: number = buf.length): IpxHeader {
  if (end - offset < IPX_HEADER_LENGTH && end < buf.length) {
    throw new DecodeError('ipx', 'IPX_ERR_TRUNCATED', end, `IPX header needs 30 bytes, ${Math.max(0, end - offset)} remain`)
  }
  const header = IPX_HEADER.read(buf, offset)
  checkLength(header.length, Math.min(end, buf.length) - offset, offset)
  if (options?.verifyChecksum === true) verifyChecksum(buf, offset, header.length)
  return header
}

/** Writes the 30-byte header at `offset` of `buf` (allocated when omitted) and returns `buf`. */
export function encode (header: IpxHeader, buf?: Buffer, offset = 0): Buffer {
  const out = buf ?? Buffer.allocUnsafe(offset + IPX_HEADER_LENGTH)
  IPX_HEADER.write(header, out, offset)
  return out
}

/**
 * The IPX length rules: at least 30 (Novell IPX spec; Wireshark marks ipx.len < 30 malformed)
 * and no more than the bytes present (Linux `ipx_rcv` drops such packets).
 */
export function checkLength (length: number, available: number, offset: number): void {
  if (length < IPX_HEADER_LENGTH) {
    throw new DecodeError('ipx', 'IPX_ERR_BAD_LENGTH', offset + 2, `length ${length} is below the 30-byte header`)
  }
  if (length > available) {
    throw new DecodeError('ipx', 'IPX_ERR_LENGTH_BEYOND_DATA', offset + 2, `length ${length} exceeds the ${available} bytes present`)
  }
}

/**
 * The IPX checksum as Linux computes it (`net/ipx/af_ipx.c` `ipx_cksum`): a one's-complement sum of
 * big-endian 16-bit words from offset 2 to the end of the packet, the transport-control byte counted
 * as 0 (routers change it), an odd last byte padded with zero; the complement of the sum, and 0xFFFF
 * (which means "no checksum") is sent as 0 instead.
 */
export function computeChecksum (buf: Buffer, offset: number, length: number): number {
  if (length < IPX_HEADER_LENGTH || offset < 0 || offset + length > buf.length) {
    throw new EncodeError('ipx', 'IPX_ERR_FIELD_RANGE', `cannot checksum ${length} bytes at offset ${offset} of a ${buf.length}-byte buffer`, 'length')
  }
  let sum = buf.readUInt16BE(offset + 2) + buf[offset + 5]!
  const end = offset + length
  let i = offset + 6
  for (; i + 1 < end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!
  if (i < end) sum += buf[i]! << 8
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16)
  const c = ~sum & 0xffff
  return c === IPX_NO_CHECKSUM ? 0 : c
}

/** Throws IPX_ERR_BAD_CHECKSUM when the checksum is not FFFF and does not match. */
export function verifyChecksum (buf: Buffer, offset: number, length: number): void {
  const stored = buf.readUInt16BE(offset)
  if (stored === IPX_NO_CHECKSUM) return
  const want = computeChecksum(buf, offset, length)
  if (stored !== want) {
    throw new DecodeError('ipx', 'IPX_ERR_BAD_CHECKSUM', offset, `checksum 0x${stored.toString(16).padStart(4, '0')} should be 0x${want.toString(16).padStart(4, '0')} (or 0xffff)`)
  }
}

/** One line for logs and test titles: `IPX NCP 00000001:...:4003 -> ...:0451 len 60 hops 0`. */
export function describeHeader (h: IpxHeader): string {
  return `IPX ${packetTypeName(h.packetType)} ${formatIpxAddress(h.src)} (${socketName(h.src.socket)}) -> ` +
    `${formatIpxAddress(h.dst)} (${socketName(h.dst.socket)}) len ${h.length} hops ${h.transportControl}`
}
