/**
 * A streaming capture reader with no I/O: push bytes in any chunking, get whole records out.
 * Detects pcap or pcapng from the first bytes. "Need more bytes" is not an error, the remainder is
 * kept for the next chunk (the generator decoder of js-libp2p-yamux's `Decoder`); {@link end}
 * says whether the stream stopped inside a record.
 */
import { DecodeError } from '../errors.js'
import type { ByteOrder } from './byte-order.js'
import * as pcap from './pcap.js'
import * as pcapng from './pcapng.js'
import type { CaptureRecord } from './record.js'

/** The container format, once known. */
export type CaptureFormat = 'pcap' | 'pcapng'

interface Interface {
  linkType: number
  snaplen: number
  tsresol: number
  tsoffset: bigint
  name: string | undefined
}

/** A decoded interface as the reader sees it (pcap files have exactly one, id 0). */
export type CaptureInterface = Readonly<Interface>

/**
 * Re-bases a codec error found at `e.offset` of a buffer that starts at file offset `base`, so that
 * every error from the reader carries the offset in the whole stream.
 */
function rebase (e: unknown, base: number): unknown {
  if (!(e instanceof DecodeError) || base === 0) return e
  const prefix = `${e.protocol}: `
  const suffix = ` (${e.code} at offset ${e.offset})`
  let text = e.message
  if (text.startsWith(prefix)) text = text.slice(prefix.length)
  if (text.endsWith(suffix)) text = text.slice(0, -suffix.length)
  return new DecodeError(e.protocol, e.code, base + e.offset, text)
}

/**
 * Push-driven decoder of pcap and pcapng streams.
 *
 * ```ts
 * const reader = new CaptureReader()
 * for await (const chunk of stream) for (const record of reader.push(chunk)) use(record)
 * reader.end() // throws IPX_ERR_TRUNCATED if the stream stopped inside a record
 * ```
 *
 * Copying: chunks are kept in a list until the next record is complete, then joined once; a record
 * inside one chunk is yielded as a view of it without a copy. So a large file costs O(n), however
 * it is chunked. Records' `data` are views: copy them to keep them while mutating the chunks.
 */
export class CaptureReader {
  /** Bytes not yet consumed: `#buf` from `#pos`, then the `#pending` chunks. */
  #buf: Buffer = Buffer.alloc(0)
  #pos = 0
  #pending: Buffer[] = []
  #pendingLength = 0
  /** File offset of `#buf[0]`. */
  #base = 0
  /** Bytes needed at `#pos` before the next step can run. */
  #need = 4
  #format: CaptureFormat | undefined
  #byteOrder: ByteOrder = 'le'
  #nanosecond = false
  #pcapHeaderRead = false
  #interfaces: Interface[] = []
  #count = 0
  #seenBytes = 0

