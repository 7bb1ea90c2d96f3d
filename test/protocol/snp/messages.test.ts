import test from 'ava'
import fc from 'fast-check'
import { DecodeError, EncodeError, snp, tunnel } from '../../../protocol/index.js'
import type { DecodeErrorCode } from '../../../protocol/index.js'
import type { SnpBody, SnpMessage } from '../../../protocol/snp/index.js'
import { BODIES, HELLO, KEY1, KEYS, arbMessage, classEntry } from './_arbitraries.js'

const TS = { seconds: 1_700_000_000, micros: 999_999 }

function message (body: SnpBody, authenticated = false): SnpMessage {
  return snp.makeMessage({ node: 0x0000000000aa, sequence: 0xfffffffe, timestamp: TS, authenticated, keyId: authenticated ? 1 : 0 }, body)
}

/** Round trip per message (style guide §7): decode∘encode, encodingLength, encode at an offset, idempotence. */
const roundTrip = test.macro({
  exec (t, msg: SnpMessage) {
    const bytes = snp.encode(msg)
    t.is(bytes.length, snp.encodingLength(msg))
    t.is(bytes.readUInt16BE(0), snp.SNP_MAGIC)
    t.is(bytes.readUInt16BE(2), bytes.length)
    const back = snp.decode(bytes)
    t.deepEqual(back.header, msg.header)
    t.deepEqual(back.body, msg.body)
    const auth = (msg.header.flags & snp.SnpFlag.Authenticated) !== 0
    if (auth) t.deepEqual(back.tag, Buffer.alloc(snp.AUTH_TAG_LENGTH))
    else t.is(back.tag, undefined)
    t.deepEqual(snp.encode(back), bytes)
    const big = Buffer.alloc(bytes.length + 9, 0xee)
    t.is(snp.encode(msg, big, 5), big)
    t.deepEqual(big.subarray(5, 5 + bytes.length), bytes)
    t.deepEqual(snp.decode(big, 5, 5 + bytes.length).body, msg.body)
    t.deepEqual(snp.encode(msg), bytes)
    if (auth) {
      const signed = snp.sign(Buffer.from(bytes), KEY1)
      t.is(snp.verify(signed, KEYS), 'ok')
      const decoded = snp.decode(signed)
      t.deepEqual(decoded.body, msg.body)
      t.deepEqual(decoded.tag, signed.subarray(signed.length - 16))
      t.deepEqual(snp.encode(decoded), signed)
    } else {
      t.is(snp.verify(bytes, KEYS), 'unsigned')
    }
  },
  title: (given, msg: SnpMessage) => given ?? snp.describeMessage(msg)
})

for (const body of BODIES) {
  for (const authenticated of [false, true]) {
    const msg = message(body, authenticated)
    test(`round trip ${snp.messageTypeName(msg.header.type)} ${authenticated ? 'with' : 'without'} auth: ${snp.describeMessage(msg)}`, roundTrip, msg)
  }
}

test('every known type is covered by the round trips, with and without auth', t => {
  const kinds = new Set(BODIES.map(b => b.kind))
  for (const type of Object.values(snp.MessageType)) t.true(kinds.has(snp.messageTypeName(type) as SnpBody['kind']), snp.messageTypeName(type))
  t.true(kinds.has('unknown'))
})

test('property: any valid message round-trips, and a signed one verifies', t => {
  t.notThrows(() => fc.assert(fc.property(arbMessage, msg => {
    const bytes = snp.encode(msg, undefined, 0, snp.SNP_MAX_LENGTH)
    const back = snp.decode(bytes)
    if (!snp.encode(back, undefined, 0, snp.SNP_MAX_LENGTH).equals(bytes)) return false
    if ((msg.header.flags & 1) === 0) return true
    const key = KEYS.get(msg.header.keyId)
    if (key === undefined) return snp.verify(snp.sign(bytes, KEY1), KEYS) === 'unknown_key'
    return snp.verify(snp.sign(bytes, key), KEYS) === 'ok'
  }), { numRuns: 500 }))
})

