import test from 'ava'
import fc from 'fast-check'
import { capture, DecodeError, EncodeError } from '../../../protocol/index.js'
import type { ByteOrder } from '../../../protocol/capture/byte-order.js'
import { readAll } from './_helpers.js'

const { pcap } = capture

const FRAMES = [
  { data: Buffer.from('00112233445566778899aabbccddeeff8137', 'hex'), timestampNs: 1_214_474_789_360_507_123n },
  { data: Buffer.alloc(60, 0xab), timestampNs: 1_214_474_790_000_000_999n, originalLength: 64 },
  { data: Buffer.alloc(0), timestampNs: 0n }
]

const roundTrip = test.macro({
  exec (t, byteOrder: ByteOrder, nanosecond: boolean) {
    const file = capture.encodePcapFile(FRAMES, capture.LinkType.Ethernet, { byteOrder, nanosecond })
    const header = pcap.decodeFileHeader(file)
    t.like(header, { byteOrder, nanosecond, versionMajor: 2, versionMinor: 4, thiszone: 0, snaplen: 262144, linkType: 1 })
    const records = readAll([file])
    t.is(records.length, FRAMES.length)
    let offset = 24
    records.forEach((r, i) => {
      const f = FRAMES[i]!
      const ns = f.timestampNs
      t.is(r.index, i)
      t.is(r.interfaceId, 0)
      t.is(r.linkType, 1)
      t.is(r.timestampNs, nanosecond ? ns : ns - ns % 1000n)
      t.deepEqual(r.data, f.data)
      t.is(r.capturedLength, f.data.length)
      t.is(r.originalLength, f.originalLength ?? f.data.length)
      t.is(r.fileOffset, offset)
      offset += 16 + f.data.length
    })
    t.is(offset, file.length)
  },
  title: (_given, byteOrder: ByteOrder, nanosecond: boolean) => `pcap round trip, ${byteOrder}, ${nanosecond ? 'ns' : 'µs'}`
})

test(roundTrip, 'le', false)
test(roundTrip, 'le', true)
test(roundTrip, 'be', false)
test(roundTrip, 'be', true)

test('magic bytes on the wire follow the byte order and resolution', t => {
  t.is(capture.encodePcapFile([], 1).subarray(0, 4).toString('hex'), 'd4c3b2a1')
  t.is(capture.encodePcapFile([], 1, { nanosecond: true }).subarray(0, 4).toString('hex'), '4d3cb2a1')
  t.is(capture.encodePcapFile([], 1, { byteOrder: 'be' }).subarray(0, 4).toString('hex'), 'a1b2c3d4')
  t.is(capture.encodePcapFile([], 1, { byteOrder: 'be', nanosecond: true }).subarray(0, 4).toString('hex'), 'a1b23c4d')
})

test('a known little-endian header decodes field by field', t => {
  // tcpdump's ipx.pcap header: d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000
  const buf = Buffer.from('d4c3b2a1020004000000000000000000ffff000001000000', 'hex')
  t.deepEqual(pcap.decodeFileHeader(buf), {
    byteOrder: 'le', nanosecond: false, versionMajor: 2, versionMinor: 4, thiszone: 0, sigfigs: 0, snaplen: 65535, linkType: 1
  })
  t.deepEqual(pcap.encodeFileHeader(pcap.decodeFileHeader(buf)), buf)
})

test('file header round-trips with a negative thiszone and FCS bits above the link type', t => {
  const h = { byteOrder: 'be' as const, nanosecond: true, versionMajor: 2, versionMinor: 4, thiszone: -3600, sigfigs: 0, snaplen: 1500, linkType: 1 }
  const buf = pcap.encodeFileHeader(h)
  t.deepEqual(pcap.decodeFileHeader(buf), h)
  buf.writeUInt32BE(0x10000001, 20) // FCS length bits (draft-ietf-opsawg-pcap §4) are not the link type
  t.is(pcap.decodeFileHeader(buf).linkType, 1)
})

