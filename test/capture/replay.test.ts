import test from 'ava'
import type { ExecutionContext } from 'ava'
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ethernet, ipx } from '../../protocol/index.js'
import { locateRecord } from '../../src/capture/frames.js'
import type { FrameResult } from '../../src/capture/frames.js'
import { CaptureWriter } from '../../src/capture/writer.js'
import { CaptureError, ConfigError } from '../../src/errors.js'
import {
  planFrame, rewritePacket, Schedule, computeSchedule, Replayer, SkipReason, DEFAULT_WINDOW_MS
} from '../../src/capture/replay.js'
import { DosboxServer, dosboxNode, ipv4ToNumber } from '../../src/transport/dosbox-server.js'
import { UdpEndpoint } from '../../src/transport/udp-endpoint.js'
import { TestClient } from '../transport/_dosbox-client.js'
import { DosboxClient } from '../../src/transport/dosbox-client.js'
import type { PlanOptions, ReplaySender, PlannedFrame } from '../../src/capture/replay.js'

const A = 0x0080c8123456
const B = 0x00a0241c0a2f
const BCAST = 0xffffffffffff

function packet (o: { dstNet?: number, dst?: number, dstSocket?: number, srcNet?: number, src?: number, srcSocket?: number, type?: number, payload?: number, checksum?: number, tc?: number }): ipx.IpxPacket {
  return ipx.packet.makePacket({
    packetType: o.type ?? 4,
    transportControl: o.tc ?? 0,
    ...(o.checksum !== undefined ? { checksum: o.checksum } : {}),
    dst: { network: o.dstNet ?? 0x0a01, node: o.dst ?? B, socket: o.dstSocket ?? 0x4000 },
    src: { network: o.srcNet ?? 0x0a01, node: o.src ?? A, socket: o.srcSocket ?? 0x4001 }
  }, Buffer.alloc(o.payload ?? 16, 0x5a))
}

/** A capture record holding `p` as Ethernet II, frame number `index + 1`. */
function frame (p: ipx.IpxPacket, index = 0, timestampNs = 0n, snap?: number): FrameResult {
  const data = ethernet.encodeIpx(p, ethernet.Framing.EthernetII)
  const captured = snap !== undefined ? data.subarray(0, snap) : data
  return locateRecord({ index, interfaceId: 0, linkType: 1, timestampNs, capturedLength: captured.length, originalLength: data.length, data: captured, fileOffset: 0 })
}

const DOSBOX: PlanOptions = { mode: 'dosbox', sourceNode: 0x7f0000011234 }
const NATIVE: PlanOptions = { mode: 'native' }

function sent (r: ReturnType<typeof planFrame>): PlannedFrame {
  if (r.kind !== 'send') throw new Error(`skipped: ${r.reason}`)
  return r
}

test('planner: native mode sends the IPX bytes as captured, Ethernet framing and padding gone', t => {
  const p = packet({ payload: 3 })
  const r = sent(planFrame(frame(p, 4, 7n), NATIVE))
  t.is(r.frame, 5)
  t.is(r.timestampNs, 7n)
  t.false(r.rewritten)
  t.deepEqual(r.datagram, ipx.packet.encode(p))
})

test('planner: DOSBox mode rewrites the source node to the assigned one and the checksum to FFFF; all else kept', t => {
  const p = packet({ checksum: 0x0000, tc: 127 })
  const r = sent(planFrame(frame(p), DOSBOX))
  const h = ipx.header.decode(r.datagram)
  t.true(r.rewritten)
  t.is(h.src.node, 0x7f0000011234)
  t.is(h.checksum, 0xffff)
  t.deepEqual({ ...h, src: { ...h.src, node: A }, checksum: 0 }, { ...p.header, checksum: 0 })
  t.deepEqual(r.datagram.subarray(30), p.payload)
})

