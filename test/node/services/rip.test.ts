import test from 'ava'
import { packet as ipxPacket } from '../../../protocol/ipx/index.js'
import * as rip from '../../../protocol/rip.js'
import { Router } from '../../../src/node/router.js'
import { RipService, DEFAULT_RIP_TIMERS } from '../../../src/node/services/rip.js'
import { BCAST, Lab, collector, datagram } from '../_lab.js'

const NA = 0xa, NB = 0xb, NC = 0xc
const A = 0x02000000000a, B = 0x02000000000b, C = 0x02000000000c
const X = 0x7f0000010001
const TIMERS = { intervalMs: 1000, expireMs: 3000, garbageMs: 4000 }

/** Decodes a datagram the RIP service sent; checks the IPX framing too. */
function decodeRip (d: Buffer): { dst: number, src: number, message: rip.RipMessage } {
  const p = ipxPacket.decode(d)
  if (p.header.packetType !== 1 || p.header.src.socket !== 0x0453) throw new Error('not a RIP packet')
  return { dst: p.header.dst.node, src: p.header.src.node, message: rip.decode(p.payload) }
}

function responses (sent: Buffer[]): rip.RipEntry[][] {
  return sent.map(decodeRip).filter(r => r.message.operation === 2).map(r => r.message.entries)
}

/** A - B - C in route mode, each with RIP bound. */
function chain (): { lab: Lab, rips: Map<string, RipService> } {
  const lab = new Lab('route')
  lab.add('a', NA, A)
  lab.add('b', NB, B)
  lab.add('c', NC, C)
  lab.link('a', 'b')
  lab.link('b', 'c')
  const rips = new Map<string, RipService>()
  for (const [name, r] of lab.routers) {
    const s = new RipService(r, TIMERS)
    r.bind(0x0453, s)
    rips.set(name, s)
  }
  return { lab, rips }
}

function hops (lab: Lab, router: string, network: number): number | undefined {
  return lab.get(router).route(network)?.hops
}

test('defaults are FreeBSD IPXrouted\'s: 60 s supply, 180 s expire, 240 s garbage', t => {
  t.deepEqual({ ...DEFAULT_RIP_TIMERS }, { intervalMs: 60_000, expireMs: 180_000, garbageMs: 240_000 })
  t.deepEqual({ ...new RipService(new Router({ mode: 'route', network: 1, node: 2 })).timers }, DEFAULT_RIP_TIMERS)
})

test('three routers converge within one (shortened) interval', t => {
  const { lab, rips } = chain()
  // Staggered starts, as real nodes come up: each one's periodic tick within the first interval.
  rips.get('a')!.tick(0)
  lab.pump(0)
  rips.get('b')!.tick(300)
  lab.pump(300)
  rips.get('c')!.tick(600)
  lab.pump(600)
  t.is(hops(lab, 'a', NB), 1)
  t.is(hops(lab, 'a', NC), 2)
  t.is(hops(lab, 'c', NA), 2)
  t.is(hops(lab, 'c', NB), 1)
  t.is(hops(lab, 'b', NA), 1)
  t.is(hops(lab, 'b', NC), 1)
  t.is(lab.get('a').route(NC)!.port, 'peer:b')
  t.is(lab.get('a').route(NC)!.learnedFrom, B)
})

test('start(): a request for all networks and the table on every port', t => {
  const r = new Router({ mode: 'route', network: NA, node: A })
  const local = collector()
  r.addPort({ id: 'local', kind: 'local', send: local.send })
  r.addPort({ id: 'peer', kind: 'peer', send: () => {} })
  new RipService(r, TIMERS).start(0)
  const msgs = local.sent.map(decodeRip)
  t.is(msgs[0]!.dst, BCAST)
  t.deepEqual(msgs[0]!.message.entries.map(e => e.network), [rip.RIP_ALL_NETWORKS])
  t.is(msgs[0]!.message.operation, 1)
})

