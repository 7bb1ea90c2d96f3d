/**
 * A dissection as display filters see it (protocol/filter.ts): the Wireshark field names a filter
 * may use, the protocols it may name, and each frame's values by field name.
 */
import { ipx, ethernet, link, spx, ncp, sap, rip, netbios } from './deps.js'
import type { FieldSource, FilterVocabulary } from '../filter.js'
import type { Columns } from '../columns.js'
import type { Dissection, LayerId } from './types.js'

/** The layouts whose fields carry Wireshark names. */
const LAYOUTS = [
  ipx.IPX_HEADER, ethernet.ETHERNET_HEADER, ethernet.LLC_HEADER, ethernet.SNAP_HEADER, link.IPV4_HEADER, link.UDP_HEADER,
  link.SLL_HEADER, link.SLL2_HEADER, spx.SPX_HEADER, spx.SPX2_HEADER, ncp.NCP_COMMON_HEADER, ncp.NCP_REQUEST_HEADER,
  ncp.NCP_REPLY_HEADER, ncp.NCP_BURST_HEADER, sap.SAP_HEADER, sap.SAP_QUERY, sap.SAP_SERVER_TYPE, sap.SAP_SERVER_ADDRESS,
  rip.RIP_HEADER, rip.RIP_ENTRY, netbios.NETBIOS_PROPAGATION, netbios.NETBIOS_NAME_HEADER, netbios.NETBIOS_CONTROL_HEADER
]

/** Fields the dissectors write outside the layouts, and Wireshark's either-end fields. */
const EXTRA_FIELDS = [
  'ncp.length', 'ncp.subfunc', 'netbios.nb_name', 'netbios.nb_name_type', 'ipxsap.server.name', 'eth.padding', 'eth.trailer',
  'ipx.socket', 'ipx.net', 'ipx.node', 'eth.addr', 'ip.addr', 'udp.port', 'frame.number', 'frame.len', 'frame.cap_len',
  '_ws.col.Protocol', '_ws.col.Info'
]

/** Either-end fields (Wireshark's `ipx.socket` is `ipx.src.socket` or `ipx.dst.socket`). */
const EITHER: Readonly<Record<string, readonly [string, string]>> = {
  'ipx.socket': ['ipx.src.socket', 'ipx.dst.socket'],
  'ipx.net': ['ipx.src.net', 'ipx.dst.net'],
  'ipx.node': ['ipx.src.node', 'ipx.dst.node'],
  'eth.addr': ['eth.src', 'eth.dst'],
  'ip.addr': ['ip.src', 'ip.dst'],
  'udp.port': ['udp.srcport', 'udp.dstport']
}

/** Wireshark's protocol filter names per layer (and the short names learners type: `sap`, `rip`, `netbios`). */
const LAYER_PROTOCOLS: Partial<Record<LayerId, readonly string[]>> = {
  ethernet: ['eth'], llc: ['llc'], snap: ['llc'], ipv4: ['ip'], udp: ['udp'], ipx: ['ipx'], spx: ['spx'], ncp: ['ncp'],
  sap: ['ipxsap', 'sap'], rip: ['ipxrip', 'rip'], netbios: ['nbipx', 'netbios'], data: ['data']
}

/** Protocols above what the dissectors split out, named by the Protocol column. */
const COLUMN_PROTOCOLS: Readonly<Record<string, readonly string[]>> = { BROWSER: ['browser', 'smb', 'nmpi', 'mailslot'], NMPI: ['nmpi'], SMB: ['smb'] }

/**
 * Wireshark fields that share bytes with another, or keep only some bits: the value a filter
 * compares, from the range's number (`tshark -G fields` gives spx.ctl the mask 0xf0, ip.flags
 * 0xe0 of its byte, ip.frag_offset 0x1fff; ip.hdr_len is in bytes).
 */
const SPLIT: Readonly<Record<string, (v: number) => ReadonlyArray<readonly [string, number]>>> = {
  'eth.type / eth.len': v => [[v >= ethernet.ETHERTYPE_MIN ? 'eth.type' : 'eth.len', v]],
  'ip.version / ip.hdr_len': v => [['ip.version', v >>> 4], ['ip.hdr_len', (v & 0x0f) * 4]],
  'ip.flags / ip.frag_offset': v => [['ip.flags', v >>> 13], ['ip.frag_offset', v & 0x1fff]],
  'sll.etype / sll.ltype': v => [[v >= ethernet.ETHERTYPE_MIN ? 'sll.etype' : 'sll.ltype', v]],
  'spx.ctl': v => [['spx.ctl', v >>> 4]]
}

