/**
 * NCP over IPX (socket 0x0451, packet type 17): the request, reply and packet-burst headers, as
 * Wireshark's `dissect_ncp_common` / `dissect_ncp_request` (`epan/dissectors/packet-ncp.c`,
 * `packet-ncp2222.inc`) read them. The NCP bodies (per-function request and reply fields) are kept
 * as bytes. Multi-byte fields are big-endian.
 *
 * Common header (every NCP type): type u16 @0, sequence u8 @2, connection low u8 @3, task u8 @4,
 * connection high u8 @5; Wireshark shows `ncp.connection` = high * 256 + low.
 *  - requests (0x1111, 0x2222, 0x5555): function u8 @6; for 0x2222 and the functions that take a
 *    subfunction, either length u16 @7 + subfunction u8 @9 or subfunction u8 @7 (see below);
 *  - replies (0x3333, 0x9999): completion code u8 @6, connection status u8 @7;
 *  - packet burst (0x7777): the 36-byte burst header;
 *  - any other type: the common 6-byte header, then bytes.
 */
import { defineLayout } from './layout.js'
import { DecodeError, EncodeError } from './errors.js'
import { hex } from './constants.js'

/** NCP packet types (Wireshark `packet-ncp-int.h` `NCP_*`; names from `ncp_type_vals`). */
export const NcpType = {
  /** 0x1111: create a service connection (allocate slot). */
  CreateServiceConnection: 0x1111,
  /** 0x2222: service request. */
  ServiceRequest: 0x2222,
  /** 0x3333: service reply. */
  ServiceReply: 0x3333,
  /** 0x5555: destroy service connection (deallocate slot). */
  DestroyServiceConnection: 0x5555,
  /** 0x7777: packet burst transfer. */
  BurstModeTransfer: 0x7777,
  /** 0x9999: positive acknowledgement, "request being processed". */
  PositiveAck: 0x9999
} as const
export type NcpType = typeof NcpType[keyof typeof NcpType]

const TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x1111, 'Create a service connection'], [0x2222, 'Service request'], [0x3333, 'Service reply'],
  [0x5555, 'Destroy service connection'], [0x7777, 'Burst mode transfer'], [0x9999, 'Request being processed']
])

/** Size of the header shared by every NCP type. */
export const NCP_COMMON_HEADER_LENGTH = 6
/** Request header size up to the function byte (Wireshark `NCP_RQST_HDR_LENGTH`). */
export const NCP_REQUEST_HEADER_LENGTH = 7
/** Reply header size up to connection status (Wireshark `NCP_RPLY_HDR_LENGTH`). */
export const NCP_REPLY_HEADER_LENGTH = 8
/** Packet-burst header size, type to missing-fragment count (Wireshark `dissect_ncp_common`, commhdr + 36). */
export const NCP_BURST_HEADER_LENGTH = 36

/**
 * Functions whose 0x2222 request carries a subfunction after a 2-byte length (subfunction @9), and
 * functions whose subfunction follows the function byte directly (@7). Wireshark generates both
 * lists from `tools/ncp2222.py` (`ncp_func_requires_subfunc`, `ncp_func_has_no_length_parameter`);
 * these are what TShark 4.0.17 does, probed function by function (a request with bytes 7..9 =
 * 00 03 05 shows `ncp.length` 3 and `ncp.subfunc` 5, or `ncp.subfunc` 0, or neither).
 */
export const FUNCTIONS_WITH_LENGTH_AND_SUBFUNCTION: ReadonlySet<number> = new Set([
  0x11, 0x15, 0x16, 0x17, 0x23, 0x24, 0x5a, 0x72, 0x7b, 0x83
])
/** See {@link FUNCTIONS_WITH_LENGTH_AND_SUBFUNCTION}. */
export const FUNCTIONS_WITH_SUBFUNCTION_ONLY: ReadonlySet<number> = new Set([
  0x20, 0x22, 0x56, 0x57, 0x58, 0x59, 0x5c, 0x5e, 0x68, 0x6f, 0x80
])

/** Where a request's subfunction sits: `'length'` (@7 u16 length, @9 subfunction), `'direct'` (@7), or none. */
export function subfunctionLayout (type: number, fn: number): 'length' | 'direct' | 'none' {
  if (type !== NcpType.ServiceRequest) return 'none'
  if (FUNCTIONS_WITH_LENGTH_AND_SUBFUNCTION.has(fn)) return 'length'
  if (FUNCTIONS_WITH_SUBFUNCTION_ONLY.has(fn)) return 'direct'
  return 'none'
}

