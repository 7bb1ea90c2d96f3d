/**
 * NetBIOS over IPX (IPX socket 0x0455), the protocol Wireshark calls `nbipx` (its fields are named
 * `nmpi.*`; `gh:wireshark/wireshark:epan/dissectors/packet-nbipx.c`). There is no public spec;
 * Wireshark's author reverse-engineered it, and this codec mirrors Wireshark's reading so that its
 * output matches tshark:
 *
 * ```
 * [propagation list: 8 × network(4) = 32 bytes]      only in IPX type-20 broadcasts (see below)
 * control(1) packetType(1)                            control = name type flag or connection control
 * name packets (types 1-5):    name(16)
 * directed datagram (type 11): receiver name(16) sender name(16) datagram (SMB mailslot, ...)
 * other types:                 data, not interpreted
 * ```
 *
 * The propagation list is the Novell router spec's chapter 5 (Linux `af_ipx.c` `ipxitf_pprop`):
 * every router that rebroadcasts an IPX packet type 20 writes the receiving network into slot
 * [transport control]. Whether a packet carries it cannot be read from the packet alone; Wireshark
 * assumes it does when the IPX packet type is 20, or when the payload is exactly 50 bytes and the
 * byte where a name packet's type would sit (offset 33) is 1-5 ({@link hasPropagationList}).
 *
 * A NetBIOS name is 16 bytes: 15 name bytes, space-padded, then the name type (suffix) byte.
 */
import { defineLayout } from './layout.js'
import { DecodeError, EncodeError } from './errors.js'
import { PacketType, Socket, hex } from './constants.js'
import { formatNetwork } from './ipx/address.js'

/** The IPX socket of NetBIOS over IPX (Wireshark `IPX_SOCKET_NETBIOS`). */
export const NETBIOS_SOCKET = Socket.Netbios
/** Slots in the propagation list (Novell router spec ch. 5; Linux `ipxitf_pprop` `IPX_MAX_PPROP_HOPS 8`). */
export const NETBIOS_PROPAGATION_SLOTS = 8
/** Size of the propagation list: 8 networks of 4 bytes. */
export const NETBIOS_PROPAGATION_LENGTH = NETBIOS_PROPAGATION_SLOTS * 4
/** Size of the control + packet type bytes. */
export const NETBIOS_HEADER_LENGTH = 2
/** Size of a NetBIOS name field: 15 characters + the name type byte (Wireshark `NETBIOS_NAME_LEN 16`). */
export const NETBIOS_NAME_LENGTH = 16
/** Characters of a name before its type byte. */
export const NETBIOS_NAME_CHARS = NETBIOS_NAME_LENGTH - 1
/**
 * Payload size of a name packet with a propagation list: 32 + 2 + 16 = 50. Wireshark's heuristic
 * for non-type-20 packets keys on exactly this length.
 */
export const NETBIOS_NAME_PACKET_LENGTH = NETBIOS_PROPAGATION_LENGTH + NETBIOS_HEADER_LENGTH + NETBIOS_NAME_LENGTH

/** NBIPX packet ("data stream") types (Wireshark `nbipx_data_stream_type_vals`, `nmpi.packettype`). */
export const NetbiosPacketType = {
  /** 1: find name (name query), broadcast. */
  FindName: 0x01,
  /** 2: name recognized (answer to find name). */
  NameRecognized: 0x02,
  /** 3: check name ("add name"). */
  CheckName: 0x03,
  /** 4: name in use. */
  NameInUse: 0x04,
  /** 5: deregister name. */
  DeregisterName: 0x05,
  /** 6: session data. */
  SessionData: 0x06,
  /** 7: session end. */
  SessionEnd: 0x07,
  /** 8: session end ACK. */
  SessionEndAck: 0x08,
  /** 9: status query. */
  StatusQuery: 0x09,
  /** 10: status response. */
  StatusResponse: 0x0a,
  /** 11: directed datagram (receiver name, sender name, datagram). */
  DirectedDatagram: 0x0b
} as const
export type NetbiosPacketType = typeof NetbiosPacketType[keyof typeof NetbiosPacketType]

const PACKET_TYPE_NAMES: readonly string[] = [
  '', 'Find name', 'Name recognized', 'Check name', 'Name in use', 'Deregister name', 'Session data',
  'Session end', 'Session end ACK', 'Status query', 'Status response', 'Directed datagram'
]

