/**
 * An IPX packet: the header and its payload, the payload sliced to the header's length so that
 * Ethernet padding and trailers never leak into it.
 */
import { DecodeError, EncodeError } from '../errors.js'
import { IPX_HEADER_LENGTH, IPX_MAX_LENGTH, IPX_NO_CHECKSUM } from '../constants.js'
import * as header from './header.js'
import type { IpxHeader, DecodeOptions } from './header.js'
import type { IpxAddress } from './address.js'

/** A whole IPX packet. `payload` is a view into the decoded buffer (no copy). */
export interface IpxPacket {
  header: IpxHeader
  payload: Buffer
}

/**
 * Decodes header and payload; the payload is exactly `length - 30` bytes. `end` (default: the end
 * of `buf`) is where the packet's container ends, e.g. an 802.3 length: the IPX length may not
 * pass it.
 */
export function decode (buf: Buffer, offset = 0, options?: DecodeOptions, end: number = buf.length): IpxPacket {
  const h = header.decode(buf, offset, options, end)
  return { header: h, payload: buf.subarray(offset + IPX_HEADER_LENGTH, offset + h.length) }
}

/** 30 + payload length. */
export function encodingLength (packet: IpxPacket): number {
  return IPX_HEADER_LENGTH + packet.payload.length
}

/**
 * Writes header and payload at `offset`. The header's length must equal 30 + payload length
 * (use {@link makePacket} to have it filled in).
 */
export function encode (packet: IpxPacket, buf?: Buffer, offset = 0): Buffer {
  const len = encodingLength(packet)
  if (packet.header.length !== len) {
    throw new EncodeError('ipx', 'IPX_ERR_FIELD_RANGE', `length ${packet.header.length} disagrees with 30 + ${packet.payload.length}-byte payload`, 'length')
  }
  const out = buf ?? Buffer.allocUnsafe(offset + len)
  if (offset < 0 || offset + len > out.length) {
    throw new EncodeError('ipx', 'IPX_ERR_BUFFER_TOO_SMALL', `need ${len} bytes at offset ${offset}, buffer has ${out.length}`)
  }
  header.encode(packet.header, out, offset)
  packet.payload.copy(out, offset + IPX_HEADER_LENGTH)
  return out
}

/** The fields a caller chooses; length is computed and checksum defaults to 0xFFFF. */
export interface PacketFields {
  packetType?: number
  transportControl?: number
  checksum?: number
  dst: IpxAddress
  src: IpxAddress
}

/** Builds a consistent packet: length = 30 + payload, checksum 0xFFFF unless given. */
export function makePacket (fields: PacketFields, payload: Buffer = Buffer.alloc(0)): IpxPacket {
  const length = IPX_HEADER_LENGTH + payload.length
  if (length > IPX_MAX_LENGTH) {
    throw new EncodeError('ipx', 'IPX_ERR_TOO_LARGE', `payload of ${payload.length} bytes exceeds the 16-bit length field`, 'length')
  }
  return {
    header: {
      checksum: fields.checksum ?? IPX_NO_CHECKSUM,
      length,
      transportControl: fields.transportControl ?? 0,
      packetType: fields.packetType ?? 0,
      dst: { ...fields.dst },
      src: { ...fields.src }
    },
    payload
  }
}

export { DecodeError }