/** Fields every NCP message has. */
export interface NcpCommon {
  /** Offset 0, u16: NCP type (see {@link NcpType}). */
  type: number
  /** Offset 2, u8: sequence number; a reply repeats its request's. */
  sequence: number
  /** Offsets 3 (low byte) and 5 (high byte): connection number, as Wireshark's `ncp.connection`. */
  connection: number
  /** Offset 4, u8: task number. */
  task: number
}

/** A request: 0x1111, 0x2222 or 0x5555. */
export interface NcpRequest extends NcpCommon {
  kind: 'request'
  /** Offset 6, u8: function (`ncp.func`). */
  function: number
  /** Offset 7, u16, for the functions of {@link FUNCTIONS_WITH_LENGTH_AND_SUBFUNCTION}: length of what follows (`ncp.length`). */
  length?: number
  /** Offset 9 (after a length) or 7: subfunction (`ncp.subfunc`), for the functions that take one. */
  subfunction?: number
  /** The request body after the header. */
  data: Buffer
}

/** A reply: 0x3333, or 0x9999 (positive acknowledgement). */
export interface NcpReply extends NcpCommon {
  kind: 'reply'
  /** Offset 6, u8: completion code, 0 = OK (`ncp.completion_code`). */
  completionCode: number
  /** Offset 7, u8: connection status bits (`ncp.connection_status`). */
  connectionStatus: number
  /** The reply body. */
  data: Buffer
}

/** The packet-burst header (type 0x7777), field names after Wireshark's `ncp.*` burst fields. */
export interface NcpBurst {
  kind: 'burst'
  /** Offset 0, u16: 0x7777. */
  type: number
  /** Offset 2, u8: system flags (`ncp.system_flags`): 0x80 SYS, 0x40 LST, 0x10 EOB, 0x08 BSY, 0x04 ABT. */
  systemFlags: number
  /** Offset 3, u8: stream type (`ncp.stream_type`). */
  streamType: number
  /** Offset 4, u32: source connection ID (`ncp.src_connection`). */
  srcConnection: number
  /** Offset 8, u32: destination connection ID (`ncp.dst_connection`). */
  dstConnection: number
  /** Offset 12, u32: packet sequence number (`ncp.packet_seqno`). */
  packetSequence: number
  /** Offset 16, u32: delay time (`ncp.delay_time`). */
  delayTime: number
  /** Offset 20, u16: burst sequence number (`ncp.burst_seqno`). */
  burstSequence: number
  /** Offset 22, u16: ACK sequence number (`ncp.ack_seqno`). */
  ackSequence: number
  /** Offset 24, u32: burst length (`ncp.burst_len`). */
  burstLength: number
  /** Offset 28, u32: data offset (`ncp.data_offset`). */
  dataOffset: number
  /** Offset 32, u16: data bytes (`ncp.data_bytes`). */
  dataBytes: number
  /** Offset 34, u16: missing fragment list count (`ncp.missing_fraglist_count`). */
  missingFragmentCount: number
  /** Burst data or the missing-fragment list. */
  data: Buffer
}

/** Any other NCP type: the common header and bytes. Unknown types decode; they are not errors. */
export interface NcpOther extends NcpCommon {
  kind: 'other'
  data: Buffer
}

/** A decoded NCP message. */
export type NcpMessage = NcpRequest | NcpReply | NcpBurst | NcpOther

interface RawCommon { type: number, sequence: number, connectionLow: number, task: number, connectionHigh: number }
interface RawRequest extends RawCommon { function: number }
interface RawReply extends RawCommon { completionCode: number, connectionStatus: number }

const COMMON_FIELDS = [
  { name: 'type', type: 'u16', wireshark: 'ncp.type', doc: '0x1111 create connection, 0x2222 request, 0x3333 reply, 0x5555 destroy, 0x7777 burst, 0x9999 positive ack' },
  { name: 'sequence', type: 'u8', wireshark: 'ncp.seq', doc: 'sequence number' },
  { name: 'connectionLow', type: 'u8', wireshark: 'ncp.connection', doc: 'connection number, low byte (Wireshark shows high * 256 + low)' },
  { name: 'task', type: 'u8', wireshark: 'ncp.task', doc: 'task number' },
  { name: 'connectionHigh', type: 'u8', doc: 'connection number, high byte' }
] as const

