import test from 'ava'
import { packet as ipxPacket } from '../../../protocol/ipx/index.js'
import * as sap from '../../../protocol/sap.js'
import { Router } from '../../../src/node/router.js'
import type { RouterMode } from '../../../src/node/router.js'
import { SapService, DEFAULT_SAP_TIMERS } from '../../../src/node/services/sap.js'
import type { AdvertisedService } from '../../../src/node/services/sap.js'
import { BCAST, Lab, collector, datagram } from '../_lab.js'

const NA = 0xa, NB = 0xb, NC = 0xc
const A = 0x02000000000a, B = 0x02000000000b, C = 0x02000000000c
const X = 0x7f0000010001
const TIMERS = { intervalMs: 1000, expireMs: 5000 }
const fs = (name: string): AdvertisedService => ({ type: 4, name, socket: 0x0451 })

/** Decodes a datagram the SAP service sent; checks the IPX framing too. */
function decodeSap (d: Buffer): { dstNode: number, dstSocket: number, message: sap.SapMessage } {
  const p = ipxPacket.decode(d)
  if (p.header.packetType !== 4 || p.header.src.socket !== 0x0452) throw new Error('not a SAP packet')
  return { dstNode: p.header.dst.node, dstSocket: p.header.dst.socket, message: sap.decode(p.payload) }
}

function servers (sent: Buffer[], operation = 2): sap.SapServer[][] {
  return sent.map(decodeSap).map(d => d.message).filter(sap.isResponse).filter(m => m.operation === operation)
    .map(m => m.servers.map(({ namePadding: _, ...s }) => s))
}

function chain (mode: RouterMode = 'route'): { lab: Lab, saps: Map<string, SapService> } {
  const lab = new Lab(mode)
  lab.add('a', NA, A)
  lab.add('b', mode === 'route' ? NB : NA, B)
  lab.add('c', mode === 'route' ? NC : NA, C)
  lab.link('a', 'b')
  lab.link('b', 'c')
  const saps = new Map<string, SapService>()
  for (const [name, r] of lab.routers) {
    const s = new SapService(r, name === 'b' ? [] : [fs(`NODE-${name.toUpperCase()}`)], TIMERS)
    r.bind(0x0452, s)
    saps.set(name, s)
  }
  return { lab, saps }
}

function query (r: Router, operation: 1 | 3, serverType: number): void {
  r.forward(datagram({ dst: [0, BCAST, 0x0452], src: [0, X, 0x4004] }, sap.encode({ operation, serverType })), 'local', 0)
}

test('defaults are ipx_wrap sapd\'s: 60 s broadcasts, 5 min expiry', t => {
  t.deepEqual({ ...DEFAULT_SAP_TIMERS }, { intervalMs: 60_000, expireMs: 300_000 })
})

test('periodic broadcast: own services at 1 hop from this node, to the SAP broadcast address', t => {
  const r = new Router({ mode: 'route', network: NA, node: A })
  const local = collector()
  r.addPort({ id: 'local', kind: 'local', send: local.send })
  new SapService(r, [fs('NODE-A'), { type: 7, name: 'PRN', socket: 0x8060 }], TIMERS).tick(0)
  const d = decodeSap(local.sent[0]!)
  t.is(d.dstNode, BCAST)
  t.is(d.dstSocket, 0x0452)
  t.deepEqual(servers(local.sent), [[
    { type: 4, name: 'NODE-A', network: NA, node: A, socket: 0x0451, hops: 1 },
    { type: 7, name: 'PRN', network: NA, node: A, socket: 0x8060, hops: 1 }
  ]])
})

test('route mode: services propagate along a chain, one hop further at each router, with split horizon', t => {
  const { lab, saps } = chain()
  for (const s of saps.values()) s.start(0)
  lab.pump(0)
  t.like(saps.get('b')!.table.get('4/NODE-A'), { port: 'peer:a', server: { hops: 1, network: NA, node: A } })
  t.like(saps.get('c')!.table.get('4/NODE-A'), { port: 'peer:b', server: { hops: 2 } })
  t.like(saps.get('a')!.table.get('4/NODE-C'), { port: 'peer:b', server: { hops: 2 } })
  lab.wire.length = 0
  saps.get('b')!.tick(1000)
  const toA = servers(lab.wire.filter(([f, to]) => f === 'b' && to === 'a').map(w => w[2])).flat()
  t.deepEqual(toA.map(s => s.name), ['NODE-C'], 'NODE-A is not advertised back to A')
  t.is(toA[0]!.hops, 2)
})