test('sizes of the bodies are the documented ones', t => {
  t.is(snp.HELLO_BODY_LENGTH, 58)
  t.is(snp.HELLO_FIELDS.length, 42)
  t.is(snp.PROBE_BODY.length, 4)
  t.is(snp.PROBE_REPLY_BODY.length, 20)
  t.is(snp.REPORT_HEADER_LENGTH, 6)
  t.is(snp.REPORT_CLASS_LENGTH, 56)
  t.is(snp.BYE_BODY.length, 2)
  const hello = snp.encode(message({ kind: 'hello', hello: HELLO }))
  t.is(hello.length, 26 + 58)
  // The digest sits at body offset 42, after the fixed fields.
  t.deepEqual(hello.subarray(26 + 42), HELLO.classDigest)
  // Link settings at body offsets 22..41, big-endian.
  t.is(hello.readUInt32BE(26 + 22), HELLO.link.upRate)
  t.is(hello.readUInt32BE(26 + 38), HELLO.link.lossPpm)
})

test('a report entry puts each field at its documented offset', t => {
  const e = classEntry(9)
  const bytes = snp.encode(message({ kind: 'report', report: { intervalMicros: 0x01020304, classes: [e] } }))
  const b = bytes.subarray(26)
  t.is(b.readUInt32BE(0), 0x01020304)
  t.is(b.readUInt16BE(4), 1)
  const x = b.subarray(6)
  t.is(x[0], 9)
  t.is(x.readUInt32BE(2), e.packets)
  t.is(x.readUIntBE(6, 6), e.bytes)
  t.is(x.readUInt32BE(12), e.lost)
  t.is(x.readUInt32BE(16), e.reordered)
  t.is(x.readUInt32BE(20), e.duplicates)
  t.is(x.readUInt32BE(24), e.delay.p50)
  t.is(x.readUInt32BE(28), e.delay.p99)
  t.is(x.readUInt32BE(32), e.delay.max)
  t.is(x.readUInt32BE(36), e.drops.queueFull)
  t.is(x.readUInt32BE(40), e.drops.aqm)
  t.is(x.readUInt32BE(44), e.drops.expired)
  t.is(x.readUInt32BE(48), e.drops.policer)
  t.is(x.readUInt32BE(52), e.drops.other)
})

// ------------------------------------------------------------------------------------------ limits

function report (n: number, first = 0): SnpBody {
  return { kind: 'report', report: { intervalMicros: 1_000_000, classes: Array.from({ length: n }, (_, i) => classEntry(first + i)) } }
}

test('a report with the most classes that fit 1400 bytes encodes, authenticated or not', t => {
  t.is(snp.SNP_MAX_DATAGRAM, 1400)
  t.is(snp.SNP_MAX_REPORT_CLASSES, 24)
  t.is(snp.maxReportClasses(false), 24)
  t.is(snp.maxReportClasses(true), 24)
  for (const authenticated of [false, true]) {
    const msg = message(report(24), authenticated)
    const bytes = snp.encode(msg)
    t.true(bytes.length <= 1400)
    t.is(bytes.length, 26 + 6 + 24 * 56 + (authenticated ? 16 : 0))
    t.is(snp.decode(bytes).body.kind, 'report')
  }
})