/** Common 6-byte header. */
export const NCP_COMMON_HEADER = defineLayout<RawCommon>('ncp', 'NCP common header', COMMON_FIELDS)
/** Request header (0x1111, 0x2222, 0x5555). */
export const NCP_REQUEST_HEADER = defineLayout<RawRequest>('ncp', 'NCP request header', [
  ...COMMON_FIELDS,
  { name: 'function', type: 'u8', wireshark: 'ncp.func', doc: 'function code' }
])
/** Reply header (0x3333, 0x9999). */
export const NCP_REPLY_HEADER = defineLayout<RawReply>('ncp', 'NCP reply header', [
  ...COMMON_FIELDS,
  { name: 'completionCode', type: 'u8', wireshark: 'ncp.completion_code', doc: '0 = OK; otherwise an error whose meaning depends on the request' },
  { name: 'connectionStatus', type: 'u8', wireshark: 'ncp.connection_status', doc: '0 OK, 0x01 bad service connection, 0x10 file server down, 0x40 broadcast message pending' }
])
/** Packet-burst header (0x7777). */
export const NCP_BURST_HEADER = defineLayout<Omit<NcpBurst, 'kind' | 'data'>>('ncp', 'NCP packet burst header', [
  { name: 'type', type: 'u16', wireshark: 'ncp.type', doc: '0x7777' },
  { name: 'systemFlags', type: 'u8', wireshark: 'ncp.system_flags', doc: '0x80 SYS, 0x40 LST, 0x10 EOB, 0x08 BSY, 0x04 ABT' },
  { name: 'streamType', type: 'u8', wireshark: 'ncp.stream_type', doc: 'stream type' },
  { name: 'srcConnection', type: 'u32', wireshark: 'ncp.src_connection', doc: 'source connection ID' },
  { name: 'dstConnection', type: 'u32', wireshark: 'ncp.dst_connection', doc: 'destination connection ID' },
  { name: 'packetSequence', type: 'u32', wireshark: 'ncp.packet_seqno', doc: 'packet sequence number' },
  { name: 'delayTime', type: 'u32', wireshark: 'ncp.delay_time', doc: 'inter-packet delay' },
  { name: 'burstSequence', type: 'u16', wireshark: 'ncp.burst_seqno', doc: 'burst sequence number' },
  { name: 'ackSequence', type: 'u16', wireshark: 'ncp.ack_seqno', doc: 'ACK sequence number' },
  { name: 'burstLength', type: 'u32', wireshark: 'ncp.burst_len', doc: 'total burst length' },
  { name: 'dataOffset', type: 'u32', wireshark: 'ncp.data_offset', doc: 'offset of this packet\'s data in the burst' },
  { name: 'dataBytes', type: 'u16', wireshark: 'ncp.data_bytes', doc: 'data bytes in this packet' },
  { name: 'missingFragmentCount', type: 'u16', wireshark: 'ncp.missing_fraglist_count', doc: 'entries in the missing-fragment list' }
])

function isRequestType (type: number): boolean {
  return type === NcpType.ServiceRequest || type === NcpType.CreateServiceConnection || type === NcpType.DestroyServiceConnection
}

function isReplyType (type: number): boolean {
  return type === NcpType.ServiceReply || type === NcpType.PositiveAck
}

function common (raw: RawCommon): NcpCommon {
  return { type: raw.type, sequence: raw.sequence, connection: raw.connectionHigh * 256 + raw.connectionLow, task: raw.task }
}

/**
 * Decodes the NCP message at `offset`; the rest of `buf` is its body. Throws IPX_ERR_TRUNCATED when
 * the buffer ends inside the header the type calls for (6, 7 (+2/+3 for a subfunction), 8 or 36 bytes).
 */
export function decode (buf: Buffer, offset = 0): NcpMessage {
  const c = NCP_COMMON_HEADER.read(buf, offset)
  if (isRequestType(c.type)) {
    const r = NCP_REQUEST_HEADER.read(buf, offset)
    const layout = subfunctionLayout(r.type, r.function)
    const msg: NcpRequest = { kind: 'request', ...common(r), function: r.function, data: buf.subarray(offset + NCP_REQUEST_HEADER_LENGTH) }
    const at = offset + NCP_REQUEST_HEADER_LENGTH
    if (layout === 'length') {
      need(buf, at, 3, 'length and subfunction')
      return { ...msg, length: buf.readUInt16BE(at), subfunction: buf[at + 2]!, data: buf.subarray(at + 3) }
    }
    if (layout === 'direct') {
      need(buf, at, 1, 'subfunction')
      return { ...msg, subfunction: buf[at]!, data: buf.subarray(at + 1) }
    }
    return msg
  }
  if (isReplyType(c.type)) {
    const r = NCP_REPLY_HEADER.read(buf, offset)
    return { kind: 'reply', ...common(r), completionCode: r.completionCode, connectionStatus: r.connectionStatus, data: buf.subarray(offset + NCP_REPLY_HEADER_LENGTH) }
  }
  if (c.type === NcpType.BurstModeTransfer) {
    const b = NCP_BURST_HEADER.read(buf, offset)
    return { kind: 'burst', ...b, data: buf.subarray(offset + NCP_BURST_HEADER_LENGTH) }
  }
  return { kind: 'other', ...common(c), data: buf.subarray(offset + NCP_COMMON_HEADER_LENGTH) }
}

