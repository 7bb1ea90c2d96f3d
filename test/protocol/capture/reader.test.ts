import test from 'ava'
import type { ExecutionContext } from 'ava'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { capture, DecodeError } from '../../../protocol/index.js'
import { REAL, realMissing, requireReal } from '../../_env.js'
import { epochToNs, readAll, readTsharkCsv, splitAt } from './_helpers.js'

/** The real captures, their record counts (SOURCES.md) and tshark reference CSVs. */
const REAL_CAPTURES: Array<[file: string, count: number, linkType: number, csv: string]> = [
  ['tcpdump/ipx.pcap', 64, 1, 'tcpdump_ipx.ipx.csv'],
  ['tcpdump/ipx-invalid-length.pcap', 1, 1, 'tcpdump_ipx-invalid-length.ipx.csv'],
  ['tcpdump/smb_print_trans-oobr1.pcap', 4, 1, 'tcpdump_smb_print_trans-oobr1.ipx.csv'],
  ['ipxbox/ipxpkt.cap', 97, 1, 'ipxbox_ipxpkt.ipx.csv'],
  // doom.cap's header says LINKTYPE 12 though the records are NULL/loopback (SOURCES.md pitfall).
  ['ipxbox/doom.cap', 1124, 12, 'ipxbox_doom.ipx.csv'],
  ['ipxbox/doom.linktype-null.pcap', 1124, 0, 'ipxbox_doom.ipx.csv']
]

const missing = realMissing({ shared: true })
/** Registers a test needing ../shared: skipped with the reason in its title when it is absent (not under CI). */
function realTest (title: string, fn: (t: ExecutionContext) => void): void {
  if (missing === undefined) test(title, fn)
  else test.skip(`${title} (${missing})`, fn)
}

for (const [file, count, linkType, csv] of REAL_CAPTURES) {
  realTest(`real ${file}: ${count} records, time and lengths equal tshark's for every frame`, t => {
    if (!requireReal(t, { shared: true })) return
    const buf = readFileSync(path.join(REAL, 'captures', file))
    const records = readAll([buf])
    t.is(records.length, count)
    const rows = readTsharkCsv(path.join(REAL, 'tshark', csv))
    t.is(rows.length, count, 'every frame of these files is IPX, so the -Y ipx CSV lists them all')
    let offset = 24
    for (const row of rows) {
      const r = records[Number(row['frame.number']) - 1]
      if (r === undefined) { t.fail(`no record for frame ${row['frame.number']}`); continue }
      t.is(r.timestampNs, epochToNs(row['frame.time_epoch'] ?? ''), `frame ${row['frame.number']} time`)
      t.is(r.originalLength, Number(row['frame.len']), `frame ${row['frame.number']} len`)
      t.is(r.capturedLength, Number(row['frame.cap_len']), `frame ${row['frame.number']} cap_len`)
      t.is(r.linkType, linkType)
      t.is(r.fileOffset, offset)
      offset += 16 + r.capturedLength
    }
    t.is(offset, buf.length)
  })
}

/** One pcap and one pcapng stream with varied records, for the stream properties. */
function samples (): Buffer[] {
  const frames = Array.from({ length: 12 }, (_, i) => ({ data: Buffer.alloc(i * 7 % 50, i), timestampNs: 1_000_000_000n * BigInt(i) + BigInt(i * 1001) }))
  return [
    capture.encodePcapFile(frames, 1, { nanosecond: true }),
    capture.encodePcapFile(frames, 1, { byteOrder: 'be' }),
    Buffer.concat([
      capture.encodePcapngFile([{ name: 'a', linkType: 1 }, { name: 'b', linkType: 0 }], frames.map((f, i) => ({ ...f, interfaceId: i % 2 }))),
      capture.pcapng.encodeRawBlock(0x1234, Buffer.alloc(9)),
      capture.encodePcapngFile([{ linkType: 101, tsresol: 6 }], frames.slice(0, 3).map(f => ({ ...f, interfaceId: 0 })), { byteOrder: 'be' })
    ])
  ]
}

