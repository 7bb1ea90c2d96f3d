/**
 * SNP messages (protocol/snp/SPEC.md §3): the bodies of hello / hello-ack, probe, probe-reply, report
 * and bye, and the dns-packet trio `encode` / `decode` / `encodingLength` for a whole datagram. Every
 * body is fixed-size, or (report) a fixed header plus fixed 56-byte entries, each described once with
 * `defineLayout`. All of it is ipxlab's own design (SPEC.md §8, S10).
 *
 * Helpers for the node: {@link compareHello} lists configuration mismatches for a clear log line;
 * {@link probeTimes} turns a probe-reply into RTT and one-way delays (RFC 5905 §8, RFC 3393).
 */
import { defineLayout } from '../layout.js'
import type { Layout } from '../layout.js'
import { DecodeError, EncodeError } from '../errors.js'
import { IPX_HEADER_LENGTH, hex } from '../constants.js'
import { formatNode } from '../ipx/address.js'
import { LinkMode, linkModeName } from '../tunnel/messages.js'
import { MICROS_PER_SECOND, timestampToMicros } from '../tunnel/timestamp.js'
import type { Timestamp } from '../tunnel/timestamp.js'
import {
  AUTH_TAG_LENGTH, SNP_HEADER, SNP_HEADER_LENGTH, SNP_MAGIC, SNP_MAX_DATAGRAM, SNP_MAX_LENGTH, SNP_KNOWN_FLAGS,
  SNP_VERSION, SnpFlag, isAuthenticated, readFrame
} from './frame.js'
import type { SnpHeader } from './frame.js'

/** SNP message types (header offset 5). Unknown values decode with a raw body. */
export const MessageType = {
  /** 1: opens the SNP conversation; carries a {@link HelloBody}. */
  Hello: 1,
  /** 2: answers a hello with the responder's own {@link HelloBody}. */
  HelloAck: 2,
  /** 3: asks for a probe-reply; carries a {@link ProbeBody}. */
  Probe: 3,
  /** 4: answers a probe with a {@link ProbeReplyBody} (T1 and T2). */
  ProbeReply: 4,
  /** 5: per-class statistics of one interval; a {@link ReportBody}. */
  Report: 5,
  /** 6: the sender stops; a {@link ByeBody}. */
  Bye: 6
} as const
export type MessageType = typeof MessageType[keyof typeof MessageType]

/** The message kinds of {@link SnpBody}, indexed by wire type. */
const KIND_BY_TYPE = ['unknown', 'hello', 'hello-ack', 'probe', 'probe-reply', 'report', 'bye'] as const
type KnownKind = Exclude<typeof KIND_BY_TYPE[number], 'unknown'>
const TYPE_BY_KIND: Readonly<Record<KnownKind, number>> = {
  hello: 1, 'hello-ack': 2, probe: 3, 'probe-reply': 4, report: 5, bye: 6
}

/** `hello`, `probe-reply`, ...; unknown values read `Unknown(0x1f)`. */
export function messageTypeName (type: number): string {
  return type >= 1 && type <= 6 ? KIND_BY_TYPE[type]! : `Unknown(0x${hex(type, 2)})`
}

/** Capability bits (hello offset 14). Unknown bits are sent 0 and ignored. */
export const Capability = {
  /** bit 0: the sender sends reports. */
  Reports: 0x0001,
  /** bit 1: the sender answers probes. */
  Probes: 0x0002
} as const

// ---------------------------------------------------------------------------------------------- hello

/** Bytes of the class-table digest in a hello: 128 bits of SHA-256 (SPEC.md §4). */
export const SNP_DIGEST_LENGTH = 16
/** Most classes a table may have: the native `trafficClass` byte numbers 256 (SPEC.md §3.1). */
export const SNP_MAX_CLASSES = 256
/** Parts per million: `lossPpm` is at most this (100 %). */
export const PPM = 1_000_000

/** The emulated link as the sender configured it, stated from the sender's side (SPEC.md §3.1). */
export interface LinkSettings {
  /** Offset 22, u32: bit/s from the sender to the peer; 0 = unlimited. */
  upRate: number
  /** Offset 26, u32: bit/s from the peer to the sender; 0 = unlimited. */
  downRate: number
  /** Offset 30, u32: one-way added delay, µs. */
  delayMicros: number
  /** Offset 34, u32: delay jitter, µs. */
  jitterMicros: number
  /** Offset 38, u32: loss, parts per million, 0..1 000 000. */
  lossPpm: number
}

