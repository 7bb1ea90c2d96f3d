import test from 'ava'
import fc from 'fast-check'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ethernet, capture, DecodeError, EncodeError, layoutTable } from '../../protocol/index.js'
import type { DecodeErrorCode, EncodeErrorCode } from '../../protocol/index.js'
import type { EthernetFrame, EthernetFrameInit, Framing } from '../../protocol/ethernet.js'
import type { IpxPacket } from '../../protocol/ipx/packet.js'
import { makePacket } from '../../protocol/ipx/packet.js'
import { computeChecksum } from '../../protocol/ipx/header.js'
import * as arb from './ipx/_arbitrary.js'
import { readPcap, readTsharkCsv } from './_real-captures.js'
import { realMissing, requireReal } from '../_env.js'

function hexBuf (hex: string): Buffer {
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex')
}

const BCAST = 0xffffffffffff
const MAC = 0x0003471bc1a8
const MACS = 'ffffffffffff 0003471bc1a8'
/** A SAP-like IPX packet of 34 bytes (4-byte payload), as in tcpdump's ipx.pcap but shortened. */
const IPX_HEX = 'ffff 0022 00 04 00000000 ffffffffffff 0452 a8f87967 000000000001 4008 00020004'
const IPX: IpxPacket = {
  header: {
    checksum: 0xffff,
    length: 34,
    transportControl: 0,
    packetType: 4,
    dst: { network: 0, node: BCAST, socket: 0x0452 },
    src: { network: 0xa8f87967, node: 1, socket: 0x4008 }
  },
  payload: hexBuf('00020004')
}
const zeros = (n: number): Buffer => Buffer.alloc(n)
const none = (): Buffer => Buffer.alloc(0)

interface Fixture { hex: string, frame: EthernetFrame }

const FIXTURES: Fixture[] = [
  {
    hex: `${MACS} 8137 ${IPX_HEX} ${'00'.repeat(12)}`,
    frame: { framing: 'ethernet_ii', dst: BCAST, src: MAC, etherType: 0x8137, ipx: IPX, slack: none(), padding: zeros(12), trailer: none() }
  },
  {
    hex: `${MACS} 0022 ${IPX_HEX} ${'00'.repeat(12)}`,
    frame: { framing: 'raw_802_3', dst: BCAST, src: MAC, length: 34, ipx: IPX, slack: none(), padding: zeros(12), trailer: none() }
  },
  {
    hex: `${MACS} 0025 e0e003 ${IPX_HEX} ${'00'.repeat(9)}`,
    frame: { framing: 'llc', dst: BCAST, src: MAC, length: 37, llc: { dsap: 0xe0, ssap: 0xe0, control: 3 }, ipx: IPX, slack: none(), padding: zeros(9), trailer: none() }
  },
  {
    hex: `${MACS} 002a aaaa03 000000 8137 ${IPX_HEX} ${'00'.repeat(4)}`,
    frame: {
      framing: 'snap',
      dst: BCAST,
      src: MAC,
      length: 42,
      llc: { dsap: 0xaa, ssap: 0xaa, control: 3 },
      snap: { oui: 0, type: 0x8137 },
      ipx: IPX,
      slack: none(),
      padding: zeros(4),
      trailer: none()
    }
  }
]

/** A 60-byte IPX packet (30-byte payload) in 802.2 with one byte of slack, as NetWare pads odd lengths. */
const BIG_PAYLOAD = Buffer.from('0123456789abcdef0123456789abcd'.split('').map(c => c.charCodeAt(0)))
const BIG_IPX: IpxPacket = { header: { ...IPX.header, length: 60 }, payload: BIG_PAYLOAD }
FIXTURES.push({
  hex: `${MACS} 0040 e0e003 ${IPX_HEX.replace('0022', '003c').slice(0, -8)} ${BIG_PAYLOAD.toString('hex')} 00`,
  frame: { framing: 'llc', dst: BCAST, src: MAC, length: 64, llc: { dsap: 0xe0, ssap: 0xe0, control: 3 }, ipx: BIG_IPX, slack: hexBuf('00'), padding: none(), trailer: none() }
})

