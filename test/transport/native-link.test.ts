import test from 'ava'
import type { ExecutionContext } from 'ava'
import { NativeLink, LinkState } from '../../src/transport/native-link.js'
import type { NativeLinkOptions, FrameSink } from '../../src/transport/native-link.js'
import { UdpTunnel } from '../../src/transport/udp-tunnel.js'
import { DropReason } from '../../src/transport/counters.js'
import type { Counters } from '../../src/transport/counters.js'
import { ConfigError } from '../../src/errors.js'
import { decode } from '../../protocol/tunnel/frame.js'
import { MessageType, decodeEcho, encodeEcho, encodeHello, decodeBye, ByeReason } from '../../protocol/tunnel/messages.js'
import { until, sleep } from './_dosbox-client.js'
import { KEY_A, KEY_B, collect, frame, ipx, nowMicros, rawPeer } from './_native.js'
import type { Got } from './_native.js'

const HOST = '127.0.0.1'
const NODE_A = 0x00000000000a
const NODE_B = 0x00000000000b
const HELLO_BODY = encodeHello({ network: 1, mode: 0, reserved: 0, capabilities: 0, keepaliveInterval: 1, maxPacket: 1424, classDigest: Buffer.alloc(8) })

/** Every frame counted ends in exactly one counter. */
function reconciled (t: ExecutionContext, c: Counters, what: string): void {
  t.is(c.delivered + c.totalDropped(), c.received, `${what}: delivered + dropped = received`)
}

interface Pair {
  ta: UdpTunnel
  tb: UdpTunnel
  a: NativeLink
  b: NativeLink
  gotA: Got
  gotB: Got
  statesA: string[]
  statesB: string[]
}

async function udpPair (t: ExecutionContext, extra: Partial<NativeLinkOptions> = {}): Promise<Pair> {
  const ta = new UdpTunnel({ host: HOST, port: 0 })
  const tb = new UdpTunnel({ host: HOST, port: 0 })
  const pa = (await ta.start()).port
  const pb = (await tb.start()).port
  t.teardown(async () => { await ta.stop(); await tb.stop() })
  const gotA: Got = []
  const gotB: Got = []
  const statesA: string[] = []
  const statesB: string[] = []
  const common = { helloIntervalMs: 50, keepaliveIntervalMs: 50, ...extra }
  const a = new NativeLink({ node: NODE_A, peer: { host: HOST, port: pb }, onPacket: collect(gotA), onStateChange: (up, r) => { statesA.push(`${up ? 'up' : 'down'}:${r}`) }, ...common })
  const b = new NativeLink({ node: NODE_B, peer: `${HOST}:${pa}`, onPacket: collect(gotB), onStateChange: (up, r) => { statesB.push(`${up ? 'up' : 'down'}:${r}`) }, ...common })
  ta.addLink(a)
  tb.addLink(b)
  a.start()
  b.start()
  return { ta, tb, a, b, gotA, gotB, statesA, statesB }
}

for (const keyed of [false, true]) {
  test(`UDP${keyed ? ' with a key' : ''}: hello brings both ends up, IPX packets cross both ways byte-exact, counters reconcile`, async t => {
    const keys = keyed ? new Map([[7, KEY_A]]) : undefined
    const p = await udpPair(t, { ...(keys !== undefined ? { keys } : {}), keepaliveIntervalMs: 10_000 })
    t.true(await until(() => p.a.up && p.b.up), 'both up')
    t.is(p.a.peerNode, NODE_B)
    t.is(p.b.peerNode, NODE_A)
    t.is(p.b.peerHello?.maxPacket, 1424)
    const sizes = [30, 31, 60, 576, 1424]
    const fromA = sizes.map((s, i) => ipx(i, s))
    const fromB = sizes.map((s, i) => ipx(100 + i, s))
    const t0 = nowMicros()
    fromA.forEach((d, i) => { t.is(p.a.send(d, i), undefined) })
    fromB.forEach(d => { t.is(p.b.send(d), undefined) })
    t.true(await until(() => p.gotB.length === sizes.length && p.gotA.length === sizes.length))
    t.deepEqual(p.gotB.map(g => g[0]), fromA, 'A → B byte-exact, in order')
    t.deepEqual(p.gotA.map(g => g[0]), fromB, 'B → A byte-exact, in order')
    p.gotB.forEach(([, m], i) => {
      t.is(m.trafficClass, i)
      t.true(m.sentAtMicros >= t0 && m.receivedAtMicros >= m.sentAtMicros, 'timestamps from one clock')
      if (i > 0) t.is(m.sequence, (p.gotB[i - 1]![1].sequence + 1) >>> 0, 'consecutive sequence')
    })
    t.is(p.b.stats.dataReceived, sizes.length)
    t.is(p.b.stats.delay.count, sizes.length)
    t.is(p.b.delaySamples().length, sizes.length)
    t.true(p.b.stats.delay.min >= 0)
    for (const l of [p.a, p.b]) {
      t.is(l.stats.lost, 0)
      t.is(l.stats.duplicates, 0)
      t.is(l.counters.totalDropped(), 0)
      reconciled(t, l.counters, 'rx')
      reconciled(t, l.txCounters, 'tx')
    }
    // Loopback loses nothing: every frame A handed to its socket reached B's link, and vice versa.
    t.true(await until(() => p.b.counters.received === p.a.txCounters.delivered && p.a.counters.received === p.b.txCounters.delivered))
    t.is(p.tb.counters.received, p.tb.counters.delivered)
    t.is(p.statesA.length, 1)
    t.regex(p.statesA[0]!, /^up:hello/)
  })
}