test('planner: skip reasons, in order: not IPX, malformed, snapped', t => {
  const arp = Buffer.alloc(60)
  arp.writeUInt16BE(0x0806, 12)
  const notIpx = locateRecord({ index: 0, interfaceId: 0, linkType: 1, timestampNs: 0n, capturedLength: 60, originalLength: 60, data: arp, fileOffset: 0 })
  t.like(planFrame(notIpx, NATIVE), { kind: 'skip', reason: SkipReason.NotIpx })
  const bad = ethernet.encodeIpx(packet({}), ethernet.Framing.EthernetII)
  bad.writeUInt16BE(29, 14 + 2)
  const malformed = locateRecord({ index: 2, interfaceId: 0, linkType: 1, timestampNs: 0n, capturedLength: bad.length, originalLength: bad.length, data: bad, fileOffset: 0 })
  const m = planFrame(malformed, NATIVE)
  t.like(m, { kind: 'skip', frame: 3, reason: SkipReason.Malformed })
  t.is(m.kind === 'skip' ? m.error?.code : undefined, 'IPX_ERR_BAD_LENGTH')
  t.like(planFrame(frame(packet({ payload: 40 }), 0, 0n, 60), NATIVE), { kind: 'skip', reason: SkipReason.Snapped })
})

test('planner: --frames is 1-based and inclusive', t => {
  const o: PlanOptions = { ...NATIVE, filter: { frames: { from: 2, to: 3 } } }
  t.deepEqual([0, 1, 2, 3].map(i => planFrame(frame(packet({}), i), o).kind), ['skip', 'send', 'send', 'skip'])
  t.like(planFrame(frame(packet({}), 0), o), { reason: SkipReason.FrameRange })
})

test('planner: --socket matches either side; --type the packet type', t => {
  const o: PlanOptions = { ...NATIVE, filter: { sockets: [0x0452] } }
  t.is(planFrame(frame(packet({ dstSocket: 0x0452 })), o).kind, 'send')
  t.is(planFrame(frame(packet({ srcSocket: 0x0452 })), o).kind, 'send')
  t.like(planFrame(frame(packet({})), o), { reason: SkipReason.Socket })
  const ty: PlanOptions = { ...NATIVE, filter: { types: [0x14, 5] } }
  t.is(planFrame(frame(packet({ type: 5 })), ty).kind, 'send')
  t.like(planFrame(frame(packet({ type: 4 })), ty), { reason: SkipReason.PacketType })
  t.is(planFrame(frame(packet({ type: 4 })), { ...NATIVE, filter: { types: [] } }).kind, 'send', 'an empty list selects all')
})

test('planner: frames larger than the node accepts (1424 bytes, DOSBox IPXBUFFERSIZE) are skipped as oversize', t => {
  t.is(planFrame(frame(packet({ payload: 1424 - 30 })), NATIVE).kind, 'send')
  t.like(planFrame(frame(packet({ payload: 1424 - 29 })), NATIVE), { reason: SkipReason.Oversize })
  t.is(planFrame(frame(packet({ payload: 1424 - 29 })), { ...NATIVE, maxPacket: 1500 }).kind, 'send')
})

test('planner: DOSBox mode skips what the server would read as a registration, and frames to the replayer itself', t => {
  t.like(planFrame(frame(packet({ dst: 0x00000000abcd, dstSocket: 2 })), DOSBOX), { reason: SkipReason.Registration })
  t.is(planFrame(frame(packet({ dst: 0x00000000abcd, dstSocket: 2 })), NATIVE).kind, 'send', 'native mode has no registration')
  t.like(planFrame(frame(packet({ dst: 0x7f0000011234 })), DOSBOX), { reason: SkipReason.ToSelf })
  t.like(planFrame(frame(packet({ dst: B })), { ...DOSBOX, rewrite: { nodes: new Map([[B, 0x7f0000011234]]) } }), { reason: SkipReason.ToSelf }, 'after rewriting')
})

