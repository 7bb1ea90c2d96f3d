/**
 * Classification rules: an ordered list, first match wins, each rule a conjunction of conditions over
 * IPX fields (and a few bytes of SPX and NCP) naming a traffic class and saying why.
 *
 * Order follows PacketShaper's traffic tree, "auto-sorted most-specific-first" (ipx-reference §C2):
 * routing and service advertisement first, then protocol-specific rules, then coarse size rules.
 * Where the upper protocol matters (`protocol`, `spxControl`, `ncpType`, `ncpFunction`), it is decided
 * the way Wireshark decides it, sockets before packet type (`upper.classify`, protocol/upper.ts), so
 * the classifier and `ipxlab decode` never disagree about what a packet is.
 */
import { PacketType, Socket } from '../../protocol/constants.js'
import { ConnectionControl } from '../../protocol/spx.js'
import { NcpType } from '../../protocol/ncp.js'
import type { UpperProtocol } from '../../protocol/upper.js'
import { ConfigError } from '../errors.js'
import { TrafficClass, isTrafficClass } from './classes.js'

/** An exact value, a list of values, or an inclusive range. */
export type NumberMatch = number | readonly number[] | { readonly min: number, readonly max: number }

/**
 * The conditions of a rule; every condition present must hold. Field names follow the IPX header
 * (`dst`/`src` as in Wireshark's `ipx.dst.socket` and friends). `length` is the IPX length field
 * (header included, bytes), i.e. the size of the frame on the IPX wire.
 */
export interface RuleMatch {
  /** IPX packet type (offset 5). */
  readonly packetType?: NumberMatch
  /** Source socket (offset 28). */
  readonly srcSocket?: NumberMatch
  /** Destination socket (offset 16). */
  readonly dstSocket?: NumberMatch
  /** Either socket: source or destination (a server's socket is the source of its replies). */
  readonly socket?: NumberMatch
  /** Source network (offset 18). */
  readonly srcNetwork?: NumberMatch
  /** Destination network (offset 6). */
  readonly dstNetwork?: NumberMatch
  /** Source node (offset 22) as a 48-bit number. */
  readonly srcNode?: NumberMatch
  /** Destination node (offset 10) as a 48-bit number. */
  readonly dstNode?: NumberMatch
  /** IPX length (offset 2), inclusive bounds. */
  readonly length?: { readonly min?: number, readonly max?: number }
  /** Destination node is (true) or is not (false) FF:FF:FF:FF:FF:FF. */
  readonly broadcast?: boolean
  /** Upper protocol as Wireshark dispatches it (`upper.classify`). */
  readonly protocol?: UpperProtocol | readonly UpperProtocol[]
  /**
   * SPX connection-control bits (SPX header offset 0): all of `set` set and none of `clear`.
   * Implies the packet is SPX. 0x80 system (connect, acknowledgement, keep-alive), 0x40 send-ack.
   */
  readonly spxControl?: { readonly set?: number, readonly clear?: number }
  /** NCP type (NCP offset 0, u16: 0x1111, 0x2222, 0x3333, 0x5555, 0x7777, 0x9999). Implies NCP. */
  readonly ncpType?: NumberMatch
  /** NCP request function (NCP offset 6, u8) of a 0x1111/0x2222/0x5555 request. Implies an NCP request. */
  readonly ncpFunction?: NumberMatch
}

/** One classification rule. */
export interface Rule {
  /** Short stable name, kebab-case, shown by `explain` and in counters. */
  readonly name: string
  /** The conditions; an empty match matches every well-formed packet. */
  readonly match: RuleMatch
  /** The class a matching packet goes to. */
  readonly trafficClass: TrafficClass
  /** Why, for a human, with the source of the fact it rests on. */
  readonly reason: string
}

/**
 * DOOM's socket, disputed: 0x869C registered with Novell, 0x869D what IPXSETUP really used (signed
 * 16-bit off-by-one, fragglet/vanilla-utilities net/ipxnet.c), 0x869B in ipxbox's dissector and a
 * real-DOS capture (fragglet/ipxbox wireshark/doom.lua, issue #5). ipx-reference §B2: all three.
 */
export const DOOM_SOCKETS: readonly number[] = [0x869b, 0x869c, 0x869d]

