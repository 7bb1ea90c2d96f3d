/**
 * The sequence guard (src/transport/sequence-guard.ts): its policy as tables, then the attacks of
 * issue 13 item 7 repeated against a real link on loopback. Without a key a forged frame, a hello
 * stamped a year ahead, a forged keepalive-ack and a sequence jump never take the link down nor
 * poison its figures; with a key they are refused by the MAC.
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { GuardResult, MAX_DROPOUT, MAX_FUTURE_SKEW_US, SequenceGuard, plausibleRtt } from '../../src/transport/sequence-guard.js'
import { NativeLink } from '../../src/transport/native-link.js'
import { UdpTunnel } from '../../src/transport/udp-tunnel.js'
import { MessageType, encodeEcho, encodeHello } from '../../protocol/tunnel/messages.js'
import { decode } from '../../protocol/tunnel/frame.js'
import { until } from './_dosbox-client.js'
import { KEY_A, collect, frame, ipx, nowMicros, rawPeer } from './_native.js'
import type { Got } from './_native.js'
import { recordingLogger } from '../_log.js'

const NOW = 1_800_000_000_000_000
const YEAR = 365 * 86_400 * 1_000_000
const HELLO_BODY = encodeHello({ network: 1, mode: 0, reserved: 0, capabilities: 0, keepaliveInterval: 1, maxPacket: 1424, classDigest: Buffer.alloc(8) })

/** Feeds [seq, µs offset from NOW, hello?] in order; returns the verdict names. */
function run (strict: boolean, frames: Array<[number, number, boolean?]>): { verdicts: string[], g: SequenceGuard } {
  const g = new SequenceGuard({ strict })
  const names = Object.fromEntries(Object.entries(GuardResult).map(([k, v]) => [v, k])) as Record<number, string>
  const verdicts = frames.map(([seq, dt, hello]) => {
    const r = g.check(seq >>> 0, NOW + dt, hello === true, NOW)
    if (r === GuardResult.Ok) g.accept(seq >>> 0, NOW + dt, hello === true)
    return names[r]!
  })
  return { verdicts, g }
}

const table: Array<{ name: string, frames: Array<[number, number, boolean?]>, strict: string[], measure: string[] }> = [
  { name: 'in order', frames: [[1, 0, true], [2, 1], [3, 2]], strict: ['Ok', 'Ok', 'Ok'], measure: ['Ok', 'Ok', 'Ok'] },
  { name: 'exact duplicate', frames: [[1, 0, true], [2, 1], [2, 1]], strict: ['Ok', 'Ok', 'Duplicate'], measure: ['Ok', 'Ok', 'Duplicate'] },
  { name: 'forged random sequence, then the real stream', frames: [[1, 0, true], [2, 1], [0x7000_0000, 2], [3, 3], [4, 4]], strict: ['Ok', 'Ok', 'Ok', 'TooOld', 'TooOld'], measure: ['Ok', 'Ok', 'Ok', 'Ok', 'Ok'] },
  { name: 'hello stamped a year ahead', frames: [[1, 0, true], [7, YEAR, true], [2, 1]], strict: ['Ok', 'Future', 'Ok'], measure: ['Ok', 'Future', 'Ok'] },
  { name: 'within the skew tolerance is fine', frames: [[1, MAX_FUTURE_SKEW_US - 1, true]], strict: ['Ok'], measure: ['Ok'] },
  { name: 'restart: newer hello, new sequence; old-run frame late', frames: [[5000, 0, true], [5001, 1], [10, 1000, true], [5002, 2]], strict: ['Ok', 'Ok', 'Ok', 'BeforeReset'], measure: ['Ok', 'Ok', 'Ok', 'Ok'] },
  { name: 'replayed older hello', frames: [[5000, 0, true], [10, 1000, true], [11, 1001], [5000, 0, true]], strict: ['Ok', 'Ok', 'Ok', 'BeforeReset'], measure: ['Ok', 'Ok', 'Ok', 'Ok'] }
]

for (const row of table) {
  test(`guard table: ${row.name}`, t => {
    t.deepEqual(run(true, row.frames).verdicts, row.strict, 'strict (a key)')
    t.deepEqual(run(false, row.frames).verdicts, row.measure, 'measure (no key)')
  })
}

test('guard: a jump beyond MAX_DROPOUT is not loss; a gap within it is; a late frame fills one', t => {
  const { g } = run(false, [[1, 0, true], [3, 1], [2, 2], [10, 3], [10 + MAX_DROPOUT + 5, 4]])
  t.is(g.stats.lost, 6, '2 missed, then filled; 4..9 missing')
  t.is(g.stats.reordered, 1)
  t.is(g.stats.jumps, 1)
  const forged = run(false, [[1, 0, true], [(1 + 0x7fff_fffe) >>> 0, 1], [2, 2], [3, 3]]).g
  t.is(forged.stats.lost, 0, 'the 2,147,483,646 jump of issue 13 adds nothing to lost')
  t.is(forged.stats.resyncs, 1, 'the real stream resynchronised the window once')
})

test('guard: plausible RTTs only', t => {
  t.true(plausibleRtt(0))
  t.true(plausibleRtt(250))
  t.false(plausibleRtt(-86_399 * 1_000_000))
  t.false(plausibleRtt(3600 * 1_000_000))
  t.false(plausibleRtt(Number.NaN))
})

