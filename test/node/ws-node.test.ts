/**
 * The WebSocket attachment inside real nodes: js-dos relay clients (on the `ws` library) and
 * DOSBox-protocol UDP clients on one IPX segment, in bridge and route mode, on one node and across
 * two; other rooms stay apart; the TCP data-plane port takes WebSocket upgrades; wss:// with a
 * certificate made here by openssl; drops in stats, /api/stats and /metrics; the capture records
 * WebSocket clients as their own interface.
 */
import test from 'ava'
import http from 'node:http'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import { startNode } from '../../src/node/node.js'
import type { IpxNode } from '../../src/node/node.js'
import { validateConfig, mergeConfigSources } from '../../src/node/config.js'
import { ConfigError } from '../../src/errors.js'
import { formatStats } from '../../src/cli/stats.js'
import type { StatusDocument } from '../../src/node/status-api.js'
import { readCapture } from '../../src/capture/reader.js'
import { BROADCAST, until, sleep } from '../transport/_dosbox-client.js'
import { WsTestClient } from '../transport/_ws-client.js'
import { twoNodes, freePort, client as udpClient, data, dataFor } from './_two-nodes.js'
import { realMissing, requireReal } from '../_env.js'

async function node (t: ExecutionContext, extra: Record<string, unknown> = {}): Promise<{ n: IpxNode, port: number, wsUrl: (room: string) => string }> {
  const port = await freePort('127.0.0.1')
  const snp = await freePort('127.0.0.1')
  const n = await startNode(validateConfig({
    name: 'WS-NODE', listen: `127.0.0.1:${port}`, snpListen: `127.0.0.1:${snp}`, timers: {},
    ws: { listen: '127.0.0.1:0', ...((extra.ws as object | undefined) ?? {}) },
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'ws'))
  }))
  t.teardown(async () => { await n.stop() })
  const wsPort = n.ws!.server.address()!.port
  return { n, port, wsUrl: (room) => `ws://127.0.0.1:${wsPort}/ipx/${room}` }
}

async function ws (t: ExecutionContext, url: string, options: Parameters<typeof WsTestClient.open>[1] = {}): Promise<WsTestClient> {
  const c = await WsTestClient.open(url, options)
  t.teardown(async () => { await c.close() })
  if (c.refusedStatus !== undefined) throw new Error(`refused: HTTP ${c.refusedStatus}`)
  if (await c.register() === undefined) throw new Error('no registration ack')
  c.received.length = 0
  return c
}

/** What a WebSocket client got, less the node's own RIP/SAP broadcasts. */
function wsData (c: WsTestClient): Buffer[] {
  return c.received.filter(d => { const s = d.readUInt16BE(16); return s !== 0x0452 && s !== 0x0453 })
}

const oneSegment = test.macro({
  async exec (t, mode: 'bridge' | 'route') {
    const { n, port, wsUrl } = await node(t, { mode, ...(mode === 'route' ? { network: '0000CCCC' } : {}), ws: { room: 'lab' } })
    const u = await udpClient(t, port, '127.0.0.1')
    const w = await ws(t, wsUrl('lab'))
    const apart = await ws(t, wsUrl('elsewhere'))
    // Browser → DOSBox: a broadcast (as IPXNET PING sends) and a unicast.
    const bc = w.sendTo(BROADCAST, Buffer.from('ping from the browser'), { dstSocket: 2, srcSocket: 2, packetType: 0 })
    t.true(await dataFor(u, 1), 'the UDP client heard the browser\'s broadcast')
    t.deepEqual(data(u)[0], bc, 'unchanged')
    const uni = w.sendTo(u.node, Buffer.from('to dosbox'))
    t.true(await dataFor(u, 2))
    t.deepEqual(data(u)[1], uni)
    // DOSBox → browser: a broadcast and a unicast.
    const ubc = await u.sendTo(BROADCAST, Buffer.from('dosbox says hi'))
    t.true(await until(() => wsData(w).length >= 1), 'the browser heard the DOSBox broadcast')
    t.deepEqual(wsData(w)[0], ubc)
    const uuni = await u.sendTo(w.node, Buffer.from('to the browser'))
    t.true(await until(() => wsData(w).length >= 2))
    t.deepEqual(wsData(w)[1], uuni)
    await sleep(100)
    t.is(wsData(apart).length, 0, 'another room hears nothing of the segment')
    apart.sendTo(BROADCAST, Buffer.from('not for the lab'))
    apart.sendTo(u.node, Buffer.from('not for the lab'))
    await sleep(100)
    t.is(data(u).length, 2, 'nor does the segment hear it')
    const s = n.stats()
    t.is(s.counters.router.dropped.unknown_destination, 0, JSON.stringify(s.counters.router.dropped))
    t.is(s.ws?.clients.length, 2)
    t.deepEqual(s.ws?.rooms.map(r => [r.room, r.mapped]).sort(), [['elsewhere', false], ['lab', true]])
  },
  title: (_t, mode: 'bridge' | 'route') => `${mode} mode: a WebSocket client in the mapped room and a UDP DOSBox client share the segment; other rooms stay apart`
})
test('bridge', oneSegment, 'bridge')
test('route', oneSegment, 'route')

