import test from 'ava'
import fc from 'fast-check'
import { spx, DecodeError, EncodeError, layoutTable } from '../../protocol/index.js'
import type { SpxPacket } from '../../protocol/spx.js'
import type { DecodeErrorCode, EncodeErrorCode } from '../../protocol/errors.js'
import { realMissing, requireReal } from '../_env.js'
import { bytes, ipxPacket, num, tsharkBadFrames, tsharkFields } from './_tshark-upper.js'

interface Fixture { hex: string, value: SpxPacket, fromServer: boolean }

/** Crafted sessions: SPX (connect, ack, data, end of connection) and SPX II (connect, data). */
const FIXTURES: Fixture[] = [
  {
    // Connect request: system + send ack, destination ID unknown (0xFFFF).
    hex: 'c0 00 1234 ffff 0000 0000 0003',
    value: { header: { connectionControl: 0xc0, datastreamType: 0, srcConnectionId: 0x1234, dstConnectionId: 0xffff, sequence: 0, acknowledge: 0, allocation: 3 }, data: Buffer.alloc(0) },
    fromServer: false
  },
  {
    // Connect acknowledgement: system packet from the listener, which chose ID 0x5678.
    hex: '80 00 5678 1234 0000 0000 0004',
    value: { header: { connectionControl: 0x80, datastreamType: 0, srcConnectionId: 0x5678, dstConnectionId: 0x1234, sequence: 0, acknowledge: 0, allocation: 4 }, data: Buffer.alloc(0) },
    fromServer: true
  },
  {
    // Data, acknowledgment required, end of message, application datastream type 0x05.
    hex: '50 05 1234 5678 0000 0000 0003 68656c6c6f',
    value: { header: { connectionControl: 0x50, datastreamType: 5, srcConnectionId: 0x1234, dstConnectionId: 0x5678, sequence: 0, acknowledge: 0, allocation: 3 }, data: Buffer.from('hello') },
    fromServer: false
  },
  {
    // Acknowledgement of that data (system packet, ack 1).
    hex: '80 00 5678 1234 0000 0001 0004',
    value: { header: { connectionControl: 0x80, datastreamType: 0, srcConnectionId: 0x5678, dstConnectionId: 0x1234, sequence: 0, acknowledge: 1, allocation: 4 }, data: Buffer.alloc(0) },
    fromServer: true
  },
  {
    // End of connection (datastream 0xFE), acknowledgment required.
    hex: '50 fe 1234 5678 0001 0001 0003',
    value: { header: { connectionControl: 0x50, datastreamType: 0xfe, srcConnectionId: 0x1234, dstConnectionId: 0x5678, sequence: 1, acknowledge: 1, allocation: 3 }, data: Buffer.alloc(0) },
    fromServer: false
  },
  {
    // End-of-connection acknowledgment (datastream 0xFF).
    hex: '00 ff 5678 1234 0001 0002 0004',
    value: { header: { connectionControl: 0x00, datastreamType: 0xff, srcConnectionId: 0x5678, dstConnectionId: 0x1234, sequence: 1, acknowledge: 2, allocation: 4 }, data: Buffer.alloc(0) },
    fromServer: true
  },
  {
    // SPX II connect request: system, send ack, SPX II, negotiate size; dst 0xFFFF → no negotiation size.
    hex: 'cc 00 2001 ffff 0000 0000 0007',
    value: { header: { connectionControl: 0xcc, datastreamType: 0, srcConnectionId: 0x2001, dstConnectionId: 0xffff, sequence: 0, acknowledge: 0, allocation: 7 }, data: Buffer.alloc(0) },
    fromServer: false
  },
  {
    // SPX II connect acknowledgement: destination known, so the 14-byte header with negotiation size 1500.
    hex: 'cc 00 3001 2001 0000 0000 0007 05dc',
    value: { header: { connectionControl: 0xcc, datastreamType: 0, srcConnectionId: 0x3001, dstConnectionId: 0x2001, sequence: 0, acknowledge: 0, allocation: 7, negotiationSize: 1500 }, data: Buffer.alloc(0) },
    fromServer: true
  },
  {
    // SPX II data with end of message; negotiation size 0 outside negotiation.
    hex: '58 00 2001 3001 0000 0000 0007 0000 0102030405060708',
    value: { header: { connectionControl: 0x58, datastreamType: 0, srcConnectionId: 0x2001, dstConnectionId: 0x3001, sequence: 0, acknowledge: 0, allocation: 7, negotiationSize: 0 }, data: bytes('0102030405060708') },
    fromServer: false
  }
]

