/**
 * Issue 16 on real loopback sockets: the classroom topology (docs/topologies/classroom.json) run by
 * `ipxlab lab --topology FILE --cut A-B` (runTopologyLab, nodes on 127.0.27.x, ephemeral ports,
 * RIP and SAP every 300 ms). Cutting HQ-BRANCH re-converges by CORE: the hop counts are the new
 * path lengths, HQ's server reappears at BRANCH one hop further, a datagram crosses three routers;
 * mending the link brings the direct path back. Cutting BRANCH-REMOTE makes REMOTE's network
 * unreachable and its server disappear everywhere, and a datagram for it is refused at the first
 * router. The times measured are printed (t.log) and by the lab itself.
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import path from 'node:path'
import { ROOT } from '../_env.js'
import type { IpxNode } from '../../src/node/node.js'
import { TestClient, until } from '../transport/_dosbox-client.js'
import { data } from './_two-nodes.js'
import { topologyLab } from './_topology-lab.js'
import type { RunningLab } from './_topology-lab.js'
import { runCli } from '../_cli.js'

const CLASSROOM = path.join(ROOT, 'docs', 'topologies', 'classroom.json')
const [HQ, BRANCH, REMOTE] = [0xc001, 0xc004, 0xc005]

/** The classroom with `--cut`, RIP and SAP every 300 ms. */
async function classroom (t: ExecutionContext, cut: string, subnet: number): Promise<RunningLab> {
  return await topologyLab(t, CLASSROOM, subnet, { updateIntervalS: 0.3, cut })
}

async function clientOf (t: ExecutionContext, n: IpxNode): Promise<TestClient> {
  const c = await TestClient.open(n.address().port, n.config.listen.host)
  t.teardown(async () => { await c.close() })
  if (await c.register() === undefined) throw new Error(`no registration ack from ${n.config.name}`)
  c.clear()
  return c
}

function portTo (n: IpxNode): string {
  return `peer:udp:${n.config.listen.host}:${n.config.listen.port}`
}

