/**
 * The pcapng file format (draft-ietf-opsawg-pcapng, "PCAP Now Generic"; Wireshark
 * `wiretap/pcapng.c` and `epan/dissectors/file-pcapng.c`, whose field names are used below).
 * A file is a sequence of sections; each starts with a Section Header Block whose byte-order magic
 * fixes the byte order of the section. Every block is `type, total length, body, total length`.
 * Pure: no fs. Block-level decoders here; {@link CaptureReader} keeps the per-section state.
 */
import { defineLayout } from '../layout.js'
import { DecodeError, EncodeError } from '../errors.js'
import { readOrdered, writeOrdered } from './byte-order.js'
import type { ByteOrder } from './byte-order.js'
import { DEFAULT_SNAPLEN } from './record.js'
import type { CaptureRecordInput } from './record.js'

/** Block types (draft-ietf-opsawg-pcapng §10.1 "Block Type Codes"). */
export const BlockType = {
  /** 0x0A0D0D0A: Section Header Block; a palindrome, so it reads the same in both byte orders. */
  SectionHeader: 0x0a0d0d0a,
  /** 1: Interface Description Block. */
  InterfaceDescription: 1,
  /** 2: Packet Block, obsolete (Appendix A); read, never written. */
  ObsoletePacket: 2,
  /** 3: Simple Packet Block: interface 0, no timestamp. */
  SimplePacket: 3,
  /** 4: Name Resolution Block (skipped). */
  NameResolution: 4,
  /** 5: Interface Statistics Block (skipped). */
  InterfaceStatistics: 5,
  /** 6: Enhanced Packet Block. */
  EnhancedPacket: 6
} as const
export type BlockType = typeof BlockType[keyof typeof BlockType]

/** Byte-order magic as read in the section's own byte order (§4.1). */
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d
/** Smallest block: type, total length and trailing total length (§3.1 "Block Total Length"). */
export const MIN_BLOCK_LENGTH = 12
/** Smallest Section Header Block: 12 + magic 4 + versions 4 + section length 8 (§4.1). */
export const MIN_SHB_LENGTH = 28
/** Smallest Interface Description Block: 12 + link type 2 + reserved 2 + snaplen 4 (§4.2). */
export const MIN_IDB_LENGTH = 20
/** Smallest Enhanced Packet Block: 12 + interface, timestamp high/low, captured and original length (§4.3). */
export const MIN_EPB_LENGTH = 32
/** Smallest Simple Packet Block: 12 + original length (§4.4). */
export const MIN_SPB_LENGTH = 16
/** Smallest obsolete Packet Block: same fixed part as the EPB (Appendix A). */
export const MIN_OPB_LENGTH = 32
/**
 * Largest block accepted: 16 MiB. Wireshark bounds a block the same way (`MAX_BLOCK_SIZE` in
 * `wiretap/pcapng.c`) so that a corrupt length cannot make a reader buffer gigabytes.
 */
export const MAX_BLOCK_LENGTH = 16 * 1024 * 1024
/** Option codes used here (§3.5, §4.2). */
export const OptionCode = {
  /** 0: opt_endofopt, ends the option list. */
  EndOfOptions: 0,
  /** 1: opt_comment, UTF-8. */
  Comment: 1,
  /** 2: if_name, UTF-8. */
  IfName: 2,
  /** 3: if_description, UTF-8. */
  IfDescription: 3,
  /** 9: if_tsresol, 1 byte: MSB 0 → 10^-n s, MSB 1 → 2^-n s; default 6 (µs). */
  IfTsresol: 9,
  /** 14: if_tsoffset, i64 seconds added to every timestamp of the interface. */
  IfTsoffset: 14
} as const

interface BlockHeader { blockType: number, totalLength: number }

/** Type and total length, the first 8 bytes of every block (§3.1). */
export const BLOCK_HEADER = defineLayout<BlockHeader>('pcapng', 'pcapng block header', [
  { name: 'blockType', type: 'u32', wireshark: 'pcapng.block.type', doc: 'block type code' },
  { name: 'totalLength', type: 'u32', wireshark: 'pcapng.block.length', doc: 'whole block length, ≥ 12, a multiple of 4; repeated at the end' }
])

interface ShbFixed extends BlockHeader { byteOrderMagic: number, versionMajor: number, versionMinor: number }

