/**
 * The classic libpcap file format (draft-ietf-opsawg-pcap, "PCAP Capture File Format"; libpcap
 * `sf-pcap.c`; Wireshark `wiretap/libpcap.c`): a 24-byte file header, then records of a 16-byte
 * header followed by `incl_len` bytes of frame. Both byte orders; microsecond (magic A1B2C3D4) and
 * nanosecond (magic A1B23C4D) timestamps. Pure: no fs.
 */
import { defineLayout } from '../layout.js'
import { DecodeError, EncodeError } from '../errors.js'
import { readOrdered, writeOrdered } from './byte-order.js'
import type { ByteOrder } from './byte-order.js'
import { DEFAULT_SNAPLEN } from './record.js'
import type { CaptureRecordInput } from './record.js'

/** File header size (draft-ietf-opsawg-pcap §4). */
export const PCAP_FILE_HEADER_LENGTH = 24
/** Record header size (draft-ietf-opsawg-pcap §5). */
export const PCAP_RECORD_HEADER_LENGTH = 16
/** Magic of a file with microsecond timestamps, as read in the file's own byte order. */
export const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4
/** Magic of a file with nanosecond timestamps (draft-ietf-opsawg-pcap §4; libpcap `NSEC_TCPDUMP_MAGIC`). */
export const PCAP_MAGIC_NANOSECONDS = 0xa1b23c4d
/** Current file format version, 2.4 (the only one written since libpcap 0.4). */
export const PCAP_VERSION_MAJOR = 2
export const PCAP_VERSION_MINOR = 4
/**
 * Largest `incl_len` accepted: libpcap rejects records whose captured length exceeds its maximum
 * snapshot length (`sf-pcap.c` "invalid packet capture length ... bigger than maximum", 262144
 * for ordinary link types). It also keeps a streaming reader from buffering gigabytes on garbage.
 */
export const PCAP_MAX_RECORD_LENGTH = DEFAULT_SNAPLEN
/**
 * The link type is the low bits of the last header field; the high bits carry the FCS length
 * (draft-ietf-opsawg-pcap §4 "LinkType and additional information"; libpcap `LT_LINKTYPE`, mask 0x03FFFFFF).
 */
const LINKTYPE_MASK = 0x03ffffff

/** A decoded pcap file header. */
export interface PcapFileHeader {
  /** Byte order of the file, told by how the magic reads. */
  byteOrder: ByteOrder
  /** True for magic A1B23C4D: the fraction field of each record counts nanoseconds, not microseconds. */
  nanosecond: boolean
  /** Offset 4, u16: major version, 2. */
  versionMajor: number
  /** Offset 6, u16: minor version, 4. */
  versionMinor: number
  /** Offset 8, i32: GMT-to-local correction in seconds; always 0 in practice. */
  thiszone: number
  /** Offset 12, u32: timestamp accuracy; always 0. */
  sigfigs: number
  /** Offset 16, u32: snapshot length, the most bytes kept of any frame. */
  snaplen: number
  /** Offset 20, u32 low 26 bits: LINKTYPE_* of every record. */
  linkType: number
}

/** A decoded record header. `tsFraction` is microseconds or nanoseconds per the file header. */
export interface PcapRecordHeader {
  /** Offset 0, u32: seconds since the epoch. */
  tsSeconds: number
  /** Offset 4, u32: microseconds (or nanoseconds) within the second. */
  tsFraction: number
  /** Offset 8, u32: bytes of frame stored after this header (`incl_len`). */
  capturedLength: number
  /** Offset 12, u32: length of the frame on the wire (`orig_len`). */
  originalLength: number
}

interface RawFileHeader {
  magic: number
  versionMajor: number
  versionMinor: number
  thiszone: number
  sigfigs: number
  snaplen: number
  network: number
}

