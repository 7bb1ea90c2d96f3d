import test from 'ava'
import net from 'node:net'
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { BROADCAST, until, ipxPacket } from '../transport/_dosbox-client.js'
import { twoNodes, freePort, data, client } from './_two-nodes.js'
import { startNode } from '../../src/node/node.js'
import { validateConfig } from '../../src/node/config.js'
import { readCapture } from '../../src/capture/reader.js'
import { ROOT, realMissing, requireReal } from '../_env.js'

test('a DOSBox relay over TCP (IPX framed by its length, as js-dos relays) is a segment of the node', async t => {
  const { a, aPort, bPort } = await twoNodes(t, { extra: { timers: {} } })
  const y = await client(t, bPort, '127.0.0.2')
  const relayNode = 0x020000000042
  const sock = net.connect(aPort, '127.0.0.1')
  t.teardown(() => { sock.destroy() })
  await once(sock, 'connect')
  sock.setNoDelay(true)
  let inbound = Buffer.alloc(0)
  sock.on('data', (c: Buffer) => { inbound = Buffer.concat([inbound, c]) })
  // A broadcast from the relay's station crosses to B's client ...
  const hello = ipxPacket({ dstNode: BROADCAST, srcNode: relayNode, payload: Buffer.from('from the browser') })
  // ... split over two writes, as a stream may deliver it.
  sock.write(hello.subarray(0, 7))
  sock.write(hello.subarray(7))
  t.true(await until(() => data(y).length >= 1, 3000), 'broadcast reached B')
  t.deepEqual(data(y)[0], hello)
  // ... and B's client answers it by unicast, back over the tunnel and down the TCP connection.
  const answer = await y.sendTo(relayNode, Buffer.from('hello browser'))
  // The segment also gets the node's own RIP/SAP broadcasts (a NetWare LAN does), possibly first.
  t.true(await until(() => inbound.includes(answer), 3000), 'the answer came back over TCP, whole')
  t.truthy(a.router.port('tcp:127.0.0.1:' + String(sock.localPort)))
  sock.destroy()
  t.true(await until(() => a.router.ports().every(p => !p.id.startsWith('tcp:')), 3000), 'the port goes with the connection')
})

test('--keepalive: every DOSBox client gets a ping so its NAT mapping stays open', async t => {
  const port = await freePort('127.0.0.1')
  const a = await startNode(validateConfig({ listen: `127.0.0.1:${port}`, snpListen: '127.0.0.1:0', timers: { ripIntervalMs: 300, sapIntervalMs: 300 }, limits: { keepaliveMs: 200 } }))
  t.teardown(async () => { await a.stop() })
  const x = await client(t, port, '127.0.0.1')
  t.true(await until(() => x.received.some(d => d.readUInt16BE(16) === 2 && d.readUInt16BE(28) === 2), 3000), 'a ping to socket 2 arrived')
})

const need = { tools: ['tshark'] }
const why = realMissing(need)
;(why === undefined ? test : test.skip)(`ipxlab node --capture: SIGTERM while traffic flows leaves a capture tshark reads cleanly${why !== undefined ? ` (skipped: ${why})` : ''}`, async t => {
  if (!requireReal(t, need)) return
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-sigterm-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const file = path.join(dir, 'node.pcapng')
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'node', '--listen', '127.0.0.1:0', '--snp', '127.0.0.1:0', '--capture', file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  t.teardown(() => { clearTimeout(killer); child.kill('SIGKILL') })
  let out = ''
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); const m = /udp\+tcp 127\.0\.0\.1:(\d+)/.exec(out); if (m !== null) resolve(Number(m[1])) })
    child.once('exit', () => { reject(new Error('exited early')) })
  })
  const x = await client(t, port, '127.0.0.1')
  let flowing = true
  const flood = (async () => {
    // Broadcasts cross the router (and so the capture); bounded: at most 5000 of them.
    for (let i = 0; i < 5000 && flowing; i++) {
      await x.sendTo(BROADCAST, Buffer.from(`broadcast ${i}`))
      if (i % 50 === 0) await new Promise(resolve => setImmediate(resolve))
    }
  })()
  await new Promise(resolve => setTimeout(resolve, 400))
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit') as [number | null]
  flowing = false
  await flood
  t.is(code, 0)
  const records = []
  for await (const r of readCapture(file)) records.push(r)
  t.true(records.length > 10, `${records.length} records`)
  const bad = execFileSync('tshark', ['-r', file, '-Y', '_ws.malformed || _ws.expert.severity >= 0x00600000', '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  t.is(bad.trim(), '')
})

