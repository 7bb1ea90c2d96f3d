import test from 'ava'
import fc from 'fast-check'
import { packet as ipxPacket } from '../../protocol/ipx/index.js'
import type { IpxPacket } from '../../protocol/ipx/index.js'
import { Router } from '../../src/node/router.js'
import { DropReason } from '../../src/transport/counters.js'
import { BCAST, Lab, collector, datagram } from './_lab.js'

const NA = 0xa, NB = 0xb, NC = 0xc
const A = 0x02000000000a, B = 0x02000000000b, C = 0x02000000000c
const X = 0x7f0000010001 // a DOSBox client on A (127.0.0.1:1)
const Y = 0x7f0000020002 // a DOSBox client on B

function tcOf (d: Buffer): number {
  return d[4]!
}

/** A route-mode router A with a local port and a peer port to network NB learned at 1 hop. */
function routedA (): { r: Router, local: Buffer[], peer: Buffer[] } {
  const r = new Router({ mode: 'route', network: NA, node: A })
  const local = collector()
  const peer = collector()
  r.addPort({ id: 'local', kind: 'local', send: local.send })
  r.addPort({ id: 'peer', kind: 'peer', send: peer.send })
  r.setRoute({ network: NB, port: 'peer', hops: 1, ticks: 2, learnedFrom: B, updatedAt: 0, changed: false })
  return { r, local: local.sent, peer: peer.sent }
}

// Linux af_ipx.c ipxitf_send: `if (++ipx->ipx_tctrl > ipxcfg_max_hops) send_to_wire = 0`, max 16.
const hopTable: Array<[number, number | DropReason]> = [
  [0, 1], [1, 2], [14, 15], [15, 16], [16, DropReason.HopLimit], [17, DropReason.HopLimit], [255, DropReason.HopLimit]
]
for (const [tcIn, expected] of hopTable) {
  test(`route mode: transport control ${tcIn} in → ${typeof expected === 'number' ? `${expected} out` : expected}`, t => {
    const { r, peer } = routedA()
    const d = datagram({ tc: tcIn, dst: [NB, Y, 0x4000], src: [NA, X, 0x4000] })
    const result = r.forward(d, 'local', 0)
    if (typeof expected === 'number') {
      t.is(result, undefined)
      t.is(peer.length, 1)
      t.is(tcOf(peer[0]!), expected)
      t.is(r.counters.delivered, 1)
    } else {
      t.is(result, expected)
      t.is(peer.length, 0)
      t.is(r.counters.dropped.hop_limit, 1)
    }
    t.is(tcOf(d), tcIn, 'the original datagram is never modified')
  })
}

test('route mode: copy-on-write; a zero source network is filled with the receiving network', t => {
  const { r, peer } = routedA()
  const d = datagram({ dst: [NB, Y, 0x4000], src: [0, X, 0x4000] }, Buffer.from('hi'))
  t.is(r.forward(d, 'local', 0), undefined)
  const out = peer[0]!
  t.not(out, d)
  const p = ipxPacket.decode(out)
  t.is(p.header.src.network, NA)
  t.is(p.header.transportControl, 1)
  t.deepEqual(p.payload, Buffer.from('hi'))
  t.is(ipxPacket.decode(d).header.src.network, 0)
})

test('bridge mode: transport control untouched and the datagram is passed on as is (no copy)', t => {
  const r = new Router({ mode: 'bridge', network: NA, node: A })
  const peer = collector()
  r.addPort({ id: 'local', kind: 'local', send: () => {} })
  r.addPort({ id: 'peer', kind: 'peer', send: peer.send })
  const d = datagram({ tc: 15, dst: [0, BCAST, 0x4000], src: [0, X, 0x4000] })
  t.is(r.forward(d, 'local', 0), undefined)
  t.is(peer.sent[0], d)
  t.is(tcOf(peer.sent[0]!), 15)
})