/** The single description of the pcap file header (field names after Wireshark's `epan/dissectors/file-pcap.c`). */
export const PCAP_FILE_HEADER = defineLayout<RawFileHeader>('pcap', 'pcap file header', [
  { name: 'magic', type: 'u32', wireshark: 'pcap.header.magic_number', doc: 'A1B2C3D4 (µs) or A1B23C4D (ns) in the writer\'s byte order' },
  { name: 'versionMajor', type: 'u16', wireshark: 'pcap.header.version.major', doc: 'major version, 2' },
  { name: 'versionMinor', type: 'u16', wireshark: 'pcap.header.version.minor', doc: 'minor version, 4' },
  { name: 'thiszone', type: 'u32', wireshark: 'pcap.header.this_zone', doc: 'signed GMT offset in seconds, 0 in practice' },
  { name: 'sigfigs', type: 'u32', wireshark: 'pcap.header.sigfigs', doc: 'timestamp accuracy, 0 in practice' },
  { name: 'snaplen', type: 'u32', wireshark: 'pcap.header.snapshot_length', doc: 'most bytes kept of any frame' },
  { name: 'network', type: 'u32', wireshark: 'pcap.header.link_type', doc: 'LINKTYPE_* in the low 26 bits, FCS information above' }
])

/** The single description of a pcap record header. */
export const PCAP_RECORD_HEADER = defineLayout<PcapRecordHeader>('pcap', 'pcap record header', [
  { name: 'tsSeconds', type: 'u32', wireshark: 'pcap.packet.timestamp.sec', doc: 'seconds since 1970-01-01 UTC' },
  { name: 'tsFraction', type: 'u32', wireshark: 'pcap.packet.timestamp.usec', doc: 'microseconds (or nanoseconds with magic A1B23C4D)' },
  { name: 'capturedLength', type: 'u32', wireshark: 'pcap.packet.included_length', doc: 'incl_len: bytes stored after this header' },
  { name: 'originalLength', type: 'u32', wireshark: 'pcap.packet.origin_length', doc: 'orig_len: frame length on the wire' }
])

/**
 * Tells a pcap file from its first 4 bytes: the byte order and resolution, or undefined when they
 * are not a pcap magic. Needs 4 bytes at `offset` (returns undefined when fewer).
 */
export function sniffPcapMagic (buf: Buffer, offset = 0): { byteOrder: ByteOrder, nanosecond: boolean } | undefined {
  if (!(offset >= 0 && buf.length - offset >= 4)) return undefined
  const be = buf.readUInt32BE(offset)
  if (be === PCAP_MAGIC_MICROSECONDS) return { byteOrder: 'be', nanosecond: false }
  if (be === PCAP_MAGIC_NANOSECONDS) return { byteOrder: 'be', nanosecond: true }
  const le = buf.readUInt32LE(offset)
  if (le === PCAP_MAGIC_MICROSECONDS) return { byteOrder: 'le', nanosecond: false }
  if (le === PCAP_MAGIC_NANOSECONDS) return { byteOrder: 'le', nanosecond: true }
  return undefined
}

/**
 * Decodes the 24-byte file header at `offset`. Throws IPX_ERR_TRUNCATED when fewer bytes remain and
 * IPX_ERR_BAD_MAGIC when the magic is neither A1B2C3D4 nor A1B23C4D in either byte order.
 */
export function decodeFileHeader (buf: Buffer, offset = 0): PcapFileHeader {
  if (!(offset >= 0 && buf.length - offset >= PCAP_FILE_HEADER_LENGTH)) {
    throw new DecodeError('pcap', 'IPX_ERR_TRUNCATED', Math.max(0, offset),
      `file header needs ${PCAP_FILE_HEADER_LENGTH} bytes, ${Math.max(0, buf.length - offset)} remain`)
  }
  const kind = sniffPcapMagic(buf, offset)
  if (kind === undefined) {
    throw new DecodeError('pcap', 'IPX_ERR_BAD_MAGIC', offset, `magic 0x${buf.readUInt32BE(offset).toString(16).padStart(8, '0')} is not a pcap file`)
  }
  const raw = readOrdered(PCAP_FILE_HEADER, buf, offset, kind.byteOrder)
  return {
    byteOrder: kind.byteOrder,
    nanosecond: kind.nanosecond,
    versionMajor: raw.versionMajor,
    versionMinor: raw.versionMinor,
    thiszone: raw.thiszone | 0,
    sigfigs: raw.sigfigs,
    snaplen: raw.snaplen,
    linkType: raw.network & LINKTYPE_MASK
  }
}

