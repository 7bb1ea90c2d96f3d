/**
 * Header peek and field accessors for the forwarding path: read or write the few fields a router
 * or relay needs straight on the datagram it already holds, allocating nothing. The full decoder
 * builds objects; these do not (ipxbox and DOSBox read fixed offsets the same way).
 * Every offset comes from the one description of the header (`IPX_HEADER`), looked up once here,
 * so no code outside `protocol/` needs to know where a field sits.
 */
import { IPX_HEADER_LENGTH, BROADCAST_NODE, DOSBOX_CONTROL_SOCKET } from '../constants.js'
import { IPX_HEADER } from './header.js'

function offsetOf (name: string): number {
  const f = IPX_HEADER.fields.find(x => x.name === name)
  if (f === undefined) throw new Error(`IPX_HEADER has no field ${name}`)
  return f.offset
}

/** Offsets within the IPX header, from {@link IPX_HEADER} (Novell IPX spec; Wireshark `packet-ipx.c`). */
export const IpxOffset = {
  checksum: offsetOf('checksum'),
  length: offsetOf('length'),
  transportControl: offsetOf('transportControl'),
  packetType: offsetOf('packetType'),
  dstNetwork: offsetOf('dst.network'),
  dstNode: offsetOf('dst.node'),
  dstSocket: offsetOf('dst.socket'),
  srcNetwork: offsetOf('src.network'),
  srcNode: offsetOf('src.node'),
  srcSocket: offsetOf('src.socket')
} as const

const CHECKSUM = IpxOffset.checksum
const LENGTH = IpxOffset.length
const TC = IpxOffset.transportControl
const TYPE = IpxOffset.packetType
const DST_NET = IpxOffset.dstNetwork
const DST_NODE = IpxOffset.dstNode
const DST_SOCKET = IpxOffset.dstSocket
const SRC_NET = IpxOffset.srcNetwork
const SRC_NODE = IpxOffset.srcNode
const SRC_SOCKET = IpxOffset.srcSocket

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

/** Writes a big-endian u48 at `at`. The caller has checked the bounds. */
export function writeNode (buf: Uint8Array, at: number, v: number): void {
  const hi = Math.floor(v / 0x100000000)
  const lo = v >>> 0
  buf[at] = hi >>> 8; buf[at + 1] = hi & 0xff
  buf[at + 2] = lo >>> 24; buf[at + 3] = (lo >>> 16) & 0xff; buf[at + 4] = (lo >>> 8) & 0xff; buf[at + 5] = lo & 0xff
}

function u16 (buf: Uint8Array, at: number): number {
  return (buf[at]! << 8) | buf[at + 1]!
}

