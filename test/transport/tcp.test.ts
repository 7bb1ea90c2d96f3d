import test from 'ava'
import type { ExecutionContext } from 'ava'
import net from 'node:net'
import { deepStrictEqual } from 'node:assert'
import fc from 'fast-check'
import { NativeLink } from '../../src/transport/native-link.js'
import type { NativeLinkOptions } from '../../src/transport/native-link.js'
import { TcpLinkDialer, TcpTunnelServer } from '../../src/transport/tcp.js'
import type { TcpFrameConnection } from '../../src/transport/tcp.js'
import type { Counters } from '../../src/transport/counters.js'
import { TransportError } from '../../src/errors.js'
import { IpxLengthDeframer } from '../../protocol/tunnel/deframe.js'
import { MessageType, encodeHello } from '../../protocol/tunnel/messages.js'
import { until, sleep } from './_dosbox-client.js'
import { KEY_A, collect, frame, ipx } from './_native.js'
import type { Got } from './_native.js'

const HOST = '127.0.0.1'
const NODE_A = 0x0000000000a1
const NODE_B = 0x0000000000b2
const NODE_C = 0x0000000000c3
const HELLO_BODY = encodeHello({ network: 1, mode: 0, reserved: 0, capabilities: 1, keepaliveInterval: 1, maxPacket: 1424, classDigest: Buffer.alloc(8) })

function reconciled (t: ExecutionContext, c: Counters, what: string): void {
  t.is(c.delivered + c.totalDropped(), c.received, `${what}: delivered + dropped = received`)
}

/** A raw TCP client on loopback that records what it receives. */
async function rawClient (port: number): Promise<{ socket: net.Socket, data: Buffer[], closed: Promise<void> }> {
  const socket = net.connect({ host: HOST, port })
  socket.setNoDelay(true)
  const data: Buffer[] = []
  socket.on('data', d => { data.push(d) })
  socket.on('error', () => {})
  const closed = new Promise<void>(resolve => { socket.once('close', () => { resolve() }) })
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
  return { socket, data, closed }
}

async function write (s: net.Socket, b: Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => { s.write(b, err => { if (err != null) reject(err); else resolve() }) })
}

interface TcpPair {
  server: TcpTunnelServer
  dialer: TcpLinkDialer
  a: NativeLink
  b: NativeLink
  gotA: Got
  gotB: Got
  port: number
  extraLinks: Map<number, NativeLink>
}

async function tcpPair (t: ExecutionContext, extra: Partial<NativeLinkOptions> = {}): Promise<TcpPair> {
  const gotA: Got = []
  const gotB: Got = []
  const common = { helloIntervalMs: 50, keepaliveIntervalMs: 10_000, ...extra }
  // The accepting side's peer address is not used over TCP (the connection names the peer).
  const b = new NativeLink({ node: NODE_B, peer: `${HOST}:0`, onPacket: collect(gotB), ...common })
  const extraLinks = new Map<number, NativeLink>([[NODE_A, b]])
  const server = new TcpTunnelServer({ host: HOST, port: 0, linkFor: node => extraLinks.get(node) })
  const { port } = await server.start()
  b.start()
  const a = new NativeLink({ node: NODE_A, peer: { host: HOST, port }, onPacket: collect(gotA), ...common })
  const dialer = new TcpLinkDialer({ link: a, initialBackoffMs: 20, maxBackoffMs: 200 })
  t.teardown(async () => { await dialer.stop(); await server.stop() })
  dialer.start()
  return { server, dialer, a, b, gotA, gotB, port, extraLinks }
}

for (const keyed of [false, true]) {
  test(`TCP${keyed ? ' with a key' : ''}: the native link comes up, packets cross both ways byte-exact, counters reconcile`, async t => {
    const p = await tcpPair(t, keyed ? { keys: new Map([[3, KEY_A]]) } : {})
    t.true(await until(() => p.a.up && p.b.up), 'both up')
    t.true(p.dialer.connected)
    t.is(p.server.connections().length, 1)
    const sizes = [30, 64, 1000, 1424]
    const fromA = sizes.map((s, i) => ipx(i, s))
    const fromB = sizes.map((s, i) => ipx(50 + i, s))
    fromA.forEach(d => { t.is(p.a.send(d, 2), undefined) })
    fromB.forEach(d => { t.is(p.b.send(d, 5), undefined) })
    t.true(await until(() => p.gotA.length === sizes.length && p.gotB.length === sizes.length))
    t.deepEqual(p.gotB.map(g => g[0]), fromA)
    t.deepEqual(p.gotA.map(g => g[0]), fromB)
    t.true(p.gotB.every(g => g[1].trafficClass === 2))
    t.true(await until(() => p.b.counters.received === p.a.txCounters.delivered && p.a.counters.received === p.b.txCounters.delivered), 'TCP loses nothing')
    for (const l of [p.a, p.b]) {
      t.is(l.counters.totalDropped(), 0)
      t.is(l.stats.lost + l.stats.duplicates + l.stats.reordered, 0)
      reconciled(t, l.counters, 'rx')
      reconciled(t, l.txCounters, 'tx')
    }
    reconciled(t, p.server.counters, 'server')
    reconciled(t, p.dialer.counters, 'dialer')
    t.is(p.server.counters.received, p.b.counters.received)
  })
}

