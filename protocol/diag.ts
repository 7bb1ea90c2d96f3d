/**
 * IPX diagnostics (socket 0x0456): the configuration request and the fixed part of the
 * configuration response. TShark 4.0 has no dissector for this socket (it shows the payload as
 * data), so the layout comes from Novell's descriptions:
 *  - Novell, "IPX Diagnostic Responder" (NetWare Connection, March 1998, ftp.novell.com
 *    pub/nwc-online mar98): reply = version (2 x 1 byte), SPX diagnostic socket (2), number of
 *    components (1), component IDs (1 byte each; 0 IPX/SPX, 1 router driver, 2 LAN driver, 3 shell,
 *    4 VAP, 6 server or router, 9 DOS application), then for a router "number of local networks"
 *    and per network a type (1), network (4) and node (6);
 *  - A. Frolov, "Локальные сети персональных компьютеров" ch. 2 "Диагностический сервис IPX":
 *    request `struct { unsigned char Exclusions; unsigned char List[80][6]; }` sent to 0x0456,
 *    response `struct { MajorVersion; MinorVersion; unsigned SPXDiagnosticSocket; ComponentCount; }`.
 * The two disagree on naming the version bytes (Novell calls the first byte "minor version" but
 * says it holds "the first digit" of the version, e.g. the 1 of 1.0); ipxlab follows Frolov: the
 * first byte is the major version.
 *
 * Uncertain, so kept as bytes: the component list. Which component IDs are followed by extra data
 * (the router/server network list) and its exact layout cannot be confirmed from these sources,
 * so `components` holds every byte after the fixed 5-byte part, unparsed.
 */
import { defineLayout } from './layout.js'
import { DecodeError, EncodeError } from './errors.js'
import { hex } from './constants.js'
import { formatNode } from './ipx/address.js'

/** Most exclusion addresses a request carries (Frolov: `List[80][6]`). */
export const DIAG_MAX_EXCLUSIONS = 80
/** Size of one exclusion entry, a 6-byte node address. */
export const DIAG_EXCLUSION_LENGTH = 6
/** Fixed part of a configuration response: major, minor, SPX diagnostic socket, component count. */
export const DIAG_RESPONSE_HEADER_LENGTH = 5

/** Component IDs (Novell "IPX Diagnostic Responder", March 1998). */
export const DiagComponent = {
  /** 0: IPX/SPX stack. */
  IpxSpx: 0,
  /** 1: router driver. */
  RouterDriver: 1,
  /** 2: LAN driver. */
  LanDriver: 2,
  /** 3: shell. */
  Shell: 3,
  /** 4: value-added process. */
  Vap: 4,
  /** 6: server or router. */
  ServerOrRouter: 6,
  /** 9: DOS application. */
  DosApplication: 9
} as const
export type DiagComponent = typeof DiagComponent[keyof typeof DiagComponent]

/** A configuration request: the nodes that must not answer (all others on the network do). */
export interface DiagRequest {
  kind: 'request'
  /** Offset 1, 6 bytes each: exclusion node addresses; offset 0 holds their count (0..80). */
  exclusions: number[]
}

/** A configuration response. */
export interface DiagResponse {
  kind: 'response'
  /** Offset 0, u8: major version (1 for both servers, 1.0, and clients, 1.1). */
  majorVersion: number
  /** Offset 1, u8: minor version. */
  minorVersion: number
  /** Offset 2, u16: socket to use for SPX diagnostic queries. */
  spxDiagnosticSocket: number
  /** Offset 4, u8: number of components. */
  componentCount: number
  /** Offset 5..: the component list, kept as bytes (see the module comment). */
  components: Buffer
}

/** A decoded diagnostics message. */
export type DiagMessage = DiagRequest | DiagResponse

type RawResponse = Omit<DiagResponse, 'kind' | 'components'>

/** The fixed part of the configuration response. */
export const DIAG_RESPONSE_HEADER = defineLayout<RawResponse>('diag', 'IPX diagnostics configuration response', [
  { name: 'majorVersion', type: 'u8', doc: 'major version of the diagnostic responder' },
  { name: 'minorVersion', type: 'u8', doc: 'minor version (servers 1.0, clients 1.1)' },
  { name: 'spxDiagnosticSocket', type: 'u16', doc: 'socket for SPX diagnostic queries' },
  { name: 'componentCount', type: 'u8', doc: 'number of components listed next' }
])

/**
 * Decodes a configuration request or response at `offset` (the IPX payload). Which one it is comes
 * from the direction: requests go TO socket 0x0456, responses come back FROM it (see `upper.ts`).
 * Throws IPX_ERR_TRUNCATED, or IPX_ERR_BAD_VALUE for more than 80 exclusions.
 */
export function decode (buf: Buffer, offset = 0, kind: DiagMessage['kind'] = 'request'): DiagMessage {
  return kind === 'request' ? decodeRequest(buf, offset) : decodeResponse(buf, offset)
}

