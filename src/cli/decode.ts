/**
 * `ipxlab decode CAPTURE...`: one line (or one JSON object) per IPX frame. Malformed frames print
 * their error code and offset and decoding goes on; unreadable files print one line and decoding
 * goes on with the next file. Under `--verify-checksum` a wrong IPX checksum is a finding on a frame
 * that is still shown whole. Exit status: 0 clean, 1 a malformed frame or a bad checksum, 2 a file
 * could not be read.
 */
import { ipx, ethernet, columns, hex, packetTypeName, socketName } from '../../protocol/index.js'
import type { dissect } from '../../protocol/index.js'
import { dissectFrame, passes } from '../capture/view.js'
import type { DisplayFilter } from '../capture/view.js'
import { CaptureError } from '../errors.js'
import { readFrames, formatTimestamp, formatEpoch } from '../capture/frames.js'
import type { FrameResult, FrameOptions } from '../capture/frames.js'
import type { Io } from './main.js'

/** Options of {@link runDecode}. */
export interface DecodeCommandOptions extends FrameOptions {
  json: boolean
  /** `-Y`: only the frames that pass. */
  displayFilter?: DisplayFilter
}

/**
 * The dissection in JSON: every layer (the next one named), every field by its Wireshark name
 * (or `layer.field` where Wireshark has none), its byte range, value (the number or text a
 * filter compares), shown value and meaning.
 */
export function dissectionJson (d: dissect.Dissection): Record<string, unknown> {
  return {
    path: d.path,
    ...(d.dispatch !== undefined ? { dispatch: { protocol: d.dispatch.protocol, name: d.dispatch.name, reason: d.dispatch.reason, text: d.dispatch.text } } : {}),
    ...(d.error !== undefined ? { error: d.error } : {}),
    layers: d.layers.map(l => ({
      layer: l.layer,
      title: l.title,
      offset: l.offset,
      size: l.size,
      ...(l.next !== undefined ? { next: l.next } : {}),
      fields: l.fields.map(f => ({
        name: f.wireshark ?? `${l.layer}.${f.field}`,
        field: f.field,
        offset: f.offset,
        size: f.size,
        ...(f.raw !== undefined ? { value: f.raw } : {}),
        ...(f.value !== '' ? { show: f.value } : {}),
        meaning: f.meaning
      }))
    }))
  }
}

const ENCAPSULATION_NAMES: Record<string, string> = { udp: 'IPX-in-UDP', sll: 'Linux cooked' }

function framingName (f: Extract<FrameResult, { kind: 'ipx' }>): string {
  const l = f.located
  if (l.framing !== undefined) return ethernet.FRAMING_NAMES[l.framing]
  const base = ENCAPSULATION_NAMES[l.encapsulation] ?? l.encapsulation
  return l.udp !== undefined ? `${base}(${l.udp.srcPort}->${l.udp.dstPort})` : base
}

/** The Protocol and Info columns of a frame as tshark shows them; `state` carries NCP requests across one file's frames. */
export function frameColumns (f: FrameResult, state?: columns.ColumnState): columns.Columns | undefined {
  if (f.kind === 'ipx') return columns.columns(f.located.ipx, state)
  if (f.kind === 'malformed') {
    // As tshark: a frame whose IPX header was read but does not hold (a length below 30, beyond
    // the frame) still names its destination socket, marked [Malformed Packet].
    const socket = dissectFrame(f).ranges.find(r => r.wireshark === 'ipx.dst.socket')?.raw
    if (typeof socket === 'number') return { protocol: 'IPX', info: `${columns.socketColumnName(socket)}[Malformed Packet]` }
  }
  return undefined
}

function checksumNote (f: Extract<FrameResult, { kind: 'ipx' }>): string {
  const b = f.badChecksum
  return b === undefined ? '' : ` [bad checksum 0x${hex(b.stored, 4)}, the sum gives 0x${hex(b.correct, 4)}]`
}

