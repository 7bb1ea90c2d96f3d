import test from 'ava'
import fc from 'fast-check'
import { capture, DecodeError, EncodeError } from '../../../protocol/index.js'
import type { ByteOrder } from '../../../protocol/capture/byte-order.js'
import { readAll } from './_helpers.js'

const { pcapng } = capture
const ETH = capture.LinkType.Ethernet

const twoInterfaces = test.macro({
  exec (t, byteOrder: ByteOrder) {
    const records = [
      { interfaceId: 0, data: Buffer.alloc(60, 1), timestampNs: 1_741_279_062_480_644_123n },
      { interfaceId: 1, data: Buffer.alloc(61, 2), timestampNs: 1_741_279_062_480_644_124n, originalLength: 1500 },
      { interfaceId: 0, data: Buffer.alloc(3, 3), timestampNs: 1n }
    ]
    const file = capture.encodePcapngFile([{ name: 'dosbox0', linkType: ETH }, { name: 'wan0', linkType: capture.LinkType.Null }], records, { byteOrder })
    const reader = new capture.CaptureReader()
    const out = [...reader.push(file)]
    reader.end()
    t.is(reader.format, 'pcapng')
    t.deepEqual(reader.interfaces.map(i => [i.name, i.linkType, i.tsresol]), [['dosbox0', ETH, 9], ['wan0', 0, 9]])
    t.is(out.length, 3)
    out.forEach((r, i) => {
      const want = records[i]!
      t.is(r.index, i)
      t.is(r.interfaceId, want.interfaceId)
      t.is(r.linkType, want.interfaceId === 0 ? ETH : 0)
      t.is(r.timestampNs, want.timestampNs)
      t.deepEqual(r.data, want.data)
      t.is(r.originalLength, want.originalLength ?? want.data.length)
      t.is(pcapng.decodeBlockHeader(file, r.fileOffset, byteOrder).blockType, pcapng.BlockType.EnhancedPacket)
    })
  },
  title: (_given, byteOrder: ByteOrder) => `pcapng with two interfaces round-trips, ${byteOrder}`
})

test(twoInterfaces, 'le')
test(twoInterfaces, 'be')

test('SHB: byte-order magic, version 1.0, section length -1 when not given', t => {
  for (const byteOrder of ['le', 'be'] as const) {
    const shb = pcapng.encodeSectionHeader({ byteOrder })
    t.is(shb.length, 28)
    t.is(pcapng.sectionByteOrder(shb, 0), byteOrder)
    t.deepEqual(pcapng.decodeBlock(shb, 0, byteOrder), { type: 'shb', byteOrder, versionMajor: 1, versionMinor: 0, sectionLength: -1n, options: [] })
    const withLength = pcapng.encodeSectionHeader({ byteOrder, sectionLength: 1234n })
    t.like(pcapng.decodeBlock(withLength, 0, byteOrder), { sectionLength: 1234n })
  }
  t.is(pcapng.encodeSectionHeader().subarray(8, 12).toString('hex'), '4d3c2b1a')
  t.is(pcapng.encodeSectionHeader({ byteOrder: 'be' }).subarray(8, 12).toString('hex'), '1a2b3c4d')
})

/** SHB, IDB(s) and then arbitrary blocks, all in `order`. */
function file (order: ByteOrder, ...blocks: Buffer[]): Buffer {
  return Buffer.concat([pcapng.encodeSectionHeader({ byteOrder: order }), ...blocks])
}

test('unknown blocks are skipped by their length; a simple packet block uses interface 0', t => {
  const order = 'le'
  const buf = file(order,
    pcapng.encodeInterface({ linkType: ETH, snaplen: 64, tsresol: 9 }, order),
    pcapng.encodeRawBlock(0x00000bad, Buffer.from('anything at all, padded'), order),
    pcapng.encodeRawBlock(pcapng.BlockType.InterfaceStatistics, Buffer.alloc(12), order),
    // SPB: original 100, snaplen 64 → 64 bytes captured (draft §4.4); the block holds them.
    pcapng.encodeSimplePacket({ data: Buffer.alloc(64, 9), originalLength: 100 }, order),
    pcapng.encodeSimplePacket({ data: Buffer.alloc(20, 8) }, order),
    pcapng.encodeRawBlock(0x80000001, Buffer.alloc(0), order),
    pcapng.encodeEnhancedPacket({ interfaceId: 0, data: Buffer.alloc(10, 7), timestampNs: 42n }, { tsresol: 9 }, order))
  const out = readAll([buf])
  t.deepEqual(out.map(r => [r.index, r.interfaceId, r.capturedLength, r.originalLength, r.timestampNs]), [
    [0, 0, 64, 100, 0n],
    [1, 0, 20, 20, 0n],
    [2, 0, 10, 10, 42n]
  ])
  t.deepEqual(out[0]?.data, Buffer.alloc(64, 9))
})

