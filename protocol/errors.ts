/**
 * Typed errors of the codec. The codec only throws these two classes; nothing else escapes a
 * decoder (no RangeError from a short buffer, no TypeError): every decoder checks sizes up front.
 */

/** Which wire format an error belongs to. */
export type ProtocolName =
  | 'ethernet' | 'ipx' | 'spx' | 'sap' | 'rip' | 'netbios' | 'ncp' | 'diag' | 'ping'
  | 'pcap' | 'pcapng' | 'link' | 'tunnel' | 'snp' | 'dosbox'

/** Stable codes of {@link DecodeError}. Tests assert these, never message text. */
export type DecodeErrorCode =
  /** The buffer ends before a fixed-size header or field does. */
  | 'IPX_ERR_TRUNCATED'
  /** A length field is below its format's minimum (IPX: below 30, Novell IPX spec; Wireshark flags it). */
  | 'IPX_ERR_BAD_LENGTH'
  /** A length field claims more bytes than the buffer holds. */
  | 'IPX_ERR_LENGTH_BEYOND_DATA'
  /** A length field exceeds the format's or the receiver's configured maximum (tunnel TCP deframers). */
  | 'IPX_ERR_LENGTH_TOO_LARGE'
  /** The checksum is neither FFFF nor the correct one's-complement sum (only when verification is asked for). */
  | 'IPX_ERR_BAD_CHECKSUM'
  /** A link-layer frame is not one of the four IPX framings, or is inconsistent. */
  | 'IPX_ERR_BAD_FRAME'
  /** A list does not end on a whole entry (SAP 64 bytes, RIP 8 bytes). */
  | 'IPX_ERR_BAD_ENTRY_SIZE'
  /** A capture file does not start with a known magic number. */
  | 'IPX_ERR_BAD_MAGIC'
  /** A capture block or record is malformed (length too small, not a multiple of 4, ...). */
  | 'IPX_ERR_BAD_BLOCK'
  /** A value is outside what the format allows (version, flag combination, ...). */
  | 'IPX_ERR_BAD_VALUE'
  /** The frame carries no IPX (another EtherType, IP protocol or UDP port). */
  | 'IPX_ERR_NOT_IPX'
  /** An authentication tag does not verify. */
  | 'IPX_ERR_BAD_AUTH'

/** Stable codes of {@link EncodeError}. */
export type EncodeErrorCode =
  /** A field value is out of its range (socket > 0xFFFF, negative length, ...). */
  | 'IPX_ERR_FIELD_RANGE'
  /** The caller's buffer is too small for the encoding at that offset. */
  | 'IPX_ERR_BUFFER_TOO_SMALL'
  /** The value cannot be encoded at all (too many entries, payload too large, ...). */
  | 'IPX_ERR_TOO_LARGE'

/**
 * Brands, registered process-wide (`Symbol.for`), so `instanceof` holds when two copies of
 * `ipxlab/protocol` are installed (a dependency's copy throws, the application's copy catches):
 * each class answers `instanceof` by the brand, not by the prototype chain of one copy. Subclasses
 * keep the ordinary prototype test.
 */
const DECODE_BRAND = Symbol.for('ipxlab.protocol.DecodeError')
const ENCODE_BRAND = Symbol.for('ipxlab.protocol.EncodeError')
const OPTIONS_BRAND = Symbol.for('ipxlab.protocol.OptionsError')

function branded (brand: symbol, cls: unknown, self: unknown, value: unknown): boolean {
  if (self !== cls) return typeof self === 'function' && Function.prototype[Symbol.hasInstance].call(self, value)
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true
}

/** Malformed bytes. Carries the protocol, a stable code and the byte offset of the fault. */
export class DecodeError extends Error {
  static override [Symbol.hasInstance] (value: unknown): boolean {
    return branded(DECODE_BRAND, DecodeError, this, value)
  }

  readonly [DECODE_BRAND] = true
  override readonly name = 'DecodeError'
  /** Stable machine-readable code. */
  readonly code: DecodeErrorCode
  /** Which format was being decoded. */
  readonly protocol: ProtocolName
  /** Byte offset (into the buffer given to the decoder) where the fault was found. */
  readonly offset: number
  /** The reason alone, without protocol, code and offset: for lines that print those apart. */
  readonly reason: string

  constructor (protocol: ProtocolName, code: DecodeErrorCode, offset: number, message: string) {
    super(`${protocol}: ${message} (${code} at offset ${offset})`)
    this.reason = message
    this.code = code
    this.protocol = protocol
    this.offset = offset
  }
}

/** A value that cannot be put on the wire. */
export class EncodeError extends Error {
  static override [Symbol.hasInstance] (value: unknown): boolean {
    return branded(ENCODE_BRAND, EncodeError, this, value)
  }

  readonly [ENCODE_BRAND] = true
  override readonly name = 'EncodeError'
  /** Stable machine-readable code. */
  readonly code: EncodeErrorCode
  /** Which format was being encoded. */
  readonly protocol: ProtocolName
  /** The offending field's path, such as `dst.socket`, where there is one. */
  readonly field: string | undefined

  constructor (protocol: ProtocolName, code: EncodeErrorCode, message: string, field?: string) {
    super(`${protocol}: ${message} (${code})`)
    this.code = code
    this.protocol = protocol
    this.field = field
  }
}

/**
 * A codec object built with a bad option (a deframer's `maxLength` out of range): the caller's
 * configuration, not a value on the wire, so neither a DecodeError nor an EncodeError. A
 * RangeError, as Node reports a bad argument; `code` is always `IPX_ERR_OPTION`.
 */
export class OptionsError extends RangeError {
  static override [Symbol.hasInstance] (value: unknown): boolean {
    return branded(OPTIONS_BRAND, OptionsError, this, value)
  }

  readonly [OPTIONS_BRAND] = true
  override readonly name = 'OptionsError'
  readonly code = 'IPX_ERR_OPTION'
  /** Which format's codec was given the option. */
  readonly protocol: ProtocolName
  /** The option's name. */
  readonly option: string

  constructor (protocol: ProtocolName, option: string, message: string) {
    super(`${protocol}: ${option}: ${message} (IPX_ERR_OPTION)`)
    this.protocol = protocol
    this.option = option
  }
}

/** Type guard, `instanceof` based (one test each, per the style guide). */
export function isDecodeError (err: unknown): err is DecodeError {
  return err instanceof DecodeError
}

/** Type guard, `instanceof` based. */
export function isEncodeError (err: unknown): err is EncodeError {
  return err instanceof EncodeError
}
