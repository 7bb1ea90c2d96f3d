/**
 * `ipxlab decode CAPTURE...`: one line (or one JSON object) per IPX frame. Malformed frames print
 * their error code and offset and decoding goes on; unreadable files print one line and decoding
 * goes on with the next file. Exit status: 0 clean, 1 a malformed frame, 2 a file could not be read.
 */
import { ipx, ethernet, upper, hex, packetTypeName, socketName } from '../../protocol/index.js'
import { CaptureError } from '../errors.js'
import { readFrames, formatTimestamp, formatEpoch } from '../capture/frames.js'
import type { FrameResult, FrameOptions } from '../capture/frames.js'
import type { Io } from './main.js'

/** Options of {@link runDecode}. */
export interface DecodeCommandOptions extends FrameOptions {
  json: boolean
}

const ENCAPSULATION_NAMES: Record<string, string> = { udp: 'IPX-in-UDP', sll: 'Linux cooked' }

function framingName (f: Extract<FrameResult, { kind: 'ipx' }>): string {
  const l = f.located
  if (l.framing !== undefined) return ethernet.FRAMING_NAMES[l.framing]
  const base = ENCAPSULATION_NAMES[l.encapsulation] ?? l.encapsulation
  return l.udp !== undefined ? `${base}(${l.udp.srcPort}->${l.udp.dstPort})` : base
}

function upperName (packet: ipx.IpxPacket): string {
  return upper.classify(packet.header).name
}

/** The text line of one frame. */
export function formatFrameLine (f: FrameResult): string {
  const n = String(f.record.index + 1).padStart(5)
  const time = formatTimestamp(f.record.timestampNs)
  if (f.kind === 'malformed') return `${n} ${time} malformed ${f.error.code} at offset ${f.error.offset}: ${f.error.protocol} ${f.error.reason}`
  if (f.kind === 'not_ipx') return `${n} ${time} not IPX`
  const h = f.located.ipx.header
  return `${n} ${time} ${framingName(f)} ${ipx.formatIpxAddress(h.src)} -> ${ipx.formatIpxAddress(h.dst)} ` +
    `${upperName(f.located.ipx)} type=0x${hex(h.packetType, 2)}(${packetTypeName(h.packetType)}) ` +
    `sockets ${socketName(h.src.socket)}->${socketName(h.dst.socket)} len=${h.length} hops=${h.transportControl}` +
    (f.snapped > 0 ? ` [snapped: ${f.snapped} bytes not captured]` : '')
}

/** The JSON object of one frame, with the codec's field names. */
export function frameJson (file: string, f: FrameResult): Record<string, unknown> {
  const base = { file, frame: f.record.index + 1, time: formatEpoch(f.record.timestampNs), linkType: f.record.linkType, capturedLength: f.record.capturedLength, originalLength: f.record.originalLength }
  if (f.kind === 'malformed') return { ...base, kind: 'malformed', error: { code: f.error.code, protocol: f.error.protocol, offset: f.error.offset, message: f.error.message } }
  if (f.kind === 'not_ipx') return { ...base, kind: 'not_ipx' }
  const l = f.located
  const h = l.ipx.header
  return {
    ...base,
    kind: 'ipx',
    encapsulation: l.encapsulation,
    ...(l.framing !== undefined ? { framing: l.framing } : {}),
    ...(l.ethernet !== undefined ? { eth: { dst: ethernet.formatMac(l.ethernet.dst), src: ethernet.formatMac(l.ethernet.src), type: l.ethernet.etherType, len: l.ethernet.length, llc: l.ethernet.llc, snap: l.ethernet.snap, padding: l.ethernet.padding.length, trailer: l.ethernet.trailer.toString('hex') } } : {}),
    ...(l.ip !== undefined ? { ip: l.ip } : {}),
    ...(l.udp !== undefined ? { udp: l.udp } : {}),
    ipx: h,
    src: ipx.formatIpxAddress(h.src),
    dst: ipx.formatIpxAddress(h.dst),
    packetTypeName: packetTypeName(h.packetType),
    protocol: upperName(l.ipx),
    payloadLength: l.ipx.payload.length,
    ...(f.snapped > 0 ? { snapped: f.snapped } : {})
  }
}

/** Runs the command; returns its exit status. */
export async function runDecode (files: readonly string[], options: DecodeCommandOptions, io: Io): Promise<number> {
  let malformed = 0
  let unreadable = 0
  for (const file of files) {
    let frames = 0
    let ipxFrames = 0
    let notIpx = 0
    let bad = 0
    let readable = true
    try {
      for await (const f of readFrames(file, options)) {
        frames++
        if (f.kind === 'ipx') ipxFrames++
        else if (f.kind === 'not_ipx') notIpx++
        else bad++
        if (options.json) io.stdout.write(JSON.stringify(frameJson(file, f)) + '\n')
        else if (f.kind !== 'not_ipx') io.stdout.write(formatFrameLine(f) + '\n')
      }
    } catch (err) {
      if (!(err instanceof CaptureError)) throw err
      unreadable++
      readable = frames > 0
      io.stderr.write(`ipxlab: ${err.message}\n`)
    }
    malformed += bad
    if (readable) io.stderr.write(`${file}: ${frames} frames, ${ipxFrames} IPX, ${bad} malformed, ${notIpx} not IPX\n`)
  }
  return unreadable > 0 ? 2 : malformed > 0 ? 1 : 0
}
