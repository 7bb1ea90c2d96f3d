/**
 * Deterministic generator of the project's own capture fixtures (never third-party bytes).
 * `node --import tsx scripts/make-fixtures.ts` rewrites them; test/fixtures.test.ts fails when a
 * committed file differs from what this script makes.
 *
 * fixtures/lab-sample.pcapng — a small NetWare morning on one LAN, one frame of each kind a learner
 * meets first, spread over the four Ethernet framings: a workstation finds the nearest file server
 * (SAP), asks the way to another network (RIP), attaches and negotiates a buffer (NCP), opens an
 * SPX session, asks for a NetBIOS name (type-20 propagated broadcast), pings (Novell ping) and runs
 * a diagnostics query.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
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

function frame (framing: EthernetNs.Framing, packetType: number, src: { network: number, node: number }, srcSocket: number,
  dst: { network: number, node: number }, dstSocket: number, payload: Buffer): Frame {
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

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = fileURLToPath(new URL('../fixtures/lab-sample.pcapng', import.meta.url))
  writeFileSync(out, labSample())
  console.log(`wrote ${out}`)
}