test('the encoder refuses a report beyond the datagram limit: IPX_ERR_TOO_LARGE', t => {
  for (const authenticated of [false, true]) {
    t.throws(() => snp.encode(message(report(25), authenticated)), { instanceOf: EncodeError, code: 'IPX_ERR_TOO_LARGE' })
  }
  // A smaller limit of the caller's choosing is honoured, and maxReportClasses agrees with it.
  const n = snp.maxReportClasses(true, 576)
  t.is(n, 9)
  t.notThrows(() => snp.encode(message(report(n), true), undefined, 0, 576))
  t.throws(() => snp.encode(message(report(n + 1), true), undefined, 0, 576), { instanceOf: EncodeError, code: 'IPX_ERR_TOO_LARGE' })
  // Any message, not only reports.
  t.throws(() => snp.encode(message({ kind: 'unknown', type: 99, raw: Buffer.alloc(1400) })), { instanceOf: EncodeError, code: 'IPX_ERR_TOO_LARGE' })
  t.throws(() => snp.encode(message(report(1)), undefined, 0, 65_508), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
  t.throws(() => snp.encode(message(report(1)), undefined, 0, 25), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' })
})

test('a report of all 256 classes round-trips under the 65 507-byte decoder limit', t => {
  const msg = message(report(256), true)
  t.throws(() => snp.encode(msg), { instanceOf: EncodeError, code: 'IPX_ERR_TOO_LARGE' })
  const bytes = snp.sign(snp.encode(msg, undefined, 0, snp.SNP_MAX_LENGTH), KEY1)
  t.is(bytes.length, 26 + 6 + 256 * 56 + 16)
  t.is(snp.verify(bytes, KEYS), 'ok')
  const back = snp.decode(bytes)
  t.deepEqual(back.body, msg.body)
  if (back.body.kind !== 'report') return t.fail()
  t.deepEqual(back.body.report.classes.map(c => c.classId), Array.from({ length: 256 }, (_, i) => i))
})

test('a large report splits into several datagrams of ascending, disjoint class runs', t => {
  const all = Array.from({ length: 60 }, (_, i) => classEntry(i * 4))
  const per = snp.maxReportClasses(true)
  const datagrams: Buffer[] = []
  for (let i = 0; i < all.length; i += per) {
    const part: SnpBody = { kind: 'report', report: { intervalMicros: 1_000_000, classes: all.slice(i, i + per) } }
    datagrams.push(snp.sign(snp.encode(message(part, true)), KEY1))
  }
  t.is(datagrams.length, 3)
  const ids = datagrams.flatMap(d => {
    const m = snp.decode(d)
    return m.body.kind === 'report' ? m.body.report.classes.map(c => c.classId) : []
  })
  t.deepEqual(ids, all.map(c => c.classId))
  for (const d of datagrams) t.true(d.length <= snp.SNP_MAX_DATAGRAM)
})

// ------------------------------------------------------------------------------------------ rejects

/** A datagram with a correct header around `body`, built without the encoder's checks. */
function raw (type: number, body: Buffer, flags = 0): Buffer {
  const tag = (flags & 1) !== 0 ? 16 : 0
  const out = Buffer.alloc(26 + body.length + tag)
  snp.SNP_HEADER.write({ magic: snp.SNP_MAGIC, length: out.length, version: 1, type, flags, keyId: 0, node: 0xaa, sequence: 1, timestamp: TS }, out, 0)
  body.copy(out, 26)
  return out
}

function patched (bytes: Buffer, at: number, ...values: number[]): Buffer {
  const b = Buffer.from(bytes)
  values.forEach((v, i) => { b[at + i] = v })
  return b
}

const probe = snp.encode(message({ kind: 'probe', probe: { probeId: 1 } }))
const hello = snp.encode(message({ kind: 'hello', hello: HELLO }))
const reply = snp.encode(message({ kind: 'probe-reply', reply: { probeId: 1, echoTimestamp: TS, receivedAt: TS } }))
const threeClasses = snp.encode(message(report(3)))
const u32 = (n: number): number[] => [n >>> 24 & 0xff, n >>> 16 & 0xff, n >>> 8 & 0xff, n & 0xff]

interface Reject { name: string, buf: Buffer, code: DecodeErrorCode, offset: number, at?: number, end?: number }

const REJECTS: readonly Reject[] = [
  { name: 'empty buffer', buf: Buffer.alloc(0), code: 'IPX_ERR_TRUNCATED', offset: 0 },
  { name: 'magic and one length byte', buf: Buffer.from('534e00', 'hex'), code: 'IPX_ERR_TRUNCATED', offset: 0 },
  { name: 'one byte', buf: Buffer.from('53', 'hex'), code: 'IPX_ERR_TRUNCATED', offset: 0 },
  { name: 'offset beyond the buffer', buf: probe, at: probe.length + 1, code: 'IPX_ERR_TRUNCATED', offset: probe.length },
  { name: 'end before offset', buf: probe, at: 4, end: 2, code: 'IPX_ERR_TRUNCATED', offset: 4 },
  { name: 'native IX frame', buf: tunnel.encode(tunnel.makeFrame({ type: 4, node: 1, sequence: 1 })), code: 'IPX_ERR_BAD_MAGIC', offset: 0 },
  { name: 'bare IPX (FF FF)', buf: patched(probe, 0, 0xff, 0xff), code: 'IPX_ERR_BAD_MAGIC', offset: 0 },
  { name: 'wrong magic in two bytes', buf: Buffer.from('5358', 'hex'), code: 'IPX_ERR_BAD_MAGIC', offset: 0 },
  { name: 'length below 26', buf: patched(probe, 2, 0, 25), code: 'IPX_ERR_BAD_LENGTH', offset: 2 },
  { name: 'trailing bytes after length', buf: Buffer.concat([probe, Buffer.alloc(1)]), code: 'IPX_ERR_BAD_LENGTH', offset: 2 },
  { name: 'length beyond the bytes present', buf: probe.subarray(0, probe.length - 1), code: 'IPX_ERR_LENGTH_BEYOND_DATA', offset: 2 },
  { name: 'authenticated without room for the tag', buf: patched(probe, 6, 1), code: 'IPX_ERR_LENGTH_BEYOND_DATA', offset: 2 },
  { name: 'length above 65 507', buf: patched(Buffer.alloc(65_508), 0, 0x53, 0x4e, 0xff, 0xe4), code: 'IPX_ERR_LENGTH_TOO_LARGE', offset: 2 },
  { name: 'version 2', buf: patched(probe, 4, 2), code: 'IPX_ERR_BAD_VALUE', offset: 4 },
  { name: 'version 0 (the pseudo-header\'s)', buf: patched(probe, 4, 0), code: 'IPX_ERR_BAD_VALUE', offset: 4 },
  { name: 'reserved flag bit', buf: patched(probe, 6, 0x02), code: 'IPX_ERR_BAD_VALUE', offset: 6 },
  { name: 'micros 1 000 000', buf: patched(probe, 22, ...u32(1_000_000)), code: 'IPX_ERR_BAD_VALUE', offset: 22 },
  { name: 'hello body 57 bytes', buf: raw(1, Buffer.alloc(57, 0x40)), code: 'IPX_ERR_BAD_LENGTH', offset: 26 },
  { name: 'hello-ack body 59 bytes', buf: raw(2, Buffer.alloc(59, 0x40)), code: 'IPX_ERR_BAD_LENGTH', offset: 26 },
  { name: 'probe body 5 bytes', buf: raw(3, Buffer.alloc(5)), code: 'IPX_ERR_BAD_LENGTH', offset: 26 },
  { name: 'probe-reply body 19 bytes', buf: raw(4, Buffer.alloc(19)), code: 'IPX_ERR_BAD_LENGTH', offset: 26 },
  { name: 'bye body 3 bytes', buf: raw(6, Buffer.alloc(3)), code: 'IPX_ERR_BAD_LENGTH', offset: 26 },
  { name: 'bye body 0 bytes, authenticated', buf: raw(6, Buffer.alloc(0), 1), code: 'IPX_ERR_BAD_LENGTH', offset: 26 },
  { name: 'report body shorter than its header', buf: raw(5, Buffer.alloc(5)), code: 'IPX_ERR_BAD_LENGTH', offset: 26 },
  { name: 'report classCount disagrees with the entries', buf: patched(threeClasses, 26 + 4, 0, 4), code: 'IPX_ERR_BAD_LENGTH', offset: 30 },
  { name: 'report entries not whole', buf: raw(5, Buffer.concat([Buffer.from('000000000001', 'hex'), Buffer.alloc(55)])), code: 'IPX_ERR_BAD_ENTRY_SIZE', offset: 32 },
  { name: 'hello classCount 257', buf: patched(hello, 26 + 12, 0x01, 0x01), code: 'IPX_ERR_BAD_VALUE', offset: 38 },
  { name: 'hello mtu 29', buf: patched(hello, 26 + 20, 0, 29), code: 'IPX_ERR_BAD_VALUE', offset: 46 },
  { name: 'hello lossPpm 1 000 001', buf: patched(hello, 26 + 38, ...u32(1_000_001)), code: 'IPX_ERR_BAD_VALUE', offset: 64 },
  { name: 'probe-reply echo micros 1 000 000', buf: patched(reply, 26 + 8, ...u32(1_000_000)), code: 'IPX_ERR_BAD_VALUE', offset: 34 },
  { name: 'probe-reply receivedAt micros 1 000 000', buf: patched(reply, 26 + 16, ...u32(1_000_000)), code: 'IPX_ERR_BAD_VALUE', offset: 42 },
  { name: 'report class ids not ascending (0, 7, 2)', buf: patched(threeClasses, 32 + 56, 7), code: 'IPX_ERR_BAD_VALUE', offset: 32 + 112 },
  { name: 'report class id repeated', buf: patched(threeClasses, 32 + 56, 0), code: 'IPX_ERR_BAD_VALUE', offset: 32 + 56 },
  { name: 'report p50 above p99', buf: patched(threeClasses, 32 + 24, ...u32(48_001)), code: 'IPX_ERR_BAD_VALUE', offset: 32 + 24 },
  { name: 'report p99 above max', buf: patched(threeClasses, 32 + 28, ...u32(52_346)), code: 'IPX_ERR_BAD_VALUE', offset: 32 + 28 }
]

const rejects = test.macro({
  exec (t, r: Reject) {
    const err = t.throws(() => snp.decode(r.buf, r.at ?? 0, r.end ?? r.buf.length), { instanceOf: DecodeError, code: r.code })
    t.is(err?.protocol, 'snp')
    t.is(err?.offset, r.offset)
  },
  title: (given, r: Reject) => `rejects ${r.name}: ${r.code}${given ?? ''}`
})
for (const r of REJECTS) test(rejects, r)

test('the rejects table covers every code the SNP decoder can throw', t => {
  const codes = new Set(REJECTS.map(r => r.code))
  for (const c of ['IPX_ERR_TRUNCATED', 'IPX_ERR_BAD_MAGIC', 'IPX_ERR_BAD_LENGTH', 'IPX_ERR_LENGTH_BEYOND_DATA',
    'IPX_ERR_LENGTH_TOO_LARGE', 'IPX_ERR_BAD_VALUE', 'IPX_ERR_BAD_ENTRY_SIZE'] as const) t.true(codes.has(c), c)
})

test('enum values are lenient: unknown types decode raw, unknown mode and bye reason decode', t => {
  const m = snp.decode(raw(0x99, Buffer.from('abc')))
  t.deepEqual(m.body, { kind: 'unknown', type: 0x99, raw: Buffer.from('abc') })
  t.is(snp.messageTypeName(0x99), 'Unknown(0x99)')
  const h = snp.decode(snp.encode(message({ kind: 'hello', hello: { ...HELLO, mode: 7, capabilities: 0xffff } })))
  t.is(h.body.kind === 'hello' ? h.body.hello.mode : -1, 7)
  const b = snp.decode(snp.encode(message({ kind: 'bye', bye: { reason: 0xbeef } })))
  t.deepEqual(b.body, { kind: 'bye', bye: { reason: 0xbeef } })
})

// ------------------------------------------------------------------------------------ encoder rejects

test('the encoder refuses inconsistent headers and out-of-range fields: IPX_ERR_FIELD_RANGE', t => {
  const m = message({ kind: 'probe', probe: { probeId: 1 } })
  const bad: Array<[string, SnpMessage]> = [
    ['magic', { ...m, header: { ...m.header, magic: 0x4958 } }],
    ['version', { ...m, header: { ...m.header, version: 2 } }],
    ['flags', { ...m, header: { ...m.header, flags: 2 } }],
    ['length', { ...m, header: { ...m.header, length: 31 } }],
    ['type', { ...m, header: { ...m.header, type: 4 } }],
    ['type', message({ kind: 'unknown', type: 3, raw: Buffer.alloc(4) })],
    ['timestamp.micros', { ...m, header: { ...m.header, timestamp: { seconds: 0, micros: 1_000_000 } } }],
    ['tag', { ...m, tag: Buffer.alloc(16) }],
    ['tag', { ...message(m.body, true), tag: Buffer.alloc(15) }],
    ['node', { ...m, header: { ...m.header, node: 2 ** 48 } }],
    ['probeId', message({ kind: 'probe', probe: { probeId: -1 } })],
    ['classDigest', message({ kind: 'hello', hello: { ...HELLO, classDigest: Buffer.alloc(8) } })],
    ['link.lossPpm', message({ kind: 'hello', hello: { ...HELLO, link: { ...HELLO.link, lossPpm: 1_000_001 } } })],
    ['mtu', message({ kind: 'hello', hello: { ...HELLO, mtu: 29 } })],
    ['classCount', message({ kind: 'hello', hello: { ...HELLO, classCount: 257 } })],
    ['receivedAt.micros', message({ kind: 'probe-reply', reply: { probeId: 1, echoTimestamp: TS, receivedAt: { seconds: 1, micros: 1e6 } } })],
    ['classes[1].classId', message({ kind: 'report', report: { intervalMicros: 1, classes: [classEntry(3), classEntry(3)] } })],
    ['classes[0].delay.p50', message({ kind: 'report', report: { intervalMicros: 1, classes: [{ ...classEntry(1), delay: { p50: 2, p99: 1, max: 3 } }] } })],
    ['classes[0].delay.p99', message({ kind: 'report', report: { intervalMicros: 1, classes: [{ ...classEntry(1), delay: { p50: 1, p99: 4, max: 3 } }] } })],
    ['bytes', message({ kind: 'report', report: { intervalMicros: 1, classes: [{ ...classEntry(1), bytes: 2 ** 48 }] } })]
  ]
  for (const [field, msg] of bad) {
    const err = t.throws(() => snp.encode(msg), { instanceOf: EncodeError, code: 'IPX_ERR_FIELD_RANGE' }, field)
    t.is(err?.protocol, 'snp', field)
    t.is(err?.field, field, field)
  }
  t.throws(() => snp.encode(m, Buffer.alloc(29)), { instanceOf: EncodeError, code: 'IPX_ERR_BUFFER_TOO_SMALL' })
  t.throws(() => snp.encode(m, Buffer.alloc(40), 11), { instanceOf: EncodeError, code: 'IPX_ERR_BUFFER_TOO_SMALL' })
})

// ------------------------------------------------------------------------------------------- fuzz

function decodesOrDecodeError (bytes: Uint8Array): boolean {
  try {
    snp.decode(Buffer.from(bytes))
    return true
  } catch (err) {
    return err instanceof DecodeError && err.protocol === 'snp'
  }
}

test('fuzz: random bytes decode or throw DecodeError, never anything else', t => {
  t.notThrows(() => fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), decodesOrDecodeError), { numRuns: 3000 }))
})

