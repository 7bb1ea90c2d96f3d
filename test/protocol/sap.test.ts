import test from 'ava'
import fc from 'fast-check'
import { sap, ipx, hex, DecodeError, EncodeError } from '../../protocol/index.js'
import type { DecodeErrorCode, EncodeErrorCode } from '../../protocol/index.js'
import type { SapMessage, SapServer } from '../../protocol/sap.js'
import { formatNode } from '../../protocol/ipx/address.js'
import { realMissing, requireReal } from '../_env.js'
import { CAPTURES, readIpxFrames, readTsharkCsv, dispatchSocket, cell } from './_real-frames.js'

function bytes (text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex')
}

/** A name field: the ASCII name, then NULs up to 48 bytes. */
function nameHex (name: string): string {
  return Buffer.concat([Buffer.from(name, 'latin1'), Buffer.alloc(48 - name.length)]).toString('hex')
}

/** Frame 7 of tcpdump's ipx.pcap, the SAP body (tshark `ipxsap_raw`). */
const EKTA_HEX = '0002 064e' + nameHex('EKTA!!!!!!!!!!!A5569B20ABE511CE9CA400004C762832') + '00000000 001485accdad 4000 0001'
const EKTA: SapServer = {
  type: 0x064e,
  name: 'EKTA!!!!!!!!!!!A5569B20ABE511CE9CA400004C762832',
  network: 0,
  node: 0x001485accdad,
  socket: 0x4000,
  hops: 1,
  namePadding: 'clean'
}
const FS1: SapServer = { type: 0x0004, name: 'FS1', network: 0x0badcafe, node: 0x000000000001, socket: 0x0451, hops: 2, namePadding: 'clean' }
const DOWN: SapServer = { type: 0x0007, name: 'PS', network: 0x10, node: 0x0a0b0c0d0e0f, socket: 0x8060, hops: 16, namePadding: 'clean' }

const roundTrip = test.macro({
  exec (t, hexText: string, value: SapMessage) {
    const buf = bytes(hexText)
    t.deepEqual(sap.decode(buf), value)
    t.deepEqual(sap.decodeLenient(buf), { message: value, trailing: 0 })
    const out = sap.encode(value)
    t.deepEqual(out, buf)
    t.is(sap.encodingLength(value), out.length)
    const big = Buffer.alloc(out.length + 9, 0xee)
    t.is(sap.encode(value, big, 5), big, 'encode at an offset returns the same buffer')
    t.deepEqual(big.subarray(5, 5 + out.length), out)
    t.is(big[4], 0xee)
    t.is(big[5 + out.length], 0xee)
    t.deepEqual(sap.decode(big.subarray(0, 5 + out.length), 5), value, 'decode at an offset')
    t.deepEqual(sap.encode(value), out, 'a second encode is identical')
  },
  title: (_p, _h, value: SapMessage) => `round trip: ${sap.describeSap(value)}`
})

test(roundTrip, '0001 ffff', { operation: 1, serverType: 0xffff })
test(roundTrip, '0003 0004', { operation: 3, serverType: 0x0004 })
test(roundTrip, '0002', { operation: 2, servers: [] })
test(roundTrip, EKTA_HEX, { operation: 2, servers: [EKTA] })
test(roundTrip,
  '0004 0004' + nameHex('FS1') + '0badcafe 000000000001 0451 0002' + '0007' + nameHex('PS') + '00000010 0a0b0c0d0e0f 8060 0010',
  { operation: 4, servers: [FS1, DOWN] })
test(roundTrip, '0009 abcd', { operation: 9, data: bytes('abcd') })
test(roundTrip, '0000', { operation: 0, data: Buffer.alloc(0) })

const rejects = test.macro({
  exec (t, hexText: string, code: DecodeErrorCode, at: number) {
    const err = t.throws(() => sap.decode(bytes(hexText)), { instanceOf: DecodeError })
    t.is(err?.code, code)
    t.is(err?.protocol, 'sap')
    t.is(err?.offset, at)
  },
  title: (_p, hexText: string, code: string, at: number) => `rejects ${code} at ${at}: ${hexText.slice(0, 24) || '(empty)'}`
})

