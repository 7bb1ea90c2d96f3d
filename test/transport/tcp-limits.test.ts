/**
 * Issue 13, item 1, repeated on loopback with small limits: a connection flood from a few hosts,
 * idle and trickling connections. The caps hold, every refusal is counted, refusal lines are
 * bounded per source and reason, deadlines close idle and partial-frame connections, counters
 * reconcile, and a new client still gets in.
 */
import test from 'ava'
import net from 'node:net'
import { TcpTunnelServer } from '../../src/transport/tcp.js'
import { ConnectionLimiter, sourceKey } from '../../src/transport/connection-limiter.js'
import { LogLimiter } from '../../src/log-limiter.js'
import { until } from './_dosbox-client.js'
import { recordingLogger } from '../_log.js'
import { ipxPacket } from './_dosbox-client.js'

/** Opens a socket from `local` to port; resolves with it connected (or closed at once by the server). */
async function open (port: number, local: string): Promise<{ socket: net.Socket, closed: Promise<void> }> {
  const socket = net.connect({ host: '127.0.0.1', port, localAddress: local })
  socket.on('error', () => {})
  const closed = new Promise<void>(resolve => { socket.once('close', () => { resolve() }) })
  await new Promise<void>(resolve => { socket.once('connect', resolve); socket.once('close', resolve) })
  return { socket, closed }
}

test('ConnectionLimiter: total and per-IP caps, counted by reason; v4-mapped sources share a quota', t => {
  const l = new ConnectionLimiter({ maxTotal: 3, maxPerIp: 2 })
  t.is(l.admit('10.0.0.1'), undefined)
  t.is(l.admit('::ffff:10.0.0.1'), undefined)
  t.is(l.admit('10.0.0.1'), 'per_ip_limit')
  t.is(l.admit('10.0.0.2'), undefined)
  t.is(l.admit('10.0.0.3'), 'total_limit')
  l.release('10.0.0.1')
  t.is(l.admit('10.0.0.3'), undefined)
  t.deepEqual(l.snapshot().refused, { total_limit: 1, per_ip_limit: 1 })
  t.is(l.open, 3)
  t.is(sourceKey('::ffff:1.2.3.4'), '1.2.3.4')
  t.is(sourceKey('::1'), '::1')
})

test('LogLimiter: one line per interval per key, then the count suppressed; the key map is bounded', t => {
  let now = 0
  const l = new LogLimiter({ intervalMs: 1000, maxKeys: 2, now: () => now })
  t.is(l.allow('a'), 0)
  for (let i = 0; i < 999; i++) t.is(l.allow('a'), undefined)
  t.is(l.allow('b'), 0)
  now = 1000
  t.is(l.allow('a'), 999)
  t.is(l.allow('c'), 0)
  t.is(l.size, 2)
  t.is(l.written, 4)
  t.is(l.suppressed, 999)
})

test('TCP 2644 under a connection flood: caps hold, refusals counted and logged once per source, deadlines close idle and trickling connections, a new client gets in', async t => {
  const { logger, lines } = recordingLogger()
  const server = new TcpTunnelServer({
    host: '127.0.0.1', port: 0, logger,
    limits: { maxTotal: 12, maxPerIp: 4 },
    deadlines: { firstFrameMs: 400, idleMs: 600 },
    onIpx: (p, conn) => { conn.send(Buffer.from(p)) }
  })
  const { port } = await server.start()
  t.teardown(async () => { await server.stop() })
  // 4 sources × 25 connections = 100 attempts, bounded; each source may hold 4, all together 12.
  const sources = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']
  const sockets: net.Socket[] = []
  for (const src of sources) for (let i = 0; i < 25; i++) sockets.push((await open(port, src)).socket)
  t.teardown(() => { for (const s of sockets) s.destroy() })
  const figures = server.connectionStats()
  t.is(figures.admitted, 12, 'the total cap holds')
  t.is(figures.refused.per_ip_limit + figures.refused.total_limit, 88)
  t.is(figures.refused.total_limit, 25 - 4 + 25, 'the 4th source found the total full')
  const refusalLines = lines.filter(l => l.message === 'connection refused')
  t.true(refusalLines.length <= sources.length * 2, `${refusalLines.length} refusal lines for 88 refusals`)
  t.log(`flood: 100 attempts, admitted ${figures.admitted}, refused per_ip ${figures.refused.per_ip_limit} total ${figures.refused.total_limit}; ${refusalLines.length} log lines`)
  // None of them sends a whole frame: the first-frame deadline frees every slot.
  t.true(await until(() => server.connectionStats().open === 0, 5000), 'idle connections closed by the deadline')
  t.is(server.connectionStats().closed.first_frame_timeout, 12)

  // A trickler: the start of a js-dos packet, one byte at a time, never whole.
  const trickle = await open(port, '127.0.0.6')
  const packet = ipxPacket({ dstNode: 0xffffffffffff, dstSocket: 0x4002, srcNode: 0x7f0000060001, srcSocket: 0x4002, packetType: 4, payload: Buffer.alloc(40) })
  let i = 0
  const drip = setInterval(() => { if (i < packet.length - 1) trickle.socket.write(packet.subarray(i, ++i)) }, 20)
  t.teardown(() => { clearInterval(drip) })
  await trickle.closed
  clearInterval(drip)
  t.is(server.connectionStats().closed.first_frame_timeout, 13, 'a trickle of bytes does not hold a slot past the deadline')

  // A client that sends one whole frame, then half of one, is closed by the idle deadline.
  const fresh = await open(port, '127.0.0.7')
  const echoed: Buffer[] = []
  fresh.socket.on('data', d => { echoed.push(d) })
  fresh.socket.write(packet)
  t.true(await until(() => Buffer.concat(echoed).length === packet.length, 3000), 'a new client gets in after the flood and is served')
  fresh.socket.write(packet.subarray(0, 10))
  await fresh.closed
  const after = server.connectionStats()
  t.is(after.closed.idle_timeout, 1)
  const c = server.counters
  t.is(c.received, c.delivered + c.totalDropped(), 'tcp: received = delivered + dropped')
  t.is(c.dropped.timeout, 2, 'the trickled and the half frame are counted, once each')
  t.log(`tcp counters: received ${c.received}, delivered ${c.delivered}, dropped ${c.totalDropped()} (timeout ${c.dropped.timeout}); closed ${JSON.stringify(after.closed)}`)
})

test('a js-dos stream: a packet mid-stream whose checksum is not FFFF is a counted drop and closes that connection', async t => {
  const got: Buffer[] = []
  const server = new TcpTunnelServer({ host: '127.0.0.1', port: 0, onIpx: p => { got.push(Buffer.from(p)) } })
  const { port } = await server.start()
  t.teardown(async () => { await server.stop() })
  const c = await open(port, '127.0.0.1')
  const good = ipxPacket({ dstNode: 0xffffffffffff, srcNode: 0x7f0000010001, payload: Buffer.alloc(10) })
  const bad = ipxPacket({ checksum: 0x1234, dstNode: 0xffffffffffff, srcNode: 0x7f0000010001, payload: Buffer.alloc(10) })
  c.socket.write(Buffer.concat([good, bad, good]))
  await c.closed
  t.is(got.length, 1, 'only the packet before the bad one was routed')
  t.is(server.counters.dropped.malformed, 1)
  t.is(server.closeReasons.get('bad_checksum'), 1)
  t.is(server.counters.received, server.counters.delivered + server.counters.totalDropped())
})