/** Wireshark's name of an NBIPX packet type; unknown values read `Unknown(0x20)`. */
export function netbiosPacketTypeName (type: number): string {
  return (type >= 1 && type <= 11 ? PACKET_TYPE_NAMES[type] : undefined) ?? `Unknown(0x${hex(type, 2)})`
}

/** True for the name-management packet types 1-5 (Wireshark decodes a name after them). */
export function isNamePacketType (type: number): boolean {
  return type >= NetbiosPacketType.FindName && type <= NetbiosPacketType.DeregisterName
}

/** Bits of the name type flag (`nmpi.name_flags.*`). */
export const NameTypeFlag = {
  /** 0x80: group name (else unique). */
  Group: 0x80,
  /** 0x40: name in use. */
  InUse: 0x40,
  /** 0x04: name registered. */
  Registered: 0x04,
  /** 0x02: name duplicated. */
  Duplicated: 0x02,
  /** 0x01: name deregistered. */
  Deregistered: 0x01
} as const

/** Bits of the connection control byte (`nmpi.conn_control.*`). */
export const ConnectionControl = {
  /** 0x80: system packet. */
  SystemPacket: 0x80,
  /** 0x40: acknowledgement required. */
  Ack: 0x40,
  /** 0x20: attention. */
  Attention: 0x20,
  /** 0x10: end of message. */
  EndOfMessage: 0x10,
  /** 0x08: resend. */
  Resend: 0x08
} as const

/** A 16-byte NetBIOS name field. */
export interface NetbiosName {
  /**
   * The first 15 bytes, one character per byte (latin1), trailing spaces removed
   * (RFC 1001 §14 pads names with spaces; Wireshark trims them too). The encoder pads with spaces.
   * Print it as Wireshark does with {@link formatNetbiosName}.
   */
  name: string
  /** Byte 16: the name type / suffix (`netbios.nb_name_type`: 0x00 workstation, 0x1c domain controllers, 0x1e browser election, ...). */
  nameType: number
}

/** The fields every NBIPX message has. */
interface Common {
  /** The 8 networks of the propagation list (0 = empty slot), or null when the packet has none. */
  propagation: number[] | null
  /** Offset 1 (after any list), u8: the packet type (`nmpi.packettype`). */
  packetType: number
  /** Bytes after the decoded part, as a view into the buffer: the datagram of a directed datagram, else usually empty. */
  data: Buffer
}

/** Find name, name recognized, check name, name in use, deregister name (types 1-5). */
export interface NetbiosNameMessage extends Common {
  /** Offset 0, u8: name type flag (`nmpi.name_flags`, bits in {@link NameTypeFlag}). */
  nameTypeFlag: number
  /** Offset 2, 16 bytes: the name being queried / registered (`netbios.nb_name`). */
  name: NetbiosName
}

/** A directed datagram (type 11). */
export interface NetbiosDatagram extends Common {
  /** Offset 0, u8: connection control (`nmpi.conn_control`, bits in {@link ConnectionControl}). */
  connectionControl: number
  /** Offset 2, 16 bytes: "Receiver's Name". */
  receiver: NetbiosName
  /** Offset 18, 16 bytes: "Sender's Name". The datagram (`data`) follows at offset 34. */
  sender: NetbiosName
}

/**
 * Any other packet type (sessions 6-8, status 9-10, unknown): Wireshark decodes only the packet
 * type ("We don't know what the first byte is"). `data` holds everything after the two bytes.
 */
export interface NetbiosOther extends Common {
  /** Offset 0, u8: connection control for session packets, unknown otherwise. */
  control: number
}

/** Any NBIPX message; narrow with {@link isNameMessage} / {@link isDatagram}. */
export type NetbiosMessage = NetbiosNameMessage | NetbiosDatagram | NetbiosOther

/** Options of {@link decode}. */
export interface NetbiosDecodeOptions {
  /** The IPX packet type the message came in; 20 means a propagation list is present. */
  ipxPacketType?: number
  /** Overrides the detection: true = the list is present, false = absent. */
  propagation?: boolean
}

interface Propagation { n0: number, n1: number, n2: number, n3: number, n4: number, n5: number, n6: number, n7: number }

/** The 32-byte propagation list of an IPX type-20 packet (Novell router spec ch. 5). */
export const NETBIOS_PROPAGATION = defineLayout<Propagation>('netbios', 'IPX type-20 propagation list', [0, 1, 2, 3, 4, 5, 6, 7].map(i => (
  { name: `n${i}`, type: 'u32' as const, wireshark: 'nmpi.ipx_network', doc: `network slot ${i}: written by the router that crossed hop ${i}; 0 = empty` }
)))

