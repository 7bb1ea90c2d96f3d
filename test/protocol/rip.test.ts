import test from 'ava'
import fc from 'fast-check'
import { rip, ipx, hex, DecodeError, EncodeError } from '../../protocol/index.js'
import type { DecodeErrorCode, EncodeErrorCode } from '../../protocol/index.js'
import type { RipEntry, RipMessage } from '../../protocol/rip.js'
import { realMissing, requireReal } from '../_env.js'
import { CAPTURES, readIpxFrames, readTsharkCsv, dispatchSocket, cell } from './_real-frames.js'

function bytes (text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex')
}

const roundTrip = test.macro({
  exec (t, hexText: string, value: RipMessage) {
    const buf = bytes(hexText)
    t.deepEqual(rip.decode(buf), value)
    t.deepEqual(rip.decodeLenient(buf), { message: value, trailing: 0 })
    const out = rip.encode(value)
    t.deepEqual(out, buf)
    t.is(rip.encodingLength(value), out.length)
    const big = Buffer.alloc(out.length + 7, 0xee)
    t.is(rip.encode(value, big, 3), big, 'encode at an offset returns the same buffer')
    t.deepEqual(big.subarray(3, 3 + out.length), out)
    t.is(big[2], 0xee)
    t.is(big[3 + out.length], 0xee)
    t.deepEqual(rip.decode(big.subarray(0, 3 + out.length), 3), value, 'decode at an offset')
    t.deepEqual(rip.encode(value), out, 'a second encode is identical')
  },
  title: (_p, _h, value: RipMessage) => `round trip: ${rip.describeRip(value)}`
})

// Frame 5 of tcpdump's ipx.pcap (tshark `ipxrip_raw` 0002a8f8796700010002).
test(roundTrip, '0002 a8f87967 0001 0002', { operation: 2, entries: [{ network: 0xa8f87967, hops: 1, ticks: 2 }] })
test(roundTrip, '0001 ffffffff ffff ffff', { operation: 1, entries: [{ network: 0xffffffff, hops: 0xffff, ticks: 0xffff }] })
test(roundTrip, '0002 00000010 0010 0000 00000011 0003 0005',
  { operation: 2, entries: [{ network: 0x10, hops: 16, ticks: 0 }, { network: 0x11, hops: 3, ticks: 5 }] })
test(roundTrip, '0002', { operation: 2, entries: [] })
test(roundTrip, '0007 00000001 0001 0001', { operation: 7, entries: [{ network: 1, hops: 1, ticks: 1 }] })

const rejects = test.macro({
  exec (t, hexText: string, code: DecodeErrorCode, at: number) {
    const err = t.throws(() => rip.decode(bytes(hexText)), { instanceOf: DecodeError })
    t.is(err?.code, code)
    t.is(err?.protocol, 'rip')
    t.is(err?.offset, at)
  },
  title: (_p, hexText: string, code: DecodeErrorCode, at: number) => `rejects ${code} at ${at}: ${hexText || '(empty)'}`
})

test(rejects, '', 'IPX_ERR_TRUNCATED', 0)
test(rejects, '00', 'IPX_ERR_TRUNCATED', 0)
test(rejects, '0002 a8f87967 0001', 'IPX_ERR_BAD_ENTRY_SIZE', 2)
test(rejects, '0002 a8f87967 0001 0002 ff', 'IPX_ERR_BAD_ENTRY_SIZE', 10)

test('decodeLenient ignores a partial last entry and reports its size', t => {
  t.deepEqual(rip.decodeLenient(bytes('0002 a8f87967 0001 0002 ffffff')),
    { message: { operation: 2, entries: [{ network: 0xa8f87967, hops: 1, ticks: 2 }] }, trailing: 3 })
  const err = t.throws(() => rip.decodeLenient(Buffer.alloc(1)), { instanceOf: DecodeError })
  t.is(err?.code, 'IPX_ERR_TRUNCATED')
})

test('a negative or past-the-end offset is a DecodeError', t => {
  for (const offset of [-1, 3, 50]) {
    const err = t.throws(() => rip.decode(bytes('0001'), offset), { instanceOf: DecodeError })
    t.is(err?.code, 'IPX_ERR_TRUNCATED')
  }
})

function response (n: number): RipMessage {
  return { operation: 2, entries: Array.from({ length: n }, (_, i) => ({ network: i + 1, hops: 1, ticks: 2 })) }
}

test('50 entries encode, 51 are refused (FreeBSD MAXRIPNETS) but decode', t => {
  const fifty = rip.encode(response(50))
  t.is(fifty.length, 2 + 50 * 8)
  t.is(rip.decode(Buffer.concat([fifty, fifty.subarray(2, 10)])).entries.length, 51)
  const err = t.throws(() => rip.encode(response(51)), { instanceOf: EncodeError })
  t.is(err?.code, 'IPX_ERR_TOO_LARGE')
  t.is(err?.field, 'entries')
})

const encodeRejects = test.macro({
  exec (t, _what: string, value: RipMessage, code: EncodeErrorCode, field: string | undefined) {
    const err = t.throws(() => rip.encode(value), { instanceOf: EncodeError })
    t.is(err?.code, code)
    t.is(err?.protocol, 'rip')
    t.is(err?.field, field)
  },
  title: (_p, what: string, _v, code: EncodeErrorCode) => `encode refuses ${what} with ${code}`
})
test(encodeRejects, 'an operation above 0xffff', { operation: 0x10000, entries: [] }, 'IPX_ERR_FIELD_RANGE', 'operation')
test(encodeRejects, 'a network above 2^32', { operation: 2, entries: [{ network: 2 ** 32, hops: 1, ticks: 1 }] }, 'IPX_ERR_FIELD_RANGE', 'network')
test(encodeRejects, 'fractional ticks', { operation: 2, entries: [{ network: 1, hops: 1, ticks: 1.5 }] }, 'IPX_ERR_FIELD_RANGE', 'ticks')

