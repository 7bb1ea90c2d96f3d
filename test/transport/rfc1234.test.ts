import test from 'ava'
import type { ExecutionContext } from 'ava'
import type { RemoteInfo } from 'node:dgram'
import { Rfc1234Link, rfc1234Node, rfc1234Ipv4, RFC1234_UDP_PORT } from '../../src/transport/rfc1234.js'
import type { Rfc1234Options } from '../../src/transport/rfc1234.js'
import { UdpEndpoint } from '../../src/transport/udp-endpoint.js'
import { ConfigError } from '../../src/errors.js'
import { ipxPacket, until, BROADCAST } from './_dosbox-client.js'

const IP2 = 0x7f000002
const IP3 = 0x7f000003

interface Peer { ep: UdpEndpoint, got: Buffer[], port: number }

async function peer (t: ExecutionContext, host: string): Promise<Peer> {
  const got: Buffer[] = []
  const ep = new UdpEndpoint({ host, port: 0, onMessage: d => { got.push(d) } })
  const { port } = await ep.start()
  t.teardown(async () => { await ep.stop() })
  return { ep, got, port }
}

/** The link on 127.0.0.1 with peers on 127.0.0.2 and 127.0.0.3 (all of 127/8 is loopback on Linux). */
async function setup (t: ExecutionContext, extra: Partial<Rfc1234Options> = {}): Promise<{ link: Rfc1234Link, port: number, b: Peer, c: Peer, delivered: Array<[Buffer, number]> }> {
  const b = await peer(t, '127.0.0.2')
  const c = await peer(t, '127.0.0.3')
  const delivered: Array<[Buffer, number]> = []
  const ref: { link?: Rfc1234Link } = {}
  const ep = new UdpEndpoint({ host: '127.0.0.1', port: 0, onMessage: (d, r) => { ref.link?.handle(d, r) } })
  const { port } = await ep.start()
  t.teardown(async () => { await ep.stop() })
  ref.link = new Rfc1234Link({
    peers: [{ host: '127.0.0.2', port: b.port }, { host: '127.0.0.3', port: c.port }],
    send: (d, p, a) => { ep.send(d, p, a) },
    onPacket: (d, peek) => { delivered.push([d, peek.srcNode]) },
    ...extra
  })
  return { link: ref.link, port, b, c, delivered }
}

test('host number is 00 00 + IPv4; other nodes have no IPv4', t => {
  t.is(rfc1234Node(0xc0a80001), 0x0000c0a80001)
  t.is(rfc1234Ipv4(0x0000c0a80001), 0xc0a80001)
  t.is(rfc1234Ipv4(0x020000000001), -1)
  t.is(rfc1234Ipv4(BROADCAST), -1)
  t.is(RFC1234_UDP_PORT, 213)
})

test('peers must be distinct IPv4 addresses with valid ports: ConfigError', t => {
  const base = { send: () => {}, onPacket: () => {} }
  t.throws(() => new Rfc1234Link({ ...base, peers: [{ host: '::1' }] }), { instanceOf: ConfigError, code: 'IPX_ERR_CONFIG' })
  t.throws(() => new Rfc1234Link({ ...base, peers: [{ host: '::ffff:10.0.0.1' }] }), { instanceOf: ConfigError })
  t.throws(() => new Rfc1234Link({ ...base, peers: [{ host: '10.0.0.1', port: 70000 }] }), { instanceOf: ConfigError })
  t.throws(() => new Rfc1234Link({ ...base, peers: [{ host: '10.0.0.1' }, { host: '10.0.0.1', port: 999 }] }), { instanceOf: ConfigError })
  t.deepEqual(new Rfc1234Link({ ...base, peers: [{ host: '10.0.0.1' }] }).peers(), [{ host: '10.0.0.1', port: 213, node: 0x0a000001 }])
})

