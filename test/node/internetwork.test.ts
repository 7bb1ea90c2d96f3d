/**
 * Issue 16, the forwarding rules between several peers of one router (no sockets): routers joined
 * by in-memory attachment pairs (src/transport/attachment.ts) relay one peer's frames to another by
 * the route table, count the hop at each router, never send a frame back out of the port it came in
 * on, and end a type-20 broadcast over a mesh of unnumbered peer links.
 */
import test from 'ava'
import { attachmentPair } from '../../src/transport/attachment.js'
import type { MemoryAttachment } from '../../src/transport/attachment.js'
import { Router } from '../../src/node/router.js'
import { RipService } from '../../src/node/services/rip.js'
import { DropReason } from '../../src/transport/counters.js'
import { Socket } from '../../protocol/constants.js'
import { BCAST, Lab, datagram } from './_lab.js'

const until = async (cond: () => boolean, ms = 2000): Promise<boolean> => {
  const end = Date.now() + ms
  while (!cond() && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 1))
  return cond()
}

const NA = 0xa, NB = 0xb, NC = 0xc
const X = 0x7f0000010001 // a client on A's segment
const Z = 0x7f0000030003 // a client on C's segment

interface Hop { router: Router, rip: RipService, local: Buffer[] }

/** Route-mode router `network` with RIP bound and a local port collecting what it is sent. */
function routerOn (network: number): Hop {
  const router = new Router({ mode: 'route', network, node: 0x020000000000 + network })
  const rip = new RipService(router)
  router.bind(Socket.Rip, rip)
  const local: Buffer[] = []
  router.addPort({ id: 'local', kind: 'local', send: d => { local.push(d) } })
  return { router, rip, local }
}

/** Joins two routers by an in-memory pair: port `peer:<other network>` on each. */
function join (a: Hop, b: Hop): [MemoryAttachment, MemoryAttachment] {
  const ends = attachmentPair()
  for (const [x, y, end] of [[a, b, ends[0]], [b, a, ends[1]]] as const) {
    const id = `peer:${y.router.network.toString(16)}`
    end.receiver = (d) => x.router.forward(d, id, Date.now())
    x.router.addPort({ id, kind: 'peer', send: (d) => { end.send(d) } })
  }
  return ends
}

test('route mode, a chain A–B–C over in-memory links: RIP gives C a 2-hop route to A, and a unicast from A\'s segment reaches C\'s with transport control 3 (three routers)', async t => {
  const [a, b, c] = [routerOn(NA), routerOn(NB), routerOn(NC)]
  join(a, b)
  join(b, c)
  for (const h of [a, b, c]) h.rip.start(0)
  t.true(await until(() => (a.router.route(NC)?.hops ?? 16) < 16 && (c.router.route(NA)?.hops ?? 16) < 16), 'the routes crossed B')
  t.is(c.router.route(NA)?.hops, 2)
  t.is(c.router.route(NA)?.port, 'peer:b')
  t.is(a.router.route(NC)?.hops, 2)
  t.is(b.router.route(NA)?.hops, 1)
  const d = datagram({ dst: [NC, Z, 0x4000], src: [NA, X, 0x4000] }, Buffer.from('across two routers'))
  t.is(a.router.forward(d, 'local', 0), undefined)
  t.true(await until(() => c.local.some(x => x.readUInt16BE(16) === 0x4000)))
  const got = c.local.find(x => x.readUInt16BE(16) === 0x4000)!
  t.is(got[4], 3, 'A, B and C each counted one router (Linux ipxitf_send increments at every router)')
  t.deepEqual(got.subarray(30), d.subarray(30))
  t.is(b.router.stats.forwarded, 1, 'B relayed it from one peer to the other')
  for (const h of [a, b, c]) t.is(h.router.counters.totalDropped(), 0)
})

