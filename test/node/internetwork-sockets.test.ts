/**
 * Issue 16 on real loopback sockets: route-mode nodes with several peers relay one peer's frames to
 * another by the routing table; RIP carries hop counts across routers with split horizon on the
 * wire; SAP's hop count grows by one per router; when a router stops, the routes re-converge by the
 * other path. Nodes on 127.0.16.x, ephemeral ports (test/node/_internetwork.ts).
 */
import test from 'ava'
import * as rip from '../../protocol/rip.js'
import { Socket } from '../../protocol/constants.js'
import { TestClient, until } from '../transport/_dosbox-client.js'
import { data } from './_two-nodes.js'
import { hopsTo, internetwork, portTo } from './_internetwork.js'
import type { LabNode } from './_internetwork.js'

const NA = 0x1600000a, NB = 0x1600000b, NC = 0x1600000c, ND = 0x1600000d

async function clientOf (t: Parameters<typeof internetwork>[0], n: LabNode): Promise<TestClient> {
  const c = await TestClient.open(n.port, n.host)
  t.teardown(async () => { await c.close() })
  if (await c.register() === undefined) throw new Error(`no registration ack from ${n.name}`)
  c.clear()
  return c
}

test('a chain A–B–C in route mode: C\'s route to A is 2 hops through B, a DOSBox-protocol client on A reaches one on C, and SAP shows A\'s server 2 hops away at C', async t => {
  t.timeout(30_000)
  const [a, b, c] = await internetwork(t, [NA, NB, NC], [[0, 1], [1, 2]])
  t.true(await until(() => hopsTo(c!, NA) < 16 && hopsTo(a!, NC) < 16, 5000), 'the routes crossed B')
  t.is(hopsTo(c!, NA), 2)
  t.is(c!.node.router.route(NA)?.port, portTo(b!))
  t.is(hopsTo(a!, NC), 2)
  t.true(await until(() => c!.node.stats().services.some(s => s.name === 'NODE-A'), 5000), 'A\'s file server reached C')
  t.is(c!.node.stats().services.find(s => s.name === 'NODE-A')?.hops, 2, 'SAP: one hop more at each router (A 0, B 1, C 2)')

  const x = await clientOf(t, a!)
  const z = await clientOf(t, c!)
  await x.sendTo(z.node, Buffer.from('from A to C'), { dstNetwork: NC })
  t.true(await until(() => data(z).length >= 1, 5000), 'the datagram crossed A, B and C')
  const got = data(z)[0]!
  t.is(got.readUInt32BE(18), NA, 'the source network was filled in by A')
  t.is(got[4], 3, 'transport control: one per router crossed (A, B, C)')
  t.is(got.subarray(30).toString(), 'from A to C')
  await z.sendTo(x.node, Buffer.from('and back'), { dstNetwork: NA })
  t.true(await until(() => data(x).some(d => d.subarray(30).toString() === 'and back'), 5000), 'the answer came back the same way')
  t.true(b!.node.router.stats.forwarded >= 2, 'B relayed between its two peers')
  for (const n of [a!, b!, c!]) t.is(n.node.router.counters.totalDropped(), 0, `${n.name}: nothing dropped in the router`)
})

/** The networks in the RIP responses among `sent` (reachable entries only). */
function advertised (sent: Buffer[]): Set<number> {
  const out = new Set<number>()
  for (const d of sent) {
    if (d[5] !== 1 || d.readUInt16BE(16) !== Socket.Rip) continue
    const m = rip.decode(d, 30)
    if (m.operation !== rip.RipOperation.Response) continue
    for (const e of m.entries) if (e.hops < 16) out.add(e.network)
  }
  return out
}

