/**
 * The ipxlab native frame on port 2644 (protocol/tunnel/SPEC.md §2): `encode` / `decode` /
 * `encodingLength`, derived from {@link NATIVE_HEADER}; `classify` tells native frames from bare IPX
 * (DOSBox, RFC 1234) on the first two bytes.
 *
 * The design is ipxlab's own labelled reconstruction of "Travsoft IPX Tunnel" (IANA 2644); see the
 * registry in SPEC.md §8 for what is documented, inferred or invented.
 */
import { defineLayout } from '../layout.js'
import { DecodeError, EncodeError } from '../errors.js'
import { IPX_HEADER_LENGTH, hex } from '../constants.js'
import { formatNode } from '../ipx/address.js'
import { describeHeader, decode as decodeIpxHeader } from '../ipx/header.js'
import { MessageType, bodyLength, messageTypeName } from './messages.js'
import { FRAGMENT_HEADER_LENGTH } from './fragment.js'
import { MICROS_PER_SECOND } from './timestamp.js'
import type { Timestamp } from './timestamp.js'

/** `IX` (0x49 0x58): never FFFF, the value RFC 1234 and DOSBox put first (SPEC.md R4, R10). */
export const NATIVE_MAGIC = 0x4958
/** The version of every frame but fragments: what a version 1 peer reads (SPEC.md §2). */
export const NATIVE_VERSION = 1
/**
 * Version 2 = version 1 plus the fragment message (type 7, SPEC.md §3.2). Only fragment frames are
 * sent as version 2, and only to a peer whose hello announced {@link Capability.Fragment}, so a
 * version 1 peer never sees one (and would count it `unsupported` if it did).
 */
export const NATIVE_VERSION_LFI = 2
/** Fixed header size in bytes; also the smallest frame (a keepalive). */
export const NATIVE_HEADER_LENGTH = 28
/** HMAC-SHA-256 truncated to 128 bits (RFC 4868 §2.6; SPEC.md §4). */
export const AUTH_TAG_LENGTH = 16
/** Largest frame: `length` is a u16. */
export const NATIVE_MAX_LENGTH = 0xffff

/** Flag bits (header offset 6). Bits not listed here are reserved and rejected (SPEC.md §2). */
export const FrameFlag = {
  /** 0x01: a 16-byte HMAC tag ends the frame; `keyId` names the key. */
  Authenticated: 0x01
} as const
/** Every flag bit version 1 defines. */
export const KNOWN_FLAGS = FrameFlag.Authenticated

/** The fixed 28-byte native header. */
export interface NativeHeader {
  /** Offset 0, u16: {@link NATIVE_MAGIC}. */
  magic: number
  /** Offset 2, u16: the whole frame in bytes (header, options, payload, tag); at least 28. */
  length: number
  /** Offset 4, u8: {@link NATIVE_VERSION}. */
  version: number
  /** Offset 5, u8: {@link MessageType}. */
  type: number
  /** Offset 6, u8: {@link FrameFlag} bits. */
  flags: number
  /** Offset 7, u8: bytes before the payload, 28 + options. */
  headerLength: number
  /** Offset 8, u8: QoS class chosen by the sender's classifier; 0 = default. */
  trafficClass: number
  /** Offset 9, u8: key that made the tag; 0 when not authenticated. */
  keyId: number
  /** Offset 10, u48: sender node id (its IPX node number). */
  node: number
  /** Offset 16, u32: per-link sequence, +1 per frame, wrapping. */
  sequence: number
  /** Offsets 20 and 24: send time, u32 seconds + u32 microseconds. */
  timestamp: Timestamp
}