/** Fixed part of the Section Header Block before the 64-bit section length (§4.1). */
export const SHB_HEADER = defineLayout<ShbFixed>('pcapng', 'pcapng section header block', [
  ...BLOCK_HEADER.fields,
  { name: 'byteOrderMagic', type: 'u32', wireshark: 'pcapng.section_header.byte_order_magic', doc: '1A2B3C4D in the section\'s byte order' },
  { name: 'versionMajor', type: 'u16', wireshark: 'pcapng.section_header.version.major', doc: 'major version, 1' },
  { name: 'versionMinor', type: 'u16', wireshark: 'pcapng.section_header.version.minor', doc: 'minor version, 0' }
])

interface IdbFixed extends BlockHeader { linkType: number, reserved: number, snaplen: number }

/** Fixed part of the Interface Description Block (§4.2). */
export const IDB_HEADER = defineLayout<IdbFixed>('pcapng', 'pcapng interface description block', [
  ...BLOCK_HEADER.fields,
  { name: 'linkType', type: 'u16', wireshark: 'pcapng.interface_description.link_type', doc: 'LINKTYPE_* of the interface' },
  { name: 'reserved', type: 'u16', wireshark: 'pcapng.interface_description.reserved', doc: '0, ignored on read' },
  { name: 'snaplen', type: 'u32', wireshark: 'pcapng.interface_description.snap_length', doc: 'most bytes kept of a frame; 0 = no limit' }
])

interface EpbFixed extends BlockHeader { interfaceId: number, timestampHigh: number, timestampLow: number, capturedLength: number, originalLength: number }

/** Fixed part of the Enhanced Packet Block (§4.3). */
export const EPB_HEADER = defineLayout<EpbFixed>('pcapng', 'pcapng enhanced packet block', [
  ...BLOCK_HEADER.fields,
  { name: 'interfaceId', type: 'u32', wireshark: 'pcapng.interface_id', doc: 'index of the IDB in this section' },
  { name: 'timestampHigh', type: 'u32', wireshark: 'pcapng.timestamp_high', doc: 'upper 32 bits of the 64-bit timestamp in if_tsresol units' },
  { name: 'timestampLow', type: 'u32', wireshark: 'pcapng.timestamp_low', doc: 'lower 32 bits of the timestamp' },
  { name: 'capturedLength', type: 'u32', wireshark: 'pcapng.packet.captured_length', doc: 'bytes of frame in the block (padded to 4)' },
  { name: 'originalLength', type: 'u32', wireshark: 'pcapng.packet.packet_length', doc: 'frame length on the wire' }
])

interface SpbFixed extends BlockHeader { originalLength: number }

/** Fixed part of the Simple Packet Block (§4.4). */
export const SPB_HEADER = defineLayout<SpbFixed>('pcapng', 'pcapng simple packet block', [
  ...BLOCK_HEADER.fields,
  { name: 'originalLength', type: 'u32', wireshark: 'pcapng.packet.packet_length', doc: 'frame length on the wire; captured = min(this, snaplen)' }
])

interface OpbFixed extends BlockHeader { interfaceId: number, dropsCount: number, timestampHigh: number, timestampLow: number, capturedLength: number, originalLength: number }

/** Fixed part of the obsolete Packet Block (draft Appendix A). */
export const OPB_HEADER = defineLayout<OpbFixed>('pcapng', 'pcapng packet block (obsolete)', [
  ...BLOCK_HEADER.fields,
  { name: 'interfaceId', type: 'u16', wireshark: 'pcapng.packet.interface_id', doc: 'index of the IDB in this section' },
  { name: 'dropsCount', type: 'u16', wireshark: 'pcapng.packet.drops_count', doc: 'frames lost since the previous one' },
  { name: 'timestampHigh', type: 'u32', wireshark: 'pcapng.timestamp_high', doc: 'upper 32 bits of the timestamp' },
  { name: 'timestampLow', type: 'u32', wireshark: 'pcapng.timestamp_low', doc: 'lower 32 bits of the timestamp' },
  { name: 'capturedLength', type: 'u32', wireshark: 'pcapng.packet.captured_length', doc: 'bytes of frame in the block' },
  { name: 'originalLength', type: 'u32', wireshark: 'pcapng.packet.packet_length', doc: 'frame length on the wire' }
])