function knownFields (): Set<string> {
  const names = new Set<string>(EXTRA_FIELDS)
  for (const l of LAYOUTS) {
    for (const f of l.fields) for (const n of (f.wireshark ?? '').split(' / ')) if (n !== '') names.add(n)
  }
  return names
}

/** Every name a filter may use. */
export const FILTER_VOCABULARY: FilterVocabulary = {
  fields: knownFields(),
  protocols: new Set(['frame', ...Object.values(LAYER_PROTOCOLS).flat(), ...Object.values(COLUMN_PROTOCOLS).flat()])
}

/** Facts about the frame that are not in its bytes' dissection. */
export interface FrameFacts {
  /** 1-based. */
  number?: number
  /** Bytes on the wire. */
  length?: number
  /** Bytes captured. */
  capturedLength?: number
  columns?: Columns
}

function push (m: Map<string, Array<number | string>>, name: string, v: number | string): void {
  const list = m.get(name)
  if (list === undefined) m.set(name, [v])
  else list.push(v)
}

/** The values of every named field of a dissection, with composites joined (`ncp.connection`, `llc.oui`). */
export function fieldValues (d: Dissection, facts: FrameFacts = {}): Map<string, Array<number | string>> {
  const m = new Map<string, Array<number | string>>()
  let connectionLow: number | undefined
  let ouiHigh: number | undefined
  for (const r of d.ranges) {
    if (r.field === 'connectionHigh' && typeof r.raw === 'number' && connectionLow !== undefined) { push(m, 'ncp.connection', r.raw * 256 + connectionLow); continue }
    if (r.wireshark === undefined) continue
    if (r.raw === undefined) { if (r.wireshark === 'eth.padding' || r.wireshark === 'eth.trailer') push(m, r.wireshark, r.size); continue }
    if (r.field === 'connectionLow' && typeof r.raw === 'number') { connectionLow = r.raw; continue }
    if (r.field === 'ouiHigh' && typeof r.raw === 'number') { ouiHigh = r.raw; continue }
    if (r.field === 'ouiLow' && typeof r.raw === 'number') { push(m, 'llc.oui', (ouiHigh ?? 0) * 0x10000 + r.raw); continue }
    const split = SPLIT[r.wireshark]
    if (split !== undefined && typeof r.raw === 'number') { for (const [name, v] of split(r.raw)) push(m, name, v); continue }
    push(m, r.wireshark, r.raw)
  }
  for (const [either, [a, b]] of Object.entries(EITHER)) for (const v of [...(m.get(a) ?? []), ...(m.get(b) ?? [])]) push(m, either, v)
  if (facts.number !== undefined) push(m, 'frame.number', facts.number)
  if (facts.length !== undefined) push(m, 'frame.len', facts.length)
  if (facts.capturedLength !== undefined) push(m, 'frame.cap_len', facts.capturedLength)
  if (facts.columns !== undefined) {
    push(m, '_ws.col.Protocol', facts.columns.protocol)
    push(m, '_ws.col.Info', facts.columns.info)
    const r = facts.columns.ncpRequest
    if (r !== undefined) {
      push(m, 'ncp.func', r.fn)
      if (r.subfunction !== undefined) push(m, 'ncp.subfunc', r.subfunction)
    }
  }
  return m
}

/** A {@link FieldSource} over one frame's dissection. */
export function fieldSource (d: Dissection, facts: FrameFacts = {}): FieldSource {
  const values = fieldValues(d, facts)
  const protocols = new Set<string>(['frame'])
  for (const l of d.layers) for (const p of LAYER_PROTOCOLS[l.layer] ?? []) protocols.add(p)
  for (const p of COLUMN_PROTOCOLS[facts.columns?.protocol ?? ''] ?? []) protocols.add(p)
  return { values: name => values.get(name) ?? [], hasProtocol: name => protocols.has(name) }
}
