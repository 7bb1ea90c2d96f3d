/**
 * The Protocol and Info columns as TShark 4.0.17 writes them (`_ws.col.Protocol`, `_ws.col.Info`)
 * for an IPX packet, built the way Wireshark's dissectors build them:
 *  - IPX (`packet-ipx.c`): Protocol `IPX`, Info the name of the destination socket in
 *    `ipx_socket_vals` or `Unknown (0x869b)`; upper dissectors then overwrite both. Wireshark has no
 *    dissector for Novell ping or diagnostics, so those stay `IPX` / `Novell PING` / `Diagnostic`,
 *    and DOSBox's registration (to socket 2) reads `CISCO PING`.
 *  - SPX: `SPX` and the connection-control name, then ` (End-of-Connection)` for datastream 0xFE/0xFF.
 *  - SAP, RIP: the operation name. NBIPX: `Find name WORKGROUP<1e>` (packet-nbipx.c).
 *  - NMPI (sockets 0x0551/0x0553): the opcode's sentence; a mailslot write carrying an SMB
 *    Transaction to `\MAILSLOT\BROWSE` or `\MAILSLOT\LANMAN` is the browser protocol: `BROWSER`
 *    and `Host Announcement AVESH, Workstation, Server, ...` (packet-smb-browse.c).
 *  - NCP: `C <function name>` (ncp-functions.ts) for requests; replies `R OK` or the completion's
 *    name, which needs the request: a {@link ColumnState} remembers requests across frames, as
 *    Wireshark's conversation table does.
 * Every string here was checked against TShark 4.0.17 output on crafted and real frames
 * (test/conformance/tshark-columns.test.ts on every frame of the real captures and fixtures,
 * tshark-columns-crafted.test.ts on 670 crafted frames: every named NCP request, replies, SPX,
 * SAP, RIP, NMPI and browser variants).
 */
import { hex } from './constants.js'
import type { IpxPacket } from './ipx/packet.js'
import { classify } from './upper.js'
import * as ncp from './ncp.js'
import * as netbios from './netbios.js'
import { requestInfo, requestProtocol } from './ncp-functions.js'
import { DecodeError } from './errors.js'

/** The two columns. */
export interface Columns {
  protocol: string
  info: string
  /** For an NCP reply whose request was seen: the request's function and subfunction (Wireshark shows them on the reply as `ncp.func`, `ncp.subfunc`). */
  ncpRequest?: NcpRequestSeen
}

/** Wireshark's `ipx_socket_vals` (`tshark -G values`, field ipx.socket), TShark 4.0.17. */
const SOCKET_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0002, 'CISCO PING'],
  [0x0451, 'NCP'],
  [0x0452, 'SAP'],
  [0x0453, 'RIP'],
  [0x0455, 'NetBIOS'],
  [0x0456, 'Diagnostic'],
  [0x0457, 'Serialization'],
  [0x0550, 'NWLink SMB Server'],
  [0x0551, 'NWLink SMB Name Query'],
  [0x0552, 'NWLink SMB Redirector'],
  [0x0553, 'NWLink SMB Mailslot Datagram'],
  [0x0554, 'NWLink SMB Messenger'],
  [0x0555, 'NWLink SMB Browse'],
  [0x055d, 'Attachmate Gateway'],
  [0x4001, 'IPX Message'],
  [0x4003, 'IPX Message'],
  [0x4006, 'NetWare Directory Server'],
  [0x400c, 'HP LaserJet/QuickSilver'],
  [0x8104, 'NetWare 386'],
  [0x8522, 'ADSM'],
  [0x85be, 'Cisco EIGRP for IPX'],
  [0x8f83, 'Powerchute UPS Monitoring'],
  [0x9001, 'NetWare Link Services Protocol'],
  [0x9004, 'IPX WAN'],
  [0x900f, 'SNMP Agent'],
  [0x9010, 'SNMP Sink'],
  [0x907b, 'SMS Testing and Development'],
  [0x9086, 'Novell PING'],
  [0x9091, 'TCP Tunnel'],
  [0x9092, 'UDP Tunnel'],
  [0x90b2, 'NDPS Printer Agent/PSM'],
  [0x90b3, 'NDPS Broker'],
  [0x90b4, 'NDPS Service Registry Service'],
  [0x90b5, 'NDPS Event Notification Service'],
  [0x90b6, 'NDPS Remote Management Service'],
  [0x90b7, 'NDPS Notify Listener'],
  [0xe885, 'NT Server-RPC/GW'],
])

/** `CISCO PING`, `NCP`, or `Unknown (0x869b)`: Wireshark's name of a socket. */
export function socketColumnName (socket: number): string {
  return SOCKET_NAMES.get(socket) ?? `Unknown (0x${hex(socket, 4)})`
}