test('rewrite: --map-network and --map-node apply to both ends; --network maps every network but 0 and FFFFFFFF; explicit maps win', t => {
  const p = packet({ dstNet: 0x0a01, srcNet: 0x0b02, dst: B, src: A })
  const r = rewritePacket(p, { networks: new Map([[0x0a01, 0x11]]), nodes: new Map([[A, 0x020000000001], [B, 0x020000000002]]) })
  const h = ipx.header.decode(r.datagram)
  t.true(r.rewritten)
  t.deepEqual([h.dst.network, h.src.network, h.dst.node, h.src.node], [0x11, 0x0b02, 0x020000000002, 0x020000000001])
  const all = ipx.header.decode(rewritePacket(p, { allNetworks: 1, networks: new Map([[0x0b02, 7]]) }).datagram)
  t.deepEqual([all.dst.network, all.src.network], [1, 7])
  const zero = rewritePacket(packet({ dstNet: 0, srcNet: 0xffffffff }), { allNetworks: 1 })
  t.false(zero.rewritten)
  const bc = ipx.header.decode(rewritePacket(packet({ dst: BCAST }), { nodes: new Map([[A, 1]]) }).datagram)
  t.is(bc.dst.node, BCAST, 'broadcast kept unless mapped explicitly')
})

test('rewrite: a right checksum stays right after rewriting; a wrong one is left as captured', t => {
  const p = packet({})
  const raw = ipx.packet.encode(p)
  raw.writeUInt16BE(ipx.computeChecksum(raw, 0, raw.length), 0)
  const good = ipx.packet.decode(raw)
  const r = rewritePacket(good, { allNetworks: 5 })
  t.is(r.datagram.readUInt16BE(0), ipx.computeChecksum(r.datagram, 0, r.datagram.length))
  t.not(r.datagram.readUInt16BE(0), raw.readUInt16BE(0))
  const wrong = rewritePacket(packet({ checksum: 0x1234 }), { allNetworks: 5 })
  t.is(wrong.datagram.readUInt16BE(0), 0x1234)
  t.is(rewritePacket(packet({}), { allNetworks: 5 }).datagram.readUInt16BE(0), 0xffff)
})

const MS = 1_000_000n

test('schedule: original spacing, divided by the speed factor', t => {
  const ts = [1000n * MS, 1000n * MS, 1100n * MS, 1400n * MS]
  t.deepEqual(computeSchedule(ts, { kind: 'original', speed: 1 }), [0, 0, 100, 400])
  t.deepEqual(computeSchedule(ts, { kind: 'original', speed: 4 }), [0, 0, 25, 100])
  t.deepEqual(computeSchedule(ts, { kind: 'original', speed: 0.5 }), [0, 0, 200, 800])
})

test('schedule: --loop starts each pass where the last one ended; --max is all at once', t => {
  const ts = [5n * MS, 15n * MS, 35n * MS]
  t.deepEqual(computeSchedule(ts, { kind: 'original', speed: 1 }, 3), [0, 10, 30, 30, 40, 60, 60, 70, 90])
  t.deepEqual(computeSchedule(ts, { kind: 'max' }, 2), [0, 0, 0, 0, 0, 0])
})

test('schedule: a timestamp going backwards never moves a frame before its predecessor', t => {
  t.deepEqual(computeSchedule([0n, 50n * MS, 20n * MS, 60n * MS], { kind: 'original', speed: 1 }), [0, 50, 50, 60])
})

test('schedule: the speed must be positive', t => {
  for (const speed of [0, -1, Number.NaN, Infinity]) t.throws(() => new Schedule({ kind: 'original', speed }), { instanceOf: ConfigError, code: 'IPX_ERR_CONFIG' })
})

// ---- the Replayer on a virtual clock, with a recording sender -------------------------------

class FakeSender implements ReplaySender {
  readonly mode: 'dosbox' | 'native'
  readonly sourceNode: number | undefined
  readonly log: string[] = []
  readonly sentAt: number[] = []
  answer = true
  constructor (mode: 'dosbox' | 'native', readonly clock: { now: number }) {
    this.mode = mode
    this.sourceNode = mode === 'dosbox' ? 0x7f0000010001 : undefined
  }

  async open (): Promise<void> { this.log.push('open') }
  send (d: Buffer): void { this.log.push(`send ${d.readUInt16BE(16).toString(16)}`); this.sentAt.push(this.clock.now) }
  async sync (): Promise<boolean> { this.log.push('sync'); return this.answer }
  async close (): Promise<void> { this.log.push('close') }
}

function tempDir (t: ExecutionContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-replay-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  return dir
}