const roundTrip = test.macro({
  exec (t, fx: Fixture) {
    const buf = hexBuf(fx.hex)
    const decoded = ethernet.decode(buf)
    t.deepEqual(decoded, fx.frame)
    t.is(decoded.ipx.payload.length, decoded.ipx.header.length - 30, 'payload is sliced to the IPX length')
    const out = ethernet.encode(fx.frame)
    t.deepEqual(out, buf)
    t.is(ethernet.encodingLength(fx.frame), out.length)
    const big = Buffer.alloc(buf.length + 10, 0xee)
    t.is(ethernet.encode(fx.frame, big, 7), big)
    t.deepEqual(big.subarray(7, 7 + buf.length), buf)
    t.is(big[6], 0xee)
    t.is(big[7 + buf.length], 0xee)
    t.deepEqual(ethernet.encode(fx.frame), out, 'a second encode is identical')
    t.deepEqual(ethernet.decode(big.subarray(0, 7 + buf.length), 7), fx.frame, 'decode at an offset')
    // Without explicit padding, encode pads to 60 by itself; the fixtures are padded exactly so.
    if (fx.frame.slack.length === 0) {
      const init: EthernetFrameInit = { framing: fx.frame.framing, dst: fx.frame.dst, src: fx.frame.src, ipx: fx.frame.ipx }
      t.deepEqual(ethernet.encode(init), buf)
    }
  },
  title: (_provided, fx: Fixture) => `round trip: ${ethernet.describeFrame(fx.frame)}`
})

for (const fx of FIXTURES) test(roundTrip, fx)

test('IPX offsets match the reference table (§B7)', t => {
  t.deepEqual(ethernet.IPX_OFFSET, { ethernet_ii: 14, raw_802_3: 14, llc: 17, snap: 22 })
  for (const fx of FIXTURES) {
    const buf = hexBuf(fx.hex)
    t.is(buf.readUInt16BE(ethernet.IPX_OFFSET[fx.frame.framing] + 2), fx.frame.ipx.header.length)
  }
})

test('the layouts cover the fixed headers and print a table', t => {
  t.is(ethernet.ETHERNET_HEADER.length, 14)
  t.is(ethernet.LLC_HEADER.length, 3)
  t.is(ethernet.SNAP_HEADER.length, 5)
  const table = layoutTable(ethernet.ETHERNET_HEADER)
  t.true(table.includes('`eth.dst`'))
  t.true(layoutTable(ethernet.SNAP_HEADER, 17).includes('| 20 | 2 | `type` | `llc.type`'))
})

test('a frame of 60 bytes or more is not padded', t => {
  const p = makePacket({ dst: IPX.header.dst, src: IPX.header.src }, Buffer.alloc(100, 7))
  for (const framing of ['ethernet_ii', 'raw_802_3', 'llc', 'snap'] as const) {
    const out = ethernet.encodeIpx(p, framing)
    t.is(out.length, ethernet.IPX_OFFSET[framing] + 130)
    t.deepEqual(ethernet.decode(out).padding, none())
  }
})

test('encodeIpx takes the MACs from the IPX nodes unless told otherwise', t => {
  const f = ethernet.decode(ethernet.encodeIpx(IPX, 'llc'))
  t.is(f.dst, BCAST)
  t.is(f.src, 1)
  const g = ethernet.decode(ethernet.encodeIpx(IPX, 'snap', { dst: 0x0200000000aa, src: MAC }))
  t.is(g.dst, 0x0200000000aa)
  t.is(g.src, MAC)
  t.is(g.length, 42)
})