function need (buf: Buffer, at: number, n: number, what: string): void {
  if (buf.length - at < n) {
    throw new DecodeError('ncp', 'IPX_ERR_TRUNCATED', buf.length, `the request's ${what} need ${n} bytes at ${at}, ${Math.max(0, buf.length - at)} remain`)
  }
}

/** Header length for the message's kind (and subfunction layout) plus the body. */
export function encodingLength (msg: NcpMessage): number {
  return headerLength(msg) + msg.data.length
}

function headerLength (msg: NcpMessage): number {
  switch (msg.kind) {
    case 'request': {
      const l = subfunctionLayout(msg.type, msg.function)
      return NCP_REQUEST_HEADER_LENGTH + (l === 'length' ? 3 : l === 'direct' ? 1 : 0)
    }
    case 'reply': return NCP_REPLY_HEADER_LENGTH
    case 'burst': return NCP_BURST_HEADER_LENGTH
    case 'other': return NCP_COMMON_HEADER_LENGTH
  }
}

function rawCommon (msg: NcpCommon): RawCommon {
  if (!(Number.isInteger(msg.connection) && msg.connection >= 0 && msg.connection <= 0xffff)) {
    throw new EncodeError('ncp', 'IPX_ERR_FIELD_RANGE', `connection must be an integer 0..0xffff, got ${msg.connection}`, 'connection')
  }
  return { type: msg.type, sequence: msg.sequence, connectionLow: msg.connection & 0xff, task: msg.task, connectionHigh: msg.connection >>> 8 }
}

function checkKind (msg: NcpMessage): void {
  const ok = msg.kind === 'request'
    ? isRequestType(msg.type)
    : msg.kind === 'reply'
      ? isReplyType(msg.type)
      : msg.kind === 'burst'
        ? msg.type === NcpType.BurstModeTransfer
        : !isRequestType(msg.type) && !isReplyType(msg.type) && msg.type !== NcpType.BurstModeTransfer
  if (!ok) throw new EncodeError('ncp', 'IPX_ERR_FIELD_RANGE', `type 0x${hex(msg.type, 4)} does not decode as a ${msg.kind}`, 'type')
}

function checkU (v: number | undefined, max: number, field: string): number {
  if (v === undefined || !(Number.isInteger(v) && v >= 0 && v <= max)) {
    throw new EncodeError('ncp', 'IPX_ERR_FIELD_RANGE', `${field} must be an integer 0..0x${max.toString(16)} for this function, got ${String(v)}`, field)
  }
  return v
}

/**
 * Writes the message at `offset` of `buf` (allocated when omitted) and returns `buf`. The `kind` must
 * match the type, and a request's `length`/`subfunction` must be present exactly when its function
 * takes them (EncodeError IPX_ERR_FIELD_RANGE), so that the bytes decode back to the same object.
 */
