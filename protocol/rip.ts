/**
 * IPX RIP, the NetWare Routing Information Protocol (IPX socket 0x0453): the message that follows
 * the IPX header. Layout and names follow Wireshark's `dissect_ipxrip`
 * (`gh:wireshark/wireshark:epan/dissectors/packet-ipx.c`); limits follow FreeBSD's
 * `usr.sbin/IPXrouted/protocol.h`. The authority is Novell's "IPX RIP and SAP Router
 * Specification" (part 107-000029-001, cited by Linux `include/net/ipx.h`).
 *
 * ```
 * operation(2) { network(4) hops(2) ticks(2) } × n      (8 bytes per entry)
 * ```
 *
 * Requests and responses share the layout. Values are lenient (any operation decodes, and its
 * entries are read as Wireshark reads them); sizes are strict: {@link decode} rejects a body that
 * is not a whole number of entries with `IPX_ERR_BAD_ENTRY_SIZE`, and {@link decodeLenient} ignores
 * the partial entry and reports its size (Wireshark walks `cursor < length` and marks such a
 * packet malformed when it runs off the end).
 */
import { defineLayout } from './layout.js'
import { DecodeError, EncodeError } from './errors.js'
import { Socket, hex } from './constants.js'
import { formatNetwork } from './ipx/address.js'

/** The IPX socket of RIP (Wireshark `IPX_SOCKET_IPXRIP`). */
export const RIP_SOCKET = Socket.Rip
/** Size of the operation field. */
export const RIP_HEADER_LENGTH = 2
/** Size of one route entry (Wireshark `cursor += 8`; FreeBSD `struct netinfo`). */
export const RIP_ENTRY_LENGTH = 8
/** Most entries in one packet: `MAXRIPNETS 50` (FreeBSD `usr.sbin/IPXrouted/protocol.h`); 2 + 50 × 8 = 402 bytes. */
export const RIP_MAX_ENTRIES = 50
/** Hop count meaning "unreachable": `HOPCNT_INFINITY 16` (FreeBSD `protocol.h`); Linux drops above 16 hops. */
export const RIP_HOPS_UNREACHABLE = 16
/** Network number that, in a request, asks for every route (FreeBSD IPXrouted: request-all 0xFFFFFFFF). */
export const RIP_ALL_NETWORKS = 0xffffffff
/** Ticks per second: a tick is 1/18 s (the PC timer; Wireshark prints `ticks * 1000 / 18` ms). */
export const RIP_TICKS_PER_SECOND = 18

/** RIP operations (offset 0, u16; Wireshark `ipxrip.packet_type`, `packet-ipx.h` `IPX_RIP_*`). */
export const RipOperation = {
  /** 1: request; network 0xFFFFFFFF asks for all routes. */
  Request: 1,
  /** 2: response, also the periodic 60 s broadcast. */
  Response: 2
} as const
export type RipOperation = typeof RipOperation[keyof typeof RipOperation]

/** Wireshark's name of a RIP operation; unknown values read `Unknown(0x0003)`. */
export function ripOperationName (operation: number): string {
  if (operation === RipOperation.Request) return 'Request'
  if (operation === RipOperation.Response) return 'Response'
  return `Unknown(0x${hex(operation, 4)})`
}

/** One route vector: 8 bytes. */
export interface RipEntry {
  /** Entry offset 0, u32: the network (`ipxrip.route_vector`); 0xFFFFFFFF in a request = all. */
  network: number
  /** Entry offset 4, u16: hops to it (`ipxrip.hops`); 16 = unreachable. */
  hops: number
  /** Entry offset 6, u16: delay in ticks of 1/18 s (`ipxrip.ticks`), see {@link ticksToMs}. */
  ticks: number
}

/** A RIP request or response. */
export interface RipMessage {
  /** Offset 0, u16: 1 request, 2 response (`ipxrip.packet_type`); other values decode too. */
  operation: number
  /** From offset 2, 8 bytes each. */
  entries: RipEntry[]
}

/** What {@link decodeLenient} returns. */
export interface RipDecodeResult {
  message: RipMessage
  /** Bytes of a partial last entry that were ignored (0-7); 0 for a well-formed message. */
  trailing: number
}

/** The 2-byte header. */
export const RIP_HEADER = defineLayout<{ operation: number }>('rip', 'RIP header', [
  { name: 'operation', type: 'u16', wireshark: 'ipxrip.packet_type', doc: '1 request, 2 response' }
])

/** One 8-byte route entry; entries follow the header back to back. */
export const RIP_ENTRY = defineLayout<RipEntry>('rip', 'RIP entry', [
  { name: 'network', type: 'u32', wireshark: 'ipxrip.route_vector', doc: 'network number; 0xFFFFFFFF in a request = all networks' },
  { name: 'hops', type: 'u16', wireshark: 'ipxrip.hops', doc: 'hops to the network; 16 = unreachable (HOPCNT_INFINITY)' },
  { name: 'ticks', type: 'u16', wireshark: 'ipxrip.ticks', doc: 'delay in 1/18 s ticks' }
])