test('padding and trailer follow Wireshark and never reach the payload', t => {
  // Ethernet II, 60 bytes, non-zero byte right after IPX: no padding, all trailer (Wireshark
  // "Didn't find padding of zeros").
  const a = hexBuf(`${MACS} 8137 ${IPX_HEX} 1d ${'00'.repeat(11)}`)
  const fa = ethernet.decode(a)
  t.deepEqual(fa.padding, none())
  t.deepEqual(fa.trailer, hexBuf(`1d ${'00'.repeat(11)}`))
  t.deepEqual(fa.ipx.payload, IPX.payload)
  t.deepEqual(ethernet.encode(fa), a)
  // 70 bytes: zeros up to 60 are padding, the rest is trailer.
  const b = hexBuf(`${MACS} 8137 ${IPX_HEX} ${'00'.repeat(12)} ${'ab'.repeat(10)}`)
  const fb = ethernet.decode(b)
  t.deepEqual(fb.padding, zeros(12))
  t.deepEqual(fb.trailer, Buffer.alloc(10, 0xab))
  t.deepEqual(ethernet.encode(fb), b)
  // A short frame (< 60, e.g. captured on the sending host) has no padding, only trailer.
  const c = hexBuf(`${MACS} 0025 e0e003 ${IPX_HEX} 00000000`)
  const fc2 = ethernet.decode(c)
  t.deepEqual(fc2.padding, none())
  t.deepEqual(fc2.trailer, zeros(4))
  t.deepEqual(fc2.ipx.payload, IPX.payload)
  // 802.2 as in tcpdump ipx.pcap frame 6 shape: 802.3 length 1 byte longer than LLC + IPX (slack),
  // then 2 bytes of padding to reach 60.
  const d = hexBuf(`${MACS} 0026 e0e003 ${IPX_HEX} ff ${'00'.repeat(8)}`)
  const fd = ethernet.decode(d)
  t.deepEqual(fd.slack, hexBuf('ff'))
  t.deepEqual(fd.padding, zeros(8))
  t.deepEqual(fd.trailer, none())
  t.deepEqual(fd.ipx.payload, IPX.payload)
  t.deepEqual(ethernet.encode(fd), d)
  // Explicit trailer without padding: zeros are inserted before the trailer up to 60.
  const e = ethernet.encode({ framing: 'raw_802_3', dst: BCAST, src: MAC, ipx: IPX, trailer: hexBuf('cafe') })
  t.is(e.length, 62)
  const fe = ethernet.decode(e)
  t.deepEqual(fe.padding, zeros(12))
  t.deepEqual(fe.trailer, hexBuf('cafe'))
})

test('describeFrame gives one line with framing, MACs and the IPX summary', t => {
  const line = ethernet.describeFrame(FIXTURES[2]!.frame)
  t.regex(line, /^Ethernet_802\.2 00:03:47:1b:c1:a8 > ff:ff:ff:ff:ff:ff len 37: IPX PEP /)
  t.regex(line, /\(\+9 padding\)$/)
  t.false(ethernet.describeFrame({ framing: 'ethernet_ii', dst: 1, src: 2, ipx: IPX }).includes('\n'))
  t.regex(ethernet.describeFrame({ framing: 'snap', dst: 1, src: 2, ipx: IPX }), / len 42: /)
})

// ---- rejects -------------------------------------------------------------------------------------

const IPX29 = IPX_HEX.replace('0022', '001d')
const rejects = test.macro({
  exec (t, hex: string, code: DecodeErrorCode, options?: ethernet.DecodeOptions) {
    t.throws(() => ethernet.decode(hexBuf(hex), 0, options), { instanceOf: DecodeError, code })
  },
  title: (provided, _hex: string, code: DecodeErrorCode, _options?: ethernet.DecodeOptions) => `rejects ${provided ?? ''} with ${code}`
})