/** The fixed fields of a hello body, i.e. all but the digest. */
export interface HelloFields {
  /** Offset 0, u48: node id the sender believes is at the other end; 0 = not known. */
  peerNode: number
  /** Offset 6, u32: the sender's IPX network number. */
  network: number
  /** Offset 10, u8: `tunnel.LinkMode` (0 bridge, 1 route). */
  mode: number
  /** Offset 11, u8: sent 0, ignored. */
  reserved: number
  /** Offset 12, u16: classes in the sender's table, 0..256. */
  classCount: number
  /** Offset 14, u16: {@link Capability} bits. */
  capabilities: number
  /** Offset 16, u16: report interval, ms; 0 = never. */
  reportIntervalMs: number
  /** Offset 18, u16: probe interval, ms; 0 = never. */
  probeIntervalMs: number
  /** Offset 20, u16: largest IPX packet forwarded on the link, bytes; at least 30. */
  mtu: number
  /** Offsets 22-41: the emulated link. */
  link: LinkSettings
}

/** Body of hello and hello-ack (58 bytes). */
export interface HelloBody extends HelloFields {
  /** Offset 42, 16 bytes: `classTableDigest(table)`; all zero = no table. */
  classDigest: Buffer
}

/** The fixed part of the hello body; the 16-byte digest follows at offset 42. */
export const HELLO_FIELDS = defineLayout<HelloFields>('snp', 'SNP hello body', [
  { name: 'peerNode', type: 'u48', doc: 'node id the sender expects at the other end; 0 = not known yet' },
  { name: 'network', type: 'u32', doc: 'the sender\'s IPX network number (must agree in bridge mode)' },
  { name: 'mode', type: 'u8', doc: '0 bridge, 1 route (native LinkMode)' },
  { name: 'reserved', type: 'u8', doc: 'sent 0, ignored' },
  { name: 'classCount', type: 'u16', doc: 'classes in the sender\'s class table, 0..256' },
  { name: 'capabilities', type: 'u16', doc: 'bit 0 sends reports, bit 1 answers probes' },
  { name: 'reportIntervalMs', type: 'u16', doc: 'report interval, ms; 0 = never' },
  { name: 'probeIntervalMs', type: 'u16', doc: 'probe interval, ms; 0 = never' },
  { name: 'mtu', type: 'u16', doc: 'largest IPX packet forwarded on the link, bytes; at least 30' },
  { name: 'link.upRate', type: 'u32', doc: 'emulated rate sender → peer, bit/s; 0 = unlimited' },
  { name: 'link.downRate', type: 'u32', doc: 'emulated rate peer → sender, bit/s; 0 = unlimited' },
  { name: 'link.delayMicros', type: 'u32', doc: 'emulated one-way delay, µs' },
  { name: 'link.jitterMicros', type: 'u32', doc: 'emulated delay jitter, µs' },
  { name: 'link.lossPpm', type: 'u32', doc: 'emulated loss, parts per million, 0..1000000' }
])

/** Hello body size: 42 fixed bytes plus the 16-byte digest. */
export const HELLO_BODY_LENGTH = HELLO_FIELDS.length + SNP_DIGEST_LENGTH

// ---------------------------------------------------------------------------------------------- probe

/** Body of probe (4 bytes). The probe's header timestamp is T1. */
export interface ProbeBody {
  /** Offset 0, u32: the prober's own counter, echoed in the reply. */
  probeId: number
}

/** The probe body layout. */
export const PROBE_BODY = defineLayout<ProbeBody>('snp', 'SNP probe body', [
  { name: 'probeId', type: 'u32', doc: 'the prober\'s counter; echoed by the reply' }
])

/** Body of probe-reply (20 bytes). The reply's header timestamp is T3. */
export interface ProbeReplyBody {
  /** Offset 0, u32: the probe's `probeId`. */
  probeId: number
  /** Offsets 4 and 8: the probe's header timestamp (T1), copied. */
  echoTimestamp: Timestamp
  /** Offsets 12 and 16: when the responder received the probe (T2), its clock. */
  receivedAt: Timestamp
}

/** The probe-reply body layout. */
export const PROBE_REPLY_BODY = defineLayout<ProbeReplyBody>('snp', 'SNP probe-reply body', [
  { name: 'probeId', type: 'u32', doc: 'the probe\'s probeId' },
  { name: 'echoTimestamp.seconds', type: 'u32', doc: 'T1: the probe\'s send time (its header timestamp), seconds' },
  { name: 'echoTimestamp.micros', type: 'u32', doc: 'T1, microseconds 0..999999' },
  { name: 'receivedAt.seconds', type: 'u32', doc: 'T2: when the responder received the probe, seconds' },
  { name: 'receivedAt.micros', type: 'u32', doc: 'T2, microseconds 0..999999' }
])