test('UDP: missed keepalives take the link down (timeout), a hello brings it back, bye takes it down', async t => {
  const p = await udpPair(t, { keepaliveIntervalMs: 40, deadIntervalMs: 240 })
  t.true(await until(() => p.a.up && p.b.up))
  await sleep(400)
  t.true(p.a.up && p.b.up, 'keepalives keep an idle link up')
  t.true(p.a.stats.rtt.count + p.b.stats.rtt.count > 0, 'keepalive echoes give RTT samples')
  t.true(p.a.stats.rtt.min >= 0 || p.b.stats.rtt.min >= 0)
  p.ta.removeLink(p.a)
  t.false(p.a.up, 'detached')
  t.true(await until(() => !p.b.up, 2000), 'B notices the silence')
  t.is(p.statesB.at(-1), 'down:timeout')
  p.ta.addLink(p.a)
  t.true(await until(() => p.a.up && p.b.up, 2000), 'up again after a hello')
  t.regex(p.statesB.at(-1)!, /^up:hello/)
  p.a.stop()
  t.true(await until(() => !p.b.up, 2000))
  t.is(p.statesB.at(-1), 'down:bye')
  t.is(p.statesA.at(-1), 'down:stopped')
})

test('UDP: loss, reordering and duplicates injected by wrapping the send function are counted exactly', async t => {
  const p = await udpPair(t, { keepaliveIntervalMs: 10_000 })
  t.true(await until(() => p.a.up && p.b.up))
  const real: FrameSink = p.a.sink!
  let wire = 0
  const put = (f: Buffer): undefined => { wire++; real(f); return undefined }
  let i = 0
  let held: Buffer | undefined
  // Per ten data frames: #3 lost, #5 duplicated, #7 held back and sent after #8.
  p.a.attach(f => {
    if (f[5] !== MessageType.Data) return put(f)
    const k = i++ % 10
    if (k === 3) return undefined
    if (k === 5) { put(f); return put(f) }
    if (k === 7) { held = f; return undefined }
    put(f)
    if (held !== undefined) { put(held); held = undefined }
    return undefined
  })
  const before = p.b.counters.received
  const N = 200
  for (let n = 0; n < N; n++) t.is(p.a.send(ipx(n, 40 + (n % 50))), undefined)
  t.true(await until(() => p.b.counters.received - before === wire))
  const s = p.b.stats
  t.is(s.lost, N / 10, 'one in ten lost')
  t.is(s.duplicates, N / 10, 'one in ten duplicated')
  t.is(s.reordered, N / 10, 'one in ten late')
  t.is(s.tooOld, 0)
  t.is(p.gotB.length, N - N / 10)
  t.is(p.b.counters.dropped.replayed, N / 10)
  t.is(p.b.counters.totalDropped(), N / 10)
  reconciled(t, p.b.counters, 'rx')
  // What was delivered is exactly the packets not lost, with the held ones one place late.
  const want: Buffer[] = []
  for (let g = 0; g < N; g += 10) for (const k of [0, 1, 2, 4, 5, 6, 8, 7, 9]) want.push(ipx(g + k, 40 + ((g + k) % 50)))
  t.deepEqual(p.gotB.map(x => x[0]), want)
})