test('TCP: the peer restarts on the same port and the link reconnects with backoff', async t => {
  const p = await tcpPair(t)
  t.true(await until(() => p.a.up && p.b.up))
  await p.server.stop()
  t.true(await until(() => !p.a.up), 'A notices')
  t.false(p.b.running, 'stopping the server stopped its link')
  await sleep(150) // a few refused attempts, with growing delays
  t.true(p.dialer.stats.failures >= 1)
  t.true(p.dialer.stats.lastDelayMs > 0 && p.dialer.stats.lastDelayMs <= 200, 'bounded backoff')
  const got: Got = []
  const b2 = new NativeLink({ node: NODE_B, peer: `${HOST}:0`, onPacket: collect(got), helloIntervalMs: 50 })
  const server2 = new TcpTunnelServer({ host: HOST, port: p.port, linkFor: node => node === NODE_A ? b2 : undefined })
  await server2.start()
  t.teardown(async () => { await server2.stop() })
  b2.start()
  t.true(await until(() => p.a.up && b2.up, 3000), 'up again')
  t.is(p.dialer.stats.connects, 2)
  t.is(p.a.send(ipx(9)), undefined)
  t.true(await until(() => got.length === 1))
  t.deepEqual(got[0]![0], ipx(9))
  t.is(p.a.stats.windowResets, 1, 'the new peer\'s hello opened a new window')
})

test('TCP: garbage, an unknown node and a framing error each close only their own connection', async t => {
  const p = await tcpPair(t)
  const gotC: Got = []
  const c = new NativeLink({ node: NODE_B, peer: `${HOST}:0`, onPacket: collect(gotC) })
  c.start()
  t.teardown(() => { c.stop() })
  p.extraLinks.set(NODE_C, c)
  t.true(await until(() => p.a.up && p.b.up))
  const garbage = await rawClient(p.port)
  await write(garbage.socket, Buffer.from('GET / HTTP/1.0\r\n\r\n'))
  const stranger = await rawClient(p.port)
  await write(stranger.socket, frame({ type: MessageType.Hello, node: 0x99, sequence: 1 }, HELLO_BODY))
  const desync = await rawClient(p.port)
  await write(desync.socket, frame({ type: MessageType.Hello, node: NODE_C, sequence: 1 }, HELLO_BODY))
  await write(desync.socket, frame({ type: MessageType.Data, node: NODE_C, sequence: 2 }, ipx(2)))
  t.true(await until(() => gotC.length === 1 && c.up), 'C\'s connection worked until...')
  await write(desync.socket, Buffer.from([0x49, 0x58, 0x00, 0x05, 1, 2, 3]))
  await Promise.all([garbage.closed, stranger.closed, desync.closed])
  const r = p.server.closeReasons
  t.is(r.get('unknown_encapsulation'), 1)
  t.is(r.get('unknown_peer'), 1)
  t.is(r.get('framing_error'), 1)
  t.is(p.server.counters.dropped.unsupported, 1)
  t.is(p.server.counters.dropped.unregistered, 1)
  t.is(p.server.counters.dropped.malformed, 1)
  t.false(c.up, 'C lost its connection')
  // ...and the A-B link never noticed.
  t.true(p.a.up && p.b.up && p.dialer.connected)
  t.is(p.dialer.stats.connects, 1)
  t.is(p.a.send(ipx(77)), undefined)
  t.true(await until(() => p.gotB.length === 1))
  t.deepEqual(p.gotB[0]![0], ipx(77))
})