// --------------------------------------------------------------------------------------------- report

/** The report's fixed header (6 bytes). */
export interface ReportHeader {
  /** Offset 0, u32: length of the interval the report covers, µs. */
  intervalMicros: number
  /** Offset 4, u16: entries that follow. */
  classCount: number
}

/** The report header layout. */
export const REPORT_HEADER = defineLayout<ReportHeader>('snp', 'SNP report header', [
  { name: 'intervalMicros', type: 'u32', doc: 'the interval the report covers (it ends at the header timestamp), µs' },
  { name: 'classCount', type: 'u16', doc: 'number of 56-byte class entries that follow' }
])

/** One traffic class in a report (56 bytes): what the sender received in it, and its queue drops. */
export interface ClassReport {
  /** Offset 0, u8: class number (native `trafficClass`, the index in the class table). */
  classId: number
  /** Offset 1, u8: sent 0, ignored. */
  reserved: number
  /** Offset 2, u32: native data frames received in the class. */
  packets: number
  /** Offset 6, u48: IPX bytes in them. */
  bytes: number
  /** Offset 12, u32: sequence numbers skipped and not filled (native sequence gaps). */
  lost: number
  /** Offset 16, u32: frames that arrived after a higher sequence. */
  reordered: number
  /** Offset 20, u32: frames whose sequence was already seen. */
  duplicates: number
  /** Offsets 24-35: one-way delay percentiles of the interval, µs; p50 ≤ p99 ≤ max. */
  delay: { p50: number, p99: number, max: number }
  /** Offsets 36-55: the sender's own queue drops in the class, by reason. */
  drops: { queueFull: number, aqm: number, expired: number, policer: number, other: number }
}

/** The report entry layout. */
export const REPORT_CLASS = defineLayout<ClassReport>('snp', 'SNP report class entry', [
  { name: 'classId', type: 'u8', doc: 'traffic class (native trafficClass); strictly ascending within a report' },
  { name: 'reserved', type: 'u8', doc: 'sent 0, ignored' },
  { name: 'packets', type: 'u32', doc: 'native data frames received in the class during the interval' },
  { name: 'bytes', type: 'u48', doc: 'IPX bytes in them' },
  { name: 'lost', type: 'u32', doc: 'native sequence gaps charged to the class' },
  { name: 'reordered', type: 'u32', doc: 'frames that arrived after a higher sequence' },
  { name: 'duplicates', type: 'u32', doc: 'frames whose sequence was already seen' },
  { name: 'delay.p50', type: 'u32', doc: 'one-way delay, median, µs' },
  { name: 'delay.p99', type: 'u32', doc: 'one-way delay, 99th percentile, µs' },
  { name: 'delay.max', type: 'u32', doc: 'one-way delay, maximum, µs' },
  { name: 'drops.queueFull', type: 'u32', doc: 'sender\'s queue drops: queue full (tail drop)' },
  { name: 'drops.aqm', type: 'u32', doc: 'sender\'s queue drops: active queue management / depth cap' },
  { name: 'drops.expired', type: 'u32', doc: 'sender\'s queue drops: sojourn time exceeded' },
  { name: 'drops.policer', type: 'u32', doc: 'sender\'s queue drops: over the class rate' },
  { name: 'drops.other', type: 'u32', doc: 'sender\'s queue drops: any other reason' }
])

/** Report body size before the entries. */
export const REPORT_HEADER_LENGTH = REPORT_HEADER.length
/** Size of one class entry. */
export const REPORT_CLASS_LENGTH = REPORT_CLASS.length

/** Body of a report: the interval and up to {@link SNP_MAX_REPORT_CLASSES} class entries. */
export interface ReportBody {
  /** Length of the interval, µs (u32). */
  intervalMicros: number
  /** Entries, class ids strictly ascending. */
  classes: ClassReport[]
}

/**
 * Most class entries one report may carry when the datagram must stay within `maxDatagram` bytes
 * (SPEC.md §3.3): (maxDatagram − 26 − 6 − tag) / 56, rounded down.
 */