test('with a key (strict window), crafted frames from a raw socket: gaps, late frames, duplicates, too old, replays; stats and drops say exactly that', async t => {
  const raw = await rawPeer()
  t.teardown(raw.close)
  const tb = new UdpTunnel({ host: HOST, port: 0 })
  const pb = (await tb.start()).port
  t.teardown(async () => { await tb.stop() })
  const got: Got = []
  const b = new NativeLink({ node: NODE_B, peer: { host: HOST, port: raw.port }, keys: new Map([[1, KEY_A]]), onPacket: collect(got), keepaliveIntervalMs: 10_000 })
  tb.addLink(b)
  b.start()
  const seqs = [99, 100, 101, 103, 102, 102, 105, 100, 105 - 2000, 106]
  await raw.send(frame({ type: MessageType.Hello, node: NODE_A, sequence: seqs[0]!, keyId: 1 }, HELLO_BODY, KEY_A), pb)
  for (const s of seqs.slice(1)) await raw.send(frame({ type: MessageType.Data, node: NODE_A, sequence: s >>> 0, trafficClass: 3, keyId: 1 }, ipx(s), KEY_A), pb)
  t.true(await until(() => b.counters.received === seqs.length))
  t.true(b.up)
  t.deepEqual(got.map(g => g[1].sequence), [100, 101, 103, 102, 105, 106])
  t.deepEqual(got.map(g => g[0]), [100, 101, 103, 102, 105, 106].map(s => ipx(s)))
  t.true(got.every(g => g[1].trafficClass === 3))
  const s = b.stats
  t.is(s.lost, 1, '104 never came')
  t.is(s.reordered, 1, '102 came after 103')
  t.is(s.duplicates, 2, '102 and 100 twice')
  t.is(s.tooOld, 1, '105 - 2000 is behind the 992-frame window')
  t.is(b.counters.dropped.replayed, 3)
  t.is(b.counters.delivered, 7)
  reconciled(t, b.counters, 'rx')
  t.true(await until(() => raw.received.some(d => decode(d).header.type === MessageType.HelloAck)), 'the hello was answered')
})

test('with a key: unsigned, wrong key, unknown key id, flipped bit and replayed frames are each dropped and counted', async t => {
  const raw = await rawPeer()
  t.teardown(raw.close)
  const tb = new UdpTunnel({ host: HOST, port: 0 })
  const pb = (await tb.start()).port
  t.teardown(async () => { await tb.stop() })
  const got: Got = []
  const b = new NativeLink({ node: NODE_B, peer: { host: HOST, port: raw.port }, keys: new Map([[1, KEY_A]]), onPacket: collect(got), keepaliveIntervalMs: 10_000 })
  tb.addLink(b)
  b.start()
  const d = (sequence: number, key: Buffer | undefined, keyId = 1): Buffer => frame({ type: MessageType.Data, node: NODE_A, sequence, keyId }, ipx(sequence), key)
  // Built in sending order: the link refuses frames stamped before the hello that opened its window.
  const hello = frame({ type: MessageType.Hello, node: NODE_A, sequence: 9, keyId: 1 }, HELLO_BODY, KEY_A)
  const good = d(10, KEY_A)
  const flipped = Buffer.from(d(12, KEY_A))
  flipped[40] = flipped[40]! ^ 0x01
  const sends = [
    hello,
    good,
    d(11, undefined), // unsigned
    d(12, KEY_B), // right key id, wrong key
    d(13, KEY_A, 2), // a key id nobody configured
    flipped, // one bit of the payload changed
    good, // replayed
    d(14, KEY_A)
  ]
  for (const f of sends) await raw.send(f, pb)
  t.true(await until(() => b.counters.received === sends.length))
  t.deepEqual(got.map(g => g[1].sequence), [10, 14])
  t.deepEqual(got.map(g => g[0]), [ipx(10), ipx(14)])
  t.is(b.counters.dropped.unauthenticated, 4)
  t.is(b.counters.dropped.replayed, 1)
  t.is(b.stats.unsigned, 1)
  t.is(b.stats.badTag, 2)
  t.is(b.stats.unknownKey, 1)
  t.is(b.stats.duplicates, 1)
  reconciled(t, b.counters, 'rx')
  // Unauthenticated frames never moved the window: 11, 12 and 13 are still acceptable when genuine.
  await raw.send(d(12, KEY_A), pb)
  t.true(await until(() => got.length === 3))
  t.is(got[2]![1].sequence, 12)
  // Frames the link sends are signed with the configured key.
  t.true(await until(() => raw.received.length >= 2), 'hello and hello-ack')
  const sent = raw.received.map(x => decode(x))
  t.true(sent.length > 0 && sent.every(f => f.header.flags === 1 && f.header.keyId === 1))
})