test('a simple packet block of odd length drops the padding; snaplen 0 means no limit', t => {
  const order = 'be'
  const buf = file(order,
    pcapng.encodeInterface({ linkType: ETH, snaplen: 0 }, order),
    pcapng.encodeSimplePacket({ data: Buffer.alloc(61, 1) }, order))
  const [r] = readAll([buf])
  t.is(r?.capturedLength, 61)
  t.deepEqual(r?.data, Buffer.alloc(61, 1))
})

const TSRESOL: Array<[string, number, bigint, bigint, bigint]> = [
  // [title, if_tsresol, if_tsoffset, raw ticks, expected ns]
  ['default microseconds (6)', 6, 0n, 1_700_000_000_123_456n, 1_700_000_000_123_456_000n],
  ['milliseconds (3)', 3, 0n, 1_700_000_000_123n, 1_700_000_000_123_000_000n],
  ['nanoseconds (9)', 9, 0n, 1_700_000_000_123_456_789n, 1_700_000_000_123_456_789n],
  ['picoseconds (12), truncated', 12, 0n, 5_123_456_789_999n, 5_123_456_789n],
  ['seconds (0)', 0, 0n, 1_700_000_000n, 1_700_000_000_000_000_000n],
  ['2^-10 s (0x8a)', 0x8a, 0n, 1024n * 3n + 512n, 3_500_000_000n],
  ['2^-30 s (0x9e)', 0x9e, 0n, 2n ** 30n + 2n ** 29n, 1_500_000_000n],
  ['microseconds with if_tsoffset 1e9 s', 6, 1_000_000_000n, 5_000_001n, 1_000_000_005_000_001_000n],
  ['nanoseconds with a negative if_tsoffset', 9, -10n, 20_000_000_000n, 10_000_000_000n]
]

for (const [title, tsresol, tsoffset, ticks, ns] of TSRESOL) {
  test(`if_tsresol: ${title}`, t => {
    t.is(pcapng.timestampToNs(ticks, tsresol, tsoffset), ns)
    for (const order of ['le', 'be'] as const) {
      const buf = file(order,
        pcapng.encodeInterface({ linkType: ETH, tsresol, tsoffset }, order),
        pcapng.encodeEnhancedPacket({ interfaceId: 0, data: Buffer.alloc(1), timestampNs: ns }, { tsresol, tsoffset }, order))
      const epb = pcapng.decodeBlock(buf, buf.length - 36, order)
      t.true(epb.type === 'packet' && pcapng.timestampToNs(epb.timestamp ?? -1n, tsresol, tsoffset) === ns)
      t.is(readAll([buf])[0]?.timestampNs, ns)
    }
  })
}

test('an IDB without if_tsresol means microseconds', t => {
  const buf = file('le', pcapng.encodeInterface({ linkType: ETH }), pcapng.encodeEnhancedPacket({ interfaceId: 0, data: Buffer.alloc(1), timestampNs: 1_500_000_000n }))
  t.like(pcapng.decodeBlock(buf, 28, 'le'), { type: 'idb', tsresol: 6, tsoffset: 0n, options: [] })
  t.is(readAll([buf])[0]?.timestampNs, 1_500_000_000n)
})

