/**
 * Issue 16 on a virtual clock: the classroom topology's real routers, RIP and SAP services driven
 * by src/node/rip-simulation.ts. A cut HQ-BRANCH re-converges by CORE at CORE's next periodic
 * update (slow convergence, exactly computable); a cut BRANCH-REMOTE while HQ's update is on its
 * way counts to 16 around the HQ-CORE-BRANCH loop; the same cut between updates does not; SAP
 * follows the routes (a server behind the cut comes back at the other path's hop count, or goes).
 */
import test from 'ava'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { ROOT } from '../_env.js'
import { parseTopology, topologyConfigs } from '../../src/node/topology.js'
import { expectedHops, simulateCut } from '../../src/node/rip-simulation.js'
import type { SimLink, SimulationResult } from '../../src/node/rip-simulation.js'

const CLASSROOM = path.join(ROOT, 'docs', 'topologies', 'classroom.json')
const topology = parseTopology(JSON.parse(readFileSync(CLASSROOM, 'utf8')))
const nodes = topologyConfigs(topology, { subnet: 0, port: 2644, snpPort: 2629 }).configs
const links: SimLink[] = topology.links.map(l => l.between)
const net = (name: string): number => nodes.find(n => n.name === name)!.network
const INTERVAL = 60_000

function finalRoute (r: SimulationResult, at: string, to: string): { hops: number, via: string | null } | undefined {
  return r.rounds.at(-1)!.routes.get(at)!.find(x => x.network === net(to))
}

function serverHops (r: SimulationResult, round: number, at: string, name: string): number | undefined {
  return r.rounds[round]!.servers.get(at)!.find(s => s.name === name)?.hops
}

test('expected hops are the shortest paths of the classroom: HQ reaches BRANCH directly (1) and REMOTE in 2; without HQ-BRANCH, by CORE (2, 3)', t => {
  const before = expectedHops(nodes, links)
  t.is(before.get('HQ')!.get(net('BRANCH')), 1)
  t.is(before.get('HQ')!.get(net('REMOTE')), 2)
  t.is(before.get('GAMES')!.get(net('REMOTE')), 3)
  const after = expectedHops(nodes, links.filter(([a, b]) => !(a === 'HQ' && b === 'BRANCH')))
  t.is(after.get('HQ')!.get(net('BRANCH')), 2)
  t.is(after.get('HQ')!.get(net('REMOTE')), 3)
  const stub = expectedHops(nodes, links.filter(([a, b]) => !(a === 'BRANCH' && b === 'REMOTE')))
  t.is(stub.get('HQ')!.get(net('REMOTE')), 16, 'REMOTE is a stub: cut off, unreachable')
})

test('expected paths follow ticks before hops: with HQ-BRANCH a 4-tick modem, HQ reaches BRANCH by CORE (2 hops, 2 ticks), as the routers choose; a tie in ticks goes to fewer hops', t => {
  const modem = (a: string, b: string): number => [a, b].sort().join(' ') === 'BRANCH HQ' ? 4 : 1
  const slow = expectedHops(nodes, links, modem)
  t.is(slow.get('HQ')!.get(net('BRANCH')), 2)
  t.is(slow.get('BRANCH')!.get(net('HQ')), 2)
  t.is(slow.get('REMOTE')!.get(net('HQ')), 3)
  const tie = expectedHops(nodes, links, (a, b) => [a, b].sort().join(' ') === 'BRANCH HQ' ? 2 : 1)
  t.is(tie.get('HQ')!.get(net('BRANCH')), 1, 'direct (2 ticks, 1 hop) beats by CORE (2 ticks, 2 hops)')
  const r = simulateCut({ nodes, links, cut: ['CORE', 'BRANCH'], ticksOf: modem })
  t.deepEqual(finalRoute(r, 'HQ', 'BRANCH'), { network: net('BRANCH'), hops: 1, ticks: 4, via: 'BRANCH' }, 'after the cut, the modem is the only way')
})

