/**
 * Replay's automatic network mapping (src/capture/network-map.ts, issue 15): the pure mapping,
 * the RIP request and answer it is built on, and the whole path on two real route-mode nodes on
 * loopback: the bundled one-LAN capture replayed into A as a DOSBox client (the compose lab's
 * replayer) arrives at B whole, none dropped at A as `unknown_destination`.
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { ipx, rip } from '../../protocol/index.js'
import { BROADCAST_NODE } from '../../protocol/constants.js'
import { autoNetworkMap, captureNetworks, parseRipAnswer, ripRequest, NetworkDiscovery } from '../../src/capture/network-map.js'
import { readFrames } from '../../src/capture/frames.js'
import { runReplay } from '../../src/cli/replay.js'
import type { ReplayCommandOptions } from '../../src/cli/replay.js'
import { until } from '../transport/_dosbox-client.js'
import { twoNodes } from '../node/_two-nodes.js'
import { ROOT } from '../_env.js'

const SAMPLE = path.join(ROOT, 'fixtures', 'lab-sample.pcapng')
const LOGIN = path.join(ROOT, 'fixtures', 'netware-login.pcapng')
const A = 0x0000aaaa
const B = 0x0000bbbb
const C = 0x0000cccc

test('autoNetworkMap: the capture\'s networks go, in order, onto the networks beyond the node\'s own, nearest first', t => {
  const node = { own: A, remote: [{ network: C, hops: 3 }, { network: B, hops: 2 }] }
  t.deepEqual([...autoNetworkMap([0xa01], node)], [[0xa01, B]])
  t.deepEqual([...autoNetworkMap([0xa01, 0xb02, 0xc03], node)], [[0xa01, B], [0xb02, C], [0xc03, B]], 'taken in turn')
  // Equal hops: the lower number first, so the mapping does not depend on the answer's order.
  t.deepEqual([...autoNetworkMap([1, 2], { own: A, remote: [{ network: C, hops: 2 }, { network: B, hops: 2 }] })], [[1, B], [2, C]])
})

test('autoNetworkMap: a node that knows no other network gets them on its own; unreachable and special entries are not targets; explicit entries win', t => {
  t.deepEqual([...autoNetworkMap([0xa01, 0xb02], { own: A, remote: [] })], [[0xa01, A], [0xb02, A]])
  const odd = { own: A, remote: [{ network: A, hops: 1 }, { network: B, hops: 16 }, { network: 0xffffffff, hops: 1 }, { network: 0, hops: 1 }] }
  t.deepEqual([...autoNetworkMap([0xa01], odd)], [[0xa01, A]])
  const explicit = new Map([[0xa01, 0x1234], [0x999, 0x777]])
  t.deepEqual([...autoNetworkMap([0xa01, 0xb02], { own: A, remote: [{ network: B, hops: 2 }] }, explicit)], [[0xa01, 0x1234], [0xb02, B], [0x999, 0x777]])
  t.deepEqual([...autoNetworkMap([], { own: A, remote: [{ network: B, hops: 2 }] })], [])
})

test('ripRequest: a RIP request for all networks, broadcast on the segment from the replayer\'s node, checksum FFFF as DOSBox writes it', t => {
  const d = ripRequest(0x7f0000011234)
  const p = ipx.packet.decode(d)
  t.is(p.header.checksum, 0xffff)
  t.is(p.header.packetType, 1)
  t.deepEqual(p.header.dst, { network: 0, node: BROADCAST_NODE, socket: 0x0453 })
  t.deepEqual(p.header.src, { network: 0, node: 0x7f0000011234, socket: 0x0453 })
  const m = rip.decode(p.payload)
  t.is(m.operation, rip.RipOperation.Request)
  t.deepEqual(m.entries.map(e => e.network), [0xffffffff])
})

function answer (o: { op?: number, srcNet?: number, dstNode?: number, srcSocket?: number, entries?: rip.RipEntry[] } = {}): Buffer {
  return ipx.packet.encode(ipx.packet.makePacket({
    packetType: 1,
    dst: { network: 0, node: o.dstNode ?? 0x1234, socket: 0x0453 },
    src: { network: o.srcNet ?? A, node: 0x020000000001, socket: o.srcSocket ?? 0x0453 }
  }, rip.encode({ operation: o.op ?? rip.RipOperation.Response, entries: o.entries ?? [{ network: B, hops: 2, ticks: 2 }] })))
}

test('parseRipAnswer: the segment\'s network from the source, the routes from the entries; anything else is not an answer', t => {
  t.deepEqual(parseRipAnswer(answer(), 0x1234), { own: A, remote: [{ network: B, hops: 2 }] })
  t.truthy(parseRipAnswer(answer({ dstNode: BROADCAST_NODE }), 0x1234), 'a periodic broadcast update says as much')
  t.is(parseRipAnswer(answer({ dstNode: 0x9999 }), 0x1234), undefined, 'to another client')
  t.is(parseRipAnswer(answer({ op: rip.RipOperation.Request }), 0x1234), undefined, 'another client\'s request')
  t.is(parseRipAnswer(answer({ srcSocket: 0x4000 }), 0x1234), undefined)
  t.is(parseRipAnswer(answer({ srcNet: 0 }), 0x1234), undefined, 'no network to learn')
  t.is(parseRipAnswer(Buffer.from('ffff0010', 'hex'), 0x1234), undefined, 'bytes that do not decode')
  const cut = answer()
  t.is(parseRipAnswer(cut.subarray(0, cut.length - 3), 0x1234), undefined, 'a cut answer')
})

test('NetworkDiscovery: waits for the answer and merges several responses; undefined after the wait without one', async t => {
  const d = new NetworkDiscovery(() => 0x1234)
  setTimeout(() => {
    d.receive(Buffer.from('not ipx'))
    d.receive(answer())
    d.receive(answer({ entries: [{ network: C, hops: 3, ticks: 3 }] }))
  }, 20)
  t.deepEqual(await d.wait(5000), { own: A, remote: [{ network: B, hops: 2 }, { network: C, hops: 3 }] })
  const silent = new NetworkDiscovery(() => 0x1234)
  t.is(await silent.wait(30), undefined)
  const unregistered = new NetworkDiscovery(() => undefined)
  unregistered.receive(answer())
  t.is(await unregistered.wait(30), undefined, 'nothing is taken before the replayer has its node')
})

test('captureNetworks: the distinct networks of a capture, in order of first appearance, without 0 and FFFFFFFF', async t => {
  t.deepEqual(await captureNetworks(SAMPLE), [0x00000a01])
  const login = await captureNetworks(LOGIN)
  t.true(login.includes(0x00000a01) && login.includes(0x1994a001), login.map(n => n.toString(16)).join(','))
  t.false(login.includes(0) || login.includes(0xffffffff))
})

async function replay (capture: string, o: ReplayCommandOptions): Promise<{ code: number, stdout: string, sent: Buffer[] }> {
  const stdout = new PassThrough()
  const out: Buffer[] = []
  stdout.on('data', (c: Buffer) => out.push(c))
  const sent: Buffer[] = []
  const code = await runReplay(capture, { ...o, progress: 'none', onSend: f => { sent.push(Buffer.from(f.datagram)) } }, { stdout, stderr: new PassThrough() })
  return { code, stdout: Buffer.concat(out).toString(), sent }
}

function tempFile (t: ExecutionContext, name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-network-map-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  return path.join(dir, name)
}

test('route mode, two real nodes: the one-LAN sample replayed into A without options crosses to B\'s network whole; --no-auto-map keeps the old drops', async t => {
  const bCapture = tempFile(t, 'b.pcapng')
  const { a, aPort } = await twoNodes(t, { mode: 'route', extraB: { capture: bCapture } })
  t.true(await until(() => (a.router.route(B)?.hops ?? 16) < 16, 5000), 'A learned B\'s network by RIP')
  const r = await replay(SAMPLE, { to: `127.0.0.1:${aPort}`, mode: 'dosbox', max: true })
  t.is(r.code, 0, r.stdout)
  t.regex(r.stdout, /^networks: 00000A01->0000BBBB, sources on the node's segment 0000AAAA \(from the node's RIP answer/m)
  t.is(r.sent.length, 15)
  for (const d of r.sent) {
    t.is(d.readUInt32BE(18), A, 'source network: A\'s segment, where the replayer is')
    t.is(d.readUInt32BE(6), B, 'destination network: B\'s')
  }
  t.is(a.router.counters.dropped.unknown_destination, 0, 'A drops none of them')
  // B's capture, interface 1 (the link from A), holds every replayed frame: same payload and
  // destination node and socket (a type-20 copy carries the propagation list and the output
  // port's network, `ipxitf_pprop`).
  const payloadKey = (d: Buffer): string => d.subarray(10, 18).toString('hex') + d.subarray(30 + (d[5] === 0x14 ? 32 : 0)).toString('hex')
  const want = r.sent.map(payloadKey)
  const arrived = async (): Promise<string[]> => {
    const got: string[] = []
    for await (const f of readFrames(bCapture)) if (f.kind === 'ipx' && f.record.interfaceId === 1) got.push(payloadKey(ipx.packet.encode(f.located.ipx)))
    return got
  }
  let got = await arrived()
  for (const end = Date.now() + 5000; !want.every(k => got.includes(k)) && Date.now() < end; got = await arrived()) await new Promise(resolve => setTimeout(resolve, 50))
  t.deepEqual(want.filter(k => !got.includes(k)), [], 'every replayed frame reached B')
  const before = a.router.counters.dropped.unknown_destination
  const kept = await replay(SAMPLE, { to: `127.0.0.1:${aPort}`, mode: 'dosbox', max: true, autoMap: false })
  t.is(kept.code, 0)
  t.notRegex(kept.stdout, /^networks:/m)
  t.is(a.router.counters.dropped.unknown_destination - before, 14, 'unmapped, A drops the 14 frames to 00000A01 (the issue\'s report); the 15th is the NetBIOS broadcast')
})

test('--network turns the discovery off; a plain DOSBox server (no RIP) leaves the networks as captured and the summary says so', async t => {
  const { aPort } = await twoNodes(t, { mode: 'route' })
  const all = await replay(SAMPLE, { to: `127.0.0.1:${aPort}`, mode: 'dosbox', max: true, network: A })
  t.notRegex(all.stdout, /^networks:/m)
  t.true(all.sent.every(d => d.readUInt32BE(6) === A))
  const { startDosboxNode } = await import('../../src/transport/serve.js')
  const plain = await startDosboxNode({ listen: '127.0.0.1:0' })
  t.teardown(async () => { await plain.stop() })
  const r = await replay(SAMPLE, { to: `127.0.0.1:${plain.address.port}`, mode: 'dosbox', max: true })
  t.is(r.code, 0)
  t.regex(r.stdout, /^networks: kept as captured \(no RIP answer from the node within 1000 ms; map them with --map-network OLD=NEW or --network HEX\)$/m)
  t.true(r.sent.every(d => d.readUInt32BE(6) === 0xa01))
})
