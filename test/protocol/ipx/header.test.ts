import test from 'ava'
import fc from 'fast-check'
import { ipx, DecodeError, EncodeError, isDecodeError, isEncodeError, layoutTable } from '../../../protocol/index.js'
import type { IpxHeader } from '../../../protocol/ipx/header.js'
import { oracleDecode, oracleEncode } from './_oracle.js'
import * as arb from './_arbitrary.js'

/** A SAP response header as it appears in frame 3 of tcpdump's ipx.pcap (tshark: ipx.len 96, type 0x04). */
const SAP_HEX = 'ffff 0060 00 04 00000000 ffffffffffff 0452 a8f87967 000000000001 4008'
const SAP: IpxHeader = {
  checksum: 0xffff,
  length: 96,
  transportControl: 0,
  packetType: 4,
  dst: { network: 0, node: 0xffffffffffff, socket: 0x0452 },
  src: { network: 0xa8f87967, node: 1, socket: 0x4008 }
}
const NCP_HEX = '1234 001e 02 11 00000028 00aa00a3e3a4 0451 00000001 020000000001 4003'
const NCP: IpxHeader = {
  checksum: 0x1234,
  length: 30,
  transportControl: 2,
  packetType: 17,
  dst: { network: 0x28, node: 0x00aa00a3e3a4, socket: 0x0451 },
  src: { network: 1, node: 0x020000000001, socket: 0x4003 }
}

function bytes (hex: string, extra = 0): Buffer {
  const b = Buffer.from(hex.replace(/\s+/g, ''), 'hex')
  return Buffer.concat([b, Buffer.alloc(extra)])
}

const roundTrip = test.macro({
  exec (t, hex: string, value: IpxHeader) {
    const buf = bytes(hex, value.length - 30)
    t.deepEqual(ipx.header.decode(buf), value)
    const out = ipx.header.encode(value)
    t.deepEqual(out, buf.subarray(0, 30))
    t.is(ipx.header.encodingLength(value), out.length)
    const big = Buffer.alloc(40, 0xee)
    t.is(ipx.header.encode(value, big, 7), big, 'encode at an offset returns the same buffer')
    t.deepEqual(big.subarray(7, 37), out)
    t.is(big[6], 0xee)
    t.is(big[37], 0xee)
    t.deepEqual(ipx.header.encode(value), out, 'a second encode is identical')
  },
  title: (_provided, _hex: string, value: IpxHeader) => `round trip: ${ipx.describeHeader(value)}`
})

test(roundTrip, SAP_HEX, SAP)
test(roundTrip, NCP_HEX, NCP)

const rejects = test.macro({
  exec (t, buf: Buffer, offset: number, code: string, at: number) {
    const err = t.throws(() => ipx.header.decode(buf, offset), { instanceOf: DecodeError })
    t.is(err?.code as string | undefined, code)
    t.is(err?.protocol, 'ipx')
    t.is(err?.offset, at)
  },
  title: (_p, _b, _o, code: string, at: number) => `rejects ${code} at ${at}`
})

test(rejects, bytes(SAP_HEX).subarray(0, 29), 0, 'IPX_ERR_TRUNCATED', 29)
test(rejects, Buffer.alloc(0), 0, 'IPX_ERR_TRUNCATED', 0)
test(rejects, bytes('ffff 001d 00 11 8dc23c00 18003e2b6856 402b 0a8808aa 000000000001 0451'), 0, 'IPX_ERR_BAD_LENGTH', 2)
test(rejects, bytes(SAP_HEX), 0, 'IPX_ERR_LENGTH_BEYOND_DATA', 2)
test(rejects, Buffer.concat([Buffer.alloc(5), bytes(SAP_HEX, 10)]), 5, 'IPX_ERR_LENGTH_BEYOND_DATA', 7)