interface OptionHeader { code: number, length: number }

/** An option's header; the value follows, padded to 4 bytes (§3.5). */
export const OPTION_HEADER = defineLayout<OptionHeader>('pcapng', 'pcapng option header', [
  { name: 'code', type: 'u16', wireshark: 'pcapng.options.option.code', doc: 'option code; 0 ends the list' },
  { name: 'length', type: 'u16', wireshark: 'pcapng.options.option.length', doc: 'value length before padding' }
])

/** One raw option: code and value bytes (a view into the block). */
export interface PcapngOption {
  code: number
  value: Buffer
}

/** A decoded Section Header Block. */
export interface SectionHeaderBlock {
  type: 'shb'
  byteOrder: ByteOrder
  versionMajor: number
  versionMinor: number
  /** Bytes of the section after this block, or -1n when not given (§4.1). */
  sectionLength: bigint
  options: PcapngOption[]
}

/** A decoded Interface Description Block. */
export interface InterfaceDescriptionBlock {
  type: 'idb'
  linkType: number
  /** 0 means no limit (§4.2). */
  snaplen: number
  /** Raw if_tsresol byte; 6 (µs) when the option is absent. */
  tsresol: number
  /** if_tsoffset in seconds; 0n when absent. */
  tsoffset: bigint
  /** if_name, when present. */
  name: string | undefined
  options: PcapngOption[]
}

/** A packet from an EPB, SPB or obsolete PB, before the section's interface is applied. */
export interface PacketBlock {
  type: 'packet'
  blockType: number
  /** 0 for an SPB. */
  interfaceId: number
  /** Raw 64-bit timestamp in interface units; undefined for an SPB (it has none). */
  timestamp: bigint | undefined
  /** For an SPB, the length of `data` (the block's packet area) before cutting to min(orig, snaplen). */
  capturedLength: number
  originalLength: number
  data: Buffer
}

/** Any other block type, to be skipped. */
export interface OtherBlock {
  type: 'other'
  blockType: number
}

/** The result of {@link decodeBlock}. */
export type PcapngBlock = SectionHeaderBlock | InterfaceDescriptionBlock | PacketBlock | OtherBlock

function bad (offset: number, message: string): DecodeError {
  return new DecodeError('pcapng', 'IPX_ERR_BAD_BLOCK', offset, message)
}

/**
 * The byte order of a Section Header Block at `offset`: needs 12 bytes (type, length, byte-order
 * magic). Returns undefined when fewer bytes remain; throws IPX_ERR_BAD_MAGIC when the block type is
 * not 0A0D0D0A or the byte-order magic reads as neither 1A2B3C4D nor 4D3C2B1A (§4.1).
 */
export function sectionByteOrder (buf: Buffer, offset: number): ByteOrder | undefined {
  if (!(offset >= 0 && buf.length - offset >= 12)) return undefined
  if (buf.readUInt32BE(offset) !== BlockType.SectionHeader) {
    throw new DecodeError('pcapng', 'IPX_ERR_BAD_MAGIC', offset, 'not a Section Header Block')
  }
  if (buf.readUInt32BE(offset + 8) === BYTE_ORDER_MAGIC) return 'be'
  if (buf.readUInt32LE(offset + 8) === BYTE_ORDER_MAGIC) return 'le'
  throw new DecodeError('pcapng', 'IPX_ERR_BAD_MAGIC', offset + 8,
    `byte-order magic 0x${buf.readUInt32BE(offset + 8).toString(16).padStart(8, '0')} is neither 1a2b3c4d nor 4d3c2b1a`)
}

/**
 * Type and total length of the block at `offset` in the given byte order, checked: the length is at
 * least 12, a multiple of 4 (§3.1) and at most {@link MAX_BLOCK_LENGTH}. Needs 8 bytes (throws
 * IPX_ERR_TRUNCATED otherwise); throws IPX_ERR_BAD_BLOCK on a bad length.
 */