test('demultiplexer: unknown peers, unknown encapsulations, other versions, bad frames and FF FF datagrams', async t => {
  const raw = await rawPeer()
  const stranger = await rawPeer()
  t.teardown(raw.close)
  t.teardown(stranger.close)
  const ipxGot: Buffer[] = []
  const tb = new UdpTunnel({ host: HOST, port: 0, onIpx: d => { ipxGot.push(d) } })
  const pb = (await tb.start()).port
  t.teardown(async () => { await tb.stop() })
  const b = new NativeLink({ node: NODE_B, peer: { host: HOST, port: raw.port }, onPacket: () => {}, keepaliveIntervalMs: 10_000 })
  tb.addLink(b)
  b.start()
  const v3 = frame({ type: MessageType.Data, node: NODE_A, sequence: 1 }, ipx(1))
  v3[4] = 3
  const unknownType = frame({ type: 9, node: NODE_A, sequence: 2 }, Buffer.from('x'))
  const truncated = frame({ type: MessageType.Data, node: NODE_A, sequence: 3 }, ipx(3)).subarray(0, 40)
  await raw.send(v3, pb)
  await raw.send(unknownType, pb)
  await raw.send(truncated, pb)
  await stranger.send(frame({ type: MessageType.Data, node: 0x77, sequence: 1 }, ipx(1)), pb)
  await stranger.send(Buffer.from('ABCD'), pb)
  await stranger.send(ipx(5), pb)
  t.true(await until(() => tb.counters.received === 6))
  const c = tb.counters
  t.is(c.dropped.unsupported, 3, 'version 3, type 9, and "AB"')
  t.is(c.dropped.malformed, 1)
  t.is(c.dropped.unregistered, 1)
  t.is(c.delivered, 1, 'the FF FF datagram went to onIpx')
  t.deepEqual(ipxGot, [ipx(5)])
  reconciled(t, c, 'tunnel')
  t.is(b.counters.dropped.unsupported, 2)
  t.is(b.counters.dropped.malformed, 1)
  reconciled(t, b.counters, 'link')
  // The same seam fits DosboxServer's onOther: a verdict, not counted by the tunnel.
  t.is(tb.handleNative(Buffer.from('ZZ'), { address: HOST, port: 1, family: 'IPv4', size: 2 }), DropReason.Unsupported)
  t.is(tb.handleNative(v3, { address: HOST, port: 1, family: 'IPv4', size: v3.length }), DropReason.Unregistered)
  t.throws(() => { tb.addLink(new NativeLink({ node: 1, peer: { host: HOST, port: raw.port }, onPacket: () => {} })) }, { instanceOf: ConfigError, code: 'IPX_ERR_CONFIG' })
})