test('a checksum is verified only when asked, and FFFF always passes', t => {
  const buf = bytes(SAP_HEX, 66)
  t.notThrows(() => ipx.header.decode(buf, 0, { verifyChecksum: true }))
  buf.writeUInt16BE(0x1234, 0)
  t.notThrows(() => ipx.header.decode(buf))
  const err = t.throws(() => ipx.header.decode(buf, 0, { verifyChecksum: true }), { instanceOf: DecodeError })
  t.is(err?.code, 'IPX_ERR_BAD_CHECKSUM')
  buf.writeUInt16BE(ipx.computeChecksum(buf, 0, 96), 0)
  t.notThrows(() => ipx.header.decode(buf, 0, { verifyChecksum: true }))
})

test('the checksum ignores transport control, as routers change it (Linux ipx_cksum)', t => {
  const buf = bytes(NCP_HEX)
  const before = ipx.computeChecksum(buf, 0, 30)
  buf[4] = 9
  t.is(ipx.computeChecksum(buf, 0, 30), before)
  buf[5] = 4
  t.not(ipx.computeChecksum(buf, 0, 30), before)
})

test('checksum of a hand-summed header', t => {
  // Words from offset 2: 001e, 0011 (tc masked), 0000, 0028, 00aa, 00a3, e3a4, 0451, 0000, 0001,
  // 0200, 0000, 0001, 4003. Sum = 0x12b9e; folded 0x2b9f; complement 0xd460.
  t.is(ipx.computeChecksum(bytes(NCP_HEX), 0, 30), 0xd460)
})

test('an odd-length packet checksums its last byte as the high half of a word', t => {
  const buf = bytes('ffff 001f 00 00 00000000 000000000000 0000 00000000 000000000000 0000 01')
  // Words: 001f + 0100 = 0x011f; complement 0xfee0.
  t.is(ipx.computeChecksum(buf, 0, 31), 0xfee0)
})

const encodeRejects = test.macro({
  exec (t, patch: (h: IpxHeader) => IpxHeader, field: string) {
    const err = t.throws(() => ipx.header.encode(patch(structuredClone(NCP))), { instanceOf: EncodeError })
    t.is(err?.code, 'IPX_ERR_FIELD_RANGE')
    t.is(err?.field, field)
  },
  title: (_p, _f, field: string) => `encode refuses an out-of-range ${field}`
})
test(encodeRejects, h => ({ ...h, dst: { ...h.dst, socket: 0x10000 } }), 'dst.socket')
test(encodeRejects, h => ({ ...h, src: { ...h.src, node: 2 ** 48 } }), 'src.node')
test(encodeRejects, h => ({ ...h, transportControl: -1 }), 'transportControl')
test(encodeRejects, h => ({ ...h, dst: { ...h.dst, network: 1.5 } }), 'dst.network')

test('encode into a buffer too small is an EncodeError', t => {
  const err = t.throws(() => ipx.header.encode(NCP, Buffer.alloc(35), 6), { instanceOf: EncodeError })
  t.is(err?.code, 'IPX_ERR_BUFFER_TOO_SMALL')
})

test('type guards', t => {
  t.true(isDecodeError(new DecodeError('ipx', 'IPX_ERR_TRUNCATED', 0, 'x')))
  t.false(isDecodeError(new RangeError('x')))
  t.true(isEncodeError(new EncodeError('ipx', 'IPX_ERR_FIELD_RANGE', 'x')))
  t.false(isEncodeError(new DecodeError('ipx', 'IPX_ERR_TRUNCATED', 0, 'x')))
})

test('property: any header round-trips and agrees with the DataView oracle', t => {
  fc.assert(fc.property(arb.header, h => {
    const buf = Buffer.concat([ipx.header.encode(h), Buffer.alloc(h.length - 30)])
    t.deepEqual(Buffer.from(oracleEncode(h)), buf.subarray(0, 30))
    t.deepEqual(ipx.header.decode(buf), h)
    t.deepEqual(oracleDecode(buf), h)
  }), { numRuns: 300 })
})

test('property: random bytes either decode or throw DecodeError', t => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(90), (raw, offset) => {
    try {
      ipx.packet.decode(Buffer.from(raw), offset)
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err
    }
  }), { numRuns: 2000 })
  t.pass('no other exception escaped')
})