export function decodeBlockHeader (buf: Buffer, offset: number, byteOrder: ByteOrder): BlockHeader {
  if (!(offset >= 0 && buf.length - offset >= BLOCK_HEADER.length)) {
    throw new DecodeError('pcapng', 'IPX_ERR_TRUNCATED', Math.max(0, offset), 'block header needs 8 bytes')
  }
  const h = readOrdered(BLOCK_HEADER, buf, offset, byteOrder)
  if (h.totalLength < MIN_BLOCK_LENGTH) throw bad(offset + 4, `block total length ${h.totalLength} is below 12`)
  if (h.totalLength % 4 !== 0) throw bad(offset + 4, `block total length ${h.totalLength} is not a multiple of 4`)
  if (h.totalLength > MAX_BLOCK_LENGTH) throw bad(offset + 4, `block total length ${h.totalLength} exceeds ${MAX_BLOCK_LENGTH}`)
  return { blockType: h.blockType, totalLength: h.totalLength }
}

/**
 * Decodes the options of a block body from `start` to `end` (§3.5): each is code, length, value
 * padded to 4; opt_endofopt or the end of the area stops the list. An option running past `end`
 * throws IPX_ERR_BAD_BLOCK (Wireshark's "Invalid Option Length").
 */
export function decodeOptions (buf: Buffer, start: number, end: number, byteOrder: ByteOrder): PcapngOption[] {
  const options: PcapngOption[] = []
  let at = start
  while (end - at >= OPTION_HEADER.length) {
    const o = readOrdered(OPTION_HEADER, buf, at, byteOrder)
    if (o.code === OptionCode.EndOfOptions) break
    const valueEnd = at + 4 + o.length
    if (valueEnd > end) throw bad(at + 2, `option ${o.code} of ${o.length} bytes runs past the end of its block`)
    options.push({ code: o.code, value: buf.subarray(at + 4, valueEnd) })
    at += 4 + pad4(o.length)
  }
  return options
}

/**
 * Decodes one whole block at `offset` (all `totalLength` bytes must be present: IPX_ERR_TRUNCATED
 * otherwise). Checks the total length (≥ 12, multiple of 4), the trailing copy of it, each block
 * type's minimum size and that a packet's captured length fits in its block: IPX_ERR_BAD_BLOCK with
 * the offset. An SHB may change the byte order: pass `'le'` or `'be'` from {@link sectionByteOrder}.
 */