test('a peer given by host name (a container service name) is resolved, and the link comes up', async t => {
  const pA = await freePort('127.0.0.1')
  const pB = await freePort('127.0.0.1')
  const a = await startNode(validateConfig({ name: 'NODE-A', listen: `127.0.0.1:${pA}`, snpListen: '127.0.0.1:0', peers: [{ address: `localhost:${pB}`, snp: '127.0.0.1:9' }] }))
  t.teardown(async () => { await a.stop() })
  const b = await startNode(validateConfig({ name: 'NODE-B', listen: `127.0.0.1:${pB}`, snpListen: '127.0.0.1:0', peers: [{ address: `127.0.0.1:${pA}`, snp: '127.0.0.1:9' }] }))
  t.teardown(async () => { await b.stop() })
  t.true(await until(() => a.peers()[0]?.link.up === true && b.peers()[0]?.link.up === true, 5000), 'both ends up')
  t.is(a.tunnel.counters.dropped.unregistered, 0)
})

test('a peer name that does not resolve yet: the node runs, retries, and stops cleanly', async t => {
  const p = await freePort('127.0.0.1')
  const a = await startNode(validateConfig({ listen: `127.0.0.1:${p}`, snpListen: '127.0.0.1:0', peers: ['no-such-host.invalid:2644'] }))
  t.is(a.peers().length, 0, 'not added until it resolves')
  const x = await client(t, p, '127.0.0.1')
  t.truthy(x.node, 'local clients are served meanwhile')
  await a.stop()
})

test('TCP peering with both nodes on a wildcard address: both dial, one connection carries the link, it comes up', async t => {
  const p1 = await freePort('0.0.0.0')
  const p2 = await freePort('0.0.0.0')
  const a = await startNode(validateConfig({ name: 'NODE-A', listen: `0.0.0.0:${p1}`, snpListen: '127.0.0.1:0', peers: [{ address: `127.0.0.1:${p2}`, transport: 'tcp', snp: '127.0.0.1:9' }] }))
  t.teardown(async () => { await a.stop() })
  const b = await startNode(validateConfig({ name: 'NODE-B', listen: `0.0.0.0:${p2}`, snpListen: '127.0.0.1:0', peers: [{ address: `127.0.0.1:${p1}`, transport: 'tcp', snp: '127.0.0.1:9' }] }))
  t.teardown(async () => { await b.stop() })
  t.true(await until(() => a.peers()[0]?.link.up === true && b.peers()[0]?.link.up === true, 8000), 'both ends up')
})

test('two TCP peers on one host each get their own inbound connection (none is stolen)', async t => {
  const pA = await freePort('127.0.0.2')
  const pB = await freePort('127.0.0.1')
  const pC = await freePort('127.0.0.1')
  const snp = (h: string): string => `${h}:9`
  const a = await startNode(validateConfig({ name: 'NODE-A', listen: `127.0.0.2:${pA}`, snpListen: '127.0.0.2:0', peers: [{ address: `127.0.0.1:${pB}`, transport: 'tcp', snp: snp('127.0.0.1') }, { address: `127.0.0.1:${pC}`, transport: 'tcp', snp: snp('127.0.0.1') }] }))
  t.teardown(async () => { await a.stop() })
  for (const [name, port] of [['NODE-B', pB], ['NODE-C', pC]] as const) {
    const n = await startNode(validateConfig({ name, listen: `127.0.0.1:${port}`, snpListen: '127.0.0.1:0', peers: [{ address: `127.0.0.2:${pA}`, transport: 'tcp', snp: snp('127.0.0.2') }] }))
    t.teardown(async () => { await n.stop() })
  }
  t.true(await until(() => a.peers().every(p => p.link.up), 5000), 'both of A\'s links up')
  await new Promise(resolve => setTimeout(resolve, 500))
  t.is(a.tcp?.closeReasons.get('replaced') ?? 0, 0, 'no connection replaced another')
})
