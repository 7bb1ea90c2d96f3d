/**
 * Deterministic generator of the project's own capture fixtures (never third-party bytes).
 * `node --import tsx scripts/make-fixtures.ts` rewrites them all; test/fixtures.test.ts fails when a
 * committed file differs from what this script makes. fixtures/README.md says what a learner should
 * see in each one.
 *
 * Every frame is built with the codec's own encoders (protocol/); the only bytes written here by
 * hand are upper-layer bodies the codec keeps opaque (NCP request/reply bodies, DOOM's packets).
 * Times come from a fixed base per fixture plus spacing drawn from a seeded generator, so the files
 * are byte-for-byte reproducible.
 *
 * fixtures/lab-sample.pcapng — a small NetWare morning on one LAN, one frame of each kind a learner
 * meets first, spread over the four Ethernet framings: a workstation finds the nearest file server
 * (SAP), asks the way to another network (RIP), attaches and negotiates a buffer (NCP), opens an
 * SPX session, asks for a NetBIOS name (type-20 propagated broadcast), pings (Novell ping) and runs
 * a diagnostics query.
 *
 * The other fixtures (see {@link FIXTURES}): netware-login, spx-session, sap-rip-convergence,
 * doom-4player, ncp-bulk-copy.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { ipx, ethernet, capture, sap, rip, ncp, spx, netbios, ping, diag, PacketType, Socket } from '../protocol/index.js'
import type { ethernet as EthernetNs } from '../protocol/index.js'

const LAN = 0x00000a01
const FAR_LAN = 0x00000a02
const WS = { network: LAN, node: 0x0080c8123456 }
const FS1 = { network: LAN, node: 0x00001b0a0001 }
const ROUTER = { network: LAN, node: 0x00001b0a00fe }
const BCAST = { network: LAN, node: ipx.BROADCAST_NODE }
/** 1 March 1994, 09:00:00 UTC, in nanoseconds. */
const START_NS = 762512400n * 1_000_000_000n

interface Frame { framing: EthernetNs.Framing, packet: ipx.IpxPacket }

interface Host { network: number, node: number }

function frame (framing: EthernetNs.Framing, packetType: number, src: Host, srcSocket: number,
  dst: Host, dstSocket: number, payload: Buffer): Frame {
  return { framing, packet: ipx.packet.makePacket({ packetType, src: { ...src, socket: srcSocket }, dst: { ...dst, socket: dstSocket } }, payload) }
}

/** The frames of fixtures/lab-sample.pcapng, in order. */
export function labSampleFrames (): Frame[] {
  const llc = ethernet.Framing.Llc
  const e2 = ethernet.Framing.EthernetII
  const snap = ethernet.Framing.Snap
  const raw = ethernet.Framing.Raw8023
  const wsSocket = 0x4003
  const fs1Entry = { type: 0x0004, name: 'FS1', network: LAN, node: 0x000000000001, socket: Socket.Ncp, hops: 1 }
  return [
    frame(llc, PacketType.Pep, WS, wsSocket, BCAST, Socket.Sap, sap.encode({ operation: sap.SapOperation.NearestQuery, serverType: 0x0004 })),
    frame(llc, PacketType.Pep, FS1, Socket.Sap, WS, wsSocket, sap.encode({ operation: sap.SapOperation.NearestResponse, servers: [fs1Entry] })),
    frame(llc, PacketType.Rip, WS, Socket.Rip, BCAST, Socket.Rip, rip.encode({ operation: rip.RipOperation.Request, entries: [{ network: FAR_LAN, hops: 0xffff, ticks: 0xffff }] })),
    frame(llc, PacketType.Rip, ROUTER, Socket.Rip, WS, Socket.Rip, rip.encode({ operation: rip.RipOperation.Response, entries: [{ network: FAR_LAN, hops: 1, ticks: 2 }] })),
    frame(e2, PacketType.Ncp, WS, wsSocket, FS1, Socket.Ncp, ncp.encode({ kind: 'request', type: 0x1111, sequence: 0, connection: 0xffff, task: 0, function: 0, data: Buffer.alloc(0) })),
    frame(e2, PacketType.Ncp, FS1, Socket.Ncp, WS, wsSocket, ncp.encode({ kind: 'reply', type: 0x3333, sequence: 0, connection: 5, task: 0, completionCode: 0, connectionStatus: 0, data: Buffer.alloc(0) })),
    frame(e2, PacketType.Ncp, WS, wsSocket, FS1, Socket.Ncp, ncp.encode({ kind: 'request', type: 0x2222, sequence: 1, connection: 5, task: 1, function: 0x21, data: Buffer.from([0x04, 0x00]) })),
    frame(e2, PacketType.Ncp, FS1, Socket.Ncp, WS, wsSocket, ncp.encode({ kind: 'reply', type: 0x3333, sequence: 1, connection: 5, task: 1, completionCode: 0, connectionStatus: 0, data: Buffer.from([0x02, 0x00]) })),
    frame(snap, PacketType.Spx, WS, 0x4010, FS1, 0x8060, spx.encode({ header: { connectionControl: 0xc0, datastreamType: 0, srcConnectionId: 0x1234, dstConnectionId: 0xffff, sequence: 0, acknowledge: 0, allocation: 3 }, data: Buffer.alloc(0) })),
    frame(snap, PacketType.Spx, FS1, 0x8060, WS, 0x4010, spx.encode({ header: { connectionControl: 0x80, datastreamType: 0, srcConnectionId: 0x5678, dstConnectionId: 0x1234, sequence: 0, acknowledge: 0, allocation: 3 }, data: Buffer.alloc(0) })),
    frame(snap, PacketType.Spx, WS, 0x4010, FS1, 0x8060, spx.encode({ header: { connectionControl: 0x50, datastreamType: 0, srcConnectionId: 0x1234, dstConnectionId: 0x5678, sequence: 0, acknowledge: 0, allocation: 3 }, data: Buffer.from('HELLO FROM 1994') })),
    frame(raw, PacketType.NetbiosBroadcast, WS, Socket.Netbios, BCAST, Socket.Netbios, netbios.encode({
      propagation: [0, 0, 0, 0, 0, 0, 0, 0], packetType: 0x01, nameTypeFlag: 0, name: { name: 'LABPC', nameType: 0x00 }, data: Buffer.alloc(0)
    } as netbios.NetbiosMessage)),
    frame(raw, PacketType.Pep, WS, 0x4020, FS1, Socket.NovellPing, ping.encode({ version: 1, type: 0, pingId: 1, result: 0, reserved: 0, data: Buffer.alloc(0) })),
    frame(raw, PacketType.Pep, FS1, Socket.NovellPing, WS, 0x4020, ping.encode({ version: 1, type: 1, pingId: 1, result: 0, reserved: 0, data: Buffer.alloc(0) })),
    frame(llc, PacketType.Pep, WS, 0x4030, BCAST, Socket.Diagnostic, diag.encode({ kind: 'request', exclusions: [] }))
  ]
}

