/**
 * Header peek for the forwarding path: reads the few fields a router or relay needs straight from
 * the datagram it already holds, into a caller-owned object, allocating nothing. The full decoder
 * builds objects; this does not (ipxbox and DOSBox read fixed offsets the same way).
 * Offsets are those of the IPX header layout (`IPX_HEADER`), re-stated here as constants because a
 * peek must not go through the object-building decoder; a test checks they agree.
 */
import { IPX_HEADER_LENGTH } from '../constants.js'

/** Offsets within the IPX header (Novell IPX spec; Wireshark `packet-ipx.c`). */
export const IpxOffset = {
  checksum: 0,
  length: 2,
  transportControl: 4,
  packetType: 5,
  dstNetwork: 6,
  dstNode: 10,
  dstSocket: 16,
  srcNetwork: 18,
  srcNode: 22,
  srcSocket: 28
} as const

/** What {@link peekHeader} fills in. Reuse one instance per receive loop. */
export interface IpxPeek {
  length: number
  transportControl: number
  packetType: number
  dstNetwork: number
  dstNode: number
  dstSocket: number
  srcNetwork: number
  srcNode: number
  srcSocket: number
}

/** A zeroed {@link IpxPeek} to reuse. */
export function createPeek (): IpxPeek {
  return { length: 0, transportControl: 0, packetType: 0, dstNetwork: 0, dstNode: 0, dstSocket: 0, srcNetwork: 0, srcNode: 0, srcSocket: 0 }
}

/** Why {@link peekHeader} refused a datagram, or 0 when it accepted it. Numbers, so nothing allocates. */
export const PeekResult = {
  Ok: 0,
  /** Fewer than 30 bytes. */
  Truncated: 1,
  /** The length field is below 30. */
  BadLength: 2,
  /** The length field exceeds the bytes present. */
  LengthBeyondData: 3
} as const
export type PeekResult = typeof PeekResult[keyof typeof PeekResult]

/** Reads a big-endian u48 at `at`. The caller has checked the bounds. */
export function readNode (buf: Uint8Array, at: number): number {
  return ((buf[at]! << 8) | buf[at + 1]!) * 0x100000000 +
    (((buf[at + 2]! << 24) | (buf[at + 3]! << 16) | (buf[at + 4]! << 8) | buf[at + 5]!) >>> 0)
}

function u16 (buf: Uint8Array, at: number): number {
  return (buf[at]! << 8) | buf[at + 1]!
}

function u32 (buf: Uint8Array, at: number): number {
  return ((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0
}

/**
 * Fills `out` from the header at `offset` and checks the two length rules (at least 30, no more than
 * `end - offset`). Returns a {@link PeekResult}; `out` is only meaningful when it is `Ok`.
 */
export function peekHeader (buf: Uint8Array, offset: number, out: IpxPeek, end: number = buf.length): PeekResult {
  if (end - offset < IPX_HEADER_LENGTH) return PeekResult.Truncated
  const length = u16(buf, offset + 2)
  if (length < IPX_HEADER_LENGTH) return PeekResult.BadLength
  if (length > end - offset) return PeekResult.LengthBeyondData
  out.length = length
  out.transportControl = buf[offset + 4]!
  out.packetType = buf[offset + 5]!
  out.dstNetwork = u32(buf, offset + 6)
  out.dstNode = readNode(buf, offset + 10)
  out.dstSocket = u16(buf, offset + 16)
  out.srcNetwork = u32(buf, offset + 18)
  out.srcNode = readNode(buf, offset + 22)
  out.srcSocket = u16(buf, offset + 28)
  return PeekResult.Ok
}
