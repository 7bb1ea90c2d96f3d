/**
 * The WebSocket attachment on real sockets (loopback, ephemeral ports), driven by a client on the
 * `ws` library that speaks the js-dos relay protocol byte for byte: the registration ack, the
 * broadcast and unicast rules, rooms, and every kind of bad input, each ending in a counted drop
 * or a close with a WebSocket close code.
 */
import test from 'ava'
import net from 'node:net'
import type { ExecutionContext } from 'ava'
import { WsIpxServer } from '../../src/transport/ws-server.js'
import { TcpTunnelServer } from '../../src/transport/tcp.js'
import type { WsIpxServerOptions } from '../../src/transport/ws-server.js'
import { roomFromPath, wsClientNode, encodeWsRegistrationAck, WS_MAX_ROOM_LENGTH } from '../../src/transport/ws-relay.js'
import { REGISTRATION, BROADCAST, ipxPacket, until, sleep } from './_dosbox-client.js'
import { WsTestClient } from './_ws-client.js'

async function server (t: ExecutionContext, o: Partial<WsIpxServerOptions> = {}): Promise<{ s: WsIpxServer, url: (room: string) => string }> {
  const s = new WsIpxServer({ listen: { host: '127.0.0.1', port: 0 }, ...o })
  const a = await s.start()
  t.teardown(async () => { await s.stop() })
  return { s, url: (room) => `ws://127.0.0.1:${a!.port}/ipx/${room}` }
}

async function client (t: ExecutionContext, url: string, options: Parameters<typeof WsTestClient.open>[1] = {}): Promise<WsTestClient> {
  const c = await WsTestClient.open(url, options)
  t.teardown(async () => { await c.close() })
  return c
}

test('roomFromPath follows the relay: /ipx/<room>, extra segments ignored, names bounded and printable', t => {
  t.is(roomFromPath('/ipx/doom'), 'doom')
  t.is(roomFromPath('/ipx/doom/extra?x=1'), 'doom')
  t.is(roomFromPath('/ipx/my%20room'), 'my room')
  t.is(roomFromPath('/ipx/'), 'bad_room')
  t.is(roomFromPath('/ipx'), 'bad_path')
  t.is(roomFromPath('/'), 'bad_path')
  t.is(roomFromPath('/other/doom'), 'bad_path')
  t.is(roomFromPath('ipx/doom'), 'bad_path')
  t.is(roomFromPath(`/ipx/${'a'.repeat(WS_MAX_ROOM_LENGTH)}`), 'a'.repeat(WS_MAX_ROOM_LENGTH))
  t.is(roomFromPath(`/ipx/${'a'.repeat(WS_MAX_ROOM_LENGTH + 1)}`), 'bad_room')
  t.is(roomFromPath('/ipx/%00x'), 'bad_room')
  t.is(roomFromPath('/ipx/%E2%82%AC'), 'bad_room', 'non-ASCII')
  t.is(roomFromPath('/ipx/%zz'), 'bad_room', 'bad escape')
})

test('wsClientNode: IPv4 (also mapped) + port; IPv6 low 32 bits + port, as the relay\'s setAddress', t => {
  t.is(wsClientNode('127.0.0.1', 40000), 0x7f000001 * 0x10000 + 40000)
  t.is(wsClientNode('::ffff:10.1.2.3', 1), 0x0a010203 * 0x10000 + 1)
  t.is(wsClientNode('::1', 5), 1 * 0x10000 + 5)
  t.is(wsClientNode('2001:db8::c0a8:101', 7), 0xc0a80101 * 0x10000 + 7)
  t.is(wsClientNode('fe80::1%eth0', 7), 1 * 0x10000 + 7)
  t.is(wsClientNode('nonsense', 7), -1)
})

test('registration ack is the relay\'s 30 bytes: dst = the client\'s ip:port, src = 1:127.0.0.1:<server port>', async t => {
  const { s, url } = await server(t)
  const c = await client(t, url('lab'))
  t.is(c.ws.protocol, 'binary', 'the subprotocol js-dos offers is chosen')
  const ack = await c.register()
  t.truthy(ack)
  const port = s.address()!.port
  // Built by hand from the relay's IPXHeader.toBytes field order, independent of the codec.
  const expected = Buffer.alloc(30)
  expected.writeUInt16BE(0xffff, 0)
  expected.writeUInt16BE(30, 2)
  expected.writeUInt32BE(0x7f000001, 10)
  expected.writeUInt16BE(c.port, 14)
  expected.writeUInt16BE(2, 16)
  expected.writeUInt32BE(1, 18)
  expected.writeUInt32BE(0x7f000001, 22)
  expected.writeUInt16BE(port, 26)
  expected.writeUInt16BE(2, 28)
  t.deepEqual(ack, expected)
  t.deepEqual(encodeWsRegistrationAck(c.node, port), expected)
  t.true(s.stats().clients[0]!.registered)
})