/** A pcap of Ethernet II frames to sockets 0x4000 + i at the given ms offsets. */
function writeCapture (file: string, offsetsMs: number[], format: 'pcap' | 'pcapng' = 'pcap'): void {
  const w = new CaptureWriter(file, { format, interfaces: [{ name: 'eth0', linkType: 1 }] })
  offsetsMs.forEach((ms, i) => {
    w.write({ data: ethernet.encodeIpx(packet({ dstSocket: 0x4000 + i }), ethernet.Framing.EthernetII), timestampNs: 1_700_000_000_000n * MS + BigInt(ms) * MS })
  })
  w.close()
}

function virtualClock (): { clock: { now: number }, now: () => number, sleep: (ms: number) => Promise<void> } {
  const clock = { now: 0 }
  return { clock, now: () => clock.now, sleep: async ms => { clock.now += ms } }
}

test('Replayer: sends at the scheduled times on a virtual clock, with --speed and --loop', async t => {
  const file = path.join(tempDir(t), 'c.pcap')
  writeCapture(file, [0, 100, 250])
  const v = virtualClock()
  const sender = new FakeSender('native', v.clock)
  const st = await new Replayer({ path: file, sender, timing: { kind: 'original', speed: 2 }, loop: 2, now: v.now, sleep: v.sleep }).run()
  t.deepEqual(sender.sentAt, [0, 50, 125, 125, 175, 250])
  t.like(st, { read: 6, sent: 6, passes: 2, syncTimeouts: 0, elapsedMs: 250 })
  t.is(sender.log[0], 'open')
  t.deepEqual(sender.log.slice(-2), ['sync', 'close'], 'waits for the node to have handled the last frame, then closes')
})

test('Replayer: --max paces by the window: a marker round trip every `window` frames, each window at least windowMs', async t => {
  const file = path.join(tempDir(t), 'c.pcap')
  writeCapture(file, [0, 1, 2, 3, 4])
  const v = virtualClock()
  const sender = new FakeSender('native', v.clock)
  await new Replayer({ path: file, sender, timing: { kind: 'max' }, window: 2, now: v.now, sleep: v.sleep }).run()
  t.deepEqual(sender.log, ['open', 'send 4000', 'send 4001', 'sync', 'send 4002', 'send 4003', 'sync', 'send 4004', 'sync', 'close'])
  t.deepEqual(sender.sentAt, [0, 0, DEFAULT_WINDOW_MS, DEFAULT_WINDOW_MS, 2 * DEFAULT_WINDOW_MS], 'a window starts no sooner than windowMs after the last')
  const unpaced = new FakeSender('native', virtualClock().clock)
  await new Replayer({ path: file, sender: unpaced, timing: { kind: 'max' }, window: 2, windowMs: 0, now: v.now, sleep: v.sleep }).run()
  t.is(unpaced.log.filter(l => l === 'sync').length, 3)
})

test('Replayer: unanswered markers are counted; filters and skips are counted by reason', async t => {
  const file = path.join(tempDir(t), 'c.pcapng')
  writeCapture(file, [0, 1, 2, 3], 'pcapng')
  const v = virtualClock()
  const sender = new FakeSender('dosbox', v.clock)
  sender.answer = false
  const sentFrames: number[] = []
  const st = await new Replayer({
    path: file, sender, timing: { kind: 'max' }, window: 1, now: v.now, sleep: v.sleep,
    filter: { frames: { from: 2, to: 4 }, sockets: [0x4002, 0x4003] },
    onSend: f => { sentFrames.push(f.frame) }
  }).run()
  t.deepEqual(sentFrames, [3, 4])
  t.like(st, { read: 4, sent: 2, syncTimeouts: 2 })
  t.like(st.skipped, { frame_range: 1, socket: 1 })
})