/** Options of {@link defaultRules}. */
export interface DefaultRuleOptions {
  /** Game sockets (either direction). Default {@link DOOM_SOCKETS}. */
  readonly gameSockets?: readonly number[]
  /** IPX length from which an NCP read reply or write request is bulk. Default 512. */
  readonly ncpLargeBytes?: number
  /** IPX length from which any other frame is bulk. Default 1024. */
  readonly largeFrameBytes?: number
}

/** NCP request types: create connection, service request, destroy connection (Wireshark `ncp_type_vals`). */
const NCP_REQUEST_TYPES: readonly number[] = [NcpType.CreateServiceConnection, NcpType.ServiceRequest, NcpType.DestroyServiceConnection]

/** NCP "Read From File" and "Write to a File" (Wireshark packet-ncp2222 function names, protocol/ncp.ts). */
export const NCP_READ = 0x48
/** See {@link NCP_READ}. */
export const NCP_WRITE = 0x49

/**
 * The default rule list, in match order. The thresholds are ipxlab's choices (invented, labelled):
 *  - 512 bytes for "large NCP": room for a 512-byte data block, and still within the 576-byte
 *    packets of classic routed IPX (ipx-reference §B1); requests that carry no file data (open,
 *    close, directory and bindery calls) are far smaller;
 *  - 1024 bytes for "large frame": above any SAP response (2 + 7 × 64 = 450 bytes, §B3) or RIP
 *    response (2 + 50 × 8 = 402, §B4) plus header, below a full Ethernet frame.
 */
export function defaultRules (options: DefaultRuleOptions = {}): Rule[] {
  const gameSockets = options.gameSockets ?? DOOM_SOCKETS
  const ncpLarge = options.ncpLargeBytes ?? 512
  const largeFrame = options.largeFrameBytes ?? 1024
  return [
    {
      name: 'rip',
      match: { protocol: 'rip' },
      trafficClass: TrafficClass.NetworkControl,
      reason: 'RIP (socket 0x0453) carries the routing table; routes expire after 180 s without it ' +
        '(FreeBSD IPXrouted protocol.h; ipx-reference §B4)'
    },
    {
      name: 'sap',
      match: { protocol: 'sap' },
      trafficClass: TrafficClass.NetworkControl,
      reason: 'SAP (socket 0x0452) advertises servers; entries expire after 5 min without it ' +
        '(ipx_wrap ipx_wrap_sapd.c; ipx-reference §B3)'
    },
    {
      name: 'spx-system',
      match: { spxControl: { set: ConnectionControl.System } },
      trafficClass: TrafficClass.NetworkControl,
      reason: 'SPX system packet (connection control 0x80): connect request, acknowledgement or keep-alive; ' +
        'losing one stalls or drops the connection (Wireshark packet-ipx.c SPX_SYS_PACKET; ipx-reference §B5)'
    },
    {
      name: 'ncp-burst',
      match: { ncpType: NcpType.BurstModeTransfer },
      trafficClass: TrafficClass.Bulk,
      reason: 'NCP packet burst (type 0x7777) exists to move file data in bulk (Wireshark ncp_type_vals)'
    },
    {
      name: 'ncp-large-read-write',
      match: { ncpFunction: [NCP_READ, NCP_WRITE], length: { min: ncpLarge } },
      trafficClass: TrafficClass.Bulk,
      reason: `NCP Read From File (0x48) / Write to a File (0x49) request of ${ncpLarge} bytes or more carries file data`
    },
    {
      name: 'ncp-large-reply',
      match: { ncpType: NcpType.ServiceReply, length: { min: ncpLarge } },
      trafficClass: TrafficClass.Bulk,
      reason: `NCP reply (type 0x3333) of ${ncpLarge} bytes or more: the data of a file read`
    },
    {
      name: 'ncp-small-request',
      match: { ncpType: NCP_REQUEST_TYPES, length: { max: ncpLarge - 1 } },
      trafficClass: TrafficClass.Interactive,
      reason: `NCP request under ${ncpLarge} bytes: a workstation waits on every one (one request, one reply)`
    },
    {
      name: 'novell-ping',
      match: { socket: Socket.NovellPing },
      trafficClass: TrafficClass.Interactive,
      reason: 'Novell ping (socket 0x9086) measures round-trip time; queueing it falsifies the measurement'
    },
    {
      name: 'diagnostics',
      match: { socket: Socket.Diagnostic },
      trafficClass: TrafficClass.Interactive,
      reason: 'IPX diagnostics (socket 0x0456): an administrator is waiting on the answer'
    },
    {
      name: 'game',
      match: { socket: gameSockets },
      trafficClass: TrafficClass.Game,
      reason: `game socket (${gameSockets.map(s => '0x' + s.toString(16)).join(', ')}); DOOM's is disputed between ` +
        '0x869B, 0x869C and 0x869D, so all are listed (ipx-reference §B2)'
    },
    {
      name: 'netbios-type20',
      match: { packetType: PacketType.NetbiosBroadcast },
      trafficClass: TrafficClass.Background,
      reason: 'IPX type 20 propagated broadcast (NetBIOS): Novell recommends not propagating it over links ' +
        'below 1 Mbit/s (ipx-reference §B6)'
    },
    {
      name: 'large-frame',
      match: { length: { min: largeFrame } },
      trafficClass: TrafficClass.Bulk,
      reason: `frame of ${largeFrame} bytes or more: larger than any SAP or RIP message, so data in bulk`
    },
    {
      name: 'spx-data',
      match: { protocol: 'spx' },
      trafficClass: TrafficClass.Interactive,
      reason: 'SPX data: a connection-oriented session (RCONSOLE, print, terminal) with someone waiting'
    }
  ]
}