/** Control byte + packet type of a name packet; the 16-byte name follows. */
export const NETBIOS_NAME_HEADER = defineLayout<{ nameTypeFlag: number, packetType: number }>('netbios', 'NBIPX name packet header', [
  { name: 'nameTypeFlag', type: 'u8', wireshark: 'nmpi.name_flags', doc: 'name type flag: 0x80 group, 0x40 in use, 0x04 registered, 0x02 duplicated, 0x01 deregistered' },
  { name: 'packetType', type: 'u8', wireshark: 'nmpi.packettype', doc: '1 find name, 2 name recognized, 3 check name, 4 name in use, 5 deregister name' }
])

/** Control byte + packet type of every other packet (datagram, session, status, unknown). */
export const NETBIOS_CONTROL_HEADER = defineLayout<{ connectionControl: number, packetType: number }>('netbios', 'NBIPX header', [
  { name: 'connectionControl', type: 'u8', wireshark: 'nmpi.conn_control', doc: 'connection control: 0x80 system, 0x40 ack, 0x20 attention, 0x10 end of message, 0x08 resend' },
  { name: 'packetType', type: 'u8', wireshark: 'nmpi.packettype', doc: '6-8 session, 9-10 status, 11 directed datagram' }
])

/** True for a name packet (types 1-5). */
export function isNameMessage (m: NetbiosMessage): m is NetbiosNameMessage {
  return 'nameTypeFlag' in m
}

/** True for a directed datagram (type 11). */
export function isDatagram (m: NetbiosMessage): m is NetbiosDatagram {
  return 'receiver' in m
}

/**
 * Wireshark's rule for whether the NBIPX payload at `offset` (running to the end of `buf`) starts
 * with the 32-byte propagation list: always for IPX packet type 20; otherwise only when the payload
 * is exactly 50 bytes and byte 33 is a name packet type (1-5) — the replies to type-20 broadcasts.
 */
export function hasPropagationList (buf: Buffer, offset: number, ipxPacketType?: number): boolean {
  if (ipxPacketType === PacketType.NetbiosBroadcast) return true
  if (buf.length - offset !== NETBIOS_NAME_PACKET_LENGTH) return false
  return isNamePacketType(buf[offset + NETBIOS_PROPAGATION_LENGTH + 1] ?? 0)
}

function decodeName (buf: Buffer, at: number): NetbiosName {
  let end = at + NETBIOS_NAME_CHARS
  while (end > at && buf[end - 1] === 0x20) end--
  return { name: buf.toString('latin1', at, end), nameType: buf[at + NETBIOS_NAME_CHARS] ?? 0 }
}

function truncated (offset: number, available: number, need: number, what: string): DecodeError {
  return new DecodeError('netbios', 'IPX_ERR_TRUNCATED', offset + available, `${what} needs ${need} bytes, ${available} remain`)
}

/**
 * Decodes the NBIPX message that fills `buf` from `offset` to its end (pass the IPX payload and the
 * IPX packet type). Throws {@link DecodeError} `IPX_ERR_TRUNCATED` when the propagation list, the
 * two header bytes or the names a packet type calls for are cut short (Linux drops a type-20 packet
 * shorter than 30 + 32 bytes; Wireshark marks the others malformed).
 */