export function encode (msg: NcpMessage, buf?: Buffer, offset = 0): Buffer {
  checkKind(msg)
  const hl = headerLength(msg)
  const len = hl + msg.data.length
  const out = buf ?? Buffer.allocUnsafe(offset + len)
  if (!(offset >= 0 && out.length - offset >= len)) {
    throw new EncodeError('ncp', 'IPX_ERR_BUFFER_TOO_SMALL', `need ${len} bytes at offset ${offset}, buffer has ${out.length}`)
  }
  switch (msg.kind) {
    case 'request': {
      NCP_REQUEST_HEADER.write({ ...rawCommon(msg), function: msg.function }, out, offset)
      const l = subfunctionLayout(msg.type, msg.function)
      const at = offset + NCP_REQUEST_HEADER_LENGTH
      if (l === 'length') {
        out.writeUInt16BE(checkU(msg.length, 0xffff, 'length'), at)
        out[at + 2] = checkU(msg.subfunction, 0xff, 'subfunction')
      } else if (l === 'direct') {
        if (msg.length !== undefined) throw new EncodeError('ncp', 'IPX_ERR_FIELD_RANGE', `function 0x${hex(msg.function, 2)} has no length field`, 'length')
        out[at] = checkU(msg.subfunction, 0xff, 'subfunction')
      } else if (msg.length !== undefined || msg.subfunction !== undefined) {
        throw new EncodeError('ncp', 'IPX_ERR_FIELD_RANGE', `function 0x${hex(msg.function, 2)} of type 0x${hex(msg.type, 4)} takes no length or subfunction`, 'subfunction')
      }
      break
    }
    case 'reply':
      NCP_REPLY_HEADER.write({ ...rawCommon(msg), completionCode: msg.completionCode, connectionStatus: msg.connectionStatus }, out, offset)
      break
    case 'burst':
      NCP_BURST_HEADER.write(msg, out, offset)
      break
    case 'other':
      NCP_COMMON_HEADER.write(rawCommon(msg), out, offset)
      break
  }
  msg.data.copy(out, offset + hl)
  return out
}

/**
 * Names of functions as TShark 4.0.17 prints them in the Info column of a request
 * (`C <name>`, Wireshark `tools/ncp2222.py`). Functions that take a subfunction are named per
 * subfunction there; for them this table gives the service group of the function (Chappell &
 * Hakes, "NetWare LAN Analysis", the book `packet-ncp.c` cites), marked `(group)`.
 */
const FUNCTION_NAMES: ReadonlyMap<number, string> = new Map([
  [0x01, 'File Set Lock'], [0x02, 'File Release Lock'], [0x03, 'Log File Exclusive'], [0x04, 'Lock File Set'],
  [0x05, 'Release File'], [0x06, 'Release File Set'], [0x07, 'Clear File'], [0x08, 'Clear File Set'],
  [0x09, 'Log Logical Record'], [0x0a, 'Lock Logical Record Set'], [0x0b, 'Clear Logical Record'],
  [0x0c, 'Release Logical Record'], [0x0d, 'Release Logical Record Set'], [0x0e, 'Clear Logical Record Set'],
  [0x11, 'Print Services (group)'],
  [0x12, 'Get Volume Information'], [0x13, 'Get Station Number'], [0x14, 'Get File Server Date And Time'],
  [0x15, 'Message Services (group)'], [0x16, 'Directory Services (group)'], [0x17, 'File Server Environment (group)'],
  [0x18, 'End of Job'], [0x19, 'Logout'], [0x1a, 'Lock Record'], [0x1b, 'Lock Physical Record Set'],
  [0x1c, 'Release Lock Record'], [0x1d, 'Release Physical Record Set'], [0x1e, 'Clear Lock Record'],
  [0x1f, 'Clear Physical Record Set'], [0x20, 'Semaphore Services (group)'], [0x21, 'Negotiate Buffer Size'],
  [0x22, 'Transaction Tracking Services (group)'], [0x23, 'AFP Services (group)'], [0x24, 'NCP Extension Services (group)'],
  [0x25, 'Execute NCP Extension'], [0x3b, 'Commit File'], [0x3d, 'Commit File'], [0x3e, 'Initialize File Search'],
  [0x3f, 'File Search Continue'], [0x40, 'Search for File'], [0x41, 'Open File'], [0x42, 'Close File'],
  [0x43, 'Create File'], [0x44, 'Erase File'], [0x45, 'Rename File'], [0x46, 'Set File Attributes'],
  [0x47, 'Get Current Size of File'], [0x48, 'Read From File'], [0x49, 'Write to a File'],
  [0x4a, 'Copy from One File to Another'], [0x4b, 'Set Time and Date Stamp for File'], [0x4c, 'Open File'],
  [0x4d, 'Create File'], [0x4f, 'Set File Extended Attributes'], [0x54, 'Open/Create File'],
  [0x55, 'Get Sparse File Data Block Bitmap for File'], [0x56, 'Extended Attribute Services (group)'],
  [0x57, 'Enhanced File System Services (group)'], [0x5a, 'Data Migration Services (group)'],
  [0x5b, 'NMAS Graded Authentication'], [0x5c, 'SecretStore Services (group)'], [0x5e, 'NMAS Services (group)'],
  [0x61, 'Get Big Max Packet Size'], [0x62, 'Negotiate NDS connection buffer size'],
  [0x65, 'Packet Burst Connection Request'], [0x68, 'Novell Directory Services (group)'],
  [0x6f, 'Semaphore Services (group)'], [0x72, 'Time Synchronization Services (group)'],
  [0x7b, 'Server Statistics Services (group)'], [0x83, 'Migration / RPC Services (group)']
])

