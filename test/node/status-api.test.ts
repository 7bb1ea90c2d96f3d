import test from 'ava'
import type { ExecutionContext } from 'ava'
import http from 'node:http'
import net from 'node:net'
import { once } from 'node:events'
import { startNode } from '../../src/node/node.js'
import type { IpxNode } from '../../src/node/node.js'
import { validateConfig, DEFAULT_RECEIVE_BUFFER } from '../../src/node/config.js'
import { IN_PROCESS_LIMITS } from './_two-nodes.js'
import { StatusApi, health, statusDocument } from '../../src/node/status-api.js'
import { DEFAULT_MAX_SEND_QUEUE } from '../../src/transport/udp-endpoint.js'
import type { StatusDocument, StatusSource } from '../../src/node/status-api.js'
import { TransportError } from '../../src/errors.js'
import { TestClient, until } from '../transport/_dosbox-client.js'
import { twoNodes } from './_two-nodes.js'

interface Reply { status: number, headers: http.IncomingHttpHeaders, body: string }

/** One HTTP request to 127.x:port; resolves with the whole reply. */
async function request (host: string, port: number, path: string, o: { method?: string, body?: string, headers?: Record<string, string> } = {}): Promise<Reply> {
  return await new Promise((resolve, reject) => {
    const req = http.request({ host, port, path, method: o.method ?? 'GET', headers: o.headers, agent: false, timeout: 5000 }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.on('timeout', () => { req.destroy(new Error('timeout')) })
    req.end(o.body)
  })
}

async function single (t: ExecutionContext, extra: Record<string, unknown> = {}): Promise<IpxNode> {
  const n = await startNode(validateConfig({ listen: '127.0.0.1:0', snpListen: '127.0.0.1:0', limits: IN_PROCESS_LIMITS, ...extra }))
  t.teardown(async () => { await n.stop() })
  return n
}

/** Prometheus text format 0.0.4: every line a comment (HELP/TYPE) or `name{labels} value`. */
const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\["\\n])*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/

test('a node serves the status API on tcp at its SNP port (port 0: the one UDP got); /healthz is ok with no peers', async t => {
  const n = await single(t)
  const api = n.api!
  t.is(api.port, n.snp.address().port, 'same port number as udp SNP')
  const r = await request('127.0.0.1', api.port, '/healthz')
  t.is(r.status, 200)
  t.is(r.body, 'ok\n')
})

test('/healthz is 503 with a JSON reason while a native link is down', async t => {
  const n = await single(t, { peers: [{ address: '127.0.0.1:9', snp: '127.0.0.1:9' }] })
  const r = await request('127.0.0.1', n.api!.port, '/healthz')
  t.is(r.status, 503)
  t.is(r.headers['content-type'], 'application/json')
  const j = JSON.parse(r.body) as { status: string, reason: string }
  t.is(j.status, 'unavailable')
  t.regex(j.reason, /127\.0\.0\.1:9/)
})

test('two nodes: /api/stats has clients, peers, routes, services, counters, classes, drops and SNP (per class, both views); /metrics parses as Prometheus text', async t => {
  const { a, b, aPort, bPort } = await twoNodes(t, { runtime: { snp: { probeIntervalMs: 50, reportIntervalMs: 100 } } })
  const x = await TestClient.open(aPort, '127.0.0.1')
  t.teardown(async () => { await x.close() })
  await x.register()
  const y = await TestClient.open(bPort, '127.0.0.2')
  t.teardown(async () => { await y.close() })
  await y.register()
  for (let i = 0; i < 10; i++) await x.sendTo(y.node, Buffer.from(`hello ${i}`))
  t.true(await until(() => Object.values(a.snp.stats().peers[0]!.peerMeasured).some(c => c.packets >= 10), 5000))
  const api = a.api!
  const r = await request('127.0.0.1', api.port, '/api/stats')
  t.is(r.status, 200)
  t.is(r.headers['content-type'], 'application/json')
  const d = JSON.parse(r.body) as StatusDocument
  t.is(d.name, 'NODE-A')
  for (const k of ['clients', 'peers', 'routes', 'services', 'counters', 'classes', 'drops', 'snp'] as const) t.not(d[k], undefined, k)
  t.is(d.clients.length, 1)
  t.true(d.peers[0]!.up)
  t.deepEqual(d.classes.map(c => c.id), [0, 1, 2, 3, 4, 5])
  t.true(Array.isArray(d.drops))
  const sp = d.snp!.peers[0]!
  t.true(sp.hello.match)
  t.is(sp.snp, `127.0.0.2:${b.snp.address().port}`)
  t.true(Object.values(sp.peerMeasured).some(c => c.packets >= 10), 'what B measured of A\'s traffic')
  t.truthy(d.peers[0]!.qos.classes.default, 'per-class queue figures')

  const m = await request('127.0.0.1', api.port, '/metrics')
  t.is(m.status, 200)
  t.regex(m.headers['content-type'] ?? '', /^text\/plain; version=0\.0\.4/)
  const lines = m.body.split('\n').filter(l => l !== '')
  const bad = lines.filter(l => !l.startsWith('#') && !SAMPLE.test(l))
  t.deepEqual(bad, [], 'every sample line is name{labels} value')
  for (const [name, type] of [['ipxlab_link_up', 'gauge'], ['ipxlab_datagrams_dropped_total', 'counter'], ['ipxlab_class_packets_total', 'counter'],
    ['ipxlab_class_queue_delay_seconds', 'summary'], ['ipxlab_clients', 'gauge'], ['ipxlab_routes', 'gauge'], ['ipxlab_snp_rtt_seconds', 'gauge']] as const) {
    t.true(lines.some(l => l.startsWith(`# HELP ${name} `)), `HELP ${name}`)
    t.true(lines.includes(`# TYPE ${name} ${type}`), `TYPE ${name}`)
  }
  t.true(lines.includes(`ipxlab_link_up{peer="127.0.0.2:${bPort}"} 1`))
  t.true(lines.includes('ipxlab_clients 1'))
  t.true(lines.some(l => /^ipxlab_class_packets_total\{peer="127\.0\.0\.2:\d+",class="[a-z_]+",direction="rx"\} \d+$/.test(l)))
  t.true(lines.some(l => l.startsWith('ipxlab_snp_hello_mismatch{') && l.endsWith(' 0')))
  // B's registry is its own (not prom-client's global one): its node_info names B.
  const mb = await request('127.0.0.2', b.api!.port, '/metrics')
  t.regex(mb.body, /ipxlab_node_info\{name="NODE-B"/)
  t.notRegex(mb.body, /name="NODE-A"/)
})

test('bounded requests: 404 unknown path, 405 (with Allow) for POST, 413 for a body, 414 for a long target, HEAD without a body', async t => {
  const n = await single(t)
  const port = n.api!.port
  t.is((await request('127.0.0.1', port, '/nope')).status, 404)
  t.is((await request('127.0.0.1', port, '/api/stats/extra')).status, 404)
  const post = await request('127.0.0.1', port, '/api/stats', { method: 'POST' })
  t.is(post.status, 405)
  t.is(post.headers.allow, 'GET, HEAD')
  t.is((await request('127.0.0.1', port, '/api/stats', { method: 'DELETE' })).status, 405)
  t.is((await request('127.0.0.1', port, '/api/stats', { body: 'x'.repeat(1000), headers: { 'content-type': 'text/plain', 'content-length': '1000' } })).status, 413)
  t.is((await request('127.0.0.1', port, '/api/stats', { method: 'PUT', body: 'x'.repeat(10), headers: { 'transfer-encoding': 'chunked' } })).status, 405)
  t.is((await request('127.0.0.1', port, '/api/stats', { body: 'x'.repeat(10), headers: { 'transfer-encoding': 'chunked' } })).status, 413)
  t.is((await request('127.0.0.1', port, '/api/stats?' + 'q'.repeat(5000))).status, 414)
  const head = await request('127.0.0.1', port, '/api/stats', { method: 'HEAD' })
  t.is(head.status, 200)
  t.is(head.body, '')
  t.true(Number(head.headers['content-length']) > 100)
  t.is((await request('127.0.0.1', port, '/api/stats?pretty=1')).status, 200, 'a query string is ignored')
  t.is((await request('127.0.0.1', port, '/healthz')).status, 200, 'still serving')
})

test('a slow client (headers trickling in) does not block the data plane nor other requests', async t => {
  const { a, aPort, bPort } = await twoNodes(t)
  const slow = net.connect(a.api!.port, '127.0.0.1')
  t.teardown(() => { slow.destroy() })
  await once(slow, 'connect')
  slow.write('GET /api/stats HTTP/1.1\r\nHost: x\r\n')
  const x = await TestClient.open(aPort, '127.0.0.1')
  t.teardown(async () => { await x.close() })
  await x.register()
  const y = await TestClient.open(bPort, '127.0.0.2')
  t.teardown(async () => { await y.close() })
  await y.register()
  y.clear()
  const n = 100
  const started = Date.now()
  for (let i = 0; i < n; i++) await x.sendTo(y.node, Buffer.from(`during a slow request ${i}`))
  const data = (): number => y.received.filter(d => d.readUInt16BE(16) !== 0x0452 && d.readUInt16BE(16) !== 0x0453).length
  t.true(await until(() => data() >= n, 3000), `delivered ${data()} of ${n}`)
  t.true(Date.now() - started < 3000)
  t.is((await request('127.0.0.1', a.api!.port, '/healthz')).status, 200, 'another client is served meanwhile')
  t.false(slow.destroyed, 'the slow one is still waiting, not served')
})

test('standalone: a client that never finishes its headers is cut off by the request timeout; a taken port fails start', async t => {
  const source: StatusSource = { stats: () => { throw new Error('not called') }, snpStats: () => undefined, running: () => false }
  const api = new StatusApi({ host: '127.0.0.1', port: 0, source, requestTimeoutMs: 300 })
  t.teardown(async () => { await api.stop() })
  const { port } = await api.start()
  const r = await request('127.0.0.1', port, '/healthz')
  t.is(r.status, 503, 'not running')
  const slow = net.connect(port, '127.0.0.1')
  t.teardown(() => { slow.destroy() })
  await once(slow, 'connect')
  slow.write('GET /healthz HTTP/1.1\r\n')
  const closed = once(slow, 'close')
  slow.resume()
  const started = Date.now()
  await closed
  t.true(Date.now() - started < 3000, 'closed within a few checks of the 300 ms timeout')
  const other = new StatusApi({ host: '127.0.0.1', port, source })
  await t.throwsAsync(other.start(), { instanceOf: TransportError, code: 'IPX_ERR_ADDR_IN_USE' })
})

test('health(): ok without peers or with all links up; not ok when stopped or a link is down', t => {
  const stats = (ups: boolean[]): Parameters<typeof health>[1] => ({ peers: ups.map((up, i) => ({ address: `10.0.0.${i}:2644`, up })) }) as unknown as Parameters<typeof health>[1]
  t.true(health(true, stats([])).ok)
  t.true(health(true, stats([true, true])).ok)
  t.false(health(true, stats([true, false])).ok)
  t.false(health(false, stats([])).ok)
})

test('a node\'s 2644 socket asks for the small default receive buffer; its kernel drops are in the stats (none yet)', async t => {
  const n = await startNode(validateConfig({ listen: '127.0.0.1:0', snpListen: '127.0.0.1:0' }))
  t.teardown(async () => { await n.stop() })
  const s = n.stats()
  // Linux doubles the request for its bookkeeping (socket(7) SO_RCVBUF).
  t.is(s.socket.receiveBufferBytes, 2 * DEFAULT_RECEIVE_BUFFER)
  t.is(s.kernelDrops.tunnel, 0)
})

test('a node\'s 2644 socket bounds its send queue (64 by default, limits.sendQueueDatagrams); a full queue\'s drops are a socket-layer drop line', async t => {
  const n = await startNode(validateConfig({ listen: '127.0.0.1:0', snpListen: '127.0.0.1:0' }))
  t.teardown(async () => { await n.stop() })
  t.is(n.stats().socket.maxSendQueue, DEFAULT_MAX_SEND_QUEUE)
  t.is(n.stats().socket.sendQueueFull, 0)
  const m = await startNode(validateConfig({ listen: '127.0.0.1:0', snpListen: '127.0.0.1:0', limits: { sendQueueDatagrams: 8 } }))
  t.teardown(async () => { await m.stop() })
  t.is(m.stats().socket.maxSendQueue, 8)
  // A full queue is made for real in test/transport/send-queue.test.ts; here, how it is reported.
  const stats = { ...m.stats(), socket: { receiveBufferBytes: 1, maxSendQueue: 8, sendQueueFull: 3 } }
  const doc = statusDocument({ stats: () => stats, snpStats: () => undefined, running: () => true })
  t.deepEqual(doc.drops.filter(d => d.component === 'tunnel_tx'), [{ component: 'tunnel_tx', peer: '', reason: 'queue_full', count: 3, layer: 'socket' }])
})