/** What an NCP reply needs from its request. */
export interface NcpRequestSeen { fn: number, subfunction?: number }

/** Bound on remembered NCP requests; the oldest is forgotten first. */
export const COLUMN_STATE_MAX_REQUESTS = 4096

/**
 * What the columns of one frame need from earlier frames of the same capture: the NCP requests,
 * keyed by client address, connection and sequence, so that a reply can be named. Bounded.
 */
export class ColumnState {
  readonly #requests = new Map<string, NcpRequestSeen>()

  /** Remembers a request. */
  rememberRequest (key: string, seen: NcpRequestSeen): void {
    this.#requests.delete(key)
    this.#requests.set(key, seen)
    if (this.#requests.size > COLUMN_STATE_MAX_REQUESTS) {
      const oldest = this.#requests.keys().next().value
      if (oldest !== undefined) this.#requests.delete(oldest)
    }
  }

  /** The request a reply answers, if it was seen. */
  requestFor (key: string): NcpRequestSeen | undefined {
    return this.#requests.get(key)
  }
}

const SPX_CONTROL_NAMES: ReadonlyMap<number, string> = new Map([
  [0x00, 'Data, No Ack Required'], [0x10, 'End-of-Message'], [0x20, 'Attention'], [0x40, 'Acknowledgment Required'],
  [0x50, 'Send Ack: End Message'], [0x80, 'System Packet'], [0xc0, 'System Packet: Send Ack']
])

/** Wireshark's `spx_conn_ctrl` (high nibble) and `spx_datastream` (0xFE, 0xFF). */
function spxInfo (p: Buffer): string {
  if (p.length < 2) return 'SPX'
  const control = SPX_CONTROL_NAMES.get(p[0]! & 0xf0) ?? 'Unknown'
  const ds = p[1]!
  const stream = ds === 0xfe ? ' (End-of-Connection)' : ds === 0xff ? ' (End-of-Connection Acknowledgment)' : ''
  return `SPX ${control}${stream}`
}

const SAP_NAMES = ['', 'General Query', 'General Response', 'Nearest Query', 'Nearest Response']

function sapInfo (p: Buffer): string {
  const op = p.length >= 2 ? p.readUInt16BE(0) : -1
  return (op >= 1 && op <= 4 ? SAP_NAMES[op] : undefined) ?? 'Unknown Packet Type'
}

function ripInfo (p: Buffer): string {
  const op = p.length >= 2 ? p.readUInt16BE(0) : -1
  return op === 1 ? 'Request' : op === 2 ? 'Response' : 'Unknown'
}

/** Completion names TShark gives for 0xFF after particular requests (the request decides). */
const FAILURE_BY_FUNCTION: ReadonlyMap<number, string> = new Map([[0x48, 'I/O Bound Error'], [0x42, 'Unlock Error']])

function ncpKey (client: IpxPacket['header']['src'], connection: number, sequence: number): string {
  return `${client.network}:${client.node}:${client.socket}:${connection}:${sequence}`
}

function ncpColumns (packet: IpxPacket, state: ColumnState | undefined): Columns {
  const p = packet.payload
  if (p.length >= 7 && p.readUInt16BE(0) === ncp.NcpType.ServiceRequest) {
    const layout = ncp.subfunctionLayout(ncp.NcpType.ServiceRequest, p[6]!)
    const sub = layout === 'length' ? p[9] : layout === 'direct' ? p[7] : undefined
    const protocol = requestProtocol(p[6]!, sub)
    if (protocol !== 'NCP') return { protocol, info: ncpInfo(packet, state) }
  }
  if (packet.payload.length >= 2 && packet.payload.readUInt16BE(0) === ncp.NcpType.ServiceReply && packet.payload.length >= 3) {
    const request = state?.requestFor(ncpKey(packet.header.dst, ncpConnection(packet.payload), packet.payload[2]!))
    if (request !== undefined) return { protocol: 'NCP', info: ncpInfo(packet, state), ncpRequest: request }
  }
  return { protocol: 'NCP', info: ncpInfo(packet, state) }
}

/** The connection number of an NCP message (low byte at 3, high at 5), 0 when too short. */
function ncpConnection (p: Buffer): number {
  return p.length >= 6 ? p[5]! * 256 + p[3]! : 0
}