test('route mode: a frame whose route leads back out of the peer port it came in on is dropped (policy), never returned', t => {
  const r = new Router({ mode: 'route', network: NB, node: 0x0b })
  const sent = new Map<string, number>()
  for (const id of ['peer:a', 'peer:c']) r.addPort({ id, kind: 'peer', send: () => { sent.set(id, (sent.get(id) ?? 0) + 1) } })
  r.setRoute({ network: NA, port: 'peer:a', hops: 1, ticks: 1, learnedFrom: 0x0a, updatedAt: 0, changed: false })
  r.setRoute({ network: NC, port: 'peer:c', hops: 1, ticks: 1, learnedFrom: 0x0c, updatedAt: 0, changed: false })
  t.is(r.forward(datagram({ dst: [NA, X, 0x4000], src: [NC, Z, 0x4000] }), 'peer:a', 0), DropReason.Policy)
  t.is(sent.get('peer:a'), undefined)
  t.is(r.forward(datagram({ dst: [NA, X, 0x4000], src: [NC, Z, 0x4000] }), 'peer:c', 0), undefined)
  t.is(sent.get('peer:a'), 1, 'from the other peer it is relayed')
  t.is(r.forward(datagram({ dst: [NA, BCAST, 0x4000], src: [NC, Z, 0x4000] }), 'peer:c', 0), undefined)
  t.is(sent.get('peer:a'), 2, 'a directed broadcast to a remote network is routed like a unicast')
  t.is(r.forward(datagram({ dst: [0, BCAST, 0x4000], src: [NC, Z, 0x4000] }), 'peer:c', 0), undefined)
  t.is(sent.get('peer:a'), 2, 'a local broadcast is not flooded between networks')
})

function type20 (): Buffer {
  return datagram({ type: 20, dst: [0, BCAST, 0x0455], src: [0, X, 0x0455] }, Buffer.alloc(32 + 16))
}

test('type 20 over a triangle of unnumbered peer links ends when it comes back to a router it crossed', t => {
  const lab = new Lab('route')
  lab.add('a', NA, 0x0a)
  lab.add('b', NB, 0x0b)
  lab.add('c', NC, 0x0c)
  lab.link('a', 'b')
  lab.link('b', 'c')
  lab.link('a', 'c')
  lab.get('a').forward(type20(), 'local', 0)
  const n = lab.pump(0, 200)
  t.log(`${n} link datagrams`)
  t.is(lab.local.get('a')!.length, 0, 'the origin segment never gets it back')
  // Each other segment: once by the direct link, once more by the way round (as Linux's rules give in a mesh).
  t.is(lab.local.get('b')!.length, 2)
  t.is(lab.local.get('c')!.length, 2)
  for (const d of [...lab.local.get('b')!, ...lab.local.get('c')!]) t.is(d.readUInt32BE(30), NA, 'the origin network is slot 0')
  for (const [, , d] of lab.wire) t.true(d[4]! <= 3, 'no copy goes round the triangle twice')
  // A router's own network marks the slot of a packet that crossed an unnumbered link into it.
  const viaB = lab.local.get('c')!.find(d => d[4] === 3)!
  t.deepEqual([viaB.readUInt32BE(30), viaB.readUInt32BE(34), viaB.readUInt32BE(38)], [NA, NB, NC])
  t.true(lab.get('a').stats.propagationSuppressed >= 1, 'A saw its own network in the list and stopped it')
})

test('type 20 over a chain of unnumbered links: the eighth router\'s segment gets it with the 8-network list full, the ninth router does not rebroadcast it', t => {
  const lab = new Lab('route')
  const names = Array.from({ length: 10 }, (_, i) => `r${i}`)
  names.forEach((name, i) => lab.add(name, 0x100 + i, 0x0200 + i))
  for (let i = 1; i < names.length; i++) lab.link(names[i - 1]!, names[i]!)
  lab.get('r0').forward(type20(), 'local', 0)
  lab.pump(0, 200)
  const at7 = lab.local.get('r7')!
  t.is(at7.length, 1)
  t.is(at7[0]![4], 8, 'transport control 8 on the eighth router\'s segment')
  t.deepEqual(Array.from({ length: 8 }, (_, i) => at7[0]!.readUInt32BE(30 + 4 * i)), [0x100, 0x101, 0x102, 0x103, 0x104, 0x105, 0x106, 0x107])
  t.is(lab.local.get('r8')!.length, 0, 'at 8 it is processed by the router but not rebroadcast (Linux ipxitf_pprop)')
  t.is(lab.local.get('r9')!.length, 0)
  t.is(lab.get('r8').stats.propagationSuppressed, 1)
})

