/**
 * The classifier: an IPX datagram in, a traffic class out, with the rule that decided and why.
 *
 * Hot path (`classify`): the IPX header is peeked into a reused object (`peekHeader`, no decoder),
 * SPX and NCP bytes are read at their layout offsets (SPX connection control at payload 0, NCP type
 * at payload 0 as u16, NCP function at payload 6), and the result is one of a set of frozen objects
 * built when the classifier is constructed, so classification allocates nothing of its own. The one
 * exception is the upper-protocol dispatch (`upper.classify`, Wireshark's socket-before-type order),
 * computed at most once per packet and only when a rule needs it; it returns a small object.
 *
 * `explain` re-runs the same conditions slowly and says, rule by rule, what it saw and why a rule
 * did or did not match: the "why this packet went to class X" no peer offers (peers.md, item 5).
 *
 * Monitor-only mode (QoSWorks shipped that way, with no enforced policy; ipx-reference §C1):
 * packets are classified and counted as usual, but `enforcedClass` is `default` for every packet, so
 * the scheduler treats all traffic alike.
 */
import { peekHeader, createPeek, PeekResult } from '../../protocol/ipx/peek.js'
import type { IpxPeek } from '../../protocol/ipx/peek.js'
import { BROADCAST_NODE, IPX_HEADER_LENGTH, hex, packetTypeName } from '../../protocol/constants.js'
import { SPX_HEADER_LENGTH } from '../../protocol/spx.js'
import { NcpType } from '../../protocol/ncp.js'
import { classify as dispatchUpper } from '../../protocol/upper.js'
import type { Dispatch } from '../../protocol/upper.js'
import { TRAFFIC_CLASSES, TrafficClass, classIndex } from './classes.js'
import { defaultRules, validateRules } from './rules.js'
import type { NumberMatch, Rule, RuleMatch } from './rules.js'

/** What {@link Classifier.classify} returns. Frozen and shared: do not keep per-packet state in it. */
export interface Classification {
  /** The class the rules chose. */
  readonly trafficClass: TrafficClass
  /** The class the scheduler should use: `trafficClass`, or `default` in monitor-only mode. */
  readonly enforcedClass: TrafficClass
  /** Index of the matching rule, or -1 when none matched (or the datagram is malformed). */
  readonly ruleIndex: number
  /** Name of the matching rule, `no-match`, or `malformed`. */
  readonly ruleName: string
  /** Why, for a human. */
  readonly reason: string
}

/** One rule's verdict in an {@link Explanation}. */
export interface RuleTrace {
  readonly index: number
  readonly name: string
  readonly trafficClass: TrafficClass
  readonly matched: boolean
  /** Each condition checked, in order, with what was seen; the last is the failing one when `matched` is false. */
  readonly checks: readonly string[]
}

/** What {@link Classifier.explain} returns. */
export interface Explanation {
  readonly result: Classification
  /** One line about the packet: type, addresses, length, upper protocol. */
  readonly packet: string
  /** The rules tried, in order, up to and including the one that matched. */
  readonly trace: readonly RuleTrace[]
  /** Rules after the match, never tried. */
  readonly untried: number
}

/** Per-class and per-rule counts since construction or the last reset. */
export interface ClassifierCounters {
  readonly packets: Readonly<Record<TrafficClass, number>>
  readonly bytes: Readonly<Record<TrafficClass, number>>
  /** Hits per rule name, plus `no-match` and `malformed`. */
  readonly rules: Readonly<Record<string, number>>
  readonly malformed: number
}

/** Options of {@link Classifier}. */
export interface ClassifierOptions {
  /** The ordered rule list; default {@link defaultRules}(). Validated (ConfigError). */
  readonly rules?: readonly Rule[]
  /** Classify and count, but enforce nothing (`enforcedClass` is always `default`). */
  readonly monitorOnly?: boolean
}

/** Per-packet state the conditions read; one instance per classifier, reused. */
interface Ctx {
  buf: Uint8Array
  offset: number
  peek: IpxPeek
  /** Offset of the IPX payload. */
  payload: number
  /** Bytes of payload (IPX length - 30). */
  payloadLength: number
  dispatch: Dispatch | undefined
  /** Adapter handed to `upper.classify`. */
  readonly header: { packetType: number, src: { socket: number }, dst: { socket: number } }
}

interface Condition {
  test: (ctx: Ctx) => boolean
  /** What was seen and whether it satisfied the condition. */
  describe: (ctx: Ctx, ok: boolean) => string
}