/** The single description of the native header; decoder, encoder and book table derive from it. */
export const NATIVE_HEADER = defineLayout<NativeHeader>('tunnel', 'ipxlab native frame header', [
  { name: 'magic', type: 'u16', doc: '0x4958 "IX"; never FFFF, so never mistaken for IPX (RFC 1234 reserves non-FFFF)' },
  { name: 'length', type: 'u16', doc: 'whole frame in bytes incl. header, options, payload and tag; at least 28; same place as the IPX length' },
  { name: 'version', type: 'u8', doc: '1; 2 for fragments (type 7, LFI), which only a peer announcing the fragment capability is sent' },
  { name: 'type', type: 'u8', doc: '1 data, 2 hello, 3 hello-ack, 4 keepalive, 5 keepalive-ack, 6 bye, 7 fragment (version 2)' },
  { name: 'flags', type: 'u8', doc: '0x01 authenticated (16-byte tag at the end); other bits reserved, rejected' },
  { name: 'headerLength', type: 'u8', doc: 'bytes before the payload: 28 + options' },
  { name: 'trafficClass', type: 'u8', doc: 'QoS class chosen by the sender; 0 default' },
  { name: 'keyId', type: 'u8', doc: 'pre-shared key that made the tag; 0 if not authenticated' },
  { name: 'node', type: 'u48', doc: 'sender node id (its IPX node number)' },
  { name: 'sequence', type: 'u32', doc: 'per link and sender, +1 per frame, wraps at 2^32' },
  { name: 'timestamp.seconds', type: 'u32', doc: 'send time, seconds since the Unix epoch' },
  { name: 'timestamp.micros', type: 'u32', doc: 'send time, microseconds 0..999999' }
])

/**
 * Offsets of the header fields, for allocation-free peeks and error offsets. Re-stated from
 * {@link NATIVE_HEADER} because a peek must not go through the object-building decoder; a test
 * checks that they agree.
 */
export const NativeOffset = {
  magic: 0,
  length: 2,
  version: 4,
  type: 5,
  flags: 6,
  headerLength: 7,
  trafficClass: 8,
  keyId: 9,
  node: 10,
  sequence: 16,
  timestampSeconds: 20,
  timestampMicros: 24
} as const

/** A whole native frame. Buffers are views into the decoded buffer (no copy). */
export interface NativeFrame {
  header: NativeHeader
  /** Header bytes 28..headerLength; empty as ipxlab sends. */
  options: Buffer
  /** The body: for data one IPX packet, else the type's body (see messages.ts). */
  payload: Buffer
  /** The 16-byte tag when {@link FrameFlag.Authenticated} is set, else undefined. */
  tag: Buffer | undefined
}

/** What arrived on port 2644, by its first two bytes (SPEC.md §1). */
export type Encapsulation = 'native' | 'ipx' | 'unknown'

/**
 * Tells a native frame (`IX`) from bare IPX (`FF FF`, DOSBox and RFC 1234) and anything else, on the
 * first two bytes at `offset`. Reads two bytes and allocates nothing (literals are interned).
 */
export function classify (buf: Uint8Array, offset = 0): Encapsulation {
  if (!(offset >= 0 && buf.length - offset >= 2)) return 'unknown'
  const b0 = buf[offset]!
  const b1 = buf[offset + 1]!
  if (b0 === 0x49 && b1 === 0x58) return 'native'
  if (b0 === 0xff && b1 === 0xff) return 'ipx'
  return 'unknown'
}

/** Hot-path copy of {@link MessageType.Data}: one load instead of a property read through the import per frame. */
const DATA = MessageType.Data
const FRAGMENT = MessageType.Fragment

/** The version rule of SPEC.md §2: fragments are version 2, everything else version 1 or 2. */
function versionFault (version: number, type: number): string | undefined {
  if (version !== NATIVE_VERSION && version !== NATIVE_VERSION_LFI) return `version ${version} is not supported (only 1 and 2)`
  if (type === FRAGMENT && version !== NATIVE_VERSION_LFI) return 'a fragment (type 7) needs version 2'
  return undefined
}

function isAuthenticated (flags: number): boolean {
  return (flags & FrameFlag.Authenticated) !== 0
}

/** Bytes of the frame: header + options + payload + tag. */
export function encodingLength (frame: NativeFrame): number {
  return NATIVE_HEADER_LENGTH + frame.options.length + frame.payload.length +
    (isAuthenticated(frame.header.flags) ? AUTH_TAG_LENGTH : 0)
}

/**
 * The body rule of SPEC.md §3 for a payload at [start, end) of `buf`. Returns undefined when it
 * holds, else the code, the offset and a message; shared by the decoder and the encoder so that
 * an encoded frame always decodes.
 */