function ncpInfo (packet: IpxPacket, state: ColumnState | undefined): string {
  let m: ncp.NcpMessage
  try {
    m = ncp.decode(packet.payload)
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err
    return packet.payload.length >= 6 && packet.payload.readUInt16BE(0) === ncp.NcpType.ServiceRequest ? 'Service request[Malformed Packet]' : '[Malformed Packet]'
  }
  switch (m.kind) {
    case 'request': {
      if (m.type === ncp.NcpType.CreateServiceConnection) return 'C Create Connection Service'
      if (m.type === ncp.NcpType.DestroyServiceConnection) return 'C Destroy Connection Service'
      state?.rememberRequest(ncpKey(packet.header.src, m.connection, m.sequence), m.subfunction !== undefined ? { fn: m.function, subfunction: m.subfunction } : { fn: m.function })
      return requestInfo(m.function, m.subfunction, m.data)
    }
    case 'reply': {
      if (m.type === ncp.NcpType.PositiveAck) return 'ACK Server Busy, Request Being Processed'
      const request = state?.requestFor(ncpKey(packet.header.dst, m.connection, m.sequence))
      if (m.completionCode === 0) return m.connectionStatus === 0 || m.connectionStatus === ncp.ConnectionStatus.BroadcastMessagePending ? 'R OK' : 'Error: Bad Connection Status'
      if (request === undefined) return 'R Original Request Packet not Found'
      return `R ${(m.completionCode === 0xff ? FAILURE_BY_FUNCTION.get(request.fn) : undefined) ?? ncp.completionCodeName(m.completionCode)}`
    }
    case 'burst': return 'Burst mode transfer'
    case 'other': return `Unknown type (0x${hex(m.type, 4)})`
  }
}

/** NBIPX; a directed datagram carrying a browser mailslot write is the browser's (packet-nbipx.c hands it to SMB). */
function nbipxColumns (packet: IpxPacket): Columns {
  let m: netbios.NetbiosMessage
  try {
    m = netbios.decode(packet.payload, 0, { ipxPacketType: packet.header.packetType })
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err
    return { protocol: 'NBIPX', info: '[Malformed Packet]' }
  }
  if (netbios.isDatagram(m)) {
    const browser = browserInfo(packet.payload, packet.payload.length - m.data.length)
    if (browser !== undefined) return { protocol: 'BROWSER', info: browser }
  }
  return { protocol: 'NBIPX', info: netbios.netbiosInfo(m) }
}

/** `INDIA-IT<00>`: a 16-byte NetBIOS name at `at`, as Wireshark prints it. */
function nameAt (p: Buffer, at: number): string {
  return netbios.describeNetbiosName({ name: p.subarray(at, at + 15).toString('latin1').replace(/ +$/, ''), nameType: p[at + 15] ?? 0 })
}

/** NMPI (`packet-nbipx.c` `dissect_nmpi`): opcode(1) name type(1) message id(2) name(16) source name(16). */
export const NMPI_HEADER_LENGTH = 36
/** NMPI opcode of a mailslot write, whose SMB follows the header. */
export const NMPI_MAILSLOT_WRITE = 0xfc

const NMPI_SENTENCES: ReadonlyMap<number, (name: string) => string> = new Map([
  [0xf1, (n: string) => `Claim name ${n}`], [0xf2, (n: string) => `Delete name ${n}`], [0xf3, (n: string) => `Query name ${n}`],
  [0xf4, (n: string) => `Name ${n} found`], [0xf5, (n: string) => `Messenger hangup on ${n}`],
  [0xfc, (n: string) => `Mailslot write to ${n}`], [0xfd, (n: string) => `Find mailslot name ${n}`], [0xfe, (n: string) => `Mailslot name ${n} found`]
])

function nmpiColumns (p: Buffer): Columns {
  if (p.length < NMPI_HEADER_LENGTH) return { protocol: 'NMPI', info: '[Malformed Packet]' }
  const op = p[0]!
  if (op === NMPI_MAILSLOT_WRITE) {
    const browser = browserInfo(p, NMPI_HEADER_LENGTH)
    if (browser !== undefined) return { protocol: 'BROWSER', info: browser }
  }
  const name = nameAt(p, 4)
  return { protocol: 'NMPI', info: NMPI_SENTENCES.get(op)?.(name) ?? `Unknown NMPI op 0x${hex(op, 2)}: name ${name}` }
}

/** SMB Transaction (0x25) request: the header is 32 bytes, then the word count and words. */
const SMB_HEADER_LENGTH = 32
const SMB_COM_TRANSACTION = 0x25
/** Word 12 of a Transaction request: the data offset from the SMB header's start. */
const SMB_TRANS_DATA_OFFSET_WORD = 12
const BROWSER_MAILSLOTS = new Set(['\\MAILSLOT\\BROWSE', '\\MAILSLOT\\LANMAN'])