test('13 bytes', rejects, `${MACS} 81`, 'IPX_ERR_TRUNCATED')
test('empty buffer', rejects, '', 'IPX_ERR_TRUNCATED')
test('ARP EtherType', rejects, `${MACS} 0806 ${'00'.repeat(46)}`, 'IPX_ERR_NOT_IPX')
test('IPv4 EtherType', rejects, `${MACS} 0800 ${'00'.repeat(46)}`, 'IPX_ERR_NOT_IPX')
test('type/length 1501', rejects, `${MACS} 05dd ${IPX_HEX}`, 'IPX_ERR_BAD_FRAME')
test('type/length 0x05ff', rejects, `${MACS} 05ff ${IPX_HEX}`, 'IPX_ERR_BAD_FRAME')
test('802.3 length past the frame', rejects, `${MACS} 0026 e0e003 ${IPX_HEX}`, 'IPX_ERR_LENGTH_BEYOND_DATA')
test('LLC of another SAP (STP)', rejects, `${MACS} 0026 424203 ${'00'.repeat(35)}`, 'IPX_ERR_NOT_IPX')
test('LLC E0 with SSAP E1', rejects, `${MACS} 0025 e0e103 ${IPX_HEX}`, 'IPX_ERR_BAD_FRAME')
test('LLC E0 with control 0x13', rejects, `${MACS} 0025 e0e013 ${IPX_HEX}`, 'IPX_ERR_BAD_FRAME')
test('SNAP with control 0x13', rejects, `${MACS} 002a aaaa13 000000 8137 ${IPX_HEX}`, 'IPX_ERR_BAD_FRAME')
test('SNAP of another OUI', rejects, `${MACS} 002a aaaa03 00000c 8137 ${IPX_HEX}`, 'IPX_ERR_NOT_IPX')
test('SNAP of another type', rejects, `${MACS} 002a aaaa03 000000 0800 ${IPX_HEX}`, 'IPX_ERR_NOT_IPX')
test('802.3 length 2 with no LLC', rejects, `${MACS} 0002 e0e0 ${'00'.repeat(44)}`, 'IPX_ERR_BAD_FRAME')
test('802.3 length too short for SNAP', rejects, `${MACS} 0005 aaaa03 0000 ${'00'.repeat(41)}`, 'IPX_ERR_BAD_FRAME')
test('802.3 length too short for the IPX header', rejects, `${MACS} 0017 e0e003 ${IPX_HEX}`, 'IPX_ERR_BAD_FRAME')
test('raw 802.3 length below 30', rejects, `${MACS} 001d ${IPX_HEX}`, 'IPX_ERR_BAD_FRAME')
test('Ethernet II with 20 bytes of IPX', rejects, `${MACS} 8137 ${IPX_HEX.replace(/\s+/g, '').slice(0, 40)}`, 'IPX_ERR_TRUNCATED')
test('IPX length 29', rejects, `${MACS} 0025 e0e003 ${IPX29}`, 'IPX_ERR_BAD_LENGTH')
test('IPX length 29 in Ethernet II', rejects, `${MACS} 8137 ${IPX29}`, 'IPX_ERR_BAD_LENGTH')
test('IPX length past the 802.3 length', rejects, `${MACS} 0024 e0e003 ${IPX_HEX} 0000`, 'IPX_ERR_LENGTH_BEYOND_DATA')
test('IPX length past the Ethernet II frame', rejects, `${MACS} 8137 ${IPX_HEX.replace('0022', '0040')}`, 'IPX_ERR_LENGTH_BEYOND_DATA')
test('a wrong IPX checksum when verifying', rejects, `${MACS} 8137 ${IPX_HEX.replace('ffff', '1234')}`, 'IPX_ERR_BAD_CHECKSUM', { verifyChecksum: true })

test('raw 802.3 with a real checksum reads as LLC of another SAP, as in Wireshark', t => {
  const buf = ethernet.encodeIpx(IPX, 'raw_802_3')
  const sum = computeChecksum(buf, 14, 34)
  buf.writeUInt16BE(sum, 14)
  t.throws(() => ethernet.decode(buf), { instanceOf: DecodeError, code: 'IPX_ERR_NOT_IPX' })
})