/**
 * A request: count (u8) then `count` 6-byte nodes. Bytes after the last listed node are ignored
 * (a sender may transmit the whole 80-entry array, Frolov's struct).
 */
export function decodeRequest (buf: Buffer, offset = 0): DiagRequest {
  if (!(offset >= 0 && buf.length - offset >= 1)) {
    throw new DecodeError('diag', 'IPX_ERR_TRUNCATED', Math.max(0, buf.length), 'a configuration request needs its exclusion count')
  }
  const count = buf[offset]!
  if (count > DIAG_MAX_EXCLUSIONS) {
    throw new DecodeError('diag', 'IPX_ERR_BAD_VALUE', offset, `exclusion count ${count} exceeds ${DIAG_MAX_EXCLUSIONS}`)
  }
  const need = 1 + count * DIAG_EXCLUSION_LENGTH
  if (buf.length - offset < need) {
    throw new DecodeError('diag', 'IPX_ERR_TRUNCATED', buf.length, `${count} exclusions need ${need} bytes, ${buf.length - offset} remain`)
  }
  const exclusions: number[] = []
  for (let i = 0, at = offset + 1; i < count; i++, at += DIAG_EXCLUSION_LENGTH) {
    exclusions.push(buf.readUInt16BE(at) * 0x100000000 + buf.readUInt32BE(at + 2))
  }
  return { kind: 'request', exclusions }
}

/**
 * A response: the 5-byte fixed part, then the component bytes. Each component is at least its
 * 1-byte ID, so fewer bytes than `componentCount` is IPX_ERR_TRUNCATED.
 */
export function decodeResponse (buf: Buffer, offset = 0): DiagResponse {
  const r = DIAG_RESPONSE_HEADER.read(buf, offset)
  const at = offset + DIAG_RESPONSE_HEADER_LENGTH
  if (buf.length - at < r.componentCount) {
    throw new DecodeError('diag', 'IPX_ERR_TRUNCATED', buf.length, `${r.componentCount} components need at least ${r.componentCount} bytes, ${buf.length - at} remain`)
  }
  return { kind: 'response', ...r, components: buf.subarray(at) }
}

/** Encoded size: 1 + 6 x exclusions, or 5 + component bytes. */
export function encodingLength (msg: DiagMessage): number {
  return msg.kind === 'request'
    ? 1 + msg.exclusions.length * DIAG_EXCLUSION_LENGTH
    : DIAG_RESPONSE_HEADER_LENGTH + msg.components.length
}

/** Writes the message at `offset` of `buf` (allocated when omitted) and returns `buf`. Throws EncodeError. */
export function encode (msg: DiagMessage, buf?: Buffer, offset = 0): Buffer {
  if (msg.kind === 'request' && msg.exclusions.length > DIAG_MAX_EXCLUSIONS) {
    throw new EncodeError('diag', 'IPX_ERR_TOO_LARGE', `${msg.exclusions.length} exclusions exceed ${DIAG_MAX_EXCLUSIONS}`, 'exclusions')
  }
  const len = encodingLength(msg)
  const out = buf ?? Buffer.allocUnsafe(offset + len)
  if (!(offset >= 0 && out.length - offset >= len)) {
    throw new EncodeError('diag', 'IPX_ERR_BUFFER_TOO_SMALL', `need ${len} bytes at offset ${offset}, buffer has ${out.length}`)
  }
  if (msg.kind === 'request') {
    out[offset] = msg.exclusions.length
    msg.exclusions.forEach((node, i) => {
      if (!(Number.isInteger(node) && node >= 0 && node <= 0xffffffffffff)) {
        throw new EncodeError('diag', 'IPX_ERR_FIELD_RANGE', `exclusion ${i} must be a 48-bit node, got ${node}`, `exclusions.${i}`)
      }
      const at = offset + 1 + i * DIAG_EXCLUSION_LENGTH
      out.writeUInt16BE(Math.floor(node / 0x100000000), at)
      out.writeUInt32BE(node % 0x100000000, at + 2)
    })
    return out
  }
  if (msg.components.length < msg.componentCount) {
    throw new EncodeError('diag', 'IPX_ERR_FIELD_RANGE', `componentCount ${msg.componentCount} exceeds the ${msg.components.length} component bytes`, 'componentCount')
  }
  DIAG_RESPONSE_HEADER.write(msg, out, offset)
  msg.components.copy(out, offset + DIAG_RESPONSE_HEADER_LENGTH)
  return out
}

/** One line for logs and test titles. */
export function describeDiag (msg: DiagMessage): string {
  if (msg.kind === 'request') {
    const list = msg.exclusions.length > 0 ? `: ${msg.exclusions.map(formatNode).join(', ')}` : ''
    return `IPX DIAG configuration request, ${msg.exclusions.length} exclusions${list}`
  }
  return `IPX DIAG configuration response v${msg.majorVersion}.${msg.minorVersion} SPX diag socket 0x${hex(msg.spxDiagnosticSocket, 4)} ` +
    `${msg.componentCount} components, bytes ${msg.components.toString('hex')}`
}