test('split horizon: a route is not advertised back out of the port it was learned on', t => {
  const { lab, rips } = chain()
  for (const s of rips.values()) s.start(0)
  lab.pump(0)
  lab.wire.length = 0
  rips.get('b')!.tick(1000)
  lab.pump(1000)
  const toA = responses(lab.wire.filter(([f, to]) => f === 'b' && to === 'a').map(w => w[2])).flat()
  const toC = responses(lab.wire.filter(([f, to]) => f === 'b' && to === 'c').map(w => w[2])).flat()
  t.deepEqual(toA.map(e => e.network).sort(), [NB, NC])
  t.deepEqual(toC.map(e => e.network).sort(), [NA, NB])
  t.deepEqual(toC.find(e => e.network === NA), { network: NA, hops: 2, ticks: 2 })
  t.deepEqual(toC.find(e => e.network === NB), { network: NB, hops: 1, ticks: 1 })
  // B's own segment does not hear its own network from B, but hears the others.
  const onB = responses(lab.local.get('b')!).at(-1)!
  t.deepEqual(onB.map(e => e.network).sort(), [NA, NC])
})

test('requests: all networks (split horizon on the requesting port), specific ones, unknown ones', t => {
  const { lab, rips } = chain()
  for (const s of rips.values()) s.start(0)
  lab.pump(0)
  const a = lab.get('a')
  const out = lab.local.get('a')!
  out.length = 0
  const answeredBefore = rips.get('a')!.stats.requestsAnswered
  const ask = (networks: number[]): void => {
    a.forward(datagram({ type: 1, dst: [0, BCAST, 0x0453], src: [0, X, 0x4000] },
      rip.encode({ operation: 1, entries: networks.map(n => ({ network: n, hops: 16, ticks: 0xffff })) })), 'local', 10)
  }
  ask([rip.RIP_ALL_NETWORKS])
  t.is(out.length, 1)
  const all = decodeRip(out[0]!)
  t.is(all.dst, X, 'answered to the requester')
  t.is(ipxPacket.decode(out[0]!).header.dst.socket, 0x4000)
  t.deepEqual(all.message.entries.sort((p, q) => p.network - q.network), [{ network: NB, hops: 2, ticks: 2 }, { network: NC, hops: 3, ticks: 3 }])
  ask([NC, 0x99])
  t.deepEqual(decodeRip(out[1]!).message.entries, [{ network: NC, hops: 3, ticks: 3 }])
  ask([NA])
  t.deepEqual(decodeRip(out[2]!).message.entries, [{ network: NA, hops: 1, ticks: 1 }], 'a specific request is answered even for the port it came in on')
  ask([0x99])
  t.is(out.length, 3, 'nothing known: no answer')
  t.is(rips.get('a')!.stats.requestsAnswered - answeredBefore, 3)
})

test('age-out: a stopped router\'s network is poisoned at expiry, the poison reaches the others, then it is deleted', t => {
  const { lab, rips } = chain()
  for (const s of rips.values()) s.start(0)
  lab.pump(0)
  t.is(hops(lab, 'a', NC), 2)
  lab.dead.add('c')
  let now = 0
  for (; now <= 2000; now += 1000) {
    for (const s of [rips.get('a')!, rips.get('b')!]) s.tick(now)
    lab.pump(now)
  }
  t.is(hops(lab, 'b', NC), 1, 'still valid before 3 s')
  rips.get('b')!.tick(3000)
  lab.pump(3000)
  t.is(hops(lab, 'b', NC), 16, 'B poisoned it at expiry')
  t.is(hops(lab, 'a', NC), 16, 'and the triggered update told A at once')
  const poison = responses(lab.wire.filter(([f]) => f === 'b').map(w => w[2])).flat().filter(e => e.network === NC).at(-1)
  t.deepEqual(poison, { network: NC, hops: 16, ticks: 2 })
  t.is(lab.get('a').forward(datagram({ dst: [NC, 1, 1], src: [NA, X, 1] }), 'local', 3000), 'unknown_destination')
  for (now = 4000; now <= 7000; now += 1000) {
    for (const s of [rips.get('a')!, rips.get('b')!]) s.tick(now)
    lab.pump(now)
  }
  t.is(lab.get('b').route(NC), undefined, 'deleted at garbage time')
  t.is(lab.get('a').route(NC), undefined)
  t.is(hops(lab, 'a', NB), 1, 'B itself is still refreshed')
})

