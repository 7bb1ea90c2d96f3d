/**
 * From capture records to IPX frames: finds the IPX in each record (any link type the codec knows)
 * and says, for each record, exactly one of: an IPX frame, not IPX (skipped), or malformed (with
 * the codec's code and byte offset). The `decode`, `explain` and `lint` views and the replayer
 * all start here.
 */
import { link, ipx, DecodeError, IPX_NO_CHECKSUM } from '../../protocol/index.js'
import type { CaptureRecord } from './reader.js'
import { readCapture } from './reader.js'

/** Options for {@link locateRecord}. */
export interface FrameOptions {
  /** Extra UDP ports that carry IPX (213, 2644 and 10000 are always searched). */
  udpPorts?: readonly number[]
  /**
   * Verify IPX checksums that are not FFFF. A wrong one is a finding on the frame
   * ({@link BadChecksum}), not a malformed frame: its headers decode and are shown.
   */
  verifyChecksum?: boolean
}

/** A checksum that is neither FFFF nor the one's-complement sum (Linux `ipx_cksum`). */
export interface BadChecksum {
  /** What the frame carries. */
  stored: number
  /** What the sum gives. */
  correct: number
}

/** The fate of one capture record. */
export type FrameResult =
  | { kind: 'ipx', record: CaptureRecord, located: link.LocatedIpx, snapped: number, badChecksum?: BadChecksum }
  | { kind: 'not_ipx', record: CaptureRecord, reason: DecodeError }
  | { kind: 'malformed', record: CaptureRecord, error: DecodeError }

/** Classifies one record. Never throws for bad bytes. */
export function locateRecord (record: CaptureRecord, options: FrameOptions = {}): FrameResult {
  const locateOptions = { udpPorts: options.udpPorts ?? [], originalLength: record.originalLength }
  try {
    const located = link.locate(record.data, record.linkType, locateOptions)
    const bad = options.verifyChecksum === true ? checkChecksum(record.data, located) : undefined
    return bad === undefined ? { kind: 'ipx', record, located, snapped: 0 } : { kind: 'ipx', record, located, snapped: 0, badChecksum: bad }
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err
    if (err.code === 'IPX_ERR_NOT_IPX') return { kind: 'not_ipx', record, reason: err }
    if (err.code === 'IPX_ERR_TRUNCATED' && record.capturedLength < record.originalLength) return snappedRecord(record, locateOptions, err)
    return { kind: 'malformed', record, error: err }
  }
}

/** The checksum finding of a located packet, or undefined when it is FFFF or correct. */
function checkChecksum (data: Buffer, located: link.LocatedIpx): BadChecksum | undefined {
  const stored = located.ipx.header.checksum
  if (stored === IPX_NO_CHECKSUM) return undefined
  const correct = ipx.computeChecksum(data, located.ipxOffset, located.ipx.header.length)
  return correct === stored ? undefined : { stored, correct }
}

/**
 * A record the capture cut short (snaplen): the packet was whole on the wire, so it is not
 * malformed. As tshark does, decode the headers that were captured; the payload is what was
 * captured of it, and `snapped` says how many bytes the capture left out. The headers are located
 * on a copy extended to the wire length (the missing bytes are never shown: the payload is cut back).
 */
function snappedRecord (record: CaptureRecord, options: link.LocateOptions, original: DecodeError): FrameResult {
  const missing = record.originalLength - record.capturedLength
  const whole = Buffer.alloc(record.originalLength)
  record.data.copy(whole)
  try {
    const located = link.locate(whole, record.linkType, { ...options, originalLength: record.originalLength })
    const payloadStart = located.ipxOffset + 30
    const capturedPayload = Math.max(0, record.capturedLength - payloadStart)
    if (payloadStart > record.capturedLength) return { kind: 'malformed', record, error: original }
    located.ipx.payload = record.data.subarray(payloadStart, payloadStart + Math.min(capturedPayload, located.ipx.payload.length))
    return { kind: 'ipx', record, located, snapped: missing }
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err
    return { kind: 'malformed', record, error: original }
  }
}

/** Streams the frames of a capture file. Throws CaptureError for an unreadable file (after the good records). */
export async function * readFrames (path: string, options: FrameOptions = {}): AsyncGenerator<FrameResult> {
  for await (const record of readCapture(path)) yield locateRecord(record, options)
}

/** `2008-06-26T10:06:29.360507000Z` from nanoseconds since the epoch. */
export function formatTimestamp (ns: bigint): string {
  const ms = ns / 1_000_000n
  const iso = new Date(Number(ms)).toISOString()
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0')
  return `${iso.slice(0, 19)}.${frac}Z`
}

/** `1214474789.360507000`, tshark's `frame.time_epoch`. */
export function formatEpoch (ns: bigint): string {
  return `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`
}
