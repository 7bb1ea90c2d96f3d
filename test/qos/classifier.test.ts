import test from 'ava'
import fc from 'fast-check'
import { Classifier, classify, explain, formatExplanation, defaultRules, DOOM_SOCKETS, TRAFFIC_CLASSES, validateRules } from '../../src/qos/index.js'
import type { Rule, TrafficClass } from '../../src/qos/index.js'
import { ConfigError } from '../../src/errors.js'
import { PacketType, Socket } from '../../protocol/constants.js'
import { NcpType } from '../../protocol/ncp.js'
import { datagram, ncpDatagram, spxDatagram } from './_packets.js'

const common = { sequence: 1, connection: 3, task: 1 }
const ncpReq = (fn: number): Parameters<typeof ncpDatagram>[0] => ({ kind: 'request', type: NcpType.ServiceRequest, ...common, function: fn, data: Buffer.alloc(0) })
const ncpReply: Parameters<typeof ncpDatagram>[0] = { kind: 'reply', type: NcpType.ServiceReply, ...common, completionCode: 0, connectionStatus: 0, data: Buffer.alloc(0) }
const burst = Buffer.alloc(36)
burst.writeUInt16BE(0x7777, 0)

/** [title, datagram, expected class, expected rule name] — at least one row per default rule. */
const CASES: Array<[string, Buffer, TrafficClass, string]> = [
  ['RIP response', datagram({ packetType: PacketType.Rip, srcSocket: Socket.Rip, dstSocket: Socket.Rip, bytes: 40 }), 'network_control', 'rip'],
  ['RIP with packet type 0 (Linux: "may also be 0")', datagram({ packetType: 0, srcSocket: Socket.Rip, dstSocket: Socket.Rip, bytes: 40 }), 'network_control', 'rip'],
  ['SAP general response', datagram({ packetType: PacketType.Pep, srcSocket: Socket.Sap, dstSocket: Socket.Sap, bytes: 96, broadcast: true }), 'network_control', 'sap'],
  ['type-5 packet from 0x0452 is SAP (Wireshark: socket before type)', datagram({ packetType: PacketType.Spx, srcSocket: Socket.Sap, dstSocket: 0x4000, bytes: 64 }), 'network_control', 'sap'],
  ['SPX system packet (connect)', spxDatagram(0x80), 'network_control', 'spx-system'],
  ['SPX acknowledgement (system + send-ack)', spxDatagram(0xc0), 'network_control', 'spx-system'],
  ['NCP packet burst', datagram({ packetType: PacketType.Ncp, srcSocket: Socket.Ncp, dstSocket: 0x4010, payload: burst, bytes: 1000 }), 'bulk', 'ncp-burst'],
  ['NCP large write (0x49)', ncpDatagram(ncpReq(0x49), 600, true), 'bulk', 'ncp-large-read-write'],
  ['NCP large read reply', ncpDatagram(ncpReply, 1100, false), 'bulk', 'ncp-large-reply'],
  ['NCP small read request (0x48)', ncpDatagram(ncpReq(0x48), 46, true), 'interactive', 'ncp-small-request'],
  ['NCP small Close File request (0x42)', ncpDatagram(ncpReq(0x42), 60, true), 'interactive', 'ncp-small-request'],
  ['Novell ping', datagram({ packetType: PacketType.Pep, srcSocket: 0x4020, dstSocket: Socket.NovellPing, bytes: 40 }), 'interactive', 'novell-ping'],
  ['IPX diagnostics request', datagram({ packetType: PacketType.Pep, srcSocket: 0x4020, dstSocket: Socket.Diagnostic, bytes: 31 }), 'interactive', 'diagnostics'],
  ...DOOM_SOCKETS.map((s): [string, Buffer, TrafficClass, string] => [`DOOM broadcast on 0x${s.toString(16)}`, datagram({ packetType: PacketType.Pep, srcSocket: s, dstSocket: s, broadcast: true, bytes: 80 }), 'game', 'game']),
  ['NetBIOS type-20 name query', datagram({ packetType: PacketType.NetbiosBroadcast, srcSocket: Socket.Netbios, dstSocket: Socket.Netbios, broadcast: true, bytes: 80 }), 'background', 'netbios-type20'],
  ['large frame on unknown sockets', datagram({ packetType: 0, srcSocket: 0x5000, dstSocket: 0x5001, bytes: 1200 }), 'bulk', 'large-frame'],
  ['SPX data', spxDatagram(0x50, 100), 'interactive', 'spx-data'],
  ['small packet on unknown sockets', datagram({ packetType: 0, srcSocket: 0x5000, dstSocket: 0x5001, bytes: 100 }), 'default', 'no-match'],
  ['NCP small reply (no rule)', ncpDatagram(ncpReply, 40, false), 'default', 'no-match']
]