export function maxReportClasses (authenticated: boolean, maxDatagram: number = SNP_MAX_DATAGRAM): number {
  const room = Math.min(maxDatagram, SNP_MAX_LENGTH) - SNP_HEADER_LENGTH - REPORT_HEADER_LENGTH - (authenticated ? AUTH_TAG_LENGTH : 0)
  return Math.max(0, Math.floor(room / REPORT_CLASS_LENGTH))
}

/** Entries per report within {@link SNP_MAX_DATAGRAM}, authenticated or not: 24. */
export const SNP_MAX_REPORT_CLASSES = maxReportClasses(true)

// ------------------------------------------------------------------------------------------------ bye

/** Body of bye (2 bytes). */
export interface ByeBody {
  /** Offset 0, u16: `tunnel.ByeReason` (0 shutdown ... 3 configuration mismatch, 4 timeout). */
  reason: number
}

/** The bye body layout. */
export const BYE_BODY = defineLayout<ByeBody>('snp', 'SNP bye body', [
  { name: 'reason', type: 'u16', doc: 'native ByeReason: 0 shutdown, 1 auth failed, 2 version unsupported, 3 config mismatch, 4 timeout' }
])

// ------------------------------------------------------------------------------------------- messages

/** A message body by kind. `unknown` keeps the raw body of a type this version does not define. */
export type SnpBody =
  | { kind: 'hello', hello: HelloBody }
  | { kind: 'hello-ack', hello: HelloBody }
  | { kind: 'probe', probe: ProbeBody }
  | { kind: 'probe-reply', reply: ProbeReplyBody }
  | { kind: 'report', report: ReportBody }
  | { kind: 'bye', bye: ByeBody }
  | { kind: 'unknown', type: number, raw: Buffer }

/** One SNP datagram. On decode, buffers are views into the decoded buffer (no copy). */
export interface SnpMessage {
  header: SnpHeader
  body: SnpBody
  /** The 16-byte tag when authenticated (zeros are encoded while it is undefined, for `sign`). */
  tag: Buffer | undefined
}

/** The header fields a caller chooses; magic, version, length, type and flags are derived. */
export interface MessageFields {
  /** Sender node id, u48. */
  node: number
  /** Per-sender SNP sequence, u32. */
  sequence: number
  /** Send time; default 0.0 (the codec has no clock). */
  timestamp?: Timestamp
  /** Reserve a tag (to be filled by `sign`); default false. */
  authenticated?: boolean
  /** Key id; default 0. Meaningful only with `authenticated`. */
  keyId?: number
}

/** The wire type of a body. */
export function bodyType (body: SnpBody): number {
  return body.kind === 'unknown' ? body.type : TYPE_BY_KIND[body.kind]
}

/** Encoded size of a body in bytes. */
export function bodyLength (body: SnpBody): number {
  switch (body.kind) {
    case 'hello':
    case 'hello-ack': return HELLO_BODY_LENGTH
    case 'probe': return PROBE_BODY.length
    case 'probe-reply': return PROBE_REPLY_BODY.length
    case 'report': return REPORT_HEADER_LENGTH + body.report.classes.length * REPORT_CLASS_LENGTH
    case 'bye': return BYE_BODY.length
    case 'unknown': return body.raw.length
  }
}

/** Bytes of the whole datagram: header, body, and the tag when the header says authenticated. */
export function encodingLength (msg: SnpMessage): number {
  return SNP_HEADER_LENGTH + bodyLength(msg.body) + (isAuthenticated(msg.header.flags) ? AUTH_TAG_LENGTH : 0)
}

/**
 * Builds a consistent message around `body`: type, length and flags derived, tag left undefined
 * (encoded as zeros until signed). Does not check sizes against a limit; `encode` does.
 */
export function makeMessage (fields: MessageFields, body: SnpBody): SnpMessage {
  const auth = fields.authenticated === true
  const ts = fields.timestamp ?? { seconds: 0, micros: 0 }
  return {
    header: {
      magic: SNP_MAGIC,
      length: SNP_HEADER_LENGTH + bodyLength(body) + (auth ? AUTH_TAG_LENGTH : 0),
      version: SNP_VERSION,
      type: bodyType(body),
      flags: auth ? SnpFlag.Authenticated : 0,
      keyId: fields.keyId ?? 0,
      node: fields.node,
      sequence: fields.sequence,
      timestamp: { seconds: ts.seconds, micros: ts.micros }
    },
    body,
    tag: undefined
  }
}

/** A rule violated by a body value: the field (dotted path from the body), its offset in the body, why. */
interface Fault { field: string, at: number, message: string }