test('cut HQ-BRANCH on real sockets: re-converged by CORE (HQ to BRANCH 2 hops, to REMOTE 3), HQ\'s server 2 hops from BRANCH, a datagram crosses HQ, CORE and BRANCH; mended, the direct path returns', async t => {
  t.timeout(60_000)
  const lab = await classroom(t, 'HQ-BRANCH', 27)
  const [hq, core, branch] = ['HQ', 'CORE', 'BRANCH'].map(n => lab.nodes.get(n)!) as [IpxNode, IpxNode, IpxNode]
  const times = await lab.times
  t.not(times.routesMs, undefined, lab.text())
  t.not(times.serversMs, undefined, lab.text())
  t.log(`real sockets, RIP every 300 ms: converged ${Math.round(times.convergedMs)} ms after the links came up; after the cut, routes ${Math.round(times.routesMs!)} ms, servers ${Math.round(times.serversMs!)} ms`)
  t.like(hq.router.route(BRANCH), { hops: 2, port: portTo(core) })
  t.like(hq.router.route(REMOTE), { hops: 3, port: portTo(core) })
  t.like(branch.router.route(HQ), { hops: 2, port: portTo(core) })
  t.is(branch.stats().services.find(s => s.name === 'FS1')?.hops, 2, 'SAP followed: HQ\'s file server by CORE, one hop more')
  t.regex(lab.text(), /^cut HQ - BRANCH; route changes, in ms after the cut:$/m)
  t.regex(lab.text(), /^ {2}\+ *\d+ ms {2}HQ +0000C004 {2}1 hop via BRANCH -> 16 hops \(unreachable\)$/m)
  t.regex(lab.text(), /^ {2}\+ *\d+ ms {2}HQ +0000C004 {2}16 hops \(unreachable\) -> 2 hops via CORE$/m)
  t.regex(lab.text(), /^re-converged \d+ ms after the cut on real sockets/m)

  // `ipxlab stats` against BRANCH's status API: its tables as NetWare's console showed them.
  const stats = await runCli(['stats', '--node', `${branch.config.snpListen.host}:${branch.api!.port}`])
  t.is(stats.code, 0, stats.stderr)
  t.regex(stats.stdout, /^routes \(5\), as DISPLAY NETWORKS\n {2}0000C001 2\/\d+ +0000C002 1\/\d+ +0000C003 2\/\d+ +0000C004 0\/0 +0000C005 1\/\d+\n {2}There are 5 known networks$/m)
  t.regex(stats.stdout, new RegExp(`^ {2}0000C001 via ${core.config.listen.host.replaceAll('.', '\\.')}:${core.config.listen.port} `, 'm'), 'HQ\'s network by CORE')
  t.regex(stats.stdout, /^services \(5\), as DISPLAY SERVERS\n {2}BRANCH 0 +CORE +1 +FS1 +2 +GAMES +2 +REMOTE 1\n {2}There are 5 known servers$/m)

  const x = await clientOf(t, hq)
  const z = await clientOf(t, branch)
  const forwarded = core.router.stats.forwarded
  await x.sendTo(z.node, Buffer.from('round the cut'), { dstNetwork: BRANCH })
  t.true(await until(() => data(z).some(d => d.subarray(30).toString() === 'round the cut'), 5000), 'delivered by the other path')
  t.is(data(z).find(d => d.subarray(30).toString() === 'round the cut')![4], 3, 'transport control 3: HQ, CORE and BRANCH')
  t.true(core.router.stats.forwarded > forwarded, 'CORE carried it')

  t.true(hq.restorePeer(`${branch.config.listen.host}:${branch.config.listen.port}`))
  t.true(branch.restorePeer(`${hq.config.listen.host}:${hq.config.listen.port}`))
  t.false(hq.restorePeer(`${branch.config.listen.host}:${branch.config.listen.port}`), 'not cut any more')
  t.true(await until(() => hq.router.route(BRANCH)?.hops === 1 && hq.router.route(BRANCH)?.port === portTo(branch), 10_000), 'mended: HQ reaches BRANCH directly again')
  t.true(await until(() => branch.stats().services.find(s => s.name === 'FS1')?.hops === 1, 10_000), 'and its server one hop away')
  t.is(await lab.stop(), 0)
})

test('cut BRANCH-REMOTE on real sockets: REMOTE\'s network unreachable and its server gone at every other router; a datagram for it is refused at HQ as unknown_destination', async t => {
  t.timeout(60_000)
  const lab = await classroom(t, 'BRANCH-REMOTE', 28)
  const times = await lab.times
  t.not(times.serversMs, undefined, lab.text())
  t.log(`real sockets: REMOTE unreachable everywhere ${Math.round(times.routesMs!)} ms after the cut, its server gone ${Math.round(times.serversMs!)} ms after`)
  for (const name of ['HQ', 'CORE', 'GAMES', 'BRANCH']) {
    const n = lab.nodes.get(name)!
    t.true((n.router.route(REMOTE)?.hops ?? 16) >= 16, `${name}: REMOTE's network unreachable`)
    t.false(n.stats().services.some(s => s.name === 'REMOTE'), `${name}: REMOTE's server gone`)
  }
  const hq = lab.nodes.get('HQ')!
  const x = await clientOf(t, hq)
  const before = hq.router.counters.dropped.unknown_destination
  await x.sendTo(0x020000000001, Buffer.from('to the cut-off stub'), { dstNetwork: REMOTE })
  t.true(await until(() => hq.router.counters.dropped.unknown_destination > before, 5000), 'counted, not forwarded')
  t.is(await lab.stop(), 0)
  t.regex(lab.text(), /^HQ: DISPLAY SERVERS\n {2}BRANCH 1 +CORE +1 +FS1 +0 +GAMES +2\n {2}There are 4 known servers$/m, 'the final tables, as DISPLAY SERVERS')
})