const roundTrip = test.macro({
  exec (t, f: Fixture) {
    const buf = bytes(f.hex)
    t.deepEqual(spx.decode(buf), f.value)
    const out = spx.encode(f.value)
    t.deepEqual(out, buf)
    t.is(spx.encodingLength(f.value), out.length)
    const big = Buffer.alloc(out.length + 8, 0xee)
    t.is(spx.encode(f.value, big, 3), big, 'encode at an offset returns the same buffer')
    t.deepEqual(big.subarray(3, 3 + out.length), out)
    t.is(big[2], 0xee)
    t.is(big[3 + out.length], 0xee)
    t.deepEqual(spx.decode(big.subarray(0, 3 + out.length), 3), f.value, 'decode at an offset')
    t.deepEqual(spx.encode(f.value), out, 'a second encode is identical')
  },
  title: (_p, f: Fixture) => `round trip: ${spx.describeSpx(f.value)}`
})

for (const f of FIXTURES) test(roundTrip, f)

test('the negotiation size is read exactly when Wireshark reads it (SPX II bit and dst != 0xFFFF)', t => {
  t.true(spx.hasNegotiationSize(0x08, 0x0001))
  t.false(spx.hasNegotiationSize(0x08, 0xffff))
  t.false(spx.hasNegotiationSize(0xf7, 0x0001))
  t.is(spx.headerLength({ connectionControl: 0x88, dstConnectionId: 1 }), 14)
  t.is(spx.headerLength({ connectionControl: 0x80, dstConnectionId: 1 }), 12)
})

test('flags, connection-control and datastream names follow Wireshark', t => {
  t.deepEqual(spx.spxFlags(0xcc), { system: true, sendAck: true, attention: false, endOfMessage: false, spx2: true, negotiateSize: true, reserved: false, extendedHeader: false })
  t.deepEqual(spx.spxFlags(0x33), { system: false, sendAck: false, attention: true, endOfMessage: true, spx2: false, negotiateSize: false, reserved: true, extendedHeader: true })
  t.is(spx.connectionControlName(0xc8), 'System Packet: Send Ack')
  t.is(spx.connectionControlName(0x50), 'Send Ack: End Message')
  t.is(spx.connectionControlName(0x30), 'Unknown')
  t.is(spx.datastreamTypeName(0xfe), 'End-of-Connection')
  t.is(spx.datastreamTypeName(0xff), 'End-of-Connection Acknowledgment')
  t.is(spx.datastreamTypeName(5), '0x05')
})

test('the layouts document the Wireshark field names', t => {
  const table = layoutTable(spx.SPX2_HEADER)
  for (const name of ['spx.ctl', 'spx.type', 'spx.src', 'spx.dst', 'spx.seq', 'spx.ack', 'spx.alloc', 'spx.neg_size']) t.true(table.includes('`' + name + '`'), name)
  t.is(spx.SPX_HEADER.length, spx.SPX_HEADER_LENGTH)
  t.is(spx.SPX2_HEADER.length, spx.SPX2_HEADER_LENGTH)
})

const rejects = test.macro({
  exec (t, hex: string, code: DecodeErrorCode, at: number) {
    const err = t.throws(() => spx.decode(bytes(hex)), { instanceOf: DecodeError })
    t.is(err?.code, code)
    t.is(err?.protocol, 'spx')
    t.is(err?.offset, at)
  },
  title: (_p, hex: string, code: DecodeErrorCode) => `rejects ${code}: ${hex === '' ? '(empty)' : hex}`
})

test(rejects, '', 'IPX_ERR_TRUNCATED', 0)
test(rejects, 'c0 00 1234 ffff 0000 0000 00', 'IPX_ERR_TRUNCATED', 11)
test(rejects, '88 00 3001 2001 0000 0000 0007', 'IPX_ERR_TRUNCATED', 12)
test(rejects, '88 00 3001 2001 0000 0000 0007 05', 'IPX_ERR_TRUNCATED', 13)

const encodeRejects = test.macro({
  exec (t, value: SpxPacket, code: EncodeErrorCode, buf: Buffer | undefined, _why: string) {
    const err = t.throws(() => spx.encode(value, buf), { instanceOf: EncodeError })
    t.is(err?.code, code)
  },
  title: (_p, _v, code: EncodeErrorCode, _b, why: string) => `encode rejects ${code}: ${why}`
})

const base = FIXTURES[2]!.value.header
test(encodeRejects, { header: { ...base, connectionControl: 0x58 }, data: Buffer.alloc(0) }, 'IPX_ERR_FIELD_RANGE', undefined, 'SPX II without negotiation size')
test(encodeRejects, { header: { ...base, negotiationSize: 576 }, data: Buffer.alloc(0) }, 'IPX_ERR_FIELD_RANGE', undefined, 'negotiation size on an SPX I packet')
test(encodeRejects, { header: { ...base, sequence: 0x10000 }, data: Buffer.alloc(0) }, 'IPX_ERR_FIELD_RANGE', undefined, 'sequence above 16 bits')
test(encodeRejects, { header: base, data: Buffer.alloc(1) }, 'IPX_ERR_BUFFER_TOO_SMALL', Buffer.alloc(12), 'buffer one byte short')