function helloFault (h: HelloFields): Fault | undefined {
  // SPEC.md §3.1: 256 classes at most (the class byte), an MTU that holds an IPX header, loss ≤ 100 %.
  if (h.classCount > SNP_MAX_CLASSES) return { field: 'classCount', at: 12, message: `classCount ${h.classCount} exceeds ${SNP_MAX_CLASSES}` }
  if (h.mtu < IPX_HEADER_LENGTH) return { field: 'mtu', at: 20, message: `mtu ${h.mtu} is below the 30-byte IPX header` }
  if (h.link.lossPpm > PPM) return { field: 'link.lossPpm', at: 38, message: `lossPpm ${h.link.lossPpm} exceeds ${PPM}` }
  return undefined
}

function replyFault (r: ProbeReplyBody): Fault | undefined {
  if (r.echoTimestamp.micros >= MICROS_PER_SECOND) return { field: 'echoTimestamp.micros', at: 8, message: `micros ${r.echoTimestamp.micros} exceeds 999999` }
  if (r.receivedAt.micros >= MICROS_PER_SECOND) return { field: 'receivedAt.micros', at: 16, message: `micros ${r.receivedAt.micros} exceeds 999999` }
  return undefined
}

/** SPEC.md §3.3: ids strictly ascending, p50 ≤ p99 ≤ max. `previous` is the last id, or -1. */
function classFault (c: ClassReport, previous: number, index: number): Fault | undefined {
  const base = REPORT_HEADER_LENGTH + index * REPORT_CLASS_LENGTH
  if (c.classId <= previous) {
    return { field: `classes[${index}].classId`, at: base, message: `class id ${c.classId} does not follow ${previous} (ids strictly ascending)` }
  }
  if (c.delay.p50 > c.delay.p99) return { field: `classes[${index}].delay.p50`, at: base + 24, message: `p50 ${c.delay.p50} exceeds p99 ${c.delay.p99}` }
  if (c.delay.p99 > c.delay.max) return { field: `classes[${index}].delay.p99`, at: base + 28, message: `p99 ${c.delay.p99} exceeds max ${c.delay.max}` }
  return undefined
}

function badLength (at: number, message: string): never {
  throw new DecodeError('snp', 'IPX_ERR_BAD_LENGTH', at, message)
}

function exactly (type: number, size: number, want: number, at: number): void {
  if (size !== want) badLength(at, `${messageTypeName(type)} body must be ${want} bytes, got ${size}`)
}

/** Reads the body of `type` at [start, end) of `buf`, by SPEC.md §3's rules. */
function readBody (type: number, buf: Buffer, start: number, end: number): SnpBody {
  const size = end - start
  const valueFault = (f: Fault | undefined): void => {
    if (f !== undefined) throw new DecodeError('snp', 'IPX_ERR_BAD_VALUE', start + f.at, f.message)
  }
  switch (type) {
    case MessageType.Hello:
    case MessageType.HelloAck: {
      exactly(type, size, HELLO_BODY_LENGTH, start)
      const fields = HELLO_FIELDS.read(buf, start)
      valueFault(helloFault(fields))
      const d = start + HELLO_FIELDS.length
      const hello: HelloBody = { ...fields, classDigest: buf.subarray(d, d + SNP_DIGEST_LENGTH) }
      return type === MessageType.Hello ? { kind: 'hello', hello } : { kind: 'hello-ack', hello }
    }
    case MessageType.Probe:
      exactly(type, size, PROBE_BODY.length, start)
      return { kind: 'probe', probe: PROBE_BODY.read(buf, start) }
    case MessageType.ProbeReply: {
      exactly(type, size, PROBE_REPLY_BODY.length, start)
      const reply = PROBE_REPLY_BODY.read(buf, start)
      valueFault(replyFault(reply))
      return { kind: 'probe-reply', reply }
    }
    case MessageType.Report: {
      if (size < REPORT_HEADER_LENGTH) badLength(start, `report body of ${size} bytes is shorter than its 6-byte header`)
      // Whole entries first, then the count, then the entries (style guide §3: validate the list whole).
      if ((size - REPORT_HEADER_LENGTH) % REPORT_CLASS_LENGTH !== 0) {
        throw new DecodeError('snp', 'IPX_ERR_BAD_ENTRY_SIZE', start + REPORT_HEADER_LENGTH,
          `${size - REPORT_HEADER_LENGTH} entry bytes are not a whole number of ${REPORT_CLASS_LENGTH}-byte class entries`)
      }
      const head = REPORT_HEADER.read(buf, start)
      const n = (size - REPORT_HEADER_LENGTH) / REPORT_CLASS_LENGTH
      if (head.classCount !== n) badLength(start + 4, `classCount ${head.classCount} disagrees with the ${n} entries present`)
      const classes: ClassReport[] = new Array<ClassReport>(n)
      let previous = -1
      for (let i = 0; i < n; i++) {
        const c = REPORT_CLASS.read(buf, start + REPORT_HEADER_LENGTH + i * REPORT_CLASS_LENGTH)
        valueFault(classFault(c, previous, i))
        previous = c.classId
        classes[i] = c
      }
      return { kind: 'report', report: { intervalMicros: head.intervalMicros, classes } }
    }
    case MessageType.Bye:
      exactly(type, size, BYE_BODY.length, start)
      return { kind: 'bye', bye: BYE_BODY.read(buf, start) }
    default:
      return { kind: 'unknown', type, raw: buf.subarray(start, end) }
  }
}

