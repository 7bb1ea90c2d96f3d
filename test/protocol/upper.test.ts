import test from 'ava'
import fc from 'fast-check'
import { upper, ipx, DecodeError } from '../../protocol/index.js'
import type { IpxPacket } from '../../protocol/ipx/packet.js'
import type { UpperProtocol, DispatchReason } from '../../protocol/upper.js'
import type { DecodeErrorCode, ProtocolName } from '../../protocol/errors.js'
import { realMissing, requireReal } from '../_env.js'
import { bytes, ipxPacket, tsharkFields } from './_tshark-upper.js'

const SPX_DATA = bytes('50 05 1234 5678 0000 0000 0003 68656c6c6f')
const NCP_REQUEST = bytes('2222 01 05 01 00 21 0400')
const SAP_QUERY = bytes('0001 0004')
const RIP_REQUEST = bytes('0001 ffffffff ffff ffff')
/** NBIPX Find Name for "IPXLAB" type 0x00, no propagation list (IPX type 4, 18 bytes). */
const NB_FIND_NAME = Buffer.concat([bytes('00 01'), Buffer.from('IPXLAB         \u0000', 'latin1')])
const DIAG_REQUEST = bytes('00')
const DIAG_RESPONSE = bytes('01 00 4010 03 000102')
const PING_REQUEST = bytes('50696e67 01 00 0001 00 00 00000000')

interface Case {
  why: string
  packet: IpxPacket
  protocol: UpperProtocol
  name: string
  reason: DispatchReason
  /** tshark 4.0.17's Protocol column; differs from `name` only where ipxlab decodes what Wireshark does not. */
  tshark: string
}

const CASES: Case[] = [
  { why: 'type 5 from socket 0x0452: the socket wins, SAP', packet: ipxPacket(5, 0x0452, 0x4008, SAP_QUERY), protocol: 'sap', name: 'IPX SAP', reason: 'low-socket', tshark: 'IPX SAP' },
  { why: 'type 17 to socket 0x0453: the socket wins, RIP', packet: ipxPacket(17, 0x4008, 0x0453, RIP_REQUEST), protocol: 'rip', name: 'IPX RIP', reason: 'low-socket', tshark: 'IPX RIP' },
  { why: 'type 0 from 0x0452 to 0x0453: the lower socket, SAP', packet: ipxPacket(0, 0x0452, 0x0453, SAP_QUERY), protocol: 'sap', name: 'IPX SAP', reason: 'low-socket', tshark: 'IPX SAP' },
  { why: 'type 0 from 0x0453 to 0x0452: the lower socket, SAP, whichever side it is on', packet: ipxPacket(0, 0x0453, 0x0452, SAP_QUERY), protocol: 'sap', name: 'IPX SAP', reason: 'low-socket', tshark: 'IPX SAP' },
  { why: 'type 5 between unregistered sockets: SPX by packet type', packet: ipxPacket(5, 0x5000, 0x5001, SPX_DATA), protocol: 'spx', name: 'SPX', reason: 'packet-type', tshark: 'SPX' },
  { why: 'type 17 between unregistered sockets: NCP by packet type', packet: ipxPacket(17, 0x5000, 0x5001, NCP_REQUEST), protocol: 'ncp', name: 'NCP', reason: 'packet-type', tshark: 'NCP' },
  { why: 'type 4 to 0x0451: NCP by socket', packet: ipxPacket(4, 0x4008, 0x0451, NCP_REQUEST), protocol: 'ncp', name: 'NCP', reason: 'low-socket', tshark: 'NCP' },
  { why: 'type 4 to 0x0455: NetBIOS', packet: ipxPacket(4, 0x4008, 0x0455, NB_FIND_NAME), protocol: 'netbios', name: 'NBIPX', reason: 'low-socket', tshark: 'NBIPX' },
  { why: 'to 0x0456: diagnostics request (Wireshark 4.0: data)', packet: ipxPacket(0, 0x4008, 0x0456, DIAG_REQUEST), protocol: 'diag', name: 'IPX DIAG', reason: 'low-socket', tshark: 'IPX' },
  { why: 'from 0x0456: diagnostics response (Wireshark 4.0: data)', packet: ipxPacket(0, 0x0456, 0x4008, DIAG_RESPONSE, true), protocol: 'diag', name: 'IPX DIAG', reason: 'low-socket', tshark: 'IPX' },
  { why: 'to 0x9086: Novell ping (Wireshark 4.0: data)', packet: ipxPacket(4, 0x4008, 0x9086, PING_REQUEST), protocol: 'ping', name: 'IPX PING', reason: 'high-socket', tshark: 'IPX' },
  { why: 'type 5 with socket 0x4003: IPX MSG claims it before the packet type', packet: ipxPacket(5, 0x4003, 0x5000, SPX_DATA), protocol: 'data', name: 'IPX MSG', reason: 'low-socket', tshark: 'IPX MSG' },
  { why: '0x0452 with 0x0551 as the higher socket: only 0x0551 is tried (NMPI)', packet: ipxPacket(4, 0x0452, 0x0551, SAP_QUERY), protocol: 'data', name: 'NMPI', reason: 'high-socket', tshark: 'NMPI' },
  { why: '0x0452 with 0x0553: the exception is 0x0551 only, SAP', packet: ipxPacket(4, 0x0452, 0x0553, SAP_QUERY), protocol: 'sap', name: 'IPX SAP', reason: 'low-socket', tshark: 'IPX SAP' },
  { why: 'type 0 between unregistered sockets: data', packet: ipxPacket(0, 0x5000, 0x5001, bytes('0102')), protocol: 'data', name: 'IPX', reason: 'none', tshark: 'IPX' }
]