test('TCP: a DOSBox-style client (IPX framed by its length field) exchanges packets', async t => {
  const seen: Buffer[] = []
  const closedReasons: string[] = []
  const server = new TcpTunnelServer({
    host: HOST,
    port: 0,
    onIpx: (packet, conn) => {
      seen.push(Buffer.from(packet))
      // Echo with the payload reversed, so the reply is not just the same bytes.
      const reply = Buffer.from(packet)
      reply.subarray(30).reverse()
      t.is(conn.send(reply), undefined)
    },
    onIpxClose: (_c, reason) => { closedReasons.push(reason) }
  })
  const { port } = await server.start()
  t.teardown(async () => { await server.stop() })
  const client = await rawClient(port)
  const packets = [ipx(1, 30), ipx(2, 100), ipx(3, 1424)]
  await write(client.socket, Buffer.concat(packets))
  t.true(await until(() => client.data.reduce((n, d) => n + d.length, 0) === 30 + 100 + 1424))
  const deframer = new IpxLengthDeframer({ maxLength: 1424 })
  const replies = [...deframer.push(Buffer.concat(client.data))].map(b => Buffer.from(b))
  t.deepEqual(seen, packets)
  t.deepEqual(replies, packets.map(p => { const r = Buffer.from(p); r.subarray(30).reverse(); return r }))
  t.is(server.counters.delivered, 3)
  reconciled(t, server.counters, 'server')
  // An IPX length below 30 desynchronises the stream: that connection closes.
  await write(client.socket, Buffer.from([0xff, 0xff, 0x00, 0x10]))
  await client.closed
  t.deepEqual(closedReasons, ['framing_error'])
})

const cuts = fc.array(fc.integer({ min: 1, max: 2000 }), { maxLength: 12 })

/** Writes `bytes` in pieces cut at `at` (sorted offsets), each awaited and a turn apart. */
async function writeSplit (s: net.Socket, bytes: Buffer, at: number[]): Promise<void> {
  const points = [...new Set(at.map(x => x % (bytes.length + 1)))].sort((x, y) => x - y)
  let from = 0
  for (const to of [...points, bytes.length]) {
    if (to > from) {
      await write(s, bytes.subarray(from, to))
      await new Promise(resolve => setImmediate(resolve))
    }
    from = to
  }
}

test('TCP: native frames split at random points (small writes, no Nagle) yield the same packets', async t => {
  const got: Got = []
  const d = new NativeLink({ node: NODE_B, peer: `${HOST}:0`, onPacket: collect(got), keepaliveIntervalMs: 10_000 })
  const server = new TcpTunnelServer({ host: HOST, port: 0, linkFor: node => node === NODE_A ? d : undefined })
  const { port } = await server.start()
  d.start()
  t.teardown(async () => { d.stop(); await server.stop() })
  let seq = 1000
  await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 30, max: 600 }), { minLength: 1, maxLength: 6 }), cuts, async (sizes, at) => {
    const packets = sizes.map(s => ipx(seq + s, s))
    const bytes = Buffer.concat(packets.map(p => frame({ type: MessageType.Data, node: NODE_A, sequence: seq++ }, p)))
    const before = got.length
    const client = await rawClient(port)
    try {
      await writeSplit(client.socket, bytes, at)
      if (!await until(() => got.length >= before + packets.length, 3000)) throw new Error('frames missing')
      deepStrictEqual(got.slice(before).map(g => g[0]), packets)
    } finally {
      client.socket.destroy()
      await client.closed
    }
  }), { numRuns: 15 })
  t.is(d.counters.totalDropped(), 0)
  reconciled(t, server.counters, 'server')
  t.is(server.closeReasons.get('framing_error') ?? 0, 0)
})

test('TCP: IPX packets split at random points yield the same packets', async t => {
  const seen = new Map<TcpFrameConnection, Buffer[]>()
  const server = new TcpTunnelServer({
    host: HOST,
    port: 0,
    onIpx: (packet, conn) => {
      const list = seen.get(conn) ?? []
      list.push(Buffer.from(packet))
      seen.set(conn, list)
    }
  })
  const { port } = await server.start()
  t.teardown(async () => { await server.stop() })
  let n = 0
  await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 30, max: 1424 }), { minLength: 1, maxLength: 6 }), cuts, async (sizes, at) => {
    const packets = sizes.map(s => ipx(n++, s))
    const client = await rawClient(port)
    try {
      const before = server.counters.delivered
      await writeSplit(client.socket, Buffer.concat(packets), at)
      if (!await until(() => server.counters.delivered >= before + packets.length, 3000)) throw new Error('packets missing')
      const conn = [...seen.keys()].find(c => c.remotePort === client.socket.localPort)
      deepStrictEqual(conn === undefined ? [] : seen.get(conn), packets)
    } finally {
      client.socket.destroy()
      await client.closed
    }
  }), { numRuns: 15 })
  reconciled(t, server.counters, 'server')
})

