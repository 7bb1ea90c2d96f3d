/**
 * SAP, the NetWare Service Advertising Protocol (IPX socket 0x0452): the message that follows the
 * IPX header. Offsets, names and operation values follow Wireshark's `dissect_ipxsap`
 * (`gh:wireshark/wireshark:epan/dissectors/packet-ipx.c`) and FreeBSD's `usr.sbin/IPXrouted/sap.h`.
 *
 * ```
 * query:    operation(2) serverType(2)
 * response: operation(2) { type(2) name(48) network(4) node(6) socket(2) hops(2) } × n   (64 bytes each)
 * ```
 *
 * Decoding is lenient about values (unknown operations and server types decode; more than 7
 * entries decode, a lint rule flags them) and strict about sizes: {@link decode} rejects a response
 * whose body is not a whole number of 64-byte entries with `IPX_ERR_BAD_ENTRY_SIZE`. Wireshark
 * instead walks `cursor + 64 <= length` and silently ignores a partial last entry; {@link decodeLenient}
 * does the same and reports how many bytes it ignored, for the linter.
 */
import { defineLayout } from './layout.js'
import { DecodeError, EncodeError } from './errors.js'
import { Socket, hex } from './constants.js'
import { formatIpxAddress } from './ipx/address.js'

/** The IPX socket SAP uses for queries and broadcasts (Wireshark `IPX_SOCKET_SAP`). */
export const SAP_SOCKET = Socket.Sap
/** Size of the operation field that starts every SAP message. */
export const SAP_HEADER_LENGTH = 2
/** Size of a query: operation + server type (Wireshark reads `server_type` at offset 2). */
export const SAP_QUERY_LENGTH = 4
/** Size of one server entry in a response (Wireshark `dissect_ipxsap`: `cursor += 64`). */
export const SAP_ENTRY_LENGTH = 64
/** Offset of the server name inside an entry. */
export const SAP_NAME_OFFSET = 2
/** Size of the NUL-padded server name field (Wireshark `tvb_format_stringzpad(tvb, cursor+2, 48)`). */
export const SAP_NAME_LENGTH = 48
/** Longest name the encoder writes: 47 characters, so that a terminating NUL always fits. */
export const SAP_MAX_NAME_CHARS = SAP_NAME_LENGTH - 1
/** Offset of the network/node/socket/hops part inside an entry (Wireshark `cursor+50`). */
export const SAP_ADDRESS_OFFSET = SAP_NAME_OFFSET + SAP_NAME_LENGTH
/**
 * Most entries in one response: `MAXSAPENTRIES 7` (FreeBSD `usr.sbin/IPXrouted/sap.h`); ipx_wrap's
 * `SAP_MAX_SRVS_PER_PKT 7`. 2 + 7 × 64 = 450 bytes, which fits the 576-byte routed-IPX packet.
 */
export const SAP_MAX_ENTRIES = 7
/** Hops value meaning "this server is going down" (shutdown broadcast; ipx_wrap `SAP_SRV_SHUTDOWN_HOPS 0x0010`). */
export const SAP_HOPS_DOWN = 16
/** Server type 0xFFFF in a query asks for every type (Wireshark: "Any Service or Wildcard"). */
export const SAP_WILDCARD_TYPE = 0xffff

/** SAP operations (offset 0, u16; Wireshark `ipxsap.packet_type`, `packet-ipx.h` `IPX_SAP_*`). */
export const SapOperation = {
  /** 1: general service query, asks every server of a type to answer. */
  GeneralQuery: 1,
  /** 2: general service response; also the periodic 60 s broadcast. */
  GeneralResponse: 2,
  /** 3: nearest service query (a client looking for its nearest file server). */
  NearestQuery: 3,
  /** 4: nearest service response. */
  NearestResponse: 4
} as const
export type SapOperation = typeof SapOperation[keyof typeof SapOperation]

const OPERATION_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'General Query'], [2, 'General Response'], [3, 'Nearest Query'], [4, 'Nearest Response']
])

/** Wireshark's name of a SAP operation; unknown values read `Unknown(0x0005)`. */
export function sapOperationName (operation: number): string {
  return OPERATION_NAMES.get(operation) ?? `Unknown(0x${hex(operation, 4)})`
}

