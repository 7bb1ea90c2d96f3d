/**
 * The SNP datagram on udp 2629 (protocol/snp/SPEC.md §2, §5): the fixed 26-byte header
 * ({@link SNP_HEADER}), the structural checks every datagram passes before its body is read
 * ({@link readFrame}), and authentication with the native link's keys.
 *
 * Authentication reuses `tunnel.sign` / `tunnel.verify` (HMAC-SHA-256-128, constant-time compare)
 * over a native pseudo-header of version 0 followed by the SNP bytes (SPEC.md §5), so there is one
 * HMAC implementation in the codec, and the version-0 byte keeps SNP and native tags apart.
 *
 * The whole format is ipxlab's labelled reconstruction of the "Sitara Network Protocol" (IANA 2629);
 * see the registry in SPEC.md §8.
 */
import { defineLayout } from '../layout.js'
import { DecodeError, EncodeError } from '../errors.js'
import { hex } from '../constants.js'
import { MICROS_PER_SECOND } from '../tunnel/timestamp.js'
import type { Timestamp } from '../tunnel/timestamp.js'
import {
  AUTH_TAG_LENGTH, FrameFlag, NATIVE_HEADER, NATIVE_HEADER_LENGTH, NATIVE_MAGIC
} from '../tunnel/frame.js'
import { MIN_KEY_LENGTH, sign as signNative, verify as verifyNative } from '../tunnel/auth.js'
import type { VerifyResult } from '../tunnel/auth.js'

export { AUTH_TAG_LENGTH }
export type { VerifyResult }

/** `SN` (0x53 0x4E): neither the native `IX` nor FFFF, the bare-IPX first bytes (SPEC.md §1, S6). */
export const SNP_MAGIC = 0x534e
/** The only version this codec speaks. */
export const SNP_VERSION = 1
/** Fixed header size in bytes. */
export const SNP_HEADER_LENGTH = 26
/**
 * Largest datagram an encoder produces by default: one IP packet on any Ethernet path, even over
 * IPv6 (1500 − 40 − 8 = 1452) with room for a VPN or PPPoE header (SPEC.md §2, S9).
 */
export const SNP_MAX_DATAGRAM = 1400
/**
 * Largest datagram at all: the largest IPv4 UDP payload, 65 535 − 20 (IP) − 8 (UDP) (RFC 791,
 * RFC 768). Also exactly what keeps the 28-byte pseudo-header plus the datagram within the native
 * u16 length used for the tag (SPEC.md §5).
 */
export const SNP_MAX_LENGTH = 65_507

/** Flag bits (header offset 6). Other bits are reserved, and rejected (SPEC.md §2). */
export const SnpFlag = {
  /** 0x01: a 16-byte HMAC-SHA-256-128 tag ends the datagram; `keyId` names the key. */
  Authenticated: FrameFlag.Authenticated
} as const
/** Every flag bit version 1 defines. */
export const SNP_KNOWN_FLAGS = SnpFlag.Authenticated

/** The fixed 26-byte SNP header. */
export interface SnpHeader {
  /** Offset 0, u16: {@link SNP_MAGIC}. */
  magic: number
  /** Offset 2, u16: the whole datagram in bytes (header, body, tag); 26..65 507. */
  length: number
  /** Offset 4, u8: {@link SNP_VERSION}. */
  version: number
  /** Offset 5, u8: message type (`MessageType` in messages.ts). */
  type: number
  /** Offset 6, u8: {@link SnpFlag} bits. */
  flags: number
  /** Offset 7, u8: key that made the tag (the native link's key ids); 0 when not authenticated. */
  keyId: number
  /** Offset 8, u48: sender node id (its IPX node number, as in its native frames). */
  node: number
  /** Offset 14, u32: per-sender SNP sequence, +1 per datagram, wrapping. */
  sequence: number
  /** Offsets 18 and 22: send time, u32 seconds + u32 microseconds. */
  timestamp: Timestamp
}

/** The single description of the SNP header; decoder, encoder and book table derive from it. */
export const SNP_HEADER = defineLayout<SnpHeader>('snp', 'SNP datagram header', [
  { name: 'magic', type: 'u16', doc: '0x534E "SN"; never "IX" (native tunnel) nor FFFF (bare IPX)' },
  { name: 'length', type: 'u16', doc: 'whole datagram in bytes incl. header, body and tag; 26..65507; equals the UDP payload' },
  { name: 'version', type: 'u8', doc: '1; anything else is rejected' },
  { name: 'type', type: 'u8', doc: '1 hello, 2 hello-ack, 3 probe, 4 probe-reply, 5 report, 6 bye' },
  { name: 'flags', type: 'u8', doc: '0x01 authenticated (16-byte tag at the end); other bits reserved, rejected' },
  { name: 'keyId', type: 'u8', doc: 'native-link key that made the tag; 0 if not authenticated' },
  { name: 'node', type: 'u48', doc: 'sender node id (its IPX node number)' },
  { name: 'sequence', type: 'u32', doc: 'per sender on 2629, +1 per datagram, wraps at 2^32; replay window' },
  { name: 'timestamp.seconds', type: 'u32', doc: 'send time, seconds since the Unix epoch' },
  { name: 'timestamp.micros', type: 'u32', doc: 'send time, microseconds 0..999999' }
])

