import test from 'ava'
import fc from 'fast-check'
import { netbios, ipx, hex, DecodeError, EncodeError } from '../../protocol/index.js'
import type { DecodeErrorCode, EncodeErrorCode } from '../../protocol/index.js'
import type { NetbiosDecodeOptions, NetbiosMessage, NetbiosName } from '../../protocol/netbios.js'
import { realMissing, requireReal } from '../_env.js'
import { CAPTURES, readIpxFrames, readTsharkCsv, readTsharkJson, dispatchSocket, cell } from './_real-frames.js'

function bytes (text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex')
}

/** A 16-byte name field: the name space-padded to 15 bytes, then the type byte. */
function nameHex (name: string, type: number): string {
  return Buffer.from(name.padEnd(15, ' '), 'latin1').toString('hex') + hex(type, 2)
}

const MSBROWSE: NetbiosName = { name: '\u0001\u0002__MSBROWSE__\u0002', nameType: 0x01 }
const ADMINTEST: NetbiosName = { name: 'ADMINTEST', nameType: 0x00 }
const EMPTY_LIST = [0, 0, 0, 0, 0, 0, 0, 0]

const roundTrip = test.macro({
  exec (t, hexText: string, options: NetbiosDecodeOptions, value: NetbiosMessage) {
    const buf = bytes(hexText)
    t.deepEqual(netbios.decode(buf, 0, options), value)
    const out = netbios.encode(value)
    t.deepEqual(out, buf)
    t.is(netbios.encodingLength(value), out.length)
    const big = Buffer.alloc(out.length + 6, 0xee)
    t.is(netbios.encode(value, big, 4), big, 'encode at an offset returns the same buffer')
    t.deepEqual(big.subarray(4, 4 + out.length), out)
    t.is(big[3], 0xee)
    t.is(big[4 + out.length], 0xee)
    t.deepEqual(netbios.decode(big.subarray(0, 4 + out.length), 4, options), value, 'decode at an offset')
    t.deepEqual(netbios.encode(value), out, 'a second encode is identical')
  },
  title: (_p, _h, options: NetbiosDecodeOptions, value: NetbiosMessage) => `round trip (IPX type ${options.ipxPacketType ?? '?'}): ${netbios.describeNetbios(value)}`
})

// Frame 1 of tcpdump's ipx.pcap: an IPX type-20 Find name broadcast (tshark `nbipx_raw`).
test(roundTrip, '00'.repeat(32) + '00 01' + nameHex(MSBROWSE.name, 1), { ipxPacketType: 20 },
  { propagation: EMPTY_LIST, nameTypeFlag: 0, packetType: 1, name: MSBROWSE, data: Buffer.alloc(0) })
// Frame 4: a directed datagram in an IPX type-4 packet, no list, SMB after the two names.
test(roundTrip, '00 0b' + nameHex('ADMINTEST', 0) + nameHex(MSBROWSE.name, 1) + 'ff534d42', { ipxPacketType: 4 },
  { propagation: null, connectionControl: 0, packetType: 11, receiver: ADMINTEST, sender: MSBROWSE, data: bytes('ff534d42') })
// A Name recognized reply in a type-4 packet of exactly 50 bytes: Wireshark assumes the list.
test(roundTrip, '00000010 00000020' + '00'.repeat(24) + '04 02' + nameHex('WORKGROUP', 0x1e), { ipxPacketType: 4 },
  { propagation: [0x10, 0x20, 0, 0, 0, 0, 0, 0], nameTypeFlag: 0x04, packetType: 2, name: { name: 'WORKGROUP', nameType: 0x1e }, data: Buffer.alloc(0) })
// Frame 4 of smb_print_trans-oobr1.pcap: packet type 0x20, which Wireshark calls Unknown.
test(roundTrip, '00 20 abcd', { ipxPacketType: 4 }, { propagation: null, control: 0, packetType: 0x20, data: bytes('abcd') })
// Session data: only the packet type is interpreted.
test(roundTrip, '50 06 0100 0200', { ipxPacketType: 4 }, { propagation: null, control: 0x50, packetType: 6, data: bytes('0100 0200') })
// A directed datagram in a type-20 packet keeps its list too.
test(roundTrip, '0000abcd' + '00'.repeat(28) + '08 0b' + nameHex('', 0x20) + nameHex('B', 3), { ipxPacketType: 20 },
  { propagation: [0xabcd, 0, 0, 0, 0, 0, 0, 0], connectionControl: 8, packetType: 11, receiver: { name: '', nameType: 0x20 }, sender: { name: 'B', nameType: 3 }, data: Buffer.alloc(0) })