const dropTable: Array<[string, (r: Router) => DropReason | undefined, DropReason]> = [
  ['no route', r => r.forward(datagram({ dst: [0x99, Y, 1], src: [NA, X, 1] }), 'local', 0), DropReason.UnknownDestination],
  ['unreachable route (16 hops)', r => {
    r.setRoute({ network: 0x99, port: 'peer', hops: 16, ticks: 1, learnedFrom: B, updatedAt: 0, changed: false })
    return r.forward(datagram({ dst: [0x99, Y, 1], src: [NA, X, 1] }), 'local', 0)
  }, DropReason.UnknownDestination],
  ['route back out of the receiving port', r => r.forward(datagram({ dst: [NB, Y, 1], src: [NB, 5, 1] }), 'peer', 0), DropReason.Policy],
  ['unknown port', r => r.forward(datagram({ dst: [NB, Y, 1], src: [NA, X, 1] }), 'nope', 0), DropReason.Policy],
  ['shorter than 30 bytes', r => r.forward(Buffer.alloc(10, 0xff), 'local', 0), DropReason.Malformed],
  ['length field below 30', r => {
    const d = datagram({ dst: [NB, Y, 1], src: [NA, X, 1] })
    d.writeUInt16BE(12, 2)
    return r.forward(d, 'local', 0)
  }, DropReason.Malformed],
  ['length field beyond the datagram', r => {
    const d = datagram({ dst: [NB, Y, 1], src: [NA, X, 1] })
    d.writeUInt16BE(90, 2)
    return r.forward(d, 'local', 0)
  }, DropReason.LengthMismatch],
  ['unicast to our node on an unbound socket', r => r.forward(datagram({ dst: [NA, A, 0x1234], src: [NB, Y, 1] }), 'peer', 0), DropReason.UnknownDestination],
  ['unicast to another node on the receiving segment', r => r.forward(datagram({ dst: [0, 0x0203, 1], src: [0, X, 1] }), 'local', 0), DropReason.UnknownDestination]
]
for (const [title, run, reason] of dropTable) {
  test(`route mode drop: ${title} → ${reason}`, t => {
    const { r, peer, local } = routedA()
    t.is(run(r), reason)
    t.is(r.counters.dropped[reason], 1)
    t.is(r.counters.totalDropped(), 1)
    t.is(peer.length + local.length, 0)
  })
}

test('local delivery: our node and broadcasts reach the bound service, decoded, with the port', t => {
  const { r, peer } = routedA()
  const got: Array<[IpxPacket, string, number]> = []
  r.bind(0x0453, { handle: (p, port, now) => { got.push([p, port, now]) } })
  t.is(r.forward(datagram({ dst: [0, BCAST, 0x0453], src: [0, X, 0x4000] }, Buffer.from([0, 1])), 'local', 5), undefined)
  t.is(r.forward(datagram({ dst: [NA, A, 0x0453], src: [NB, Y, 0x4000] }), 'peer', 6), undefined)
  t.is(got.length, 2)
  t.is(got[0]![1], 'local')
  t.is(got[0]![2], 5)
  t.deepEqual(got[0]![0].payload, Buffer.from([0, 1]))
  t.is(got[1]![1], 'peer')
  t.is(peer.length, 0, 'a segment broadcast is not routed to other networks')
  t.is(r.counters.delivered, 2)
})

test('route mode: a directed broadcast to our network is flooded onto it and served locally', t => {
  const { r, local } = routedA()
  let served = 0
  r.bind(0x0452, { handle: () => { served++ } })
  t.is(r.forward(datagram({ dst: [NA, BCAST, 0x0452], src: [NB, Y, 0x0452] }), 'peer', 0), undefined)
  t.is(local.length, 1)
  t.is(tcOf(local[0]!), 1)
  t.is(served, 1)
})