test('broadcast to every other client of the room, never back; unicast to its node only; rooms stay apart', async t => {
  const { s, url } = await server(t)
  const [a, b, c, other] = [await client(t, url('r1')), await client(t, url('r1')), await client(t, url('r1')), await client(t, url('r2'))]
  for (const x of [a, b, c, other]) t.truthy(await x.register())
  for (const x of [a, b, c, other]) x.received.length = 0
  const bc = a.sendTo(BROADCAST, Buffer.from('hello all'))
  t.true(await b.waitFor(1) && await c.waitFor(1))
  t.deepEqual(b.received[0], bc)
  t.deepEqual(c.received[0], bc)
  const uni = b.sendTo(c.node, Buffer.from('to c'))
  t.true(await c.waitFor(2))
  t.deepEqual(c.received[1], uni)
  await sleep(100)
  t.is(a.received.length, 0, 'no echo to the sender, and the unicast went to c only')
  t.is(b.received.length, 1, 'b heard the broadcast only')
  t.is(other.received.length, 0, 'room r2 heard nothing')
  // A unicast across rooms goes nowhere: unknown_destination (no mapped room here).
  a.sendTo(other.node, Buffer.from('x'))
  t.true(await until(() => s.relay.counters.dropped.unknown_destination === 1))
  t.is(other.received.length, 0)
  const k = s.relay.counters
  t.is(k.received, k.delivered + k.totalDropped())
  t.deepEqual(s.stats().rooms.map(r => [r.room, r.clients]).sort(), [['r1', 3], ['r2', 1]])
})

test('bad input: each is a counted drop, never a crash', async t => {
  const { s, url } = await server(t)
  const a = await client(t, url('r'))
  const b = await client(t, url('r'))
  await a.register()
  await b.register()
  b.received.length = 0
  const k = s.relay.counters.dropped
  a.send(Buffer.alloc(10, 0xff))
  t.true(await until(() => k.malformed === 1), 'shorter than 30 bytes')
  a.send(ipxPacket({ dstNode: b.node, srcNode: a.node, length: 40 }))
  t.true(await until(() => k.length_mismatch === 1), 'length field ≠ message size')
  a.send(ipxPacket({ dstNode: b.node, srcNode: b.node }))
  t.true(await until(() => k.spoofed === 1), 'src node not its own')
  a.send(ipxPacket({ dstNode: 0, dstSocket: 2, srcNode: b.node, srcSocket: 2, packetType: 0 }))
  t.true(await until(() => k.spoofed === 2), 'a registration from a node that is not its own')
  a.sendTo(0x7f0000010001, Buffer.from('nobody'))
  t.true(await until(() => k.unknown_destination === 1))
  await sleep(50)
  t.is(b.received.length, 0, 'nothing bad reached b')
  t.is(a.closed, undefined, 'a counted drop does not close the connection')
  a.sendTo(b.node, Buffer.from('still fine'))
  t.true(await b.waitFor(1))
})

test('a text message closes with 1003, an oversize message with 1009; both counted by reason', async t => {
  const { s, url } = await server(t)
  const a = await client(t, url('r'))
  a.ws.send('hello')
  t.true(await a.waitClosed())
  t.is(a.closed?.code, 1003)
  const b = await client(t, url('r'))
  b.send(Buffer.alloc(1425, 0xff))
  t.true(await b.waitClosed())
  t.is(b.closed?.code, 1009)
  t.true(await until(() => s.stats().closed.oversize === 1 && s.stats().closed.not_binary === 1))
  t.is(s.relay.counters.dropped.unsupported, 1)
  t.is(s.relay.counters.dropped.oversize, 1)
  const c = await client(t, url('r'))
  c.send(Buffer.alloc(1424, 0xff))
  await sleep(100)
  t.is(c.closed, undefined, '1424 bytes (DOSBox IPXBUFFERSIZE) is within the bound')
})

