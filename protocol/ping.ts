/**
 * Novell IPX ping (socket 0x9086), the "IPX ping" of NetWare's IPXPING and NLSP routers and of
 * Cisco's `ping ipx ... novell`: a 10-byte header, then padding data that the reply echoes.
 * TShark 4.0 has no dissector for it (Info shows only "Novell PING", the socket name), so the layout
 * comes from:
 *  - Windows NT RRAS `net/rras/ipx/adptif/pingsvc.h`: `IPX_PING_SOCKET 0x9086`, `IPX_PING_HEADER`
 *    = signature[4], version, type (`PING_PACKET_TYPE_REQUEST 0`, `..._RESPONSE 1`), pingid[2],
 *    result, reserved;
 *  - gh:twisted-pear/ipx_wrap `ipx_wrap_ping.h`: `PING_STR "Ping"`, `PING_VERSION 0x01`,
 *    `PING_TYPE_QUERY 0x00` / `PING_TYPE_REPLY 0x01`, `__be16 id`, `PING_RESULT_QUERY 0x00` /
 *    `PING_RESULT_REPLY 0x01`, sent with IPX packet type 4;
 *  - HP LCS60 `ipxping(1M)`: "a ping header containing signature, version, type, ping id and
 *    results fields", packet size at least 40 (30 IPX + 10).
 */
import { defineLayout } from './layout.js'
import { DecodeError, EncodeError } from './errors.js'
import { hex } from './constants.js'

/** Header size: signature 4, version 1, type 1, ping id 2, result 1, reserved 1. */
export const PING_HEADER_LENGTH = 10
/** "Ping" in ASCII, the first four bytes of every packet. */
export const PING_SIGNATURE = 0x50696e67
/** Version ipx_wrap sends (`PING_VERSION`). */
export const PING_VERSION = 1

/** Ping types (pingsvc.h, ipx_wrap). */
export const PingType = {
  /** 0: request (query). */
  Request: 0,
  /** 1: reply. */
  Reply: 1
} as const
export type PingType = typeof PingType[keyof typeof PingType]

/** A decoded Novell ping. The signature is checked on decode and written on encode. */
export interface NovellPing {
  /** Offset 4, u8: version (1). */
  version: number
  /** Offset 5, u8: 0 request, 1 reply. */
  type: number
  /** Offset 6, u16: ping ID, echoed by the reply. */
  pingId: number
  /** Offset 8, u8: result; ipx_wrap sends 0 in a query and 1 in a reply. */
  result: number
  /** Offset 9, u8: reserved, 0. */
  reserved: number
  /** Offset 10..: padding data, echoed by the reply. */
  data: Buffer
}

interface RawPing extends Omit<NovellPing, 'data'> { signature: number }

/** The 10-byte ping header (no Wireshark field names exist: TShark 4.0 has no dissector). */
export const PING_HEADER = defineLayout<RawPing>('ping', 'Novell ping header', [
  { name: 'signature', type: 'u32', doc: '"Ping" (50 69 6E 67)' },
  { name: 'version', type: 'u8', doc: 'version, 1' },
  { name: 'type', type: 'u8', doc: '0 request, 1 reply' },
  { name: 'pingId', type: 'u16', doc: 'ping ID, echoed in the reply' },
  { name: 'result', type: 'u8', doc: 'result: 0 in a query, 1 in a reply (ipx_wrap)' },
  { name: 'reserved', type: 'u8', doc: 'reserved, 0' }
])

/**
 * Decodes a ping at `offset`; the rest of `buf` is its data. Throws IPX_ERR_TRUNCATED below 10
 * bytes and IPX_ERR_BAD_VALUE when the first four bytes are not "Ping". Unknown versions and types
 * decode (lenient enums).
 */
export function decode (buf: Buffer, offset = 0): NovellPing {
  const { signature, ...h } = PING_HEADER.read(buf, offset)
  if (signature !== PING_SIGNATURE) {
    throw new DecodeError('ping', 'IPX_ERR_BAD_VALUE', offset, `signature 0x${hex(signature, 8)} is not "Ping"`)
  }
  return { ...h, data: buf.subarray(offset + PING_HEADER_LENGTH) }
}

/** 10 + data length. */
export function encodingLength (ping: NovellPing): number {
  return PING_HEADER_LENGTH + ping.data.length
}

/** Writes the ping at `offset` of `buf` (allocated when omitted) and returns `buf`. Throws EncodeError. */
export function encode (ping: NovellPing, buf?: Buffer, offset = 0): Buffer {
  const len = encodingLength(ping)
  const out = buf ?? Buffer.allocUnsafe(offset + len)
  if (!(offset >= 0 && out.length - offset >= len)) {
    throw new EncodeError('ping', 'IPX_ERR_BUFFER_TOO_SMALL', `need ${len} bytes at offset ${offset}, buffer has ${out.length}`)
  }
  const { data, ...h } = ping
  PING_HEADER.write({ signature: PING_SIGNATURE, ...h }, out, offset)
  data.copy(out, offset + PING_HEADER_LENGTH)
  return out
}

/** The reply a responder sends to `request`: same version, ID and data; type 1, result 1. */
export function makeReply (request: NovellPing): NovellPing {
  return { ...request, type: PingType.Reply, result: 1 }
}

/** One line for logs and test titles. */
export function describePing (ping: NovellPing): string {
  const kind = ping.type === PingType.Request ? 'request' : ping.type === PingType.Reply ? 'reply' : `type ${ping.type}`
  return `IPX PING ${kind} v${ping.version} id ${ping.pingId} result ${ping.result} data ${ping.data.length}`
}