/**
 * Header offsets for allocation-free peeks and error offsets, re-stated from {@link SNP_HEADER}
 * (a test checks that they agree).
 */
export const SnpOffset = {
  magic: 0,
  length: 2,
  version: 4,
  type: 5,
  flags: 6,
  keyId: 7,
  node: 8,
  sequence: 14,
  timestampSeconds: 18,
  timestampMicros: 22
} as const

/** A structurally valid datagram: the header and where its body and tag lie in the buffer. */
export interface SnpFrame {
  header: SnpHeader
  /** The body bytes (a view, no copy). */
  body: Buffer
  /** The 16-byte tag (a view) when authenticated, else undefined. */
  tag: Buffer | undefined
}

/** True when `flags` has the authenticated bit. */
export function isAuthenticated (flags: number): boolean {
  return (flags & SnpFlag.Authenticated) !== 0
}

/**
 * Whether the bytes at `offset` start with the SNP magic. Reads two bytes, allocates nothing; use it
 * to tell SNP from native (`IX`) or bare IPX (`FF FF`) datagrams arriving on the wrong port.
 */
export function isSnp (buf: Uint8Array, offset = 0): boolean {
  return offset >= 0 && buf.length - offset >= 2 && buf[offset] === 0x53 && buf[offset + 1] === 0x4e
}

function fail (code: 'IPX_ERR_TRUNCATED' | 'IPX_ERR_BAD_MAGIC' | 'IPX_ERR_BAD_LENGTH' | 'IPX_ERR_LENGTH_BEYOND_DATA' |
  'IPX_ERR_LENGTH_TOO_LARGE' | 'IPX_ERR_BAD_VALUE', at: number, message: string): never {
  throw new DecodeError('snp', code, at, message)
}

/**
 * Checks the datagram occupying exactly [offset, end) of `buf` and reads its header: range, magic,
 * length, version, flags, room for the tag, microseconds, in that order (SPEC.md §7). The body is not
 * read (messages.ts does that by type). Throws only {@link DecodeError}, protocol `snp`.
 */
export function readFrame (buf: Buffer, offset = 0, end: number = buf.length): SnpFrame {
  if (!(Number.isInteger(offset) && Number.isInteger(end) && offset >= 0 && end <= buf.length && offset <= end)) {
    fail('IPX_ERR_TRUNCATED', Number.isInteger(offset) && offset >= 0 ? Math.min(offset, buf.length) : 0, `no bytes at [${offset}, ${end}) of a ${buf.length}-byte buffer`)
  }
  const available = end - offset
  if (available >= 2 && !isSnp(buf, offset)) {
    fail('IPX_ERR_BAD_MAGIC', offset, `magic 0x${hex((buf[offset]! << 8) | buf[offset + 1]!, 4)} is not 0x534E "SN"`)
  }
  if (available < 4) fail('IPX_ERR_TRUNCATED', offset, `${available} bytes cannot hold an SNP magic and length`)
  const length = (buf[offset + 2]! << 8) | buf[offset + 3]!
  const at = offset + SnpOffset.length
  if (length < SNP_HEADER_LENGTH) fail('IPX_ERR_BAD_LENGTH', at, `length ${length} is below the 26-byte header`)
  if (length > SNP_MAX_LENGTH) fail('IPX_ERR_LENGTH_TOO_LARGE', at, `length ${length} exceeds the largest UDP payload, ${SNP_MAX_LENGTH}`)
  if (length > available) fail('IPX_ERR_LENGTH_BEYOND_DATA', at, `length ${length} exceeds the ${available} bytes present`)
  if (length < available) fail('IPX_ERR_BAD_LENGTH', at, `length ${length} leaves ${available - length} trailing bytes`)
  // The whole datagram is present and at least 26 bytes long: the layout read cannot fail.
  const header = SNP_HEADER.read(buf, offset)
  if (header.version !== SNP_VERSION) {
    fail('IPX_ERR_BAD_VALUE', offset + SnpOffset.version, `version ${header.version} is not supported (only 1)`)
  }
  if ((header.flags & ~SNP_KNOWN_FLAGS) !== 0) {
    fail('IPX_ERR_BAD_VALUE', offset + SnpOffset.flags, `reserved flag bits set in 0x${hex(header.flags, 2)}`)
  }
  const tagLength = isAuthenticated(header.flags) ? AUTH_TAG_LENGTH : 0
  if (SNP_HEADER_LENGTH + tagLength > length) {
    fail('IPX_ERR_LENGTH_BEYOND_DATA', at, `a ${length}-byte datagram has no room for the 16-byte tag`)
  }
  if (header.timestamp.micros >= MICROS_PER_SECOND) {
    fail('IPX_ERR_BAD_VALUE', offset + SnpOffset.timestampMicros, `timestamp micros ${header.timestamp.micros} exceeds 999999`)
  }
  const bodyEnd = offset + length - tagLength
  return {
    header,
    body: buf.subarray(offset + SNP_HEADER_LENGTH, bodyEnd),
    tag: tagLength > 0 ? buf.subarray(bodyEnd, offset + length) : undefined
  }
}