test('refused upgrades: bad path 404, bad room 400, Origin 403, per-IP 429, total 503, busy node 409', async t => {
  const { s, url } = await server(t, { origins: ['https://games.example.org'], maxPerIp: 2, nodeTaken: n => n % 0x10000 === 1 })
  const port = s.address()!.port
  const origin = { origin: 'https://games.example.org' }
  t.is((await client(t, `ws://127.0.0.1:${port}/play/x`, origin)).refusedStatus, 404)
  t.is((await client(t, `ws://127.0.0.1:${port}/ipx/${'x'.repeat(65)}`, origin)).refusedStatus, 400)
  t.is((await client(t, url('r'), { origin: 'https://evil.example' })).refusedStatus, 403)
  t.is((await client(t, url('r'))).refusedStatus, 403, 'no Origin at all while a list is set')
  // A raw handshake with no Sec-WebSocket-Key: ws answers 400, counted bad_handshake.
  const raw = net.connect(port, '127.0.0.1')
  raw.write('GET /ipx/r HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nOrigin: https://games.example.org\r\n\r\n')
  const answer = await new Promise<string>(resolve => { raw.once('data', d => { resolve(d.toString()) }) })
  raw.destroy()
  t.regex(answer, /^HTTP\/1\.1 400/)
  t.is(s.stats().refused.bad_handshake, 1)
  const ok1 = await client(t, url('r'), origin)
  const ok2 = await client(t, url('r'), origin)
  t.is(ok1.refusedStatus, undefined)
  t.is(ok2.refusedStatus, undefined)
  t.is((await client(t, url('r'), origin)).refusedStatus, 429)
  t.deepEqual(s.stats().refused, { bad_path: 1, bad_room: 1, origin: 2, bad_handshake: 1, per_ip_limit: 1 })
  const { s: s2, url: url2 } = await server(t, { maxConnections: 1 })
  await client(t, url2('r'))
  t.is((await client(t, url2('r'))).refusedStatus, 503)
  t.is(s2.stats().refused.total_limit, 1)
})

test('a node taken by a DOSBox client is refused with 409', async t => {
  let taken = -1
  const { s, url } = await server(t, { nodeTaken: n => n === taken })
  // Reserve a local port, then connect from it: the node is 127.0.0.1 + that port.
  const probe = net.createServer()
  await new Promise<void>(resolve => { probe.listen(0, '127.0.0.1', () => { resolve() }) })
  const localPort = (probe.address() as net.AddressInfo).port
  await new Promise<void>(resolve => { probe.close(() => { resolve() }) })
  taken = 0x7f000001 * 0x10000 + localPort
  const c = await client(t, url('r'), { localAddress: '127.0.0.1', ...({ localPort } as object) })
  t.is(c.refusedStatus, 409)
  t.is(s.stats().refused.node_in_use, 1)
})

test('liveness: a client that stops answering pings is cut off; an idle one is closed with 1000', async t => {
  const { s, url } = await server(t, { pingIntervalMs: 100, idleTimeoutMs: 0 })
  const a = await client(t, url('r'), { autoPong: false } as object)
  t.true(await a.waitClosed(5000))
  t.true(await until(() => s.stats().closed.liveness === 1))
  const { s: s2, url: url2 } = await server(t, { idleTimeoutMs: 200 })
  const b = await client(t, url2('r'))
  t.true(await b.waitClosed(5000))
  t.is(b.closed?.code, 1000)
  t.is(s2.stats().closed.idle, 1)
})

test('rate limit: over the per-client bucket is dropped rate_limited; registrations still answered', async t => {
  const { s, url } = await server(t, { rateLimit: { packetsPerSecond: 1, packetBurst: 3 } })
  const a = await client(t, url('r'))
  const b = await client(t, url('r'))
  await a.register()
  await b.register()
  b.received.length = 0
  for (let i = 0; i < 10; i++) a.sendTo(b.node, Buffer.from([i]))
  t.true(await until(() => s.relay.counters.dropped.rate_limited >= 6))
  t.true(await b.waitFor(3))
  await sleep(50)
  t.true(b.received.length <= 4)
  t.truthy(await a.register(), 'registration is not rate limited')
})

test('a client without the binary subprotocol is served (the relay selects it only when offered)', async t => {
  const { url } = await server(t)
  const a = await client(t, url('r'), { protocols: [] })
  t.is(a.ws.protocol, '')
  t.truthy(await a.register(REGISTRATION))
})

test('the TCP demux hands an HTTP request over whole; a request that never completes is cut off', async t => {
  const ws = new WsIpxServer({ requestTimeoutMs: 300 })
  await ws.start()
  t.teardown(async () => { await ws.stop() })
  const tcp = new TcpTunnelServer({ host: '127.0.0.1', port: 0, onHttp: (socket, head) => { ws.handOff(socket, head) } })
  const { port } = await tcp.start()
  t.teardown(async () => { await tcp.stop() })
  const c = await client(t, `ws://127.0.0.1:${port}/ipx/r`)
  t.truthy(await c.register(), 'a WebSocket over the data-plane port')
  const slow = net.connect(port, '127.0.0.1')
  slow.on('error', () => {})
  slow.write('GET /ipx/r HTTP/1.1\r\nHost: x\r\n')
  const closed = await Promise.race([new Promise<boolean>(resolve => slow.once('close', () => { resolve(true) })), sleep(5000).then(() => false)])
  t.true(closed, 'the half-sent request was dropped after the request deadline')
  t.is(tcp.counters.totalDropped(), 0, 'a hand-over is no drop')
  t.is(tcp.closeReasons.get('handed_off'), 2)
})
