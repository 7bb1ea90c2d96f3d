import test from 'ava'
import dgram from 'node:dgram'
import { once } from 'node:events'
import fc from 'fast-check'
import { snp } from '../../protocol/index.js'
import { until } from '../transport/_dosbox-client.js'
import { twoNodes, client } from './_two-nodes.js'
import { SnpAgent, classTableInput, linkSettingsFromQos } from '../../src/node/snp-agent.js'
import type { SnpPeerStats } from '../../src/node/snp-agent.js'
import type { NativeLink, PacketMeta } from '../../src/transport/native-link.js'
import type { LinkQos } from '../../src/node/link-qos.js'
import { validateConfig } from '../../src/node/config.js'
import { ConfigError } from '../../src/errors.js'
import { DEFAULT_CLASS_TABLE, TRAFFIC_CLASSES } from '../../src/qos/classes.js'
import { classify } from '../../src/qos/classifier.js'
import { defaultRules } from '../../src/qos/rules.js'
import type { Logger } from '../../src/log.js'

const FAST = { helloIntervalMs: 100, probeIntervalMs: 50, reportIntervalMs: 100 }
const KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'

/** A logger that keeps warnings (message and meta) for assertions. */
function recordingLogger (): { logger: Logger, warnings: Array<{ message: string, meta: Record<string, unknown> | undefined }> } {
  const warnings: Array<{ message: string, meta: Record<string, unknown> | undefined }> = []
  const logger: Logger = {
    error: () => {},
    warn: (message, meta) => { warnings.push({ message, meta }) },
    info: () => {},
    debug: () => {},
    child: () => logger,
    isDebugEnabled: () => false
  }
  return { logger, warnings }
}

function peer (n: { snp: { stats: () => { peers: SnpPeerStats[] } } }): SnpPeerStats {
  return n.snp.stats().peers[0]!
}

test('config: a peer\'s SNP address defaults to its host and port 2629; `snp` sets it; a bad one names peers[0].snp', t => {
  const c = validateConfig({ peers: ['10.0.0.2:2644', { address: '10.0.0.3:3000', snp: '10.0.0.9:4000' }, { address: '10.0.0.4', snp: 'snp.example' }] })
  t.deepEqual(c.peers.map(p => p.snp), [{ host: '10.0.0.2', port: 2629 }, { host: '10.0.0.9', port: 4000 }, { host: 'snp.example', port: 2629 }])
  for (const bad of ['10.0.0.2:0', 'not an address', '10.0.0.2:70000']) {
    const err = t.throws(() => validateConfig({ peers: [{ address: '10.0.0.2', snp: bad }] }), { instanceOf: ConfigError, code: 'IPX_ERR_CONFIG' })
    t.is(err?.field, 'peers[0].snp', bad)
  }
})

test('hello settings: the digest covers the class table and the rules; link settings come from the QoS runtime', t => {
  const base = snp.classTableDigest(classTableInput())
  t.deepEqual(snp.classTableDigest(classTableInput(DEFAULT_CLASS_TABLE, defaultRules())), base, 'defaults are the defaults')
  t.notDeepEqual(snp.classTableDigest(classTableInput({ ...DEFAULT_CLASS_TABLE, game: { ...DEFAULT_CLASS_TABLE.game, weight: 8 } })), base, 'a weight')
  t.notDeepEqual(snp.classTableDigest(classTableInput(DEFAULT_CLASS_TABLE, defaultRules().slice(1))), base, 'a rule')
  t.deepEqual(classTableInput().classes.map(c => c.name), [...TRAFFIC_CLASSES], 'class id = position')
  t.deepEqual(linkSettingsFromQos(undefined), { upRate: 0, downRate: 0, delayMicros: 0, jitterMicros: 0, lossPpm: 0 })
  t.deepEqual(linkSettingsFromQos({ discipline: 'snp', rateBps: 256_000, wan: { delayMs: 40, jitterMs: 2.5, loss: 0.01 } }),
    { upRate: 256_000, downRate: 256_000, delayMicros: 40_000, jitterMicros: 2_500, lossPpm: 10_000 })
  t.is(linkSettingsFromQos({ discipline: 'none', rateBps: 1000 }).upRate, 0, 'no discipline: nothing emulated')
})