test('decodeLlcPayload: an 802.3 payload on its own, and a range outside the buffer', t => {
  const buf = hexBuf(`e0e003 ${IPX_HEX} 00`)
  t.deepEqual(ethernet.decodeLlcPayload(buf, 0, buf.length), {
    framing: 'llc', llc: { dsap: 0xe0, ssap: 0xe0, control: 3 }, ipxOffset: 3, ipx: IPX, slack: hexBuf('00')
  })
  t.throws(() => ethernet.decodeLlcPayload(buf, 0, buf.length + 1), { instanceOf: DecodeError, code: 'IPX_ERR_TRUNCATED' })
  t.throws(() => ethernet.decodeLlcPayload(buf, 5, 4), { instanceOf: DecodeError, code: 'IPX_ERR_TRUNCATED' })
})

test('errors carry the protocol and offset of the fault', t => {
  const e1 = t.throws(() => ethernet.decode(hexBuf(`${MACS} 0800 ${'00'.repeat(46)}`)), { instanceOf: DecodeError })
  t.is(e1?.protocol, 'ethernet')
  t.is(e1?.offset, 12)
  const e2 = t.throws(() => ethernet.decode(hexBuf(`${MACS} 0025 e0e003 ${IPX29}`)), { instanceOf: DecodeError })
  t.is(e2?.protocol, 'ipx')
  t.is(e2?.offset, 19)
})

const encodeRejects = test.macro({
  exec (t, frame: EthernetFrameInit, code: EncodeErrorCode, buf?: Buffer, offset?: number) {
    t.throws(() => ethernet.encode(frame, buf, offset), { instanceOf: EncodeError, code })
  },
  title: (provided, _f: EthernetFrameInit, code: EncodeErrorCode, _buf?: Buffer, _offset?: number) => `encode rejects ${provided ?? ''} with ${code}`
})

const base: EthernetFrameInit = { framing: 'llc', dst: BCAST, src: MAC, ipx: IPX }
test('EtherType other than 8137', encodeRejects, { ...base, framing: 'ethernet_ii', etherType: 0x0800 }, 'IPX_ERR_FIELD_RANGE')
test('slack in Ethernet II', encodeRejects, { ...base, framing: 'ethernet_ii', slack: hexBuf('00') }, 'IPX_ERR_FIELD_RANGE')
test('LLC that disagrees with the framing', encodeRejects, { ...base, llc: { dsap: 0xaa, ssap: 0xaa, control: 3 } }, 'IPX_ERR_FIELD_RANGE')
test('SNAP on an LLC frame', encodeRejects, { ...base, snap: { oui: 0, type: 0x8137 } }, 'IPX_ERR_FIELD_RANGE')
test('SNAP of another type', encodeRejects, { ...base, framing: 'snap', snap: { oui: 0, type: 0x0800 } }, 'IPX_ERR_FIELD_RANGE')
test('a length that disagrees', encodeRejects, { ...base, length: 99 }, 'IPX_ERR_FIELD_RANGE')
test('an unknown framing', encodeRejects, { ...base, framing: 'token_ring' as Framing }, 'IPX_ERR_FIELD_RANGE')
test('a MAC above 48 bits', encodeRejects, { ...base, dst: 2 ** 48 }, 'IPX_ERR_FIELD_RANGE')
test('an IPX length that disagrees with the payload', encodeRejects, { ...base, ipx: { ...IPX, header: { ...IPX.header, length: 40 } } }, 'IPX_ERR_FIELD_RANGE')
test('an 802.3 length above 1500', encodeRejects, { ...base, ipx: makePacket({ dst: IPX.header.dst, src: IPX.header.src }, Buffer.alloc(1470)) }, 'IPX_ERR_TOO_LARGE')
test('a small buffer', encodeRejects, base, 'IPX_ERR_BUFFER_TOO_SMALL', Buffer.alloc(59))
test('a negative offset', encodeRejects, base, 'IPX_ERR_BUFFER_TOO_SMALL', Buffer.alloc(100), -1)

// ---- properties ----------------------------------------------------------------------------------

const FRAMINGS: readonly Framing[] = ['ethernet_ii', 'raw_802_3', 'llc', 'snap']