function type20 (tc: number, list: number[], length = 30 + 32 + 2 + 16): Buffer {
  const payload = Buffer.alloc(length - 30)
  list.forEach((n, i) => payload.writeUInt32BE(n, 4 * i))
  return datagram({ type: 20, tc, dst: [0, BCAST, 0x0455], src: [0, X, 0x0455] }, payload)
}

/** Route-mode router with local network NA and two numbered peer links 0x100 and 0x200. */
function t20Router (): { r: Router, local: Buffer[], p1: Buffer[], p2: Buffer[], served: () => number } {
  const r = new Router({ mode: 'route', network: NA, node: A })
  const local = collector(), p1 = collector(), p2 = collector()
  r.addPort({ id: 'local', kind: 'local', send: local.send })
  r.addPort({ id: 'p1', kind: 'peer', network: 0x100, send: p1.send })
  r.addPort({ id: 'p2', kind: 'peer', network: 0x200, send: p2.send })
  let n = 0
  r.bind(0x0455, { handle: () => { n++ } })
  return { r, local: local.sent, p1: p1.sent, p2: p2.sent, served: () => n }
}

test('type 20: transport control 7 is propagated with tc 8 and the receiving network in slot 7', t => {
  const { r, local, p1, p2, served } = t20Router()
  const d = type20(7, [1, 2, 3, 4, 5, 6, 7])
  t.is(r.forward(d, 'p1', 0), undefined)
  t.is(p1.length, 0, 'never back out of the receiving port')
  for (const out of [local, p2]) {
    t.is(out.length, 1)
    t.is(tcOf(out[0]!), 8)
    t.is(out[0]!.readUInt32BE(30 + 4 * 7), 0x100)
  }
  t.is(local[0]!.readUInt32BE(6), NA, 'destination network set to the output network (ipxitf_pprop)')
  t.is(p2[0]!.readUInt32BE(6), 0x200)
  t.is(served(), 1)
  t.is(d.readUInt32BE(30 + 28), 0, 'the original is not modified')
})

test('type 20: at transport control 8 processed locally but not rebroadcast', t => {
  const { r, local, p2, served } = t20Router()
  t.is(r.forward(type20(8, [1, 2, 3, 4, 5, 6, 7, 8]), 'p1', 0), undefined)
  t.is(local.length + p2.length, 0)
  t.is(served(), 1)
  t.is(r.stats.propagationSuppressed, 1)
})

test('type 20: transport control 9 is dropped (hop_limit), not even processed locally', t => {
  const { r, local, p2, served } = t20Router()
  t.is(r.forward(type20(9, [1, 2, 3, 4, 5, 6, 7, 8]), 'p1', 0), DropReason.HopLimit)
  t.is(local.length + p2.length + served(), 0)
})

test('type 20: shorter than 30 + 32 bytes is dropped as malformed', t => {
  const { r, served } = t20Router()
  t.is(r.forward(type20(0, [], 30 + 31), 'p1', 0), DropReason.Malformed)
  t.is(served(), 0)
  t.is(r.counters.dropped.malformed, 1)
})

test('type 20: never sent onto a network already listed', t => {
  const { r, local, p2 } = t20Router()
  t.is(r.forward(type20(2, [0x200, 0x300]), 'p1', 0), undefined)
  t.is(p2.length, 0, '0x200 is in the list')
  t.is(local.length, 1)
  t.is(local[0]!.readUInt32BE(30 + 8), 0x100)
})

test('type 20: not rebroadcast when the receiving network is already listed', t => {
  const { r, local, p2, served } = t20Router()
  t.is(r.forward(type20(2, [0x100, 0x300]), 'p1', 0), undefined)
  t.is(local.length + p2.length, 0)
  t.is(served(), 1)
})