export function decodeBlock (buf: Buffer, offset: number, byteOrder: ByteOrder): PcapngBlock {
  const { blockType, totalLength } = decodeBlockHeader(buf, offset, byteOrder)
  if (buf.length - offset < totalLength) {
    throw new DecodeError('pcapng', 'IPX_ERR_TRUNCATED', offset, `block of ${totalLength} bytes, ${buf.length - offset} remain`)
  }
  const end = offset + totalLength
  const trailer = byteOrder === 'le' ? buf.readUInt32LE(end - 4) : buf.readUInt32BE(end - 4)
  if (trailer !== totalLength) throw bad(end - 4, `trailing block length ${trailer} differs from the leading ${totalLength}`)
  const bodyEnd = end - 4
  switch (blockType) {
    case BlockType.SectionHeader: {
      if (totalLength < MIN_SHB_LENGTH) throw bad(offset + 4, `section header block of ${totalLength} bytes is below ${MIN_SHB_LENGTH}`)
      const h = readOrdered(SHB_HEADER, buf, offset, byteOrder)
      if (h.byteOrderMagic !== BYTE_ORDER_MAGIC) {
        throw new DecodeError('pcapng', 'IPX_ERR_BAD_MAGIC', offset + 8, 'byte-order magic does not match the section\'s byte order')
      }
      // Major version 1 is the only one; Wireshark refuses others ("unknown pcapng version").
      if (h.versionMajor !== 1) {
        throw new DecodeError('pcapng', 'IPX_ERR_BAD_VALUE', offset + 12, `pcapng version ${h.versionMajor}.${h.versionMinor} is not 1.x`)
      }
      const sectionLength = byteOrder === 'le' ? buf.readBigInt64LE(offset + 16) : buf.readBigInt64BE(offset + 16)
      return {
        type: 'shb',
        byteOrder,
        versionMajor: h.versionMajor,
        versionMinor: h.versionMinor,
        sectionLength,
        options: decodeOptions(buf, offset + 24, bodyEnd, byteOrder)
      }
    }
    case BlockType.InterfaceDescription: {
      if (totalLength < MIN_IDB_LENGTH) throw bad(offset + 4, `interface description block of ${totalLength} bytes is below ${MIN_IDB_LENGTH}`)
      const h = readOrdered(IDB_HEADER, buf, offset, byteOrder)
      const options = decodeOptions(buf, offset + 16, bodyEnd, byteOrder)
      let tsresol = 6
      let tsoffset = 0n
      let name: string | undefined
      for (const o of options) {
        if (o.code === OptionCode.IfTsresol && o.value.length >= 1) tsresol = o.value[0]!
        else if (o.code === OptionCode.IfTsoffset && o.value.length >= 8) {
          tsoffset = byteOrder === 'le' ? o.value.readBigInt64LE(0) : o.value.readBigInt64BE(0)
        } else if (o.code === OptionCode.IfName) name = o.value.toString('utf8')
      }
      return { type: 'idb', linkType: h.linkType, snaplen: h.snaplen, tsresol, tsoffset, name, options }
    }
    case BlockType.EnhancedPacket:
    case BlockType.ObsoletePacket: {
      if (totalLength < MIN_EPB_LENGTH) throw bad(offset + 4, `packet block of ${totalLength} bytes is below ${MIN_EPB_LENGTH}`)
      const h = blockType === BlockType.EnhancedPacket
        ? readOrdered(EPB_HEADER, buf, offset, byteOrder)
        : readOrdered(OPB_HEADER, buf, offset, byteOrder)
      if (h.capturedLength > totalLength - MIN_EPB_LENGTH) {
        throw bad(offset + 20, `captured length ${h.capturedLength} does not fit in a block of ${totalLength} bytes`)
      }
      return {
        type: 'packet',
        blockType,
        interfaceId: h.interfaceId,
        timestamp: (BigInt(h.timestampHigh) << 32n) | BigInt(h.timestampLow),
        capturedLength: h.capturedLength,
        originalLength: h.originalLength,
        data: buf.subarray(offset + 28, offset + 28 + h.capturedLength)
      }
    }
    case BlockType.SimplePacket: {
      if (totalLength < MIN_SPB_LENGTH) throw bad(offset + 4, `simple packet block of ${totalLength} bytes is below ${MIN_SPB_LENGTH}`)
      const h = readOrdered(SPB_HEADER, buf, offset, byteOrder)
      const data = buf.subarray(offset + 12, bodyEnd)
      return { type: 'packet', blockType, interfaceId: 0, timestamp: undefined, capturedLength: data.length, originalLength: h.originalLength, data }
    }
    default:
      return { type: 'other', blockType }
  }
}

/**
 * Nanoseconds since the epoch of a raw timestamp under an interface's if_tsresol and if_tsoffset
 * (§4.2: MSB clear → units of 10^-n s, MSB set → 2^-n s; tsoffset seconds are added). Sub-nanosecond
 * resolutions are truncated toward zero.
 */
export function timestampToNs (ticks: bigint, tsresol: number, tsoffset: bigint): bigint {
  const n = BigInt(tsresol & 0x7f)
  let ns: bigint
  if ((tsresol & 0x80) !== 0) ns = (ticks * 1_000_000_000n) >> n
  else if (n <= 9n) ns = ticks * 10n ** (9n - n)
  else ns = ticks / 10n ** (n - 9n)
  return ns + tsoffset * 1_000_000_000n
}

/** The inverse of {@link timestampToNs}: raw ticks for nanoseconds (truncated to the resolution). */
export function nsToTimestamp (ns: bigint, tsresol: number, tsoffset: bigint): bigint {
  const rel = ns - tsoffset * 1_000_000_000n
  const n = BigInt(tsresol & 0x7f)
  if ((tsresol & 0x80) !== 0) return (rel << n) / 1_000_000_000n
  if (n <= 9n) return rel / 10n ** (9n - n)
  return rel * 10n ** (n - 9n)
}

function pad4 (n: number): number {
  return (n + 3) & ~3
}

/** An option to encode: code and value (a string is written as UTF-8). */
export interface OptionInput {
  code: number
  value: Buffer | string
}

function optionsLength (options: readonly OptionInput[]): number {
  if (options.length === 0) return 0
  let n = 4 // opt_endofopt
  for (const o of options) n += 4 + pad4(Buffer.byteLength(o.value))
  return n
}