/** One whole SNP datagram of exactly `buf.length` bytes: magic and length agree (no allocation). */
function isWholeDatagram (buf: Uint8Array): boolean {
  return buf.length >= SNP_HEADER_LENGTH && buf.length <= SNP_MAX_LENGTH && isSnp(buf) &&
    ((buf[2]! << 8) | buf[3]!) === buf.length
}

/**
 * Builds P ‖ D of SPEC.md §5: the 28-byte native pseudo-header (magic IX, length 28 + L, version 0,
 * flags 0x01, header length 28, the datagram's key id, everything else 0), then the datagram D, whose
 * last 16 bytes are its tag (or the room for it). `tunnel.sign` / `tunnel.verify` MAC the result
 * minus its last 16 bytes: exactly P ‖ D[0 .. L−16).
 */
function pseudoFrame (datagram: Buffer): Buffer {
  const out = Buffer.allocUnsafe(NATIVE_HEADER_LENGTH + datagram.length)
  NATIVE_HEADER.write({
    magic: NATIVE_MAGIC,
    length: out.length,
    // Version 0: the native decoder rejects it (tunnel SPEC.md §7), so P ‖ D is never a native frame.
    version: 0,
    type: 0,
    flags: FrameFlag.Authenticated,
    headerLength: NATIVE_HEADER_LENGTH,
    trafficClass: 0,
    keyId: datagram[SnpOffset.keyId]!,
    node: 0,
    sequence: 0,
    timestamp: { seconds: 0, micros: 0 }
  }, out, 0)
  datagram.copy(out, NATIVE_HEADER_LENGTH)
  return out
}

/**
 * Writes the tag of one encoded SNP datagram in place and returns the same buffer. `datagram` must be
 * exactly one datagram encoded with `authenticated: true` (its last 16 bytes are the tag's place).
 * The tag is `tunnel.sign` over the pseudo-header and the datagram (SPEC.md §5), so `keyId`, `flags`,
 * `length` and the body are all covered. Throws {@link EncodeError}: a key shorter than 16 bytes
 * (`MIN_KEY_LENGTH`, as the native link), or bytes that are not an authenticated datagram.
 */
export function sign (datagram: Buffer, key: Buffer): Buffer {
  if (key.length < MIN_KEY_LENGTH) {
    throw new EncodeError('snp', 'IPX_ERR_FIELD_RANGE', `key of ${key.length} bytes is shorter than ${MIN_KEY_LENGTH}`, 'key')
  }
  if (!isWholeDatagram(datagram)) {
    throw new EncodeError('snp', 'IPX_ERR_FIELD_RANGE', 'not one whole encoded SNP datagram', 'datagram')
  }
  if (!isAuthenticated(datagram[SnpOffset.flags]!) || datagram.length < SNP_HEADER_LENGTH + AUTH_TAG_LENGTH) {
    throw new EncodeError('snp', 'IPX_ERR_FIELD_RANGE', 'the datagram was not encoded with the authenticated flag', 'flags')
  }
  const p = signNative(pseudoFrame(datagram), key)
  p.copy(datagram, datagram.length - AUTH_TAG_LENGTH, p.length - AUTH_TAG_LENGTH)
  return datagram
}

/**
 * Checks the tag of one whole received datagram against the key its `keyId` names, with
 * `tunnel.verify` (constant-time). Never throws: `ok`, `unsigned` (flag clear), `unknown_key`,
 * `bad_tag`, or `malformed` (not one whole SNP datagram; decode it for the reason). A receiver with
 * keys accepts only `ok` and counts the rest as unauthenticated (SPEC.md §5).
 */
export function verify (datagram: Buffer, keys: ReadonlyMap<number, Buffer>): VerifyResult {
  if (!isWholeDatagram(datagram)) return 'malformed'
  if (!isAuthenticated(datagram[SnpOffset.flags]!)) return 'unsigned'
  if (datagram.length < SNP_HEADER_LENGTH + AUTH_TAG_LENGTH) return 'malformed'
  if (!keys.has(datagram[SnpOffset.keyId]!)) return 'unknown_key'
  return verifyNative(pseudoFrame(datagram), keys)
}