/** Always 24. */
export function fileHeaderEncodingLength (): number {
  return PCAP_FILE_HEADER_LENGTH
}

/** Writes the 24-byte file header at `offset` of `buf` (allocated when omitted) and returns `buf`. */
export function encodeFileHeader (header: PcapFileHeader, buf?: Buffer, offset = 0): Buffer {
  const out = buf ?? Buffer.allocUnsafe(offset + PCAP_FILE_HEADER_LENGTH)
  if (!Number.isInteger(header.thiszone) || header.thiszone < -0x80000000 || header.thiszone > 0x7fffffff) {
    throw new EncodeError('pcap', 'IPX_ERR_FIELD_RANGE', `thiszone must be a 32-bit signed integer, got ${header.thiszone}`, 'thiszone')
  }
  writeOrdered(PCAP_FILE_HEADER, {
    magic: header.nanosecond ? PCAP_MAGIC_NANOSECONDS : PCAP_MAGIC_MICROSECONDS,
    versionMajor: header.versionMajor,
    versionMinor: header.versionMinor,
    thiszone: header.thiszone >>> 0,
    sigfigs: header.sigfigs,
    snaplen: header.snaplen,
    network: header.linkType
  }, out, offset, header.byteOrder)
  return out
}

/**
 * Decodes a 16-byte record header at `offset` in the given byte order. Throws IPX_ERR_TRUNCATED when
 * fewer bytes remain and IPX_ERR_BAD_BLOCK when `incl_len` exceeds {@link PCAP_MAX_RECORD_LENGTH}
 * (libpcap's rule). The frame bytes themselves are not checked here.
 */
export function decodeRecordHeader (buf: Buffer, offset: number, byteOrder: ByteOrder): PcapRecordHeader {
  if (!(offset >= 0 && buf.length - offset >= PCAP_RECORD_HEADER_LENGTH)) {
    throw new DecodeError('pcap', 'IPX_ERR_TRUNCATED', Math.max(0, offset),
      `record header needs ${PCAP_RECORD_HEADER_LENGTH} bytes, ${Math.max(0, buf.length - offset)} remain`)
  }
  const h = readOrdered(PCAP_RECORD_HEADER, buf, offset, byteOrder)
  if (h.capturedLength > PCAP_MAX_RECORD_LENGTH) {
    throw new DecodeError('pcap', 'IPX_ERR_BAD_BLOCK', offset + 8,
      `captured length ${h.capturedLength} exceeds the maximum of ${PCAP_MAX_RECORD_LENGTH}`)
  }
  return h
}

/** Writes a 16-byte record header at `offset` of `buf` (allocated when omitted) and returns `buf`. */
export function encodeRecordHeader (header: PcapRecordHeader, byteOrder: ByteOrder, buf?: Buffer, offset = 0): Buffer {
  const out = buf ?? Buffer.allocUnsafe(offset + PCAP_RECORD_HEADER_LENGTH)
  writeOrdered(PCAP_RECORD_HEADER, header, out, offset, byteOrder)
  return out
}

/** Absolute nanoseconds of a record, from its header and the file's resolution. */
export function recordTimestampNs (header: PcapRecordHeader, nanosecond: boolean): bigint {
  return BigInt(header.tsSeconds) * 1_000_000_000n + BigInt(header.tsFraction) * (nanosecond ? 1n : 1000n)
}

/** Options of the pcap record and file encoders. */
export interface PcapEncodeOptions {
  /** Nanosecond timestamps (magic A1B23C4D). Default false: microseconds, truncating the nanoseconds. */
  nanosecond?: boolean
  /** Most bytes kept of a frame; longer frames are cut (orig_len keeps the full length). Default 262144. */
  snaplen?: number
  /** Byte order of the file. Default `'le'`, what x86 tcpdump and Wireshark write. */
  byteOrder?: ByteOrder
}

/** Bytes one record takes: 16-byte header plus the frame cut to `snaplen`. */
export function recordEncodingLength (record: CaptureRecordInput, options?: PcapEncodeOptions): number {
  return PCAP_RECORD_HEADER_LENGTH + Math.min(record.data.length, options?.snaplen ?? DEFAULT_SNAPLEN)
}