test('encode into a buffer too small is an EncodeError', t => {
  const err = t.throws(() => rip.encode(response(2), Buffer.alloc(17), 0), { instanceOf: EncodeError })
  t.is(err?.code, 'IPX_ERR_BUFFER_TOO_SMALL')
})

test('ticks print in milliseconds as Wireshark does (integer ticks * 1000 / 18)', t => {
  t.is(rip.ticksToMs(0), 0)
  t.is(rip.ticksToMs(1), 55)
  t.is(rip.ticksToMs(2), 111)
  t.is(rip.ticksToMs(18), 1000)
  t.is(rip.ticksToMs(0xffff), 3640833)
})

test('16 hops is unreachable; 0xFFFFFFFF in a request asks for every network', t => {
  t.true(rip.isUnreachable({ network: 1, hops: 16, ticks: 0 }))
  t.false(rip.isUnreachable({ network: 1, hops: 15, ticks: 0 }))
  t.is(rip.RIP_HOPS_UNREACHABLE, 16)
  t.is(rip.RIP_ALL_NETWORKS, 0xffffffff)
  t.is(rip.describeRip({ operation: 1, entries: [{ network: rip.RIP_ALL_NETWORKS, hops: 0xffff, ticks: 0xffff }] }), 'RIP Request all networks')
  t.regex(rip.describeEntry({ network: 1, hops: 16, ticks: 0 }), /unreachable$/)
})

test('operation names follow Wireshark; unknown ones read Unknown(0x....)', t => {
  t.is(rip.ripOperationName(1), 'Request')
  t.is(rip.ripOperationName(2), 'Response')
  t.is(rip.ripOperationName(3), 'Unknown(0x0003)')
})

// ---- properties ----

const u16 = fc.integer({ min: 0, max: 0xffff })
const entry: fc.Arbitrary<RipEntry> = fc.record({ network: fc.integer({ min: 0, max: 0xffffffff }), hops: u16, ticks: u16 })
const message: fc.Arbitrary<RipMessage> = fc.record({ operation: u16, entries: fc.array(entry, { maxLength: 50 }) })

test('property: any valid message round-trips', t => {
  fc.assert(fc.property(message, m => {
    const buf = rip.encode(m)
    t.is(buf.length, rip.encodingLength(m))
    t.deepEqual(rip.decode(buf), m)
  }), { numRuns: 300 })
})

test('property: random bytes after a valid IPX header decode or throw DecodeError only', t => {
  const outcomes = { decoded: 0, rejected: 0 }
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 0, max: 3 }), (payload, skip) => {
    const frame = ipx.packet.encode(ipx.packet.makePacket({
      packetType: 1, dst: { network: 0, node: 0xffffffffffff, socket: 0x0453 }, src: { network: 1, node: 2, socket: 0x0453 }
    }, Buffer.from(payload)))
    const body = ipx.packet.decode(frame).payload
    for (const run of [() => rip.decode(body, skip), () => rip.decodeLenient(body, skip)]) {
      try {
        run()
        outcomes.decoded++
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e
        outcomes.rejected++
      }
    }
  }), { numRuns: 500 })
  t.true(outcomes.decoded > 0 && outcomes.rejected > 0, 'both outcomes were exercised')
})

// ---- agreement with tshark on the real captures ----

for (const cap of CAPTURES) {
  const missing = realMissing({ shared: true })
  const register = missing === undefined ? test : test.skip
  register(`every RIP frame of ${cap.pcap} matches tshark field by field${missing !== undefined ? ` (${missing})` : ''}`, t => {
    if (!requireReal(t, { shared: true })) return
    const rows = new Map(readTsharkCsv(`${cap.tshark}.upper.csv`).map(r => [Number(r['frame.number']), r]))
    const info = new Map(readTsharkCsv(`${cap.tshark}.ipx.csv`).map(r => [Number(r['frame.number']), r]))
    const expected = [...rows.values()].filter(r => r['ipxrip.packet_type'] !== '').map(r => Number(r['frame.number']))
    const seen: number[] = []
    for (const f of readIpxFrames(cap.pcap)) {
      if (dispatchSocket(f.ipx) !== rip.RIP_SOCKET) continue
      seen.push(f.number)
      const row = rows.get(f.number)
      const m = rip.decode(f.ipx.payload)
      const join = (g: (e: RipEntry) => string): string => m.entries.map(g).join('|')
      t.is(String(m.operation), cell(row, 'ipxrip.packet_type'), `frame ${f.number} operation`)
      t.is(join(e => `0x${hex(e.network, 8)}`), cell(row, 'ipxrip.route_vector'), `frame ${f.number} route vector`)
      t.is(join(e => String(e.hops)), cell(row, 'ipxrip.hops'), `frame ${f.number} hops`)
      t.is(join(e => String(e.ticks)), cell(row, 'ipxrip.ticks'), `frame ${f.number} ticks`)
      t.is(rip.ripOperationName(m.operation), cell(info.get(f.number), '_ws.col.Info'), `frame ${f.number} Info`)
      t.deepEqual(rip.encode(m), f.ipx.payload, `frame ${f.number} re-encodes byte for byte`)
    }
    t.deepEqual(seen, expected)
  })
}
