/**
 * Issue 16: `ipxlab lab --topology FILE`. The bundled internetwork (docs/topologies/internetwork.json:
 * four routers, two paths between HQ and BRANCH) runs on real loopback sockets and converges; a bad
 * topology is one line naming the bad item and exit 2, before any node starts.
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { ROOT } from '../_env.js'
import { runCli } from '../_cli.js'
import { runTopologyLab } from '../../src/cli/lab-topology.js'
import type { IpxNode } from '../../src/node/node.js'
import { data, freePort } from '../node/_two-nodes.js'
import { TestClient, until } from '../transport/_dosbox-client.js'

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
  t.regex(text, /HQ +network 0000A001 on 127\.0\.18\.1:\d+, status http:\/\/127\.0\.18\.1:\d+\//)
  t.notRegex(text, /IPXNET CONNECT/, 'no node of it expects DOSBox clients (no `dosbox`)')
  t.regex(text, /every link is up/)
  t.regex(text, /^BRANCH \(network 0000A004\): DISPLAY NETWORKS\n {2}0000A001 2\/\d+ /m, 'NetWare\'s network hops/ticks')
  t.regex(text, /^BRANCH: DISPLAY SERVERS\n.*\bHQ +2\b/m, 'HQ\'s server two hops from BRANCH')
  t.regex(text, /^ {2}0000A001 via (EAST|WEST) /m, 'next hops named by node')
  t.true(nodes.every(n => n.router.counters.totalDropped() === 0))
})

const bad: Array<[string, unknown, RegExp]> = [
  ['an unknown node', { nodes: [{ name: 'A', network: 1 }], links: [{ between: ['A', 'B'] }] }, /^ipxlab: topology\.links\[0\]: names B, which is not a node of the topology \(lab\.json line 9\)$/],
  ['a link to itself', { nodes: [{ name: 'A', network: 1 }], links: [{ between: ['A', 'A'] }] }, /^ipxlab: topology\.links\[0\]: links A to itself \(lab\.json line 9\)$/],
  ['a duplicate network', { nodes: [{ name: 'A', network: '0000000A' }, { name: 'B', network: 10 }] }, /^ipxlab: topology\.nodes\[1\]\.network: B has network 0000000A, as A does \(lab\.json line 9\)$/],
  ['a duplicate name', { nodes: [{ name: 'A', network: 1 }, { name: 'A', network: 2 }] }, /^ipxlab: topology\.nodes\[1\]\.name: A names another node too \(lab\.json line 8\)$/],
  ['a link given twice', { nodes: [{ name: 'A', network: 1 }, { name: 'B', network: 2 }], links: [{ between: ['A', 'B'] }, { between: ['B', 'A'] }] }, /^ipxlab: topology\.links\[1\]: links B and A again \(lab\.json line 19\)$/],
  ['a loop in bridge mode', { mode: 'bridge', nodes: [{ name: 'A' }, { name: 'B' }, { name: 'C' }, { name: 'D' }], links: [{ between: ['D', 'A'] }, { between: ['A', 'B'] }, { between: ['B', 'C'] }, { between: ['C', 'A'] }] }, /^ipxlab: topology\.links: bridge mode cannot carry a loop \(([ABC]) - [ABC] - [ABC] - \1\)/],
  ['a route-mode node without a network', { nodes: [{ name: 'A' }] }, /^ipxlab: topology\.nodes\[0\]: A has no network: one is required in route mode, where each node is its own IPX network \(lab\.json line 3\)$/],
  ['a node network in bridge mode', { mode: 'bridge', nodes: [{ name: 'A', network: 5 }] }, /^ipxlab: topology\.nodes\[0\]\.network: is for route mode only/],
  ['a lab network in route mode', { network: 5, nodes: [{ name: 'A', network: 5 }] }, /^ipxlab: topology\.network: is for bridge mode only/],
  ['an unknown setting', { nodes: [{ name: 'A', network: 1, colour: 'red' }] }, /^ipxlab: topology\.nodes\[0\]\.colour: is not a known setting \(lab\.json line 6\)$/],
  ['not JSON', '{ nodes: ', /^ipxlab: topology: .* is not JSON/]
]

for (const [title, content, message] of bad) {
  test(`ipxlab lab --topology refuses ${title}: one line, exit 2`, async t => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-topology-'))
    t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
    const file = path.join(dir, 'lab.json')
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2))
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

/** Two nodes and a link whose settings are `link` (YAML flow mapping text); the link is on line 4. */
const yamlLab = (link: string, more = ''): string => `nodes:\n  - { name: A, network: 1 }\n  - { name: B, network: 2, dosbox: true }\nlinks:\n  - { between: [A, B], ${link} }\n${more}`

