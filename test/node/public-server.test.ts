/**
 * Issue 13, items 1-3 against a whole node on loopback: the status API binds loopback unless told
 * otherwise, a bearer token guards everything but /healthz, 64 slow clients cannot starve
 * /healthz, CONNECT gets a status line, and a TCP connection flood on 2644 leaves /healthz and
 * new clients served. Attacks are bounded in count and time.
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import http from 'node:http'
import net from 'node:net'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { startNode } from '../../src/node/node.js'
import type { IpxNode } from '../../src/node/node.js'
import { validateConfig } from '../../src/node/config.js'
import { ConfigError } from '../../src/errors.js'
import { until } from '../transport/_dosbox-client.js'
import { runStats } from '../../src/cli/stats.js'
import { runCli } from '../_cli.js'

const TOKEN = 'a-token-of-twenty-four-ch'

interface Reply { status: number, headers: http.IncomingHttpHeaders, body: string }

async function get (port: number, p: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return await new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method, headers, agent: false, timeout: 5000 }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }) })
    })
    req.on('error', reject)
    req.on('timeout', () => { req.destroy(new Error('timeout')) })
    req.end()
  })
}

async function node (t: ExecutionContext, extra: Record<string, unknown> = {}): Promise<IpxNode> {
  const n = await startNode(validateConfig({ listen: '127.0.0.1:0', snpListen: '127.0.0.1:0', ...extra }))
  t.teardown(async () => { await n.stop() })
  return n
}

test('the status API listens on loopback by default; --snp moves it, api.listen sets it, SNP UDP stays on the listen host', t => {
  const wild = validateConfig({ listen: '0.0.0.0:2644' })
  t.deepEqual(wild.api.listen, { host: '127.0.0.1', port: 2629 })
  t.deepEqual(wild.snpListen, { host: '0.0.0.0', port: 2629 }, 'peers still reach SNP')
  t.deepEqual(validateConfig({ listen: '[::]:2644' }).api.listen, { host: '::1', port: 2629 })
  t.deepEqual(validateConfig({ listen: '127.0.0.2:2644' }).api.listen, { host: '127.0.0.2', port: 2629 }, 'a loopback listen host keeps the lab apart')
  t.deepEqual(validateConfig({ listen: '0.0.0.0:2644', snpListen: '192.0.2.1:2629' }).api.listen, { host: '192.0.2.1', port: 2629 })
  t.deepEqual(validateConfig({ listen: '0.0.0.0:2644', snpListen: '0.0.0.0:2629', api: { listen: '127.0.0.1:8080' } }).api.listen, { host: '127.0.0.1', port: 8080 })
  t.throws(() => validateConfig({ api: { token: 'short' } }), { instanceOf: ConfigError, message: /api\.token|at least 16/ })
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-token-'))
  writeFileSync(path.join(dir, 'token'), `${TOKEN}\n`)
  t.is(validateConfig({ api: { tokenFile: path.join(dir, 'token') } }).api.token, TOKEN)
  t.throws(() => validateConfig({ api: { tokenFile: path.join(dir, 'missing') } }), { instanceOf: ConfigError, message: /cannot read/ })
  t.throws(() => validateConfig({ api: { token: TOKEN, tokenFile: path.join(dir, 'token') } }), { instanceOf: ConfigError })
})

test('with a token: /healthz open, everything else 401 with WWW-Authenticate unless the bearer token is right; refusals counted', async t => {
  const n = await node(t, { api: { token: TOKEN } })
  const port = n.api!.port
  t.is((await get(port, '/healthz')).status, 200)
  const bare = await get(port, '/api/stats')
  t.is(bare.status, 401)
  t.is(bare.headers['www-authenticate'], 'Bearer realm="ipxlab"')
  t.false(bare.body.includes('127.0.0.1'), 'nothing about clients leaks')
  t.is((await get(port, '/metrics')).status, 401)
  t.is((await get(port, '/api/stats', { authorization: 'Bearer wrong-token-wrong-token' })).status, 401)
  t.is((await get(port, '/api/stats', { authorization: `Basic ${TOKEN}` })).status, 401)
  const ok = await get(port, '/api/stats', { authorization: `Bearer ${TOKEN}` })
  t.is(ok.status, 200)
  t.is((await get(port, '/metrics', { authorization: `bearer ${TOKEN}` })).status, 200, 'the scheme is case-insensitive (RFC 9110 §11.1)')
  const doc = JSON.parse(ok.body) as { api: { unauthorized: number } }
  t.is(doc.api.unauthorized, 4)
})

test('CONNECT gets a 405 status line instead of a silent close', async t => {
  const n = await node(t)
  const socket = net.connect({ host: '127.0.0.1', port: n.api!.port })
  const data: Buffer[] = []
  socket.on('data', d => { data.push(d) })
  socket.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n')
  await new Promise(resolve => { socket.once('close', resolve) })
  t.regex(Buffer.concat(data).toString('latin1'), /^HTTP\/1\.1 405 Method Not Allowed\r\n/)
})

test('64 slow HTTP clients from one host hold at most maxPerIp sockets; /healthz keeps answering everyone else (20 of 20)', async t => {
  const n = await node(t)
  const port = n.api!.port
  const slow: net.Socket[] = []
  t.teardown(() => { for (const s of slow) s.destroy() })
  for (let i = 0; i < 64; i++) {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' })
    s.on('error', () => {})
    s.write('GET /api/stats HTTP/1.1\r\nHost: x\r\n')
    slow.push(s)
  }
  await Promise.all(slow.map(async s => { await new Promise(resolve => { s.once('connect', resolve); s.once('close', resolve) }) }))
  let ok = 0
  for (let i = 0; i < 20; i++) if ((await get(port, '/healthz')).status === 200) ok++
  t.is(ok, 20)
  const doc = JSON.parse((await get(port, '/api/stats')).body) as { api: { refused: { per_ip_limit: number }, open: number } }
  t.is(doc.api.refused.per_ip_limit, 64 - 8)
  t.log(`slowloris: 64 slow clients, ${doc.api.refused.per_ip_limit} refused at accept, /healthz ${ok}/20`)
})

test('a TCP flood on 2644 (240 connections from 4 hosts) is capped and counted; /healthz answers; /api/stats shows the refusals', async t => {
  const n = await node(t, { limits: { tcpMaxConnections: 20, tcpMaxPerIp: 5, tcpFirstFrameMs: 60_000 } })
  const port = n.address().port
  const sockets: net.Socket[] = []
  t.teardown(() => { for (const s of sockets) s.destroy() })
  for (const src of ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']) {
    for (let i = 0; i < 60; i++) {
      const s = net.connect({ host: '127.0.0.1', port, localAddress: src })
      s.on('error', () => {})
      sockets.push(s)
    }
  }
  t.true(await until(() => { const f = n.tcp!.connectionStats(); return f.admitted + f.refused.per_ip_limit + f.refused.total_limit === 240 }, 10_000))
  t.is((await get(n.api!.port, '/healthz')).status, 200)
  const doc = JSON.parse((await get(n.api!.port, '/api/stats')).body) as { tcpConnections: { open: number, refused: { per_ip_limit: number, total_limit: number } } }
  t.is(doc.tcpConnections.open, 20)
  t.is(doc.tcpConnections.refused.per_ip_limit + doc.tcpConnections.refused.total_limit, 240 - 20)
  t.log(`2644 flood: 240 attempts, open ${doc.tcpConnections.open}, refused ${JSON.stringify(doc.tcpConnections.refused)}; /healthz 200`)
})

test('ipxlab stats reads a token-protected node with the token, and says what is missing without it', async t => {
  const n = await node(t, { api: { token: TOKEN } })
  const out = { text: '', write (s: string) { this.text += s; return true } }
  const err = { text: '', write (s: string) { this.text += s; return true } }
  const io = { stdout: out as unknown as NodeJS.WritableStream, stderr: err as unknown as NodeJS.WritableStream }
  t.is(await runStats({ node: `127.0.0.1:${n.api!.port}` }, io), 2)
  t.regex(err.text, /requires a token/)
  t.is(await runStats({ node: `127.0.0.1:${n.api!.port}`, token: TOKEN }, io), 0)
  t.regex(out.text, /^node IPXLAB/)
})

test('a port in use: exit 2, one line naming the port, and no "node stopped" for a node that never started', async t => {
  const n = await node(t)
  const r = await runCli(['node', '--listen', `127.0.0.1:${n.address().port}`, '--snp', '127.0.0.1:0'])
  t.is(r.code, 2)
  t.regex(r.stderr, /already in use/)
  t.notRegex(r.stderr + r.stdout, /node stopped/)
})
