import test from 'ava'
import fc from 'fast-check'
import { diag, DecodeError, EncodeError } from '../../protocol/index.js'
import type { DiagMessage } from '../../protocol/diag.js'
import type { DecodeErrorCode, EncodeErrorCode } from '../../protocol/errors.js'
import { realMissing, requireReal } from '../_env.js'
import { bytes, ipxPacket, num, tsharkBadFrames, tsharkFields } from './_tshark-upper.js'

interface Fixture { hex: string, value: DiagMessage }

const FIXTURES: Fixture[] = [
  { hex: '00', value: { kind: 'request', exclusions: [] } },
  { hex: '02 020000000003 020000000004', value: { kind: 'request', exclusions: [0x020000000003, 0x020000000004] } },
  {
    // A server: version 1.0, SPX diagnostic socket 0x4010, three components (IPX/SPX, router driver, LAN driver).
    hex: '01 00 4010 03 000102',
    value: { kind: 'response', majorVersion: 1, minorVersion: 0, spxDiagnosticSocket: 0x4010, componentCount: 3, components: bytes('000102') }
  },
  {
    // A client: version 1.1, two components (IPX/SPX, shell).
    hex: '01 01 4011 02 0003',
    value: { kind: 'response', majorVersion: 1, minorVersion: 1, spxDiagnosticSocket: 0x4011, componentCount: 2, components: bytes('0003') }
  }
]

const roundTrip = test.macro({
  exec (t, f: Fixture) {
    const buf = bytes(f.hex)
    t.deepEqual(diag.decode(buf, 0, f.value.kind), f.value)
    const out = diag.encode(f.value)
    t.deepEqual(out, buf)
    t.is(diag.encodingLength(f.value), out.length)
    const big = Buffer.alloc(out.length + 8, 0xee)
    t.is(diag.encode(f.value, big, 2), big, 'encode at an offset returns the same buffer')
    t.deepEqual(big.subarray(2, 2 + out.length), out)
    t.is(big[1], 0xee)
    t.is(big[2 + out.length], 0xee)
    t.deepEqual(diag.decode(big.subarray(0, 2 + out.length), 2, f.value.kind), f.value, 'decode at an offset')
    t.deepEqual(diag.encode(f.value), out, 'a second encode is identical')
  },
  title: (_p, f: Fixture) => `round trip: ${diag.describeDiag(f.value)}`
})

for (const f of FIXTURES) test(roundTrip, f)

test('a request ignores bytes after the listed exclusions (senders may send the whole 80-entry array)', t => {
  const buf = Buffer.concat([bytes('01 020000000003'), Buffer.alloc(79 * 6)])
  t.deepEqual(diag.decodeRequest(buf), { kind: 'request', exclusions: [0x020000000003] })
})

const rejects = test.macro({
  exec (t, hex: string, kind: DiagMessage['kind'], code: DecodeErrorCode, at: number, _why: string) {
    const err = t.throws(() => diag.decode(bytes(hex), 0, kind), { instanceOf: DecodeError })
    t.is(err?.code, code)
    t.is(err?.protocol, 'diag')
    t.is(err?.offset, at)
  },
  title: (_p, _hex, kind: string, code: DecodeErrorCode, _at, why: string) => `rejects ${kind} ${code}: ${why}`
})

test(rejects, '', 'request', 'IPX_ERR_TRUNCATED', 0, 'empty')
test(rejects, '51', 'request', 'IPX_ERR_BAD_VALUE', 0, '81 exclusions')
test(rejects, '02 020000000003', 'request', 'IPX_ERR_TRUNCATED', 7, 'second exclusion missing')
test(rejects, '01 00 40', 'response', 'IPX_ERR_TRUNCATED', 3, 'fixed part cut')
test(rejects, '01 00 4010 03 0001', 'response', 'IPX_ERR_TRUNCATED', 7, 'fewer bytes than components')

const encodeRejects = test.macro({
  exec (t, value: DiagMessage, code: EncodeErrorCode, buf: Buffer | undefined, _why: string) {
    const err = t.throws(() => diag.encode(value, buf), { instanceOf: EncodeError })
    t.is(err?.code, code)
  },
  title: (_p, _v, code: EncodeErrorCode, _b, why: string) => `encode rejects ${code}: ${why}`
})