/** The bytes of fixtures/lab-sample.pcapng. */
export function labSample (): Buffer {
  const records = labSampleFrames().map((f, i) => ({
    interfaceId: 0,
    data: ethernet.encodeIpx(f.packet, f.framing),
    timestampNs: START_NS + BigInt(i) * 10_000_000n
  }))
  return capture.encodePcapngFile([{ linkType: capture.LinkType.Ethernet, name: 'lan0', description: 'ipxlab sample LAN (generated)' }], records)
}

// ---------------------------------------------------------------------------------------------
// Shared machinery for the scenario fixtures
// ---------------------------------------------------------------------------------------------

/** One frame of a scenario fixture: which interface saw it, when, and the IPX packet in its framing. */
export interface FixtureFrame {
  /** Index into the fixture's interfaces (one per LAN the capture box listens on). */
  interfaceId: number
  /** Absolute time, nanoseconds since the Unix epoch. */
  timestampNs: bigint
  framing: EthernetNs.Framing
  packet: ipx.IpxPacket
  /** Ethernet destination and source; default the IPX nodes (Novell uses the MAC as the node number). */
  dstMac?: number
  srcMac?: number
}

/** A capture interface: the LAN it listens on and the one framing every station there uses. */
export interface FixtureInterface {
  name: string
  description: string
  framing: EthernetNs.Framing
}

/** One committed fixture. */
export interface Fixture {
  /** File name under fixtures/. */
  file: string
  /** One line for test titles. */
  title: string
  interfaces: readonly FixtureInterface[]
  frames: () => FixtureFrame[]
}

/**
 * mulberry32, a 32-bit seeded generator (Tommy Ettinger's public-domain design): enough to make
 * spacing and payloads look irregular while staying reproducible. Returns [0, 1).
 */
function seeded (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Seconds since the Unix epoch of a UTC date, as nanoseconds. */
function utc (y: number, mo: number, d: number, h: number, mi: number, s = 0): bigint {
  return BigInt(Date.UTC(y, mo - 1, d, h, mi, s)) * 1_000_000n
}

/** FCS (4) + preamble and start delimiter (8) + inter-frame gap (12): bytes a frame costs beyond its captured bytes. */
const ETHERNET_OVERHEAD = 24
/** 10 Mbit/s: 0.8 µs per byte. */
const US_PER_BYTE_10MBIT = 0.8

/**
 * Builds a scenario's frames on a clock in microseconds. `send` stamps a frame at the current time;
 * `wait(us)` and `waitMs(min, max)` (uniform, seeded) move the clock on.
 */
class Timeline {
  readonly frames: FixtureFrame[] = []
  /** Microseconds since the fixture's base time. */
  now = 0
  readonly random: () => number
  constructor (private readonly base: bigint, private readonly interfaces: readonly FixtureInterface[], seed: number) {
    this.random = seeded(seed)
  }

  wait (us: number): this {
    this.now += Math.round(us)
    return this
  }

  /** Waits a uniformly drawn time between `minMs` and `maxMs` milliseconds. */
  waitMs (minMs: number, maxMs: number): this {
    return this.wait((minMs + (maxMs - minMs) * this.random()) * 1000)
  }

  /** Moves the clock to `us` (never backwards). */
  at (us: number): this {
    this.now = Math.max(this.now, Math.round(us))
    return this
  }

  /**
   * Puts a frame on the wire now. The capture stamps a frame when its last bit has arrived, so the
   * clock first moves on by the frame's time on a 10 Mbit/s Ethernet: (frame + 4 FCS + 8 preamble
   * + 12 inter-frame gap) bytes at 0.8 µs a byte (IEEE 802.3 10BASE-T).
   */
  send (interfaceId: number, fields: ipx.packet.PacketFields, payload: Buffer, macs: { dst?: number, src?: number } = {}): this {
    const itf = this.interfaces[interfaceId]
    if (itf === undefined) throw new Error(`no interface ${interfaceId}`)
    const packet = ipx.packet.makePacket(fields, payload)
    const bytes = ethernet.encodingLength({ framing: itf.framing, dst: 0, src: 0, ipx: packet })
    this.wait((bytes + ETHERNET_OVERHEAD) * US_PER_BYTE_10MBIT)
    const f: FixtureFrame = { interfaceId, timestampNs: this.base + BigInt(this.now) * 1000n, framing: itf.framing, packet }
    if (macs.dst !== undefined) f.dstMac = macs.dst
    if (macs.src !== undefined) f.srcMac = macs.src
    this.frames.push(f)
    return this
  }
}

/** The bytes of a scenario fixture: one pcapng section, one Ethernet interface per LAN. */
export function encodeFixture (fixture: Fixture): Buffer {
  const records = fixture.frames().map(f => {
    const macs: ethernet.EncodeIpxOptions = {}
    if (f.dstMac !== undefined) macs.dst = f.dstMac
    if (f.srcMac !== undefined) macs.src = f.srcMac
    return { interfaceId: f.interfaceId, timestampNs: f.timestampNs, data: ethernet.encodeIpx(f.packet, f.framing, macs) }
  })
  const interfaces = fixture.interfaces.map(i => ({ linkType: capture.LinkType.Ethernet, name: i.name, description: i.description }))
  return capture.encodePcapngFile(interfaces, records)
}

const addr = (h: Host, socket: number): ipx.IpxAddress => ({ network: h.network, node: h.node, socket })
const bcast = (network: number, socket: number): ipx.IpxAddress => ({ network, node: ipx.BROADCAST_NODE, socket })

/** A NUL-padded fixed-size string field (NCP object and file names). */
function fixedString (s: string, size: number): Buffer {
  const b = Buffer.alloc(size)
  b.write(s, 'latin1')
  return b
}

/** A length-prefixed string (Wireshark's `nstring8`). */
function nstring8 (s: string): Buffer {
  return Buffer.concat([Buffer.from([s.length]), Buffer.from(s, 'latin1')])
}

const u16 = (n: number): Buffer => { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b }
const u32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0); return b }

/** Deterministic file contents: printable text, so the hex view reads as a file. */
function fileBytes (size: number, seed: number): Buffer {
  const r = seeded(seed)
  const words = ['NETWARE', 'IPX', 'SPX', 'ROUTER', 'SERVER', 'PACKET', 'VOLUME', 'SYS:', 'LOGIN', 'QUEUE', 'BINDERY', 'TICKS', 'HOPS', 'SOCKET']
  const parts: string[] = []
  let n = 0
  while (n < size) {
    const w = words[Math.floor(r() * words.length)] ?? 'IPX'
    const sep = r() < 0.12 ? '\r\n' : ' '
    parts.push(w + sep)
    n += w.length + sep.length
  }
  return Buffer.from(parts.join('').slice(0, size), 'latin1')
}

// ---------------------------------------------------------------------------------------------
// NCP: a workstation shell (NETX-style) talking to a NetWare 3.x server
// ---------------------------------------------------------------------------------------------