/** Name of a request function; unknown values read `Unknown(0x2b)`. */
export function functionName (fn: number): string {
  return FUNCTION_NAMES.get(fn) ?? `Unknown(0x${hex(fn, 2)})`
}

/** Name of an NCP type (Wireshark `ncp_type_vals`); unknown values read `Unknown(0x8000)`. */
export function typeName (type: number): string {
  return TYPE_NAMES.get(type) ?? `Unknown(0x${hex(type, 4)})`
}

/**
 * Common completion codes. Wireshark names a completion code per request (`tools/ncp2222.py`
 * lists the errors of each function), so one code can read differently there (0xFF is "I/O Bound
 * Error" after Read From File, "Unlock Error" after Close File); these are the names TShark 4.0.17
 * gives after Close File / Read From File / Open File, and the generic "Failure" for 0xFF.
 */
const COMPLETION_NAMES: ReadonlyMap<number, string> = new Map([
  [0x00, 'OK'], [0x80, 'Lock fail'], [0x81, 'Out of File Handles'], [0x82, 'Unauthorized to open the file'],
  [0x83, 'Unable to read/write the volume'], [0x88, 'Invalid file handle'],
  [0x93, 'Unauthorized to read from this file'], [0x94, 'Unauthorized to write to this file'],
  [0x96, 'The file server has run out of memory to service this request'], [0x98, 'Disk Map Error'],
  [0x9c, 'Invalid path'], [0xa1, 'An unrecoverable error occurred on the affected directory'],
  [0xfd, 'Bad station number'], [0xff, 'Failure']
])

/** Name of a completion code; unknown values read `Error(0x8d)`. */
export function completionCodeName (code: number): string {
  return COMPLETION_NAMES.get(code) ?? `Error(0x${hex(code, 2)})`
}

/** Connection status values as TShark 4.0.17 names them (`ncp.connection_status`). */
export const ConnectionStatus = {
  /** 0: OK. */
  Ok: 0x00,
  /** 0x01: bad service connection. */
  BadServiceConnection: 0x01,
  /** 0x10: the file server is down. */
  FileServerDown: 0x10,
  /** 0x40: a broadcast message is pending. */
  BroadcastMessagePending: 0x40
} as const
export type ConnectionStatus = typeof ConnectionStatus[keyof typeof ConnectionStatus]

const STATUS_NAMES: ReadonlyMap<number, string> = new Map([
  [0x00, 'Ok'], [0x01, 'Bad Service Connection'], [0x10, 'File Server is Down'], [0x40, 'Broadcast Message Pending']
])

/** Name of a connection status; unknown values read `Unknown(0x02)` (TShark flags them "Bad Connection Status"). */
export function connectionStatusName (status: number): string {
  return STATUS_NAMES.get(status) ?? `Unknown(0x${hex(status, 2)})`
}

/** One line for logs and test titles, after TShark's Info column (`C <function>` / `R <completion>`). */
export function describeNcp (msg: NcpMessage): string {
  switch (msg.kind) {
    case 'request': {
      const sub = msg.subfunction !== undefined ? `/0x${hex(msg.subfunction, 2)}` : ''
      return `NCP 0x${hex(msg.type, 4)} C ${functionName(msg.function)} (0x${hex(msg.function, 2)}${sub}) seq ${msg.sequence} conn ${msg.connection} task ${msg.task}`
    }
    case 'reply':
      return `NCP 0x${hex(msg.type, 4)} R ${completionCodeName(msg.completionCode)} status ${connectionStatusName(msg.connectionStatus)} seq ${msg.sequence} conn ${msg.connection} task ${msg.task}`
    case 'burst':
      return `NCP burst flags 0x${hex(msg.systemFlags, 2)} conn ${msg.srcConnection}->${msg.dstConnection} seq ${msg.packetSequence} burst ${msg.burstSequence} ack ${msg.ackSequence} offset ${msg.dataOffset} bytes ${msg.dataBytes}`
    case 'other':
      return `NCP ${typeName(msg.type)} seq ${msg.sequence} conn ${msg.connection} task ${msg.task}`
  }
}