function writeOptions (options: readonly OptionInput[], buf: Buffer, offset: number, byteOrder: ByteOrder): number {
  if (options.length === 0) return offset
  let at = offset
  for (const o of options) {
    const value = typeof o.value === 'string' ? Buffer.from(o.value, 'utf8') : o.value
    if (value.length > 0xffff) throw new EncodeError('pcapng', 'IPX_ERR_TOO_LARGE', `option ${o.code} value of ${value.length} bytes exceeds 65535`, 'options')
    writeOrdered(OPTION_HEADER, { code: o.code, length: value.length }, buf, at, byteOrder)
    value.copy(buf, at + 4)
    buf.fill(0, at + 4 + value.length, at + 4 + pad4(value.length))
    at += 4 + pad4(value.length)
  }
  writeOrdered(OPTION_HEADER, { code: OptionCode.EndOfOptions, length: 0 }, buf, at, byteOrder)
  return at + 4
}

function writeTrailer (buf: Buffer, end: number, totalLength: number, byteOrder: ByteOrder): void {
  if (byteOrder === 'le') buf.writeUInt32LE(totalLength, end - 4)
  else buf.writeUInt32BE(totalLength, end - 4)
}

function checkBlockLength (totalLength: number): void {
  if (totalLength > MAX_BLOCK_LENGTH) {
    throw new EncodeError('pcapng', 'IPX_ERR_TOO_LARGE', `block of ${totalLength} bytes exceeds ${MAX_BLOCK_LENGTH}`)
  }
}

function allocFor (length: number, buf: Buffer | undefined, offset: number): Buffer {
  const out = buf ?? Buffer.allocUnsafe(offset + length)
  if (!(offset >= 0 && out.length - offset >= length)) {
    throw new EncodeError('pcapng', 'IPX_ERR_BUFFER_TOO_SMALL', `need ${length} bytes at offset ${offset}, buffer has ${out.length}`)
  }
  return out
}

/** Fields of a Section Header Block to encode. */
export interface SectionHeaderInput {
  /** Default `'le'`. */
  byteOrder?: ByteOrder
  /** Default -1n (not given), what streaming writers use (§4.1). */
  sectionLength?: bigint
  /** SHB options, e.g. shb_userappl (4). */
  options?: readonly OptionInput[]
}

/** Bytes of the Section Header Block for `shb`. */
export function sectionHeaderEncodingLength (shb: SectionHeaderInput = {}): number {
  return MIN_SHB_LENGTH + optionsLength(shb.options ?? [])
}

/** Writes a Section Header Block (version 1.0) at `offset` of `buf` (allocated when omitted). */
export function encodeSectionHeader (shb: SectionHeaderInput = {}, buf?: Buffer, offset = 0): Buffer {
  const order = shb.byteOrder ?? 'le'
  const totalLength = sectionHeaderEncodingLength(shb)
  checkBlockLength(totalLength)
  const out = allocFor(totalLength, buf, offset)
  writeOrdered(SHB_HEADER, { blockType: BlockType.SectionHeader, totalLength, byteOrderMagic: BYTE_ORDER_MAGIC, versionMajor: 1, versionMinor: 0 }, out, offset, order)
  const sectionLength = shb.sectionLength ?? -1n
  if (sectionLength < -1n || sectionLength > 0x7fffffffffffffffn) {
    throw new EncodeError('pcapng', 'IPX_ERR_FIELD_RANGE', `section length ${sectionLength} must be -1 or a 63-bit byte count`, 'sectionLength')
  }
  if (order === 'le') out.writeBigInt64LE(sectionLength, offset + 16)
  else out.writeBigInt64BE(sectionLength, offset + 16)
  writeOptions(shb.options ?? [], out, offset + 24, order)
  writeTrailer(out, offset + totalLength, totalLength, order)
  return out
}

/** Fields of an Interface Description Block to encode. */
export interface InterfaceInput {
  /** LINKTYPE_* (16 bits in an IDB). */
  linkType: number
  /** Default 262144; 0 means no limit. */
  snaplen?: number
  /** if_name, e.g. the attachment's name. */
  name?: string
  /** if_description. */
  description?: string
  /** Raw if_tsresol byte; omitted means 6 (µs). ipxlab writes 9 (ns). */
  tsresol?: number
  /** if_tsoffset in seconds. */
  tsoffset?: bigint
}