test('with a key, peer restart: a later hello with a new sequence resets the window; old-run frames and an old hello stay refused', async t => {
  const raw = await rawPeer()
  t.teardown(raw.close)
  const tb = new UdpTunnel({ host: HOST, port: 0 })
  const pb = (await tb.start()).port
  t.teardown(async () => { await tb.stop() })
  const got: Got = []
  const b = new NativeLink({ node: NODE_B, peer: { host: HOST, port: raw.port }, keys: new Map([[1, KEY_A]]), onPacket: collect(got), keepaliveIntervalMs: 10_000 })
  tb.addLink(b)
  b.start()
  const t0 = nowMicros() - 10_000_000
  const hello1 = frame({ type: MessageType.Hello, node: NODE_A, sequence: 5000, micros: t0, keyId: 1 }, HELLO_BODY, KEY_A)
  const oldData = frame({ type: MessageType.Data, node: NODE_A, sequence: 5002, micros: t0 + 2, keyId: 1 }, ipx(2), KEY_A)
  await raw.send(hello1, pb)
  await raw.send(frame({ type: MessageType.Data, node: NODE_A, sequence: 5001, micros: t0 + 1, keyId: 1 }, ipx(1), KEY_A), pb)
  // Restart: new run, sequence far behind, later timestamp.
  await raw.send(frame({ type: MessageType.Hello, node: NODE_A, sequence: 10, micros: t0 + 1000, keyId: 1 }, HELLO_BODY, KEY_A), pb)
  await raw.send(frame({ type: MessageType.Data, node: NODE_A, sequence: 11, micros: t0 + 1001, keyId: 1 }, ipx(11), KEY_A), pb)
  await raw.send(oldData, pb) // sent by the old run before the restart; arrives late
  await raw.send(hello1, pb) // a replayed older hello cannot reset the window again
  t.true(await until(() => b.counters.received === 6))
  t.deepEqual(got.map(g => g[1].sequence), [5001, 11])
  t.is(b.stats.windowResets, 1)
  t.is(b.stats.lost, 0, 'no bogus gap across the restart')
  t.is(b.counters.dropped.replayed, 2)
  reconciled(t, b.counters, 'rx')
})

test('timers on an injected clock: hello retries, keepalive, RTT from the echo, dead interval, bye and cleared timer', t => {
  let now = 1_700_000_000_000_000
  const sent: Buffer[] = []
  let tick: (() => void) | undefined
  let cleared = 0
  const states: string[] = []
  const link = new NativeLink({
    node: NODE_A,
    peer: '127.0.0.1:2644',
    now: () => now,
    timers: { setInterval: fn => { tick = fn; return 42 }, clearInterval: h => { if (h === 42) cleared++ } },
    send: f => { sent.push(f); return undefined },
    helloIntervalMs: 1000,
    keepaliveIntervalMs: 1000,
    deadIntervalMs: 3000,
    initialSequence: 0xfffffffe,
    onPacket: () => {},
    onStateChange: (up, r) => { states.push(`${up ? 'up' : 'down'}:${r}`) }
  })
  const types = (): number[] => sent.map(f => decode(f).header.type)
  link.start()
  t.is(link.tickMs, 250)
  t.deepEqual(types(), [MessageType.Hello])
  now += 999_000
  tick!()
  t.is(sent.length, 1, 'no hello before the interval')
  now += 1000
  tick!()
  t.deepEqual(types(), [MessageType.Hello, MessageType.Hello])
  t.is(decode(sent[1]!).header.sequence, 0xffffffff)
  t.is(link.handleDatagram(frame({ type: MessageType.HelloAck, node: NODE_B, sequence: 1, micros: now }, HELLO_BODY)), undefined)
  t.deepEqual(states, ['up:hello-ack'])
  now += 1_000_000
  tick!()
  const ka = decode(sent[2]!)
  t.is(ka.header.type, MessageType.Keepalive)
  t.is(ka.header.sequence, 0, 'sequence wrapped')
  const echo = encodeEcho({ echoSequence: ka.header.sequence, echoTimestamp: ka.header.timestamp })
  now += 2500
  t.is(link.handleDatagram(frame({ type: MessageType.KeepaliveAck, node: NODE_B, sequence: 2, micros: now }, echo)), undefined)
  t.is(link.stats.rtt.last, 2500)
  // A keepalive from the peer is answered with its own sequence and timestamp.
  const theirs = now - 700
  t.is(link.handleDatagram(frame({ type: MessageType.Keepalive, node: NODE_B, sequence: 3, micros: theirs })), undefined)
  const ack = decode(sent[3]!)
  t.is(ack.header.type, MessageType.KeepaliveAck)
  t.deepEqual(decodeEcho(ack.payload), { echoSequence: 3, echoTimestamp: { seconds: Math.floor(theirs / 1e6), micros: theirs % 1e6 } })
  now += 2_999_000
  tick!()
  t.true(link.up, 'still within the dead interval')
  now += 1000
  tick!()
  t.false(link.up)
  t.deepEqual(states, ['up:hello-ack', 'down:timeout'])
  link.stop()
  const bye = decode(sent.at(-1)!)
  t.is(bye.header.type, MessageType.Bye)
  t.is(decodeBye(bye.payload).reason, ByeReason.Shutdown)
  t.is(cleared, 1)
  const n = sent.length
  tick!()
  t.is(sent.length, n, 'a stopped link sends nothing')
  t.is(link.handleDatagram(frame({ type: MessageType.Keepalive, node: NODE_B, sequence: 4 })), DropReason.Policy)
  reconciled(t, link.counters, 'rx')
  reconciled(t, link.txCounters, 'tx')
})