const Y = 0x7f0000020002 // a client on B's segment

/** Bridge routers a–b–c in a chain (relaying peers), each local port saying which client it has. */
function bridgeChain (relayPeers: boolean): Lab {
  const lab = new Lab('bridge', { relayPeers })
  lab.add('a', 1, 0x0a, n => n === X)
  lab.add('b', 1, 0x0b, n => n === Y)
  lab.add('c', 1, 0x0c, n => n === Z)
  lab.link('a', 'b')
  lab.link('b', 'c')
  return lab
}

test('bridge mode with relayPeers, a chain A–B–C: a broadcast reaches every segment once, the answer goes back by the learned ports only', t => {
  const lab = bridgeChain(true)
  const hello = datagram({ dst: [0, BCAST, 0x4000], src: [0, X, 0x4000] }, Buffer.from('hello'))
  lab.get('a').forward(hello, 'local', 0)
  t.is(lab.pump(0), 2, 'A to B, B to C, and nothing comes back')
  t.is(lab.local.get('b')!.length, 1)
  t.is(lab.local.get('c')!.length, 1)
  t.is(lab.local.get('a')!.length, 0)
  t.deepEqual(lab.local.get('c')![0], hello, 'a bridge changes nothing, transport control included')
  lab.wire.length = 0
  lab.get('c').forward(datagram({ dst: [0, X, 0x4000], src: [0, Z, 0x4000] }, Buffer.from('answer')), 'local', 0)
  t.is(lab.pump(0), 2)
  t.deepEqual(lab.wire.map(([from, to]) => `${from}>${to}`), ['c>b', 'b>a'], 'by the ports X was learned on')
  t.is(lab.local.get('a')!.length, 1)
  t.is(lab.local.get('b')!.length, 1, 'B\'s segment did not get the unicast')
})

test('bridge mode without relayPeers (the default): a peer\'s frames stay on the local segment, so a chain needs a full mesh', t => {
  const lab = bridgeChain(false)
  lab.get('a').forward(datagram({ dst: [0, BCAST, 0x4000], src: [0, X, 0x4000] }), 'local', 0)
  t.is(lab.pump(0), 1)
  t.is(lab.local.get('b')!.length, 1)
  t.is(lab.local.get('c')!.length, 0)
})

test('bridge mode with relayPeers: an unknown unicast from a peer floods to the other peers, never back out of the port it came in on', t => {
  const lab = bridgeChain(true)
  const W = 0x7f0000090009 // nobody has it
  lab.get('a').forward(datagram({ dst: [0, W, 0x4000], src: [0, X, 0x4000] }), 'local', 0)
  t.is(lab.pump(0), 2)
  t.deepEqual(lab.wire.map(([from, to]) => `${from}>${to}`), ['a>b', 'b>c'])
  t.is(lab.get('c').counters.dropped.unknown_destination, 1, 'the end of the chain has nowhere left to send it')
})

test('bridge mode with relayPeers in a loop: a broadcast circulates (the documented rule: loops are the user\'s to avoid)', t => {
  const lab = bridgeChain(true)
  lab.link('a', 'c')
  lab.get('a').forward(datagram({ dst: [0, BCAST, 0x4000], src: [0, X, 0x4000] }), 'local', 0)
  t.throws(() => lab.pump(0, 100), { message: /a loop/ })
})