  /** `'pcap'` or `'pcapng'` once the magic has been read. */
  get format (): CaptureFormat | undefined { return this.#format }
  /** Records yielded so far. */
  get recordCount (): number { return this.#count }
  /** File offset just past the last whole record or block consumed. */
  get offset (): number { return this.#base + this.#pos }
  /** Interfaces of the current section (pcap: the one from the file header). */
  get interfaces (): readonly CaptureInterface[] { return this.#interfaces }

  /**
   * Feeds `chunk` and yields every record it completes. Throws {@link DecodeError} (offsets are file
   * offsets): IPX_ERR_BAD_MAGIC for an unknown format, IPX_ERR_BAD_BLOCK for a malformed record or
   * block, IPX_ERR_BAD_VALUE for an unsupported version. After an error the reader is unusable.
   */
  * push (chunk: Buffer): Generator<CaptureRecord> {
    if (chunk.length === 0) return
    this.#seenBytes += chunk.length
    this.#pending.push(chunk)
    this.#pendingLength += chunk.length
    if (this.#buf.length - this.#pos + this.#pendingLength < this.#need) return
    this.#join()
    for (;;) {
      let record: CaptureRecord | undefined
      try {
        record = this.#step()
      } catch (e) {
        throw rebase(e, this.#base)
      }
      if (record === undefined) {
        if (this.#buf.length - this.#pos < this.#need) break
        continue
      }
      yield record
    }
  }

  /**
   * Declares the end of the stream. Throws IPX_ERR_BAD_MAGIC when no format was recognised (an empty
   * or too-short stream) and IPX_ERR_TRUNCATED, at the offset just past the last whole record, when
   * bytes of an incomplete record or block remain.
   */
  end (): void {
    const left = this.#buf.length - this.#pos + this.#pendingLength
    if (this.#format === undefined) {
      const what = this.#seenBytes === 0 ? 'the capture is empty' : `only ${this.#seenBytes} bytes, too short for a magic number`
      throw new DecodeError('pcap', 'IPX_ERR_BAD_MAGIC', 0, what)
    }
    if (left > 0) {
      throw new DecodeError(this.#format, 'IPX_ERR_TRUNCATED', this.offset,
        `${left} bytes of an incomplete ${this.#count === 0 && this.offset === 0 ? 'header' : 'record'} after ${this.#count} whole records`)
    }
  }

  /** Moves pending chunks into one buffer starting at the unconsumed bytes (one copy per join). */
  #join (): void {
    if (this.#pending.length === 0) return
    const rest = this.#buf.length - this.#pos
    if (rest === 0 && this.#pending.length === 1) {
      this.#base += this.#buf.length
      this.#buf = this.#pending[0]!
    } else {
      const parts = rest > 0 ? [this.#buf.subarray(this.#pos), ...this.#pending] : this.#pending
      this.#base += this.#pos
      this.#buf = Buffer.concat(parts, rest + this.#pendingLength)
    }
    this.#pos = 0
    this.#pending = []
    this.#pendingLength = 0
  }

  /**
   * One step of the state machine over `#buf` at `#pos`: returns a record, or undefined after
   * consuming a non-record (header, interface, skipped block) or after raising `#need`.
   */
  #step (): CaptureRecord | undefined {
    const buf = this.#buf
    const at = this.#pos
    const avail = buf.length - at
    if (avail < this.#need) return undefined
    if (this.#format === undefined) return this.#detect()
    if (this.#format === 'pcap') return this.#pcapHeaderRead ? this.#pcapRecord(buf, at, avail) : this.#pcapHeader(buf, at)
    return this.#pcapngBlock(buf, at, avail)
  }

  #detect (): undefined {
    const buf = this.#buf
    const at = this.#pos
    const kind = pcap.sniffPcapMagic(buf, at)
    if (kind !== undefined) {
      this.#format = 'pcap'
      this.#need = pcap.PCAP_FILE_HEADER_LENGTH
      return undefined
    }
    // The first block of a pcapng file is a Section Header Block (draft-ietf-opsawg-pcapng §3.1).
    if (buf.readUInt32BE(at) === pcapng.BlockType.SectionHeader) {
      this.#format = 'pcapng'
      this.#need = 12
      return undefined
    }
    throw new DecodeError('pcap', 'IPX_ERR_BAD_MAGIC', at,
      `magic 0x${buf.readUInt32BE(at).toString(16).padStart(8, '0')} is neither pcap (a1b2c3d4, a1b23c4d) nor pcapng (0a0d0d0a)`)
  }

  #pcapHeader (buf: Buffer, at: number): undefined {
    const h = pcap.decodeFileHeader(buf, at)
    // libpcap refuses files older than 2.x ("archaic pcap savefile format", sf-pcap.c).
    if (h.versionMajor < 2) throw new DecodeError('pcap', 'IPX_ERR_BAD_VALUE', at + 4, `pcap version ${h.versionMajor}.${h.versionMinor} is older than 2.x`)
    this.#byteOrder = h.byteOrder
    this.#nanosecond = h.nanosecond
    this.#interfaces = [{ linkType: h.linkType, snaplen: h.snaplen, tsresol: h.nanosecond ? 9 : 6, tsoffset: 0n, name: undefined }]
    this.#pos = at + pcap.PCAP_FILE_HEADER_LENGTH
    this.#need = pcap.PCAP_RECORD_HEADER_LENGTH
    this.#pcapHeaderRead = true
    return undefined
  }


  #pcapRecord (buf: Buffer, at: number, avail: number): CaptureRecord | undefined {
    const h = pcap.decodeRecordHeader(buf, at, this.#byteOrder)
    const total = pcap.PCAP_RECORD_HEADER_LENGTH + h.capturedLength
    if (avail < total) { this.#need = total; return undefined }
    const iface = this.#interfaces[0]!
    const start = at + pcap.PCAP_RECORD_HEADER_LENGTH
    this.#pos = at + total
    this.#need = pcap.PCAP_RECORD_HEADER_LENGTH
    return {
      index: this.#count++,
      interfaceId: 0,
      linkType: iface.linkType,
      timestampNs: pcap.recordTimestampNs(h, this.#nanosecond),
      capturedLength: h.capturedLength,
      originalLength: h.originalLength,
      data: buf.subarray(start, start + h.capturedLength),
      fileOffset: this.#base + at
    }
  }

  #pcapngBlock (buf: Buffer, at: number, avail: number): CaptureRecord | undefined {
    // A Section Header Block type reads the same in both orders; its byte-order magic tells the order.
    if (buf.readUInt32BE(at) === pcapng.BlockType.SectionHeader) {
      if (avail < 12) { this.#need = 12; return undefined }
      this.#byteOrder = pcapng.sectionByteOrder(buf, at)!
    }
    const { totalLength } = pcapng.decodeBlockHeader(buf, at, this.#byteOrder)
    if (avail < totalLength) { this.#need = totalLength; return undefined }
    const block = pcapng.decodeBlock(buf, at, this.#byteOrder)
    this.#pos = at + totalLength
    this.#need = 8
    switch (block.type) {
      case 'shb':
        // A new section: interfaces are numbered afresh (§4.1).
        this.#interfaces = []
        return undefined
      case 'idb':
        this.#interfaces.push({ linkType: block.linkType, snaplen: block.snaplen, tsresol: block.tsresol, tsoffset: block.tsoffset, name: block.name })
        return undefined
      case 'other':
        return undefined
      case 'packet': {
        const iface = this.#interfaces[block.interfaceId]
        if (iface === undefined) {
          // Wireshark: "No Interface Description before block that requires it".
          throw new DecodeError('pcapng', 'IPX_ERR_BAD_BLOCK', at + 8,
            `packet names interface ${block.interfaceId} but the section has ${this.#interfaces.length}`)
        }
        let data = block.data
        if (block.timestamp === undefined) {
          // Simple Packet Block: captured = min(original, snaplen), snaplen 0 meaning none (§4.4).
          const cap = Math.min(block.originalLength, iface.snaplen === 0 ? block.originalLength : iface.snaplen)
          if (cap > data.length) throw new DecodeError('pcapng', 'IPX_ERR_BAD_BLOCK', at + 8, `simple packet of ${cap} bytes does not fit in its block`)
          data = data.subarray(0, cap)
        }
        return {
          index: this.#count++,
          interfaceId: block.interfaceId,
          linkType: iface.linkType,
          timestampNs: block.timestamp === undefined ? 0n : pcapng.timestampToNs(block.timestamp, iface.tsresol, iface.tsoffset),
          capturedLength: data.length,
          originalLength: block.originalLength,
          data,
          fileOffset: this.#base + at
        }
      }
    }
  }
}