function u32 (buf: Uint8Array, at: number): number {
  return ((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0
}

function setU16 (buf: Uint8Array, at: number, v: number): void {
  buf[at] = (v >>> 8) & 0xff; buf[at + 1] = v & 0xff
}

function setU32 (buf: Uint8Array, at: number, v: number): void {
  buf[at] = v >>> 24; buf[at + 1] = (v >>> 16) & 0xff; buf[at + 2] = (v >>> 8) & 0xff; buf[at + 3] = v & 0xff
}

// Accessors on a header at `at` (default 0) of a buffer the caller has checked holds 30 bytes
// there (a peek or a size check first). Reads return numbers; writes change the bytes in place.

/** The checksum field (0xFFFF = none). */
export function readChecksum (buf: Uint8Array, at = 0): number { return u16(buf, at + CHECKSUM) }
export function writeChecksum (buf: Uint8Array, v: number, at = 0): void { setU16(buf, at + CHECKSUM, v) }
/** The length field. */
export function readLength (buf: Uint8Array, at = 0): number { return u16(buf, at + LENGTH) }
/** Transport control: the hop count. */
export function readHops (buf: Uint8Array, at = 0): number { return buf[at + TC]! }
export function writeHops (buf: Uint8Array, v: number, at = 0): void { buf[at + TC] = v & 0xff }
export function readPacketType (buf: Uint8Array, at = 0): number { return buf[at + TYPE]! }
export function readDstNetwork (buf: Uint8Array, at = 0): number { return u32(buf, at + DST_NET) }
export function writeDstNetwork (buf: Uint8Array, v: number, at = 0): void { setU32(buf, at + DST_NET, v) }
export function readDstNode (buf: Uint8Array, at = 0): number { return readNode(buf, at + DST_NODE) }
export function writeDstNode (buf: Uint8Array, v: number, at = 0): void { writeNode(buf, at + DST_NODE, v) }
export function readDstSocket (buf: Uint8Array, at = 0): number { return u16(buf, at + DST_SOCKET) }
export function writeDstSocket (buf: Uint8Array, v: number, at = 0): void { setU16(buf, at + DST_SOCKET, v) }
export function readSrcNetwork (buf: Uint8Array, at = 0): number { return u32(buf, at + SRC_NET) }
export function writeSrcNetwork (buf: Uint8Array, v: number, at = 0): void { setU32(buf, at + SRC_NET, v) }
export function readSrcNode (buf: Uint8Array, at = 0): number { return readNode(buf, at + SRC_NODE) }
export function writeSrcNode (buf: Uint8Array, v: number, at = 0): void { writeNode(buf, at + SRC_NODE, v) }
export function readSrcSocket (buf: Uint8Array, at = 0): number { return u16(buf, at + SRC_SOCKET) }
export function writeSrcSocket (buf: Uint8Array, v: number, at = 0): void { setU16(buf, at + SRC_SOCKET, v) }

/** The destination node is FF:FF:FF:FF:FF:FF. */
export function isBroadcast (buf: Uint8Array, at = 0): boolean {
  return readNode(buf, at + DST_NODE) === BROADCAST_NODE
}

/**
 * A broadcast as a DOSBox relay tests it: destination node bytes 0-3 (offsets 10-13) FF FF FF FF,
 * the port bytes ignored ([074] ipxserver.cpp:67-118; probe T8 in docs/peers.md).
 */
export function isDosboxBroadcast (buf: Uint8Array, at = 0): boolean {
  const n = at + DST_NODE
  return buf[n] === 0xff && buf[n + 1] === 0xff && buf[n + 2] === 0xff && buf[n + 3] === 0xff
}

/**
 * A DOSBox registration request as the server tests it: destination socket 2 and destination node
 * bytes 0-3 (offsets 10-13) zero, nothing else checked, not even the length field
 * ([074] ipxserver.cpp:175-177; [stgHEAD] ipxserver.cpp:168-170). The caller has checked 30 bytes.
 */
export function isDosboxRegistration (buf: Uint8Array, at = 0): boolean {
  const n = at + DST_NODE
  return u16(buf, at + DST_SOCKET) === DOSBOX_CONTROL_SOCKET && buf[n] === 0 && buf[n + 1] === 0 && buf[n + 2] === 0 && buf[n + 3] === 0
}

/** A DOSBox control datagram (ack, keepalive, registration): both sockets are 2. */
export function isDosboxControl (buf: Uint8Array, at = 0): boolean {
  return u16(buf, at + DST_SOCKET) === DOSBOX_CONTROL_SOCKET && u16(buf, at + SRC_SOCKET) === DOSBOX_CONTROL_SOCKET
}

/**
 * Fills `out` from the header at `offset` and checks the two length rules (at least 30, no more than
 * `end - offset`). Returns a {@link PeekResult}; `out` is only meaningful when it is `Ok`.
 */
export function peekHeader (buf: Uint8Array, offset: number, out: IpxPeek, end: number = buf.length): PeekResult {
  if (end - offset < IPX_HEADER_LENGTH) return PeekResult.Truncated
  const length = u16(buf, offset + LENGTH)
  if (length < IPX_HEADER_LENGTH) return PeekResult.BadLength
  if (length > end - offset) return PeekResult.LengthBeyondData
  out.length = length
  out.transportControl = buf[offset + TC]!
  out.packetType = buf[offset + TYPE]!
  out.dstNetwork = u32(buf, offset + DST_NET)
  out.dstNode = readNode(buf, offset + DST_NODE)
  out.dstSocket = u16(buf, offset + DST_SOCKET)
  out.srcNetwork = u32(buf, offset + SRC_NET)
  out.srcNode = readNode(buf, offset + SRC_NODE)
  out.srcSocket = u16(buf, offset + SRC_SOCKET)
  return PeekResult.Ok
}
