/**
 * Native link benchmark: packets per second and p50/p99 latency of IPX packets through a native
 * link over UDP on loopback (node A's `NativeLink.send` → A's socket → B's `UdpTunnel` demux →
 * B's `NativeLink.handleDatagram` → `onPacket`), unsigned and with HMAC-SHA-256-128, beside a bare
 * Node dgram hop (one `socket.send` → the receiver's `'message'`) measured in the same run. Prints
 * ratios.
 *
 *   node --import tsx scripts/bench-native.ts [--count 50000] [--samples 2000] [--size 60] [--rounds 5]
 *
 * Both ends share one process and event loop in every variant, so the ratio compares the per-packet
 * work of the link (encode, sign, decode, verify, replay window, statistics) with a bare socket
 * hop. Throughput is measured in windows of 1000 packets (each window waits until the receiver has
 * them all), so the kernel never drops; latency is one packet at a time. Every phase is bounded in
 * count and in time.
 */
import dgram from 'node:dgram'
import { NativeLink } from '../src/transport/native-link.js'
import { UdpTunnel } from '../src/transport/udp-tunnel.js'

function arg (name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN
  return Number.isFinite(v) && v > 0 ? v : fallback
}

const COUNT = Math.min(arg('count', 50_000), 1_000_000)
const SAMPLES = Math.min(arg('samples', 2000), 100_000)
const SIZE = Math.max(30, Math.min(arg('size', 60), 1424))
const ROUNDS = Math.min(arg('rounds', 5), 50)
const WINDOW = 1000
/** Upper bound on any single wait; a stuck phase aborts the run instead of hanging. */
const PHASE_LIMIT_MS = 60_000
const BUF = 4 * 1024 * 1024
const HOST = '127.0.0.1'

function ipx (size: number): Buffer {
  const b = Buffer.alloc(size)
  b.writeUInt16BE(0xffff, 0)
  b.writeUInt16BE(size, 2)
  b[5] = 4
  b.writeUIntBE(0x0a0000000001, 10, 6)
  b.writeUInt16BE(0x4000, 16)
  b.writeUIntBE(0x0a0000000002, 22, 6)
  b.writeUInt16BE(0x4000, 28)
  return b
}