const rejects = test.macro({
  exec (t, hexText: string, options: NetbiosDecodeOptions, code: DecodeErrorCode, at: number) {
    const err = t.throws(() => netbios.decode(bytes(hexText), 0, options), { instanceOf: DecodeError })
    t.is(err?.code, code)
    t.is(err?.protocol, 'netbios')
    t.is(err?.offset, at)
  },
  title: (_p, hexText: string, options: NetbiosDecodeOptions, code: DecodeErrorCode, at: number) =>
    `rejects ${code} at ${at} (IPX type ${options.ipxPacketType ?? '?'}, ${hexText.replace(/\s+/g, '').length / 2} bytes)`
})

test(rejects, '', {}, 'IPX_ERR_TRUNCATED', 0)
test(rejects, '00', { ipxPacketType: 4 }, 'IPX_ERR_TRUNCATED', 1)
test(rejects, '00'.repeat(31), { ipxPacketType: 20 }, 'IPX_ERR_TRUNCATED', 31)
test(rejects, '00'.repeat(33), { ipxPacketType: 20 }, 'IPX_ERR_TRUNCATED', 33)
test(rejects, '00 01' + '20'.repeat(15), { ipxPacketType: 4 }, 'IPX_ERR_TRUNCATED', 17)
test(rejects, '00'.repeat(32) + '00 03' + '20'.repeat(10), { ipxPacketType: 20 }, 'IPX_ERR_TRUNCATED', 44)
test(rejects, '00 0b' + '20'.repeat(31), { ipxPacketType: 4 }, 'IPX_ERR_TRUNCATED', 33)

test('a negative or past-the-end offset is a DecodeError', t => {
  for (const offset of [-1, 3, 40]) {
    const err = t.throws(() => netbios.decode(bytes('0020'), offset), { instanceOf: DecodeError })
    t.is(err?.code, 'IPX_ERR_TRUNCATED')
  }
})

test('propagation list detection follows Wireshark: type 20, or 50 bytes with a name type at offset 33', t => {
  const reply = bytes('00'.repeat(32) + '00 02' + nameHex('X', 0))
  t.true(netbios.hasPropagationList(reply, 0, 4))
  t.true(netbios.hasPropagationList(reply, 0, undefined))
  t.true(netbios.hasPropagationList(bytes('0001'), 0, 20))
  const datagram = Buffer.from(reply)
  datagram[33] = 0x0b
  t.false(netbios.hasPropagationList(datagram, 0, 4))
  t.false(netbios.hasPropagationList(reply.subarray(1), 0, 4), '49 bytes')
  t.false(netbios.hasPropagationList(Buffer.concat([reply, Buffer.alloc(1)]), 0, 4), '51 bytes')
  t.true(netbios.hasPropagationList(Buffer.concat([Buffer.alloc(3), reply]), 3, 4), 'at an offset')
  // The override wins over the detection both ways.
  t.is(netbios.decode(reply, 0, { ipxPacketType: 4, propagation: false }).packetType, 0)
  t.deepEqual(netbios.decode(bytes('00'.repeat(32) + '0020'), 0, { propagation: true }).propagation, EMPTY_LIST)
})

test('names print as Wireshark prints netbios.nb_name: <xx> for non-printables, no trailing spaces', t => {
  t.is(netbios.formatNetbiosName(MSBROWSE), '<01><02>__MSBROWSE__<02>')
  t.is(netbios.formatNetbiosName({ name: 'A B\u0000\u007f\u00ff', nameType: 0 }), 'A B<00><7f><ff>')
  t.is(netbios.describeNetbiosName({ name: 'INDIA-IT', nameType: 0x1c }), 'INDIA-IT<1c>')
  const m = netbios.decode(bytes('00 01' + Buffer.from('AB   \u0000 ', 'latin1').toString('hex') + '20'.repeat(8) + '1e'), 0, { ipxPacketType: 4 })
  t.true(netbios.isNameMessage(m))
  if (netbios.isNameMessage(m)) t.deepEqual(m.name, { name: 'AB   \u0000', nameType: 0x1e }, 'only trailing spaces are removed')
})

test('packet type names and Info follow Wireshark', t => {
  t.is(netbios.netbiosPacketTypeName(1), 'Find name')
  t.is(netbios.netbiosPacketTypeName(0x0b), 'Directed datagram')
  t.is(netbios.netbiosPacketTypeName(0), 'Unknown(0x00)')
  t.is(netbios.netbiosPacketTypeName(0x20), 'Unknown(0x20)')
  t.is(netbios.netbiosInfo({ propagation: null, control: 0, packetType: 0x20, data: Buffer.alloc(0) }), 'Unknown')
  t.is(netbios.netbiosInfo({ propagation: null, control: 0, packetType: 9, data: Buffer.alloc(0) }), 'Status query')
  t.regex(netbios.describeNetbios({ propagation: [1, 0x2a, 0, 0, 0, 0, 0, 0], nameTypeFlag: 0, packetType: 1, name: MSBROWSE, data: Buffer.alloc(0) }),
    /^NBIPX Find name <01><02>__MSBROWSE__<02><01> via \[00000001 0000002A\]$/)
})