test('split horizon on the wire: a router never advertises a route back out of the link it learned it on', async t => {
  t.timeout(30_000)
  const [a, b, c] = await internetwork(t, [NA, NB, NC], [[0, 1], [1, 2]])
  t.true(await until(() => hopsTo(a!, NC) < 16 && hopsTo(c!, NA) < 16, 5000))
  const sent = (from: LabNode, to: LabNode): Buffer[] => from.sentTo.get(`${to.host}:${to.port}`)!
  // Let every node run at least two periodic updates after convergence (interval 300 ms).
  const mark = sent(b!, a!).length
  t.true(await until(() => sent(b!, a!).length >= mark + 2 && sent(b!, c!).length >= mark + 2, 5000))
  t.deepEqual([...advertised(sent(b!, a!))].sort(), [NB, NC], 'B to A: its own network and C\'s, never A\'s')
  t.deepEqual([...advertised(sent(b!, c!))].sort(), [NA, NB], 'B to C: never C\'s')
  t.deepEqual([...advertised(sent(a!, b!))], [NA], 'A to B: only its own network (B and C are learned from B)')
  t.deepEqual([...advertised(sent(c!, b!))], [NC])
  // The hop counts on the wire are the stored ones plus one.
  const bToA = sent(b!, a!).filter(d => d[5] === 1 && d.readUInt16BE(16) === Socket.Rip).flatMap(d => rip.decode(d, 30).entries)
  t.true(bToA.some(e => e.network === NC && e.hops === 2), 'B advertises C\'s network at 2 hops')
})

test('a triangle A–B–C plus D on B and C: stopping the router a route goes through re-converges it by the other path', async t => {
  t.timeout(40_000)
  const lab = await internetwork(t, [NA, NB, NC, ND], [[0, 1], [0, 2], [1, 2], [1, 3], [2, 3]])
  const [a, b, c, d] = lab as [LabNode, LabNode, LabNode, LabNode]
  t.true(await until(() => hopsTo(a, ND) === 2 && hopsTo(d, NA) === 2, 5000), 'A and D are two hops apart')
  const x = await clientOf(t, a)
  const w = await clientOf(t, d)
  await x.sendTo(w.node, Buffer.from('before'), { dstNetwork: ND })
  t.true(await until(() => data(w).length >= 1, 5000))
  const via = a.node.router.route(ND)!.port
  const [gone, other] = via === portTo(b) ? [b, c] : [c, b]
  t.is(via, portTo(gone))
  const started = performance.now()
  await gone.node.stop()
  t.true(await until(() => a.node.router.route(ND)?.port === portTo(other) && hopsTo(a, ND) === 2 &&
    d.node.router.route(NA)?.port === portTo(other) && hopsTo(d, NA) === 2, 10_000), `A's route to D moved from ${gone.name} to ${other.name}`)
  t.log(`re-converged by ${other.name} in ${Math.round(performance.now() - started)} ms on real sockets (RIP interval 300 ms)`)
  t.true(await until(() => hopsTo(a, gone.network) >= 16, 10_000), `${gone.name}'s own network is unreachable from A`)
  w.clear()
  await x.sendTo(w.node, Buffer.from('after'), { dstNetwork: ND })
  t.true(await until(() => data(w).some(p => p.subarray(30).toString() === 'after'), 5000), 'the datagram takes the other path')
  t.is(data(w).find(p => p.subarray(30).toString() === 'after')![4], 3)
  t.true(other.node.router.stats.forwarded >= 1)
})

test('bridge mode with bridgeRelay, a chain A–B–C: a broadcast from a client on A reaches C\'s client once, unchanged, and the answer comes back', async t => {
  t.timeout(30_000)
  const [a, , c] = await internetwork(t, [1, 1, 1], [[0, 1], [1, 2]], { mode: 'bridge', bridgeRelay: true })
  const x = await clientOf(t, a!)
  const z = await clientOf(t, c!)
  const hello = await x.sendTo(0xffffffffffff, Buffer.from('hello across two bridges'))
  t.true(await until(() => data(z).length >= 1, 5000), 'the broadcast crossed B')
  t.deepEqual(data(z)[0], hello, 'byte-exact: a bridge changes nothing, transport control included')
  await z.sendTo(x.node, Buffer.from('answer'))
  t.true(await until(() => data(x).some(d => d.subarray(30).toString() === 'answer'), 5000), 'the unicast went back by the learned ports')
  t.is(data(z).length, 1, 'once')
})

test('bridge mode without bridgeRelay (the default), a chain A–B–C: B keeps A\'s frames to its own segment, so C hears nothing', async t => {
  t.timeout(30_000)
  const [a, b, c] = await internetwork(t, [1, 1, 1], [[0, 1], [1, 2]], { mode: 'bridge' })
  const x = await clientOf(t, a!)
  const z = await clientOf(t, c!)
  await x.sendTo(0xffffffffffff, Buffer.from('hello'))
  t.true(await until(() => b!.node.router.learnedPort(x.node, performance.now()) !== undefined, 5000), 'B got it (it learned X\'s node from it)')
  t.false(await until(() => data(z).length > 0, 300), 'and did not pass it to C')
})
