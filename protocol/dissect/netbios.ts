/** NetBIOS over IPX (`nmpi.*`, `netbios.*`): the propagation list, name packets and directed datagrams. */
import { ipx, netbios, hex } from './deps.js'
import { rest, fieldLabel } from './walker.js'
import type { Meaning, Meanings , Walker} from './walker.js'

const NAME_TYPES: ReadonlyMap<number, string> = new Map([
  [0x00, 'workstation'], [0x03, 'messenger'], [0x1b, 'domain master browser'], [0x1c, 'domain controllers'],
  [0x1d, 'master browser'], [0x1e, 'browser election'], [0x20, 'file server']
])

function netbiosName (w: Walker, at: number, end: number, field: string, label: string): boolean {
  if (end - at < netbios.NETBIOS_NAME_LENGTH) return false
  const n = { name: w.buf.toString('latin1', at, at + netbios.NETBIOS_NAME_CHARS).replace(/ +$/, ''), nameType: w.buf[at + netbios.NETBIOS_NAME_CHARS]! }
  w.add({ layer: 'netbios', offset: at, size: netbios.NETBIOS_NAME_CHARS, field: `${field}.name`, label: `${label}`, wireshark: 'netbios.nb_name', value: JSON.stringify(netbios.formatNetbiosName(n)), raw: netbios.formatNetbiosName(n), meaning: '15 name bytes, space-padded' })
  w.add({ layer: 'netbios', offset: at + netbios.NETBIOS_NAME_CHARS, size: 1, field: `${field}.nameType`, label: `${label} type`, wireshark: 'netbios.nb_name_type', value: `0x${hex(n.nameType, 2)}`, raw: n.nameType, meaning: `${NAME_TYPES.get(n.nameType) ?? 'name type (suffix)'}: ${netbios.describeNetbiosName(n)}` })
  return true
}

export function walkNetbios (w: Walker, at: number, end: number, ipxPacketType: number): void {
  const buf = w.buf
  const payload = buf.subarray(at, end)
  let p = at
  const hasList = netbios.hasPropagationList(payload, 0, ipxPacketType)
  if (hasList) {
    const meanings: Meanings = Object.fromEntries(netbios.NETBIOS_PROPAGATION.fields.map((f, i) => [f.name, (v: number) => v === 0 ? `slot ${i}: empty` : `slot ${i}: network ${ipx.formatNetwork(v)}, recorded by the router at hop ${i}`]))
    if (!w.fields('netbios', netbios.NETBIOS_PROPAGATION, p, end, meanings, 'propagation.', 'propagation ')) return
    p += netbios.NETBIOS_PROPAGATION_LENGTH
  }
  if (end - p < netbios.NETBIOS_HEADER_LENGTH) { rest(w, 'netbios', p, end, 'truncated', 'cut short: the NBIPX header needs 2 bytes'); return }
  const type = buf[p + 1]!
  const typeMeaning: Meaning = v => netbios.netbiosPacketTypeName(v)
  if (netbios.isNamePacketType(type)) {
    const flagNames: Meaning = v => Object.entries(netbios.NameTypeFlag).filter(([, bit]) => (v & bit) !== 0).map(([k]) => fieldLabel(k)).join(', ') || 'unique name, no flags'
    w.fields('netbios', netbios.NETBIOS_NAME_HEADER, p, end, { nameTypeFlag: flagNames, packetType: typeMeaning })
    p += netbios.NETBIOS_HEADER_LENGTH
    if (!netbiosName(w, p, end, 'name', 'name')) { rest(w, 'netbios', p, end, 'truncated', 'cut short: the 16-byte name is incomplete'); return }
    p += netbios.NETBIOS_NAME_LENGTH
    rest(w, 'netbios', p, end, 'data', 'bytes after the name')
    return
  }
  const ctl: Meaning = v => Object.entries(netbios.ConnectionControl).filter(([, bit]) => (v & bit) !== 0).map(([k]) => fieldLabel(k)).join(', ') || 'no flags'
  w.fields('netbios', netbios.NETBIOS_CONTROL_HEADER, p, end, { connectionControl: ctl, packetType: typeMeaning })
  p += netbios.NETBIOS_HEADER_LENGTH
  if (type === netbios.NetbiosPacketType.DirectedDatagram) {
    if (!netbiosName(w, p, end, 'receiver', 'receiver name')) { rest(w, 'netbios', p, end, 'truncated', 'cut short: the receiver\'s name is incomplete'); return }
    p += netbios.NETBIOS_NAME_LENGTH
    if (!netbiosName(w, p, end, 'sender', 'sender name')) { rest(w, 'netbios', p, end, 'truncated', 'cut short: the sender\'s name is incomplete'); return }
    p += netbios.NETBIOS_NAME_LENGTH
    rest(w, 'netbios', p, end, 'datagram', 'the datagram (usually an SMB mailslot message; not decoded)')
    return
  }
  rest(w, 'netbios', p, end, 'data', 'session or status data (Wireshark does not interpret it either)')
}