/**
 * The common server types, named as Wireshark names them (`novell_server_vals`,
 * `gh:wireshark/wireshark:epan/dissectors/packet-ipx.c`; identical in tshark 4.0.17's
 * `tshark -G values`). Wireshark's table has about 215 entries; this is the subset a NetWare lab
 * meets. 0x0000, which Wireshark names "Unknown", is left out so that it prints `Unknown(0x0000)`.
 */
const SERVER_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0001, 'User'],
  [0x0002, 'User Group'],
  [0x0003, 'Print Queue or Print Group'],
  [0x0004, 'File Server (SLIST source)'],
  [0x0005, 'Job Server'],
  [0x0006, 'Gateway'],
  [0x0007, 'Print Server or Silent Print Server'],
  [0x0008, 'Archive Queue'],
  [0x0009, 'Archive Server'],
  [0x000a, 'Job Queue'],
  [0x000b, 'Administration'],
  [0x0017, 'Diagnostics'],
  [0x0020, 'NetBIOS'],
  [0x0024, 'Remote Bridge or Routing Service'],
  [0x0026, 'Bridge Server or Asynchronous Bridge Server'],
  [0x0027, 'TCP/IP Gateway Server'],
  [0x002d, 'Time Synchronization Server or Asynchronous Timer'],
  [0x0047, 'Advertising Print Server'],
  [0x0107, 'NetWare 386 or RSPX Remote Console'],
  [0x0133, 'NNS Domain Server or NetWare Naming Services Domain'],
  [0x0137, 'NetWare 386 Print Queue or NNS Print Queue'],
  [0x0166, 'NetWare Management'],
  [0x023f, 'SMS Testing and Development'],
  [0x026b, 'Time Synchronization Server (NetWare 4.x)'],
  [0x0278, 'Directory Server (NetWare 4.x)'],
  [0x030c, 'Intel Netport 2 or HP JetDirect or HP Quicksilver'],
  [0x0640, 'Microsoft Gateway Services for NetWare'],
  [0x064e, 'Microsoft Internet Information Server'],
  [0x067b, 'Microsoft Win95/98 File and Print Sharing for NetWare'],
  [0xffff, 'Any Service or Wildcard']
])

/** Wireshark's name of a server type; unknown values read `Unknown(0x1234)` and are never errors. */
export function serverTypeName (type: number): string {
  return SERVER_TYPE_NAMES.get(type) ?? `Unknown(0x${hex(type, 4)})`
}

/**
 * What follows the name's terminating NUL in the 48-byte field, for the linter:
 * `clean` — NUL-terminated and NUL-padded, as the Novell spec wants and the encoder writes;
 * `dirty` — terminated, but non-NUL bytes follow the terminator (Wireshark ignores them);
 * `none`  — 48 non-NUL bytes, no terminator at all.
 */
export type NamePadding = 'clean' | 'dirty' | 'none'

/** One advertised service: 64 bytes of a response. */
export interface SapServer {
  /** Entry offset 0, u16: server type (`ipxsap.server.type`, see {@link serverTypeName}). */
  type: number
  /**
   * Entry offset 2, 48 bytes: server name up to the first NUL (`ipxsap.server.name`). Bytes map
   * 1:1 to characters (latin1), so any name decodes losslessly; the encoder accepts at most 47
   * characters, none of them NUL or above U+00FF.
   */
  name: string
  /** Entry offset 50, u32: network of the server (`ipxsap.server.network`). */
  network: number
  /** Entry offset 54, u48: node of the server (`ipxsap.server.node`). */
  node: number
  /** Entry offset 60, u16: socket the service listens on (`ipxsap.server.socket`). */
  socket: number
  /**
   * Entry offset 62, u16: intermediate networks, i.e. hops to the server
   * (`ipxsap.server.intermediate_networks`); {@link SAP_HOPS_DOWN} (16) means "going down".
   */
  hops: number
  /** Set by the decoder only (the encoder always writes `clean` padding): see {@link NamePadding}. */
  namePadding?: NamePadding
}

/** A general (1) or nearest (3) service query. */
export interface SapQuery {
  /** Offset 0, u16: 1 or 3. */
  operation: typeof SapOperation.GeneralQuery | typeof SapOperation.NearestQuery
  /** Offset 2, u16: the server type asked for; 0xFFFF = any ({@link SAP_WILDCARD_TYPE}). */
  serverType: number
}