/**
 * Decodes the SNP datagram occupying exactly [offset, end) of `buf` (one UDP payload). Checks the
 * header (magic, length, version, flags, tag room, micros), then the type's body rules
 * (SPEC.md §7). Does not verify the tag: call `verify` for that. Throws only {@link DecodeError},
 * protocol `snp`.
 */
export function decode (buf: Buffer, offset = 0, end: number = buf.length): SnpMessage {
  const frame = readFrame(buf, offset, end)
  const start = offset + SNP_HEADER_LENGTH
  return { header: frame.header, body: readBody(frame.header.type, buf, start, start + frame.body.length), tag: frame.tag }
}

function encodeFault (field: string, message: string): never {
  throw new EncodeError('snp', 'IPX_ERR_FIELD_RANGE', message, field)
}

/** Writes the body at `at` of `out` (room checked by the caller; values checked here). */
function writeBody (body: SnpBody, out: Buffer, at: number): void {
  const check = (f: Fault | undefined): void => {
    if (f !== undefined) encodeFault(f.field, f.message)
  }
  switch (body.kind) {
    case 'hello':
    case 'hello-ack': {
      const h = body.hello
      if (h.classDigest.length !== SNP_DIGEST_LENGTH) {
        encodeFault('classDigest', `classDigest must be ${SNP_DIGEST_LENGTH} bytes, got ${h.classDigest.length}`)
      }
      check(helloFault(h))
      HELLO_FIELDS.write(h, out, at)
      h.classDigest.copy(out, at + HELLO_FIELDS.length)
      return
    }
    case 'probe': PROBE_BODY.write(body.probe, out, at); return
    case 'probe-reply': check(replyFault(body.reply)); PROBE_REPLY_BODY.write(body.reply, out, at); return
    case 'report': {
      const { classes } = body.report
      let previous = -1
      classes.forEach((c, i) => {
        check(classFault(c, previous, i))
        previous = c.classId
      })
      REPORT_HEADER.write({ intervalMicros: body.report.intervalMicros, classCount: classes.length }, out, at)
      classes.forEach((c, i) => REPORT_CLASS.write(c, out, at + REPORT_HEADER_LENGTH + i * REPORT_CLASS_LENGTH))
      return
    }
    case 'bye': BYE_BODY.write(body.bye, out, at); return
    case 'unknown': body.raw.copy(out, at)
  }
}

/**
 * Writes the datagram at `offset` of `buf` (allocated when omitted) and returns `buf`. The header must
 * agree with the body (use {@link makeMessage}): magic, version 1, known flags, `length`, `type`, a
 * 16-byte tag only when authenticated (zeros are written while it is undefined, for `sign`). Refuses
 * a datagram longer than `maxDatagram` (default {@link SNP_MAX_DATAGRAM}, at most 65 507) with
 * `IPX_ERR_TOO_LARGE`: split a large report instead (SPEC.md §3.3). Throws {@link EncodeError}.
 */
