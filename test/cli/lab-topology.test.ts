/**
 * Issue 16: `ipxlab lab --topology FILE`. The bundled internetwork (docs/topologies/internetwork.json:
 * four routers, two paths between HQ and BRANCH) runs on real loopback sockets and converges; a bad
 * topology is one line naming the bad item and exit 2, before any node starts.
 */
import test from 'ava'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { ROOT } from '../_env.js'
import { runCli } from '../_cli.js'
import { runTopologyLab } from '../../src/cli/lab-topology.js'
import type { IpxNode } from '../../src/node/node.js'
import { freePort } from '../node/_two-nodes.js'
import { until } from '../transport/_dosbox-client.js'

const BUNDLED = path.join(ROOT, 'docs', 'topologies', 'internetwork.json')

test('the bundled internetwork runs in one process on 127.0.18.x: every link up, BRANCH two hops from HQ, tables printed at the end', async t => {
  t.timeout(30_000)
  const port = await freePort('127.0.18.1')
  const snpPort = await freePort('127.0.18.1')
  const out = new PassThrough()
  let text = ''
  out.on('data', (c: Buffer) => { text += c.toString() })
  const abort = new AbortController()
  let nodes: readonly IpxNode[] = []
  const run = runTopologyLab({ file: BUNDLED, subnet: 18, port, snpPort, signal: abort.signal, onRunning: (n) => { nodes = n } }, { stdout: out, stderr: new PassThrough() })
  t.true(await until(() => nodes.length === 4, 15_000), 'the lab came up')
  const [hq, , , branch] = nodes as [IpxNode, IpxNode, IpxNode, IpxNode]
  t.true(await until(() => branch.router.route(0xa001)?.hops === 2 && hq.router.route(0xa004)?.hops === 2, 10_000), 'RIP converged across the internetwork')
  t.true(await until(() => branch.stats().services.some(s => s.name === 'HQ' && s.hops === 2), 10_000), 'HQ\'s file server is two hops from BRANCH')
  abort.abort()
  t.is(await run, 0)
  t.regex(text, /4 nodes in route mode, 5 links/)
  t.regex(text, /HQ +network 0000A001 on 127\.0\.18\.1:\d+ \(IPXNET CONNECT 127\.0\.18\.1 \d+\)/)
  t.regex(text, /every link is up/)
  t.regex(text, /^BRANCH \(network 0000A004\): DISPLAY NETWORKS\n {2}0000A001 2\/\d+ /m, 'NetWare\'s network hops/ticks')
  t.regex(text, /^BRANCH: DISPLAY SERVERS\n.*\bHQ +2\b/m, 'HQ\'s server two hops from BRANCH')
  t.regex(text, /^ {2}0000A001 via (EAST|WEST) /m, 'next hops named by node')
  t.true(nodes.every(n => n.router.counters.totalDropped() === 0))
})

const bad: Array<[string, unknown, RegExp]> = [
  ['an unknown node', { nodes: [{ name: 'A', network: 1 }], links: [{ between: ['A', 'B'] }] }, /^ipxlab: topology\.links\[0\]: names B, which is not a node of the topology$/],
  ['a link to itself', { nodes: [{ name: 'A', network: 1 }], links: [{ between: ['A', 'A'] }] }, /^ipxlab: topology\.links\[0\]: links A to itself$/],
  ['a duplicate network', { nodes: [{ name: 'A', network: '0000000A' }, { name: 'B', network: 10 }] }, /^ipxlab: topology\.nodes\[1\]\.network: B has network 0000000A, as A does$/],
  ['a duplicate name', { nodes: [{ name: 'A', network: 1 }, { name: 'A', network: 2 }] }, /^ipxlab: topology\.nodes\[1\]\.name: A names another node too$/],
  ['a link given twice', { nodes: [{ name: 'A', network: 1 }, { name: 'B', network: 2 }], links: [{ between: ['A', 'B'] }, { between: ['B', 'A'] }] }, /^ipxlab: topology\.links\[1\]: links B and A again$/],
  ['a loop in bridge mode', { mode: 'bridge', nodes: [{ name: 'A' }, { name: 'B' }, { name: 'C' }, { name: 'D' }], links: [{ between: ['D', 'A'] }, { between: ['A', 'B'] }, { between: ['B', 'C'] }, { between: ['C', 'A'] }] }, /^ipxlab: topology\.links: bridge mode cannot carry a loop \(([ABC]) - [ABC] - [ABC] - \1\)/],
  ['a route-mode node without a network', { nodes: [{ name: 'A' }] }, /^ipxlab: topology\.nodes\[0\]\.network: A: network: is required in route mode/],
  ['a node network in bridge mode', { mode: 'bridge', nodes: [{ name: 'A', network: 5 }] }, /^ipxlab: topology\.nodes\[0\]\.network: is for route mode only/],
  ['a lab network in route mode', { network: 5, nodes: [{ name: 'A', network: 5 }] }, /^ipxlab: topology\.network: is for bridge mode only/],
  ['an unknown setting', { nodes: [{ name: 'A', network: 1, colour: 'red' }] }, /^ipxlab: topology\.nodes\[0\]\.colour: is not a known setting$/],
  ['not JSON', '{ nodes: ', /^ipxlab: topology: .* is not JSON/]
]

for (const [title, content, message] of bad) {
  test(`ipxlab lab --topology refuses ${title}: one line, exit 2`, async t => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-topology-'))
    t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
    const file = path.join(dir, 'lab.json')
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content))
    const r = await runCli(['lab', '--topology', file, '--port', '1'])
    t.is(r.code, 2)
    t.is(r.stderr.trim().split('\n').length, 1, r.stderr)
    t.regex(r.stderr.trim(), message)
    t.is(r.stdout, '', 'no node started')
  })
}

test('ipxlab lab --topology with options of the other scenarios, or a missing file: one line, exit 2', async t => {
  const r = await runCli(['lab', '--topology', BUNDLED, '--once'])
  t.is(r.code, 2)
  t.regex(r.stderr, /--topology runs a topology's nodes; --once is an option of the default or qos scenario/)
  const missing = await runCli(['lab', '--topology', '/nonexistent/lab.json'])
  t.is(missing.code, 2)
  t.regex(missing.stderr, /^ipxlab: topology: cannot read \/nonexistent\/lab\.json: ENOENT$/m)
})

test('a bridge-mode tree: every node on the topology\'s one network, relaying between its peers, each peer on its own loopback address', async t => {
  const { parseTopology, topologyConfigs } = await import('../../src/node/topology.js')
  const lab = topologyConfigs(parseTopology({ mode: 'bridge', network: 'CAFE', nodes: [{ name: 'A' }, { name: 'B' }, { name: 'C' }], links: [{ between: ['A', 'B'] }, { between: ['B', 'C'], transport: 'tcp' }] }), { subnet: 19, port: 5000, snpPort: 5001 })
  t.deepEqual(lab.configs.map(c => [c.name, c.mode, c.network, c.bridgeRelay, c.listen.host]), [['A', 'bridge', 0xcafe, true, '127.0.19.1'], ['B', 'bridge', 0xcafe, true, '127.0.19.2'], ['C', 'bridge', 0xcafe, true, '127.0.19.3']])
  t.deepEqual(lab.configs[1]!.peers.map(p => `${p.transport}://${p.address}`), ['udp://127.0.19.1:5000', 'tcp://127.0.19.3:5000'])
  t.is(lab.configs[1]!.peers[1]!.snp.port, 5001)
})
