import test from 'ava'
import net from 'node:net'
import { parseNodeAddress, STATUS_PORT } from '../../src/cli/stats.js'
import { startNode } from '../../src/node/node.js'
import { validateConfig } from '../../src/node/config.js'
import type { StatusDocument } from '../../src/node/status-api.js'
import { TestClient, until } from '../transport/_dosbox-client.js'
import { twoNodes } from '../node/_two-nodes.js'
import { runCli } from '../_cli.js'
import type { Run } from '../_cli.js'

async function run (...argv: string[]): Promise<Run> {
  return await runCli(argv)
}


/** A TCP port with nothing listening (bound, then released). */
async function closedPort (): Promise<number> {
  const s = net.createServer()
  await new Promise<void>(resolve => { s.listen(0, '127.0.0.1', () => { resolve() }) })
  const port = (s.address() as net.AddressInfo).port
  await new Promise<void>(resolve => { s.close(() => { resolve() }) })
  return port
}

test('stats against a real node: clients, peers (up, rtt, loss, SNP hello), routes, services, per-class counters with the peer\'s report, drops', async t => {
  const { a, aPort, bPort } = await twoNodes(t, { runtime: { snp: { probeIntervalMs: 50, reportIntervalMs: 100 } } })
  const x = await TestClient.open(aPort, '127.0.0.1')
  t.teardown(async () => { await x.close() })
  await x.register()
  const y = await TestClient.open(bPort, '127.0.0.2')
  t.teardown(async () => { await y.close() })
  await y.register()
  for (let i = 0; i < 5; i++) await x.sendTo(y.node, Buffer.from(`stats ${i}`))
  t.true(await until(() => Object.values(a.snp.stats().peers[0]!.peerMeasured).some(c => c.packets >= 5), 5000))
  const r = await run('stats', '--node', `127.0.0.1:${a.api!.port}`)
  t.is(r.code, 0, r.stderr)
  t.is(r.stderr, '')
  const o = r.stdout
  t.regex(o, /^node NODE-A: bridge mode, network 00000001/)
  t.regex(o, /^clients \(1\)$/m)
  t.regex(o, /^data plane socket: receive buffer \d+ KiB, send queue at most 64 datagrams \(0 dropped queue_full\), busy poll 200 µs: \d+ datagrams read while polling, \d+ wake-ups/m, 'the socket line, busy poll included')
  t.regex(o, new RegExp(`^ {2}127\\.0\\.0\\.2:${bPort} +udp +up +rtt [0-9.-]+ ms +lost 0 +reordered 0 +snp: hello agrees$`, 'm'))
  t.regex(o, /^routes \(\d+\), as DISPLAY NETWORKS$/m)
  t.regex(o, /^services \(\d+\), as DISPLAY SERVERS$/m)
  t.regex(o, /NODE-A/)
  t.regex(o, /^classes on the link to 127\.0\.0\.2:\d+: sent \(queue\), received, and what the peer reported receiving$/m)
  for (const c of ['network_control', 'interactive', 'game', 'bulk', 'background', 'default']) t.regex(o, new RegExp(`^ {2}${c} +\\d+`, 'm'), c)
  t.regex(o, /^drops by layer, component and reason$/m)
  t.regex(o, /do not add layers up/, 'the per-layer note (issue 13)')
  t.regex(o, /^kernel receive-buffer drops: tunnel \d+, snp \d+$/m)

  const j = await run('stats', '--node', `127.0.0.1:${a.api!.port}`, '--json')
  t.is(j.code, 0)
  const d = JSON.parse(j.stdout) as StatusDocument
  t.is(d.name, 'NODE-A')
  t.true(d.snp!.peers[0]!.hello.match)
})

test('stats: an unreachable node is one clear line on stderr and exit status 2', async t => {
  const port = await closedPort()
  const r = await run('stats', '--node', `127.213.5.9:${port}`)
  t.is(r.code, 2)
  t.is(r.stdout, '')
  // Nothing at the port given, nor at 2629 on that (unused) loopback address.
  const lines = r.stderr.trimEnd().split('\n')
  t.is(lines.length, 2, r.stderr)
  t.regex(lines[0]!, new RegExp(`^ipxlab stats: 127\\.213\\.5\\.9:${port} is not a status API \\(ECONNREFUSED; a data-plane address\\?\\); asking 127\\.213\\.5\\.9:2629`))
  t.regex(lines[1]!, /^ipxlab stats: cannot reach the node's status API at 127\.213\.5\.9:2629 either \(ECONNREFUSED\)/)
})

test('stats finds a node given its data-plane (2644) address: the status API on that host\'s 2629', async t => {
  // A loopback address of its own, so its 2629 is nobody else's.
  const host = `127.${100 + (process.pid % 100)}.26.${1 + (process.pid % 250)}`
  const n = await startNode(validateConfig({ name: 'FIND-ME', listen: `${host}:0`, snpListen: `${host}:${STATUS_PORT}` }))
  t.teardown(async () => { await n.stop() })
  const r = await run('stats', '--node', `${host}:${n.address().port}`)
  t.is(r.code, 0, r.stderr)
  t.regex(r.stdout, /^node FIND-ME: /)
  t.regex(r.stderr, new RegExp(`is not a status API .*asking ${host.replace(/\./g, '\\.')}:2629`))
})

test('stats: a bad --node is a usage error (exit 2)', async t => {
  const r = await run('stats', '--node', '1:2:3')
  t.is(r.code, 2)
  t.regex(r.stderr, /^ipxlab stats: --node 1:2:3: /)
})

test('parseNodeAddress: ADDR:PORT, [v6]:PORT, ADDR alone (port 2629); bad ports refused', t => {
  t.deepEqual(parseNodeAddress('127.0.0.1:3000'), { host: '127.0.0.1', port: 3000 })
  t.deepEqual(parseNodeAddress('[::1]:3000'), { host: '::1', port: 3000 })
  t.deepEqual(parseNodeAddress('lab-node'), { host: 'lab-node', port: 2629 })
  t.is(typeof parseNodeAddress('127.0.0.1:0'), 'string')
  t.is(typeof parseNodeAddress('127.0.0.1:99999'), 'string')
  t.is(typeof parseNodeAddress(''), 'string')
})