const dispatches = test.macro({
  exec (t, c: Case) {
    const d = upper.classify(c.packet.header)
    t.is(d.protocol, c.protocol)
    t.is(d.name, c.name)
    t.is(d.reason, c.reason)
    const u = upper.decodeUpper(c.packet)
    t.is(u.protocol, c.protocol)
    t.is(u.name, c.name)
    t.is(typeof upper.describeUpper(u), 'string')
    if (u.protocol === 'data') t.deepEqual(u.value, c.packet.payload)
  },
  title: (_p, c: Case) => `dispatch: ${c.why}`
})

for (const c of CASES) test(dispatches, c)

test('diagnostics direction: to 0x0456 is a request, from it a response', t => {
  const req = upper.decodeUpper(CASES[8]!.packet)
  const res = upper.decodeUpper(CASES[9]!.packet)
  t.true(req.protocol === 'diag' && req.value.kind === 'request')
  t.true(res.protocol === 'diag' && res.value.kind === 'response' && res.value.componentCount === 3)
})

test('the decoded values are the codecs\' own', t => {
  const s = upper.decodeUpper(CASES[4]!.packet)
  t.true(s.protocol === 'spx' && s.value.header.srcConnectionId === 0x1234 && s.value.data.toString() === 'hello')
  const n = upper.decodeUpper(CASES[6]!.packet)
  t.true(n.protocol === 'ncp' && n.value.kind === 'request' && n.value.function === 0x21)
  const p = upper.decodeUpper(CASES[10]!.packet)
  t.true(p.protocol === 'ping' && p.value.pingId === 1)
})

const rejects = test.macro({
  exec (t, packet: IpxPacket, protocol: ProtocolName, code: DecodeErrorCode) {
    const err = t.throws(() => upper.decodeUpper(packet), { instanceOf: DecodeError })
    t.is(err?.protocol, protocol)
    t.is(err?.code, code)
  },
  title: (_p, _pk, protocol: ProtocolName, code: DecodeErrorCode) => `a malformed ${protocol} payload throws ${code}`
})

test(rejects, ipxPacket(5, 0x5000, 0x5001, bytes('50 05 1234')), 'spx', 'IPX_ERR_TRUNCATED')
test(rejects, ipxPacket(17, 0x4008, 0x0451, bytes('2222 01')), 'ncp', 'IPX_ERR_TRUNCATED')
test(rejects, ipxPacket(4, 0x4008, 0x0452, bytes('00')), 'sap', 'IPX_ERR_TRUNCATED')
test(rejects, ipxPacket(1, 0x0453, 0x0453, bytes('0002 00000001 0001')), 'rip', 'IPX_ERR_BAD_ENTRY_SIZE')
test(rejects, ipxPacket(4, 0x4008, 0x0455, bytes('00')), 'netbios', 'IPX_ERR_TRUNCATED')
test(rejects, ipxPacket(0, 0x4008, 0x0456, bytes('51')), 'diag', 'IPX_ERR_BAD_VALUE')
test(rejects, ipxPacket(4, 0x4008, 0x9086, bytes('506f6e67 01 00 0001 00 00')), 'ping', 'IPX_ERR_BAD_VALUE')

test('property: random bytes after a valid IPX header yield a decoded upper layer or a DecodeError', t => {
  const socket = fc.oneof(fc.constantFrom(0x0451, 0x0452, 0x0453, 0x0455, 0x0456, 0x0551, 0x4003, 0x9086, 0x5000), fc.integer({ min: 0, max: 0xffff }))
  const type = fc.oneof(fc.constantFrom(0, 4, 5, 17, 20), fc.integer({ min: 0, max: 0xff }))
  let decoded = 0
  let rejected = 0
  fc.assert(fc.property(type, socket, socket, fc.uint8Array({ maxLength: 120 }), (pt, s, d, payload) => {
    // Through the real IPX codec, so the payload is exactly what ipx.packet.decode hands over.
    const wire = ipx.packet.encode(ipxPacket(pt, s, d, Buffer.from(payload)))
    const packet = ipx.packet.decode(wire)
    try {
      const u = upper.decodeUpper(packet)
      t.is(u.protocol, upper.classify(packet.header).protocol)
      decoded++
    } catch (err) {
      t.true(err instanceof DecodeError, String(err))
      rejected++
    }
  }), { numRuns: 1000 })
  t.true(decoded > 0 && rejected > 0, `decoded ${decoded}, rejected ${rejected}`)
})

const tsharkMissing = realMissing({ tools: ['tshark'] })
const tsharkTest = tsharkMissing === undefined ? test : test.skip

tsharkTest(`tshark 4.0 dispatches every case to the same protocol${tsharkMissing !== undefined ? ` (skipped: ${tsharkMissing})` : ''}`, t => {
  if (!requireReal(t, { tools: ['tshark'] })) return
  const rows = tsharkFields(CASES.map(c => c.packet), ['_ws.col.Protocol'])
  t.is(rows.length, CASES.length)
  rows.forEach((row, i) => t.is(row['_ws.col.Protocol'], CASES[i]!.tshark, CASES[i]!.why))
})