const badYaml: Array<[string, string, RegExp]> = [
  ['YAML that does not parse', 'nodes:\n  - { name: A, network: 1\nlinks: []\n', /^ipxlab: topology: .*lab\.yaml is not YAML: .* \(line \d\)$/],
  ['an unknown WAN profile', yamlLab('wan: isdn-65k'), /^ipxlab: topology\.links\[0\]\.wan: must name an era profile: modem-56k, isdn-64k, isdn-128k, t1, ethernet-10m, lab-wan \(lab\.yaml line 5\)$/],
  ['a rate that is not one', yamlLab('rate: fast'), /^ipxlab: topology\.links\[0\]\.rate: must be a rate in bit\/s above 0 \(e\.g\. 56000 or 56k\), got "fast" \(lab\.yaml line 5\)$/],
  ['a loss above 1', yamlLab('wan: modem-56k, loss: 2'), /^ipxlab: topology\.links\[0\]\.loss: must be a loss probability 0\.\.1 .* \(lab\.yaml line 5\)$/],
  ['a delay above a minute', yamlLab('rate: 64k, delay: 61000'), /^ipxlab: topology\.links\[0\]\.delay: must be a one-way delay of 0\.\.60000 ms/],
  ['an unknown QoS discipline', yamlLab('qos: wfq'), /^ipxlab: topology\.links\[0\]\.qos\.discipline: must be one of snp, fifo, monitor, off \(lab\.yaml line 5\)$/],
  ['a scheduler without a link rate', yamlLab('qos: snp'), /^ipxlab: topology\.links\[0\]\.rate: is needed by qos snp .* \(lab\.yaml line 5\)$/],
  ['a profile given twice', yamlLab('wan: t1, qos: { wan: modem-56k }'), /^ipxlab: topology\.links\[0\]\.qos\.wan: and links\[0\]\.wan are both set: give one \(lab\.yaml line 5\)$/],
  ['a short key', yamlLab('key: 00112233'), /^ipxlab: topology\.links\[0\]\.key: is 4 bytes; at least 16 are needed .* \(lab\.yaml line 5\)$/],
  ['a key and a key file', yamlLab('key: 00112233445566778899aabbccddeeff, keyFile: lab.key'), /^ipxlab: topology\.links\[0\]\.keyFile: and key are both set: give one \(lab\.yaml line 5\)$/],
  ['an unknown transport', yamlLab('transport: ipx'), /^ipxlab: topology\.links\[0\]\.transport: .* \(lab\.yaml line 5\)$/],
  ['an unknown link setting', yamlLab('speed: 9600'), /^ipxlab: topology\.links\[0\]\.speed: is not a known setting \(lab\.yaml line 5\)$/],
  ['a replay into an unknown node', yamlLab('wan: t1', 'replays:\n  - { file: x.pcapng, into: C }\n'), /^ipxlab: topology\.replays\[0\]\.into: names C, which is not a node of the topology \(lab\.yaml line 7\)$/],
  ['a replay of a missing capture', yamlLab('wan: t1', 'replays:\n  - file: missing.pcapng\n    into: B\n'), /^ipxlab: topology\.replays\[0\]\.file: cannot read .*missing\.pcapng: ENOENT \(lab\.yaml line 7\)$/],
  ['a replay both paced and at full speed', yamlLab('wan: t1', 'replays:\n  - { file: x.pcapng, into: B, speed: 2, max: true }\n'), /^ipxlab: topology\.replays\[0\]\.max: and speed exclude each other/],
  ['a DOSBox segment of no clients', 'nodes:\n  - { name: A, network: 1, dosbox: { maxClients: 0 } }\n', /^ipxlab: topology\.nodes\[0\]\.dosbox\.maxClients: must be an integer 1\.\.65535, got "0" \(lab\.yaml line 2\)$/],
  ['a DOSBox segment that is neither true, false nor settings', 'nodes:\n  - { name: A, network: 1, dosbox: yes }\n', /^ipxlab: topology\.nodes\[0\]\.dosbox: must be true, false or \{ game, maxClients \} \(lab\.yaml line 2\)$/],
  ['a service without a name', 'nodes:\n  - name: A\n    network: 1\n    services:\n      - { type: 4, socket: 0451 }\n', /^ipxlab: topology\.nodes\[0\]\.services\[0\]\.name: .* \(lab\.yaml line 5\)$/],
  ['a duplicate network (hex text in YAML)', 'nodes:\n  - { name: A, network: 00000010 }\n  - { name: B, network: 0x10 }\n', /^ipxlab: topology\.nodes\[1\]\.network: B has network 00000010, as A does \(lab\.yaml line 3\)$/]
]