function interfaceOptions (idb: InterfaceInput, byteOrder: ByteOrder): OptionInput[] {
  const options: OptionInput[] = []
  if (idb.name !== undefined) options.push({ code: OptionCode.IfName, value: idb.name })
  if (idb.description !== undefined) options.push({ code: OptionCode.IfDescription, value: idb.description })
  if (idb.tsresol !== undefined) {
    if (!Number.isInteger(idb.tsresol) || idb.tsresol < 0 || idb.tsresol > 0xff) {
      throw new EncodeError('pcapng', 'IPX_ERR_FIELD_RANGE', `if_tsresol must be a byte, got ${idb.tsresol}`, 'tsresol')
    }
    options.push({ code: OptionCode.IfTsresol, value: Buffer.from([idb.tsresol]) })
  }
  if (idb.tsoffset !== undefined) {
    const v = Buffer.alloc(8)
    if (idb.tsoffset < -(2n ** 63n) || idb.tsoffset >= 2n ** 63n) {
      throw new EncodeError('pcapng', 'IPX_ERR_FIELD_RANGE', `if_tsoffset ${idb.tsoffset} is not a 64-bit signed value`, 'tsoffset')
    }
    if (byteOrder === 'le') v.writeBigInt64LE(idb.tsoffset)
    else v.writeBigInt64BE(idb.tsoffset)
    options.push({ code: OptionCode.IfTsoffset, value: v })
  }
  return options
}

/** Bytes of the Interface Description Block for `idb`. */
export function interfaceEncodingLength (idb: InterfaceInput): number {
  return MIN_IDB_LENGTH + optionsLength(interfaceOptions(idb, 'le'))
}

/** Writes an Interface Description Block at `offset` of `buf` (allocated when omitted). */
export function encodeInterface (idb: InterfaceInput, byteOrder: ByteOrder = 'le', buf?: Buffer, offset = 0): Buffer {
  const options = interfaceOptions(idb, byteOrder)
  const totalLength = MIN_IDB_LENGTH + optionsLength(options)
  const out = allocFor(totalLength, buf, offset)
  writeOrdered(IDB_HEADER, { blockType: BlockType.InterfaceDescription, totalLength, linkType: idb.linkType, reserved: 0, snaplen: idb.snaplen ?? DEFAULT_SNAPLEN }, out, offset, byteOrder)
  writeOptions(options, out, offset + 16, byteOrder)
  writeTrailer(out, offset + totalLength, totalLength, byteOrder)
  return out
}

/** A packet for an Enhanced Packet Block. */
export interface EnhancedPacketInput extends CaptureRecordInput {
  /** Index of the interface (IDB) in its section. */
  interfaceId: number
}

/** How the interface writes time: its if_tsresol (default 6) and if_tsoffset (default 0). */
export interface TimeBase {
  tsresol?: number
  tsoffset?: bigint
  /** Cut frames to this many bytes (the interface's snaplen; 0 = no limit). Default no limit. */
  snaplen?: number
}

function capturedOf (record: CaptureRecordInput, snaplen: number | undefined): number {
  return snaplen === undefined || snaplen === 0 ? record.data.length : Math.min(record.data.length, snaplen)
}

/** Bytes of the Enhanced Packet Block for `record` under `base`. */
export function enhancedPacketEncodingLength (record: CaptureRecordInput, base: TimeBase = {}): number {
  return MIN_EPB_LENGTH + pad4(capturedOf(record, base.snaplen))
}

/**
 * Writes an Enhanced Packet Block at `offset` of `buf` (allocated when omitted). The timestamp is
 * converted to the interface's resolution. Throws EncodeError on an out-of-range field.
 */