/**
 * The NCP request/reply bodies used here, laid out as Wireshark's `tools/ncp2222.py` (NCP data from
 * Novell, via Greg Morris) describes them and as TShark 4.0.17 decodes them (checked by
 * test/fixtures.test.ts: no malformed or expert-warning frame). Offsets are into the NCP message
 * (7 = first byte after the request header, 10 after a length + subfunction; 8 in a reply):
 *  - 0x21 Negotiate Buffer Size: request proposed size u16 @7; reply accepted size u16 @8.
 *  - 0x17/0x17 Get Login Key: no request body; reply 8-byte key @8.
 *  - 0x17/0x35 Get Bindery Object ID: object type u16 @10, name nstring8 @12; reply object ID u32 @8,
 *    type u16 @12, name 48 bytes @14.
 *  - 0x17/0x18 Keyed Object Login: 8-byte encrypted password @10, object type u16 @18, name nstring8
 *    @20; empty reply.
 *  - 0x4C Open File (the 3.x call NETX uses): directory handle u8 @7, search attributes u8 @8, desired
 *    access u8 @9, file name nstring8 @10; reply file handle 6 @8, reserved 2 @14, name 14 @16,
 *    attributes u8 @30, execute type u8 @31, size u32 @32, creation/access/update dates and update time u16 @36..@42.
 *  - 0x48 Read From File: reserved u8 @7, file handle 6 @8, offset u32 @14, bytes to read u16 @18;
 *    reply bytes read u16 @8, then the data (offsets here are even, so no pad byte).
 *  - 0x42 Close File: reserved u8 @7, file handle 6 @8; empty reply.
 *  - 0x19 Logout: no body; empty reply.
 * Multi-byte fields are written big-endian ("high-low"); TShark 4.0.17 reads one of them, the Object
 * ID of the 0x17/0x35 reply, little-endian (see netwareLoginFrames).
 */
class NcpClient {
  sequence: number
  constructor (
    private readonly t: Timeline,
    private readonly itf: number,
    private readonly client: ipx.IpxAddress,
    private readonly server: ipx.IpxAddress,
    /** Ethernet address of the server's NIC: the server's IPX node is its internal network's node 1. */
    private readonly serverMac: number,
    public connection: number,
    firstSequence: number,
    /** Server turnaround, ms (min, max). */
    private readonly serverMs: readonly [number, number] = [0.6, 1.8],
    /** Client time between a reply and its next request, ms (min, max). */
    private readonly clientMs: readonly [number, number] = [0.4, 2.5]
  ) {
    this.sequence = firstSequence
  }

  private out (body: Buffer): void {
    this.t.send(this.itf, { packetType: PacketType.Ncp, src: this.client, dst: this.server }, body, { dst: this.serverMac })
  }

  private back (body: Buffer): void {
    this.t.send(this.itf, { packetType: PacketType.Ncp, src: this.server, dst: this.client }, body, { src: this.serverMac })
  }

  /** One request and its reply; returns nothing, both frames are on the timeline. */
  call (request: Omit<ncp.NcpRequest, 'kind' | 'sequence' | 'connection'>, reply: { data?: Buffer, completionCode?: number, connection?: number } = {}): void {
    const seq = this.sequence
    this.out(ncp.encode({ kind: 'request', ...request, sequence: seq, connection: this.connection }))
    this.t.waitMs(...this.serverMs)
    if (reply.connection !== undefined) this.connection = reply.connection
    this.back(ncp.encode({
      kind: 'reply', type: ncp.NcpType.ServiceReply, sequence: seq, connection: this.connection, task: request.task,
      completionCode: reply.completionCode ?? 0, connectionStatus: 0, data: reply.data ?? Buffer.alloc(0)
    }))
    this.sequence = (seq + 1) & 0xff
    this.t.waitMs(...this.clientMs)
  }

  request2222 (task: number, fn: number, body: Buffer, reply: Buffer = Buffer.alloc(0)): void {
    this.call({ type: ncp.NcpType.ServiceRequest, task, function: fn, data: body }, { data: reply })
  }

  /** Function 0x17 with a subfunction: the length field counts the subfunction and the body. */
  request17 (task: number, subfunction: number, body: Buffer, reply: Buffer = Buffer.alloc(0)): void {
    this.call({ type: ncp.NcpType.ServiceRequest, task, function: 0x17, length: 1 + body.length, subfunction, data: body }, { data: reply })
  }

  /** 0x4C Open File; returns nothing (the handle is the caller's). */
  openFile (task: number, dirHandle: number, path: string, handle: Buffer, shortName: string, size: number): void {
    const req = Buffer.concat([Buffer.from([dirHandle, 0x06 /* search: hidden + system */, 0x11 /* read, compatibility mode */]), nstring8(path)])
    const rep = Buffer.concat([
      handle, Buffer.alloc(2), fixedString(shortName, 14), Buffer.from([0x20 /* archive */, 0x00]), u32(size),
      u16(DOS_DATE), u16(DOS_DATE + 3), u16(DOS_DATE), u16(DOS_TIME)
    ])
    this.request2222(task, 0x4c, req, rep)
  }

  read (task: number, handle: Buffer, offset: number, count: number, data: Buffer): void {
    const req = Buffer.concat([Buffer.alloc(1), handle, u32(offset), u16(count)])
    this.request2222(task, 0x48, req, Buffer.concat([u16(data.length), data]))
  }

  close (task: number, handle: Buffer): void {
    this.request2222(task, 0x42, Buffer.concat([Buffer.alloc(1), handle]))
  }
}

/** 14 February 1994 and 10:32:16 in DOS date/time format: ((y-1980)<<9 | m<<5 | d) and (h<<11 | m<<5 | s/2). */
const DOS_DATE = ((1994 - 1980) << 9) | (2 << 5) | 14
const DOS_TIME = (10 << 11) | (32 << 5) | 8

/** File handle as NetWare 3.x hands it out (6 bytes; the shell passes it back unchanged). */
function fileHandle (n: number): Buffer {
  return Buffer.from([0x00, 0x00, (n >>> 8) & 0xff, n & 0xff, 0x00, 0x00])
}

// ---------------------------------------------------------------------------------------------
// The lab's networks (shared by the scenario fixtures)
// ---------------------------------------------------------------------------------------------

/** LAN A: the NetWare 3.11 segment, Ethernet_802.3 ("raw"), the 3.11 default frame type. */
const NET_A = 0x00000a01
/** LAN B: the engineering segment, Ethernet_II. */
const NET_B = 0x00000b02
/** LAN C: the Macintosh/print segment, Ethernet_SNAP. */
const NET_C = 0x00000c03
/** LAN D: the NetWare 3.12 segment, Ethernet_802.2 (the 3.12/4.x default frame type). */
const NET_D = 0x00000d04
/** FS1's internal IPX network (every NetWare 3.x server has one; the server is node 1 on it). */
const FS1_INTERNAL = 0x1994a001
/** FS2's internal IPX network. */
const FS2_INTERNAL = 0x1994d002
const INTERNAL_NODE = 0x000000000001

// ---------------------------------------------------------------------------------------------
// netware-login.pcapng
// ---------------------------------------------------------------------------------------------

/**
 * A NetWare 3.x login and file read, as a DOS workstation with NETX and LOGIN.EXE does it, on one
 * Ethernet_802.3 LAN: Get Nearest Server (SAP 3 / 4), RIP request for the server's internal network,
 * create service connection (0x1111), negotiate buffer size (0x21), Get Login Key (0x17/0x17), Get
 * Bindery Object ID (0x17/0x35), Keyed Object Login (0x17/0x18), Open File (0x4C), Read From File
 * (0x48) in chunks, Close File (0x42), Logout (0x19), destroy service connection (0x5555).
 */