test('a port going down poisons its routes in a triggered update', t => {
  const { lab, rips } = chain()
  for (const s of rips.values()) s.start(0)
  lab.pump(0)
  lab.local.get('b')!.length = 0
  lab.get('b').removePort('peer:c', 500)
  rips.get('b')!.tick(500)
  const sent = responses(lab.local.get('b')!).flat()
  t.deepEqual(sent, [{ network: NC, hops: 16, ticks: 2 }])
})

test('a route is replaced only by a better one, or by news from its own router', t => {
  const r = new Router({ mode: 'route', network: NA, node: A })
  r.addPort({ id: 'p1', kind: 'peer', send: () => {} })
  r.addPort({ id: 'p2', kind: 'peer', send: () => {} })
  const s = new RipService(r, TIMERS)
  const hear = (port: string, from: number, entries: rip.RipEntry[], now: number): void => {
    s.handle(ipxPacket.decode(datagram({ type: 1, dst: [0, BCAST, 0x453], src: [0, from, 0x453] }, rip.encode({ operation: 2, entries }))), port, now)
  }
  hear('p1', B, [{ network: 0x50, hops: 3, ticks: 10 }], 0)
  t.like(r.route(0x50), { port: 'p1', hops: 3, ticks: 10 })
  hear('p2', C, [{ network: 0x50, hops: 5, ticks: 10 }], 1)
  t.like(r.route(0x50), { port: 'p1', hops: 3 }, 'worse: ignored')
  hear('p2', C, [{ network: 0x50, hops: 6, ticks: 8 }], 2)
  t.like(r.route(0x50), { port: 'p2', hops: 6, ticks: 8, learnedFrom: C }, 'fewer ticks wins')
  hear('p1', B, [{ network: 0x50, hops: 16, ticks: 8 }], 3)
  t.like(r.route(0x50), { port: 'p2', hops: 6 }, 'poison from another router is ignored')
  hear('p2', C, [{ network: 0x50, hops: 7, ticks: 9 }], 4)
  t.like(r.route(0x50), { port: 'p2', hops: 7, ticks: 9 }, 'its own router may make it worse')
  hear('p2', C, [{ network: NA, hops: 1, ticks: 1 }], 5)
  t.like(r.route(NA), { hops: 0, learnedFrom: null }, 'a connected network is never replaced')
})

test('at most 50 entries a packet: 120 routes go out as 50 + 50 + 20', t => {
  const r = new Router({ mode: 'route', network: NA, node: A })
  const local = collector()
  r.addPort({ id: 'local', kind: 'local', send: local.send })
  r.addPort({ id: 'peer', kind: 'peer', send: () => {} })
  for (let i = 0; i < 120; i++) r.setRoute({ network: 0x1000 + i, port: 'peer', hops: 1, ticks: 1, learnedFrom: B, updatedAt: 0, changed: false })
  new RipService(r, TIMERS).tick(0)
  const sizes = responses(local.sent).map(e => e.length)
  t.deepEqual(sizes, [50, 50, 20])
  t.true(local.sent.every(d => d.length <= 30 + 2 + 50 * 8))
})

test('routes that would reach 16 hops are not advertised; learning happens only in route mode from peers', t => {
  const r = new Router({ mode: 'route', network: NA, node: A })
  const local = collector()
  r.addPort({ id: 'local', kind: 'local', send: local.send })
  r.addPort({ id: 'peer', kind: 'peer', send: () => {} })
  r.setRoute({ network: 0x60, port: 'peer', hops: 15, ticks: 20, learnedFrom: B, updatedAt: 0, changed: false })
  const s = new RipService(r, TIMERS)
  s.tick(0)
  t.deepEqual(responses(local.sent), [], '15 stored would be 16 advertised')
  s.handle(ipxPacket.decode(datagram({ type: 1, dst: [0, BCAST, 0x453], src: [0, X, 0x453] }, rip.encode({ operation: 2, entries: [{ network: 0x61, hops: 1, ticks: 1 }] }))), 'local', 1)
  t.is(r.route(0x61), undefined, 'not learned from the local segment')

  const bridge = new Router({ mode: 'bridge', network: NA, node: A })
  bridge.addPort({ id: 'peer', kind: 'peer', send: () => {} })
  const bs = new RipService(bridge, TIMERS)
  bs.handle(ipxPacket.decode(datagram({ type: 1, dst: [0, BCAST, 0x453], src: [0, B, 0x453] }, rip.encode({ operation: 2, entries: [{ network: 0x61, hops: 1, ticks: 1 }] }))), 'peer', 1)
  t.is(bridge.route(0x61), undefined, 'a bridge learns no routes')
})