function checkNumberMatch (m: NumberMatch | undefined, field: string, max: number): void {
  if (m === undefined) return
  const ok = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= max
  if (typeof m === 'number') {
    if (!ok(m)) throw new ConfigError(field, `must be an integer in 0..${max}`)
  } else if (Array.isArray(m)) {
    if (m.length === 0) throw new ConfigError(field, 'an empty list matches nothing')
    for (const n of m as readonly number[]) if (!ok(n)) throw new ConfigError(field, `must be integers in 0..${max}`)
  } else {
    const r = m as { min: number, max: number }
    if (!ok(r.min) || !ok(r.max) || r.min > r.max) throw new ConfigError(field, `must be a range min <= max within 0..${max}`)
  }
}

/** Throws {@link ConfigError} unless every rule is well formed (names unique, values in range). */
export function validateRules (rules: readonly Rule[]): void {
  const names = new Set<string>()
  rules.forEach((r, i) => {
    const f = `qos.rules[${i}]`
    if (typeof r.name !== 'string' || r.name === '') throw new ConfigError(`${f}.name`, 'must be a non-empty string')
    if (names.has(r.name)) throw new ConfigError(`${f}.name`, `duplicate rule name ${r.name}`)
    names.add(r.name)
    if (!isTrafficClass(r.trafficClass)) throw new ConfigError(`${f}.trafficClass`, `unknown class ${String(r.trafficClass)}`)
    const m = r.match
    checkNumberMatch(m.packetType, `${f}.match.packetType`, 0xff)
    checkNumberMatch(m.srcSocket, `${f}.match.srcSocket`, 0xffff)
    checkNumberMatch(m.dstSocket, `${f}.match.dstSocket`, 0xffff)
    checkNumberMatch(m.socket, `${f}.match.socket`, 0xffff)
    checkNumberMatch(m.srcNetwork, `${f}.match.srcNetwork`, 0xffffffff)
    checkNumberMatch(m.dstNetwork, `${f}.match.dstNetwork`, 0xffffffff)
    checkNumberMatch(m.srcNode, `${f}.match.srcNode`, 0xffffffffffff)
    checkNumberMatch(m.dstNode, `${f}.match.dstNode`, 0xffffffffffff)
    checkNumberMatch(m.ncpType, `${f}.match.ncpType`, 0xffff)
    checkNumberMatch(m.ncpFunction, `${f}.match.ncpFunction`, 0xff)
    if (m.length !== undefined) {
      const { min = 0, max = 0xffff } = m.length
      if (!(Number.isInteger(min) && Number.isInteger(max) && min >= 0 && max <= 0xffff && min <= max)) {
        throw new ConfigError(`${f}.match.length`, 'must be a range min <= max within 0..65535')
      }
    }
    if (m.spxControl !== undefined) {
      const { set = 0, clear = 0 } = m.spxControl
      if (!(Number.isInteger(set) && Number.isInteger(clear) && set >= 0 && set <= 0xff && clear >= 0 && clear <= 0xff) || (set & clear) !== 0) {
        throw new ConfigError(`${f}.match.spxControl`, 'set and clear must be disjoint byte masks')
      }
    }
  })
}