export function encodeEnhancedPacket (record: EnhancedPacketInput, base: TimeBase = {}, byteOrder: ByteOrder = 'le', buf?: Buffer, offset = 0): Buffer {
  const capturedLength = capturedOf(record, base.snaplen)
  const totalLength = MIN_EPB_LENGTH + pad4(capturedLength)
  checkBlockLength(totalLength)
  const originalLength = record.originalLength ?? record.data.length
  if (!Number.isInteger(originalLength) || originalLength < capturedLength || originalLength > 0xffffffff) {
    throw new EncodeError('pcapng', 'IPX_ERR_FIELD_RANGE', `original length ${originalLength} must be an integer from the captured length ${capturedLength} to 0xffffffff`, 'originalLength')
  }
  const ns = record.timestampNs ?? 0n
  const ticks = nsToTimestamp(ns, base.tsresol ?? 6, base.tsoffset ?? 0n)
  // Checked before truncation too: -1 ns would otherwise round to tick 0.
  if (ns < (base.tsoffset ?? 0n) * 1_000_000_000n || ticks < 0n || ticks > 0xffffffffffffffffn) {
    throw new EncodeError('pcapng', 'IPX_ERR_FIELD_RANGE', `timestamp ${record.timestampNs} ns does not fit in 64 bits at this resolution`, 'timestampNs')
  }
  const out = allocFor(totalLength, buf, offset)
  writeOrdered(EPB_HEADER, {
    blockType: BlockType.EnhancedPacket,
    totalLength,
    interfaceId: record.interfaceId,
    timestampHigh: Number(ticks >> 32n),
    timestampLow: Number(ticks & 0xffffffffn),
    capturedLength,
    originalLength
  }, out, offset, byteOrder)
  record.data.copy(out, offset + 28, 0, capturedLength)
  out.fill(0, offset + 28 + capturedLength, offset + totalLength - 4)
  writeTrailer(out, offset + totalLength, totalLength, byteOrder)
  return out
}

/**
 * Writes a Simple Packet Block (interface 0, no timestamp; §4.4) at `offset` of `buf`. `data` is the
 * stored part; `originalLength` defaults to its length.
 */
export function encodeSimplePacket (record: CaptureRecordInput, byteOrder: ByteOrder = 'le', buf?: Buffer, offset = 0): Buffer {
  const totalLength = MIN_SPB_LENGTH + pad4(record.data.length)
  checkBlockLength(totalLength)
  const originalLength = record.originalLength ?? record.data.length
  const out = allocFor(totalLength, buf, offset)
  writeOrdered(SPB_HEADER, { blockType: BlockType.SimplePacket, totalLength, originalLength }, out, offset, byteOrder)
  record.data.copy(out, offset + 12)
  out.fill(0, offset + 12 + record.data.length, offset + totalLength - 4)
  writeTrailer(out, offset + totalLength, totalLength, byteOrder)
  return out
}

/** Writes any block: type, length, `body` padded to 4, trailing length (for custom or test blocks). */
export function encodeRawBlock (blockType: number, body: Buffer, byteOrder: ByteOrder = 'le', buf?: Buffer, offset = 0): Buffer {
  const totalLength = MIN_BLOCK_LENGTH + pad4(body.length)
  checkBlockLength(totalLength)
  const out = allocFor(totalLength, buf, offset)
  writeOrdered(BLOCK_HEADER, { blockType, totalLength }, out, offset, byteOrder)
  body.copy(out, offset + 8)
  out.fill(0, offset + 8 + body.length, offset + totalLength - 4)
  writeTrailer(out, offset + totalLength, totalLength, byteOrder)
  return out
}

/** Options of {@link encodePcapngFile}. */
export interface PcapngFileOptions {
  /** Default `'le'`. */
  byteOrder?: ByteOrder
}

/**
 * A whole one-section pcapng file in memory: SHB, one IDB per interface (tsresol 9, nanoseconds,
 * unless the interface says otherwise), one EPB per record. Throws EncodeError, also for a record
 * naming an interface that does not exist.
 */
export function encodePcapngFile (interfaces: readonly InterfaceInput[], records: readonly EnhancedPacketInput[], options: PcapngFileOptions = {}): Buffer {
  const order = options.byteOrder ?? 'le'
  const ifs = interfaces.map(i => ({ ...i, tsresol: i.tsresol ?? 9, snaplen: i.snaplen ?? DEFAULT_SNAPLEN }))
  const parts: Buffer[] = [encodeSectionHeader({ byteOrder: order })]
  for (const i of ifs) parts.push(encodeInterface(i, order))
  for (const r of records) {
    const i = ifs[r.interfaceId]
    if (i === undefined) throw new EncodeError('pcapng', 'IPX_ERR_FIELD_RANGE', `interface ${r.interfaceId} is not one of the ${ifs.length} interfaces`, 'interfaceId')
    parts.push(encodeEnhancedPacket(r, i, order))
  }
  return Buffer.concat(parts)
}