/** A general (2) or nearest (4) service response: zero or more 64-byte entries. */
export interface SapResponse {
  /** Offset 0, u16: 2 or 4. */
  operation: typeof SapOperation.GeneralResponse | typeof SapOperation.NearestResponse
  /** From offset 2, 64 bytes each. */
  servers: SapServer[]
}

/** A message with an operation other than 1-4: Wireshark shows only "Unknown Packet Type". */
export interface SapUnknown {
  /** Offset 0, u16: anything but 1-4. */
  operation: number
  /** Everything after the operation, as a view into the decoded buffer. */
  data: Buffer
}

/** Any SAP message; narrow with {@link isQuery} / {@link isResponse} or `'servers' in m`. */
export type SapMessage = SapQuery | SapResponse | SapUnknown

/** What {@link decodeLenient} returns. */
export interface SapDecodeResult {
  message: SapMessage
  /**
   * Bytes after the last whole structure that the decoder ignored: a partial trailing entry of a
   * response (1-63 bytes), or bytes after the 4-byte query. 0 for a well-formed message.
   */
  trailing: number
}

interface OperationOnly { operation: number }

/** The 2-byte header every SAP message starts with. */
export const SAP_HEADER = defineLayout<OperationOnly>('sap', 'SAP header', [
  { name: 'operation', type: 'u16', wireshark: 'ipxsap.packet_type', doc: '1 general query, 2 general response, 3 nearest query, 4 nearest response' }
])

/** The 4-byte query. */
export const SAP_QUERY = defineLayout<SapQuery>('sap', 'SAP query', [
  { name: 'operation', type: 'u16', wireshark: 'ipxsap.packet_type', doc: '1 general query or 3 nearest query' },
  { name: 'serverType', type: 'u16', wireshark: 'ipxsap.server.type', doc: 'server type asked for; 0xFFFF = any (TShark 4.0.17 files it under `ipxsap.server.type`, as an entry\'s type)' }
])

interface ServerType { type: number }
interface ServerAddress { network: number, node: number, socket: number, hops: number }

/** Entry offset 0: the server type. The 48-byte name follows at {@link SAP_NAME_OFFSET}. */
export const SAP_SERVER_TYPE = defineLayout<ServerType>('sap', 'SAP entry type', [
  { name: 'type', type: 'u16', wireshark: 'ipxsap.server.type', doc: 'server type (Wireshark `novell_server_vals`)' }
])

/** Entry offset 50 ({@link SAP_ADDRESS_OFFSET}): where the service is and how far. */
export const SAP_SERVER_ADDRESS = defineLayout<ServerAddress>('sap', 'SAP entry address', [
  { name: 'network', type: 'u32', wireshark: 'ipxsap.server.network', doc: 'network of the server' },
  { name: 'node', type: 'u48', wireshark: 'ipxsap.server.node', doc: 'node of the server' },
  { name: 'socket', type: 'u16', wireshark: 'ipxsap.server.socket', doc: 'socket of the service' },
  { name: 'hops', type: 'u16', wireshark: 'ipxsap.server.intermediate_networks', doc: 'intermediate networks (hops); 16 = going down' }
])

/** True for a query (operation 1 or 3). */
export function isQuery (m: SapMessage): m is SapQuery {
  return 'serverType' in m
}

/** True for a response (operation 2 or 4). */
export function isResponse (m: SapMessage): m is SapResponse {
  return 'servers' in m
}

/** True when the entry announces that the server is going down (hops ≥ 16). */
export function isServerDown (s: SapServer): boolean {
  return s.hops >= SAP_HOPS_DOWN
}

function decodeName (buf: Buffer, at: number): { name: string, namePadding: NamePadding } {
  const end = at + SAP_NAME_LENGTH
  const rel = buf.subarray(at, end).indexOf(0)
  if (rel < 0) return { name: buf.toString('latin1', at, end), namePadding: 'none' }
  const nul = at + rel
  let padding: NamePadding = 'clean'
  for (let i = nul + 1; i < end; i++) {
    if (buf[i] !== 0) { padding = 'dirty'; break }
  }
  return { name: buf.toString('latin1', at, nul), namePadding: padding }
}