for (const [title, content, message] of badYaml) {
  test(`ipxlab lab --topology (YAML) refuses ${title}: one line naming the item and its line, exit 2`, async t => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-topology-'))
    t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
    const file = path.join(dir, 'lab.yaml')
    writeFileSync(file, content)
    writeFileSync(path.join(dir, 'x.pcapng'), '')
    const r = await runCli(['lab', '--topology', file, '--port', '1'])
    t.is(r.code, 2)
    t.is(r.stderr.trim().split('\n').length, 1, r.stderr)
    t.regex(r.stderr.trim(), message)
    t.is(r.stdout, '', 'no node started')
  })
}

const CLASSROOM = path.join(ROOT, 'docs', 'topologies', 'classroom.json')
const HQ = 0xc001, BRANCH = 0xc004

interface Running { nodes: readonly IpxNode[], text: () => string, stop: () => Promise<number> }

/** Runs `file` with `runTopologyLab` on 127.0.<subnet>.x, ephemeral ports; resolves once every link is up. */
async function runLab (t: ExecutionContext, file: string, subnet: number): Promise<Running> {
  const port = await freePort(`127.0.${subnet}.1`)
  const snpPort = await freePort(`127.0.${subnet}.1`)
  const out = new PassThrough()
  let text = ''
  out.on('data', (c: Buffer) => { text += c.toString() })
  const abort = new AbortController()
  let nodes: readonly IpxNode[] = []
  const run = runTopologyLab({ file, subnet, port, snpPort, signal: abort.signal, onRunning: (n) => { nodes = n } }, { stdout: out, stderr: new PassThrough() })
  t.teardown(async () => { abort.abort(); await run.catch(() => 0) })
  if (!await until(() => nodes.length > 0, 15_000)) throw new Error(`the lab did not come up:\n${text}`)
  return { nodes, text: () => text, stop: async () => { abort.abort(); return await run } }
}

/** A client on `from`'s segment sends to one on `to`'s; resolves to the datagram as it arrived. */
async function across (t: ExecutionContext, from: IpxNode, to: IpxNode, toNetwork: number): Promise<Buffer | undefined> {
  const open = async (n: IpxNode): Promise<TestClient> => {
    const c = await TestClient.open(n.config.listen.port, n.config.listen.host)
    t.teardown(async () => { await c.close() })
    if (await c.register() === undefined) throw new Error(`no registration ack from ${n.config.name}`)
    c.clear()
    return c
  }
  const x = await open(from)
  const z = await open(to)
  await x.sendTo(z.node, Buffer.from('HQ to BRANCH'), { dstNetwork: toNetwork })
  return await until(() => data(z).length >= 1, 5000) ? data(z)[0] : undefined
}

