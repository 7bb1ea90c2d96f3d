import test from 'ava'
import type { ExecutionContext } from 'ava'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { startDosboxNode, parseListenAddress } from '../../src/transport/serve.js'
import type { DosboxNode, DosboxNodeOptions } from '../../src/transport/serve.js'
import { ipv4ToNumber, numberToIpv4, dosboxNode, encodeRegistrationAck, KEEPALIVE_HOST, DosboxServer } from '../../src/transport/dosbox-server.js'
import type { DosboxClientEvent, DosboxClientInfo } from '../../src/transport/dosbox-server.js'
import { DropReason } from '../../src/transport/counters.js'
import { ConfigError } from '../../src/errors.js'
import { SHARED, realMissing, requireReal } from '../_env.js'
import { TestClient, REGISTRATION, BROADCAST, ipxPacket, mRegistration, until, sleep } from './_dosbox-client.js'

interface Harness {
  node: DosboxNode
  open: (host?: string) => Promise<TestClient>
  /** Opens and registers a client; fails the test without an ack. */
  joined: () => Promise<TestClient>
  /** Waits until the server has received `n` datagrams in total. */
  settled: (n: number) => Promise<boolean>
}

async function setup (t: ExecutionContext, opts: Partial<DosboxNodeOptions> = {}): Promise<Harness> {
  const node = await startDosboxNode({ listen: '127.0.0.1:0', ...opts })
  t.teardown(async () => { await node.stop() })
  const open = async (host = '127.0.0.1'): Promise<TestClient> => {
    const c = await TestClient.open(node.address.port, host)
    t.teardown(async () => { await c.close() })
    return c
  }
  const joined = async (): Promise<TestClient> => {
    const c = await open()
    const ack = await c.register()
    if (ack === undefined) throw new Error('no registration ack')
    c.clear()
    return c
  }
  return { node, open, joined, settled: async n => await until(() => node.counters.received >= n) }
}

/** Sends a marker unicast from → to and waits for it; returns what `to` got before the marker. */
async function barrier (t: ExecutionContext, from: TestClient, to: TestClient): Promise<Buffer[]> {
  const marker = Buffer.from('barrier-' + Math.random().toString(16).slice(2))
  await from.sendTo(to.node, marker)
  t.true(await until(() => to.received.some(d => d.subarray(30).equals(marker))), 'barrier arrived')
  const i = to.received.findIndex(d => d.subarray(30).equals(marker))
  const before = to.received.slice(0, i)
  to.clear()
  return before
}

function drops (node: DosboxNode): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(node.counters.dropped)) if (v !== 0) out[k] = v
  return out
}

/** Every datagram is in exactly one counter. */
function reconciled (t: ExecutionContext, node: DosboxNode): void {
  const c = node.counters
  t.is(c.received, c.delivered + c.totalDropped(), 'received = delivered + drops')
}

/** Masks what changes from run to run: dst node (10-15) and the src node's port (26-27); `type` masks byte 5. */
function maskAck (ack: Buffer, type: boolean): string {
  const b = Buffer.from(ack)
  b.fill(0, 10, 16)
  b.fill(0, 26, 28)
  if (type) b[5] = 0
  return b.toString('hex')
}

// ---------------------------------------------------------------- helpers

