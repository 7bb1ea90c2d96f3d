import test from 'ava'
import { mkdtempSync, rmSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { BROADCAST, until } from '../transport/_dosbox-client.js'
import { twoNodes, data, dataFor, client } from './_two-nodes.js'
import type { TwoNodeOptions } from './_two-nodes.js'
import { readCapture } from '../../src/capture/reader.js'
import { realMissing, requireReal } from '../_env.js'

const acrossTheTunnel = test.macro({
  async exec (t, o: TwoNodeOptions) {
    const { a, b, aPort, bPort } = await twoNodes(t, o)
    const x = await client(t, aPort, '127.0.0.1')
    const y = await client(t, bPort, '127.0.0.2')
    // A broadcast from x (on A) reaches y (on B) through the native tunnel, never back to x.
    const hello = await x.sendTo(BROADCAST, Buffer.from('who is out there?'))
    t.true(await dataFor(y, 1), 'broadcast crossed to B')
    t.deepEqual(data(y)[0], hello)
    // y answers x by unicast: B learned x's node on its peer port from the broadcast.
    const answer = await y.sendTo(x.node, Buffer.from('y here, on node B'))
    t.true(await dataFor(x, 1), 'unicast crossed back to A')
    t.deepEqual(data(x)[0], answer, 'byte-exact, transport control untouched in a bridge')
    t.is(data(x).length, 1, 'x never got its own broadcast')
    // A burst both ways, every datagram accounted for.
    const n = 200
    for (let i = 0; i < n; i++) await x.sendTo(y.node, Buffer.from(`x->y ${i}`))
    // 200 sends awaited one by one through three hops in this one process: on a loaded shared
    // machine that takes longer than dataFor's default 5 s (seen: 93 of 200 by then).
    t.true(await dataFor(y, 1 + n, 30_000), `y got ${data(y).length - 1} of ${n}`)
    t.deepEqual(data(y).slice(1).map(d => d.subarray(30).toString()), Array.from({ length: n }, (_, i) => `x->y ${i}`), 'in order')
    const sa = a.stats()
    const sb = b.stats()
    t.is(sa.counters.dosbox.delivered + a.dosbox.counters.totalDropped(), sa.counters.dosbox.received, 'A: every datagram in one counter')
    t.is(a.dosbox.counters.totalDropped(), 0)
    t.is(b.dosbox.counters.totalDropped(), 0)
    t.is(a.router.counters.totalDropped(), 0, JSON.stringify(sa.counters.router.dropped))
    t.is(b.router.counters.totalDropped(), 0, JSON.stringify(sb.counters.router.dropped))
    t.true(sa.peers[0]?.up)
    t.is(sb.peers[0]?.link.lost, 0)
  },
  title: (name?: string) => `two nodes, bridge mode: DOSBox-protocol clients on A and B talk through the native tunnel (${name ?? ''})`
})

test('UDP', acrossTheTunnel, {})
test('UDP with a pre-shared key', acrossTheTunnel, { key: '00112233445566778899aabbccddeeff' })
test('TCP', acrossTheTunnel, { transport: 'tcp' })

test('route mode: B learns A\'s network and file server by RIP and SAP within one interval; they go when A stops', async t => {
  const { a, b } = await twoNodes(t, { mode: 'route' })
  t.true(await until(() => b.router.route(0x0000aaaa) !== undefined, 2000), 'B has a route to A\'s network')
  t.is(b.router.route(0x0000aaaa)?.hops, 1)
  t.true(await until(() => b.stats().services.some(s => s.name === 'NODE-A' && s.type === 4), 2000), 'B lists A\'s file server')
  t.true(await until(() => a.router.route(0x0000bbbb) !== undefined, 2000))
  await a.stop()
  // A says goodbye (RIP and SAP "going down" at 16 hops) and its link drops: both go away at once.
  t.true(await until(() => b.router.route(0x0000aaaa) === undefined || (b.router.route(0x0000aaaa)?.hops ?? 0) >= 16, 3000), 'the route to A is gone')
  t.true(await until(() => !b.stats().services.some(s => s.name === 'NODE-A' && s.hops < 16), 3000), 'A\'s file server is gone')
})

const need = { tools: ['tshark'] }
const why = realMissing(need)
;(why === undefined ? test : test.skip)(`--capture writes what the node routes to pcapng, one interface per attachment, clean in tshark${why !== undefined ? ` (skipped: ${why})` : ''}`, async t => {
  if (!requireReal(t, need)) return
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-node-capture-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const file = path.join(dir, 'a.pcapng')
  const { a, aPort, bPort } = await twoNodes(t, { capture: file })
  const x = await client(t, aPort, '127.0.0.1')
  const y = await client(t, bPort, '127.0.0.2')
  for (let i = 0; i < 10; i++) await x.sendTo(y.node, Buffer.from(`frame ${i}`))
  t.true(await dataFor(y, 10))
  await y.sendTo(x.node, Buffer.from('reply'))
  t.true(await dataFor(x, 1))
  await a.stop()
  const records = []
  for await (const r of readCapture(file)) records.push(r)
  t.true(records.length >= 11, `${records.length} records`)
  t.true(records.some(r => r.interfaceId === 0) && records.some(r => r.interfaceId === 1), 'local and peer interfaces')
  const bad = execFileSync('tshark', ['-r', file, '-Y', '_ws.malformed || _ws.expert.severity >= 0x00600000', '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  t.is(bad.trim(), '')
  const ifaces = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.interface_name'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  t.regex(ifaces, /^local$/m)
  t.regex(ifaces, /^peer:udp:127\.0\.0\.2:\d+$/m)
})