/**
 * The text line of one frame: number, time, framing, addresses, IPX type, sockets, length and hops,
 * then tshark's Protocol and Info columns (`IPX SAP: General Response`).
 */
export function formatFrameLine (f: FrameResult, cols: columns.Columns | undefined = frameColumns(f)): string {
  const n = String(f.record.index + 1).padStart(5)
  const time = formatTimestamp(f.record.timestampNs)
  if (f.kind === 'malformed') return `${n} ${time} malformed ${f.error.code} at offset ${f.error.offset}: ${f.error.protocol} ${f.error.reason}${cols !== undefined ? ` (${cols.protocol}: ${cols.info})` : ''}`
  if (f.kind === 'not_ipx') return `${n} ${time} not IPX`
  const h = f.located.ipx.header
  return `${n} ${time} ${framingName(f)} ${ipx.formatIpxAddress(h.src)} -> ${ipx.formatIpxAddress(h.dst)} ` +
    `type=0x${hex(h.packetType, 2)}(${packetTypeName(h.packetType)}) ` +
    `sockets ${socketName(h.src.socket)}->${socketName(h.dst.socket)} len=${h.length} hops=${h.transportControl} ` +
    `${cols?.protocol ?? 'IPX'}: ${cols?.info ?? ''}` +
    (f.snapped > 0 ? ` [snapped: ${f.snapped} bytes not captured]` : '') + checksumNote(f)
}

/** The JSON object of one frame, with the codec's field names. */
export function frameJson (file: string, f: FrameResult, cols: columns.Columns | undefined = frameColumns(f), d: dissect.Dissection = dissectFrame(f)): Record<string, unknown> {
  const base = { file, frame: f.record.index + 1, time: formatEpoch(f.record.timestampNs), linkType: f.record.linkType, capturedLength: f.record.capturedLength, originalLength: f.record.originalLength }
  if (f.kind === 'malformed') return { ...base, kind: 'malformed', error: { code: f.error.code, protocol: f.error.protocol, offset: f.error.offset, message: f.error.message }, ...(cols !== undefined ? { protocol: cols.protocol, info: cols.info } : {}), dissection: dissectionJson(d) }
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
    protocol: cols?.protocol,
    info: cols?.info,
    payloadLength: l.ipx.payload.length,
    ...(f.snapped > 0 ? { snapped: f.snapped } : {}),
    ...(f.badChecksum !== undefined ? { badChecksum: f.badChecksum } : {}),
    dissection: dissectionJson(d)
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
    let badSums = 0
    let shown = 0
    let readable = true
    const state = new columns.ColumnState()
    try {
      for await (const f of readFrames(file, options)) {
        frames++
        if (f.kind === 'ipx') ipxFrames++
        else if (f.kind === 'not_ipx') notIpx++
        const cols = frameColumns(f, state)
        const filter = options.displayFilter
        const d = options.json || filter !== undefined ? dissectFrame(f) : undefined
        if (filter !== undefined && d !== undefined && !passes(filter, f, cols, d)) continue
        shown++
        if (f.kind === 'malformed') bad++
        if (f.kind === 'ipx' && f.badChecksum !== undefined) badSums++
        if (options.json) io.stdout.write(JSON.stringify(frameJson(file, f, cols, d)) + '\n')
        else if (f.kind !== 'not_ipx') io.stdout.write(formatFrameLine(f, cols) + '\n')
      }
    } catch (err) {
      if (!(err instanceof CaptureError)) throw err
      unreadable++
      readable = frames > 0
      io.stderr.write(`ipxlab: ${err.message}\n`)
    }
    malformed += bad + badSums
    if (readable) io.stderr.write(`${file}: ${frames} frames, ${ipxFrames} IPX, ${bad} malformed, ${notIpx} not IPX${options.verifyChecksum === true ? `, ${badSums} bad checksum${badSums === 1 ? '' : 's'}` : ''}${options.displayFilter !== undefined ? `, ${shown} shown by -Y` : ''}\n`)
  }
  return unreadable > 0 ? 2 : malformed > 0 ? 1 : 0
}