test('type 20 in a route-mode triangle with numbered links ends, and never re-enters a network', t => {
  const lab = new Lab('route')
  lab.add('a', NA, A)
  lab.add('b', NB, B)
  lab.add('c', NC, C)
  lab.link('a', 'b', 0xab)
  lab.link('b', 'c', 0xbc)
  lab.link('a', 'c', 0xac)
  lab.get('a').forward(type20(0, []), 'local', 0)
  lab.pump(0, 200)
  t.is(lab.local.get('a')!.length, 0, 'NA is the first network in the list')
  t.true(lab.local.get('b')!.length >= 1)
  t.true(lab.local.get('c')!.length >= 1)
  for (const d of [...lab.local.get('b')!, ...lab.local.get('c')!]) {
    t.is(d.readUInt32BE(30), NA)
    t.true(d[4]! <= 8)
  }
  // Every link datagram: the output link's network is not among the slots written before it.
  for (const [, , d] of lab.wire) {
    const tc = d[4]!
    const dst = d.readUInt32BE(6)
    for (let i = 0; i < tc - 1; i++) t.not(d.readUInt32BE(30 + 4 * i), dst)
  }
})

test('bridge mode, two nodes: a broadcast reaches the other side once and never comes back', t => {
  const lab = new Lab('bridge')
  lab.add('a', NA, A)
  lab.add('b', NA, B)
  lab.link('a', 'b')
  const d = datagram({ dst: [0, BCAST, 0x4000], src: [0, X, 0x4000] })
  t.is(lab.get('a').forward(d, 'local', 0), undefined)
  t.is(lab.pump(0), 1)
  t.is(lab.local.get('a')!.length, 0, 'not back to the port it came from')
  t.is(lab.local.get('b')!.length, 1)
  t.is(lab.local.get('b')![0], d)
})

test('bridge mode, three nodes in a full mesh: one copy on each other segment, nothing loops', t => {
  const lab = new Lab('bridge')
  for (const [n, node] of [['a', A], ['b', B], ['c', C]] as const) lab.add(n, NA, node)
  lab.link('a', 'b')
  lab.link('b', 'c')
  lab.link('a', 'c')
  lab.get('a').forward(datagram({ dst: [0, BCAST, 0x4000], src: [0, X, 0x4000] }), 'local', 0)
  t.is(lab.pump(0), 2)
  t.is(lab.wire.length, 2)
  t.deepEqual([...lab.local.values()].map(l => l.length), [0, 1, 1])
})

test('bridge mode: nodes are learned, so a reply goes to one peer only; unknown unicast floods from local only', t => {
  const lab = new Lab('bridge')
  const onB = new Set([Y])
  lab.add('a', NA, A, n => n === X)
  lab.add('b', NA, B, n => onB.has(n))
  lab.add('c', NA, C, () => false)
  lab.link('a', 'b')
  lab.link('b', 'c')
  lab.link('a', 'c')
  // Unknown unicast from X to Y: flooded to both peers; C has no such client.
  lab.get('a').forward(datagram({ dst: [0, Y, 0x4000], src: [0, X, 0x4000] }), 'local', 0)
  lab.pump(0)
  t.is(lab.local.get('b')!.length, 1)
  t.is(lab.get('c').counters.dropped.unknown_destination, 1)
  t.is(lab.get('b').learnedPort(X, 0), 'peer:a')
  // Y answers: B learned X on peer:a, so only A hears it.
  lab.wire.length = 0
  lab.get('b').forward(datagram({ dst: [0, X, 0x4000], src: [0, Y, 0x4000] }), 'local', 1)
  lab.pump(1)
  t.deepEqual(lab.wire.map(([f, to]) => `${f}>${to}`), ['b>a'])
  t.is(lab.local.get('a')!.length, 1)
  // Ageing: after 300 s B has forgotten X and floods again.
  t.is(lab.get('b').learnedPort(X, 300_001), undefined)
  t.is(lab.get('b').sweep(300_001), 2, 'X (on peer:a) and Y (on local)')
})