const NAME_MSG: NetbiosMessage = { propagation: EMPTY_LIST, nameTypeFlag: 0, packetType: 1, name: MSBROWSE, data: Buffer.alloc(0) }
const DATAGRAM: NetbiosMessage = { propagation: null, connectionControl: 0, packetType: 11, receiver: ADMINTEST, sender: MSBROWSE, data: Buffer.alloc(0) }

const encodeRejects = test.macro({
  exec (t, _what: string, value: NetbiosMessage, code: EncodeErrorCode, field: string | undefined) {
    const err = t.throws(() => netbios.encode(value), { instanceOf: EncodeError })
    t.is(err?.code, code)
    t.is(err?.protocol, 'netbios')
    t.is(err?.field, field)
  },
  title: (_p, what: string, _v, code: EncodeErrorCode) => `encode refuses ${what} with ${code}`
})
test(encodeRejects, 'a 7-slot list', { ...NAME_MSG, propagation: [0, 0, 0, 0, 0, 0, 0] }, 'IPX_ERR_FIELD_RANGE', 'propagation')
test(encodeRejects, 'a slot above 2^32', { ...NAME_MSG, propagation: [0, 0, 0, 2 ** 32, 0, 0, 0, 0] }, 'IPX_ERR_FIELD_RANGE', 'propagation.3')
test(encodeRejects, 'a 16-character name', { ...NAME_MSG, name: { name: 'X'.repeat(16), nameType: 0 } }, 'IPX_ERR_FIELD_RANGE', 'name.name')
test(encodeRejects, 'a name beyond latin1', { ...DATAGRAM, sender: { name: '\u0100', nameType: 0 } }, 'IPX_ERR_FIELD_RANGE', 'sender.name')
test(encodeRejects, 'a name type above 0xff', { ...DATAGRAM, receiver: { name: 'A', nameType: 0x100 } }, 'IPX_ERR_FIELD_RANGE', 'receiver.nameType')
test(encodeRejects, 'a name message of type 11', { ...NAME_MSG, packetType: 11 }, 'IPX_ERR_FIELD_RANGE', 'packetType')
test(encodeRejects, 'a datagram of type 1', { ...DATAGRAM, packetType: 1 }, 'IPX_ERR_FIELD_RANGE', 'packetType')
test(encodeRejects, 'a bare type 3', { propagation: null, control: 0, packetType: 3, data: Buffer.alloc(0) }, 'IPX_ERR_FIELD_RANGE', 'packetType')
test(encodeRejects, 'a bare type 11', { propagation: null, control: 0, packetType: 11, data: Buffer.alloc(0) }, 'IPX_ERR_FIELD_RANGE', 'packetType')
test(encodeRejects, 'a control byte above 0xff', { propagation: null, control: 0x100, packetType: 6, data: Buffer.alloc(0) }, 'IPX_ERR_FIELD_RANGE', 'connectionControl')
test(encodeRejects, 'a name type flag above 0xff', { ...NAME_MSG, nameTypeFlag: 0x100 }, 'IPX_ERR_FIELD_RANGE', 'nameTypeFlag')

test('encode into a buffer too small is an EncodeError', t => {
  const err = t.throws(() => netbios.encode(NAME_MSG, Buffer.alloc(50), 1), { instanceOf: EncodeError })
  t.is(err?.code, 'IPX_ERR_BUFFER_TOO_SMALL')
})

// ---- properties ----

const u8 = fc.integer({ min: 0, max: 0xff })
const latin1 = (max: number): fc.Arbitrary<string> => fc.string({ unit: u8.map(c => String.fromCharCode(c)), maxLength: max })
const name: fc.Arbitrary<NetbiosName> = fc.record({ name: latin1(15).map(s => s.replace(/ +$/, '')), nameType: u8 })
const list = fc.option(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 8, maxLength: 8 }), { nil: null })
const data = fc.uint8Array({ maxLength: 60 }).map(a => Buffer.from(a))
const message: fc.Arbitrary<NetbiosMessage> = fc.oneof(
  fc.record({ propagation: list, nameTypeFlag: u8, packetType: fc.integer({ min: 1, max: 5 }), name, data }),
  fc.record({ propagation: list, connectionControl: u8, packetType: fc.constant(11), receiver: name, sender: name, data }),
  fc.record({ propagation: list, control: u8, packetType: u8.filter(p => !netbios.isNamePacketType(p) && p !== 11), data })
)