function decodeAny (buf: Buffer, offset: number, strict: boolean): SapDecodeResult {
  const available = buf.length - offset
  if (!(offset >= 0 && available >= SAP_HEADER_LENGTH)) {
    throw new DecodeError('sap', 'IPX_ERR_TRUNCATED', Math.max(0, Math.min(offset, buf.length)),
      `SAP needs at least ${SAP_HEADER_LENGTH} bytes, ${Math.max(0, available)} remain`)
  }
  const { operation } = SAP_HEADER.read(buf, offset)
  if (operation === SapOperation.GeneralQuery || operation === SapOperation.NearestQuery) {
    // Wireshark reads the server type at offset 2 unconditionally; a shorter query is malformed.
    if (available < SAP_QUERY_LENGTH) {
      throw new DecodeError('sap', 'IPX_ERR_TRUNCATED', offset + available, `a SAP query needs ${SAP_QUERY_LENGTH} bytes, ${available} remain`)
    }
    // Bytes after the 4-byte query are ignored, as Wireshark ignores them; reported as trailing.
    return { message: SAP_QUERY.read(buf, offset), trailing: available - SAP_QUERY_LENGTH }
  }
  if (operation === SapOperation.GeneralResponse || operation === SapOperation.NearestResponse) {
    const body = available - SAP_HEADER_LENGTH
    const count = Math.floor(body / SAP_ENTRY_LENGTH)
    const trailing = body - count * SAP_ENTRY_LENGTH
    // The list is validated as whole entries before the loop (style guide; Wireshark `cursor + 64 <= length`).
    if (strict && trailing !== 0) {
      throw new DecodeError('sap', 'IPX_ERR_BAD_ENTRY_SIZE', offset + SAP_HEADER_LENGTH + count * SAP_ENTRY_LENGTH,
        `${body}-byte SAP response body is not a whole number of ${SAP_ENTRY_LENGTH}-byte entries (${trailing} bytes left over)`)
    }
    // Each entry's type and address parts, read for the whole list in one parse each.
    const first = offset + SAP_HEADER_LENGTH
    const types = SAP_SERVER_TYPE.readMany(buf, first, count, SAP_ENTRY_LENGTH)
    const addresses = SAP_SERVER_ADDRESS.readMany(buf, first + SAP_ADDRESS_OFFSET, count, SAP_ENTRY_LENGTH)
    const servers: SapServer[] = []
    for (let i = 0; i < count; i++) {
      const { name, namePadding } = decodeName(buf, first + i * SAP_ENTRY_LENGTH + SAP_NAME_OFFSET)
      const a = addresses[i]!
      servers.push({ type: types[i]!.type, name, network: a.network, node: a.node, socket: a.socket, hops: a.hops, namePadding })
    }
    return { message: { operation, servers }, trailing }
  }
  return { message: { operation, data: buf.subarray(offset + SAP_HEADER_LENGTH) }, trailing: 0 }
}

/**
 * Decodes the SAP message that fills `buf` from `offset` to its end (pass the IPX payload, which
 * `ipx.packet.decode` has already cut to the IPX length). Throws {@link DecodeError}:
 * `IPX_ERR_TRUNCATED` when the operation or a query's server type is missing,
 * `IPX_ERR_BAD_ENTRY_SIZE` when a response ends in a partial entry.
 */
export function decode (buf: Buffer, offset = 0): SapMessage {
  return decodeAny(buf, offset, true).message
}

/**
 * Decodes as Wireshark does: a partial last entry is ignored rather than rejected, and its size is
 * returned as `trailing` (so the linter can report it). Still throws `IPX_ERR_TRUNCATED`.
 */
export function decodeLenient (buf: Buffer, offset = 0): SapDecodeResult {
  return decodeAny(buf, offset, false)
}

/** Encoded size: 4 for a query, 2 + 64 × entries for a response, 2 + data for an unknown operation. */
export function encodingLength (m: SapMessage): number {
  if (isQuery(m)) return SAP_QUERY_LENGTH
  if (isResponse(m)) return SAP_HEADER_LENGTH + m.servers.length * SAP_ENTRY_LENGTH
  return SAP_HEADER_LENGTH + m.data.length
}

function checkName (name: string, field: string): void {
  if (name.length > SAP_MAX_NAME_CHARS) {
    throw new EncodeError('sap', 'IPX_ERR_FIELD_RANGE', `server name of ${name.length} characters exceeds ${SAP_MAX_NAME_CHARS} (48-byte NUL-terminated field)`, field)
  }
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c === 0 || c > 0xff) {
      throw new EncodeError('sap', 'IPX_ERR_FIELD_RANGE', `server name character ${i} (U+${hex(c, 4)}) is NUL or not a single byte`, field)
    }
  }
}