test('receive: a valid datagram from a peer is delivered; every bad one is counted once', async t => {
  const { link, port, b, delivered } = await setup(t)
  const stranger = await peer(t, '127.0.0.4')
  const ok = ipxPacket({ dstNode: BROADCAST, srcNode: IP2, payload: Buffer.from('hello') })
  const cases: Array<[Peer, Buffer]> = [
    [b, ok],
    [b, Buffer.concat([Buffer.from([0x12, 0x34]), ok.subarray(2)])], // reserved: not FF FF → unsupported
    [b, Buffer.from([0xff])], // malformed
    [b, ok.subarray(0, 29)], // malformed
    [b, ipxPacket({ dstNode: BROADCAST, srcNode: IP2, payload: Buffer.from('x'), length: 40 })], // length_mismatch
    [b, ipxPacket({ dstNode: BROADCAST, srcNode: IP3, payload: Buffer.from('x') })], // spoofed
    [b, ipxPacket({ dstNode: BROADCAST, srcNode: IP2, payload: Buffer.alloc(1500) })], // oversize
    [stranger, ipxPacket({ dstNode: BROADCAST, srcNode: 0x7f000004 })] // unregistered
  ]
  for (const [from, d] of cases) await from.ep.sendAsync(d, port, '127.0.0.1')
  t.true(await until(() => link.counters.received === cases.length))
  t.is(delivered.length, 1)
  t.deepEqual(delivered[0]![0], ok)
  t.is(delivered[0]![1], IP2)
  const c = link.counters
  t.is(c.delivered, 1)
  t.deepEqual(
    Object.fromEntries(Object.entries(c.dropped).filter(([, v]) => v > 0)),
    { unsupported: 1, malformed: 2, length_mismatch: 1, spoofed: 1, oversize: 1, unregistered: 1 })
  t.is(c.received, c.delivered + c.totalDropped())
})

test('requireSourcePort enforces the port-213 convention (policy drop)', async t => {
  const { link, port, b } = await setup(t, { requireSourcePort: RFC1234_UDP_PORT })
  await b.ep.sendAsync(ipxPacket({ dstNode: BROADCAST, srcNode: IP2 }), port, '127.0.0.1')
  t.true(await until(() => link.counters.received === 1))
  t.is(link.counters.dropped.policy, 1)
})

test('send: broadcast to every peer, unicast by 00 00 + IPv4, unknown nodes refused', async t => {
  const { link, b, c } = await setup(t)
  const bcast = ipxPacket({ dstNode: BROADCAST, srcNode: 0x7f000001, payload: Buffer.from('all') })
  t.is(link.send(bcast), undefined)
  t.true(await until(() => b.got.length === 1 && c.got.length === 1))
  t.deepEqual(b.got[0], bcast)
  const uni = ipxPacket({ dstNode: IP3, srcNode: 0x7f000001, payload: Buffer.from('c only') })
  t.is(link.send(uni), undefined)
  t.true(await until(() => c.got.length === 2))
  t.deepEqual(c.got[1], uni)
  t.is(b.got.length, 1)
  t.is(link.send(ipxPacket({ dstNode: 0x7f000009, srcNode: 1 })), 'unknown_destination')
  t.is(link.send(ipxPacket({ dstNode: 0x02007f000002, srcNode: 1 })), 'unknown_destination')
  t.is(link.send(Buffer.alloc(10, 0xff)), 'malformed')
  t.is(link.send(ipxPacket({ dstNode: IP2, srcNode: 1, length: 99 })), 'length_mismatch')
  const tx = link.txCounters
  t.is(tx.received, 6)
  t.is(tx.delivered, 2)
  t.is(tx.received, tx.delivered + tx.totalDropped())
})

test('handle works without a socket (injected rinfo)', t => {
  const got: Buffer[] = []
  const link = new Rfc1234Link({ peers: [{ host: '10.1.2.3' }], send: () => {}, onPacket: d => { got.push(d) } })
  const rinfo: RemoteInfo = { address: '10.1.2.3', family: 'IPv4', port: 213, size: 30 }
  link.handle(ipxPacket({ dstNode: 0x0a010204, srcNode: 0x0a010203 }), rinfo)
  link.handle(ipxPacket({ dstNode: 0x0a010204, srcNode: 0x0a010203 }), { ...rinfo, address: '::1', family: 'IPv6' })
  t.is(got.length, 1)
  t.is(link.counters.dropped.unregistered, 1)
})