test('encoding at an offset writes into the given buffer', t => {
  const big = Buffer.alloc(100, 0xee)
  const h = pcap.decodeFileHeader(capture.encodePcapFile([], 1))
  t.is(pcap.encodeFileHeader(h, big, 10), big)
  t.deepEqual(pcap.decodeFileHeader(big, 10), h)
  t.is(big[9], 0xee)
  t.is(big[34], 0xee)
  const rec = { data: Buffer.from([1, 2, 3]), timestampNs: 5_000_001_000n }
  t.is(pcap.recordEncodingLength(rec), 19)
  t.is(pcap.encodeRecord(rec, {}, big, 40), big)
  t.deepEqual(pcap.decodeRecordHeader(big, 40, 'le'), { tsSeconds: 5, tsFraction: 1, capturedLength: 3, originalLength: 3 })
})

test('frames longer than the snaplen are cut, the original length kept', t => {
  const file = capture.encodePcapFile([{ data: Buffer.alloc(100, 7) }], 1, { snaplen: 64 })
  const [r] = readAll([file])
  t.is(r?.capturedLength, 64)
  t.is(r?.originalLength, 100)
  t.is(file.length, 24 + 16 + 64)
})

test('bad magic and short headers are DecodeErrors', t => {
  t.throws(() => pcap.decodeFileHeader(Buffer.alloc(24)), { instanceOf: DecodeError, code: 'IPX_ERR_BAD_MAGIC' })
  t.throws(() => pcap.decodeFileHeader(Buffer.from('d4c3b2a1', 'hex')), { instanceOf: DecodeError, code: 'IPX_ERR_TRUNCATED' })
  t.throws(() => pcap.decodeRecordHeader(Buffer.alloc(15), 0, 'le'), { instanceOf: DecodeError, code: 'IPX_ERR_TRUNCATED' })
})

test('a record longer than libpcap\'s maximum is IPX_ERR_BAD_BLOCK at its incl_len', t => {
  const file = capture.encodePcapFile([{ data: Buffer.alloc(4) }], 1)
  file.writeUInt32LE(pcap.PCAP_MAX_RECORD_LENGTH + 1, 24 + 8)
  const err = t.throws(() => readAll([file]), { instanceOf: DecodeError, code: 'IPX_ERR_BAD_BLOCK' })
  t.is(err?.offset, 24 + 8)
})

test('a version older than 2 is IPX_ERR_BAD_VALUE', t => {
  const file = capture.encodePcapFile([], 1)
  file.writeUInt16LE(1, 4)
  t.throws(() => readAll([file]), { instanceOf: DecodeError, code: 'IPX_ERR_BAD_VALUE' })
})

test('encoder rejects out-of-range values with EncodeError', t => {
  const data = Buffer.alloc(10)
  t.throws(() => capture.encodePcapFile([{ data, timestampNs: -1n }], 1), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  t.throws(() => capture.encodePcapFile([{ data, timestampNs: 2n ** 32n * 1_000_000_000n }], 1), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  t.throws(() => capture.encodePcapFile([{ data, originalLength: 9 }], 1), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  t.throws(() => capture.encodePcapFile([], 1, { snaplen: 0 }), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  t.throws(() => capture.encodePcapFile([], 0x1_0000_0000), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  t.throws(() => pcap.encodeRecord({ data }, {}, Buffer.alloc(20)), { instanceOf: EncodeError, code: 'IPX_ERR_BUFFER_TOO_SMALL' })
})

test('property: any records round-trip in every byte order and resolution', t => {
  const record = fc.record({
    data: fc.uint8Array({ maxLength: 80 }).map(a => Buffer.from(a)),
    timestampNs: fc.bigInt({ min: 0n, max: 2n ** 32n * 1_000_000_000n - 1n }),
    extra: fc.nat(1000)
  })
  fc.assert(fc.property(fc.array(record, { maxLength: 8 }), fc.constantFrom<ByteOrder>('le', 'be'), fc.boolean(), fc.nat(0xffff), (recs, byteOrder, nanosecond, linkType) => {
    const input = recs.map(r => ({ data: r.data, timestampNs: r.timestampNs, originalLength: r.data.length + r.extra }))
    const out = readAll([capture.encodePcapFile(input, linkType, { byteOrder, nanosecond })])
    t.is(out.length, input.length)
    out.forEach((r, i) => {
      const want = input[i]!
      t.deepEqual(r.data, want.data)
      t.is(r.originalLength, want.originalLength)
      t.is(r.linkType, linkType)
      t.is(r.timestampNs, nanosecond ? want.timestampNs : want.timestampNs - want.timestampNs % 1000n)
    })
  }), { numRuns: 200 })
})