const NCP_REQUEST_TYPES: ReadonlySet<number> = new Set([NcpType.CreateServiceConnection, NcpType.ServiceRequest, NcpType.DestroyServiceConnection])

function dispatchOf (ctx: Ctx): Dispatch {
  if (ctx.dispatch === undefined) {
    ctx.header.packetType = ctx.peek.packetType
    ctx.header.src.socket = ctx.peek.srcSocket
    ctx.header.dst.socket = ctx.peek.dstSocket
    ctx.dispatch = dispatchUpper(ctx.header)
  }
  return ctx.dispatch
}

function u16 (buf: Uint8Array, at: number): number {
  return (buf[at]! << 8) | buf[at + 1]!
}

function numberTest (m: NumberMatch): (v: number) => boolean {
  if (typeof m === 'number') return v => v === m
  if (Array.isArray(m)) {
    const list = m as readonly number[]
    return v => {
      for (let i = 0; i < list.length; i++) if (list[i] === v) return true
      return false
    }
  }
  const r = m as { min: number, max: number }
  return v => v >= r.min && v <= r.max
}

function numberText (m: NumberMatch, fmt: (n: number) => string): string {
  if (typeof m === 'number') return fmt(m)
  if (Array.isArray(m)) {
    const list = (m as readonly number[]).map(fmt)
    return list.length === 1 ? list[0]! : `one of ${list.join(', ')}`
  }
  const r = m as { min: number, max: number }
  return `in ${fmt(r.min)}..${fmt(r.max)}`
}

const fmtSocket = (n: number): string => `0x${hex(n, 4)}`
const fmtNetwork = (n: number): string => `0x${hex(n, 8)}`
const fmtNode = (n: number): string => hex(n, 12).replace(/(..)(?=.)/g, '$1:')
const fmtDec = (n: number): string => String(n)
const fmtType = (n: number): string => `${n} (${packetTypeName(n)})`

function fieldCondition (label: string, m: NumberMatch, get: (p: IpxPeek) => number, fmt: (n: number) => string): Condition {
  const t = numberTest(m)
  const want = numberText(m, fmt)
  return {
    test: ctx => t(get(ctx.peek)),
    describe: (ctx, ok) => `${label} ${fmt(get(ctx.peek))} ${ok ? 'is' : 'is not'} ${want}`
  }
}

