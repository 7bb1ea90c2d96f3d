/**
 * The internetwork scale benchmark (scripts/bench-internetwork.ts, issue 16 part 4) cannot rot
 * unseen: its topology generator makes a topology that `parseTopology` and `topologyConfigs`
 * accept, of the shape the benchmark's figures assume (a spine of L hops, a detour beside each
 * spine link, no shortcut, branch to branch below 16 hops), and one short run of the harness on
 * real loopback sockets at 6 routers converges, carries frames on both paths and re-converges
 * after the cut. Nothing here is timed: the figures are the benchmark's.
 */
import test from 'ava'
import { parseTopology, topologyConfigs } from '../../src/node/topology.js'
import { cutLink, distances, runInternetworkBench, spineTopology, tickCost } from '../../scripts/_internetwork.js'

test('the generator: 50 routers on a 10-hop spine, every detour one hop longer, no shortcut, within RIP\'s 16 hops, a valid topology', t => {
  const raw = spineTopology({ nodes: 50, spine: 10 })
  const topology = parseTopology(raw)
  const lab = topologyConfigs(topology, { subnet: 60, port: 2644, snpPort: 2629 })
  t.is(lab.configs.length, 50)
  t.is(new Set(lab.configs.map(c => c.network)).size, 50, 'one network per router')
  const names = topology.nodes.map(n => n.name)
  const at = (name: string): number => names.indexOf(name)
  const d = distances(topology)
  t.is(d[at('S0')]![at('S1')], 1, 'the 1-hop path')
  t.is(d[at('S0')]![at('S10')], 10, 'the long path is 10 hops: the detours and branches make no shortcut')
  t.true(d.every(row => row.every(x => x < 16)), 'every router reaches every network below 16 hops')
  t.true(Math.max(...d.flat()) >= 11, 'branches hang off the spine ends')
  const cut = cutLink(10)
  t.deepEqual(cut, ['S5', 'S6'])
  const after = distances(topology, cut)
  t.is(after[at('S5')]![at('S6')], 2, 'the cut spine link has its detour')
  t.is(after[at('S0')]![at('S10')], 11, 'the long path is one hop longer after the cut, not broken')
  t.true(after.every(row => row.every(x => x < 16)), 'nothing is cut off')
  // Loops: more links than a tree of 50 nodes has.
  t.true(topology.links.length > 49)
  t.throws(() => spineTopology({ nodes: 20, spine: 10 }), { instanceOf: RangeError })
  t.throws(() => spineTopology({ nodes: 50, spine: 15 }), { instanceOf: RangeError })
})

test('the tick measurement sees the tables it was given, and a tick costs something', t => {
  const c = tickCost(6, 200)
  t.is(c.routes, 7, 'six learned routes and the node\'s own network')
  t.is(c.servers, 6)
  t.true(c.tickNs > 0 && c.passNs > 0)
})

test('a short run of the harness at 6 routers on loopback: converges, carries frames on both paths without loss, re-converges after the cut', async t => {
  t.timeout(60_000)
  const r = await runInternetworkBench({
    nodes: 6, spine: 2, intervalMs: 300, frames: 200, window: 50, samples: 5, stallMs: 5000, rounds: 1, steadyMs: 600, subnet: 61, limitMs: 20_000
  })
  t.is(r.nodes, 6)
  t.is(r.links, 7)
  t.true(Number.isFinite(r.convergeMs) && Number.isFinite(r.sapConvergeMs), 'RIP and SAP converged')
  t.true(r.updates.sentPerS > 0 && r.updates.receivedPerS > 0, 'RIP and SAP ran at steady state')
  t.true(r.updates.ripSentPerS > 0 && r.updates.sapSentPerS > 0)
  t.is(r.frames.hops, 2)
  t.is(r.frames.oneHop.lost, 0, 'every frame of the 1-hop path arrived')
  t.is(r.frames.long.lost, 0, 'every frame of the long path arrived')
  t.true(r.frames.oneHop.pps > 0 && r.frames.long.pps > 0)
  t.true(Number.isFinite(r.frames.oneHop.p50Us) && Number.isFinite(r.frames.long.p50Us))
  t.is(r.routerDrops, 0, 'nothing dropped in any router before the cut')
  t.deepEqual(r.cut.link, ['S1', 'S2'])
  t.true(r.cut.routesMoved > 0, 'the cut moved routes')
  t.true(Number.isFinite(r.cut.convergeMs) && r.cut.updatesSent > 0, 'every table re-converged, by updates sent for it')
})