export function decode (buf: Buffer, offset = 0, options: NetbiosDecodeOptions = {}): NetbiosMessage {
  if (!(offset >= 0 && offset <= buf.length)) throw truncated(Math.max(0, Math.min(offset, buf.length)), 0, NETBIOS_HEADER_LENGTH, 'NBIPX')
  const hasList = options.propagation ?? hasPropagationList(buf, offset, options.ipxPacketType)
  let at = offset
  let propagation: number[] | null = null
  if (hasList) {
    if (buf.length - at < NETBIOS_PROPAGATION_LENGTH) throw truncated(at, buf.length - at, NETBIOS_PROPAGATION_LENGTH, 'the propagation list')
    const p = NETBIOS_PROPAGATION.read(buf, at)
    propagation = [p.n0, p.n1, p.n2, p.n3, p.n4, p.n5, p.n6, p.n7]
    at += NETBIOS_PROPAGATION_LENGTH
  }
  const available = buf.length - at
  if (available < NETBIOS_HEADER_LENGTH) throw truncated(at, available, NETBIOS_HEADER_LENGTH, 'the NBIPX header')
  const control = buf[at]!
  const packetType = buf[at + 1]!
  if (isNamePacketType(packetType)) {
    const need = NETBIOS_HEADER_LENGTH + NETBIOS_NAME_LENGTH
    if (available < need) throw truncated(at, available, need, `an NBIPX ${netbiosPacketTypeName(packetType)} packet`)
    const h = NETBIOS_NAME_HEADER.read(buf, at)
    return {
      propagation,
      nameTypeFlag: h.nameTypeFlag,
      packetType: h.packetType,
      name: decodeName(buf, at + NETBIOS_HEADER_LENGTH),
      data: buf.subarray(at + need)
    }
  }
  if (packetType === NetbiosPacketType.DirectedDatagram) {
    const need = NETBIOS_HEADER_LENGTH + 2 * NETBIOS_NAME_LENGTH
    if (available < need) throw truncated(at, available, need, 'an NBIPX directed datagram')
    const h = NETBIOS_CONTROL_HEADER.read(buf, at)
    return {
      propagation,
      connectionControl: h.connectionControl,
      packetType: h.packetType,
      receiver: decodeName(buf, at + NETBIOS_HEADER_LENGTH),
      sender: decodeName(buf, at + NETBIOS_HEADER_LENGTH + NETBIOS_NAME_LENGTH),
      data: buf.subarray(at + need)
    }
  }
  return { propagation, control, packetType, data: buf.subarray(at + NETBIOS_HEADER_LENGTH) }
}

/** Encoded size: [32] + 2 + names (16 or 32) + data. */
export function encodingLength (m: NetbiosMessage): number {
  const names = isNameMessage(m) ? NETBIOS_NAME_LENGTH : isDatagram(m) ? 2 * NETBIOS_NAME_LENGTH : 0
  return (m.propagation === null ? 0 : NETBIOS_PROPAGATION_LENGTH) + NETBIOS_HEADER_LENGTH + names + m.data.length
}

function checkName (n: NetbiosName, field: string): void {
  if (n.name.length > NETBIOS_NAME_CHARS) {
    throw new EncodeError('netbios', 'IPX_ERR_FIELD_RANGE', `NetBIOS name of ${n.name.length} characters exceeds ${NETBIOS_NAME_CHARS}`, `${field}.name`)
  }
  for (let i = 0; i < n.name.length; i++) {
    if (n.name.charCodeAt(i) > 0xff) {
      throw new EncodeError('netbios', 'IPX_ERR_FIELD_RANGE', `NetBIOS name character ${i} is not a single byte`, `${field}.name`)
    }
  }
  if (!(Number.isInteger(n.nameType) && n.nameType >= 0 && n.nameType <= 0xff)) {
    throw new EncodeError('netbios', 'IPX_ERR_FIELD_RANGE', `name type must be an integer 0..0xff, got ${n.nameType}`, `${field}.nameType`)
  }
}

function writeName (n: NetbiosName, out: Buffer, at: number): void {
  const written = out.write(n.name, at, 'latin1')
  out.fill(0x20, at + written, at + NETBIOS_NAME_CHARS)
  out[at + NETBIOS_NAME_CHARS] = n.nameType
}

/**
 * Writes the message at `offset` of `buf` (allocated when omitted) and returns `buf`. Send a
 * message with a propagation list as IPX packet type 20. Throws {@link EncodeError}
 * `IPX_ERR_FIELD_RANGE` for a packet type that does not fit the message's shape (a name message
 * needs 1-5, a datagram 11, any other shape neither), a list that is not 8 u32 networks, a name
 * longer than 15 characters or an out-of-range byte; `IPX_ERR_BUFFER_TOO_SMALL`.
 */