/** Ticks to milliseconds exactly as Wireshark prints them: integer `t * 1000 / 18`, truncated. */
export function ticksToMs (ticks: number): number {
  return Math.trunc(ticks * 1000 / RIP_TICKS_PER_SECOND)
}

/** True when the entry says the network cannot be reached (hops ≥ 16). */
export function isUnreachable (e: RipEntry): boolean {
  return e.hops >= RIP_HOPS_UNREACHABLE
}

function decodeAny (buf: Buffer, offset: number, strict: boolean): RipDecodeResult {
  const available = buf.length - offset
  if (!(offset >= 0 && available >= RIP_HEADER_LENGTH)) {
    throw new DecodeError('rip', 'IPX_ERR_TRUNCATED', Math.max(0, Math.min(offset, buf.length)),
      `RIP needs at least ${RIP_HEADER_LENGTH} bytes, ${Math.max(0, available)} remain`)
  }
  const { operation } = RIP_HEADER.read(buf, offset)
  const body = available - RIP_HEADER_LENGTH
  const count = Math.floor(body / RIP_ENTRY_LENGTH)
  const trailing = body - count * RIP_ENTRY_LENGTH
  // Whole entries are checked before the loop, so no read can run off the end.
  if (strict && trailing !== 0) {
    throw new DecodeError('rip', 'IPX_ERR_BAD_ENTRY_SIZE', offset + RIP_HEADER_LENGTH + count * RIP_ENTRY_LENGTH,
      `${body}-byte RIP body is not a whole number of ${RIP_ENTRY_LENGTH}-byte entries (${trailing} bytes left over)`)
  }
  const entries = RIP_ENTRY.readMany(buf, offset + RIP_HEADER_LENGTH, count)
  return { message: { operation, entries }, trailing }
}

/**
 * Decodes the RIP message that fills `buf` from `offset` to its end (pass the IPX payload). Throws
 * {@link DecodeError}: `IPX_ERR_TRUNCATED` below 2 bytes, `IPX_ERR_BAD_ENTRY_SIZE` for a partial entry.
 */
export function decode (buf: Buffer, offset = 0): RipMessage {
  return decodeAny(buf, offset, true).message
}

/** Like {@link decode}, but a partial last entry is ignored and its size returned as `trailing`. */
export function decodeLenient (buf: Buffer, offset = 0): RipDecodeResult {
  return decodeAny(buf, offset, false)
}

/** 2 + 8 × entries. */
export function encodingLength (m: RipMessage): number {
  return RIP_HEADER_LENGTH + m.entries.length * RIP_ENTRY_LENGTH
}

/**
 * Writes the message at `offset` of `buf` (allocated when omitted) and returns `buf`. Throws
 * {@link EncodeError}: `IPX_ERR_TOO_LARGE` above {@link RIP_MAX_ENTRIES} entries,
 * `IPX_ERR_FIELD_RANGE` for an out-of-range field, `IPX_ERR_BUFFER_TOO_SMALL`.
 */
export function encode (m: RipMessage, buf?: Buffer, offset = 0): Buffer {
  if (m.entries.length > RIP_MAX_ENTRIES) {
    throw new EncodeError('rip', 'IPX_ERR_TOO_LARGE', `${m.entries.length} RIP entries exceed ${RIP_MAX_ENTRIES} per packet (FreeBSD MAXRIPNETS)`, 'entries')
  }
  const len = encodingLength(m)
  const out = buf ?? Buffer.alloc(offset + len)
  if (!(offset >= 0 && offset + len <= out.length)) {
    throw new EncodeError('rip', 'IPX_ERR_BUFFER_TOO_SMALL', `need ${len} bytes at offset ${offset}, buffer has ${out.length}`)
  }
  RIP_HEADER.write(m, out, offset)
  let at = offset + RIP_HEADER_LENGTH
  for (const e of m.entries) {
    RIP_ENTRY.write(e, out, at)
    at += RIP_ENTRY_LENGTH
  }
  return out
}

/** One entry for logs: `A8F87967 1 hop 2 ticks (111 ms)`, `… unreachable`. */
export function describeEntry (e: RipEntry): string {
  return `${formatNetwork(e.network)} ${e.hops} hop${e.hops === 1 ? '' : 's'} ${e.ticks} tick${e.ticks === 1 ? '' : 's'} ` +
    `(${ticksToMs(e.ticks)} ms)${isUnreachable(e) ? ' unreachable' : ''}`
}

/** One line for logs and test titles: `RIP Response 1 route: A8F87967 1 hop 2 ticks (111 ms)`. */
export function describeRip (m: RipMessage): string {
  const n = m.entries.length
  const all = m.operation === RipOperation.Request && n === 1 && m.entries[0]?.network === RIP_ALL_NETWORKS
  return `RIP ${ripOperationName(m.operation)} ${all ? 'all networks' : `${n} route${n === 1 ? '' : 's'}${n > 0 ? ': ' : ''}${m.entries.map(describeEntry).join('; ')}`}`
}