function bodyFault (type: number, buf: Uint8Array, start: number, end: number):
  { code: 'IPX_ERR_BAD_LENGTH' | 'IPX_ERR_LENGTH_BEYOND_DATA', at: number, message: string } | undefined {
  const size = end - start
  if (type === DATA) {
    if (size < IPX_HEADER_LENGTH) {
      return { code: 'IPX_ERR_BAD_LENGTH', at: start, message: `data body of ${size} bytes is shorter than an IPX header` }
    }
    // One whole IPX packet, no padding: its length field (IPX offset 2) must equal the body size.
    const ipxLength = (buf[start + 2]! << 8) | buf[start + 3]!
    if (ipxLength < IPX_HEADER_LENGTH || ipxLength < size) {
      return { code: 'IPX_ERR_BAD_LENGTH', at: start + 2, message: `IPX length ${ipxLength} is below 30 or below the ${size}-byte body` }
    }
    if (ipxLength > size) {
      return { code: 'IPX_ERR_LENGTH_BEYOND_DATA', at: start + 2, message: `IPX length ${ipxLength} exceeds the ${size}-byte body` }
    }
    return undefined
  }
  if (type === FRAGMENT && size <= FRAGMENT_HEADER_LENGTH) {
    return { code: 'IPX_ERR_BAD_LENGTH', at: start, message: `fragment body of ${size} bytes holds no data after its ${FRAGMENT_HEADER_LENGTH}-byte header` }
  }
  const want = bodyLength(type)
  if (want >= 0 && size !== want) {
    return { code: 'IPX_ERR_BAD_LENGTH', at: start, message: `${messageTypeName(type)} body must be ${want} bytes, got ${size}` }
  }
  return undefined
}

/**
 * Decodes the native frame occupying exactly [offset, end) of `buf` (a UDP datagram, or one frame a
 * deframer yielded). Checks, in order (SPEC.md §7): magic, length, version, flags, headerLength,
 * microseconds, the type's body rule. Throws only {@link DecodeError}, protocol `tunnel`.
 */
export function decode (buf: Buffer, offset = 0, end: number = buf.length): NativeFrame {
  if (!(Number.isInteger(offset) && Number.isInteger(end) && offset >= 0 && end <= buf.length && offset <= end)) {
    throw new DecodeError('tunnel', 'IPX_ERR_TRUNCATED', Math.max(0, offset), `no bytes at [${offset}, ${end}) of a ${buf.length}-byte buffer`)
  }
  const available = end - offset
  if (available >= 2 && ((buf[offset]! << 8) | buf[offset + 1]!) !== NATIVE_MAGIC) {
    throw new DecodeError('tunnel', 'IPX_ERR_BAD_MAGIC', offset, `magic 0x${hex((buf[offset]! << 8) | buf[offset + 1]!, 4)} is not 0x4958 "IX"`)
  }
  if (available < 4) {
    throw new DecodeError('tunnel', 'IPX_ERR_TRUNCATED', offset, `${available} bytes cannot hold a native frame's magic and length`)
  }
  const length = (buf[offset + 2]! << 8) | buf[offset + 3]!
  if (length < NATIVE_HEADER_LENGTH) {
    throw new DecodeError('tunnel', 'IPX_ERR_BAD_LENGTH', offset + NativeOffset.length, `length ${length} is below the 28-byte header`)
  }
  if (length > available) {
    throw new DecodeError('tunnel', 'IPX_ERR_LENGTH_BEYOND_DATA', offset + NativeOffset.length, `length ${length} exceeds the ${available} bytes present`)
  }
  if (length < available) {
    throw new DecodeError('tunnel', 'IPX_ERR_BAD_LENGTH', offset + NativeOffset.length, `length ${length} leaves ${available - length} trailing bytes`)
  }
  // From here the whole frame is present and at least 28 bytes long, so the layout read cannot fail.
  const header = NATIVE_HEADER.read(buf, offset)
  const vf = versionFault(header.version, header.type)
  if (vf !== undefined) throw new DecodeError('tunnel', 'IPX_ERR_BAD_VALUE', offset + NativeOffset.version, vf)
  if ((header.flags & ~KNOWN_FLAGS) !== 0) {
    throw new DecodeError('tunnel', 'IPX_ERR_BAD_VALUE', offset + NativeOffset.flags, `reserved flag bits set in 0x${hex(header.flags, 2)}`)
  }
  if (header.headerLength < NATIVE_HEADER_LENGTH) {
    throw new DecodeError('tunnel', 'IPX_ERR_BAD_LENGTH', offset + NativeOffset.headerLength, `headerLength ${header.headerLength} is below 28`)
  }
  const tagLength = isAuthenticated(header.flags) ? AUTH_TAG_LENGTH : 0
  if (header.headerLength + tagLength > length) {
    throw new DecodeError('tunnel', 'IPX_ERR_LENGTH_BEYOND_DATA', offset + NativeOffset.headerLength,
      `headerLength ${header.headerLength} and a ${tagLength}-byte tag exceed the ${length}-byte frame`)
  }
  if (header.timestamp.micros >= MICROS_PER_SECOND) {
    throw new DecodeError('tunnel', 'IPX_ERR_BAD_VALUE', offset + NativeOffset.timestampMicros, `timestamp micros ${header.timestamp.micros} exceeds 999999`)
  }
  const payloadStart = offset + header.headerLength
  const payloadEnd = offset + length - tagLength
  const fault = bodyFault(header.type, buf, payloadStart, payloadEnd)
  if (fault !== undefined) throw new DecodeError('tunnel', fault.code, fault.at, fault.message)
  return {
    header,
    options: buf.subarray(offset + NATIVE_HEADER_LENGTH, payloadStart),
    payload: buf.subarray(payloadStart, payloadEnd),
    tag: tagLength > 0 ? buf.subarray(payloadEnd, offset + length) : undefined
  }
}