test(rejects, '', 'IPX_ERR_TRUNCATED', 0)
test(rejects, '00', 'IPX_ERR_TRUNCATED', 0)
test(rejects, '0001 ff', 'IPX_ERR_TRUNCATED', 3)
test(rejects, '0003', 'IPX_ERR_TRUNCATED', 2)
test(rejects, '0002' + '00'.repeat(63), 'IPX_ERR_BAD_ENTRY_SIZE', 2)
test(rejects, EKTA_HEX + '00'.repeat(10), 'IPX_ERR_BAD_ENTRY_SIZE', 66)

test('decodeLenient walks whole entries as Wireshark does and reports the partial one', t => {
  const r = sap.decodeLenient(bytes(EKTA_HEX + 'aa'.repeat(10)))
  t.deepEqual(r, { message: { operation: 2, servers: [EKTA] }, trailing: 10 })
  t.deepEqual(sap.decodeLenient(bytes('0004' + 'ff'.repeat(63))), { message: { operation: 4, servers: [] }, trailing: 63 })
  t.deepEqual(sap.decodeLenient(bytes('0001 0004 0000')), { message: { operation: 1, serverType: 4 }, trailing: 2 })
  const err = t.throws(() => sap.decodeLenient(bytes('00')), { instanceOf: DecodeError })
  t.is(err?.code, 'IPX_ERR_TRUNCATED')
})

test('strict decode ignores bytes after a 4-byte query (Wireshark does too)', t => {
  t.deepEqual(sap.decode(bytes('0001 0004 1234')), { operation: 1, serverType: 4 })
})

test('a negative or past-the-end offset is a DecodeError, not a RangeError', t => {
  for (const offset of [-1, 5, 100]) {
    const err = t.throws(() => sap.decode(bytes('0001 ffff'), offset), { instanceOf: DecodeError })
    t.is(err?.code, 'IPX_ERR_TRUNCATED')
  }
})

function response (n: number): SapMessage {
  return { operation: 2, servers: Array.from({ length: n }, (_, i) => ({ ...FS1, name: `FS${i}` })) }
}

test('more than 7 entries decode (a lint rule flags them) but do not encode (FreeBSD MAXSAPENTRIES)', t => {
  const seven = sap.encode(response(7))
  t.is(seven.length, 2 + 7 * 64)
  const eight = Buffer.concat([seven, seven.subarray(2, 66)])
  const m = sap.decode(eight)
  t.true(sap.isResponse(m) && m.servers.length === 8)
  const err = t.throws(() => sap.encode(response(8)), { instanceOf: EncodeError })
  t.is(err?.code, 'IPX_ERR_TOO_LARGE')
  t.is(err?.field, 'servers')
})

test('the name padding is reported: clean, dirty after the NUL, or no NUL at all', t => {
  const base = sap.encode({ operation: 2, servers: [FS1] })
  const dirty = Buffer.from(base)
  dirty[2 + 2 + 40] = 0x41
  const d = sap.decode(dirty)
  t.true(sap.isResponse(d))
  if (sap.isResponse(d)) t.deepEqual(d.servers[0], { ...FS1, namePadding: 'dirty' })
  const full = Buffer.from(base)
  full.fill(0x5a, 4, 4 + 48)
  const f = sap.decode(full)
  if (sap.isResponse(f)) t.deepEqual(f.servers[0], { ...FS1, name: 'Z'.repeat(48), namePadding: 'none' })
  else t.fail('not a response')
})

test('names decode as latin1 up to the first NUL, so any byte survives', t => {
  const buf = sap.encode({ operation: 2, servers: [{ ...FS1, name: 'caf\u00e9\u0001' }] })
  const m = sap.decode(buf)
  if (sap.isResponse(m)) t.is(m.servers[0]?.name, 'caf\u00e9\u0001')
  else t.fail('not a response')
})