function compile (m: RuleMatch): Condition[] {
  const c: Condition[] = []
  if (m.packetType !== undefined) c.push(fieldCondition('packet type', m.packetType, p => p.packetType, fmtType))
  if (m.srcSocket !== undefined) c.push(fieldCondition('src socket', m.srcSocket, p => p.srcSocket, fmtSocket))
  if (m.dstSocket !== undefined) c.push(fieldCondition('dst socket', m.dstSocket, p => p.dstSocket, fmtSocket))
  if (m.socket !== undefined) {
    const t = numberTest(m.socket)
    const want = numberText(m.socket, fmtSocket)
    c.push({
      test: ctx => t(ctx.peek.srcSocket) || t(ctx.peek.dstSocket),
      describe: (ctx, ok) => `src socket ${fmtSocket(ctx.peek.srcSocket)} / dst socket ${fmtSocket(ctx.peek.dstSocket)}: ` +
        (ok ? `${t(ctx.peek.dstSocket) ? 'dst' : 'src'} is ${want}` : `neither is ${want}`)
    })
  }
  if (m.srcNetwork !== undefined) c.push(fieldCondition('src network', m.srcNetwork, p => p.srcNetwork, fmtNetwork))
  if (m.dstNetwork !== undefined) c.push(fieldCondition('dst network', m.dstNetwork, p => p.dstNetwork, fmtNetwork))
  if (m.srcNode !== undefined) c.push(fieldCondition('src node', m.srcNode, p => p.srcNode, fmtNode))
  if (m.dstNode !== undefined) c.push(fieldCondition('dst node', m.dstNode, p => p.dstNode, fmtNode))
  if (m.length !== undefined) {
    const min = m.length.min ?? 0
    const max = m.length.max ?? 0xffff
    const want = max === 0xffff ? `>= ${min}` : min === 0 ? `<= ${max}` : `in ${min}..${max}`
    c.push(fieldCondition('length', { min, max }, p => p.length, fmtDec))
    c[c.length - 1]!.describe = (ctx, ok) => `length ${ctx.peek.length} ${ok ? 'is' : 'is not'} ${want}`
  }
  if (m.broadcast !== undefined) {
    const want = m.broadcast
    c.push({
      test: ctx => (ctx.peek.dstNode === BROADCAST_NODE) === want,
      describe: (ctx, ok) => `dst node ${fmtNode(ctx.peek.dstNode)} ${ctx.peek.dstNode === BROADCAST_NODE ? 'is' : 'is not'} broadcast` +
        (ok ? '' : ` (wanted ${want ? 'broadcast' : 'not broadcast'})`)
    })
  }
  if (m.protocol !== undefined) {
    const list: readonly string[] = typeof m.protocol === 'string' ? [m.protocol] : m.protocol
    c.push({
      test: ctx => list.includes(dispatchOf(ctx).protocol),
      describe: (ctx, ok) => {
        const d = dispatchOf(ctx)
        const by = d.socket !== undefined ? `${d.reason} ${fmtSocket(d.socket)}` : d.reason === 'packet-type' ? `packet type ${ctx.peek.packetType}` : 'nothing claimed it'
        return `upper protocol ${d.protocol} (by ${by}) ${ok ? 'is' : 'is not'} ${list.join(' or ')}`
      }
    })
  }
  if (m.spxControl !== undefined) {
    const set = m.spxControl.set ?? 0
    const clear = m.spxControl.clear ?? 0
    const isSpx = (ctx: Ctx): boolean => dispatchOf(ctx).protocol === 'spx' && ctx.payloadLength >= SPX_HEADER_LENGTH
    c.push({
      test: ctx => {
        if (!isSpx(ctx)) return false
        const cc = ctx.buf[ctx.payload]!
        return (cc & set) === set && (cc & clear) === 0
      },
      describe: (ctx, ok) => {
        if (dispatchOf(ctx).protocol !== 'spx') return `not SPX (upper protocol ${dispatchOf(ctx).protocol})`
        if (ctx.payloadLength < SPX_HEADER_LENGTH) return `SPX header truncated (${ctx.payloadLength} of ${SPX_HEADER_LENGTH} bytes)`
        const want = [set !== 0 ? `bits 0x${hex(set, 2)} set` : '', clear !== 0 ? `bits 0x${hex(clear, 2)} clear` : ''].filter(s => s !== '').join(' and ')
        return `SPX connection control 0x${hex(ctx.buf[ctx.payload]!, 2)} ${ok ? 'has' : 'does not have'} ${want}`
      }
    })
  }
  if (m.ncpType !== undefined) {
    const t = numberTest(m.ncpType)
    const want = numberText(m.ncpType, fmtSocket)
    const isNcp = (ctx: Ctx): boolean => dispatchOf(ctx).protocol === 'ncp' && ctx.payloadLength >= 2
    c.push({
      test: ctx => isNcp(ctx) && t(u16(ctx.buf, ctx.payload)),
      describe: (ctx, ok) => {
        if (dispatchOf(ctx).protocol !== 'ncp') return `not NCP (upper protocol ${dispatchOf(ctx).protocol})`
        if (ctx.payloadLength < 2) return 'NCP header truncated'
        return `NCP type ${fmtSocket(u16(ctx.buf, ctx.payload))} ${ok ? 'is' : 'is not'} ${want}`
      }
    })
  }
  if (m.ncpFunction !== undefined) {
    const t = numberTest(m.ncpFunction)
    const want = numberText(m.ncpFunction, n => `0x${hex(n, 2)}`)
    const isRequest = (ctx: Ctx): boolean => dispatchOf(ctx).protocol === 'ncp' && ctx.payloadLength >= 7 &&
      NCP_REQUEST_TYPES.has(u16(ctx.buf, ctx.payload))
    c.push({
      test: ctx => isRequest(ctx) && t(ctx.buf[ctx.payload + 6]!),
      describe: (ctx, ok) => {
        if (dispatchOf(ctx).protocol !== 'ncp') return `not NCP (upper protocol ${dispatchOf(ctx).protocol})`
        if (ctx.payloadLength < 7) return 'NCP request header truncated'
        if (!NCP_REQUEST_TYPES.has(u16(ctx.buf, ctx.payload))) return `NCP type ${fmtSocket(u16(ctx.buf, ctx.payload))} is not a request`
        return `NCP function 0x${hex(ctx.buf[ctx.payload + 6]!, 2)} ${ok ? 'is' : 'is not'} ${want}`
      }
    })
  }
  return c
}

interface CompiledRule {
  readonly rule: Rule
  readonly conditions: readonly Condition[]
  readonly enforcing: Classification
  readonly monitoring: Classification
}

function makeResult (trafficClass: TrafficClass, ruleIndex: number, ruleName: string, reason: string, monitor: boolean): Classification {
  return Object.freeze({ trafficClass, enforcedClass: monitor ? TrafficClass.Default : trafficClass, ruleIndex, ruleName, reason })
}

