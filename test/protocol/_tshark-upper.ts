/**
 * Test helper for the upper-layer codecs (SPX, NCP, diagnostics, ping, dispatch): wraps crafted
 * payloads in Ethernet II IPX frames, writes them to a temporary pcap with the project's own
 * `encodePcapFile`, and runs the real tshark on it. The temporary folder is removed afterwards.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { capture, ethernet } from '../../protocol/index.js'
import { makePacket } from '../../protocol/ipx/packet.js'
import type { IpxPacket } from '../../protocol/ipx/packet.js'

/** Node numbers of the two crafted stations. */
export const CLIENT_NODE = 0x020000000002
export const SERVER_NODE = 0x020000000001

/** An IPX packet from `srcSocket` to `dstSocket` on network 0x10 carrying `payload`. */
export function ipxPacket (packetType: number, srcSocket: number, dstSocket: number, payload: Buffer, fromServer = false): IpxPacket {
  return makePacket({
    packetType,
    src: { network: 0x10, node: fromServer ? SERVER_NODE : CLIENT_NODE, socket: srcSocket },
    dst: { network: 0x10, node: fromServer ? CLIENT_NODE : SERVER_NODE, socket: dstSocket }
  }, payload)
}

/** Runs `tshark -r <pcap> ...args` over the packets framed as Ethernet II; returns stdout. */
export function tsharkOn (packets: IpxPacket[], args: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-upper-'))
  try {
    const file = path.join(dir, 'crafted.pcap')
    const records = packets.map((p, i) => ({ data: ethernet.encodeIpx(p, 'ethernet_ii'), timestampNs: BigInt(i + 1) * 1_000_000_000n }))
    writeFileSync(file, capture.encodePcapFile(records, capture.LinkType.Ethernet))
    return execFileSync('tshark', ['-r', file, ...args], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * tshark's `-T fields` for the given fields, one row per frame keyed by field name (first
 * occurrence of each; '' when absent).
 */
export function tsharkFields (packets: IpxPacket[], fields: string[]): Array<Record<string, string>> {
  const out = tsharkOn(packets, ['-T', 'fields', '-E', 'header=y', '-E', 'separator=/t', '-E', 'occurrence=f', ...fields.flatMap(f => ['-e', f])])
  const [head, ...lines] = out.split('\n').filter(l => l !== '')
  const names = (head ?? '').split('\t')
  return lines.map(l => {
    const cells = l.split('\t')
    return Object.fromEntries(names.map((n, i) => [n, cells[i] ?? '']))
  })
}

/** Frame numbers tshark marks malformed or with an expert item of severity Warning or above (SOURCES.md validator). */
export function tsharkBadFrames (packets: IpxPacket[]): number[] {
  const out = tsharkOn(packets, ['-Y', '_ws.malformed || _ws.expert.severity >= 0x00600000', '-T', 'fields', '-e', 'frame.number'])
  return out.split('\n').filter(l => l !== '').map(Number)
}

/** `0x1f` → 31; tshark prints hex fields with 0x and decimal ones without. */
export function num (text: string | undefined): number {
  if (text === undefined || text === '') return NaN
  return text.startsWith('0x') ? parseInt(text.slice(2), 16) : parseInt(text, 10)
}

/** Bytes from spaced hex. */
export function bytes (hex: string): Buffer {
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex')
}