test('two nodes, bridge mode: a WebSocket client on A and a UDP client on B reach each other through the tunnel', async t => {
  const aWs = await freePort('127.0.0.1')
  const { a, bPort } = await twoNodes(t, { extra: { timers: {}, ws: { listen: `127.0.0.1:${aWs}` } }, extraB: { ws: undefined } })
  const w = await ws(t, `ws://127.0.0.1:${aWs}/ipx/any-room`)
  const y = await udpClient(t, bPort, '127.0.0.2')
  const bc = w.sendTo(BROADCAST, Buffer.from('hello node B'))
  t.true(await dataFor(y, 1), 'crossed to B')
  t.deepEqual(data(y)[0], bc)
  const back = await y.sendTo(w.node, Buffer.from('hello browser'))
  t.true(await until(() => wsData(w).length >= 1), 'came back to the browser on A')
  t.deepEqual(wsData(w)[0], back)
  t.is(a.router.counters.totalDropped(), 0, JSON.stringify(a.router.counters.dropped))
})

test('two nodes, route mode: a WebSocket client on A reaches a UDP client on B by network, and B answers', async t => {
  const aWs = await freePort('127.0.0.1')
  const { a, b, bPort } = await twoNodes(t, { mode: 'route', extra: { ws: { listen: `127.0.0.1:${aWs}` } }, extraB: { ws: undefined } })
  t.true(await until(() => a.router.route(0x0000bbbb) !== undefined && b.router.route(0x0000aaaa) !== undefined, 3000), 'RIP learned both networks')
  const w = await ws(t, `ws://127.0.0.1:${aWs}/ipx/r`)
  const y = await udpClient(t, bPort, '127.0.0.2')
  w.sendTo(y.node, Buffer.from('across a router'), { dstNetwork: 0x0000bbbb })
  t.true(await dataFor(y, 1), 'routed to B\'s client')
  t.is(data(y)[0]![4], 2, 'routers A and B crossed: transport control 2')
  await y.sendTo(w.node, Buffer.from('back'), { dstNetwork: 0x0000aaaa })
  t.true(await until(() => wsData(w).length >= 1), 'routed back to the WebSocket client, not to A\'s UDP clients')
  t.is(wsData(w)[0]!.subarray(30).toString(), 'back')
})

