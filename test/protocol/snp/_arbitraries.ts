/**
 * Fixed sample bodies and fast-check arbitraries for the SNP tests: valid messages of every type,
 * with and without a tag reserved.
 */
import fc from 'fast-check'
import { snp } from '../../../protocol/index.js'
import type { ClassReport, HelloBody, ReportBody, SnpBody, SnpMessage } from '../../../protocol/snp/index.js'

/** Two keys under ids 1 and 2, as a native link would have them. */
export const KEY1 = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex')
export const KEY2 = Buffer.alloc(32, 0x5a)
export const KEYS: ReadonlyMap<number, Buffer> = new Map([[1, KEY1], [2, KEY2]])

/** A readable hello: route mode, 3 classes, 2 Mbit/s down and 256 kbit/s up. */
export const HELLO: HelloBody = {
  peerNode: 0x0000000000bb,
  network: 0x00000028,
  mode: 1,
  reserved: 0,
  classCount: 3,
  capabilities: 0x0003,
  reportIntervalMs: 1000,
  probeIntervalMs: 250,
  mtu: 1424,
  link: { upRate: 256_000, downRate: 2_000_000, delayMicros: 40_000, jitterMicros: 5_000, lossPpm: 10_000 },
  classDigest: Buffer.from('1f9c65de7fbb633a5f9c6f9e70b1ef28', 'hex')
}

/** A class entry with every field distinct, so that a swapped offset shows. */
export function classEntry (classId: number): ClassReport {
  return {
    classId,
    reserved: 0,
    packets: 1000 + classId,
    bytes: 0x0102030405 + classId,
    lost: 3,
    reordered: 2,
    duplicates: 1,
    delay: { p50: 40_100, p99: 48_000, max: 52_345 },
    drops: { queueFull: 7, aqm: 6, expired: 5, policer: 4, other: 0xffffffff }
  }
}

/** A valid sample body of each kind, and an unknown type. */
export const BODIES: readonly SnpBody[] = [
  { kind: 'hello', hello: HELLO },
  { kind: 'hello-ack', hello: { ...HELLO, peerNode: 0xaa, link: { ...HELLO.link, upRate: 2_000_000, downRate: 256_000 } } },
  { kind: 'probe', probe: { probeId: 0xfffffffe } },
  { kind: 'probe-reply', reply: { probeId: 7, echoTimestamp: { seconds: 1_700_000_000, micros: 1 }, receivedAt: { seconds: 1_700_000_000, micros: 40_002 } } },
  { kind: 'report', report: { intervalMicros: 1_000_000, classes: [classEntry(0), classEntry(2), classEntry(5)] } },
  { kind: 'report', report: { intervalMicros: 0, classes: [] } },
  { kind: 'bye', bye: { reason: 3 } },
  { kind: 'unknown', type: 0x42, raw: Buffer.from('future!') },
  { kind: 'unknown', type: 0, raw: Buffer.alloc(0) }
]

const u8 = fc.integer({ min: 0, max: 0xff })
const u16 = fc.integer({ min: 0, max: 0xffff })
const u32 = fc.integer({ min: 0, max: 0xffffffff })
const u48 = fc.integer({ min: 0, max: 0xffffffffffff })
const micros = fc.integer({ min: 0, max: 999_999 })
const timestamp = fc.record({ seconds: u32, micros })
const bytes = (minLength: number, maxLength: number): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ minLength, maxLength }).map(a => Buffer.from(a))

/** Any valid hello body. */
export const arbHello: fc.Arbitrary<HelloBody> = fc.record({
  peerNode: u48,
  network: u32,
  mode: u8,
  reserved: u8,
  classCount: fc.integer({ min: 0, max: 256 }),
  capabilities: u16,
  reportIntervalMs: u16,
  probeIntervalMs: u16,
  mtu: fc.integer({ min: 30, max: 0xffff }),
  link: fc.record({ upRate: u32, downRate: u32, delayMicros: u32, jitterMicros: u32, lossPpm: fc.integer({ min: 0, max: 1_000_000 }) }),
  classDigest: bytes(16, 16)
})

/** Any valid class entry for `classId`. */
function arbEntry (classId: number): fc.Arbitrary<ClassReport> {
  return fc.record({
    reserved: u8,
    packets: u32,
    bytes: u48,
    lost: u32,
    reordered: u32,
    duplicates: u32,
    delays: fc.array(u32, { minLength: 3, maxLength: 3 }).map(a => [...a].sort((x, y) => x - y)),
    drops: fc.record({ queueFull: u32, aqm: u32, expired: u32, policer: u32, other: u32 })
  }).map(r => ({
    classId,
    reserved: r.reserved,
    packets: r.packets,
    bytes: r.bytes,
    lost: r.lost,
    reordered: r.reordered,
    duplicates: r.duplicates,
    delay: { p50: r.delays[0]!, p99: r.delays[1]!, max: r.delays[2]! },
    drops: r.drops
  }))
}

/** Any valid report with up to 24 classes (ascending distinct ids). */
export const arbReport: fc.Arbitrary<ReportBody> = fc.tuple(
  u32, fc.uniqueArray(u8, { maxLength: snp.SNP_MAX_REPORT_CLASSES })
).chain(([intervalMicros, ids]) =>
  fc.tuple(...[...ids].sort((a, b) => a - b).map(arbEntry)).map(classes => ({ intervalMicros, classes })))

/** Any valid body. */
export const arbBody: fc.Arbitrary<SnpBody> = fc.oneof(
  arbHello.map((hello): SnpBody => ({ kind: 'hello', hello })),
  arbHello.map((hello): SnpBody => ({ kind: 'hello-ack', hello })),
  u32.map((probeId): SnpBody => ({ kind: 'probe', probe: { probeId } })),
  fc.record({ probeId: u32, echoTimestamp: timestamp, receivedAt: timestamp }).map((reply): SnpBody => ({ kind: 'probe-reply', reply })),
  arbReport.map((report): SnpBody => ({ kind: 'report', report })),
  u16.map((reason): SnpBody => ({ kind: 'bye', bye: { reason } })),
  fc.tuple(fc.oneof(fc.constant(0), fc.integer({ min: 7, max: 255 })), bytes(0, 64))
    .map(([type, raw]): SnpBody => ({ kind: 'unknown', type, raw }))
)

/** Any valid message, with or without a (zero) tag reserved. */
export const arbMessage: fc.Arbitrary<SnpMessage> = fc.record({
  node: u48,
  sequence: u32,
  timestamp,
  authenticated: fc.boolean(),
  keyId: u8,
  body: arbBody
}).map(({ body, ...fields }) => snp.makeMessage(fields, body))