/**
 * Throws the encoder's IPX_ERR_FIELD_RANGE. A module function, not a closure inside {@link encode}:
 * a closure would be created on every call (and, under tsx/esbuild's keep-names, renamed with an
 * `Object.defineProperty` each time), which was a quarter of the link's per-frame work.
 */
function fail (field: string, message: string): never {
  throw new EncodeError('tunnel', 'IPX_ERR_FIELD_RANGE', message, field)
}

/**
 * Writes the frame at `offset` of `buf` (allocated when omitted) and returns `buf`. The header must
 * agree with the parts (use {@link makeFrame}): magic, version 1, `length`, `headerLength`, known
 * flags, a 16-byte tag only when authenticated (zeros are written when the tag is omitted, for
 * {@link sign} to fill in), and the type's body rule. Throws {@link EncodeError}.
 */
export function encode (frame: NativeFrame, buf?: Buffer, offset = 0): Buffer {
  const h = frame.header
  const len = encodingLength(frame)
  if (h.magic !== NATIVE_MAGIC) fail('magic', `magic must be 0x4958, got ${h.magic}`)
  const vf = versionFault(h.version, h.type)
  if (vf !== undefined) fail('version', vf)
  if (!Number.isInteger(h.flags) || (h.flags & ~KNOWN_FLAGS) !== 0) fail('flags', `unknown flag bits in ${h.flags}`)
  if (len > NATIVE_MAX_LENGTH) {
    throw new EncodeError('tunnel', 'IPX_ERR_TOO_LARGE', `frame of ${len} bytes exceeds the u16 length`, 'length')
  }
  if (h.length !== len) fail('length', `length ${h.length} disagrees with the ${len}-byte frame`)
  if (h.headerLength !== NATIVE_HEADER_LENGTH + frame.options.length) {
    fail('headerLength', `headerLength ${h.headerLength} disagrees with 28 + ${frame.options.length} option bytes`)
  }
  if (h.timestamp.micros >= MICROS_PER_SECOND) fail('timestamp.micros', `micros ${h.timestamp.micros} exceeds 999999`)
  const auth = isAuthenticated(h.flags)
  if (frame.tag !== undefined && (!auth || frame.tag.length !== AUTH_TAG_LENGTH)) {
    fail('tag', auth ? `tag must be ${AUTH_TAG_LENGTH} bytes, got ${frame.tag.length}` : 'a tag needs the authenticated flag')
  }
  const fault = bodyFault(h.type, frame.payload, 0, frame.payload.length)
  if (fault !== undefined) fail('payload', fault.message)
  const out = buf ?? Buffer.allocUnsafe(offset + len)
  if (!(Number.isInteger(offset) && offset >= 0 && offset + len <= out.length)) {
    throw new EncodeError('tunnel', 'IPX_ERR_BUFFER_TOO_SMALL', `need ${len} bytes at offset ${offset}, buffer has ${out.length}`)
  }
  NATIVE_HEADER.write(h, out, offset)
  let at = offset + NATIVE_HEADER_LENGTH
  at += frame.options.copy(out, at)
  at += frame.payload.copy(out, at)
  if (auth) {
    if (frame.tag !== undefined) frame.tag.copy(out, at)
    else out.fill(0, at, at + AUTH_TAG_LENGTH)
  }
  return out
}