const encodeRejects = test.macro({
  exec (t, _what: string, value: SapMessage, code: EncodeErrorCode, field: string | undefined) {
    const err = t.throws(() => sap.encode(value), { instanceOf: EncodeError })
    t.is(err?.code, code)
    t.is(err?.protocol, 'sap')
    t.is(err?.field, field)
  },
  title: (_p, what: string, _v, code: EncodeErrorCode) => `encode refuses ${what} with ${code}`
})
test(encodeRejects, 'a 48-character name', { operation: 2, servers: [{ ...FS1, name: 'N'.repeat(48) }] }, 'IPX_ERR_FIELD_RANGE', 'servers.0.name')
test(encodeRejects, 'a name with NUL', { operation: 2, servers: [FS1, { ...FS1, name: 'A\u0000B' }] }, 'IPX_ERR_FIELD_RANGE', 'servers.1.name')
test(encodeRejects, 'a name beyond latin1', { operation: 2, servers: [{ ...FS1, name: '\u0100' }] }, 'IPX_ERR_FIELD_RANGE', 'servers.0.name')
test(encodeRejects, 'a node above 2^48', { operation: 2, servers: [{ ...FS1, node: 2 ** 48 }] }, 'IPX_ERR_FIELD_RANGE', 'node')
test(encodeRejects, 'negative hops', { operation: 2, servers: [{ ...FS1, hops: -1 }] }, 'IPX_ERR_FIELD_RANGE', 'hops')
test(encodeRejects, 'a server type above 0xffff', { operation: 1, serverType: 0x10000 }, 'IPX_ERR_FIELD_RANGE', 'serverType')
test(encodeRejects, 'servers under a query operation', { operation: 1, servers: [] } as unknown as SapMessage, 'IPX_ERR_FIELD_RANGE', 'operation')
test(encodeRejects, 'a server type under a response operation', { operation: 2, serverType: 4 } as unknown as SapMessage, 'IPX_ERR_FIELD_RANGE', 'operation')
test(encodeRejects, 'data under a known operation', { operation: 4, data: Buffer.alloc(0) }, 'IPX_ERR_FIELD_RANGE', 'operation')
test(encodeRejects, 'an operation above 0xffff', { operation: 0x10000, data: Buffer.alloc(0) }, 'IPX_ERR_FIELD_RANGE', 'operation')

test('encode into a buffer too small is an EncodeError', t => {
  const err = t.throws(() => sap.encode({ operation: 2, servers: [FS1] }, Buffer.alloc(70), 5), { instanceOf: EncodeError })
  t.is(err?.code, 'IPX_ERR_BUFFER_TOO_SMALL')
})

test('server type and operation names follow Wireshark; unknown ones read Unknown(0x....)', t => {
  t.is(sap.serverTypeName(0x0004), 'File Server (SLIST source)')
  t.is(sap.serverTypeName(0x0007), 'Print Server or Silent Print Server')
  t.is(sap.serverTypeName(0x0278), 'Directory Server (NetWare 4.x)')
  t.is(sap.serverTypeName(0x064e), 'Microsoft Internet Information Server')
  t.is(sap.serverTypeName(0xffff), 'Any Service or Wildcard')
  t.is(sap.serverTypeName(0x1234), 'Unknown(0x1234)')
  t.is(sap.serverTypeName(0), 'Unknown(0x0000)')
  t.is(sap.sapOperationName(3), 'Nearest Query')
  t.is(sap.sapOperationName(5), 'Unknown(0x0005)')
})

test('hops 16 means the server is going down', t => {
  t.true(sap.isServerDown(DOWN))
  t.false(sap.isServerDown(FS1))
  t.regex(sap.describeServer(DOWN), /\(down\)$/)
})

test('the layouts put the entry fields at Wireshark\'s offsets', t => {
  t.is(sap.SAP_SERVER_TYPE.length + sap.SAP_NAME_LENGTH + sap.SAP_SERVER_ADDRESS.length, sap.SAP_ENTRY_LENGTH)
  t.is(sap.SAP_ADDRESS_OFFSET, 50)
  t.deepEqual(sap.SAP_SERVER_ADDRESS.fields.map(f => sap.SAP_ADDRESS_OFFSET + f.offset), [50, 54, 60, 62])
})

// ---- properties ----