test('TCP: backpressure: once write() returns false frames wait in a bounded queue, overflow is queue_full, and the queue drains', async t => {
  let peer: net.Socket | undefined
  let bytesIn = 0
  const sink = net.createServer(s => {
    peer = s
    s.pause() // read nothing, so the sender's buffers fill
    s.on('data', d => { bytesIn += d.length })
  })
  await new Promise<void>(resolve => { sink.listen(0, HOST, () => { resolve() }) })
  t.teardown(async () => { peer?.destroy(); await new Promise<void>(resolve => { sink.close(() => { resolve() }) }) })
  const port = (sink.address() as net.AddressInfo).port
  const SIZE = 60_000
  const a = new NativeLink({ node: NODE_A, peer: { host: HOST, port }, onPacket: () => {}, maxPacket: SIZE, helloIntervalMs: 60_000, keepaliveIntervalMs: 60_000 })
  const dialer = new TcpLinkDialer({ link: a, maxQueueFrames: 8 })
  t.teardown(async () => { await dialer.stop() })
  dialer.start()
  t.true(await until(() => dialer.connected && peer !== undefined))
  const N = 300
  const packet = ipx(1, SIZE)
  let refused = 0
  for (let i = 0; i < N; i++) if (a.send(packet) !== undefined) refused++
  const conn = dialer.connection!
  t.true(refused > 0, 'the queue filled')
  t.is(conn.stats.maxQueued, 8)
  t.is(conn.stats.queueFull, refused)
  t.is(a.txCounters.dropped.queue_full, refused)
  reconciled(t, a.txCounters, 'tx')
  const accepted = a.txCounters.delivered - 1 // minus the hello
  t.is(accepted, N - refused)
  // Let the peer read: 'drain' flushes the queue, and every accepted frame arrives whole.
  peer!.resume()
  const want = (28 + 20) + accepted * (28 + SIZE)
  t.true(await until(() => bytesIn === want, 5000), `${bytesIn} of ${want} bytes`)
  t.is(conn.queuedFrames, 0)
  t.is(conn.stats.framesOut, accepted + 1)
})

test.serial('TCP: stop closes every socket and timer; a dialer stopped while backing off never reconnects', async t => {
  const tcpHandles = (): number => process.getActiveResourcesInfo().filter(r => r.startsWith('TCP')).length
  const base = tcpHandles()
  const b = new NativeLink({ node: NODE_B, peer: `${HOST}:0`, onPacket: () => {}, helloIntervalMs: 50 })
  const server = new TcpTunnelServer({ host: HOST, port: 0, linkFor: () => b })
  const { port } = await server.start()
  b.start()
  const a = new NativeLink({ node: NODE_A, peer: { host: HOST, port }, onPacket: () => {}, helloIntervalMs: 50 })
  const dialer = new TcpLinkDialer({ link: a, initialBackoffMs: 20 })
  dialer.start()
  t.true(await until(() => a.up && b.up))
  t.true(tcpHandles() >= base + 3, 'listener and both ends of the connection')
  await dialer.stop()
  t.false(a.running, 'the dialer stopped its link')
  t.true(await until(() => !b.attached), 'the server detached B when the dialer left')
  b.stop() // not carried at stop time, so the server leaves it to its owner
  await server.stop()
  t.is(server.connections().length, 0)
  t.true(await until(() => tcpHandles() === base, 2000), 'no TCP handle left')
  await t.notThrowsAsync(server.stop(), 'stop is idempotent')
  // Refused: the dialer backs off; stopping it then cancels the timer for good.
  const lone = new TcpLinkDialer({ link: new NativeLink({ node: 1, peer: { host: HOST, port }, onPacket: () => {} }), initialBackoffMs: 20 })
  lone.start()
  t.true(await until(() => lone.stats.failures >= 1))
  await lone.stop()
  const attempts = lone.stats.attempts
  await sleep(100)
  t.is(lone.stats.attempts, attempts)
  t.is(tcpHandles(), base)
})

test('TCP: listening on a taken port fails with IPX_ERR_ADDR_IN_USE', async t => {
  const first = new TcpTunnelServer({ host: HOST, port: 0 })
  const { port } = await first.start()
  t.teardown(async () => { await first.stop() })
  await t.throwsAsync(new TcpTunnelServer({ host: HOST, port }).start(), { instanceOf: TransportError, code: 'IPX_ERR_ADDR_IN_USE' })
})
