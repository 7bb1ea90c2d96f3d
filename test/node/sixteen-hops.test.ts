/**
 * Issue 16: a network 16 hops away is unreachable, on real loopback sockets. A chain of 17 routers
 * (docs/topologies/sixteen-hops.json: R1 ... R17): R16 holds R1's network at 15 hops and uses it
 * (a datagram arrives with transport control 16); R16 never offers it to R17, which would count 16
 * (FreeBSD IPXrouted `supply`: "We don't advertize routes with more than 15 hops"), so R17 has no
 * route and a datagram for R1's network is refused at R17 and never forwarded. Cutting R1-R2, R2
 * announces R1's network with 16 hops (unreachable) on the wire and the poison runs down the chain.
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import path from 'node:path'
import * as rip from '../../protocol/rip.js'
import { Socket } from '../../protocol/constants.js'
import { ROOT } from '../_env.js'
import { TestClient, until } from '../transport/_dosbox-client.js'
import { data } from './_two-nodes.js'
import { topologyLab } from './_topology-lab.js'
import { hopsTo, internetwork } from './_internetwork.js'
import type { LabNode } from './_internetwork.js'

const CHAIN = path.join(ROOT, 'docs', 'topologies', 'sixteen-hops.json')
const NETWORKS = Array.from({ length: 17 }, (_, i) => 0xd001 + i)

async function clientOf (t: ExecutionContext, n: LabNode): Promise<TestClient> {
  const c = await TestClient.open(n.port, n.host)
  t.teardown(async () => { await c.close() })
  if (await c.register() === undefined) throw new Error(`no registration ack from ${n.name}`)
  c.clear()
  return c
}

/** The RIP entries in what `from` handed the link to `to`. */
function ripEntries (from: LabNode, to: LabNode): rip.RipEntry[] {
  return from.sentTo.get(`${to.host}:${to.port}`)!
    .filter(d => d[5] === 1 && d.readUInt16BE(16) === Socket.Rip)
    .map(d => rip.decode(d, 30)).filter(m => m.operation === rip.RipOperation.Response).flatMap(m => m.entries)
}

test('a chain of 17 routers: R1\'s network is 15 hops from R16 and used there; R16 never offers it to R17, which has no route; a datagram for it is refused at R17; cut R1-R2 and R2 announces 16 (unreachable)', async t => {
  t.timeout(90_000)
  const lab = await internetwork(t, NETWORKS, NETWORKS.slice(1).map((_, i) => [i, i + 1] as [number, number]))
  const [r1, r2, r3] = lab as [LabNode, LabNode, LabNode]
  const r16 = lab[15]!
  const r17 = lab[16]!
  t.true(await until(() => hopsTo(r16, NETWORKS[0]!) === 15 && hopsTo(r17, NETWORKS[1]!) === 15, 30_000), 'RIP carried R1\'s network 15 hops, and R2\'s to R17')
  // At least two more periodic updates (300 ms each, 15 entries) on the last link: the farthest offers are settled.
  const mark = ripEntries(r16, r17).length
  t.true(await until(() => ripEntries(r16, r17).length >= mark + 2 * 15, 10_000))
  const toR17 = ripEntries(r16, r17)
  t.false(toR17.some(e => e.network === NETWORKS[0]), 'R16 never offered R1\'s network to R17: it would be 16 hops there')
  t.true(toR17.some(e => e.network === NETWORKS[1] && e.hops === 15), 'R2\'s network is offered at 15, the most a route may have')
  t.is(hopsTo(r17, NETWORKS[0]!), 16, 'R17 has no usable route to R1\'s network')

  const x = await clientOf(t, r1)
  const y = await clientOf(t, r16)
  const z = await clientOf(t, r17)
  t.true(await until(() => hopsTo(r1, NETWORKS[15]!) === 15, 10_000), 'R1 holds R16\'s network at 15 hops')
  await x.sendTo(y.node, Buffer.from('fifteen hops'), { dstNetwork: NETWORKS[15]! })
  t.true(await until(() => data(y).some(d => d.subarray(30).toString() === 'fifteen hops'), 10_000), 'R1 to R16: the 15-hop route is used')
  t.is(data(y).find(d => d.subarray(30).toString() === 'fifteen hops')![4], 16, 'transport control 16: sixteen routers crossed, the most allowed')
  const refused = r17.node.router.counters.dropped.unknown_destination
  await z.sendTo(x.node, Buffer.from('sixteen hops'), { dstNetwork: NETWORKS[0]! })
  t.true(await until(() => r17.node.router.counters.dropped.unknown_destination > refused, 5000), 'refused at R17, counted')
  t.false(data(x).some(d => d.subarray(30).toString() === 'sixteen hops'), 'and never arrived')

  // Cut R1-R2: R2 poisons R1's network, and says so with 16 hops on the wire.
  const before = ripEntries(r2, r3).length
  t.true(r1.node.cutPeer(`${r2.host}:${r2.port}`))
  t.true(r2.node.cutPeer(`${r1.host}:${r1.port}`))
  t.true(await until(() => ripEntries(r2, r3).slice(before).some(e => e.network === NETWORKS[0] && e.hops === 16), 5000), 'R2 announced R1\'s network with 16 hops')
  t.true(await until(() => hopsTo(r16, NETWORKS[0]!) >= 16, 10_000), 'the poison reached R16')
})

test('ipxlab lab --topology docs/topologies/sixteen-hops.json: R17\'s DISPLAY NETWORKS lists 16 networks, not R1\'s', async t => {
  t.timeout(90_000)
  const lab = await topologyLab(t, CHAIN, 29, { updateIntervalS: 0.3 })
  const nodes = lab.list
  t.is(nodes.length, 17, 'the chain came up')
  const last = nodes[16]!
  t.true(await until(() => last.router.route(NETWORKS[1]!)?.hops === 15 && nodes[0]!.router.route(NETWORKS[15]!)?.hops === 15, 30_000), 'converged end to end')
  t.is(await lab.stop(), 0)
  const text = lab.text()
  t.regex(text, /^R17 \(network 0000D011\): DISPLAY NETWORKS\n(?: {2}.*\n)*? {2}There are 16 known networks$/m)
  const r17 = text.slice(text.indexOf('R17 (network 0000D011)'))
  t.notRegex(r17.slice(0, r17.indexOf('R17: DISPLAY SERVERS')), /0000D001/, 'R1\'s network, 16 hops away, is not in R17\'s table')
  t.regex(r17, /0000D002 15\/\d+ /, 'R2\'s, 15 hops away, is')
})