test('receive hook: per-class packets, bytes and delays; a sequence gap is charged to the next frame\'s class and un-charged by the late frame', t => {
  const stats = { lost: 0, reordered: 0, duplicates: 0 }
  const link = { stats, up: false, peerNode: undefined } as unknown as NativeLink
  const qos = { stats: () => ({ classes: {} }) } as unknown as LinkQos
  const agent = new SnpAgent({ host: '127.0.0.1', port: 0, node: 1, network: 1, mode: 'bridge' })
  const rx = agent.addPeer({ id: 'p', address: '127.0.0.2:2644', snp: { host: '127.0.0.2', port: 2629 }, link, qos })
  const meta = (trafficClass: number, delay = 1000): PacketMeta => ({ trafficClass, sequence: 0, sentAtMicros: 5_000_000, receivedAtMicros: 5_000_000 + delay })
  rx.record(100, meta(2))
  stats.lost += 3 // the link saw a 3-frame gap before the next frame, a bulk one
  rx.record(1000, meta(3))
  stats.lost -= 1 // a late game frame fills one
  stats.reordered += 1
  rx.record(100, meta(2))
  stats.duplicates += 2
  rx.record(40, meta(0, -5)) // a negative one-way delay (clock offset) counts as 0
  rx.record(10, meta(200)) // a class beyond the table
  const m = agent.stats().peers[0]!.measured
  t.deepEqual({ ...m.game, delayMicros: undefined }, { packets: 2, bytes: 200, lost: 0, reordered: 1, duplicates: 0, delayMicros: undefined })
  t.is(m.bulk!.lost, 2, 'two gaps stay charged to bulk after the game frame un-charged one')
  t.is(Object.values(m).reduce((s, c) => s + c.lost, 0), stats.lost, 'per-class loss sums to the link\'s')
  t.is(m.network_control!.duplicates, 2)
  t.is(m.class_200!.packets, 1)
  t.deepEqual(Object.keys(m).slice(0, 6), [...TRAFFIC_CLASSES], 'known classes always listed')
})

test('two nodes: SNP hello, probes and reports round-trip on udp; each node shows what the other measured of its traffic, per class', async t => {
  const { a, b, aPort, bPort } = await twoNodes(t, { runtime: { snp: FAST } })
  const x = await client(t, aPort, '127.0.0.1')
  const y = await client(t, bPort, '127.0.0.2')
  const n = 25
  let sent: Buffer | undefined
  for (let i = 0; i < n; i++) sent = await x.sendTo(y.node, Buffer.from(`x->y ${i}`))
  const cls = classify(sent!).trafficClass
  t.true(await until(() => (peer(a).peerMeasured[cls]?.packets ?? 0) >= n, 5000), `A learned B's measurement of class ${cls}: ${JSON.stringify(peer(a).peerMeasured[cls])}`)
  t.true(await until(() => (peer(b).probes.replies > 1 && peer(a).probes.replies > 1), 3000), 'probes answered both ways')
  const pa = peer(a)
  const pb = peer(b)
  for (const p of [pa, pb]) {
    t.true(p.hello.complete)
    t.true(p.hello.match, JSON.stringify(p.hello.mismatches))
    t.true(p.reports.received > 0 && p.reports.sent > 0)
    t.not(p.probes.rttMicros, null)
    t.true(p.probes.rttMicros!.min >= 0 && p.probes.rttMicros!.max < 1_000_000, 'loopback RTT below a second')
    t.is(p.bye, null)
  }
  t.not(pa.probes.ipdvMicros, null, 'delay variation after two replies')
  t.true(pb.measured[cls]!.packets >= n, 'B counted the data frames in their class')
  t.true(pb.measured[cls]!.packets >= pa.peerMeasured[cls]!.packets, 'A sees what B reported, no more')
  t.is(pa.peerMeasured[cls]!.lost, 0)
  t.true(pa.peerMeasured[cls]!.last.delayMicros.max < 1_000_000)
  t.is(pa.peerNode, b.stats().node, 'A knows B by its native node id')
  for (const s of [a.snp.stats(), b.snp.stats()]) {
    t.is(s.endpoint.delivered + Object.values(s.endpoint.dropped).reduce((p, q) => p + q, 0), s.endpoint.received)
    t.is(Object.values(s.endpoint.dropped).reduce((p, q) => p + q, 0), 0, JSON.stringify(s.endpoint.dropped))
  }
})

test('two nodes with different class tables: the mismatch is logged as a warning naming classDigest, and flagged in stats on both sides', async t => {
  const la = recordingLogger()
  const lb = recordingLogger()
  const otherTable = { ...DEFAULT_CLASS_TABLE, game: { ...DEFAULT_CLASS_TABLE.game, weight: 8 } }
  const { a, b } = await twoNodes(t, { runtime: { snp: FAST, logger: la.logger }, runtimeB: { snp: FAST, logger: lb.logger, qos: { classes: otherTable } } })
  t.true(await until(() => peer(a).hello.match === false && peer(b).hello.match === false, 3000))
  t.true(peer(a).hello.mismatches.some(m => m.startsWith('classDigest: ')), JSON.stringify(peer(a).hello.mismatches))
  t.is(peer(a).hello.remoteDigest, b.snp.classDigest.toString('hex'))
  const w = la.warnings.filter(x => /hello mismatch/.test(x.message))
  t.is(w.length, 1, 'logged once, not on every hello')
  t.true((w[0]!.meta?.mismatches as string[]).some(m => m.startsWith('classDigest')))
  t.true(lb.warnings.some(x => /hello mismatch/.test(x.message)))
})