test('general query: every service of the type, 7 to a packet (10 → 7 + 3), to the requester', t => {
  const r = new Router({ mode: 'route', network: NA, node: A })
  const local = collector()
  r.addPort({ id: 'local', kind: 'local', send: local.send })
  const list = Array.from({ length: 10 }, (_, i) => fs(`FS${i}`))
  const s = new SapService(r, [...list, { type: 7, name: 'PRN', socket: 0x8060 }], TIMERS)
  r.bind(0x0452, s)
  query(r, 1, 4)
  t.is(local.sent.length, 2)
  const d = decodeSap(local.sent[0]!)
  t.is(d.dstNode, X)
  t.is(d.dstSocket, 0x4004)
  t.deepEqual(servers(local.sent).map(p => p.length), [7, 3])
  t.true(servers(local.sent).flat().every(x => x.type === 4))
  local.sent.length = 0
  query(r, 1, 0xffff)
  t.deepEqual(servers(local.sent).map(p => p.length), [7, 4], 'the wildcard asks for every type')
  local.sent.length = 0
  query(r, 1, 0x0278)
  t.is(local.sent.length, 0, 'no service of that type: no answer')
})

test('nearest query: the service of that type with the fewest hops, as a nearest response', t => {
  const { lab, saps } = chain()
  for (const s of saps.values()) s.start(0)
  lab.pump(0)
  const out = lab.local.get('b')!
  out.length = 0
  query(lab.get('b'), 3, 4)
  t.is(out.length, 1)
  const reply = servers(out, 4)
  t.is(reply.length, 1)
  t.is(reply[0]!.length, 1)
  t.is(reply[0]![0]!.hops, 2, 'both are one router away from B: advertised at 2')
  out.length = 0
  // C has its own file server: it is the nearest from C.
  const outC = lab.local.get('c')!
  outC.length = 0
  query(lab.get('c'), 3, 4)
  t.deepEqual(servers(outC, 4), [[{ type: 4, name: 'NODE-C', network: NC, node: C, socket: 0x0451, hops: 1 }]])
  outC.length = 0
  query(lab.get('c'), 3, 7)
  t.is(outC.length, 0, 'no print server anywhere: no answer')
})

test('nearest picks fewer hops among learned services', t => {
  const r = new Router({ mode: 'route', network: NA, node: A })
  r.addPort({ id: 'p1', kind: 'peer', send: () => {} })
  r.addPort({ id: 'p2', kind: 'peer', send: () => {} })
  const local = r.addPort({ id: 'local', kind: 'local', send: () => {} })
  const s = new SapService(r, [], TIMERS)
  const hear = (port: string, from: number, list: sap.SapServer[]): void => {
    s.handle(ipxPacket.decode(datagram({ dst: [0, BCAST, 0x452], src: [0, from, 0x452] }, sap.encode({ operation: 2, servers: list }))), port, 0)
  }
  hear('p1', B, [{ type: 4, name: 'FAR', network: 0x50, node: 1, socket: 0x451, hops: 5 }])
  hear('p2', C, [{ type: 4, name: 'NEAR', network: 0x51, node: 2, socket: 0x451, hops: 2 }])
  t.is(s.nearest(4, local)!.name, 'NEAR')
  t.is(s.nearest(4, local)!.hops, 3)
  t.is(s.nearest(4, r.port('p2')!)!.name, 'FAR', 'split horizon: not offered back where it was learned')
})

test('age-out: a learned service not refreshed goes down (16 hops, announced) and is deleted', t => {
  const { lab, saps } = chain()
  for (const s of saps.values()) s.start(0)
  lab.pump(0)
  lab.dead.add('a')
  const b = saps.get('b')!
  for (let now = 1000; now < 5000; now += 1000) {
    b.tick(now)
    lab.pump(now)
  }
  t.truthy(b.table.get('4/NODE-A'))
  lab.wire.length = 0
  b.tick(5000)
  lab.pump(5000)
  t.is(b.table.get('4/NODE-A'), undefined)
  const down = servers(lab.wire.filter(([f, to]) => f === 'b' && to === 'c').map(w => w[2])).flat().filter(s => s.name === 'NODE-A')
  t.is(down.length, 1)
  t.is(down[0]!.hops, 16)
  t.is(saps.get('c')!.table.get('4/NODE-A'), undefined, 'C dropped it on the going-down news')
})

test('shutdown: own services go down with 16 hops on every port; neighbours forget them', t => {
  const { lab, saps } = chain()
  for (const s of saps.values()) s.start(0)
  lab.pump(0)
  lab.local.get('a')!.length = 0
  lab.wire.length = 0
  saps.get('a')!.shutdown()
  const onLocal = servers(lab.local.get('a')!).flat()
  t.deepEqual(onLocal.map(s => [s.name, s.hops]), [['NODE-A', 16], ['NODE-C', 16]], 'a router going down takes the services behind it along')
  const toB = servers(lab.wire.filter(([f]) => f === 'a').map(w => w[2])).flat()
  t.deepEqual(toB.map(s => [s.name, s.hops]), [['NODE-A', 16]], 'NODE-C was learned via peer:b: not sent back there')
  lab.pump(10)
  t.is(saps.get('b')!.table.get('4/NODE-A'), undefined)
  t.is(saps.get('c')!.table.get('4/NODE-A'), undefined)
})