test('cut HQ-BRANCH on the virtual clock: the routes wait for CORE\'s next periodic update, then go by CORE with one hop more; SAP follows', t => {
  const r = simulateCut({ nodes, links, cut: ['HQ', 'BRANCH'] })
  t.true(r.convergedBeforeCut)
  // Poisoned at once at both ends of the cut ...
  const first = r.changes.filter(c => c.atMs === r.cutAtMs)
  t.deepEqual(first.map(c => `${c.node} ${c.network.toString(16)} ${c.to?.hops}`).sort(), ['BRANCH c001 16', 'HQ c004 16', 'HQ c005 16'])
  // ... and repaired only when CORE, the router with the other path, next sends its full table:
  // HQ's poison changed nothing at CORE (its routes to BRANCH and REMOTE go direct), so CORE sends
  // no triggered update, and nothing asks it for one.
  const coreStart = r.starts.get('CORE')!
  const coreNext = coreStart + Math.ceil((r.cutAtMs - coreStart) / INTERVAL) * INTERVAL
  t.is(r.convergedAfterMs, coreNext - r.cutAtMs + 2 * r.delayMs, 'CORE\'s update, one link to HQ and BRANCH, one more to REMOTE')
  t.true(r.convergedAfterMs! > 1000, `slow convergence: ${r.convergedAfterMs} ms of virtual time`)
  t.deepEqual(finalRoute(r, 'HQ', 'BRANCH'), { network: net('BRANCH'), hops: 2, ticks: 2, via: 'CORE' })
  t.deepEqual(finalRoute(r, 'HQ', 'REMOTE'), { network: net('REMOTE'), hops: 3, ticks: 3, via: 'CORE' })
  t.deepEqual(finalRoute(r, 'REMOTE', 'HQ'), { network: net('HQ'), hops: 3, ticks: 3, via: 'BRANCH' })
  t.is(r.countedTo.size, 0, 'no count to 16')
  // SAP: HQ's file server at BRANCH was 1 hop (direct), went with the port at the cut, and came
  // back at 2 hops, by CORE, with CORE's update.
  t.is(serverHops(r, 0, 'BRANCH', 'FS1'), undefined)
  t.is(serverHops(r, 1, 'BRANCH', 'FS1'), 2, 'within one update interval, not after SAP\'s 5-interval expiry: the servers learned on the lost port went down with it')
  t.is(serverHops(r, 1, 'HQ', 'REMOTE'), 3)
  t.is(r.lostOnCut, 0)
})

test('cut BRANCH-REMOTE between updates: poisoned everywhere within two link delays, REMOTE\'s server gone, no count to 16', t => {
  const r = simulateCut({ nodes, links, cut: ['BRANCH', 'REMOTE'] })
  t.true(r.convergedBeforeCut)
  t.is(r.convergedAfterMs, 2 * r.delayMs, 'BRANCH to HQ and CORE, CORE to GAMES')
  t.is(r.countedTo.size, 0)
  for (const at of ['HQ', 'CORE', 'GAMES', 'BRANCH']) t.is(serverHops(r, 1, at, 'REMOTE'), undefined, `${at} no longer lists REMOTE`)
  for (const at of ['HQ', 'CORE', 'GAMES', 'BRANCH']) t.is(finalRoute(r, at, 'REMOTE'), undefined, `${at} forgot REMOTE's network after the garbage time`)
})

test('cut BRANCH-REMOTE 5 ms before HQ\'s periodic update: HQ\'s stale offer races the poison and REMOTE\'s network counts to 16 around HQ, CORE and BRANCH', t => {
  const hq = r0Start('HQ')
  const cutAtMs = hq + 3 * INTERVAL - 5
  const r = simulateCut({ nodes, links, cut: ['BRANCH', 'REMOTE'], cutAtMs })
  t.true(r.convergedBeforeCut)
  const remote = net('REMOTE')
  // The finite hop counts any router took for REMOTE's network after the cut, in time order.
  const offers = r.changes.filter(c => c.network === remote && c.to !== undefined && c.to.hops < 16 && ['HQ', 'CORE', 'BRANCH'].includes(c.node))
  t.deepEqual(offers.map(c => c.to!.hops), [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], 'one hop more at each router of the loop')
  t.deepEqual(offers.slice(0, 3).map(c => `${c.node} via ${c.to!.via}`), ['CORE via HQ', 'BRANCH via CORE', 'HQ via BRANCH'], 'around the loop: HQ to CORE to BRANCH to HQ')
  t.is(r.countedTo.get(remote), 15)
  t.not(r.convergedAfterMs, undefined)
  t.true(r.convergedAfterMs! >= 13 * r.delayMs, `the count took ${r.convergedAfterMs} ms of virtual time, a link delay per hop`)
  for (const at of ['HQ', 'CORE', 'GAMES', 'BRANCH']) t.true((r.rounds[1]!.routes.get(at)!.find(x => x.network === remote)?.hops ?? 16) >= 16, `${at}: unreachable at the next round`)
})

test('the same cut 5 ms after HQ\'s update: the poison arrives first and nothing counts', t => {
  const r = simulateCut({ nodes, links, cut: ['BRANCH', 'REMOTE'], cutAtMs: r0Start('HQ') + 3 * INTERVAL + 5 })
  t.is(r.countedTo.size, 0)
  t.is(r.convergedAfterMs, 2 * r.delayMs)
})

test('a link the topology does not have is refused', t => {
  t.throws(() => simulateCut({ nodes, links, cut: ['HQ', 'REMOTE'] }), { message: /no link HQ - REMOTE/ })
})

/** A node's start time on the simulation's schedule (node i at i × interval / n). */
function r0Start (name: string): number {
  return nodes.findIndex(n => n.name === name) * INTERVAL / nodes.length
}