test('property: the peek agrees with the full decoder, and with its length rules', t => {
  const out = ipx.createPeek()
  fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), raw => {
    const buf = Buffer.from(raw)
    const r = ipx.peekHeader(buf, 0, out)
    let h: IpxHeader | undefined
    try { h = ipx.header.decode(buf) } catch (err) { if (!(err instanceof DecodeError)) throw err }
    t.is(r === ipx.PeekResult.Ok, h !== undefined)
    if (h !== undefined) {
      t.deepEqual(out, {
        length: h.length, transportControl: h.transportControl, packetType: h.packetType,
        dstNetwork: h.dst.network, dstNode: h.dst.node, dstSocket: h.dst.socket,
        srcNetwork: h.src.network, srcNode: h.src.node, srcSocket: h.src.socket
      })
    }
  }), { numRuns: 2000 })
})

test('the peek offsets are the layout offsets', t => {
  for (const f of ipx.IPX_HEADER.fields) {
    const key = f.name.replace(/\.(\w)/, (_m, c: string) => c.toUpperCase()) as keyof typeof ipx.IpxOffset
    t.is(ipx.IpxOffset[key] as number, f.offset, f.name)
  }
})

test('packet: payload is sliced to the IPX length, never the trailer', t => {
  const p = ipx.packet.makePacket({ packetType: 4, dst: SAP.dst, src: SAP.src }, Buffer.from('abcdef'))
  const wire = Buffer.concat([ipx.packet.encode(p), Buffer.from([0, 0, 0, 0x1d])])
  const back = ipx.packet.decode(wire)
  t.deepEqual(back.payload, Buffer.from('abcdef'))
  t.is(back.header.length, 36)
  const err = t.throws(() => ipx.packet.encode({ ...p, header: { ...p.header, length: 40 } }), { instanceOf: EncodeError })
  t.is(err?.field, 'length')
})

test('property: any packet round-trips', t => {
  fc.assert(fc.property(arb.packet(), p => {
    const wire = ipx.packet.encode(p)
    t.is(wire.length, ipx.packet.encodingLength(p))
    t.deepEqual(ipx.packet.decode(wire), p)
  }), { numRuns: 300 })
})

test('addresses print as NNNNNNNN:NNNNNNNNNNNN:SSSS and parse from that and tshark form', t => {
  t.is(ipx.formatIpxAddress(NCP.dst), '00000028:00AA00A3E3A4:0451')
  t.deepEqual(ipx.parseIpxAddress('00000028:00AA00A3E3A4:0451'), NCP.dst)
  t.deepEqual(ipx.parseIpxAddress('00000028.00aa00a3e3a4'), { ...NCP.dst, socket: 0 })
  t.deepEqual(ipx.parseIpxAddress('0x00000028.00aa00a3e3a4.0451'), NCP.dst)
  t.is(ipx.parseIpxAddress('28:aa:0451'), undefined)
  t.is(ipx.parseIpxAddress('nonsense'), undefined)
  t.is(ipx.parseIpxAddress('000000028:00AA00A3E3A4:0451'), undefined)
  t.is(ipx.formatNode(0x00aa00a3e3a4), '00:aa:00:a3:e3:a4')
  t.is(ipx.parseNode('00:aa:00:a3:e3:a4'), 0x00aa00a3e3a4)
  t.is(ipx.parseNode('00:aa:00:a3:e3'), undefined)
  fc.assert(fc.property(arb.address, a => { t.deepEqual(ipx.parseIpxAddress(ipx.formatIpxAddress(a)), a) }), { numRuns: 200 })
})

test('the book table is derived from the same field list', t => {
  const table = layoutTable(ipx.IPX_HEADER)
  t.regex(table, /^\| 10 \| 6 \| `dst.node` \| `ipx.dst.node` \|/m)
  t.regex(table, /^\| 4 \| 1 \| `transportControl` \| `ipx.hops` \|/m)
  t.is(ipx.IPX_HEADER.length, 30)
})