test('ipv4ToNumber parses dotted and ::ffff:-mapped IPv4, rejects the rest', t => {
  t.is(ipv4ToNumber('127.0.0.1'), 0x7f000001)
  t.is(ipv4ToNumber('255.255.255.255'), 0xffffffff)
  t.is(ipv4ToNumber('::ffff:127.0.0.1'), 0x7f000001)
  t.is(ipv4ToNumber('::FFFF:10.1.2.3'), 0x0a010203)
  for (const bad of ['::1', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', 'a.b.c.d', '', '1.2.3.4 ', '::ffff:1.2.3', '1234.1.1.1']) t.is(ipv4ToNumber(bad), -1, bad)
  t.is(numberToIpv4(0xc0a80001), '192.168.0.1')
  t.is(dosboxNode(0x7f000001, 0xdff7), 0x7f000001dff7)
})

test('parseListenAddress accepts ADDR:PORT, [v6]:PORT, PORT and rejects junk with ConfigError', t => {
  t.deepEqual(parseListenAddress('127.0.0.1:2644'), { host: '127.0.0.1', port: 2644 })
  t.deepEqual(parseListenAddress('[::1]:2650'), { host: '::1', port: 2650 })
  t.deepEqual(parseListenAddress('::1'), { host: '::1', port: 2644 })
  t.deepEqual(parseListenAddress('2644'), { host: '0.0.0.0', port: 2644 })
  t.deepEqual(parseListenAddress('localhost:0'), { host: '127.0.0.1', port: 0 })
  for (const bad of ['example.com:2644', '127.0.0.1:70000', '127.0.0.1:x', '127.0.0.1:']) {
    t.throws(() => parseListenAddress(bad), { instanceOf: ConfigError, code: 'IPX_ERR_CONFIG' }, bad)
  }
})

// ---------------------------------------------------------------- registration

test('registration: the ack is the 30-byte DOSBox ack with our node, src net 1, src node 0.0.0.0:port', async t => {
  const events: Array<[DosboxClientEvent, DosboxClientInfo]> = []
  const h = await setup(t, { onClient: (e, c) => events.push([e, c]) })
  const x = await h.open()
  const ack = await x.register()
  t.truthy(ack)
  const expected = 'ffff001e0000' + '00000000' + x.node.toString(16).padStart(12, '0') + '0002' +
    '00000001' + '00000000' + h.node.address.port.toString(16).padStart(4, '0') + '0002'
  t.is(ack!.toString('hex'), expected)
  t.deepEqual(ack, encodeRegistrationAck(x.node, h.node.address.port))
  t.is(h.node.clients().length, 1)
  t.is(h.node.clients()[0]!.port, x.port)
  t.is(h.node.clients()[0]!.ipv4, '127.0.0.1')
  t.deepEqual(events.map(e => e[0]), ['registered'])
  t.is(h.node.counters.delivered, 1)
  reconciled(t, h.node)
})

const goldenMissing = realMissing({ shared: true })
;(goldenMissing === undefined ? test : test.skip)(`registration matches the golden DOSBox 0.74 and stand-in transcripts byte for byte (masked)${goldenMissing !== undefined ? ` (${goldenMissing})` : ''}`, async t => {
  if (!requireReal(t, { shared: true })) return
  const dir = path.join(SHARED, 'tools', 'dosbox', 'transcripts')
  const read = (name: string): Array<{ kind: string, hex: string }> =>
    readFileSync(path.join(dir, name, 'transcript.jsonl'), 'utf8').trim().split('\n').map(l => JSON.parse(l) as { kind: string, hex: string })
  const dosbox = read('ping-dosbox-server')
  const standin = read('ping-python-server')
  const h = await setup(t)
  const x = await h.open()
  const ack = await x.register()
  t.truthy(ack)
  // Our scripted registration is the exact request real DOSBox 0.74 sent.
  t.is(REGISTRATION.toString('hex'), dosbox.find(r => r.kind === 'REGISTER')!.hex)
  const golden074 = dosbox.filter(r => r.kind === 'REG-ACK')
  t.true(golden074.length >= 3)
  for (const g of golden074) t.is(maskAck(ack!, true), maskAck(Buffer.from(g.hex, 'hex'), true), 'vs DOSBox 0.74 ack (type byte masked)')
  // The stand-in (and staging) zero the type byte: equal without masking it.
  const goldenStandin = Buffer.from(standin.find(r => r.kind === 'REG-ACK')!.hex, 'hex')
  t.is(maskAck(ack!, false), maskAck(goldenStandin, false))
  // The golden acks' src port is the golden server's port, 2644: ours is ours.
  t.is(ack!.readUInt16BE(26), h.node.address.port)
})

test('re-registration from the same ip:port reuses the slot: no duplicate deliveries', async t => {
  const events: DosboxClientEvent[] = []
  const h = await setup(t, { onClient: e => events.push(e) })
  const x = await h.joined()
  t.truthy(await x.register())
  t.truthy(await x.register())
  x.clear()
  const y = await h.joined()
  t.is(h.node.clients().length, 2)
  t.deepEqual(events, ['registered', 'reregistered', 'reregistered', 'registered'])
  await y.sendTo(BROADCAST, Buffer.from('bcast'))
  const before = await barrier(t, y, x)
  t.is(before.length, 1, 'one copy of the broadcast, not two')
  reconciled(t, h.node)
})

test('DOSBox-X "M" registration (36 bytes) is acked with the ip:port node, the MAC recorded', async t => {
  const h = await setup(t)
  const x = await h.open()
  const ack = await x.register(mRegistration(0x02aabbccddee))
  t.truthy(ack)
  t.is(ack!.length, 30)
  t.is(ack![4], 0, 'transport control 0: extension not honoured')
  t.deepEqual(ack, encodeRegistrationAck(x.node, h.node.address.port))
  t.is(h.node.clients()[0]!.requestedMac, 0x02aabbccddee)
  t.is(h.node.clients()[0]!.node, x.node)
  x.clear()
  // It then works with its ip:port node like any client.
  const y = await h.joined()
  await y.sendTo(x.node, Buffer.from('hi'))
  t.true(await x.waitFor(1))
  t.is(h.node.counters.totalDropped(), 0)
  reconciled(t, h.node)
})

test('table full: registrations beyond maxClients get no ack and count table_full', async t => {
  const h = await setup(t, { maxClients: 2 })
  await h.joined()
  await h.joined()
  const z = await h.open()
  t.is(await z.register(REGISTRATION, 300), undefined)
  t.is(h.node.counters.dropped.table_full, 1)
  t.is(h.node.clients().length, 2)
  reconciled(t, h.node)
})

test('IPv6 clients cannot be DOSBox nodes: refused, counted unsupported, no ack', async t => {
  const node = await startDosboxNode({ listen: '[::1]:0' })
  t.teardown(async () => { await node.stop() })
  t.is(node.address.family, 'IPv6')
  const c = await TestClient.open(node.address.port, '::1')
  t.teardown(async () => { await c.close() })
  t.is(await c.register(REGISTRATION, 300), undefined)
  t.deepEqual(drops(node), { unsupported: 1 })
  t.is(node.clients().length, 0)
})

// ---------------------------------------------------------------- relaying

test('broadcast goes unchanged to every other client, never back to the sender', async t => {
  const h = await setup(t)
  const [x, y, z] = [await h.joined(), await h.joined(), await h.joined()]
  const sent = await y.sendTo(BROADCAST, Buffer.from('hello all'))
  t.true(await x.waitFor(1))
  t.true(await z.waitFor(1))
  t.deepEqual(x.received[0], sent)
  t.deepEqual(z.received[0], sent)
  // dst node ffffffff0000 is a broadcast too: only bytes 10-13 count (probe T8).
  const half = await y.sendTo(0xffffffff0000, Buffer.from('half'))
  t.true(await x.waitFor(2))
  t.deepEqual(x.received[1], half)
  t.deepEqual(await barrier(t, x, y), [], 'the sender got nothing back')
  reconciled(t, h.node)
})

test('unicast goes unchanged only to the client whose ip:port is the dst node', async t => {
  const h = await setup(t)
  const [x, y, z] = [await h.joined(), await h.joined(), await h.joined()]
  const sent = await y.sendTo(x.node, Buffer.from('just x'), { dstNetwork: 0x12345678, packetType: 5 })
  t.true(await x.waitFor(1))
  t.deepEqual(x.received[0], sent)
  t.deepEqual(await barrier(t, y, z), [])
  t.is(h.node.counters.delivered, 3 + 2)
  reconciled(t, h.node)
})

test('IPXNET PING: the broadcast ping reaches others and their unicast replies reach the pinger', async t => {
  const h = await setup(t)
  const [a, b] = [await h.joined(), await h.joined()]
  // [074] pingSend: type 0, socket 2 both ends, broadcast node.
  const ping = ipxPacket({ dstNode: BROADCAST, dstSocket: 2, srcNode: a.node, srcSocket: 2, packetType: 0 })
  await a.send(ping)
  t.true(await b.waitFor(1))
  t.deepEqual(b.received[0], ping)
  const reply = ipxPacket({ dstNode: a.node, dstSocket: 2, srcNode: b.node, srcSocket: 2, packetType: 0 })
  await b.send(reply)
  t.true(await a.waitFor(1))
  t.deepEqual(a.received[0], reply)
  t.is(h.node.counters.totalDropped(), 0)
})

test('unknown unicast destination counts unknown_destination; onForward can take it and sees broadcasts', async t => {
  const h = await setup(t)
  const [x] = [await h.joined()]
  await x.sendTo(0x7f0000010001, Buffer.from('nobody'))
  t.true(await h.settled(2))
  t.deepEqual(drops(h.node), { unknown_destination: 1 })

  const forwarded: string[] = []
  const h2 = await setup(t, { onForward: (d, peek) => { forwarded.push(`${peek.dstNode.toString(16)}:${d.length}`); return true } })
  const y = await h2.joined()
  await y.sendTo(0x7f0000010001, Buffer.from('bridge me'))
  await y.sendTo(BROADCAST, Buffer.from('all'))
  t.true(await h2.settled(3))
  t.deepEqual(forwarded, ['7f0000010001:39', 'ffffffffffff:33'])
  t.is(h2.node.counters.totalDropped(), 0)
  reconciled(t, h2.node)
})

test('datagrams not starting FF FF go to onOther, else count unsupported', async t => {
  const h = await setup(t)
  const x = await h.joined()
  await x.send(Buffer.from('IPXL\x01 native frame'))
  t.true(await h.settled(2))
  t.deepEqual(drops(h.node), { unsupported: 1 })

  const seen: number[] = []
  const h2 = await setup(t, { onOther: (d, rinfo) => { seen.push(d.length + rinfo.port * 0); return d[0] === 0x49 ? undefined : DropReason.Unauthenticated } })
  const y = await h2.open()
  await y.send(Buffer.from('IPXL frame'))
  await y.send(Buffer.from('junk'))
  t.true(await h2.settled(2))
  t.deepEqual(seen, [10, 4])
  t.is(h2.node.counters.delivered, 1)
  t.deepEqual(drops(h2.node), { unauthenticated: 1 })
})

// ---------------------------------------------------------------- unsafe input

test('unregistered sender: dropped (DOSBox relays it), counted unregistered', async t => {
  const h = await setup(t)
  const x = await h.joined()
  const u = await h.open()
  await u.sendTo(x.node, Buffer.from('from-unregistered'))
  t.true(await h.settled(2))
  const y = await h.joined()
  t.deepEqual(await barrier(t, y, x), [])
  t.deepEqual(drops(h.node), { unregistered: 1 })
  reconciled(t, h.node)
})

test('spoofed source node: dropped (DOSBox trusts it), counted spoofed', async t => {
  const h = await setup(t)
  const [x, y] = [await h.joined(), await h.joined()]
  await y.send(ipxPacket({ dstNode: BROADCAST, srcNode: x.node, payload: Buffer.from('spoof') }))
  await y.send(ipxPacket({ dstNode: x.node, srcNode: y.node + 1, payload: Buffer.from('spoof') }))
  t.true(await h.settled(4))
  t.deepEqual(await barrier(t, y, x), [])
  t.deepEqual(drops(h.node), { spoofed: 2 })
  reconciled(t, h.node)
})

test('short datagrams (0, 1, 10, 29 bytes) are malformed, never relayed with stale bytes', async t => {
  const h = await setup(t)
  const [x, y] = [await h.joined(), await h.joined()]
  await y.sendTo(x.node, Buffer.from('prime'))
  t.true(await x.waitFor(1))
  x.clear()
  for (const n of [0, 1, 10, 29]) await y.send(Buffer.alloc(n, 0xff))
  t.true(await h.settled(3 + 4))
  t.deepEqual(await barrier(t, y, x), [])
  t.deepEqual(drops(h.node), { malformed: 4 })
  reconciled(t, h.node)
})

test('IPX length field must equal the datagram size: length_mismatch (below 30: malformed)', async t => {
  const h = await setup(t)
  const [x, y] = [await h.joined(), await h.joined()]
  const payload = Buffer.from('odd!!')
  await y.sendTo(x.node, payload, { length: 999 })
  await y.sendTo(x.node, payload, { length: 34 })
  await y.sendTo(x.node, payload, { length: 36 })
  await y.sendTo(x.node, payload, { length: 10 })
  t.true(await h.settled(6))
  t.deepEqual(await barrier(t, y, x), [])
  t.deepEqual(drops(h.node), { length_mismatch: 3, malformed: 1 })
  reconciled(t, h.node)
})

test('oversize: 1424 bytes pass (DOSBox IPXBUFFERSIZE), 1425 and 2000 count oversize', async t => {
  const h = await setup(t)
  const [x, y] = [await h.joined(), await h.joined()]
  await y.sendTo(x.node, Buffer.alloc(1424 - 30))
  t.true(await x.waitFor(1))
  t.is(x.received[0]!.length, 1424)
  x.clear()
  await y.sendTo(x.node, Buffer.alloc(1425 - 30))
  await y.sendTo(x.node, Buffer.alloc(2000 - 30))
  t.true(await h.settled(5))
  t.deepEqual(await barrier(t, y, x), [])
  t.deepEqual(drops(h.node), { oversize: 2 })
})

test('idle clients expire (timeout reset by any datagram) and are then unregistered', async t => {
  const events: Array<[DosboxClientEvent, number]> = []
  const h = await setup(t, { idleTimeoutMs: 300, onClient: (e, c) => events.push([e, c.port]) })
  const [x, y] = [await h.joined(), await h.joined()]
  // x keeps talking (to itself: a unicast to its own node is relayed back), y stays silent.
  const end = Date.now() + 700
  while (Date.now() < end) {
    await x.sendTo(x.node, Buffer.from('keep'))
    await sleep(50)
  }
  t.true(await until(() => events.some(e => e[0] === 'expired' && e[1] === y.port), 2000))
  t.deepEqual(h.node.clients().map(c => c.port), [x.port], 'x stayed')
  const before = h.node.counters.dropped.unregistered
  await y.sendTo(x.node, Buffer.from('late'))
  t.true(await until(() => h.node.counters.dropped.unregistered === before + 1))
  t.true(await until(() => events.some(e => e[0] === 'expired' && e[1] === x.port), 2000), 'x expires once silent')
  reconciled(t, h.node)
})

test('per-client packet rate limit (token bucket) counts rate_limited exactly', async t => {
  const clock = { now: 1000 }
  const h = await setup(t, { now: () => clock.now, rateLimit: { packetsPerSecond: 10, packetBurst: 5 } })
  const [x, y] = [await h.joined(), await h.joined()]
  for (let i = 0; i < 20; i++) await y.sendTo(x.node, Buffer.from([i]))
  t.true(await h.settled(22))
  t.true(await x.waitFor(5))
  t.deepEqual(drops(h.node), { rate_limited: 15 })
  clock.now += 200 // two tokens
  for (let i = 0; i < 3; i++) await y.sendTo(x.node, Buffer.from([i]))
  t.true(await h.settled(25))
  t.deepEqual(drops(h.node), { rate_limited: 16 })
  t.true(await x.waitFor(7))
  reconciled(t, h.node)
})

test('per-client byte rate limit counts rate_limited', async t => {
  const clock = { now: 0 }
  const h = await setup(t, { now: () => clock.now, rateLimit: { bytesPerSecond: 1000, byteBurst: 100 } })
  const [x, y] = [await h.joined(), await h.joined()]
  for (let i = 0; i < 4; i++) await y.sendTo(x.node, Buffer.alloc(10)) // 40 bytes each: 2 fit in 100
  t.true(await h.settled(6))
  t.deepEqual(drops(h.node), { rate_limited: 2 })
  t.is(h.node.clients().find(c => c.port === x.port)!.packets, 1)
})

test('keepalive: clients get a DOSBox ping to socket 2 and their reply is consumed, not dropped', async t => {
  const h = await setup(t, { keepaliveMs: 40 })
  const x = await h.joined()
  t.true(await x.waitFor(1))
  const ping = x.received[0]!
  const keepaliveNode = dosboxNode(KEEPALIVE_HOST, h.node.address.port)
  t.is(ping.toString('hex'), ipxPacket({ dstNode: BROADCAST, dstSocket: 2, srcNode: keepaliveNode, srcSocket: 2, packetType: 0 }).toString('hex'))
  // What a DOSBox client answers ([074] pingAck): unicast back to the ping's src node.
  await x.send(ipxPacket({ dstNode: keepaliveNode, dstSocket: 2, srcNode: x.node, srcSocket: 2, packetType: 0 }))
  t.true(await h.settled(2))
  t.is(h.node.counters.totalDropped(), 0)
  t.is(h.node.counters.delivered, 2)
})

test('stop() closes the socket and the sweep/keepalive timers', async t => {
  const node = await startDosboxNode({ listen: '127.0.0.1:0', keepaliveMs: 20, idleTimeoutMs: 100 })
  const c = await TestClient.open(node.address.port)
  t.teardown(async () => { await c.close() })
  t.truthy(await c.register())
  await node.stop()
  await node.stop()
  t.false(node.endpoint.running)
  const n = c.received.length
  await sleep(120)
  t.is(c.received.length, n, 'no keepalive after stop')
  t.is(node.clients().length, 1, 'no sweep after stop')
})

test('the server class works over an injected send (no socket)', t => {
  const out: Array<[string, number]> = []
  const s = new DosboxServer({ serverPort: 2644, send: (d, port) => { out.push([Buffer.from(d).toString('hex'), port]) }, now: () => 0 })
  const rinfo = { address: '10.0.0.1', family: 'IPv4' as const, port: 4000, size: 30 }
  s.handle(REGISTRATION, rinfo)
  t.deepEqual(out, [[encodeRegistrationAck(dosboxNode(0x0a000001, 4000), 2644).toString('hex'), 4000]])
  t.is(s.sweep(1e12), 1)
  t.is(s.size, 0)
})

// ---------------------------------------------------------------- burst

test('burst: 20,000 datagrams reconcile exactly: sent = received = delivered + drops', async t => {
  t.timeout(30_000)
  const h = await setup(t)
  const [x, y] = [await h.joined(), await h.joined()]
  const base = h.node.counters.received
  const total = 20_000
  const good = ipxPacket({ dstNode: x.node, srcNode: y.node, payload: Buffer.alloc(16, 7) })
  const spoof = ipxPacket({ dstNode: x.node, srcNode: x.node, payload: Buffer.alloc(16, 7) })
  const short = Buffer.alloc(12, 0xff)
  let expectGood = 0
  let expectSpoof = 0
  let expectShort = 0
  const window = 1000
  const started = Date.now()
  for (let sent = 0; sent < total;) {
    const batch = Math.min(window, total - sent)
    const sends: Array<Promise<void>> = []
    for (let i = 0; i < batch; i++, sent++) {
      const k = sent % 20
      const d = k === 0 ? spoof : k === 1 ? short : good
      if (k === 0) expectSpoof++
      else if (k === 1) expectShort++
      else expectGood++
      sends.push(y.send(d))
    }
    await Promise.all(sends)
    // Flow control per window keeps the kernel queues bounded; the burst inside a window is not paced.
    t.true(await until(() => h.node.counters.received - base >= sent, 10_000), `server caught up at ${sent}`)
  }
  t.true(await x.waitFor(expectGood, 10_000))
  const c = h.node.counters
  t.is(c.received - base, total, 'received = sent')
  t.is(c.dropped.spoofed, expectSpoof)
  t.is(c.dropped.malformed, expectShort)
  t.is(x.received.length, expectGood, 'every relayed datagram arrived')
  t.is(c.received, c.delivered + c.totalDropped(), 'received = delivered + drops')
  t.log(`${total} datagrams in ${Date.now() - started} ms`)
})

test('deliverLocal: a datagram from another node reaches the local client it names, or every client but its source', async t => {
  const h = await setup(t)
  const x = await h.joined()
  const y = await h.joined()
  const remote = 0x7f0000020123
  const toX = ipxPacket({ dstNode: x.node, srcNode: remote, payload: Buffer.from('from far away') })
  t.is(h.node.server.deliverLocal(toX, x.node, remote), undefined)
  t.true(await x.waitFor(1))
  t.deepEqual(x.received[0], toX)
  const all = ipxPacket({ dstNode: BROADCAST, srcNode: y.node, payload: Buffer.from('echo of y') })
  t.is(h.node.server.deliverLocal(all, BROADCAST, y.node), undefined)
  t.true(await x.waitFor(2))
  t.deepEqual(x.received[1], all)
  t.false(await y.waitFor(1, 300), 'the source never gets its own broadcast back')
  t.is(h.node.server.deliverLocal(toX, 0x7f0000030001, remote), 'unknown_destination')
})

test('a datagram from UDP source port 0 is counted malformed, never answered (nothing can be sent to port 0)', t => {
  const sent: number[] = []
  const server = new DosboxServer({ serverPort: 2644, send: (_d, port) => { sent.push(port) } })
  server.handle(REGISTRATION, { address: '127.0.0.1', family: 'IPv4', port: 0, size: 30 })
  t.deepEqual(sent, [])
  t.is(server.counters.dropped.malformed, 1)
  t.is(server.size, 0)
})