const u16 = fc.integer({ min: 0, max: 0xffff })
const server: fc.Arbitrary<SapServer> = fc.record({
  type: u16,
  name: fc.string({ unit: fc.integer({ min: 1, max: 0xff }).map(c => String.fromCharCode(c)), maxLength: 47 }),
  network: fc.integer({ min: 0, max: 0xffffffff }),
  node: fc.integer({ min: 0, max: 0xffffffffffff }),
  socket: u16,
  hops: u16
}).map(s => ({ ...s, namePadding: 'clean' as const }))
const message: fc.Arbitrary<SapMessage> = fc.oneof(
  fc.record({ operation: fc.constantFrom(1 as const, 3 as const), serverType: u16 }),
  fc.record({ operation: fc.constantFrom(2 as const, 4 as const), servers: fc.array(server, { maxLength: 7 }) }),
  fc.record({ operation: u16.filter(o => o < 1 || o > 4), data: fc.uint8Array({ maxLength: 40 }).map(a => Buffer.from(a)) })
)

test('property: any valid message round-trips', t => {
  fc.assert(fc.property(message, m => {
    const buf = sap.encode(m)
    t.is(buf.length, sap.encodingLength(m))
    t.deepEqual(sap.decode(buf), m)
  }), { numRuns: 300 })
})

test('property: random bytes after a valid IPX header decode or throw DecodeError only', t => {
  const outcomes = { decoded: 0, rejected: 0 }
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 0, max: 3 }), (payload, skip) => {
    const frame = ipx.packet.encode(ipx.packet.makePacket({
      packetType: 4, dst: { network: 0, node: 0xffffffffffff, socket: 0x0452 }, src: { network: 1, node: 2, socket: 0x0452 }
    }, Buffer.from(payload)))
    const body = ipx.packet.decode(frame).payload
    for (const run of [() => sap.decode(body, skip), () => sap.decodeLenient(body, skip)]) {
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
  register(`every SAP frame of ${cap.pcap} matches tshark field by field${missing !== undefined ? ` (${missing})` : ''}`, t => {
    if (!requireReal(t, { shared: true })) return
    const rows = new Map(readTsharkCsv(`${cap.tshark}.upper.csv`).map(r => [Number(r['frame.number']), r]))
    const info = new Map(readTsharkCsv(`${cap.tshark}.ipx.csv`).map(r => [Number(r['frame.number']), r]))
    const expected = [...rows.values()].filter(r => r['ipxsap.packet_type'] !== '').map(r => Number(r['frame.number']))
    const seen: number[] = []
    for (const f of readIpxFrames(cap.pcap)) {
      if (dispatchSocket(f.ipx) !== sap.SAP_SOCKET) continue
      seen.push(f.number)
      const row = rows.get(f.number)
      const m = sap.decode(f.ipx.payload)
      const servers = sap.isResponse(m) ? m.servers : []
      const join = (g: (s: SapServer) => string): string => servers.map(g).join('|')
      t.is(String(m.operation), cell(row, 'ipxsap.packet_type'), `frame ${f.number} operation`)
      t.is(join(s => `0x${hex(s.type, 4)}`), cell(row, 'ipxsap.server.type'), `frame ${f.number} type`)
      t.is(join(s => s.name), cell(row, 'ipxsap.server.name'), `frame ${f.number} name`)
      t.is(join(s => `0x${hex(s.network, 8)}`), cell(row, 'ipxsap.server.network'), `frame ${f.number} network`)
      t.is(join(s => formatNode(s.node)), cell(row, 'ipxsap.server.node'), `frame ${f.number} node`)
      t.is(join(s => `0x${hex(s.socket, 4)}`), cell(row, 'ipxsap.server.socket'), `frame ${f.number} socket`)
      t.is(join(s => String(s.hops)), cell(row, 'ipxsap.server.intermediate_networks'), `frame ${f.number} hops`)
      t.is(sap.sapOperationName(m.operation), cell(info.get(f.number), '_ws.col.Info'), `frame ${f.number} Info`)
      t.true(servers.every(s => s.namePadding === 'clean'), `frame ${f.number} padding`)
      t.deepEqual(sap.encode(m), f.ipx.payload, `frame ${f.number} re-encodes byte for byte`)
    }
    t.deepEqual(seen, expected)
  })
}