test(encodeRejects, { kind: 'request', exclusions: new Array<number>(81).fill(1) }, 'IPX_ERR_TOO_LARGE', undefined, '81 exclusions')
test(encodeRejects, { kind: 'request', exclusions: [2 ** 48] }, 'IPX_ERR_FIELD_RANGE', undefined, 'node above 48 bits')
test(encodeRejects, { kind: 'response', majorVersion: 1, minorVersion: 0, spxDiagnosticSocket: 1, componentCount: 2, components: bytes('00') }, 'IPX_ERR_FIELD_RANGE', undefined, 'more components than bytes')
test(encodeRejects, { kind: 'response', majorVersion: 256, minorVersion: 0, spxDiagnosticSocket: 1, componentCount: 0, components: bytes('') }, 'IPX_ERR_FIELD_RANGE', undefined, 'version above 8 bits')
test(encodeRejects, FIXTURES[1]!.value, 'IPX_ERR_BUFFER_TOO_SMALL', Buffer.alloc(12), 'buffer one byte short')

const messageArb: fc.Arbitrary<DiagMessage> = fc.oneof(
  fc.array(fc.integer({ min: 0, max: 0xffffffffffff }), { maxLength: 80 }).map((exclusions): DiagMessage => ({ kind: 'request', exclusions })),
  fc.record({
    majorVersion: fc.integer({ min: 0, max: 255 }), minorVersion: fc.integer({ min: 0, max: 255 }),
    spxDiagnosticSocket: fc.integer({ min: 0, max: 0xffff }), components: fc.uint8Array({ maxLength: 40 }), extra: fc.nat()
  }).map(({ components, extra, ...r }): DiagMessage => ({ kind: 'response', ...r, componentCount: components.length === 0 ? 0 : extra % (components.length + 1), components: Buffer.from(components) }))
)

test('property: any valid diagnostics message round-trips', t => {
  fc.assert(fc.property(messageArb, m => {
    const out = diag.encode(m)
    t.deepEqual(diag.decode(out, 0, m.kind), m)
    t.is(out.length, diag.encodingLength(m))
  }), { numRuns: 300 })
})

test('property: random bytes decode or throw DecodeError, nothing else', t => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom<DiagMessage['kind']>('request', 'response'), (raw, kind) => {
    try {
      const m = diag.decode(Buffer.from(raw), 0, kind)
      t.is(m.kind, kind)
      if (m.kind === 'response') t.deepEqual(diag.encode(m), Buffer.from(raw))
    } catch (err) {
      t.true(err instanceof DecodeError)
    }
  }), { numRuns: 500 })
})

const tsharkMissing = realMissing({ tools: ['tshark'] })
const tsharkTest = tsharkMissing === undefined ? test : test.skip

tsharkTest(`tshark sees the crafted diagnostics frames as IPX to/from 0x0456 with the payload at the documented offsets${tsharkMissing !== undefined ? ` (skipped: ${tsharkMissing})` : ''}`, t => {
  if (!requireReal(t, { tools: ['tshark'] })) return
  // TShark 4.0 has no diagnostics dissector: check the IPX layer and the payload bytes it shows as data.
  const packets = FIXTURES.map(f => f.value.kind === 'request'
    ? ipxPacket(0, 0x4008, 0x0456, bytes(f.hex))
    : ipxPacket(0, 0x0456, 0x4008, bytes(f.hex), true))
  const rows = tsharkFields(packets, ['_ws.col.Protocol', 'ipx.len', 'ipx.packet_type', 'ipx.src.socket', 'ipx.dst.socket', 'data.data'])
  t.is(rows.length, FIXTURES.length)
  rows.forEach((row, i) => {
    const f = FIXTURES[i]!
    const what = diag.describeDiag(f.value)
    t.is(row['_ws.col.Protocol'], 'IPX', what)
    t.is(num(row['ipx.len']), 30 + diag.encodingLength(f.value), what)
    t.is(num(row['ipx.packet_type']), 0, what)
    t.is(num(f.value.kind === 'request' ? row['ipx.dst.socket'] : row['ipx.src.socket']), 0x0456, what)
    const payload = Buffer.from((row['data.data'] ?? '').replaceAll(':', ''), 'hex')
    t.deepEqual(payload, bytes(f.hex), what)
    const m = diag.decode(payload, 0, f.value.kind)
    if (m.kind === 'request') {
      t.is(payload[0], m.exclusions.length, what)
      m.exclusions.forEach((node, k) => t.is(payload.readUIntBE(1 + 6 * k, 6), node, what))
    } else {
      t.is(payload[0], m.majorVersion, what)
      t.is(payload[1], m.minorVersion, what)
      t.is(payload.readUInt16BE(2), m.spxDiagnosticSocket, what)
      t.is(payload[4], m.componentCount, what)
    }
  })
  t.deepEqual(tsharkBadFrames(packets), [])
})