const PEEK_REASONS: Readonly<Record<number, string>> = {
  [PeekResult.Truncated]: `fewer than ${IPX_HEADER_LENGTH} bytes`,
  [PeekResult.BadLength]: `IPX length below ${IPX_HEADER_LENGTH}`,
  [PeekResult.LengthBeyondData]: 'IPX length beyond the datagram'
}

/**
 * A classifier over an ordered rule list, with per-class and per-rule counters and a monitor-only
 * switch. One instance per link (counters are per instance).
 */
export class Classifier {
  /** The rules, in match order. */
  readonly rules: readonly Rule[]
  #monitorOnly: boolean
  readonly #compiled: readonly CompiledRule[]
  readonly #ctx: Ctx
  readonly #noMatch: readonly [Classification, Classification]
  readonly #malformed: readonly [Classification, Classification]
  readonly #packets = new Float64Array(TRAFFIC_CLASSES.length)
  readonly #bytes = new Float64Array(TRAFFIC_CLASSES.length)
  readonly #ruleHits: Float64Array
  #noMatchHits = 0
  #malformedHits = 0

  constructor (options: ClassifierOptions = {}) {
    const rules = options.rules ?? defaultRules()
    validateRules(rules)
    this.rules = Object.freeze([...rules])
    this.#monitorOnly = options.monitorOnly ?? false
    this.#compiled = this.rules.map((rule, i) => ({
      rule,
      conditions: compile(rule.match),
      enforcing: makeResult(rule.trafficClass, i, rule.name, rule.reason, false),
      monitoring: makeResult(rule.trafficClass, i, rule.name, rule.reason, true)
    }))
    this.#ruleHits = new Float64Array(this.rules.length)
    const noMatch = 'no rule matched: default class'
    this.#noMatch = [makeResult(TrafficClass.Default, -1, 'no-match', noMatch, false), makeResult(TrafficClass.Default, -1, 'no-match', noMatch, true)]
    const bad = 'malformed IPX header: default class (the router drops it before QoS normally)'
    this.#malformed = [makeResult(TrafficClass.Default, -1, 'malformed', bad, false), makeResult(TrafficClass.Default, -1, 'malformed', bad, true)]
    this.#ctx = {
      buf: new Uint8Array(0),
      offset: 0,
      peek: createPeek(),
      payload: 0,
      payloadLength: 0,
      dispatch: undefined,
      header: { packetType: 0, src: { socket: 0 }, dst: { socket: 0 } }
    }
  }

  /** Monitor-only mode: classify and count, enforce nothing. */
  get monitorOnly (): boolean {
    return this.#monitorOnly
  }

  set monitorOnly (on: boolean) {
    this.#monitorOnly = on
  }

  /** Peeks and sets up the context; returns the PeekResult. */
  #load (buf: Uint8Array, offset: number, end: number): PeekResult {
    const ctx = this.#ctx
    const r = peekHeader(buf, offset, ctx.peek, end)
    ctx.buf = buf
    ctx.offset = offset
    ctx.payload = offset + IPX_HEADER_LENGTH
    ctx.payloadLength = r === PeekResult.Ok ? ctx.peek.length - IPX_HEADER_LENGTH : 0
    ctx.dispatch = undefined
    return r
  }

  /** Index of the first matching rule, or -1. The context must be loaded. */
  #firstMatch (): number {
    const ctx = this.#ctx
    const compiled = this.#compiled
    outer: for (let i = 0; i < compiled.length; i++) {
      const conds = compiled[i]!.conditions
      for (let j = 0; j < conds.length; j++) if (!conds[j]!.test(ctx)) continue outer
      return i
    }
    return -1
  }

  /**
   * Classifies the IPX datagram at `offset` of `buf` (ending at `end`, default the buffer's end) and
   * counts it. Never throws: a malformed header gives the `malformed` result (class default).
   * The returned object is frozen and shared between packets.
   */
  classify (buf: Uint8Array, offset = 0, end: number = buf.length): Classification {
    const m = this.#monitorOnly ? 1 : 0
    if (this.#load(buf, offset, end) !== PeekResult.Ok) {
      this.#malformedHits++
      const ci = classIndex(TrafficClass.Default)
      this.#packets[ci]!++
      this.#bytes[ci]! += Math.max(0, end - offset)
      return this.#malformed[m]!
    }
    const i = this.#firstMatch()
    const result = i < 0 ? this.#noMatch[m]! : (m === 1 ? this.#compiled[i]!.monitoring : this.#compiled[i]!.enforcing)
    if (i < 0) this.#noMatchHits++
    else this.#ruleHits[i]!++
    const ci = classIndex(result.trafficClass)
    this.#packets[ci]!++
    this.#bytes[ci]! += this.#ctx.peek.length
    return result
  }

  /**
   * Explains how the datagram would be classified: every rule tried, each condition with what was
   * seen, up to the first match. Does not count. Allocates freely (not for the hot path).
   */
  explain (buf: Uint8Array, offset = 0, end: number = buf.length): Explanation {
    const m = this.#monitorOnly ? 1 : 0
    const r = this.#load(buf, offset, end)
    if (r !== PeekResult.Ok) {
      return { result: this.#malformed[m]!, packet: `malformed: ${PEEK_REASONS[r] ?? 'unreadable'}`, trace: [], untried: this.rules.length }
    }
    const ctx = this.#ctx
    const p = ctx.peek
    const d = dispatchOf(ctx)
    const packet = `IPX type ${fmtType(p.packetType)} length ${p.length} ` +
      `${fmtNetwork(p.srcNetwork)}:${fmtNode(p.srcNode)}:${fmtSocket(p.srcSocket)} -> ` +
      `${fmtNetwork(p.dstNetwork)}:${fmtNode(p.dstNode)}:${fmtSocket(p.dstSocket)}` +
      `${p.dstNode === BROADCAST_NODE ? ' (broadcast)' : ''}, upper protocol ${d.protocol}`
    const trace: RuleTrace[] = []
    for (let i = 0; i < this.#compiled.length; i++) {
      const { rule, conditions } = this.#compiled[i]!
      const checks: string[] = []
      let matched = true
      for (const c of conditions) {
        const ok = c.test(ctx)
        checks.push(c.describe(ctx, ok))
        if (!ok) { matched = false; break }
      }
      if (conditions.length === 0) checks.push('no conditions: matches every packet')
      trace.push({ index: i, name: rule.name, trafficClass: rule.trafficClass, matched, checks })
      if (matched) {
        return { result: m === 1 ? this.#compiled[i]!.monitoring : this.#compiled[i]!.enforcing, packet, trace, untried: this.#compiled.length - i - 1 }
      }
    }
    return { result: this.#noMatch[m]!, packet, trace, untried: 0 }
  }

  /** A snapshot of the counters. */
  counters (): ClassifierCounters {
    const packets = {} as Record<TrafficClass, number>
    const bytes = {} as Record<TrafficClass, number>
    TRAFFIC_CLASSES.forEach((c, i) => { packets[c] = this.#packets[i]!; bytes[c] = this.#bytes[i]! })
    const rules: Record<string, number> = {}
    this.rules.forEach((r, i) => { rules[r.name] = this.#ruleHits[i]! })
    rules['no-match'] = this.#noMatchHits
    rules.malformed = this.#malformedHits
    return { packets, bytes, rules, malformed: this.#malformedHits }
  }

  /** Zeroes every counter. */
  resetCounters (): void {
    this.#packets.fill(0)
    this.#bytes.fill(0)
    this.#ruleHits.fill(0)
    this.#noMatchHits = 0
    this.#malformedHits = 0
  }
}

let shared: Classifier | undefined

/** Classifies with a shared default classifier (default rules, enforcing). See {@link Classifier.classify}. */
export function classify (datagram: Uint8Array, offset = 0): Classification {
  shared ??= new Classifier()
  return shared.classify(datagram, offset)
}

/** Explains with a shared default classifier. See {@link Classifier.explain}. */
export function explain (datagram: Uint8Array, offset = 0): Explanation {
  shared ??= new Classifier()
  return shared.explain(datagram, offset)
}

/** Renders an {@link Explanation} as text lines, for `ipxlab explain` and logs. */
export function formatExplanation (e: Explanation): string[] {
  const lines = [e.packet]
  for (const t of e.trace) {
    lines.push(`${t.matched ? 'MATCH' : 'no   '} #${t.index} ${t.name} -> ${t.trafficClass}`)
    for (const c of t.checks) lines.push(`        ${c}`)
  }
  if (e.untried > 0) lines.push(`(${e.untried} later rule${e.untried === 1 ? '' : 's'} not tried)`)
  const enforced = e.result.enforcedClass !== e.result.trafficClass ? ` (monitor-only: enforced as ${e.result.enforcedClass})` : ''
  lines.push(`class ${e.result.trafficClass}${enforced}: ${e.result.reason}`)
  return lines
}