test('fuzz: random bodies behind a plausible header decode or throw DecodeError', t => {
  // Magic, a matching length, version 1 and a known-ish type: gets past the header into every body rule.
  const arb = fc.tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 1 }), fc.uint8Array({ maxLength: 400 }))
    .map(([type, flags, body]) => {
      const b = Buffer.alloc(26 + body.length)
      b.writeUInt16BE(0x534e, 0)
      b.writeUInt16BE(b.length, 2)
      b[4] = 1
      b[5] = type
      b[6] = flags
      Buffer.from(body).copy(b, 26)
      return b
    })
  t.notThrows(() => fc.assert(fc.property(arb, decodesOrDecodeError), { numRuns: 3000 }))
})

test('fuzz: valid datagrams with bytes overwritten or cut decode or throw DecodeError; verify never throws', t => {
  t.notThrows(() => fc.assert(fc.property(arbMessage, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(),
    (msg, edits, cut) => {
      const b = snp.encode(msg, undefined, 0, snp.SNP_MAX_LENGTH)
      for (const [i, v] of edits) b[i % b.length] = v
      const c = b.subarray(0, b.length - (cut % 3 === 0 ? cut % b.length : 0))
      const v = snp.verify(c, KEYS)
      return decodesOrDecodeError(c) && ['ok', 'unsigned', 'unknown_key', 'bad_tag', 'malformed'].includes(v)
    }), { numRuns: 1000 }))
})