test('bridge mode: a destination network that is not the segment is unknown', t => {
  const r = new Router({ mode: 'bridge', network: NA, node: A })
  r.addPort({ id: 'local', kind: 'local', send: () => {} })
  t.is(r.forward(datagram({ dst: [NB, Y, 1], src: [0, X, 1] }), 'local', 0), DropReason.UnknownDestination)
})

test('route mode end to end: a client on A reaches a client on C through B with transport control 3', t => {
  const lab = new Lab('route')
  lab.add('a', NA, A)
  lab.add('b', NB, B)
  lab.add('c', NC, C, n => n === Y)
  lab.link('a', 'b')
  lab.link('b', 'c')
  lab.get('a').setRoute({ network: NC, port: 'peer:b', hops: 2, ticks: 3, learnedFrom: B, updatedAt: 0, changed: false })
  lab.get('b').setRoute({ network: NC, port: 'peer:c', hops: 1, ticks: 2, learnedFrom: C, updatedAt: 0, changed: false })
  lab.get('a').forward(datagram({ dst: [NC, Y, 0x4000], src: [0, X, 0x4000] }), 'local', 0)
  lab.pump(0)
  const got = lab.local.get('c')!
  t.is(got.length, 1)
  const p = ipxPacket.decode(got[0]!)
  t.is(p.header.transportControl, 3)
  t.is(p.header.src.network, NA)
})

test('removePort poisons the routes through it and keeps the own network', t => {
  const { r } = routedA()
  r.setRoute({ network: 0x77, port: 'peer', hops: 3, ticks: 4, learnedFrom: B, updatedAt: 0, changed: false })
  t.true(r.removePort('peer', 10))
  t.is(r.route(NB)!.hops, 16)
  t.true(r.route(NB)!.changed)
  t.is(r.route(0x77)!.hops, 16)
  t.true(r.removePort('local', 10))
  t.is(r.route(NA)!.port, null)
  t.is(r.route(NA)!.hops, 0)
  t.false(r.removePort('local', 10))
  t.false(r.deleteRoute(NA))
})

test('send(): out of a named port, or by route / broadcast', t => {
  const { r, local, peer } = routedA()
  t.true(r.send(datagram({ dst: [NB, Y, 1], src: [NA, A, 1] })))
  t.is(peer.length, 1)
  t.true(r.send(datagram({ dst: [NA, BCAST, 1], src: [NA, A, 1] })))
  t.is(local.length, 1)
  t.true(r.send(datagram({ dst: [0x55, 1, 1], src: [NA, A, 1] }), 'local'))
  t.false(r.send(datagram({ dst: [0x55, 1, 1], src: [NA, A, 1] })))
  t.false(r.send(datagram({ dst: [0x55, 1, 1], src: [NA, A, 1] }), 'nope'))
})

test('every datagram ends in exactly one counter (random bytes and headers, both modes)', t => {
  let runs = 0
  fc.assert(fc.property(
    fc.constantFrom('bridge', 'route'),
    fc.array(fc.tuple(fc.uint8Array({ minLength: 0, maxLength: 80 }), fc.constantFrom('local', 'peer', 'x'), fc.boolean()), { maxLength: 30 }),
    (mode, inputs) => {
      const r = new Router({ mode: mode as 'bridge' | 'route', network: NA, node: A })
      r.addPort({ id: 'local', kind: 'local', send: () => {} })
      r.addPort({ id: 'peer', kind: 'peer', send: () => {} })
      r.setRoute({ network: NB, port: 'peer', hops: 1, ticks: 1, learnedFrom: B, updatedAt: 0, changed: false })
      r.bind(0x0453, { handle: () => {} })
      for (const [bytes, port, fixLength] of inputs) {
        const d = Buffer.from(bytes)
        if (fixLength && d.length >= 30) d.writeUInt16BE(d.length, 2)
        r.forward(d, port, 0)
      }
      runs++
      const c = r.counters
      return c.received === inputs.length && c.delivered + c.totalDropped() === c.received
    }), { numRuns: 200 })
  t.true(runs >= 200)
})