const u8 = fc.integer({ min: 0, max: 0xff })
const u16 = fc.integer({ min: 0, max: 0xffff })
const packetArb: fc.Arbitrary<SpxPacket> = fc.record({
  connectionControl: u8, datastreamType: u8, srcConnectionId: u16,
  dstConnectionId: fc.oneof(u16, fc.constant(0xffff)), sequence: u16, acknowledge: u16, allocation: u16,
  neg: u16, data: fc.uint8Array({ maxLength: 64 })
}).map(({ neg, data, ...h }) => ({
  header: spx.hasNegotiationSize(h.connectionControl, h.dstConnectionId) ? { ...h, negotiationSize: neg } : h,
  data: Buffer.from(data)
}))

test('property: any valid SPX packet round-trips', t => {
  fc.assert(fc.property(packetArb, p => {
    const out = spx.encode(p)
    t.deepEqual(spx.decode(out), p)
    t.is(out.length, spx.encodingLength(p))
  }), { numRuns: 300 })
})

test('property: random bytes decode or throw DecodeError, nothing else', t => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), raw => {
    try {
      const p = spx.decode(Buffer.from(raw))
      t.deepEqual(spx.encode(p), Buffer.from(raw))
    } catch (err) {
      t.true(err instanceof DecodeError)
    }
  }), { numRuns: 500 })
})

const tsharkMissing = realMissing({ tools: ['tshark'] })
const tsharkTest = tsharkMissing === undefined ? test : test.skip

tsharkTest(`tshark decodes every crafted SPX frame to the same fields${tsharkMissing !== undefined ? ` (skipped: ${tsharkMissing})` : ''}`, t => {
  if (!requireReal(t, { tools: ['tshark'] })) return
  // Dynamic sockets 0x5000/0x5001: no socket dissector claims them, so packet type 5 decides.
  const packets = FIXTURES.map(f => f.fromServer
    ? ipxPacket(5, 0x5001, 0x5000, bytes(f.hex), true)
    : ipxPacket(5, 0x5000, 0x5001, bytes(f.hex)))
  const rows = tsharkFields(packets, ['_ws.col.Protocol', 'spx.ctl', 'spx.type', 'spx.src', 'spx.dst', 'spx.seq', 'spx.ack', 'spx.alloc', 'spx.neg_size',
    'spx.ctl.sys', 'spx.ctl.send_ack', 'spx.ctl.attn', 'spx.ctl.eom', 'spx.ctl.v2', 'spx.ctl.neg_size', 'spx.ctl.reserved', 'spx.ctl.ext_header', 'data.len'])
  t.is(rows.length, FIXTURES.length)
  rows.forEach((row, i) => {
    const f = FIXTURES[i]!
    const h = f.value.header
    const flags = spx.spxFlags(h.connectionControl)
    const what = `frame ${i + 1}: ${spx.describeSpx(f.value)}`
    t.is(row['_ws.col.Protocol'], 'SPX', what)
    // TShark 4.0.17 registers spx.ctl with mask 0xF0, so it prints the high nibble (0xC0 → 0x0c);
    // the low bits appear as spx.ctl.v2 / neg_size / reserved / ext_header, and only on SPX II packets.
    t.is(num(row['spx.ctl']), h.connectionControl >> 4, what)
    t.is(num(row['spx.type']), h.datastreamType, what)
    t.is(num(row['spx.src']), h.srcConnectionId, what)
    t.is(num(row['spx.dst']), h.dstConnectionId, what)
    t.is(num(row['spx.seq']), h.sequence, what)
    t.is(num(row['spx.ack']), h.acknowledge, what)
    t.is(num(row['spx.alloc']), h.allocation, what)
    t.is(row['spx.neg_size'] === '' ? undefined : num(row['spx.neg_size']), h.negotiationSize, what)
    t.is(row['spx.ctl.sys'] === '1', flags.system, what)
    t.is(row['spx.ctl.send_ack'] === '1', flags.sendAck, what)
    t.is(row['spx.ctl.attn'] === '1', flags.attention, what)
    t.is(row['spx.ctl.eom'] === '1', flags.endOfMessage, what)
    if (flags.spx2) {
      t.is(row['spx.ctl.v2'], '1', what)
      t.is(row['spx.ctl.neg_size'] === '1', flags.negotiateSize, what)
      t.is(row['spx.ctl.reserved'] === '1', flags.reserved, what)
      t.is(row['spx.ctl.ext_header'] === '1', flags.extendedHeader, what)
    } else {
      t.is(row['spx.ctl.v2'], '', what)
    }
    t.is(row['data.len'] === '' ? 0 : num(row['data.len']), f.value.data.length, what)
  })
  t.deepEqual(tsharkBadFrames(packets), [])
})
