/**
 * Wire constants and name tables for IPX. Names follow Wireshark's value strings
 * (`epan/dissectors/packet-ipx.c`, `packet-ipx.h`) so that ipxlab's output reads like tshark's.
 */

/** Fixed IPX header size in bytes (Novell IPX spec; Wireshark `IPX_HEADER_LEN`). */
export const IPX_HEADER_LENGTH = 30
/** Checksum value meaning "no checksum", what every IPX stack sends (Linux `IPX_NO_CHECKSUM`). */
export const IPX_NO_CHECKSUM = 0xffff
/** Largest value of the 16-bit IPX length field. */
export const IPX_MAX_LENGTH = 0xffff
/** Linux drops a packet whose transport control would exceed this (`ipxcfg_max_hops = 16`, af_ipx.c). */
export const IPX_MAX_HOPS = 16
/** DOSBox's `IPXBUFFERSIZE`: the largest datagram it relays, header included (DOSBox 0.74 ipx.h:107). */
export const DOSBOX_MAX_DATAGRAM = 1424
/** The socket DOSBox uses for registration and `IPXNET PING` (DOSBox 0.74 ipxserver.cpp:175). */
export const DOSBOX_CONTROL_SOCKET = 0x0002
/** The broadcast node FF:FF:FF:FF:FF:FF as a 48-bit number. */
export const BROADCAST_NODE = 0xffffffffffff

/** IPX packet types (offset 5). `as const` object plus a derived union, no TS enum. */
export const PacketType = {
  /** 0: unknown / plain IPX; RIP and SAP "may also be 0" (Linux include/net/ipx.h). */
  Ipx: 0,
  /** 1: Routing Information Protocol. */
  Rip: 1,
  /** 2: Echo. */
  Echo: 2,
  /** 3: Error. */
  Error: 3,
  /** 4: Packet Exchange Protocol, used by SAP and IPX applications. */
  Pep: 4,
  /** 5: Sequenced Packet Exchange. */
  Spx: 5,
  /** 17: NetWare Core Protocol. */
  Ncp: 17,
  /** 20: NetBIOS / propagated broadcast (Novell router spec ch. 5). */
  NetbiosBroadcast: 20
} as const
export type PacketType = typeof PacketType[keyof typeof PacketType]

const PACKET_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'IPX'], [1, 'RIP'], [2, 'Echo'], [3, 'Error'], [4, 'PEP'], [5, 'SPX'],
  [16, 'Experimental Protocol'], [17, 'NCP'], [20, 'NetBIOS Broadcast']
])

/** Well-known sockets (Wireshark `packet-ipx.h` `IPX_SOCKET_*`; tcpdump `ipx.h`). */
export const Socket = {
  /** 0x0002: Cisco ping; DOSBox uses it for registration and `IPXNET PING`. */
  CiscoPing: 0x0002,
  /** 0x0451: NetWare Core Protocol. */
  Ncp: 0x0451,
  /** 0x0452: Service Advertising Protocol. */
  Sap: 0x0452,
  /** 0x0453: Routing Information Protocol. */
  Rip: 0x0453,
  /** 0x0455: NetBIOS over IPX. */
  Netbios: 0x0455,
  /** 0x0456: IPX diagnostics. */
  Diagnostic: 0x0456,
  /** 0x0457: NetWare serialization (copy protection). */
  Serialization: 0x0457,
  /** 0x4001: NetWare message (watchdog replies arrive on socket+1). */
  IpxMessage: 0x4001,
  /** 0x9086: Novell ping. */
  NovellPing: 0x9086
} as const
export type Socket = typeof Socket[keyof typeof Socket]

const SOCKET_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0001, 'SAP'], [0x0002, 'CISCO PING'], [0x0451, 'NCP'], [0x0452, 'SAP'], [0x0453, 'RIP'],
  [0x0455, 'NetBIOS'], [0x0456, 'Diagnostic'], [0x0457, 'Serialization'],
  [0x0550, 'NWLink SMB Name Query'], [0x0551, 'NWLink SMB Redirector'],
  [0x0552, 'NWLink SMB Mailslot Datagram'], [0x0553, 'NWLink SMB Mailslot'],
  [0x0554, 'NWLink SMB Messenger'], [0x0555, 'NWLink SMB Browse'],
  [0x055d, 'Attachmate Gateway'], [0x4001, 'IPX Message'], [0x4003, 'IPX Message'],
  [0x8522, 'ADSM'], [0x85be, 'Cisco EIGRP for IPX'], [0x869b, 'DOOM (ipxbox)'],
  [0x869c, 'DOOM (registered)'], [0x869d, 'DOOM (IPXSETUP)'], [0x9001, 'NetWare Link State Protocol'],
  [0x9004, 'IPX WAN'], [0x900f, 'SNMP Agent'], [0x9010, 'SNMP Sink'], [0x9086, 'Novell PING'],
  [0x9091, 'TCP over IPX'], [0x9092, 'TCP over IPX'], [0x6181, 'ipxpkt']
])

/** Lower-case hex, zero-padded: `hex(0x1f, 2)` is `1f`. */
export function hex (n: number, digits: number): string {
  return n.toString(16).padStart(digits, '0')
}

/** Readable name of a packet type; unknown values read `Unknown(0x1f)` and are never errors. */
export function packetTypeName (type: number): string {
  return PACKET_TYPE_NAMES.get(type) ?? `Unknown(0x${hex(type, 2)})`
}

/** Readable name of a socket; unknown values read `Unknown(0x402b)`. */
export function socketName (socket: number): string {
  return SOCKET_NAMES.get(socket) ?? `Unknown(0x${hex(socket, 4)})`
}

/** True for the dynamic (client) socket range 0x4000-0x7FFF (Linux `IPX_MIN/MAX_EPHEMERAL_SOCKET`). */
export function isDynamicSocket (socket: number): boolean {
  return socket >= 0x4000 && socket <= 0x7fff
}