export function encode (msg: SnpMessage, buf?: Buffer, offset = 0, maxDatagram: number = SNP_MAX_DATAGRAM): Buffer {
  const h = msg.header
  if (!(Number.isInteger(maxDatagram) && maxDatagram >= SNP_HEADER_LENGTH && maxDatagram <= SNP_MAX_LENGTH)) {
    encodeFault('maxDatagram', `maxDatagram ${maxDatagram} is outside 26..${SNP_MAX_LENGTH}`)
  }
  const len = encodingLength(msg)
  if (len > maxDatagram) {
    throw new EncodeError('snp', 'IPX_ERR_TOO_LARGE', `${messageTypeName(bodyType(msg.body))} of ${len} bytes exceeds the ${maxDatagram}-byte limit`, 'length')
  }
  if (h.magic !== SNP_MAGIC) encodeFault('magic', `magic must be 0x534e, got ${h.magic}`)
  if (h.version !== SNP_VERSION) encodeFault('version', `version must be 1, got ${h.version}`)
  if (!Number.isInteger(h.flags) || (h.flags & ~SNP_KNOWN_FLAGS) !== 0) encodeFault('flags', `unknown flag bits in ${h.flags}`)
  if (h.length !== len) encodeFault('length', `length ${h.length} disagrees with the ${len}-byte datagram`)
  const type = bodyType(msg.body)
  if (h.type !== type) encodeFault('type', `type ${h.type} disagrees with the ${msg.body.kind} body (${type})`)
  if (msg.body.kind === 'unknown' && type >= 1 && type <= 6) {
    encodeFault('type', `type ${type} is ${messageTypeName(type)}: give its body, not raw bytes`)
  }
  if (h.timestamp.micros >= MICROS_PER_SECOND) encodeFault('timestamp.micros', `micros ${h.timestamp.micros} exceeds 999999`)
  const auth = isAuthenticated(h.flags)
  if (msg.tag !== undefined && (!auth || msg.tag.length !== AUTH_TAG_LENGTH)) {
    encodeFault('tag', auth ? `tag must be ${AUTH_TAG_LENGTH} bytes, got ${msg.tag.length}` : 'a tag needs the authenticated flag')
  }
  const out = buf ?? Buffer.allocUnsafe(offset + len)
  if (!(Number.isInteger(offset) && offset >= 0 && offset + len <= out.length)) {
    throw new EncodeError('snp', 'IPX_ERR_BUFFER_TOO_SMALL', `need ${len} bytes at offset ${offset}, buffer has ${out.length}`)
  }
  SNP_HEADER.write(h, out, offset)
  writeBody(msg.body, out, offset + SNP_HEADER_LENGTH)
  if (auth) {
    const at = offset + len - AUTH_TAG_LENGTH
    if (msg.tag !== undefined) msg.tag.copy(out, at)
    else out.fill(0, at, at + AUTH_TAG_LENGTH)
  }
  return out
}

// -------------------------------------------------------------------------------------------- helpers

/** One disagreement between two hellos, as display strings for a log line. */
export interface HelloMismatch {
  /** The hello field, e.g. `classDigest`, `link.upRate`, `peerNode`. */
  field: string
  /** This node's value. */
  local: string
  /** The peer's value (for `link.upRate`, the peer's `downRate`, and vice versa). */
  remote: string
}

/**
 * Every configuration disagreement between this node's hello and the peer's, for a clear log line
 * (SPEC.md §3.1); empty when they agree. Link rates are compared crosswise (my up = your down).
 * `ids` (the two header node ids) adds the `peerNode` checks. Pure; never throws.
 */
export function compareHello (local: HelloBody, remote: HelloBody, ids?: { local: number, remote: number }): HelloMismatch[] {
  const out: HelloMismatch[] = []
  const cmp = (field: string, a: number | string, b: number | string): void => {
    if (a !== b) out.push({ field, local: String(a), remote: String(b) })
  }
  if (ids !== undefined) {
    // The peer names who it expects; 0 means it does not know yet.
    if (remote.peerNode !== 0 && remote.peerNode !== ids.local) {
      out.push({ field: 'peerNode', local: formatNode(ids.local), remote: `expects ${formatNode(remote.peerNode)}` })
    }
    if (local.peerNode !== 0 && local.peerNode !== ids.remote) {
      out.push({ field: 'node', local: `expects ${formatNode(local.peerNode)}`, remote: formatNode(ids.remote) })
    }
  }
  cmp('mode', linkModeName(local.mode), linkModeName(remote.mode))
  if (local.mode === LinkMode.Bridge && remote.mode === LinkMode.Bridge) {
    cmp('network', hex(local.network, 8), hex(remote.network, 8))
  }
  cmp('classDigest', local.classDigest.toString('hex'), remote.classDigest.toString('hex'))
  cmp('classCount', local.classCount, remote.classCount)
  cmp('mtu', local.mtu, remote.mtu)
  cmp('link.upRate', local.link.upRate, remote.link.downRate)
  cmp('link.downRate', local.link.downRate, remote.link.upRate)
  cmp('link.delayMicros', local.link.delayMicros, remote.link.delayMicros)
  cmp('link.jitterMicros', local.link.jitterMicros, remote.link.jitterMicros)
  cmp('link.lossPpm', local.link.lossPpm, remote.link.lossPpm)
  return out
}