function netwareLoginFrames (): FixtureFrame[] {
  const itfs = NETWARE_LOGIN.interfaces
  const t = new Timeline(utc(1994, 3, 1, 8, 55, 12), itfs, 0x10c1)
  const ws: Host = { network: NET_A, node: 0x0000c0a1b2c3 }
  const fsMac = 0x00001b2f1d01
  const fs: Host = { network: FS1_INTERNAL, node: INTERNAL_NODE }
  const fsLan: Host = { network: NET_A, node: fsMac }
  const wsNcp = 0x4003
  const fsEntry = { type: 0x0004, name: 'FS1', network: FS1_INTERNAL, node: INTERNAL_NODE, socket: Socket.Ncp, hops: 1 }

  // NETX loads: Get Nearest Server. Node 0 network 0: the workstation does not know its network
  // number yet, and the server answers with it in the IPX header.
  t.send(0, { packetType: PacketType.Pep, src: { network: 0, node: ws.node, socket: wsNcp }, dst: bcast(0, Socket.Sap) },
    sap.encode({ operation: sap.SapOperation.NearestQuery, serverType: 0x0004 }))
  t.waitMs(0.8, 1.6)
  t.send(0, { packetType: PacketType.Pep, src: addr(fsLan, Socket.Sap), dst: addr(ws, wsNcp) },
    sap.encode({ operation: sap.SapOperation.NearestResponse, servers: [fsEntry] }))
  t.waitMs(1, 3)
  // Where is FS1's internal network? FS1 itself is the router to it: 1 hop, 2 ticks.
  t.send(0, { packetType: PacketType.Rip, src: addr(ws, Socket.Rip), dst: bcast(NET_A, Socket.Rip) },
    rip.encode({ operation: rip.RipOperation.Request, entries: [{ network: FS1_INTERNAL, hops: 0xffff, ticks: 0xffff }] }))
  t.waitMs(0.7, 1.4)
  t.send(0, { packetType: PacketType.Rip, src: addr(fsLan, Socket.Rip), dst: addr(ws, Socket.Rip) },
    rip.encode({ operation: rip.RipOperation.Response, entries: [{ network: FS1_INTERNAL, hops: 1, ticks: 2 }] }))
  t.waitMs(1, 3)

  const c = new NcpClient(t, 0, addr(ws, wsNcp), addr(fs, Socket.Ncp), fsMac, 0xffff, 0)
  c.call({ type: ncp.NcpType.CreateServiceConnection, task: 0, function: 0, data: Buffer.alloc(0) }, { connection: 7 })
  c.request2222(0, 0x21, u16(1024), u16(1024))
  t.waitMs(180, 260) // the shell is resident; the user types LOGIN FS1/STUDENT and the password
  t.wait(4_200_000)
  const key = Buffer.from([0x3f, 0x91, 0x0c, 0x5d, 0xe2, 0x47, 0xa8, 0x16])
  c.request17(2, 0x17, Buffer.alloc(0), key)
  const user = 'STUDENT'
  // Byte-symmetric on purpose: TShark 4.0.17 reads this reply's Object ID little-endian (it showed
  // 0x0B000023 as 0x2300000b) although the Object Type next to it is big-endian; 0x23000023 reads
  // the same in either byte order, so the capture does not depend on which reading is right.
  const objectId = 0x23000023
  c.request17(2, 0x35, Buffer.concat([u16(0x0001), nstring8(user)]), Buffer.concat([u32(objectId), u16(0x0001), fixedString(user, 48)]))
  // The 8 bytes are what the client derives from the key and the password; ipxlab does not
  // implement Novell's password hash, so these are seeded bytes standing in for it.
  const encrypted = Buffer.from(Array.from({ length: 8 }, () => Math.floor(t.random() * 256)))
  c.request17(2, 0x18, Buffer.concat([encrypted, u16(0x0001), nstring8(user)]))
  t.waitMs(900, 1300) // LOGIN runs the login script; the user then types TYPE SYS:PUBLIC\WELCOME.TXT
  t.wait(2_500_000)
  const size = 2600
  const text = fileBytes(size, 0xf11e)
  const handle = fileHandle(0x0c1b)
  c.openFile(3, 0, 'SYS:PUBLIC/WELCOME.TXT', handle, 'WELCOME.TXT', size)
  for (let off = 0; off < size; off += 1024) {
    const n = Math.min(1024, size - off)
    c.read(3, handle, off, 1024, text.subarray(off, off + n))
  }
  c.close(3, handle)
  t.wait(3_000_000) // LOGOUT
  c.request2222(2, 0x19, Buffer.alloc(0))
  c.call({ type: ncp.NcpType.DestroyServiceConnection, task: 0, function: 0, data: Buffer.alloc(0) })
  return t.frames
}

const NETWARE_LOGIN: Fixture = {
  file: 'netware-login.pcapng',
  title: 'NetWare 3.x login and file read over NCP',
  interfaces: [{ name: 'lan-a', description: 'LAN A 00000A01, Ethernet_802.3 (raw), workstation and FS1', framing: ethernet.Framing.Raw8023 }],
  frames: () => netwareLoginFrames()
}

// ---------------------------------------------------------------------------------------------
// spx-session.pcapng
// ---------------------------------------------------------------------------------------------

/**
 * An SPX I session on Ethernet_II: connection request and answer (system packets), a 3-packet
 * message from the client with send-ack on every data packet and end-of-message on the last, the
 * server's acknowledgements opening its allocation window, a 1-packet answer, an idle watchdog
 * probe, and teardown with end-of-connection (0xFE) and its acknowledgement (0xFF).
 *
 * SPX I, not SPX II: the DOS SPX API of NetWare 3.x (INT 7A; Ralf Brown's Interrupt List, "Format
 * of SPX header", FEh terminate request / FFh terminate acknowledgement,
 * http://delorie.com/djgpp/doc/rbinter/it/26/38.html) is SPX I, with the fixed 12-byte header, 534-byte data limit (576-byte packets) and 0xFE/0xFF
 * termination; SPX II (NetWare 4, 1993) adds size negotiation and the 14-byte header, which would
 * make the session longer without showing anything the brief asks for.
 *
 * Allocation numbers follow SPX's rule "the highest sequence number I have a buffer for": with n
 * free receive buffers, allocation = acknowledge + n - 1.
 */
