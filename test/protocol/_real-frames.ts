/**
 * Test helper: the IPX packets of the real captures and their tshark reference decodes, for the
 * SAP / RIP / NBIPX agreement tests. Reads the files in place under `REAL` (never copied).
 * Uses the project's own capture reader and Ethernet framing decoder.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { capture, ethernet, Socket } from '../../protocol/index.js'
import type { IpxPacket } from '../../protocol/ipx/packet.js'
import { REAL } from '../_env.js'

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

/** Parses tshark's `-E quote=d -E separator=,` CSV: a list of rows keyed by the header line. */
export function readTsharkCsv (name: string): Array<Record<string, string>> {
  const text = readFileSync(path.join(REAL, 'tshark', name), 'utf8')
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++ } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') { row.push(field); field = '' } else if (c === '\n') { row.push(field); rows.push(row); row = []; field = '' } else if (c !== '\r') field += c
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row) }
  const [head, ...body] = rows
  if (head === undefined) return []
  return body.map(r => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])))
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
 * Sockets that have a dissector in Wireshark's `ipx.socket` table (SOURCES.md "tshark dispatch";
 * packet-ipx.c `proto_reg_handoff_*`), so that a lower one of them wins over ours.
 */
const REGISTERED = new Set([0x0451, 0x0452, 0x0453, 0x0455, 0x0457, 0x0550, 0x0551, 0x0552, 0x0553, 0x0554, 0x4001, 0x4003, 0x85be, 0x9001, 0x9004])

/**
 * The socket whose dissector Wireshark runs for this packet (packet-ipx.c `dissect_ipx`: the lower
 * socket first, the higher one next, unless the higher is 0x0553), or undefined when none of the
 * registered ones matches. Packet types 5 (SPX) and 17 (NCP) go to their dissectors first.
 */
export function dispatchSocket (p: IpxPacket): number | undefined {
  const { src, dst, packetType } = p.header
  if (packetType === 5 || packetType === 17) return undefined
  const low = Math.min(src.socket, dst.socket)
  const high = Math.max(src.socket, dst.socket)
  const order = high === 0x0553 ? [high] : [low, high]
  return order.find(s => REGISTERED.has(s))
}

export { Socket }