test('bridge mode: learned services are kept for status but never re-advertised or offered', t => {
  const { lab, saps } = chain('bridge')
  for (const s of saps.values()) s.start(0)
  lab.pump(0)
  t.truthy(saps.get('b')!.table.get('4/NODE-A'))
  lab.wire.length = 0
  saps.get('b')!.tick(1000)
  t.is(lab.wire.filter(([f]) => f === 'b').length, 0, 'B has no own service and re-advertises nothing')
  const out = lab.local.get('b')!
  out.length = 0
  query(lab.get('b'), 3, 4)
  t.is(out.length, 0)
})

test('7 entries a packet in periodic broadcasts too, and garbage is ignored', t => {
  const r = new Router({ mode: 'route', network: NA, node: A })
  const local = collector()
  r.addPort({ id: 'local', kind: 'local', send: local.send })
  const s = new SapService(r, Array.from({ length: 15 }, (_, i) => fs(`S${i}`)), TIMERS)
  s.tick(0)
  t.deepEqual(servers(local.sent).map(p => p.length), [7, 7, 1])
  t.true(local.sent.every(d => d.length <= 30 + 2 + 7 * 64))
  local.sent.length = 0
  s.handle(ipxPacket.decode(datagram({ dst: [0, BCAST, 0x452], src: [0, X, 0x452] }, Buffer.from([0, 2, 1]))), 'local', 1)
  s.handle(ipxPacket.decode(datagram({ dst: [0, BCAST, 0x452], src: [0, A, 0x452] }, sap.encode({ operation: 1, serverType: 4 }))), 'local', 1)
  t.is(local.sent.length, 0)
  t.is(s.stats.ignored, 2)
})

test('a port going down takes the servers learned on it down: announced at 16 hops on the other ports at the next flush, then forgotten (issue 16)', t => {
  const { lab, saps } = chain()
  for (const s of saps.values()) s.start(0)
  lab.pump(0)
  const b = saps.get('b')!
  t.like(b.table.get('4/NODE-A'), { port: 'peer:a', server: { hops: 1 } })
  lab.wire.length = 0
  t.is(b.portDown('peer:a', 10), 1, 'NODE-A was learned on it')
  t.is(b.portDown('peer:a', 11), 0, 'already down')
  t.is(b.portDown('peer:c', 12), 1, 'NODE-C on the other')
  lab.get('b').removePort('peer:a', 12)
  b.flush()
  const toC = servers(lab.wire.filter(([f, to]) => f === 'b' && to === 'c').map(w => w[2])).flat()
  t.deepEqual(toC.map(s => [s.name, s.hops]), [['NODE-A', 16]], 'the poison goes out where the server is still believed (not back to C its own)')
  t.is(b.table.get('4/NODE-A'), undefined, 'forgotten after the announcement')
  lab.pump(12)
  t.is(saps.get('c')!.table.get('4/NODE-A'), undefined, 'C, which had it from B, drops it too')
})

test('a refresh that changes nothing is stored as it was and announced to nobody; a changed address from the same router is stored and announced at once', t => {
  const r = new Router({ mode: 'route', network: NB, node: B })
  const toC = collector()
  r.addPort({ id: 'peer:a', kind: 'peer', send: () => {} })
  r.addPort({ id: 'peer:c', kind: 'peer', send: toC.send })
  const s = new SapService(r, [], { intervalMs: 60_000, expireMs: 300_000 })
  s.start(0)
  const from = (socket: number, now: number): void => {
    const payload = sap.encode({ operation: 2, servers: [{ type: 4, name: 'NODE-A', network: NA, node: A, socket, hops: 1 }] })
    s.handle(ipxPacket.decode(datagram({ dst: [0, BCAST, 0x452], src: [NA, A, 0x452] }, payload)), 'peer:a', now)
  }
  from(0x451, 10)
  const learned = s.table.get('4/NODE-A')!
  t.like(learned, { port: 'peer:a', learnedFrom: A, updatedAt: 10, server: { hops: 1, socket: 0x451 } })
  t.deepEqual(servers(toC.sent).flat().map(x => x.name), ['NODE-A'], 'learned: announced to C at once')
  toC.sent.length = 0
  from(0x451, 20)
  t.is(s.table.get('4/NODE-A'), learned, 'the same entry, refreshed')
  t.is(learned.updatedAt, 20)
  t.is(toC.sent.length, 0, 'nothing changed, nothing announced')
  from(0x8000, 30)
  t.like(s.table.get('4/NODE-A'), { updatedAt: 30, server: { socket: 0x8000, hops: 1 } })
  t.deepEqual(servers(toC.sent).flat().map(x => [x.name, x.socket, x.hops]), [['NODE-A', 0x8000, 2]], 'the new address, announced one hop further')
})