/** `classDigest: local 1f9c…, remote 0000…` */
export function describeMismatch (m: HelloMismatch): string {
  return `${m.field}: local ${m.local}, remote ${m.remote}`
}

/** Times derived from one probe exchange, in µs (SPEC.md §3.2). */
export interface ProbeTimes {
  /** (T4 − T1) − (T3 − T2): the round trip without the responder's turnaround; clock-offset free. */
  rttMicros: number
  /** T2 − T1: prober → responder, including the clock offset (may be negative). */
  forwardMicros: number
  /** T4 − T3: responder → prober, including the clock offset (may be negative). */
  reverseMicros: number
}

/**
 * RTT and one-way delays of one probe exchange (NTP on-wire delay, RFC 5905 §8; TWAMP, RFC 5357).
 * `sentAt` is the reply's header timestamp (T3), `arrivedAt` when the reply arrived (T4). Delay
 * variation (IPDV, RFC 3393) is the difference of consecutive `forwardMicros` values.
 */
export function probeTimes (reply: ProbeReplyBody, sentAt: Timestamp, arrivedAt: Timestamp): ProbeTimes {
  const t1 = timestampToMicros(reply.echoTimestamp)
  const t2 = timestampToMicros(reply.receivedAt)
  const t3 = timestampToMicros(sentAt)
  const t4 = timestampToMicros(arrivedAt)
  return { rttMicros: (t4 - t1) - (t3 - t2), forwardMicros: t2 - t1, reverseMicros: t4 - t3 }
}

/**
 * One line for logs and test titles, e.g.
 * `SN v1 report node 00:00:00:00:00:0a seq 7 key 1 auth len 200 [3 classes, 1000000 µs]`.
 */
export function describeMessage (msg: SnpMessage): string {
  const h = msg.header
  let s = `SN v${h.version} ${messageTypeName(h.type)} node ${formatNode(h.node)} seq ${h.sequence}`
  if (isAuthenticated(h.flags)) s += ` key ${h.keyId} auth`
  s += ` len ${h.length}`
  const b = msg.body
  switch (b.kind) {
    case 'hello':
    case 'hello-ack': s += ` [${linkModeName(b.hello.mode)} net ${hex(b.hello.network, 8)} ${b.hello.classCount} classes digest ${b.hello.classDigest.toString('hex')}]`; break
    case 'probe': s += ` [id ${b.probe.probeId}]`; break
    case 'probe-reply': s += ` [id ${b.reply.probeId}]`; break
    case 'report': s += ` [${b.report.classes.length} classes, ${b.report.intervalMicros} µs]`; break
    case 'bye': s += ` [reason ${b.bye.reason}]`; break
    case 'unknown': s += ` [${b.raw.length} bytes]`; break
  }
  return s
}

/** A layout with where it starts and a sentence for the protocol book (scripts/book.ts `BookLayout`). */
export interface SnpBookLayout {
  layout: Pick<Layout<unknown>, 'title' | 'fields' | 'length' | 'protocol'>
  base?: number
  note: string
}

/** Every SNP layout, in book order, with its note (SPEC.md §9). */
export const BOOK_LAYOUTS: readonly SnpBookLayout[] = [
  { layout: SNP_HEADER, note: 'The body follows, then, when the authenticated flag is set, a 16-byte HMAC-SHA-256-128 tag made with the native link\'s key (SPEC.md §5).' },
  { layout: HELLO_FIELDS, note: `Body of hello and hello-ack; the ${SNP_DIGEST_LENGTH}-byte class-table digest (SHA-256 of the canonical table, SPEC.md §4) follows at offset ${HELLO_FIELDS.length}.` },
  { layout: PROBE_BODY, note: 'Body of probe; its header timestamp is T1.' },
  { layout: PROBE_REPLY_BODY, note: 'Body of probe-reply; its header timestamp is T3. RTT = (T4 − T1) − (T3 − T2).' },
  { layout: REPORT_HEADER, note: `Start of a report body; ${REPORT_CLASS_LENGTH}-byte class entries follow, at most ${SNP_MAX_REPORT_CLASSES} in a ${SNP_MAX_DATAGRAM}-byte datagram.` },
  { layout: REPORT_CLASS, note: 'Offsets are within an entry; class ids strictly ascending; counts are per interval.' },
  { layout: BYE_BODY, note: 'Body of bye.' }
]