function spxSessionFrames (): FixtureFrame[] {
  const t = new Timeline(utc(1994, 3, 1, 10, 14, 3), SPX_SESSION.interfaces, 0x5b5)
  const cl: Host = { network: NET_B, node: 0x02608c4f1e27 }
  const sv: Host = { network: NET_B, node: 0x00001b3a0c44 }
  const cs = 0x4010
  const ss = 0x8060
  const C = 0x2a01
  const S = 0x5b01
  const cc = spx.ConnectionControl
  const fromClient = (h: Omit<spx.SpxHeader, 'srcConnectionId'>, data: Buffer = Buffer.alloc(0)): void => {
    t.send(0, { packetType: PacketType.Spx, src: addr(cl, cs), dst: addr(sv, ss) }, spx.encode({ header: { srcConnectionId: C, ...h }, data }))
  }
  const fromServer = (h: Omit<spx.SpxHeader, 'srcConnectionId'>, data: Buffer = Buffer.alloc(0)): void => {
    t.send(0, { packetType: PacketType.Spx, src: addr(sv, ss), dst: addr(cl, cs) }, spx.encode({ header: { srcConnectionId: S, ...h }, data }))
  }
  const msg = fileBytes(534 + 534 + 212, 0x5b)
  const sysAck = cc.System | cc.SendAck
  // Connection set-up: the client's connect request (system, send-ack, destination ID unknown).
  fromClient({ connectionControl: sysAck, datastreamType: 0, dstConnectionId: 0xffff, sequence: 0, acknowledge: 0, allocation: 2 })
  t.waitMs(0.8, 1.5)
  // The server's answer: system packet, its own ID, 2 receive buffers posted (seq 0 and 1).
  fromServer({ connectionControl: cc.System, datastreamType: 0, dstConnectionId: C, sequence: 0, acknowledge: 0, allocation: 1 })
  t.waitMs(2, 4)
  // Data: seq 0 and 1 fill the server's window (allocation 1).
  fromClient({ connectionControl: cc.SendAck, datastreamType: 0, dstConnectionId: S, sequence: 0, acknowledge: 0, allocation: 2 }, msg.subarray(0, 534))
  t.waitMs(0.5, 0.9)
  fromClient({ connectionControl: cc.SendAck, datastreamType: 0, dstConnectionId: S, sequence: 1, acknowledge: 0, allocation: 2 }, msg.subarray(534, 1068))
  t.waitMs(0.6, 1.2)
  // Ack of seq 0 only with allocation 2: one buffer freed, the client may send seq 2.
  fromServer({ connectionControl: cc.System, datastreamType: 0, dstConnectionId: C, sequence: 0, acknowledge: 1, allocation: 2 })
  t.waitMs(0.3, 0.6)
  fromServer({ connectionControl: cc.System, datastreamType: 0, dstConnectionId: C, sequence: 0, acknowledge: 2, allocation: 3 })
  t.waitMs(0.4, 0.8)
  fromClient({ connectionControl: cc.SendAck | cc.EndOfMessage, datastreamType: 0, dstConnectionId: S, sequence: 2, acknowledge: 0, allocation: 2 }, msg.subarray(1068))
  t.waitMs(0.6, 1.2)
  fromServer({ connectionControl: cc.System, datastreamType: 0, dstConnectionId: C, sequence: 0, acknowledge: 3, allocation: 4 })
  t.waitMs(8, 15) // the server application works on the request
  fromServer({ connectionControl: cc.SendAck | cc.EndOfMessage, datastreamType: 0, dstConnectionId: C, sequence: 0, acknowledge: 3, allocation: 4 }, Buffer.from('RECEIVED 1280 BYTES, 3 PACKETS, STORED AS JOB 0017\r\n', 'latin1'))
  t.waitMs(0.6, 1.2)
  fromClient({ connectionControl: cc.System, datastreamType: 0, dstConnectionId: S, sequence: 3, acknowledge: 1, allocation: 3 })
  // Idle: after about 6 s without traffic, the watchdog asks for an acknowledgement.
  t.wait(6_000_000)
  fromServer({ connectionControl: sysAck, datastreamType: 0, dstConnectionId: C, sequence: 1, acknowledge: 3, allocation: 5 })
  t.waitMs(0.6, 1.2)
  fromClient({ connectionControl: cc.System, datastreamType: 0, dstConnectionId: S, sequence: 3, acknowledge: 1, allocation: 3 })
  t.wait(1_500_000)
  // Teardown: end-of-connection is a sequenced packet that must be acknowledged...
  fromClient({ connectionControl: cc.SendAck | cc.EndOfMessage, datastreamType: spx.DatastreamType.EndOfConnection, dstConnectionId: S, sequence: 3, acknowledge: 1, allocation: 3 })
  t.waitMs(0.6, 1.2)
  // ...by the end-of-connection acknowledgement.
  fromServer({ connectionControl: cc.System, datastreamType: spx.DatastreamType.EndOfConnectionAck, dstConnectionId: C, sequence: 1, acknowledge: 4, allocation: 5 })
  return t.frames
}

const SPX_SESSION: Fixture = {
  file: 'spx-session.pcapng',
  title: 'SPX I session: set-up, windowed data, acks, watchdog, teardown',
  interfaces: [{ name: 'lan-b', description: 'LAN B 00000B02, Ethernet_II', framing: ethernet.Framing.EthernetII }],
  frames: () => spxSessionFrames()
}

// ---------------------------------------------------------------------------------------------
// sap-rip-convergence.pcapng
// ---------------------------------------------------------------------------------------------

/**
 * Three LANs, two routers, one capture box with a NIC on each LAN:
 *
 * ```
 *  LAN A 00000A01 (802.3 raw)      LAN B 00000B02 (Ethernet_II)     LAN C 00000C03 (SNAP)
 *  FS1 (file server) --- R1 ------------------- R2 --------------- PS1 (print server)
 * ```
 *
 * R2 is running; R1 boots, asks for routes and services, and the tables converge: LAN C is 1 hop
 * on B and 2 hops on A; FS1 is 1 hop on A, 2 on B, 3 on C. Split horizon: no router advertises a
 * route or service on the LAN it learned it from. Then FS1 goes down (SAP with 16 hops, relayed)
 * and R2 loses LAN C (RIP with 16 hops for C, and 16 hops for PS1 behind it).
 *
 * Ticks follow tcpdump's ipx.pcap (a LAN one router away is 1 hop, 2 ticks) with one tick per
 * further hop. SAP hops: a server advertises itself with 1 (as in ipx.pcap) and each router adds 1.
 * Periodic broadcasts every 60 s (FreeBSD IPXrouted `SUPPLY_INTERVAL`; ipx_wrap
 * `SAP_BCAST_INTERVAL_SECS 60`).
 */