for (const [title, buf, cls, rule] of CASES) {
  test(`classify: ${title} -> ${cls} (${rule})`, t => {
    const c = new Classifier()
    const r = c.classify(buf)
    t.is(r.trafficClass, cls)
    t.is(r.enforcedClass, cls)
    t.is(r.ruleName, rule)
    t.is(r.ruleIndex, rule === 'no-match' ? -1 : c.rules.findIndex(x => x.name === rule))
    // The same datagram inside a larger buffer, at an offset.
    const big = Buffer.concat([Buffer.alloc(7, 0xaa), buf, Buffer.alloc(5, 0xbb)])
    t.is(c.classify(big, 7, 7 + buf.length).ruleName, rule)
  })
}

test('every default rule is exercised by the table', t => {
  const covered = new Set(CASES.map(c => c[3]))
  for (const r of defaultRules()) t.true(covered.has(r.name), r.name)
})

test('classify returns shared frozen results (no per-packet result objects)', t => {
  const c = new Classifier()
  const a = c.classify(CASES[0]![1])
  const b = c.classify(CASES[0]![1])
  t.is(a, b)
  t.true(Object.isFrozen(a))
})

test('malformed datagrams go to default and are counted, never throw', t => {
  const c = new Classifier()
  const short = c.classify(Buffer.alloc(20))
  t.is(short.ruleName, 'malformed')
  t.is(short.trafficClass, 'default')
  const bad = Buffer.from(CASES[0]![1])
  bad.writeUInt16BE(9999, 2)
  t.is(c.classify(bad).ruleName, 'malformed')
  t.is(c.counters().malformed, 2)
})

test('random bytes always classify to a known class without throwing', t => {
  const c = new Classifier()
  t.notThrows(() => fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), bytes => {
    const r = c.classify(bytes)
    return TRAFFIC_CLASSES.includes(r.trafficClass)
  }), { numRuns: 2000 }))
})

test('monitor-only: classifies and counts, enforces default', t => {
  const c = new Classifier({ monitorOnly: true })
  for (const [, buf, cls] of CASES) {
    const r = c.classify(buf)
    t.is(r.trafficClass, cls)
    t.is(r.enforcedClass, 'default')
  }
  const counts = c.counters()
  for (const cls of TRAFFIC_CLASSES) t.is(counts.packets[cls], CASES.filter(x => x[2] === cls).length, cls)
  t.is(counts.rules.game, DOOM_SOCKETS.length)
  c.monitorOnly = false
  t.is(c.classify(CASES[0]![1]).enforcedClass, 'network_control')
  c.resetCounters()
  t.is(c.counters().packets.network_control, 0)
})

test('counters count bytes by IPX length', t => {
  const c = new Classifier()
  const buf = datagram({ packetType: 0, srcSocket: 0x5000, dstSocket: 0x5001, bytes: 1200 })
  c.classify(buf)
  c.classify(buf)
  t.is(c.counters().bytes.bulk, 2400)
  t.is(c.counters().rules['large-frame'], 2)
})

test('game sockets are configurable', t => {
  const c = new Classifier({ rules: defaultRules({ gameSockets: [0x6181] }) })
  t.is(c.classify(datagram({ packetType: 4, srcSocket: 0x6181, dstSocket: 0x6181, bytes: 60 })).trafficClass, 'game')
  t.is(c.classify(datagram({ packetType: 4, srcSocket: 0x869c, dstSocket: 0x869c, bytes: 60 })).trafficClass, 'default')
})