test('send refuses what is not one whole IPX packet, and counts it', t => {
  const sent: Buffer[] = []
  const link = new NativeLink({ node: 1, peer: '127.0.0.1:2644', send: f => { sent.push(f); return undefined }, onPacket: () => {}, timers: { setInterval: () => 0, clearInterval: () => {} } })
  t.is(link.send(ipx(1)), DropReason.SendFailed, 'not started')
  link.start()
  t.is(link.send(Buffer.alloc(20)), DropReason.Malformed)
  const wrongLength = ipx(1, 60)
  wrongLength.writeUInt16BE(61, 2)
  t.is(link.send(wrongLength), DropReason.LengthMismatch)
  t.is(link.send(ipx(1, 1425)), DropReason.Oversize)
  t.is(link.send(ipx(1, 1424)), undefined)
  link.attach(() => DropReason.QueueFull)
  t.is(link.send(ipx(2)), DropReason.QueueFull)
  const c = link.txCounters
  t.deepEqual([c.dropped.send_failed, c.dropped.malformed, c.dropped.length_mismatch, c.dropped.oversize], [1, 1, 1, 1])
  t.is(c.dropped.queue_full, 2, 'the data frame, and the hello the new sink was greeted with')
  reconciled(t, c, 'tx')
})

test('configuration errors are ConfigError', t => {
  const base = { peer: '127.0.0.1:2644', onPacket: () => {} }
  t.throws(() => new NativeLink({ ...base, node: 2 ** 48 }), { instanceOf: ConfigError, code: 'IPX_ERR_CONFIG' })
  t.throws(() => new NativeLink({ ...base, node: 1, keys: new Map([[1, Buffer.alloc(15)]]) }), { instanceOf: ConfigError, code: 'IPX_ERR_CONFIG' })
  t.throws(() => new NativeLink({ ...base, node: 1, keys: new Map([[1, KEY_A]]), sendKeyId: 2 }), { instanceOf: ConfigError, code: 'IPX_ERR_CONFIG' })
  t.throws(() => new NativeLink({ ...base, node: 1, keepaliveIntervalMs: 0 }), { instanceOf: ConfigError, code: 'IPX_ERR_CONFIG' })
  t.throws(() => new NativeLink({ ...base, node: 1, peer: 'nowhere:1' }), { instanceOf: ConfigError, code: 'IPX_ERR_CONFIG' })
})

test('link state: stopped → down on start → up on the peer\'s hello → down on its bye → stopped; each change told once', t => {
  const changes: string[] = []
  const wire: { a?: NativeLink, b?: NativeLink } = {}
  const opts = (node: number): NativeLinkOptions => ({ node, peer: { host: '127.0.0.1', port: 9 }, onPacket: () => {} })
  const a = wire.a = new NativeLink({ ...opts(0x0a), onStateChange: (up, reason) => { changes.push(`${up ? 'up' : 'down'}:${reason}`) } })
  const b = wire.b = new NativeLink(opts(0x0b))
  // Back to back, synchronously: what one sends the other handles.
  a.attach(f => wire.b!.handleDatagram(f) === undefined ? undefined : DropReason.Policy)
  b.attach(f => { wire.a!.handleDatagram(f); return undefined })
  t.is(a.state, LinkState.Stopped)
  t.is(a.handleDatagram(Buffer.alloc(40)), DropReason.Policy, 'a stopped link refuses frames')
  b.start()
  a.start()
  t.is(a.state, LinkState.Up, 'a\'s hello was answered with a hello-ack at once')
  t.true(a.up && a.running)
  b.stop()
  t.is(a.state, LinkState.Down, 'the bye took it down, still running: hellos go on')
  t.true(a.running)
  a.stop()
  t.is(a.state, LinkState.Stopped)
  a.stop()
  t.deepEqual(changes, ['up:hello-ack', 'down:bye'])
})