test('property: a stream split at random points yields the same records as whole', t => {
  const files = samples()
  const whole = files.map(f => readAll([f]))
  fc.assert(fc.property(fc.nat(files.length - 1), fc.array(fc.nat(3000), { maxLength: 40 }), (which, cuts) => {
    const f = files[which]!
    t.deepEqual(readAll(splitAt(f, cuts)), whole[which])
  }), { numRuns: 300 })
})

realTest('a real capture pushed one byte at a time yields the same records', t => {
  if (!requireReal(t, { shared: true })) return
  const buf = readFileSync(path.join(REAL, 'captures', 'tcpdump', 'ipx.pcap'))
  const chunks = Array.from({ length: buf.length }, (_, i) => buf.subarray(i, i + 1))
  t.deepEqual(readAll(chunks), readAll([buf]))
})

test('a large block in tiny chunks is joined once, not re-copied per chunk', t => {
  // A 4 MiB pcapng block in 256-byte chunks: re-concatenating the remainder on every chunk would
  // copy about 34 GB (minutes); joining once when the block is complete copies 4 MiB.
  const big = Buffer.alloc(4 * 1024 * 1024, 1)
  const file = capture.encodePcapngFile([{ linkType: 1, snaplen: 0 }], [{ interfaceId: 0, data: big }, { interfaceId: 0, data: Buffer.alloc(10, 2) }])
  const reader = new capture.CaptureReader()
  const got: number[] = []
  const started = performance.now()
  for (let i = 0; i < file.length; i += 256) for (const r of reader.push(file.subarray(i, i + 256))) got.push(r.capturedLength)
  reader.end()
  t.deepEqual(got, [big.length, 10])
  t.true(performance.now() - started < 10_000)
})

test('records inside one chunk are views of it, not copies', t => {
  const file = capture.encodePcapFile([{ data: Buffer.alloc(10, 1) }], 1)
  const [r] = [...new capture.CaptureReader().push(file)]
  t.is(r?.data.buffer, file.buffer)
})

test('property: random bytes give records or a DecodeError, nothing else', t => {
  const prefixes = [
    Buffer.alloc(0),
    capture.encodePcapFile([], 1).subarray(0, 24),
    capture.encodePcapFile([], 1, { byteOrder: 'be', nanosecond: true }).subarray(0, 24),
    capture.encodePcapngFile([{ linkType: 1 }], []),
    capture.pcapng.encodeSectionHeader({ byteOrder: 'be' })
  ]
  const outcomes = { records: 0, errors: 0 }
  fc.assert(fc.property(fc.nat(prefixes.length - 1), fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(500), { maxLength: 6 }), (p, bytes, cuts) => {
    const buf = Buffer.concat([prefixes[p]!, Buffer.from(bytes)])
    try {
      readAll(splitAt(buf, cuts))
      outcomes.records++
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err
      outcomes.errors++
    }
  }), { numRuns: 2000 })
  t.true(outcomes.records > 0 && outcomes.errors > 0, `both outcomes occur: ${JSON.stringify(outcomes)}`)
})

test('property: a valid file with random bytes overwritten gives records or a DecodeError', t => {
  const files = samples()
  const outcomes = { records: 0, errors: 0 }
  fc.assert(fc.property(fc.nat(files.length - 1), fc.array(fc.tuple(fc.nat(2000), fc.nat(255)), { minLength: 1, maxLength: 8 }), (which, edits) => {
    const buf = Buffer.from(files[which]!)
    for (const [at, v] of edits) if (at < buf.length) buf[at] = v
    try {
      readAll([buf])
      outcomes.records++
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err
      outcomes.errors++
    }
  }), { numRuns: 1000 })
  t.true(outcomes.records > 0 && outcomes.errors > 0, `both outcomes occur: ${JSON.stringify(outcomes)}`)
})