function convergenceFrames (): FixtureFrame[] {
  const t = new Timeline(utc(1994, 3, 1, 7, 30, 0), CONVERGENCE.interfaces, 0xc0de)
  const A = 0
  const B = 1
  const Cn = 2
  const r1a: Host = { network: NET_A, node: 0x00000c3e1a01 }
  const r1b: Host = { network: NET_B, node: 0x00000c3e1a02 }
  const r2b: Host = { network: NET_B, node: 0x00000c5f2b01 }
  const r2c: Host = { network: NET_C, node: 0x00000c5f2b02 }
  const fs1: Host = { network: NET_A, node: 0x00001b2f1d01 }
  const ps1: Host = { network: NET_C, node: 0x0800091c33e0 }
  const FS1 = (hops: number): sap.SapServer => ({ type: 0x0004, name: 'FS1', network: FS1_INTERNAL, node: INTERNAL_NODE, socket: Socket.Ncp, hops })
  const PS1 = (hops: number): sap.SapServer => ({ type: 0x0007, name: 'PS1', network: NET_C, node: ps1.node, socket: 0x8060, hops })
  const ripOut = (itf: number, from: Host, entries: rip.RipEntry[], to?: Host): void => {
    t.send(itf, { packetType: PacketType.Rip, src: addr(from, Socket.Rip), dst: to !== undefined ? addr(to, Socket.Rip) : bcast(from.network, Socket.Rip) },
      rip.encode({ operation: rip.RipOperation.Response, entries }))
    t.waitMs(0.3, 1.2)
  }
  const ripAsk = (itf: number, from: Host): void => {
    t.send(itf, { packetType: PacketType.Rip, src: addr(from, Socket.Rip), dst: bcast(from.network, Socket.Rip) },
      rip.encode({ operation: rip.RipOperation.Request, entries: [{ network: rip.RIP_ALL_NETWORKS, hops: 0xffff, ticks: 0xffff }] }))
    t.waitMs(0.3, 1.2)
  }
  const sapOut = (itf: number, from: Host, servers: sap.SapServer[], to?: { host: Host, socket: number }): void => {
    t.send(itf, { packetType: PacketType.Pep, src: addr(from, Socket.Sap), dst: to !== undefined ? addr(to.host, to.socket) : bcast(from.network, Socket.Sap) },
      sap.encode({ operation: sap.SapOperation.GeneralResponse, servers }))
    t.waitMs(0.3, 1.2)
  }
  const sapAsk = (itf: number, from: Host): void => {
    t.send(itf, { packetType: PacketType.Pep, src: addr(from, Socket.Sap), dst: bcast(from.network, Socket.Sap) },
      sap.encode({ operation: sap.SapOperation.GeneralQuery, serverType: sap.SAP_WILDCARD_TYPE }))
    t.waitMs(0.3, 1.2)
  }
  // Routes as each router advertises them (split horizon applied per interface).
  const cOn = (hops: number): rip.RipEntry => ({ network: NET_C, hops, ticks: hops + 1 })
  const bOn = (hops: number): rip.RipEntry => ({ network: NET_B, hops, ticks: hops + 1 })
  const aOn = (hops: number): rip.RipEntry => ({ network: NET_A, hops, ticks: hops + 1 })
  const fsInt = (hops: number): rip.RipEntry => ({ network: FS1_INTERNAL, hops, ticks: hops + 1 })

  // 07:30:00 — before R1: R2, FS1 and PS1 broadcast their periodic updates.
  t.at(200_000)
  sapOut(Cn, ps1, [PS1(1)])
  t.waitMs(40, 90)
  ripOut(B, r2b, [cOn(1)]) // split horizon: not LAN B itself on B
  ripOut(Cn, r2c, [bOn(1)])
  sapOut(B, r2b, [PS1(2)]) // on C R2 has nothing to say: PS1 was learned on C
  t.waitMs(300, 500)
  ripOut(A, fs1, [fsInt(1)]) // a 3.x server routes to its internal network
  sapOut(A, fs1, [FS1(1)])

  // 07:30:02 — R1 boots: it announces its directly attached networks and asks for everything.
  t.at(2_000_000)
  ripOut(A, r1a, [bOn(1)])
  ripOut(B, r1b, [aOn(1)])
  ripAsk(A, r1a)
  ripAsk(B, r1b)
  ripOut(A, fs1, [fsInt(1)], r1a)
  ripOut(B, r2b, [cOn(1)], r1b)
  sapAsk(A, r1a)
  sapAsk(B, r1b)
  sapOut(A, fs1, [FS1(1)], { host: r1a, socket: Socket.Sap })
  sapOut(B, r2b, [PS1(2)], { host: r1b, socket: Socket.Sap })
  // Triggered updates: each router tells its other LANs what it has just learned.
  t.waitMs(5, 20)
  ripOut(A, r1a, [cOn(2)])
  ripOut(B, r1b, [fsInt(2)])
  sapOut(A, r1a, [PS1(3)])
  sapOut(B, r1b, [FS1(2)])
  t.waitMs(2, 10)
  ripOut(Cn, r2c, [aOn(2), fsInt(3)])
  sapOut(Cn, r2c, [FS1(3)])

  // Periodic updates, 60 s apart, now converged.
  const periodic = (): void => {
    ripOut(A, r1a, [bOn(1), cOn(2)])
    ripOut(B, r1b, [aOn(1), fsInt(2)])
    sapOut(A, r1a, [PS1(3)])
    sapOut(B, r1b, [FS1(2)])
    t.waitMs(200, 400)
    ripOut(B, r2b, [cOn(1)])
    ripOut(Cn, r2c, [bOn(1), aOn(2), fsInt(3)])
    sapOut(B, r2b, [PS1(2)])
    sapOut(Cn, r2c, [FS1(3)])
    t.waitMs(200, 400)
    ripOut(A, fs1, [fsInt(1)])
    sapOut(A, fs1, [FS1(1)])
    t.waitMs(100, 300)
    sapOut(Cn, ps1, [PS1(1)])
  }
  t.at(62_000_000)
  periodic()

  // 07:31:20 — FS1 is brought down (DOWN at its console): it advertises itself and its internal
  // network with 16 hops, and the routers pass the news on at once.
  t.at(80_000_000)
  sapOut(A, fs1, [FS1(sap.SAP_HOPS_DOWN)])
  ripOut(A, fs1, [{ network: FS1_INTERNAL, hops: rip.RIP_HOPS_UNREACHABLE, ticks: 2 }])
  t.waitMs(3, 12)
  sapOut(B, r1b, [FS1(sap.SAP_HOPS_DOWN)])
  ripOut(B, r1b, [{ network: FS1_INTERNAL, hops: rip.RIP_HOPS_UNREACHABLE, ticks: 3 }])
  t.waitMs(3, 12)
  sapOut(Cn, r2c, [FS1(sap.SAP_HOPS_DOWN)])
  ripOut(Cn, r2c, [{ network: FS1_INTERNAL, hops: rip.RIP_HOPS_UNREACHABLE, ticks: 4 }])

  // 07:31:40 — R2's port on LAN C fails: LAN C and PS1 behind it are poisoned with 16 hops.
  t.at(100_000_000)
  ripOut(B, r2b, [{ network: NET_C, hops: rip.RIP_HOPS_UNREACHABLE, ticks: 2 }])
  sapOut(B, r2b, [PS1(sap.SAP_HOPS_DOWN)])
  t.waitMs(3, 12)
  ripOut(A, r1a, [{ network: NET_C, hops: rip.RIP_HOPS_UNREACHABLE, ticks: 3 }])
  sapOut(A, r1a, [PS1(sap.SAP_HOPS_DOWN)])

  // 07:32:02 — the next periodic round: only LANs A and B are left, and no services.
  t.at(122_000_000)
  ripOut(A, r1a, [bOn(1)])
  ripOut(B, r1b, [aOn(1)])
  // R2 has nothing left to advertise on B (split horizon), and its LAN C port is dead: it stays silent.
  return t.frames
}

const CONVERGENCE: Fixture = {
  file: 'sap-rip-convergence.pcapng',
  title: 'SAP and RIP convergence across three LANs, then a server and a route going away',
  interfaces: [
    { name: 'lan-a', description: 'LAN A 00000A01, Ethernet_802.3 (raw): FS1, R1', framing: ethernet.Framing.Raw8023 },
    { name: 'lan-b', description: 'LAN B 00000B02, Ethernet_II: R1, R2', framing: ethernet.Framing.EthernetII },
    { name: 'lan-c', description: 'LAN C 00000C03, Ethernet_SNAP: R2, PS1', framing: ethernet.Framing.Snap }
  ],
  frames: () => convergenceFrames()
}