/**
 * The pcap header fields of a record: seconds and fraction from `timestampNs` (≥ 0, seconds < 2^32),
 * the length cut to the snaplen, the original length (≥ the captured one). Throws EncodeError.
 * Shared with the file writer so that a record's rules exist once.
 */
export function recordHeaderOf (record: CaptureRecordInput, nanosecond: boolean, snaplen: number): PcapRecordHeader {
  const ns = record.timestampNs ?? 0n
  if (ns < 0n || ns >= 0x100000000n * 1_000_000_000n) {
    throw new EncodeError('pcap', 'IPX_ERR_FIELD_RANGE', `timestamp ${ns} ns is outside 1970..2106 (32-bit seconds)`, 'timestampNs')
  }
  const capturedLength = Math.min(record.data.length, snaplen)
  const originalLength = record.originalLength ?? record.data.length
  if (!Number.isInteger(originalLength) || originalLength < capturedLength || originalLength > 0xffffffff) {
    throw new EncodeError('pcap', 'IPX_ERR_FIELD_RANGE',
      `original length ${originalLength} must be an integer from the captured length ${capturedLength} to 0xffffffff`, 'originalLength')
  }
  const frac = ns % 1_000_000_000n
  return {
    tsSeconds: Number(ns / 1_000_000_000n),
    tsFraction: Number(nanosecond ? frac : frac / 1000n),
    capturedLength,
    originalLength
  }
}

/**
 * Writes one record (header and frame cut to the snaplen) at `offset` of `buf` (allocated when
 * omitted) and returns `buf`. Throws EncodeError on an out-of-range timestamp or length.
 */
export function encodeRecord (record: CaptureRecordInput, options?: PcapEncodeOptions, buf?: Buffer, offset = 0): Buffer {
  const snaplen = checkSnaplen(options?.snaplen ?? DEFAULT_SNAPLEN)
  const header = recordHeaderOf(record, options?.nanosecond === true, snaplen)
  const length = PCAP_RECORD_HEADER_LENGTH + header.capturedLength
  const out = buf ?? Buffer.allocUnsafe(offset + length)
  if (!(offset >= 0 && out.length - offset >= length)) {
    throw new EncodeError('pcap', 'IPX_ERR_BUFFER_TOO_SMALL', `need ${length} bytes at offset ${offset}, buffer has ${out.length}`)
  }
  encodeRecordHeader(header, options?.byteOrder ?? 'le', out, offset)
  record.data.copy(out, offset + PCAP_RECORD_HEADER_LENGTH, 0, header.capturedLength)
  return out
}

function checkSnaplen (snaplen: number): number {
  if (!Number.isInteger(snaplen) || snaplen < 1 || snaplen > 0xffffffff) {
    throw new EncodeError('pcap', 'IPX_ERR_FIELD_RANGE', `snaplen must be an integer 1..0xffffffff, got ${snaplen}`, 'snaplen')
  }
  return snaplen
}

/**
 * A whole pcap file in memory: the file header (version 2.4, the given link type) and one record per
 * input, in order. Little-endian and microseconds unless the options say otherwise. Throws EncodeError.
 */
export function encodePcapFile (
  records: ReadonlyArray<CaptureRecordInput>,
  linkType: number,
  options?: PcapEncodeOptions
): Buffer {
  const snaplen = checkSnaplen(options?.snaplen ?? DEFAULT_SNAPLEN)
  const byteOrder = options?.byteOrder ?? 'le'
  const nanosecond = options?.nanosecond === true
  let total = PCAP_FILE_HEADER_LENGTH
  for (const r of records) total += PCAP_RECORD_HEADER_LENGTH + Math.min(r.data.length, snaplen)
  const out = Buffer.allocUnsafe(total)
  encodeFileHeader({ byteOrder, nanosecond, versionMajor: PCAP_VERSION_MAJOR, versionMinor: PCAP_VERSION_MINOR, thiszone: 0, sigfigs: 0, snaplen, linkType }, out, 0)
  let offset = PCAP_FILE_HEADER_LENGTH
  for (const r of records) {
    encodeRecord(r, { snaplen, byteOrder, nanosecond }, out, offset)
    offset += PCAP_RECORD_HEADER_LENGTH + Math.min(r.data.length, snaplen)
  }
  return out
}