const BROWSER_COMMANDS: ReadonlyMap<number, string> = new Map([
  [0x01, 'Host Announcement'], [0x02, 'Request Announcement'], [0x08, 'Browser Election Request'],
  [0x09, 'Get Backup List Request'], [0x0a, 'Get Backup List Response'], [0x0b, 'Become Backup Browser'],
  [0x0c, 'Domain/Workgroup Announcement'], [0x0d, 'Master Announcement'], [0x0e, 'Reset Browser State Announcement'],
  [0x0f, 'Local Master Announcement']
])

/** The server-type bits as the browser's Info column names them (TShark 4.0.17, probed bit by bit). */
const SERVER_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'Workstation'], [1, 'Server'], [2, 'SQL Server'], [3, 'Domain Controller'], [4, 'Backup Controller'],
  [5, 'Time Source'], [6, 'Apple Server'], [7, 'Novell Server'], [8, 'Domain Member Server'], [9, 'Print Queue Server'],
  [10, 'Dialin Server'], [11, 'Xenix Server'], [12, 'NT Workstation'], [13, 'Windows for Workgroups'], [15, 'NT Server'],
  [16, 'Potential Browser'], [17, 'Backup Browser'], [18, 'Master Browser'], [19, 'Domain Master Browser'], [20, 'OSF'],
  [21, 'VMS'], [22, 'Windows 95 or above'], [23, 'DFS server'], [30, 'Local List Only'], [31, 'Domain Enum']
])

/** Commands laid out as an announcement: command(1) update count(1) periodicity(4) name(16) versions(2) server type(4, LE). */
const ANNOUNCEMENTS = new Set([0x01, 0x0c, 0x0f])

function cString (p: Buffer, at: number, max: number): string {
  const end = p.indexOf(0, at)
  return p.subarray(at, end < 0 || end > at + max ? Math.min(p.length, at + max) : end).toString('latin1')
}

/** The browser's Info for an SMB mailslot write at `smb`, or undefined when it is not one. */
function browserInfo (p: Buffer, smb: number): string | undefined {
  if (p.length < smb + SMB_HEADER_LENGTH + 1 || p.readUInt32BE(smb) !== 0xff534d42 || p[smb + 4] !== SMB_COM_TRANSACTION) return undefined
  const wct = p[smb + SMB_HEADER_LENGTH]!
  const words = smb + SMB_HEADER_LENGTH + 1
  const bytes = words + 2 * wct + 2
  if (wct <= SMB_TRANS_DATA_OFFSET_WORD || p.length < bytes) return undefined
  if (!BROWSER_MAILSLOTS.has(cString(p, bytes, 64))) return undefined
  const b = smb + p.readUInt16LE(words + 2 * SMB_TRANS_DATA_OFFSET_WORD)
  if (b >= p.length) return undefined
  const cmd = p[b]!
  const name = BROWSER_COMMANDS.get(cmd)
  if (name === undefined) return `Unknown command:0x${hex(cmd, 2)}`
  if (cmd === 0x02) return `${name} ${cString(p, b + 2, 256)}`
  if (!ANNOUNCEMENTS.has(cmd) || p.length < b + 28) return name
  let info = `${name} ${cString(p, b + 6, 16)}`
  const types = p.readUInt32LE(b + 24)
  for (let bit = 0; bit < 32; bit++) {
    if ((types & (2 ** bit)) !== 0) info += `, ${SERVER_TYPE_NAMES.get(bit) ?? `Unknown server type:${bit}`}`
  }
  return info
}

/**
 * The Protocol and Info columns of one IPX packet. Pass one {@link ColumnState} for all frames of
 * a capture, in order, so that NCP replies are named after their requests.
 */
export function columns (packet: IpxPacket, state?: ColumnState): Columns {
  const h = packet.header
  const d = classify(h)
  const p = packet.payload
  switch (d.protocol) {
    case 'spx': return { protocol: 'SPX', info: spxInfo(p) }
    case 'ncp': return ncpColumns(packet, state)
    case 'sap': return { protocol: 'IPX SAP', info: sapInfo(p) }
    case 'rip': return { protocol: 'IPX RIP', info: ripInfo(p) }
    case 'netbios': return nbipxColumns(packet)
    case 'data':
      // NMPI starts after 32 bytes (a type-20 propagation list's room), whatever the packet type:
      // TShark 4.0.17 reads the opcode at payload byte 32 on type-20 (ipx.pcap frame 36) and type-0 frames alike.
      if (d.name === 'NMPI') return nmpiColumns(p.subarray(netbios.NETBIOS_PROPAGATION_LENGTH))
      return { protocol: d.name, info: socketColumnName(h.dst.socket) }
    case 'diag':
    case 'ping':
      return { protocol: 'IPX', info: socketColumnName(h.dst.socket) }
  }
}