// ---------------------------------------------------------------------------------------- helpers

test('compareHello: a hello and its mirrored hello-ack agree', t => {
  const ack = { ...HELLO, peerNode: 0xaa, link: { ...HELLO.link, upRate: HELLO.link.downRate, downRate: HELLO.link.upRate } }
  t.deepEqual(snp.compareHello(HELLO, ack, { local: 0xaa, remote: 0xbb }), [])
  t.deepEqual(snp.compareHello(ack, HELLO, { local: 0xbb, remote: 0xaa }), [])
})

test('compareHello: each disagreement is listed by field, for the log', t => {
  const ack = { ...HELLO, peerNode: 0xaa, link: { ...HELLO.link, upRate: HELLO.link.downRate, downRate: HELLO.link.upRate } }
  const other = {
    ...ack,
    peerNode: 0xcc,
    mode: 0,
    classCount: 4,
    mtu: 576,
    classDigest: Buffer.alloc(16),
    link: { upRate: 1, downRate: 2, delayMicros: 3, jitterMicros: 4, lossPpm: 5 }
  }
  const found = snp.compareHello(HELLO, other, { local: 0xaa, remote: 0xbb })
  t.deepEqual(found.map(m => m.field), ['peerNode', 'mode', 'classDigest', 'classCount', 'mtu',
    'link.upRate', 'link.downRate', 'link.delayMicros', 'link.jitterMicros', 'link.lossPpm'])
  const digest = found.find(m => m.field === 'classDigest')!
  t.is(snp.describeMismatch(digest), `classDigest: local ${HELLO.classDigest.toString('hex')}, remote ${'00'.repeat(16)}`)
  t.deepEqual(found.find(m => m.field === 'link.upRate'), { field: 'link.upRate', local: '256000', remote: '2' })
  // A hello naming someone else as its peer, seen from the other side.
  t.deepEqual(snp.compareHello({ ...ack, peerNode: 0xdd }, HELLO, { local: 0xbb, remote: 0xaa }).map(m => m.field), ['node'])
  // Without ids, node checks are skipped; peerNode 0 is "not known yet".
  t.deepEqual(snp.compareHello(HELLO, { ...ack, peerNode: 0 }, { local: 0xaa, remote: 0xbb }), [])
})