test('property: any valid IPX packet round-trips in all four framings', t => {
  fc.assert(fc.property(arb.packet(600), arb.u48, arb.u48, fc.constantFrom(...FRAMINGS), (p, dst, src, framing) => {
    // Raw 802.3 is recognised by the FF FF checksum (Wireshark, Linux), so only that checksum round-trips.
    const packet = framing === 'raw_802_3' ? { ...p, header: { ...p.header, checksum: 0xffff } } : p
    const buf = ethernet.encodeIpx(packet, framing, { dst, src })
    const f = ethernet.decode(buf)
    t.is(f.framing, framing)
    t.deepEqual(f.ipx, packet)
    t.is(f.dst, dst)
    t.is(f.src, src)
    t.is(buf.length, Math.max(60, ethernet.IPX_OFFSET[framing] + packet.header.length))
    t.deepEqual(ethernet.encode(f), buf)
  }), { numRuns: 300 })
})

/** Valid frames, then damaged: truncated, a byte overwritten, or random tails. */
const frameBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 120 }),
  fc.tuple(arb.packet(80), fc.constantFrom(...FRAMINGS), fc.nat(), fc.nat(), arb.u8, fc.uint8Array({ maxLength: 8 })).map(
    ([p, framing, cut, at, byte, tail]) => {
      const b = ethernet.encodeIpx({ ...p, header: { ...p.header, checksum: 0xffff } }, framing)
      b[at % b.length] = byte
      return Buffer.concat([b.subarray(0, cut % (b.length + 1)), tail])
    })
)

test('property: any bytes decode or throw DecodeError, nothing else', t => {
  let decoded = 0
  let rejected = 0
  fc.assert(fc.property(frameBytes, fc.boolean(), (bytes, verifyChecksum) => {
    try {
      const f = ethernet.decode(Buffer.from(bytes), 0, { verifyChecksum })
      decoded++
      return f.ipx.payload.length === f.ipx.header.length - 30
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err
      rejected++
      return true
    }
  }), { numRuns: 2000 })
  t.true(decoded > 0, 'some inputs decode')
  t.true(rejected > 0, 'some inputs are rejected')
})

// ---- real captures -------------------------------------------------------------------------------

function hexOrEmpty (b: Buffer): string {
  return b.toString('hex')
}

const missing = realMissing({ shared: true })
for (const [pcapPath, csv] of [
  ['tcpdump/ipx.pcap', 'tcpdump_ipx.ipx.csv'],
  ['tcpdump/smb_print_trans-oobr1.pcap', 'tcpdump_smb_print_trans-oobr1.ipx.csv'],
  ['ipxbox/ipxpkt.cap', 'ipxbox_ipxpkt.ipx.csv']
] as const) {
  const title = `real capture ${pcapPath}: framing fields agree with tshark`
  ;(missing === undefined ? test : test.skip)(missing === undefined ? title : `${title} (skipped: ${missing})`, t => {
    if (!requireReal(t, { shared: true })) return
    const { linkType, records } = readPcap(pcapPath)
    t.is(linkType, 1)
    const rows = readTsharkCsv(csv)
    t.is(rows.length, records.length)
    records.forEach((r, i) => {
      const row = rows[i]!
      const f = ethernet.decode(r.data)
      const where = `frame ${row.str('frame.number')}`
      t.is(ethernet.formatMac(f.dst), row.str('eth.dst'), where)
      t.is(ethernet.formatMac(f.src), row.str('eth.src'), where)
      t.is<number | undefined, number | undefined>(f.etherType, row.num('eth.type'), where)
      t.is<number | undefined, number | undefined>(f.length, row.num('eth.len'), where)
      t.is(hexOrEmpty(f.padding), row.str('eth.padding'), where)
      t.is(hexOrEmpty(f.trailer), row.str('eth.trailer'), where)
      t.is<number | undefined, number | undefined>(f.llc?.dsap, row.num('llc.dsap'), where)
      t.is<number | undefined, number | undefined>(f.llc?.ssap, row.num('llc.ssap'), where)
      t.is<number | undefined, number | undefined>(f.llc?.control, row.num('llc.control'), where)
      t.is<number | undefined, number | undefined>(f.snap?.oui, row.num('llc.oui'), where)
      t.is<number | undefined, number | undefined>(f.snap?.type, row.num('llc.type'), where)
      t.is<number | undefined, number | undefined>(f.ipx.header.length, row.num('ipx.len'), where)
      t.is<number | undefined, number | undefined>(f.ipx.header.packetType, row.num('ipx.packet_type'), where)
      t.is<number | undefined, number | undefined>(f.ipx.header.dst.socket, row.num('ipx.dst.socket'), where)
      t.is(f.ipx.payload.length, f.ipx.header.length - 30, where)
      if (f.length !== undefined) t.is(f.slack.length, f.length - (ethernet.IPX_OFFSET[f.framing] - 14) - f.ipx.header.length, where)
      t.deepEqual(ethernet.encode(f), r.data, `${where} re-encodes byte for byte`)
    })
  })
}