/** A link B on a real UDP socket whose peer A is a raw socket the test drives (real frames and forged ones). */
async function linkUnderAttack (t: ExecutionContext, key?: Buffer): Promise<{ b: NativeLink, got: Got, send: (f: Buffer) => Promise<void>, raw: Awaited<ReturnType<typeof rawPeer>> }> {
  const raw = await rawPeer()
  t.teardown(raw.close)
  const tb = new UdpTunnel({ host: '127.0.0.1', port: 0 })
  const pb = (await tb.start()).port
  t.teardown(async () => { await tb.stop() })
  const got: Got = []
  const b = new NativeLink({ node: 0xb, peer: { host: '127.0.0.1', port: raw.port }, onPacket: collect(got), keepaliveIntervalMs: 10_000, ...(key !== undefined ? { keys: new Map([[1, key]]) } : {}) })
  tb.addLink(b)
  b.start()
  return { b, got, raw, send: async f => { await raw.send(f, pb) } }
}

for (const keyed of [false, true]) {
  test(`${keyed ? 'with' : 'without'} a key: a forged data frame, a hello a year ahead, a forged keepalive-ack and a 2^31 jump leave the link up, its RTT positive and its loss true`, async t => {
    const { b, got, send, raw } = await linkUnderAttack(t, keyed ? KEY_A : undefined)
    const key = keyed ? KEY_A : undefined
    const f = (type: number, sequence: number, body: Buffer, micros = nowMicros(), signed = true): Buffer => {
      const k = signed ? key : undefined
      return frame({ type, node: 0xa, sequence: sequence >>> 0, micros, ...(k !== undefined ? { keyId: 1 } : {}) }, body, k)
    }
    let seq = 1000
    await send(f(MessageType.Hello, seq++, HELLO_BODY))
    for (let i = 0; i < 50; i++) await send(f(MessageType.Data, seq++, ipx(i)))
    t.true(await until(() => got.length === 50))
    // The attacks, each as an unauthenticated stranger would send them (no key).
    await send(f(MessageType.Data, 0x9abc_def0, ipx(999), nowMicros(), false))
    await send(f(MessageType.Hello, 7, HELLO_BODY, nowMicros() + YEAR, false))
    await send(f(MessageType.KeepaliveAck, 77, encodeEcho({ echoSequence: 5, echoTimestamp: { seconds: Math.floor(nowMicros() / 1e6) + 86_399, micros: 0 } }), nowMicros(), false))
    await send(f(MessageType.Data, seq + 0x7fff_fffe, ipx(998), nowMicros(), false))
    // The real peer goes on.
    for (let i = 50; i < 100; i++) await send(f(MessageType.Data, seq++, ipx(i)))
    t.true(await until(() => b.counters.received === 105), `received ${b.counters.received}`)
    const real = got.filter(g => g[1].sequence >= 1000 && g[1].sequence < 1101)
    t.is(real.length, 100, 'every real frame delivered after the attack')
    t.true(b.up)
    t.is(b.stats.rtt.count, 0, 'no RTT sample from a forged echo')
    t.true(b.stats.lost <= 2, `lost ${b.stats.lost}`)
    t.is(b.counters.received, b.counters.delivered + b.counters.totalDropped(), 'rx: received = delivered + dropped')
    if (keyed) {
      t.is(b.counters.dropped.unauthenticated + b.counters.dropped.replayed, 3, 'refused by the MAC, or by the strict window before it')
      t.is(b.counters.dropped.future_timestamp, 1, 'the year-ahead hello is refused before the MAC')
    } else {
      t.is(b.counters.dropped.future_timestamp, 1)
      t.is(b.stats.rttDiscarded, 1)
      t.true(b.stats.resyncs >= 1)
    }
    // A restarted peer (new random sequence, later clock) is heard at once.
    await send(f(MessageType.Hello, 42, HELLO_BODY))
    await send(f(MessageType.Data, 43, ipx(43)))
    t.true(await until(() => got.some(g => g[1].sequence === 43)), 'the restarted peer gets through')
    t.true(await until(() => raw.received.some(d => decode(d).header.type === MessageType.HelloAck)))
    t.log(`${keyed ? 'keyed' : 'unkeyed'}: received ${b.counters.received}, delivered ${b.counters.delivered}, dropped ${JSON.stringify(Object.fromEntries(Object.entries(b.counters.dropped).filter(([, n]) => n > 0)))}; lost ${b.stats.lost}, jumps ${b.stats.jumps}, resyncs ${b.stats.resyncs}, rtt discarded ${b.stats.rttDiscarded}`)
  })
}

test('different keys on two nodes: one warning a minute naming the peer, however many frames fail', async t => {
  const { logger, lines } = recordingLogger()
  const raw = await rawPeer()
  t.teardown(raw.close)
  const tb = new UdpTunnel({ host: '127.0.0.1', port: 0 })
  const pb = (await tb.start()).port
  t.teardown(async () => { await tb.stop() })
  const b = new NativeLink({ node: 0xb, peer: { host: '127.0.0.1', port: raw.port }, keys: new Map([[1, KEY_A]]), onPacket: () => {}, logger })
  tb.addLink(b)
  b.start()
  const other = Buffer.alloc(32, 0x77)
  for (let i = 0; i < 200; i++) await raw.send(frame({ type: MessageType.Hello, node: 0xa, sequence: i, keyId: 1 }, HELLO_BODY, other), pb)
  t.true(await until(() => b.counters.dropped.unauthenticated === 200))
  const warnings = lines.filter(l => l.level === 'warn' && /fail authentication/.test(l.message))
  t.is(warnings.length, 1)
  t.is(warnings[0]!.meta.peer, `127.0.0.1:${raw.port}`)
  t.false(b.up)
})
