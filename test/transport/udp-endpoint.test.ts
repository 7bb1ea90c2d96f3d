import test from 'ava'
import dgram from 'node:dgram'
import type { RemoteInfo } from 'node:dgram'
import { UdpEndpoint, bindError } from '../../src/transport/udp-endpoint.js'
import { TransportError } from '../../src/errors.js'
import { until, sleep } from './_dosbox-client.js'

function endpoint (host: string, port = 0, got: Array<[Buffer, RemoteInfo]> = []): UdpEndpoint {
  return new UdpEndpoint({ host, port, onMessage: (d, r) => { got.push([d, r]) } })
}

test('start binds IPv4 loopback, address() reports it, messages arrive, stop closes', async t => {
  const got: Array<[Buffer, RemoteInfo]> = []
  const e = endpoint('127.0.0.1', 0, got)
  t.throws(() => e.address(), { instanceOf: TransportError, code: 'IPX_ERR_CLOSED' })
  const a = await e.start()
  t.teardown(async () => { await e.stop() })
  t.is(a.address, '127.0.0.1')
  t.is(a.family, 'IPv4')
  t.true(a.port > 0)
  t.deepEqual(e.address(), a)
  t.true(e.running)
  t.true(e.recvBufferSize() >= 1024 * 1024, 'receive buffer enlarged')
  const s = dgram.createSocket('udp4')
  t.teardown(() => { s.close() })
  s.send(Buffer.from('ping'), a.port, '127.0.0.1')
  t.true(await until(() => got.length === 1))
  t.is(got[0]![0].toString(), 'ping')
  await e.stop()
  t.false(e.running)
  t.false(e.send(Buffer.from('x'), 9, '127.0.0.1'), 'send after stop is refused')
})

test('IPv6 (::1) uses udp6', async t => {
  const got: Array<[Buffer, RemoteInfo]> = []
  const e = endpoint('::1', 0, got)
  const a = await e.start()
  t.teardown(async () => { await e.stop() })
  t.is(a.family, 'IPv6')
  const peer = endpoint('::1', 0)
  await peer.start()
  t.teardown(async () => { await peer.stop() })
  await peer.sendAsync(Buffer.from('six'), a.port, '::1')
  t.true(await until(() => got.length === 1))
  t.is(got[0]![1].family, 'IPv6')
})

test('EADDRINUSE fails start() with TransportError IPX_ERR_ADDR_IN_USE', async t => {
  const first = endpoint('127.0.0.1')
  const { port } = await first.start()
  t.teardown(async () => { await first.stop() })
  const second = endpoint('127.0.0.1', port)
  await t.throwsAsync(second.start(), { instanceOf: TransportError, code: 'IPX_ERR_ADDR_IN_USE' })
  t.false(second.running)
})

test('bindError maps EACCES/EPERM to IPX_ERR_ACCESS and the rest to IPX_ERR_SOCKET', t => {
  const err = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code })
  t.is(bindError(err('EACCES'), '0.0.0.0', 213).code, 'IPX_ERR_ACCESS')
  t.is(bindError(err('EPERM'), '0.0.0.0', 213).code, 'IPX_ERR_ACCESS')
  t.is(bindError(err('EADDRINUSE'), '0.0.0.0', 213).code, 'IPX_ERR_ADDR_IN_USE')
  t.is(bindError(err('EADDRNOTAVAIL'), '192.0.2.1', 1).code, 'IPX_ERR_SOCKET')
  t.true(bindError(err('EACCES'), '0.0.0.0', 213) instanceof TransportError)
})

test('start() rejects a non-IP host and a second start', async t => {
  await t.throwsAsync(endpoint('example.com').start(), { instanceOf: TransportError, code: 'IPX_ERR_SOCKET' })
  const e = endpoint('127.0.0.1')
  await e.start()
  t.teardown(async () => { await e.stop() })
  await t.throwsAsync(e.start(), { instanceOf: TransportError, code: 'IPX_ERR_SOCKET' })
})

test('stop() clears every timer and frees the port; it is idempotent', async t => {
  const e = endpoint('127.0.0.1')
  const { port } = await e.start()
  let ticks = 0
  e.every(10, () => { ticks++ })
  e.every(15, () => { ticks++ })
  t.true(await until(() => ticks >= 2))
  await Promise.all([e.stop(), e.stop()])
  await e.stop()
  const after = ticks
  await sleep(60)
  t.is(ticks, after, 'no tick after stop')
  const again = endpoint('127.0.0.1', port)
  await again.start()
  t.teardown(async () => { await again.stop() })
  t.is(again.address().port, port, 'port is free again')
})

test('send counts sent datagrams; every() can be cancelled on its own', async t => {
  const got: Array<[Buffer, RemoteInfo]> = []
  const rx = endpoint('127.0.0.1', 0, got)
  const { port } = await rx.start()
  t.teardown(async () => { await rx.stop() })
  const tx = endpoint('127.0.0.1')
  await tx.start()
  t.teardown(async () => { await tx.stop() })
  for (let i = 0; i < 100; i++) t.true(tx.send(Buffer.from([i]), port, '127.0.0.1'))
  t.true(await until(() => got.length === 100))
  t.is(tx.stats.sent, 100)
  t.is(tx.stats.errors, 0)
  let ticks = 0
  const cancel = tx.every(5, () => { ticks++ })
  t.true(await until(() => ticks >= 1))
  cancel()
  const n = ticks
  await sleep(30)
  t.is(ticks, n)
})

test('send to a port no datagram can go to is a counted error, never a throw (it would crash a message handler)', async t => {
  const e = new UdpEndpoint({ host: '127.0.0.1', port: 0, onMessage: () => {} })
  await e.start()
  t.teardown(async () => { await e.stop() })
  t.false(e.send(Buffer.from('x'), 0, '127.0.0.1'))
  t.is(e.stats.errors, 1)
  t.is(e.stats.sent, 0)
})

test('a bounded receive buffer drops early and the kernel\'s drops are counted: received + receiveDrops = sent', async t => {
  const got: Array<[Buffer, RemoteInfo]> = []
  const e = new UdpEndpoint({ host: '127.0.0.1', port: 0, recvBufferSize: 4096, onMessage: (d, r) => { got.push([d, r]) } })
  const a = await e.start()
  t.teardown(async () => { await e.stop() })
  t.is(e.receiveDrops(), 0)
  const s = dgram.createSocket('udp4')
  t.teardown(() => { s.close() })
  await new Promise<void>(resolve => { s.connect(a.port, '127.0.0.1', resolve) })
  // A connected socket sends synchronously: 300 datagrams reach the endpoint's queue within this
  // turn of the event loop, before the endpoint reads any, so a queue of a few KiB must overflow.
  const total = 300
  for (let i = 0; i < total; i++) s.send(Buffer.alloc(64, i))
  t.true(await until(() => got.length + (e.receiveDrops() ?? 0) >= total, 3000))
  const drops = e.receiveDrops()!
  t.true(drops > 0, 'the kernel dropped what the bounded queue could not hold')
  t.true(got.length > 0 && got.length < total)
  t.is(got.length + drops, total, 'every datagram either arrived or is in the kernel\'s drop count')
})