test('the data-plane TCP port accepts WebSocket upgrades (js-dos URL on 2644) and native/DOSBox TCP still work', async t => {
  const { n, port } = await node(t)
  const u = await udpClient(t, port, '127.0.0.1')
  const w = await ws(t, `ws://127.0.0.1:${port}/ipx/lab`)
  const ack = w.received.length === 0 ? undefined : w.received[0]
  t.is(ack, undefined)
  w.sendTo(u.node, Buffer.from('via 2644'))
  t.true(await dataFor(u, 1))
  t.is(n.tcp!.counters.totalDropped(), 0, 'the hand-over is no drop')
  // A registration ack over 2644 names port 2644's number in its src node.
  const w2 = await WsTestClient.open(`ws://127.0.0.1:${port}/ipx/lab`)
  t.teardown(async () => { await w2.close() })
  const ack2 = await w2.register()
  t.is(ack2?.readUInt16BE(26), port)
  // Anything else that is not HTTP is still refused as before.
  t.is((await WsTestClient.open(`ws://127.0.0.1:${port}/nope`)).refusedStatus, 404)
})

const needOpenssl = { tools: ['openssl'] }
const noOpenssl = realMissing(needOpenssl)
;(noOpenssl === undefined ? test : test.skip)(`wss:// with --tls-cert/--tls-key (a self-signed certificate made here by openssl)${noOpenssl !== undefined ? ` (skipped: ${noOpenssl})` : ''}`, async t => {
  if (!requireReal(t, needOpenssl)) return
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-wss-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const cert = path.join(dir, 'cert.pem')
  const key = path.join(dir, 'key.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' })
  const { n, port } = await node(t, { ws: { tlsCert: cert, tlsKey: key } })
  const wsPort = n.ws!.server.address()!.port
  const u = await udpClient(t, port, '127.0.0.1')
  const w = await ws(t, `wss://127.0.0.1:${wsPort}/ipx/lab`, { ca: execFileSync('cat', [cert]) })
  w.sendTo(u.node, Buffer.from('over TLS'))
  t.true(await dataFor(u, 1))
  t.true(n.stats().ws?.tls)
  // Plain ws:// to the TLS listener is no WebSocket.
  const plain = await WsTestClient.open(`ws://127.0.0.1:${wsPort}/ipx/lab`)
  t.not(plain.ws.readyState, plain.ws.OPEN)
  // An unreadable key is a ConfigError naming the field.
  await t.throwsAsync(startNode(validateConfig({ listen: '127.0.0.1:0', snpListen: '127.0.0.1:0', ws: { listen: '127.0.0.1:0', tlsCert: cert, tlsKey: path.join(dir, 'missing.pem') } })), { instanceOf: ConfigError, message: /ws\.tlsKey/ })
})

test('config: ws from file, IPXLAB_WS* environment and flags; bad values name the field', t => {
  const c = mergeConfigSources({ env: { IPXLAB_WS: '127.0.0.1:1900', IPXLAB_WS_ROOM: 'doom', IPXLAB_WS_ORIGINS: 'https://a.example, https://b.example' }, flags: {} })
  t.deepEqual(c.ws?.listen, { host: '127.0.0.1', port: 1900 })
  t.is(c.ws?.room, 'doom')
  t.deepEqual(c.ws?.origins, ['https://a.example', 'https://b.example'])
  t.is(c.ws?.tunnelPort, true)
  t.is(validateConfig({ ws: { listen: '0.0.0.0' } }).ws?.listen.port, 1900, 'js-dos\'s port by default')
  t.is(validateConfig({}).ws, undefined, 'off by default')
  t.throws(() => validateConfig({ ws: { listen: '0.0.0.0:1900', room: 'x'.repeat(65) } }), { instanceOf: ConfigError, message: /^ws\.room/ })
  t.throws(() => validateConfig({ ws: { listen: '0.0.0.0:1900', origins: ['games.example.org'] } }), { instanceOf: ConfigError, message: /^ws\.origins\[0\]/ })
  t.throws(() => validateConfig({ ws: { listen: '0.0.0.0:1900', tlsCert: 'c.pem' } }), { instanceOf: ConfigError, message: /^ws\.tlsKey/ })
  t.throws(() => mergeConfigSources({ env: { IPXLAB_WS: 'nonsense:port' } }), { instanceOf: ConfigError, message: /IPXLAB_WS/ })
})

async function get (port: number, p: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p, agent: false }, res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { body += c })
      res.on('end', () => { resolve(body) })
    }).on('error', reject)
  })
}

