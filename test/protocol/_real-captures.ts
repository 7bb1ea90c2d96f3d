/**
 * Reads the real third-party captures in place (never copied) with the project's own pcap header
 * codec (protocol/capture/pcap.ts), and tshark's CSV reference decodes next to them.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { capture } from '../../protocol/index.js'
import { REAL } from '../_env.js'
import { readTsharkCsv as readCsv } from '../_tshark.js'

/** One pcap record: the captured bytes and the length on the wire. */
export interface RealRecord {
  data: Buffer
  originalLength: number
}

/** All records of a classic pcap file under `REAL/captures`. */
export function readPcap (relative: string): { linkType: number, records: RealRecord[] } {
  const buf = readFileSync(path.join(REAL, 'captures', relative))
  const fh = capture.pcap.decodeFileHeader(buf)
  const records: RealRecord[] = []
  let off = capture.pcap.PCAP_FILE_HEADER_LENGTH
  // Bounded: each pass advances by at least the 16-byte record header.
  while (off < buf.length) {
    const rh = capture.pcap.decodeRecordHeader(buf, off, fh.byteOrder)
    const start = off + capture.pcap.PCAP_RECORD_HEADER_LENGTH
    records.push({ data: buf.subarray(start, start + rh.capturedLength), originalLength: rh.originalLength })
    off = start + rh.capturedLength
  }
  return { linkType: fh.linkType, records }
}

/** One row of a tshark CSV; asking for a column the file lacks throws, so a typo cannot pass. */
export class TsharkRow {
  readonly #cells: ReadonlyMap<string, string>
  constructor (cells: ReadonlyMap<string, string>) { this.#cells = cells }
  /** The cell as text; '' when tshark had no value. */
  str (field: string): string {
    const v = this.#cells.get(field)
    if (v === undefined) throw new Error(`no column ${field}`)
    return v
  }

  /** tshark's `0x0003` / `84` as a number, or undefined for an empty cell. */
  num (field: string): number | undefined {
    const cell = this.str(field)
    if (cell === '') return undefined
    return cell.startsWith('0x') ? parseInt(cell.slice(2), 16) : parseInt(cell, 10)
  }
}

/** Rows of `REAL/tshark/<name>`, one per IPX frame. */
export function readTsharkCsv (name: string): TsharkRow[] {
  return readCsv(path.join(REAL, 'tshark', name)).map(r => new TsharkRow(new Map(Object.entries(r))))
}