test('two nodes with a key: SNP is signed; unsigned, forged and fuzzed datagrams sent to B\'s SNP port are counted and dropped, and the conversation goes on', async t => {
  const { a, b, bSnp } = await twoNodes(t, { key: KEY, runtime: { snp: FAST } })
  t.true(await until(() => peer(a).hello.complete && peer(b).probes.replies > 0, 3000))
  const s = dgram.createSocket('udp4')
  t.teardown(() => { s.close() })
  s.bind(0, '127.0.0.1')
  await once(s, 'listening')
  const aNode = a.config.node
  // A hello stamped later than A's last one skips the replay window (SPEC.md §5), so the tag decides.
  const forged = (sequence: number, key?: Buffer): Buffer => {
    const d = snp.encode(snp.makeMessage({ node: aNode, sequence, timestamp: snp.timestampFromMicros((Date.now() + 10_000) * 1000), authenticated: key !== undefined, keyId: 1 }, {
      kind: 'hello',
      hello: { peerNode: 0, network: 1, mode: 0, reserved: 0, classCount: 6, capabilities: 3, reportIntervalMs: 100, probeIntervalMs: 50, mtu: 1424, link: { upRate: 0, downRate: 0, delayMicros: 0, jitterMicros: 0, lossPpm: 0 }, classDigest: b.snp.classDigest }
    }))
    return key !== undefined ? snp.sign(d, key) : d
  }
  const before = b.snp.stats().endpoint
  s.send(forged(1), bSnp, '127.0.0.2')
  s.send(forged(2, Buffer.alloc(32, 9)), bSnp, '127.0.0.2')
  const fuzz = fc.sample(fc.uint8Array({ minLength: 0, maxLength: 100 }), { numRuns: 100, seed: 7 })
  for (const f of fuzz) s.send(f, bSnp, '127.0.0.2')
  t.true(await until(() => b.snp.stats().endpoint.received - before.received >= 2 + fuzz.length, 5000))
  const after = b.snp.stats().endpoint
  t.is(after.dropped.unauthenticated - before.dropped.unauthenticated, 2)
  t.true(after.dropped.malformed - before.dropped.malformed >= fuzz.length - 5, 'random bytes are malformed (a few may be unknown_peer)')
  t.is(after.delivered + Object.values(after.dropped).reduce((p, q) => p + q, 0), after.received, 'every datagram in one counter')
  const replies = peer(b).probes.replies
  t.true(await until(() => peer(b).probes.replies > replies + 1, 3000), 'probes still answered')
  t.is(a.snp.stats().endpoint.dropped.unauthenticated, 0, 'the real peer\'s signed datagrams all verify')
})

test('stop says bye: the peer records the reason', async t => {
  const { a, b } = await twoNodes(t, { runtime: { snp: FAST } })
  // Wait on the events, not on time: the hello exchange, then the bye that a's stop sends.
  const hello = once(b.snp.events, 'hello', { signal: AbortSignal.timeout(20_000) })
  if (!peer(b).hello.complete) await hello
  else hello.catch(() => {})
  t.true(peer(b).hello.complete)
  const bye = once(b.snp.events, 'bye', { signal: AbortSignal.timeout(20_000) })
  await a.stop()
  const [, reason] = await bye
  t.is(reason, snp.ByeReason.Shutdown)
  t.is(peer(b).bye, snp.ByeReason.Shutdown)
})

test('a forged SNP report (no key) claiming 2,147,483,646 lost is discarded as implausible, counted, and the figures stay true', async t => {
  const { a, b, bSnp } = await twoNodes(t, { runtime: { snp: FAST } })
  t.true(await until(() => peer(b).hello.complete, 3000))
  const entry = { classId: 3, reserved: 0, packets: 1, bytes: 40, lost: 0x7ffffffe, reordered: 0, duplicates: 0, delay: { p50: 1, p99: 1, max: 1 }, drops: { queueFull: 0, aqm: 0, expired: 0, policer: 0, other: 0 } }
  const forged = snp.encode(snp.makeMessage({ node: a.config.node, sequence: 0x12345678, timestamp: snp.timestampFromMicros(Math.floor((performance.timeOrigin + performance.now()) * 1000)), authenticated: false, keyId: 0 },
    { kind: 'report', report: { intervalMicros: 1_000_000, classes: [entry] } }))
  const s = dgram.createSocket('udp4')
  t.teardown(() => { s.close() })
  await new Promise<void>(resolve => { s.send(forged, bSnp, '127.0.0.2', () => { resolve() }) })
  t.true(await until(() => peer(b).reports.implausible === 1, 3000), JSON.stringify(peer(b).reports))
  t.true(Object.values(peer(b).peerMeasured).every(m => m.lost < 1000), 'no billions of lost packets')
})