test('drops by reason in stats, /api/stats and /metrics', async t => {
  const { n, wsUrl } = await node(t, { ws: { origins: ['https://ok.example'] } })
  const w = await ws(t, wsUrl('lab'), { origin: 'https://ok.example' })
  w.send(Buffer.alloc(12))
  w.sendTo(0x7f0000010001, Buffer.from('nobody'))
  t.is((await WsTestClient.open(wsUrl('lab'), { origin: 'https://bad.example' })).refusedStatus, 403)
  const text = await WsTestClient.open(wsUrl('lab'), { origin: 'https://ok.example' })
  text.ws.send('text')
  t.true(await text.waitClosed())
  t.true(await until(() => n.ws!.server.relay.counters.dropped.malformed === 1 && n.stats().ws?.closed.not_binary === 1))
  const doc = JSON.parse(await get(n.api!.port, '/api/stats')) as StatusDocument
  const drops = doc.drops.filter(d => d.component.startsWith('ws')).map(d => `${d.component}/${d.reason}=${d.count}`).sort()
  t.true(drops.includes('ws/malformed=1') && drops.includes('ws/unsupported=1') && drops.includes('ws_connection/refused_origin=1') && drops.includes('ws_connection/closed_not_binary=1'), drops.join(' '))
  const metrics = await get(n.api!.port, '/metrics')
  t.regex(metrics, /ipxlab_datagrams_dropped_total\{layer="client",component="ws",peer="",reason="malformed"\} 1/)
  t.regex(metrics, /ipxlab_datagrams_dropped_total\{layer="socket",component="ws_connection",peer="",reason="refused_origin"\} 1/)
  t.regex(metrics, /ipxlab_ws_clients\{room="\*",mapped="1"\} 1/)
  const shown = formatStats(doc)
  t.regex(shown, /websocket clients \(1\)/)
  t.regex(shown, /ws_connection\s+-\s+refused_origin\s+1/)
})

const needTshark = { tools: ['tshark'] }
const noTshark = realMissing(needTshark)
;(noTshark === undefined ? test : test.skip)(`the capture records WebSocket clients as their own interface, one per room, clean in tshark${noTshark !== undefined ? ` (skipped: ${noTshark})` : ''}`, async t => {
  if (!requireReal(t, needTshark)) return
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-ws-capture-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const file = path.join(dir, 'ws.pcapng')
  const { n, port, wsUrl } = await node(t, { capture: file, ws: { room: 'lab' } })
  const u = await udpClient(t, port, '127.0.0.1')
  const w = await ws(t, wsUrl('lab'))
  const other = await ws(t, wsUrl('other'))
  const peer = await ws(t, wsUrl('other'))
  w.sendTo(u.node, Buffer.from('ws to udp'))
  t.true(await dataFor(u, 1))
  await u.sendTo(w.node, Buffer.from('udp to ws'))
  t.true(await until(() => wsData(w).length >= 1))
  other.sendTo(peer.node, Buffer.from('room other'))
  t.true(await until(() => wsData(peer).length >= 1))
  await n.stop()
  let records = 0
  for await (const r of readCapture(file)) records += r.interfaceId >= 0 ? 1 : 0
  t.true(records >= 4, `${records} records`)
  const rows = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.interface_name', '-e', 'data.data'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .trim().split('\n').map(l => { const [iface, hex] = l.split('\t'); return `${iface ?? ''} ${Buffer.from((hex ?? '').replaceAll(':', ''), 'hex').toString('latin1')}` })
  t.log(rows)
  t.true(rows.includes('ws:lab ws to udp'), 'what the browser sent, on its room\'s interface')
  t.true(rows.includes('ws:lab udp to ws'), 'what the router handed the room')
  t.true(rows.includes('local udp to ws'))
  t.true(rows.includes('ws:other room other'), 'a room apart has an interface of its own')
  const bad = execFileSync('tshark', ['-r', file, '-Y', '_ws.malformed || _ws.expert.severity >= 0x00600000', '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  t.is(bad.trim(), '')
})
