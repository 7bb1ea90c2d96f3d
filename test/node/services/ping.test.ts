import test from 'ava'
import { packet as ipxPacket } from '../../../protocol/ipx/index.js'
import * as ping from '../../../protocol/ping.js'
import { Router } from '../../../src/node/router.js'
import { PingService } from '../../../src/node/services/ping.js'
import { collector, datagram } from '../_lab.js'

const NA = 0xa, NB = 0xb
const A = 0x02000000000a
const X = 0x7f0000010001

function setup (): { r: Router, local: Buffer[], peer: Buffer[], s: PingService } {
  const r = new Router({ mode: 'route', network: NA, node: A })
  const local = collector(), peer = collector()
  r.addPort({ id: 'local', kind: 'local', send: local.send })
  r.addPort({ id: 'peer', kind: 'peer', send: peer.send })
  const s = new PingService(r)
  r.bind(0x9086, s)
  return { r, local: local.sent, peer: peer.sent, s }
}

function pingPacket (type: number, src: [number, number, number], data = Buffer.from('abcdef')): Buffer {
  return datagram({ type: 4, dst: [NA, A, 0x9086], src }, ping.encode({ version: 1, type, pingId: 0x1234, result: 0, reserved: 0, data }))
}

test('ping: a request from the local segment is answered with makeReply, to the sender', t => {
  const { r, local, s } = setup()
  t.is(r.forward(pingPacket(0, [0, X, 0x4006]), 'local', 0), undefined)
  t.is(local.length, 1)
  const p = ipxPacket.decode(local[0]!)
  t.is(p.header.packetType, 4)
  t.deepEqual(p.header.dst, { network: 0, node: X, socket: 0x4006 })
  t.deepEqual(p.header.src, { network: NA, node: A, socket: 0x9086 })
  t.deepEqual(ping.decode(p.payload), { version: 1, type: 1, pingId: 0x1234, result: 1, reserved: 0, data: Buffer.from('abcdef') })
  t.is(s.stats.answered, 1)
})

test('ping: a request from another network is answered back out of the port it came in on', t => {
  const { r, local, peer } = setup()
  r.forward(pingPacket(0, [NB, 0x0b, 0x4006]), 'peer', 0)
  t.is(local.length, 0)
  t.is(peer.length, 1)
  t.deepEqual(ipxPacket.decode(peer[0]!).header.dst, { network: NB, node: 0x0b, socket: 0x4006 })
})

const ignored: Array<[string, Buffer]> = [
  ['a reply', pingPacket(1, [0, X, 0x4006])],
  ['an unknown type', pingPacket(7, [0, X, 0x4006])],
  ['a bad signature', datagram({ dst: [NA, A, 0x9086], src: [0, X, 0x4006] }, Buffer.from('Pong\x01\x00\x00\x01\x00\x00'))],
  ['a truncated header', datagram({ dst: [NA, A, 0x9086], src: [0, X, 0x4006] }, Buffer.from('Ping'))],
  ['our own request', pingPacket(0, [NA, A, 0x4006])]
]
for (const [title, d] of ignored) {
  test(`ping: ${title} is ignored`, t => {
    const { r, local, s } = setup()
    t.is(r.forward(d, 'local', 0), undefined)
    t.is(local.length, 0)
    t.is(s.stats.ignored, 1)
  })
}