/**
 * Writes the message at `offset` of `buf` (allocated when omitted) and returns `buf`. Throws
 * {@link EncodeError}: `IPX_ERR_TOO_LARGE` for more than {@link SAP_MAX_ENTRIES} entries,
 * `IPX_ERR_FIELD_RANGE` for an operation that does not match the message's shape, a bad name or
 * an out-of-range field, `IPX_ERR_BUFFER_TOO_SMALL` when `buf` is too short.
 */
export function encode (m: SapMessage, buf?: Buffer, offset = 0): Buffer {
  if (isResponse(m)) {
    if (m.operation !== SapOperation.GeneralResponse && m.operation !== SapOperation.NearestResponse) {
      throw new EncodeError('sap', 'IPX_ERR_FIELD_RANGE', `a message with servers must have operation 2 or 4, not ${String(m.operation)}`, 'operation')
    }
    if (m.servers.length > SAP_MAX_ENTRIES) {
      throw new EncodeError('sap', 'IPX_ERR_TOO_LARGE', `${m.servers.length} SAP entries exceed ${SAP_MAX_ENTRIES} per packet (FreeBSD MAXSAPENTRIES)`, 'servers')
    }
    m.servers.forEach((s, i) => checkName(s.name, `servers.${i}.name`))
  } else if (isQuery(m)) {
    if (m.operation !== SapOperation.GeneralQuery && m.operation !== SapOperation.NearestQuery) {
      throw new EncodeError('sap', 'IPX_ERR_FIELD_RANGE', `a query must have operation 1 or 3, not ${String(m.operation)}`, 'operation')
    }
  } else if (m.operation >= SapOperation.GeneralQuery && m.operation <= SapOperation.NearestResponse) {
    throw new EncodeError('sap', 'IPX_ERR_FIELD_RANGE', `operation ${m.operation} needs ${m.operation % 2 === 1 ? 'serverType' : 'servers'}, not data`, 'operation')
  }
  const len = encodingLength(m)
  const out = buf ?? Buffer.alloc(offset + len)
  if (!(offset >= 0 && offset + len <= out.length)) {
    throw new EncodeError('sap', 'IPX_ERR_BUFFER_TOO_SMALL', `need ${len} bytes at offset ${offset}, buffer has ${out.length}`)
  }
  if (isQuery(m)) {
    SAP_QUERY.write(m, out, offset)
  } else if (isResponse(m)) {
    SAP_HEADER.write(m, out, offset)
    let at = offset + SAP_HEADER_LENGTH
    for (const s of m.servers) {
      SAP_SERVER_TYPE.write(s, out, at)
      const nameAt = at + SAP_NAME_OFFSET
      out.fill(0, nameAt + out.write(s.name, nameAt, 'latin1'), nameAt + SAP_NAME_LENGTH)
      SAP_SERVER_ADDRESS.write(s, out, at + SAP_ADDRESS_OFFSET)
      at += SAP_ENTRY_LENGTH
    }
  } else {
    SAP_HEADER.write(m, out, offset)
    m.data.copy(out, offset + SAP_HEADER_LENGTH)
  }
  return out
}

/** One entry for logs: `0x0004 File Server (SLIST source) "FS1" 00000001:000000000001:0451 hops 1`. */
export function describeServer (s: SapServer): string {
  return `0x${hex(s.type, 4)} ${serverTypeName(s.type)} ${JSON.stringify(s.name)} ` +
    `${formatIpxAddress(s)} hops ${s.hops}${isServerDown(s) ? ' (down)' : ''}`
}

/**
 * One line for logs and test titles: `SAP General Query type 0x0004 File Server (SLIST source)`,
 * `SAP General Response 1 server: 0x0004 ... hops 1`.
 */
export function describeSap (m: SapMessage): string {
  const op = `SAP ${sapOperationName(m.operation)}`
  if (isQuery(m)) return `${op} type 0x${hex(m.serverType, 4)} ${serverTypeName(m.serverType)}`
  if (isResponse(m)) {
    const n = m.servers.length
    return `${op} ${n} server${n === 1 ? '' : 's'}${n > 0 ? ': ' : ''}${m.servers.map(describeServer).join('; ')}`
  }
  return `${op} ${m.data.length} bytes`
}