// ---------------------------------------------------------------------------------------------
// doom-4player.pcapng
// ---------------------------------------------------------------------------------------------

/**
 * DOOM's network constants and packet layout (all little-endian: the structs go on the wire as
 * they lie in a PC's memory):
 *  - IPX payload = `time` int32 (ipxnet.h `packet_t`; -1 during setup, then a send counter) + the
 *    data + 4 more bytes: ipxnet.c sends `f2Size = data_len + 4` from the data buffer, and the
 *    receiver takes `PacketLength - 38` (ipxsetup.c GetPacket) — 38 = 30 IPX + 4 time + 4 extra.
 *    doom.cap in ipxbox (lengths 46, 54, 62: 8 + 8 × tics) shows the same 38-byte overhead.
 *  - setup (IPXSETUP, before DOOM starts): `setupdata_t` = gameid, drone, nodesfound, nodeswanted
 *    (int16 each), broadcast once a second until every node has found every other
 *    (fragglet/vanilla-utilities net/ipxsetup.c LookForNodes; the original id layout without the
 *    xttl extensions).
 *  - game: `doomdata_t` = checksum u32 (NCMD_* flags in the top 4 bits), retransmitfrom, starttic,
 *    player, numtics (u8), then numtics × `ticcmd_t` (forwardmove, sidemove int8, angleturn,
 *    consistancy int16, chatchar, buttons u8) — id Software linuxdoom-1.10 d_net.h / d_ticcmd.h.
 *    Each tic, NetUpdate sends one packet to every other node (unicast: HSendPacket(i) for each
 *    node in game), carrying the new tic and `extratics` (1, set by IPXSETUP) older ones.
 */
const DOOM_TICRATE = 35 // doomdef.h TICRATE: game tics per second
const DOOM_SOCKET = 0x869c
const NCMD_SETUP = 0x20000000
const NCMD_CHECKSUM = 0x0fffffff
const DOOM_VERSION = 109 // DOOM 1.9 (doomdef.h VERSION), released February 1995
/** Seconds of play in the fixture. */
const DOOM_SECONDS = 3

/** d_net.c NetbufferChecksum: 0x1234567 + Σ word[i] × (i + 1) over the u32 words from `retransmitfrom`. */
function doomChecksum (body: Buffer): number {
  let c = 0x1234567
  const l = Math.floor(body.length / 4)
  for (let i = 0; i < l; i++) c = (c + Math.imul(body.readUInt32LE(i * 4), i + 1)) >>> 0
  return c & NCMD_CHECKSUM
}

interface Ticcmd { forwardmove: number, sidemove: number, angleturn: number, consistancy: number, chatchar: number, buttons: number }

/** doomdata_t after the checksum, then the checksum put in front (HSendPacket). */
function doomData (flags: number, retransmitfrom: number, starttic: number, player: number, cmds: readonly Ticcmd[]): Buffer {
  const body = Buffer.alloc(4 + 8 * cmds.length)
  body.writeUInt8(retransmitfrom, 0)
  body.writeUInt8(starttic & 0xff, 1)
  body.writeUInt8(player, 2)
  body.writeUInt8(cmds.length, 3)
  cmds.forEach((c, i) => {
    const o = 4 + 8 * i
    body.writeInt8(c.forwardmove, o)
    body.writeInt8(c.sidemove, o + 1)
    body.writeInt16LE(c.angleturn, o + 2)
    body.writeInt16LE(c.consistancy, o + 4)
    body.writeUInt8(c.chatchar, o + 6)
    body.writeUInt8(c.buttons, o + 7)
  })
  const head = Buffer.alloc(4)
  head.writeUInt32LE((doomChecksum(body) | flags) >>> 0)
  return Buffer.concat([head, body])
}

/** The IPX payload: time, data, and the 4 bytes ipxnet.c sends past the data (zero here). */
function doomPacket (time: number, data: Buffer): Buffer {
  const b = Buffer.alloc(4 + data.length + 4)
  b.writeInt32LE(time, 0)
  data.copy(b, 4)
  return b
}

/**
 * Four DOS PCs on LAN D (Ethernet_802.2) start a deathmatch: IPXSETUP broadcasts until all four
 * nodes know each other, the key player sends the game settings (NCMD_SETUP), then 3 seconds of
 * play: every node sends each of the three others one packet per tic, 35 tics a second, so 105
 * packets/s per node and 420/s on the wire.
 */