test('the classroom with its direct HQ-BRANCH link a modem: HQ to BRANCH goes through CORE (2 hops, 2 ticks) rather than over the modem (4 ticks); FS1, DOSBox lines, the game segment and the replay', async t => {
  t.timeout(40_000)
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-topology-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const slow = JSON.parse(readFileSync(CLASSROOM, 'utf8')) as { links: Array<{ between: string[], wan?: string }>, replays: Array<{ file: string }> }
  slow.links.find(l => l.between.join(' ') === 'HQ BRANCH')!.wan = 'modem-56k'
  for (const r of slow.replays) r.file = path.resolve(path.dirname(CLASSROOM), r.file)
  const file = path.join(dir, 'classroom-modem.json')
  writeFileSync(file, JSON.stringify(slow))
  const lab = await runLab(t, file, 161)
  const [hq, core, , branch] = lab.nodes as [IpxNode, IpxNode, IpxNode, IpxNode, IpxNode]
  const toCore = `peer:udp:${core.config.listen.host}:${core.config.listen.port}`
  t.true(await until(() => hq.router.route(BRANCH)?.port === toCore && branch.router.route(HQ)?.hops === 2, 15_000), 'RIP chose the path through CORE')
  t.like(hq.router.route(BRANCH), { port: toCore, hops: 2, ticks: 2 })
  t.is(hq.router.port(`peer:udp:${branch.config.listen.host}:${branch.config.listen.port}`)?.ticks, 4, 'the direct link is modem-56k: 4 ticks')
  const forwarded = core.router.stats.forwarded
  const got = await across(t, hq, branch, BRANCH)
  t.truthy(got, 'the datagram reached BRANCH\'s segment')
  t.is(got![4], 3, 'transport control 3: HQ, CORE and BRANCH routed it')
  t.true(core.router.stats.forwarded > forwarded, 'CORE forwarded it')
  t.true(await until(() => branch.stats().services.some(s => s.name === 'FS1'), 10_000), 'HQ\'s file server FS1 is known at BRANCH')
  await until(() => /sent: 15/.test(lab.text()), 10_000)
  t.is(await lab.stop(), 0)
  const text = lab.text()
  t.regex(text, /5 nodes in route mode, 5 links/)
  t.regex(text, /HQ +network 0000C001 [^\n]*\n +DOSBox: IPXNET CONNECT 127\.0\.161\.1 \d+\n/)
  t.regex(text, /DOSBox: IPXNET CONNECT 127\.0\.161\.3 \d+ \(the game segment: DOOM \(IPXSETUP\)\)/)
  t.is(text.match(/IPXNET CONNECT/g)?.length, 2, 'only HQ and GAMES expect DOSBox clients')
  t.regex(text, /link udp:\/\/127\.0\.161\.4:\d+: modem-56k, qos off, 4 ticks/)
  t.regex(text, /link udp:\/\/127\.0\.161\.5:\d+: isdn-64k, qos off, 2 ticks/)
  t.regex(text, /replaying .*lab-sample\.pcapng into HQ\n(?: {4}.*\n)* {4}sent: 15/)
  t.regex(text, /HQ \(network 0000C001\): DISPLAY NETWORKS\n {2}[^\n]*0000C004 2\/2 [^]*?There are 5 known networks\n(?: {2}.*\n)*? {2}(?:.* {3})?0000C004 via CORE\b/)
})

test('the bundled classroom, its direct HQ-BRANCH link a LAN: HQ to BRANCH goes direct (1 hop, 1 tick), hops breaking the tie', async t => {
  t.timeout(40_000)
  const lab = await runLab(t, CLASSROOM, 162)
  const [hq, core, , branch] = lab.nodes as [IpxNode, IpxNode, IpxNode, IpxNode, IpxNode]
  const toBranch = `peer:udp:${branch.config.listen.host}:${branch.config.listen.port}`
  t.true(await until(() => hq.router.route(BRANCH)?.port === toBranch && branch.router.route(HQ)?.hops === 1, 15_000), 'RIP chose the direct link')
  t.like(hq.router.route(BRANCH), { port: toBranch, hops: 1, ticks: 1 })
  const forwarded = core.router.stats.forwarded
  const got = await across(t, hq, branch, BRANCH)
  t.is(got?.[4], 2, 'transport control 2: HQ and BRANCH routed it')
  t.is(core.router.stats.forwarded, forwarded, 'CORE did not carry it')
  t.is(await lab.stop(), 0)
})