export function encode (m: NetbiosMessage, buf?: Buffer, offset = 0): Buffer {
  if (m.propagation !== null) {
    if (m.propagation.length !== NETBIOS_PROPAGATION_SLOTS) {
      throw new EncodeError('netbios', 'IPX_ERR_FIELD_RANGE', `the propagation list has ${NETBIOS_PROPAGATION_SLOTS} slots, got ${m.propagation.length}`, 'propagation')
    }
    m.propagation.forEach((n, i) => {
      if (!(Number.isInteger(n) && n >= 0 && n <= 0xffffffff)) {
        throw new EncodeError('netbios', 'IPX_ERR_FIELD_RANGE', `propagation slot ${i} must be a u32 network, got ${n}`, `propagation.${i}`)
      }
    })
  }
  if (isNameMessage(m)) {
    if (!isNamePacketType(m.packetType)) throw new EncodeError('netbios', 'IPX_ERR_FIELD_RANGE', `a name message needs packet type 1-5, not ${m.packetType}`, 'packetType')
    checkName(m.name, 'name')
  } else if (isDatagram(m)) {
    if (m.packetType !== NetbiosPacketType.DirectedDatagram) throw new EncodeError('netbios', 'IPX_ERR_FIELD_RANGE', `a datagram needs packet type 11, not ${m.packetType}`, 'packetType')
    checkName(m.receiver, 'receiver')
    checkName(m.sender, 'sender')
  } else if (isNamePacketType(m.packetType) || m.packetType === NetbiosPacketType.DirectedDatagram) {
    throw new EncodeError('netbios', 'IPX_ERR_FIELD_RANGE', `packet type ${m.packetType} needs ${m.packetType === NetbiosPacketType.DirectedDatagram ? 'receiver and sender names' : 'a name'}`, 'packetType')
  }
  const len = encodingLength(m)
  const out = buf ?? Buffer.alloc(offset + len)
  if (!(offset >= 0 && offset + len <= out.length)) {
    throw new EncodeError('netbios', 'IPX_ERR_BUFFER_TOO_SMALL', `need ${len} bytes at offset ${offset}, buffer has ${out.length}`)
  }
  let at = offset
  if (m.propagation !== null) {
    const [n0, n1, n2, n3, n4, n5, n6, n7] = m.propagation as [number, number, number, number, number, number, number, number]
    NETBIOS_PROPAGATION.write({ n0, n1, n2, n3, n4, n5, n6, n7 }, out, at)
    at += NETBIOS_PROPAGATION_LENGTH
  }
  if (isNameMessage(m)) {
    NETBIOS_NAME_HEADER.write(m, out, at)
    writeName(m.name, out, at + NETBIOS_HEADER_LENGTH)
    at += NETBIOS_HEADER_LENGTH + NETBIOS_NAME_LENGTH
  } else if (isDatagram(m)) {
    NETBIOS_CONTROL_HEADER.write(m, out, at)
    writeName(m.receiver, out, at + NETBIOS_HEADER_LENGTH)
    writeName(m.sender, out, at + NETBIOS_HEADER_LENGTH + NETBIOS_NAME_LENGTH)
    at += NETBIOS_HEADER_LENGTH + 2 * NETBIOS_NAME_LENGTH
  } else {
    NETBIOS_CONTROL_HEADER.write({ connectionControl: m.control, packetType: m.packetType }, out, at)
    at += NETBIOS_HEADER_LENGTH
  }
  m.data.copy(out, at)
  return out
}

/**
 * A name as Wireshark prints `netbios.nb_name` (`process_netbios_name`, packet-netbios.c): bytes
 * 0x20-0x7E as themselves, others as `<xx>` in lower-case hex, trailing spaces removed.
 */
export function formatNetbiosName (n: NetbiosName): string {
  let s = ''
  for (let i = 0; i < n.name.length; i++) {
    const c = n.name.charCodeAt(i)
    s += c >= 0x20 && c <= 0x7e ? n.name[i] : `<${hex(c & 0xff, 2)}>`
  }
  return s
}

/** `ADMINTEST<00>`: the name and its type, as Wireshark's Info column writes them (`%s<%02x>`). */
export function describeNetbiosName (n: NetbiosName): string {
  return `${formatNetbiosName(n)}<${hex(n.nameType, 2)}>`
}

/**
 * Wireshark's Info column for the message (before any SMB dissector overwrites it): `Find name
 * WORKGROUP<1e>`, `Directed datagram`, or `Unknown`.
 */
export function netbiosInfo (m: NetbiosMessage): string {
  const name = PACKET_TYPE_NAMES[m.packetType]
  const type = name !== undefined && name !== '' ? name : 'Unknown'
  return isNameMessage(m) ? `${type} ${describeNetbiosName(m.name)}` : type
}

/** One line for logs and test titles: `NBIPX Find name WORKGROUP<1e> via [A8F87967]`. */
export function describeNetbios (m: NetbiosMessage): string {
  const parts = [`NBIPX ${isNameMessage(m) || isDatagram(m) ? netbiosInfo(m) : netbiosPacketTypeName(m.packetType)}`]
  if (isDatagram(m)) parts.push(`${describeNetbiosName(m.sender)} -> ${describeNetbiosName(m.receiver)}`)
  if (m.propagation !== null) {
    const used = m.propagation.filter(n => n !== 0)
    parts.push(`via [${used.map(formatNetwork).join(' ')}]`)
  }
  if (m.data.length > 0) parts.push(`${m.data.length} bytes`)
  return parts.join(' ')
}