test('custom rules: ranges, networks, nodes, broadcast, length, packet type', t => {
  const rules: Rule[] = [
    { name: 'net-20-bcast', match: { dstNetwork: 0x20, broadcast: true }, trafficClass: 'background', reason: 'test' },
    { name: 'sock-range', match: { dstSocket: { min: 0x5000, max: 0x50ff }, length: { max: 100 } }, trafficClass: 'game', reason: 'test' },
    { name: 'node', match: { srcNode: 0x000000000001, packetType: [4, 5] }, trafficClass: 'interactive', reason: 'test' }
  ]
  const c = new Classifier({ rules })
  t.is(c.classify(datagram({ packetType: 0, srcSocket: 1, dstSocket: 2, broadcast: true, bytes: 40 })).ruleName, 'net-20-bcast')
  t.is(c.classify(datagram({ packetType: 0, srcSocket: 1, dstSocket: 0x5042, bytes: 100 })).ruleName, 'sock-range')
  t.is(c.classify(datagram({ packetType: 0, srcSocket: 1, dstSocket: 0x5042, bytes: 101 })).ruleName, 'no-match')
  t.is(c.classify(datagram({ packetType: 5, srcSocket: 1, dstSocket: 0x6000, bytes: 60 })).ruleName, 'node')
})

test('explain: trace of every rule up to the match, and why each failed', t => {
  const buf = datagram({ packetType: PacketType.Pep, srcSocket: 0x869c, dstSocket: 0x869c, broadcast: true, bytes: 80 })
  const e = explain(buf)
  const rules = defaultRules()
  const gameIndex = rules.findIndex(r => r.name === 'game')
  t.is(e.result.ruleName, 'game')
  t.is(e.trace.length, gameIndex + 1)
  t.deepEqual(e.trace.map(x => x.matched), [...Array(gameIndex).fill(false), true])
  t.deepEqual(e.trace.map(x => x.name), rules.slice(0, gameIndex + 1).map(r => r.name))
  for (const step of e.trace) t.true(step.checks.length >= 1)
  t.is(e.untried, rules.length - gameIndex - 1)
  t.true(e.trace[gameIndex]!.checks[0]!.includes('0x869c'))
  const lines = formatExplanation(e)
  t.true(lines.some(l => l.startsWith(`MATCH #${gameIndex} game`)))
  t.is(lines.at(-1)!.startsWith('class game'), true)
})

test('explain: no match lists every rule; malformed has an empty trace', t => {
  const e = explain(datagram({ packetType: 0, srcSocket: 0x5000, dstSocket: 0x5001, bytes: 100 }))
  t.is(e.result.ruleName, 'no-match')
  t.is(e.trace.length, defaultRules().length)
  t.true(e.trace.every(x => !x.matched))
  const m = explain(Buffer.alloc(3))
  t.is(m.result.ruleName, 'malformed')
  t.deepEqual(m.trace, [])
})

test('explain does not count; classify() convenience uses the default rules', t => {
  const c = new Classifier()
  c.explain(CASES[0]![1])
  t.is(c.counters().packets.network_control, 0)
  t.is(classify(spxDatagram(0x80)).trafficClass, 'network_control')
})

test('invalid rules throw ConfigError', t => {
  const base = { trafficClass: 'bulk' as const, reason: 'x' }
  const bad: Rule[][] = [
    [{ name: 'a', match: {}, ...base }, { name: 'a', match: {}, ...base }],
    [{ name: 'r', match: { srcSocket: { min: 5, max: 4 } }, ...base }],
    [{ name: 's', match: { dstSocket: 0x10000 }, ...base }],
    [{ name: 'l', match: { length: { min: 100, max: 50 } }, ...base }],
    [{ name: 'c', match: { spxControl: { set: 0x80, clear: 0x80 } }, ...base }],
    [{ name: 'e', match: { socket: [] }, ...base }],
    [{ name: 'k', match: {}, trafficClass: 'nope' as TrafficClass, reason: 'x' }]
  ]
  for (const rules of bad) {
    t.throws(() => validateRules(rules), { instanceOf: ConfigError, code: 'IPX_ERR_CONFIG' })
    t.throws(() => new Classifier({ rules }), { instanceOf: ConfigError })
  }
})