test('the two-node default as a YAML topology (docs/topologies/pair.yaml) runs: bridged, SNP on lab-wan, the capture replayed into NODE-A reaches NODE-B', async t => {
  t.timeout(40_000)
  const lab = await runLab(t, path.join(ROOT, 'docs', 'topologies', 'pair.yaml'), 163)
  const [a, b] = lab.nodes as [IpxNode, IpxNode]
  t.is(a.config.mode, 'bridge')
  t.like(a.config.peers[0]!.qos, { mode: 'snp', profile: 'lab-wan' })
  t.true(await until(() => /sent: 15/.test(lab.text()), 15_000), 'the replay ran')
  t.true(await until(() => b.router.counters.received >= 15, 10_000), 'NODE-B received the replayed frames')
  t.is(await lab.stop(), 0)
  t.regex(lab.text(), /2 nodes in bridge mode, 1 link\n/)
  t.is(lab.text().match(/IPXNET CONNECT/g)?.length, 2)
})

test('a keyed topology (a key file for the lab) runs on real sockets: the link comes up authenticated at both ends', async t => {
  t.timeout(40_000)
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-topology-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const file = path.join(dir, 'keyed.yaml')
  writeFileSync(file, 'keyFile: lab.key\nnodes:\n  - { name: A, network: 0A }\n  - { name: B, network: 0B }\nlinks:\n  - { between: [A, B], transport: tcp }\n')
  const lab = await runLab(t, file, 164)
  const [a, b] = lab.nodes as [IpxNode, IpxNode]
  t.true(await until(() => a.router.route(0x0b)?.hops === 1 && b.router.route(0x0a)?.hops === 1, 10_000), `RIP crossed the keyed TCP link:\n${lab.text()}`)
  const key = Buffer.from(readFileSync(path.join(dir, 'lab.key'), 'utf8').trim(), 'hex')
  t.deepEqual(a.config.peers[0]!.key, key)
  t.deepEqual(b.config.peers[0]!.key, key)
  for (const n of [a, b]) {
    const st = n.peers()[0]!.link.stats
    t.true(st.dataReceived > 0, `${n.config.name} received signed data frames`)
    t.is(st.unsigned + st.unknownKey + st.badTag, 0, `${n.config.name}: every frame verified with the lab's key`)
  }
  t.is(await lab.stop(), 0)
  t.regex(lab.text(), /link tcp:\/\/127\.0\.164\.2:\d+: no emulated link, 1 tick, keyed/)
})

test('ipxlab lab --topology docs/topologies/classroom.json --duration: the command a user types runs the classroom and ends with its tables, exit 0', async t => {
  t.timeout(40_000)
  const port = await freePort('127.0.0.1')
  const snpPort = await freePort('127.0.0.1')
  const r = await runCli(['lab', '--topology', CLASSROOM, '--port', String(port), '--snp-port', String(snpPort), '--duration', '6'])
  t.is(r.code, 0, r.stderr)
  t.regex(r.stdout, /every link is up/)
  t.regex(r.stdout, /replaying .*lab-sample\.pcapng into HQ/)
  t.regex(r.stdout, /HQ \(network 0000C001\): DISPLAY NETWORKS\n {2}[^\n]*0000C004 1\/1 [^]*?There are 5 known networks\n(?: {2}.*\n)*? {2}(?:.* {3})?0000C004 via BRANCH\b/)
  t.regex(r.stdout, /REMOTE \(network 0000C005\): DISPLAY NETWORKS\n[^]*?There are 5 known networks/)
})