test('compareHello: the network must agree in bridge mode only', t => {
  const mirror = (h: typeof HELLO, network: number, mode: number): typeof HELLO =>
    ({ ...h, mode, network, link: { ...h.link, upRate: h.link.downRate, downRate: h.link.upRate } })
  t.deepEqual(snp.compareHello({ ...HELLO, mode: 1 }, mirror(HELLO, 0x99, 1)), [])
  t.deepEqual(snp.compareHello({ ...HELLO, mode: 0 }, mirror(HELLO, 0x99, 0)).map(m => m.field), ['network'])
  t.deepEqual(snp.compareHello({ ...HELLO, mode: 0 }, mirror(HELLO, HELLO.network, 0)), [])
})

test('probeTimes: RTT without the turnaround, one-way delays with the offset (RFC 5905 §8)', t => {
  // Responder clock 1 s ahead; 40 ms each way; 500 µs turnaround.
  const reply = { probeId: 1, echoTimestamp: { seconds: 100, micros: 0 }, receivedAt: { seconds: 101, micros: 40_000 } }
  const times = snp.probeTimes(reply, { seconds: 101, micros: 40_500 }, { seconds: 100, micros: 80_500 })
  t.deepEqual(times, { rttMicros: 80_000, forwardMicros: 1_040_000, reverseMicros: -960_000 })
  // Delay variation: consecutive forward delays; the 1 s offset cancels (RFC 3393).
  const later = snp.probeTimes({ ...reply, echoTimestamp: { seconds: 102, micros: 0 }, receivedAt: { seconds: 103, micros: 45_000 } },
    { seconds: 103, micros: 45_100 }, { seconds: 102, micros: 85_100 })
  t.is(later.forwardMicros - times.forwardMicros, 5_000)
  t.is(later.rttMicros, 85_000)
})

test('describeMessage names the type, sender, auth and body', t => {
  const s = snp.describeMessage(message(report(2), true))
  t.true(s.startsWith('SN v1 report node 00:00:00:00:00:aa seq 4294967294 key 1 auth len'))
  t.true(s.endsWith('[2 classes, 1000000 µs]'))
  t.regex(snp.describeMessage(message({ kind: 'hello', hello: HELLO })), / hello .*route net 00000028 3 classes digest 1f9c/)
})

test('BOOK_LAYOUTS lists every SNP layout once, with its note', t => {
  const layouts = [snp.SNP_HEADER, snp.HELLO_FIELDS, snp.PROBE_BODY, snp.PROBE_REPLY_BODY, snp.REPORT_HEADER, snp.REPORT_CLASS, snp.BYE_BODY]
  t.deepEqual(snp.BOOK_LAYOUTS.map(l => l.layout), layouts)
  for (const l of snp.BOOK_LAYOUTS) {
    t.is(l.layout.protocol, 'snp')
    t.true(l.note.length > 10)
  }
})
