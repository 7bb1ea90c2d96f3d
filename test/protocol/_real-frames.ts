/**
 * Test helper: the IPX packets of the real captures and their tshark reference decodes, for the
 * SAP / RIP / NBIPX agreement tests. Reads the files in place under `REAL` (never copied).
 * Uses the project's own capture reader and Ethernet framing decoder.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { capture, ethernet, upper } from '../../protocol/index.js'
import type { IpxPacket } from '../../protocol/ipx/packet.js'
import { REAL } from '../_env.js'
import { readTsharkCsv as readCsv } from '../_tshark.js'

/** The two tcpdump captures that hold SAP, RIP and NBIPX frames, with their tshark file prefix. */
export const CAPTURES = [
  { pcap: 'ipx.pcap', tshark: 'tcpdump_ipx' },
  { pcap: 'smb_print_trans-oobr1.pcap', tshark: 'tcpdump_smb_print_trans-oobr1' }
] as const

/** One IPX frame: tshark's 1-based frame number and the decoded IPX packet (payload cut to ipx.len). */
export interface RealFrame {
  number: number
  ipx: IpxPacket
}

/** Every frame of a capture under `captures/tcpdump/`, decoded down to IPX. */
export function readIpxFrames (pcapName: string): RealFrame[] {
  const reader = new capture.CaptureReader()
  const frames: RealFrame[] = []
  for (const record of reader.push(readFileSync(path.join(REAL, 'captures', 'tcpdump', pcapName)))) {
    frames.push({ number: record.index + 1, ipx: ethernet.decode(Buffer.from(record.data)).ipx })
  }
  reader.end()
  return frames
}

/** Rows of `REAL/tshark/<name>` (see test/_tshark.ts). */
export function readTsharkCsv (name: string): Array<Record<string, string>> {
  return readCsv(path.join(REAL, 'tshark', name))
}

/** A cell of a tshark CSV row; throws when the row or the column is missing, so a gap never compares equal. */
export function cell (row: Record<string, string> | undefined, column: string): string {
  const v = row?.[column]
  if (v === undefined) throw new Error(`no ${column} in ${row === undefined ? 'a missing row' : 'the row'}`)
  return v
}

/** tshark's `-T json --no-duplicate-keys` output: one object of layers per frame. */
export function readTsharkJson (name: string): Array<Record<string, unknown>> {
  const parsed = JSON.parse(readFileSync(path.join(REAL, 'tshark', name), 'utf8')) as Array<{ _source: { layers: Record<string, unknown> } }>
  return parsed.map(p => p._source.layers)
}

/**
 * The socket whose dissector Wireshark runs for this packet, or undefined when no socket decided:
 * the project's own dispatcher (protocol/upper.ts, checked against tshark there) says which.
 */
export function dispatchSocket (p: IpxPacket): number | undefined {
  const d = upper.classify(p.header)
  return d.reason === 'low-socket' || d.reason === 'high-socket' ? d.socket : undefined
}