test('shutdown: every advertised route announced as unreachable', t => {
  const { lab, rips } = chain()
  for (const s of rips.values()) s.start(0)
  lab.pump(0)
  lab.wire.length = 0
  rips.get('b')!.shutdown()
  const toA = responses(lab.wire.filter(([f]) => f === 'b').map(w => w[2])).flat()
  t.true(toA.length >= 2)
  t.true(toA.every(e => e.hops === 16))
  lab.pump(1)
  t.is(hops(lab, 'a', NB), 16)
  t.is(hops(lab, 'c', NB), 16)
})

test('garbage in, nothing out: undecodable RIP and our own packets are ignored', t => {
  const r = new Router({ mode: 'route', network: NA, node: A })
  const local = collector()
  r.addPort({ id: 'local', kind: 'local', send: local.send })
  const s = new RipService(r, TIMERS)
  s.handle(ipxPacket.decode(datagram({ type: 1, dst: [0, BCAST, 0x453], src: [0, X, 0x453] }, Buffer.from([0, 1, 2]))), 'local', 0)
  s.handle(ipxPacket.decode(datagram({ type: 1, dst: [0, BCAST, 0x453], src: [0, A, 0x453] }, rip.encode({ operation: 1, entries: [{ network: rip.RIP_ALL_NETWORKS, hops: 16, ticks: 0 }] }))), 'local', 0)
  s.handle(ipxPacket.decode(datagram({ type: 1, dst: [0, BCAST, 0x453], src: [0, X, 0x453] }, rip.encode({ operation: 7, entries: [] }))), 'local', 0)
  t.is(local.sent.length, 0)
  t.is(s.stats.ignored, 3)
})

test('one pass per tick: with nothing changed a tick sends nothing; routes past garbage time are deleted while the table is walked, and a change found in the same pass goes out at once', t => {
  // FreeBSD's timers, and every tick before the first periodic update (60 s): only triggered updates go out.
  const r = new Router({ mode: 'route', network: NA, node: A })
  const toB = collector()
  const toC = collector()
  r.addPort({ id: 'peer:b', kind: 'peer', send: toB.send })
  r.addPort({ id: 'peer:c', kind: 'peer', send: toC.send })
  const s = new RipService(r)
  s.start(0)
  const garbage = DEFAULT_RIP_TIMERS.garbageMs
  for (const network of [0x20, 0x21, 0x22]) r.setRoute({ network, port: 'peer:b', hops: 16, ticks: 3, learnedFrom: B, updatedAt: -garbage, changed: false })
  r.setRoute({ network: 0x23, port: 'peer:b', hops: 2, ticks: 3, learnedFrom: B, updatedAt: 0, changed: false })
  toB.sent.length = 0
  toC.sent.length = 0
  s.tick(1000)
  t.deepEqual([0x20, 0x21, 0x22].map(n => r.route(n)), [undefined, undefined, undefined], 'every route past garbage time deleted in one tick')
  t.is(r.route(0x23)?.hops, 2)
  t.is(toB.sent.length + toC.sent.length, 0, 'nothing due, nothing changed: nothing sent')
  r.setRoute({ network: 0x24, port: 'peer:b', hops: 3, ticks: 4, learnedFrom: B, updatedAt: 1500, changed: true })
  s.tick(2000)
  t.is(toB.sent.length, 0, 'split horizon: not back out of its own port')
  t.deepEqual(responses(toC.sent).flat(), [{ network: 0x24, hops: 4, ticks: 5 }], 'the changed route, once, out of the other port')
  t.false([...r.routes.values()].some(x => x.changed), 'the change marks are cleared')
  s.tick(3000)
  t.is(toC.sent.length, 1, 'and not again')
})