function doomFrames (): FixtureFrame[] {
  const base = utc(1995, 2, 3, 18, 30, 0)
  const random = seeded(0xd00d)
  const nodes: Host[] = [0x0000c0d1e5a1, 0x0000c04b7702, 0x00a0240c9e13, 0x02608c7d2e44].map(node => ({ network: NET_D, node }))
  const n = nodes.length
  // ipx_localtime: -1 during setup, then one more for every packet the node sends (ipxsetup.c NetCallback).
  const sent: number[] = nodes.map(() => 0)
  const frames: FixtureFrame[] = []
  const send = (from: number, to: number | 'broadcast', data: Buffer, atUs: number, setup = false): void => {
    const src = nodes[from]!
    const dst = to === 'broadcast' ? bcast(NET_D, DOOM_SOCKET) : addr(nodes[to]!, DOOM_SOCKET)
    let time = -1
    if (!setup) time = ++sent[from]!
    const packet = ipx.packet.makePacket({ packetType: 0, src: addr(src, DOOM_SOCKET), dst }, doomPacket(time, data))
    frames.push({ interfaceId: 0, timestampNs: base + BigInt(Math.round(atUs)) * 1000n, framing: ethernet.Framing.Llc, packet })
  }

  // IPXSETUP (LookForNodes): each node starts when its player runs `ipxsetup -nodes 4`, broadcasts
  // its setupdata once a second, records every node it hears with that node's `nodesfound`, and is
  // done once it knows all four and all four (itself included, as last broadcast) report four.
  const start = [0, 700_000, 1_350_000, 2_100_000].map(us => us + Math.round(random() * 200_000))
  const heard: Array<Map<number, number>> = nodes.map(() => new Map())
  const lastSent: number[] = nodes.map(() => 0)
  const nextSend = [...start]
  const finishedAt: Array<number | undefined> = nodes.map(() => undefined)
  const isDone = (i: number): boolean => heard[i]!.size === n - 1 && [...heard[i]!.values()].every(v => v === n) && lastSent[i] === n
  for (let step = 0; step < 64 && finishedAt.some(f => f === undefined); step++) {
    let i = -1
    for (let k = 0; k < n; k++) if (finishedAt[k] === undefined && (i === -1 || nextSend[k]! < nextSend[i]!)) i = k
    const now = nextSend[i]!
    const found = heard[i]!.size + 1
    const setup = Buffer.alloc(8)
    setup.writeInt16LE(0, 0) // gameid
    setup.writeInt16LE(0, 2) // drone
    setup.writeInt16LE(found, 4) // nodesfound
    setup.writeInt16LE(n, 6) // nodeswanted
    send(i, 'broadcast', setup, now, true)
    lastSent[i] = found
    if (isDone(i)) finishedAt[i] = now
    for (let k = 0; k < n; k++) {
      if (k === i || start[k]! > now || finishedAt[k] !== undefined) continue
      heard[k]!.set(i, found)
      if (isDone(k)) finishedAt[k] = now + 300
    }
    nextSend[i] = now + 1_000_000 + Math.round(random() * 4000)
  }
  // Player numbers: IPXSETUP's DetermineConsolePlayer counts the nodes with lower addresses.
  const order = nodes.map((h, i) => ({ h, i })).sort((a, b) => a.h.node - b.h.node).map(x => x.i)
  const playerOf = (i: number): number => order.indexOf(i)
  const key = order[0]!
  // D_ArbitrateNetStart: the key player sends the settings to every other node: retransmitfrom =
  // startskill (2, sk_medium, "Hurt me plenty") | deathmatch << 6; starttic = episode * 64 + map;
  // player = VERSION; no tics.
  let clock = Math.max(...finishedAt.map(f => f ?? 0)) + 1_900_000 // DOOM loads its WAD
  const settings = doomData(NCMD_SETUP, 2 | (1 << 6), 1 * 64 + 1, DOOM_VERSION, [])
  for (let k = 0; k < n; k++) {
    if (k === key) continue
    send(key, k, settings, clock)
    clock += 150 + Math.round(random() * 100)
  }
  // The game: tics at 35 Hz, each node on its own phase.
  const tic = 1_000_000 / DOOM_TICRATE
  const gameStart = clock + 20_000
  const phase = nodes.map(() => Math.round(random() * tic))
  const history: Ticcmd[][] = nodes.map(() => [])
  const x: number[] = nodes.map(() => Math.floor(random() * 0x7fff))
  const game: Array<{ at: number, from: number, to: number, data: Buffer }> = []
  for (let maketic = 1; maketic <= DOOM_TICRATE * DOOM_SECONDS; maketic++) {
    for (let i = 0; i < n; i++) {
      const running = random() < 0.7
      const cmd: Ticcmd = {
        forwardmove: running ? (random() < 0.8 ? 0x32 : -0x19) : 0,
        sidemove: random() < 0.2 ? (random() < 0.5 ? 0x28 : -0x28) : 0,
        angleturn: Math.round((random() - 0.5) * 0x0a00),
        consistancy: x[i]!,
        chatchar: 0,
        buttons: random() < 0.15 ? 0x01 : 0x00 // BT_ATTACK
      }
      x[i] = (x[i]! + cmd.forwardmove * 3) & 0x7fff
      history[i]!.push(cmd)
      // extratics = 1: the packet carries this tic and the one before it (the very first, one).
      const numtics = Math.min(2, maketic)
      const data = doomData(0, 0, maketic - numtics, playerOf(i), history[i]!.slice(-numtics))
      let at = gameStart + phase[i]! + (maketic - 1) * tic + random() * 900
      for (let k = 0; k < n; k++) {
        if (k === i) continue
        game.push({ at, from: i, to: k, data })
        at += 90 + random() * 60 // the next ECB goes out once the driver has sent this one
      }
    }
  }
  // In time order; each node's own packets are already in order, so its time counter stays monotonic.
  game.sort((a, b) => a.at - b.at)
  for (const g of game) send(g.from, g.to, g.data, g.at)
  return frames
}

const DOOM: Fixture = {
  file: 'doom-4player.pcapng',
  title: 'Four-player DOOM on socket 0x869C: IPXSETUP broadcasts, then 35 Hz unicast tics',
  interfaces: [{ name: 'lan-d', description: 'LAN D 00000D04, Ethernet_802.2, four DOS PCs after hours', framing: ethernet.Framing.Llc }],
  frames: () => doomFrames()
}

// ---------------------------------------------------------------------------------------------
// ncp-bulk-copy.pcapng
// ---------------------------------------------------------------------------------------------

/** Size of the copied file: 240 reads of 1 KB; about 2 s of reply bytes at 1 Mbit/s. */
export const BULK_FILE_SIZE = 240 * 1024

/**
 * A workstation already logged in to FS2 (NetWare 3.12, LAN D, Ethernet_802.2) copies a 240 KB
 * file to its local disk (NCOPY F:\APPS\CAD\SYMBOLS.LIB C:\): Open File, 240 Read From File of
 * 1024 bytes (the negotiated buffer), Close File. One request outstanding at a time, as NCP without
 * packet burst works, so on the 10 Mbit/s LAN the copy takes about 0.7 s (~3 Mbit/s offered); the
 * same replies need about 2 s at 1 Mbit/s, which is what makes this the QoS lab's bulk load. The
 * NCP sequence number wraps from 255 to 0 during the copy.
 */
function bulkCopyFrames (): FixtureFrame[] {
  const t = new Timeline(utc(1994, 3, 1, 12, 5, 40), BULK_COPY.interfaces, 0xb01c)
  const ws: Host = { network: NET_D, node: 0x00a0240f3b61 }
  const fsMac = 0x00001b4c8a02
  const fs: Host = { network: FS2_INTERNAL, node: INTERNAL_NODE }
  const c = new NcpClient(t, 0, addr(ws, 0x4003), addr(fs, Socket.Ncp), fsMac, 12, 0x2d, [0.5, 1.1], [0.3, 1.2])
  const data = fileBytes(BULK_FILE_SIZE, 0xcad)
  const handle = fileHandle(0x2e07)
  t.at(150_000)
  c.openFile(4, 1, 'APPS/CAD/SYMBOLS.LIB', handle, 'SYMBOLS.LIB', BULK_FILE_SIZE)
  for (let off = 0; off < BULK_FILE_SIZE; off += 1024) {
    c.read(4, handle, off, 1024, data.subarray(off, off + 1024))
    // Every 32 KB DOS flushes the local disk buffer: a longer pause before the next request.
    if ((off + 1024) % 32768 === 0) t.waitMs(8, 20)
  }
  c.close(4, handle)
  return t.frames
}

const BULK_COPY: Fixture = {
  file: 'ncp-bulk-copy.pcapng',
  title: 'NCP bulk copy: 240 reads of 1 KB, enough to fill a 1 Mbit/s link for 2 s',
  interfaces: [{ name: 'lan-d', description: 'LAN D 00000D04, Ethernet_802.2, workstation and FS2', framing: ethernet.Framing.Llc }],
  frames: () => bulkCopyFrames()
}

/** Every scenario fixture, in the order fixtures/README.md describes them. lab-sample is separate ({@link labSample}). */
export const FIXTURES: readonly Fixture[] = [NETWARE_LOGIN, SPX_SESSION, CONVERGENCE, DOOM, BULK_COPY]

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  // Optional argument: another directory to write to (to inspect a change before committing it).
  const dir = process.argv[2] ?? fileURLToPath(new URL('../fixtures/', import.meta.url))
  const write = (name: string, bytes: Buffer): void => {
    const out = path.join(dir, name)
    writeFileSync(out, bytes)
    console.log(`wrote ${out} (${bytes.length} bytes)`)
  }
  write('lab-sample.pcapng', labSample())
  for (const f of FIXTURES) write(f.file, encodeFixture(f))
}