{
  const title = 'real capture tcpdump/ipx-invalid-length.pcap: ipx.len 29 is rejected'
  ;(missing === undefined ? test : test.skip)(missing === undefined ? title : `${title} (skipped: ${missing})`, t => {
    if (!requireReal(t, { shared: true })) return
    const { records } = readPcap('tcpdump/ipx-invalid-length.pcap')
    t.is(records.length, 1)
    const err = t.throws(() => ethernet.decode(records[0]!.data), { instanceOf: DecodeError, code: 'IPX_ERR_BAD_LENGTH' })
    t.is(err?.protocol, 'ipx')
  })
}

// ---- tshark as an independent reader of what we encode -------------------------------------------

{
  const title = 'tshark reads our four framings (and slack, padding, trailer) as we decode them'
  const why = realMissing({ tools: ['tshark'] })
  ;(why === undefined ? test : test.skip)(why === undefined ? title : `${title} (skipped: ${why})`, t => {
    if (!requireReal(t, { tools: ['tshark'] })) return
    // Socket 0x869b has no tshark dissector, so the payload shows as data and nothing is malformed.
    const p = makePacket({ packetType: 0, dst: { network: 0, node: BCAST, socket: 0x869b }, src: { network: 1, node: MAC, socket: 0x869b } }, hexBuf('0102030405'))
    const frames: EthernetFrameInit[] = [
      ...FRAMINGS.map(framing => ({ framing, dst: BCAST, src: MAC, ipx: p })),
      { framing: 'llc', dst: BCAST, src: MAC, ipx: p, slack: hexBuf('00') },
      { framing: 'ethernet_ii', dst: BCAST, src: MAC, ipx: p, padding: Buffer.alloc(0), trailer: hexBuf('1d00') }
    ]
    const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-eth-'))
    t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
    const file = path.join(dir, 'framings.pcap')
    writeFileSync(file, capture.encodePcapFile(frames.map(f => ({ data: ethernet.encode(f) })), 1))
    const fields = ['eth.type', 'eth.len', 'eth.padding', 'eth.trailer', 'llc.dsap', 'llc.ssap', 'llc.control', 'llc.oui', 'llc.type', 'ipx.len', '_ws.expert.message']
    const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=/t', ...fields.flatMap(f => ['-e', f])],
      { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] })
    const lines = out.replace(/\n$/, '').split('\n')
    t.is(lines.length, frames.length)
    lines.forEach((line, i) => {
      const d = ethernet.decode(ethernet.encode(frames[i]!))
      const hexNum = (n: number | undefined, w: number): string => n === undefined ? '' : '0x' + n.toString(16).padStart(w, '0')
      const mine = [
        hexNum(d.etherType, 4), d.length?.toString() ?? '', d.padding.toString('hex'), d.trailer.toString('hex'),
        hexNum(d.llc?.dsap, 2), hexNum(d.llc?.ssap, 2), hexNum(d.llc?.control, 4),
        d.snap?.oui.toString() ?? '', hexNum(d.snap?.type, 4), String(d.ipx.header.length), ''
      ]
      t.deepEqual(line.split('\t'), mine, `frame ${i + 1}: ${ethernet.describeFrame(d)}`)
    })
  })
}