test('end() inside a record: IPX_ERR_TRUNCATED at the end of the last whole record', t => {
  const file = capture.encodePcapFile([{ data: Buffer.alloc(20) }, { data: Buffer.alloc(30) }], 1)
  const reader = new capture.CaptureReader()
  const got = [...reader.push(file.subarray(0, file.length - 5))]
  t.is(got.length, 1)
  const err = t.throws(() => reader.end(), { instanceOf: DecodeError, code: 'IPX_ERR_TRUNCATED' })
  t.is(err?.offset, 24 + 16 + 20)
  t.is(reader.recordCount, 1)
})

test('end() inside a pcapng block, and inside a pcap file header', t => {
  const file = capture.encodePcapngFile([{ linkType: 1 }], [{ interfaceId: 0, data: Buffer.alloc(8) }])
  const reader = new capture.CaptureReader()
  t.is([...reader.push(file.subarray(0, file.length - 1))].length, 0)
  const err = t.throws(() => reader.end(), { instanceOf: DecodeError, code: 'IPX_ERR_TRUNCATED' })
  t.is(err?.offset, file.length - 40)
  const header = new capture.CaptureReader()
  t.is([...header.push(capture.encodePcapFile([], 1).subarray(0, 10))].length, 0)
  t.throws(() => header.end(), { instanceOf: DecodeError, code: 'IPX_ERR_TRUNCATED' })
})

test('empty stream, short stream and unknown magic are IPX_ERR_BAD_MAGIC', t => {
  t.throws(() => new capture.CaptureReader().end(), { instanceOf: DecodeError, code: 'IPX_ERR_BAD_MAGIC' })
  const short = new capture.CaptureReader()
  t.is([...short.push(Buffer.from([0xd4, 0xc3]))].length, 0)
  t.throws(() => short.end(), { instanceOf: DecodeError, code: 'IPX_ERR_BAD_MAGIC' })
  const err = t.throws(() => [...new capture.CaptureReader().push(Buffer.from('GIF89a..'))], { instanceOf: DecodeError, code: 'IPX_ERR_BAD_MAGIC' })
  t.is(err?.offset, 0)
})

test('error offsets are file offsets even after earlier chunks were consumed', t => {
  const file = capture.encodePcapFile([{ data: Buffer.alloc(100) }, { data: Buffer.alloc(4) }], 1)
  file.writeUInt32LE(capture.pcap.PCAP_MAX_RECORD_LENGTH + 1, 24 + 116 + 8)
  const reader = new capture.CaptureReader()
  t.is([...reader.push(file.subarray(0, 24 + 116))].length, 1)
  const err = t.throws(() => [...reader.push(file.subarray(24 + 116))], { instanceOf: DecodeError, code: 'IPX_ERR_BAD_BLOCK' })
  t.is(err?.offset, 24 + 116 + 8)
})

test('format, interfaces and offset are reported', t => {
  const reader = new capture.CaptureReader()
  t.is(reader.format, undefined)
  const file = capture.encodePcapFile([{ data: Buffer.alloc(4) }], 101, { snaplen: 1000 })
  t.is([...reader.push(file)].length, 1)
  t.is(reader.format, 'pcap')
  t.deepEqual(reader.interfaces, [{ linkType: 101, snaplen: 1000, tsresol: 6, tsoffset: 0n, name: undefined }])
  t.is(reader.offset, file.length)
})

test('describeRecord gives one line with time, lengths and offset', t => {
  const [r] = [...new capture.CaptureReader().push(capture.encodePcapFile([{ data: Buffer.alloc(60), originalLength: 64, timestampNs: 1_700_000_000_000_000_005n }], 1, { nanosecond: true }))]
  t.is(r === undefined ? '' : capture.describeRecord(r), '#0 if0 1700000000.000000005 60/64 bytes @24')
})