test('several sections: each has its own byte order and numbers its interfaces afresh', t => {
  const a = capture.encodePcapngFile([{ name: 'a0', linkType: ETH }, { name: 'a1', linkType: 0 }], [{ interfaceId: 1, data: Buffer.alloc(5, 1), timestampNs: 7n }], { byteOrder: 'le' })
  const b = capture.encodePcapngFile([{ name: 'b0', linkType: capture.LinkType.Raw }], [{ interfaceId: 0, data: Buffer.alloc(6, 2), timestampNs: 8n }], { byteOrder: 'be' })
  const out = readAll([Buffer.concat([a, b])])
  t.deepEqual(out.map(r => [r.index, r.interfaceId, r.linkType, r.data.length, r.timestampNs, r.fileOffset > a.length]), [
    [0, 1, 0, 5, 7n, false],
    [1, 0, 101, 6, 8n, true]
  ])
  // A packet naming interface 1 in the second section (which has one) is a bad block.
  const bad = Buffer.concat([a, capture.encodePcapngFile([{ name: 'b0', linkType: 1 }], [], { byteOrder: 'be' }),
    pcapng.encodeEnhancedPacket({ interfaceId: 1, data: Buffer.alloc(1) }, {}, 'be')])
  t.throws(() => readAll([bad]), { instanceOf: DecodeError, code: 'IPX_ERR_BAD_BLOCK' })
})

test('an obsolete packet block is read with its 16-bit interface id', t => {
  const order = 'le'
  const body = Buffer.alloc(20 + 4)
  body.writeUInt16LE(0, 0) // interface id
  body.writeUInt16LE(3, 2) // drops
  body.writeUInt32LE(0, 4) // timestamp high
  body.writeUInt32LE(2_000_000, 8) // timestamp low: 2 s in µs
  body.writeUInt32LE(3, 12) // captured
  body.writeUInt32LE(70, 16) // original
  body.set([0xaa, 0xbb, 0xcc], 20)
  const buf = file(order, pcapng.encodeInterface({ linkType: ETH }, order), pcapng.encodeRawBlock(pcapng.BlockType.ObsoletePacket, body, order))
  const [r] = readAll([buf])
  t.like(r, { interfaceId: 0, capturedLength: 3, originalLength: 70, timestampNs: 2_000_000_000n })
  t.deepEqual(r?.data, Buffer.from('aabbcc', 'hex'))
})

/** A file with one IDB and one EPB; returns it and the EPB's offset. */
function sample (order: ByteOrder = 'le'): { buf: Buffer, epb: number } {
  const head = file(order, pcapng.encodeInterface({ linkType: ETH }, order))
  return { buf: Buffer.concat([head, pcapng.encodeEnhancedPacket({ interfaceId: 0, data: Buffer.alloc(8, 5) }, {}, order)]), epb: head.length }
}

const badBlock = test.macro({
  exec (t, mutate: (buf: Buffer, epb: number) => number, code: string) {
    const { buf, epb } = sample()
    const at = mutate(buf, epb)
    const err = t.throws(() => readAll([buf]), { instanceOf: DecodeError, code })
    t.is(err?.offset, at)
  },
  title: (given = '', _m, code: string) => `${given} → ${code}`
})

test('block length below 12', badBlock, (b, e) => { b.writeUInt32LE(8, e + 4); return e + 4 }, 'IPX_ERR_BAD_BLOCK')
test('block length not a multiple of 4', badBlock, (b, e) => { b.writeUInt32LE(42, e + 4); return e + 4 }, 'IPX_ERR_BAD_BLOCK')
test('trailing length differs', badBlock, (b, e) => { b.writeUInt32LE(44, e + 40 - 4); return e + 36 }, 'IPX_ERR_BAD_BLOCK')
test('captured length beyond the block', badBlock, (b, e) => { b.writeUInt32LE(9, e + 20); return e + 20 }, 'IPX_ERR_BAD_BLOCK')
test('packet on an interface that does not exist', badBlock, (b, e) => { b.writeUInt32LE(1, e + 8); return e + 8 }, 'IPX_ERR_BAD_BLOCK')
test('byte-order magic neither way', badBlock, b => { b.writeUInt32LE(0x12345678, 8); return 8 }, 'IPX_ERR_BAD_MAGIC')
test('major version 2', badBlock, b => { b.writeUInt16LE(2, 12); return 12 }, 'IPX_ERR_BAD_VALUE')
test('SHB shorter than 28 bytes', badBlock, b => { b.writeUInt32LE(24, 4); b.writeUInt32LE(24, 20); return 4 }, 'IPX_ERR_BAD_BLOCK')
test('IDB option running past the block → IPX_ERR_BAD_BLOCK', t => {
  // IDB at 28: 16 fixed bytes, if_name "x" (4 + 4), opt_endofopt (4), trailer (4) = 32 bytes.
  const buf = file('le', pcapng.encodeInterface({ linkType: ETH, name: 'x' }))
  t.is(buf.readUInt32LE(28 + 4), 32)
  buf.writeUInt16LE(200, 28 + 18) // if_name claims 200 bytes
  const err = t.throws(() => readAll([buf]), { instanceOf: DecodeError, code: 'IPX_ERR_BAD_BLOCK' })
  t.is(err?.offset, 28 + 18)
})