async function until (cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + PHASE_LIMIT_MS
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`)
    await new Promise(resolve => setImmediate(resolve))
  }
}

interface Result { pps: number, p50: number, p99: number }

/** A path under test: `send()` one packet; the receiver calls `onReceive` per packet. */
interface Path {
  send: () => void
  received: () => number
  lastAt: () => bigint
  close: () => Promise<void>
}

async function measure (p: Path): Promise<Result> {
  for (let i = 0; i < 2000; i++) p.send()
  await until(() => p.received() >= 2000, 'warm-up')
  const base = p.received()
  const t0 = process.hrtime.bigint()
  for (let sent = 0; sent < COUNT;) {
    const n = Math.min(WINDOW, COUNT - sent)
    for (let i = 0; i < n; i++) p.send()
    sent += n
    await until(() => p.received() - base >= sent, `throughput at ${sent}`)
  }
  const pps = COUNT / (Number(p.lastAt() - t0) / 1e9)
  const lat: number[] = []
  for (let i = 0; i < SAMPLES; i++) {
    const before = p.received()
    const s = process.hrtime.bigint()
    p.send()
    await until(() => p.received() > before, 'latency sample')
    lat.push(Number(p.lastAt() - s) / 1000)
  }
  lat.sort((a, b) => a - b)
  return { pps, p50: lat[Math.floor(lat.length * 0.5)]!, p99: lat[Math.floor(lat.length * 0.99)]! }
}

async function bind (): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4')
  await new Promise<void>((resolve, reject) => { s.once('error', reject); s.bind(0, HOST, () => { resolve() }) })
  s.setRecvBufferSize(BUF)
  s.setSendBufferSize(BUF)
  return s
}

async function bare (): Promise<Result> {
  const rx = await bind()
  const tx = await bind()
  let got = 0
  let at = 0n
  rx.on('message', () => { got++; at = process.hrtime.bigint() })
  const port = rx.address().port
  const d = ipx(SIZE)
  try {
    return await measure({ send: () => { tx.send(d, port, HOST) }, received: () => got, lastAt: () => at, close: async () => {} })
  } finally {
    rx.close()
    tx.close()
  }
}

async function native (keyed: boolean): Promise<Result> {
  const ta = new UdpTunnel({ host: HOST, port: 0 })
  const tb = new UdpTunnel({ host: HOST, port: 0 })
  const pa = (await ta.start()).port
  const pb = (await tb.start()).port
  const keys = keyed ? new Map([[1, Buffer.alloc(32, 7)]]) : undefined
  let got = 0
  let at = 0n
  const a = new NativeLink({ node: 0xa, peer: { host: HOST, port: pb }, onPacket: () => {}, keepaliveIntervalMs: 60_000, ...(keys !== undefined ? { keys } : {}) })
  const b = new NativeLink({ node: 0xb, peer: { host: HOST, port: pa }, onPacket: () => { got++; at = process.hrtime.bigint() }, keepaliveIntervalMs: 60_000, ...(keys !== undefined ? { keys } : {}) })
  ta.addLink(a)
  tb.addLink(b)
  a.start()
  b.start()
  try {
    await until(() => a.up && b.up, 'link up')
    const d = ipx(SIZE)
    const r = await measure({ send: () => { a.send(d) }, received: () => got, lastAt: () => at, close: async () => {} })
    const c = b.counters
    if (c.totalDropped() !== 0 || c.received !== c.delivered || a.txCounters.totalDropped() !== 0) {
      throw new Error(`link dropped: rx ${JSON.stringify(c.snapshot())} tx ${JSON.stringify(a.txCounters.snapshot())}`)
    }
    if (b.stats.lost !== 0) throw new Error(`link lost ${b.stats.lost}`)
    return r
  } finally {
    await ta.stop()
    await tb.stop()
  }
}

function fmt (r: Result): string {
  return `rate ${Math.round(r.pps)} pps  p50 ${r.p50.toFixed(1)} µs  p99 ${r.p99.toFixed(1)} µs`
}

function median (rs: Result[]): Result {
  const m = (k: keyof Result): number => rs.map(r => r[k]).sort((x, y) => x - y)[Math.floor(rs.length / 2)]!
  return { pps: m('pps'), p50: m('p50'), p99: m('p99') }
}

function ratio (x: Result, b: Result): string {
  return `rate ${(x.pps / b.pps).toFixed(2)}  p50 ${(x.p50 / b.p50).toFixed(2)}  p99 ${(x.p99 / b.p99).toFixed(2)}`
}

/** The link's own work, no socket: ns per packet for A.send (encode, sign) + B.handleDatagram, bounded at 2 s. */
function linkOnly (keyed: boolean): number {
  const keys = keyed ? new Map([[1, Buffer.alloc(32, 7)]]) : undefined
  const timers = { setInterval: () => 0, clearInterval: () => {} }
  let got = 0
  const ref: { b?: NativeLink } = {}
  const a = new NativeLink({ node: 0xa, peer: `${HOST}:1`, onPacket: () => {}, timers, send: f => ref.b!.handleDatagram(f), ...(keys !== undefined ? { keys } : {}) })
  const b = ref.b = new NativeLink({ node: 0xb, peer: `${HOST}:2`, onPacket: () => { got++ }, timers, ...(keys !== undefined ? { keys } : {}) })
  b.start()
  a.start()
  const d = ipx(SIZE)
  const n = 1_000_000
  const end = Date.now() + 2000
  const t0 = process.hrtime.bigint()
  let i = 0
  for (; i < n && (i % 4096 !== 0 || Date.now() < end); i++) a.send(d)
  const ns = Number(process.hrtime.bigint() - t0) / i
  if (got !== i) throw new Error('link-only run dropped packets')
  return ns
}

// Alternate the variants so warm-up, JIT and machine noise fall on all alike.
const bs: Result[] = []
const ns: Result[] = []
const ks: Result[] = []
for (let round = 0; round < ROUNDS; round++) {
  bs.push(await bare())
  ns.push(await native(false))
  ks.push(await native(true))
}
const b = median(bs)
const n = median(ns)
const k = median(ks)
console.log(`bench-native: ${COUNT} IPX packets of ${SIZE} bytes (windows of ${WINDOW}), ${SAMPLES} latency samples, median of ${ROUNDS} alternating rounds, loopback, node ${process.version}`)
console.log(`bare dgram   ${fmt(b)}`)
console.log(`native       ${fmt(n)}`)
console.log(`native+hmac  ${fmt(k)}`)
console.log(`native/bare       ${ratio(n, b)}`)
console.log(`native+hmac/bare  ${ratio(k, b)}`)
console.log(`link work alone (A.send → B.handleDatagram → onPacket, no socket): ${linkOnly(false).toFixed(0)} ns per packet, ${linkOnly(true).toFixed(0)} ns with HMAC`)