test('property: any valid message round-trips (type 20 when it has a list)', t => {
  fc.assert(fc.property(message, m => {
    const buf = netbios.encode(m)
    t.is(buf.length, netbios.encodingLength(m))
    t.deepEqual(netbios.decode(buf, 0, { propagation: m.propagation !== null }), m)
    if (m.propagation !== null) t.deepEqual(netbios.decode(buf, 0, { ipxPacketType: 20 }), m)
  }), { numRuns: 300 })
})

test('property: random bytes after a valid IPX header decode or throw DecodeError only', t => {
  const outcomes = { decoded: 0, rejected: 0 }
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom(0, 4, 20), fc.integer({ min: 0, max: 3 }), (payload, packetType, skip) => {
    const frame = ipx.packet.encode(ipx.packet.makePacket({
      packetType, dst: { network: 0, node: 0xffffffffffff, socket: 0x0455 }, src: { network: 1, node: 2, socket: 0x0455 }
    }, Buffer.from(payload)))
    const p = ipx.packet.decode(frame)
    try {
      netbios.decode(p.payload, skip, { ipxPacketType: p.header.packetType })
      outcomes.decoded++
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e
      outcomes.rejected++
    }
  }), { numRuns: 500 })
  t.true(outcomes.decoded > 0 && outcomes.rejected > 0, 'both outcomes were exercised')
})

// ---- agreement with tshark on the real captures ----

interface Raw { 0: string, 1: number }

for (const cap of CAPTURES) {
  const missing = realMissing({ shared: true })
  const register = missing === undefined ? test : test.skip
  register(`every NetBIOS-over-IPX frame of ${cap.pcap} matches tshark field by field${missing !== undefined ? ` (${missing})` : ''}`, t => {
    if (!requireReal(t, { shared: true })) return
    const rows = new Map(readTsharkCsv(`${cap.tshark}.upper.csv`).map(r => [Number(r['frame.number']), r]))
    const info = new Map(readTsharkCsv(`${cap.tshark}.ipx.csv`).map(r => [Number(r['frame.number']), r]))
    const json = readTsharkJson(`${cap.tshark}.json`)
    const expected = [...rows.values()].filter(r => r['nmpi.packettype'] !== '').map(r => Number(r['frame.number']))
    const seen: number[] = []
    for (const f of readIpxFrames(cap.pcap)) {
      if (dispatchSocket(f.ipx) !== netbios.NETBIOS_SOCKET) continue
      seen.push(f.number)
      const row = rows.get(f.number)
      const m = netbios.decode(f.ipx.payload, 0, { ipxPacketType: f.ipx.header.packetType })
      const names = netbios.isNameMessage(m) ? [m.name] : netbios.isDatagram(m) ? [m.receiver, m.sender] : []
      t.is(`0x${hex(m.packetType, 2)}`, cell(row, 'nmpi.packettype'), `frame ${f.number} packet type`)
      t.is(netbios.isNameMessage(m) ? `0x${hex(m.nameTypeFlag, 2)}` : '', cell(row, 'nmpi.name_flags'), `frame ${f.number} name flags`)
      t.is(names.map(netbios.formatNetbiosName).join('|'), cell(row, 'netbios.nb_name'), `frame ${f.number} names`)
      t.is(names.map(n => `0x${hex(n.nameType, 2)}`).join('|'), cell(row, 'netbios.nb_name_type'), `frame ${f.number} name types`)
      const ipxRow = info.get(f.number)
      if (cell(ipxRow, '_ws.col.Protocol') === 'NBIPX') t.is(netbios.netbiosInfo(m), cell(ipxRow, '_ws.col.Info'), `frame ${f.number} Info`)
      t.deepEqual(netbios.encode(m), f.ipx.payload, `frame ${f.number} re-encodes byte for byte`)

      // Byte offsets from the JSON decode: where the packet type sits tells whether tshark saw a list.
      const layers = json[f.number - 1]
      const nb = layers?.nbipx as Record<string, unknown> | undefined
      const payloadAt = (layers?.ipx_raw as Raw)[1] + 30
      const typeAt = (nb?.['nmpi.packettype_raw'] as Raw | undefined)?.[1]
      t.is(typeAt, payloadAt + (m.propagation === null ? 0 : 32) + 1, `frame ${f.number} packet type offset`)
      t.is(f.ipx.payload.subarray(0, Buffer.from((layers?.nbipx_raw as Raw)[0], 'hex').length).toString('hex'), (layers?.nbipx_raw as Raw)[0], `frame ${f.number} nbipx bytes`)
      if (netbios.isDatagram(m)) t.is(`0x${hex(m.connectionControl, 2)}`, String(nb?.['nmpi.conn_control']), `frame ${f.number} connection control`)
    }
    t.deepEqual(seen, expected)
  })
}