test('decodeBlock needs the whole block', t => {
  const { buf, epb } = sample()
  t.throws(() => pcapng.decodeBlock(buf.subarray(0, epb + 20), epb, 'le'), { instanceOf: DecodeError, code: 'IPX_ERR_TRUNCATED' })
  t.throws(() => pcapng.decodeBlockHeader(buf, buf.length - 4, 'le'), { instanceOf: DecodeError, code: 'IPX_ERR_TRUNCATED' })
})

test('encoders reject what cannot be written', t => {
  const data = Buffer.alloc(4)
  t.throws(() => capture.encodePcapngFile([{ linkType: ETH }], [{ interfaceId: 1, data }]), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  t.throws(() => pcapng.encodeEnhancedPacket({ interfaceId: 0, data, timestampNs: -1n }), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  t.throws(() => pcapng.encodeEnhancedPacket({ interfaceId: 0, data, originalLength: 3 }), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  t.throws(() => pcapng.encodeInterface({ linkType: 0x10000 }), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  t.throws(() => pcapng.encodeInterface({ linkType: 1, tsresol: 256 }), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  t.throws(() => pcapng.encodeSectionHeader({ sectionLength: -2n }), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  t.throws(() => pcapng.encodeEnhancedPacket({ interfaceId: 0, data }, {}, 'le', Buffer.alloc(10)), { instanceOf: EncodeError, code: 'IPX_ERR_BUFFER_TOO_SMALL' })
})

test('encodingLength agrees with encode, and encode writes at an offset', t => {
  const idb = { linkType: ETH, name: 'dosbox0', description: 'DOSBox clients', tsresol: 9, tsoffset: 5n }
  t.is(pcapng.interfaceEncodingLength(idb), pcapng.encodeInterface(idb).length)
  const rec = { interfaceId: 0, data: Buffer.alloc(13) }
  t.is(pcapng.enhancedPacketEncodingLength(rec), pcapng.encodeEnhancedPacket(rec).length)
  t.is(pcapng.sectionHeaderEncodingLength({ options: [{ code: 4, value: 'ipxlab' }] }), pcapng.encodeSectionHeader({ options: [{ code: 4, value: 'ipxlab' }] }).length)
  const big = Buffer.alloc(200, 0xee)
  t.is(pcapng.encodeInterface(idb, 'be', big, 8), big)
  t.like(pcapng.decodeBlock(big, 8, 'be'), { type: 'idb', name: 'dosbox0', tsresol: 9, tsoffset: 5n, linkType: ETH })
  t.is(big[7], 0xee)
})

test('property: random interfaces and packets round-trip through pcapng', t => {
  const iface = fc.record({ linkType: fc.nat(0xffff), name: fc.string({ maxLength: 12 }) })
  fc.assert(fc.property(fc.array(iface, { minLength: 1, maxLength: 4 }), fc.array(fc.record({
    which: fc.nat(),
    data: fc.uint8Array({ maxLength: 70 }).map(a => Buffer.from(a)),
    timestampNs: fc.bigInt({ min: 0n, max: 2n ** 63n })
  }), { maxLength: 10 }), fc.constantFrom<ByteOrder>('le', 'be'), (ifs, recs, byteOrder) => {
    const records = recs.map(r => ({ interfaceId: r.which % ifs.length, data: r.data, timestampNs: r.timestampNs }))
    const out = readAll([capture.encodePcapngFile(ifs, records, { byteOrder })])
    t.deepEqual(out.map(r => [r.interfaceId, r.linkType, r.timestampNs, r.data]), records.map(r => [r.interfaceId, ifs[r.interfaceId]!.linkType, r.timestampNs, r.data]))
  }), { numRuns: 200 })
})