test('Replayer: a truncated capture is replayed up to its last whole record and says where it stopped', async t => {
  const dir = tempDir(t)
  const whole = path.join(dir, 'whole.pcap')
  writeCapture(whole, [0, 1, 2])
  const bytes = readFileSync(whole)
  const cut = path.join(dir, 'cut.pcap')
  writeFileSync(cut, bytes.subarray(0, bytes.length - 5))
  const v = virtualClock()
  const sender = new FakeSender('native', v.clock)
  const st = await new Replayer({ path: cut, sender, timing: { kind: 'max' }, loop: 2, now: v.now, sleep: v.sleep }).run()
  t.is(st.sent, 4, 'two whole records, twice')
  t.true(st.stopped instanceof CaptureError)
  t.is(st.stopped?.code, 'IPX_ERR_CAPTURE_TRUNCATED')
  t.is(sender.log.at(-1), 'close')
})

test('Replayer: an unreadable capture throws CaptureError and the sender is closed', async t => {
  const v = virtualClock()
  const sender = new FakeSender('native', v.clock)
  await t.throwsAsync(new Replayer({ path: path.join(tempDir(t), 'missing.pcap'), sender, timing: { kind: 'max' }, now: v.now, sleep: v.sleep }).run(), { instanceOf: CaptureError, code: 'IPX_ERR_CAPTURE_OPEN' })
  t.is(sender.log.at(-1), 'close')
})

test('Replayer: --loop and --window must be positive integers', t => {
  const v = virtualClock()
  const sender = new FakeSender('native', v.clock)
  t.throws(() => new Replayer({ path: 'x', sender, timing: { kind: 'max' }, loop: 0 }), { instanceOf: ConfigError })
  t.throws(() => new Replayer({ path: 'x', sender, timing: { kind: 'max' }, window: 1.5 }), { instanceOf: ConfigError })
})

test('DosboxClient --max into a server that never returns a packet to its sender (as ipxbox): no marker times out, every frame arrives', async t => {
  t.timeout(30_000)
  // A real DOSBox server role on a real socket, whose relay never sends a datagram back to the
  // client it came from: ipxbox's behaviour (its switch skips the source port).
  const ref: { server?: DosboxServer } = {}
  const endpoint = new UdpEndpoint({ host: '127.0.0.1', port: 0, onMessage: (d, r) => { ref.server?.handle(d, r) } })
  const { port } = await endpoint.start()
  t.teardown(async () => { await endpoint.stop() })
  let echoesRefused = 0
  ref.server = new DosboxServer({
    serverPort: port,
    send: (d, toPort, toAddress) => {
      const isAck = d.length === 30 && d[18] === 0 && d[21] === 1
      if (!isAck && ipx.readNode(d, 22) === dosboxNode(ipv4ToNumber(toAddress), toPort)) { echoesRefused++; return }
      endpoint.send(d, toPort, toAddress)
    }
  })
  const listener = await TestClient.open(port)
  t.teardown(async () => { await listener.close() })
  t.truthy(await listener.register())
  listener.clear()
  // 120 frames, every one addressed to the listener: each must arrive.
  const file = path.join(tempDir(t), 'to-listener.pcap')
  const w = new CaptureWriter(file, { format: 'pcap', interfaces: [{ name: 'eth0', linkType: 1 }] })
  for (let i = 0; i < 120; i++) {
    const p = ipx.packet.makePacket({ packetType: 4, dst: { network: 0, node: listener.node, socket: 0x4000 }, src: { network: 0, node: A, socket: 0x4000 } }, Buffer.from(`frame ${i}`))
    w.write({ data: ethernet.encodeIpx(p, ethernet.Framing.EthernetII), timestampNs: BigInt(i) * MS })
  }
  w.close()
  const sender = new DosboxClient({ to: { host: '127.0.0.1', port } })
  const st = await new Replayer({ path: file, sender, timing: { kind: 'max' }, syncTimeoutMs: 5000 }).run()
  t.is(st.sent, 120)
  t.is(st.syncTimeouts, 0, 'every marker came back through the sync client, not as an echo')
  t.true(await listener.waitFor(120, 5000))
  t.deepEqual(listener.received.map(d => d.subarray(30).toString()), Array.from({ length: 120 }, (_, i) => `frame ${i}`), 'every frame, in order')
  t.is(echoesRefused, 0, 'the sender never relied on an echo')
  t.is(ref.server.size, 3, 'the listener, the sender and its sync client registered')
})