/** The fields a caller chooses; magic, version, lengths and the authenticated flag are derived. */
export interface FrameFields {
  /** {@link MessageType}. */
  type: number
  /** Sender node id, u48. */
  node: number
  /** Per-link sequence, u32. */
  sequence: number
  /** Send time; default 0.0 (the codec has no clock). */
  timestamp?: Timestamp
  /** QoS class; default 0. */
  trafficClass?: number
  /** Key id; default 0. Meaningful only with `authenticated`. */
  keyId?: number
  /** Reserve a tag (to be filled by `sign`); default false. */
  authenticated?: boolean
  /** Header option bytes; default none. */
  options?: Buffer
}

/**
 * Builds a consistent frame around `payload` (for data, one whole IPX packet): lengths computed,
 * tag left undefined (encoded as zeros until signed). Throws IPX_ERR_TOO_LARGE above 65 535 bytes.
 */
export function makeFrame (fields: FrameFields, payload: Buffer = Buffer.alloc(0)): NativeFrame {
  const options = fields.options ?? Buffer.alloc(0)
  const auth = fields.authenticated === true
  const headerLength = NATIVE_HEADER_LENGTH + options.length
  const length = headerLength + payload.length + (auth ? AUTH_TAG_LENGTH : 0)
  if (length > NATIVE_MAX_LENGTH || headerLength > 0xff) {
    throw new EncodeError('tunnel', 'IPX_ERR_TOO_LARGE', `frame of ${length} bytes (header ${headerLength}) does not fit the length fields`, 'length')
  }
  const ts = fields.timestamp ?? { seconds: 0, micros: 0 }
  return {
    header: {
      magic: NATIVE_MAGIC,
      length,
      version: fields.type === FRAGMENT ? NATIVE_VERSION_LFI : NATIVE_VERSION,
      type: fields.type,
      flags: auth ? FrameFlag.Authenticated : 0,
      headerLength,
      trafficClass: fields.trafficClass ?? 0,
      keyId: fields.keyId ?? 0,
      node: fields.node,
      sequence: fields.sequence,
      timestamp: { seconds: ts.seconds, micros: ts.micros }
    },
    options,
    payload,
    tag: undefined
  }
}

/**
 * One line for logs and test titles, e.g.
 * `IX data node 00:00:00:00:00:0a seq 7 class 2 key 1 auth len 78 [IPX NCP ... ]`.
 */
export function describeFrame (frame: NativeFrame): string {
  const h = frame.header
  let s = `IX v${h.version} ${messageTypeName(h.type)} node ${formatNode(h.node)} seq ${h.sequence} class ${h.trafficClass}`
  if (isAuthenticated(h.flags)) s += ` key ${h.keyId} auth`
  s += ` len ${h.length}`
  if (frame.options.length > 0) s += ` opts ${frame.options.length}`
  if (h.type === MessageType.Data) {
    try {
      s += ` [${describeHeader(decodeIpxHeader(frame.payload))}]`
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err
      s += ' [malformed IPX]'
    }
  }
  return s
}

