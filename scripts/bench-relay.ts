/**
 * Relay benchmark: packets per second and p50/p99 latency through the DOSBox relay path
 * (`startDosboxNode`: every check, peek, table lookup), beside a bare Node dgram relay that forwards
 * each datagram to one fixed address, measured in the same run on loopback. Prints ratios.
 *
 *   node --import tsx scripts/bench-relay.ts [--count 50000] [--samples 2000] [--size 60] [--rounds 5]
 *
 * Sender, relay and receiver share one process and event loop in both variants, so the ratio
 * compares the relays' own per-datagram work. Throughput is measured in windows of 1000 datagrams
 * (each window waits until the receiver has them all) so the kernel never drops; latency is one
 * datagram at a time, send to receive. Every phase is bounded in count and in time.
 */
import dgram from 'node:dgram'
import { startDosboxNode } from '../src/transport/serve.js'
import { DosboxServer } from '../src/transport/dosbox-server.js'

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

async function bind (host = '127.0.0.1'): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4')
  await new Promise<void>((resolve, reject) => { s.once('error', reject); s.bind(0, host, () => { resolve() }) })
  s.setRecvBufferSize(BUF)
  s.setSendBufferSize(BUF)
  return s
}

function nodeOf (s: dgram.Socket): number {
  const a = s.address()
  const [p, q, r, t] = a.address.split('.').map(Number)
  return (((p! * 256 + q!) * 256 + r!) * 256 + t!) * 0x10000 + a.port
}

function ipx (dstNode: number, srcNode: number, size: number): Buffer {
  const b = Buffer.alloc(size)
  b.writeUInt16BE(0xffff, 0)
  b.writeUInt16BE(size, 2)
  b[5] = 4
  b.writeUIntBE(dstNode, 10, 6)
  b.writeUInt16BE(0x4000, 16)
  b.writeUIntBE(srcNode, 22, 6)
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

/** Runs the throughput and latency phases from `tx` to `rx` through `relayPort`. */
async function measure (tx: dgram.Socket, rx: dgram.Socket, relayPort: number, datagram: Buffer): Promise<Result> {
  let got = 0
  let lastAt = 0n
  rx.on('message', () => { got++; lastAt = process.hrtime.bigint() })
  const send = (): void => { tx.send(datagram, relayPort, '127.0.0.1') }

  // warm-up
  for (let i = 0; i < 2000; i++) send()
  await until(() => got >= 2000, 'warm-up')

  got = 0
  const t0 = process.hrtime.bigint()
  for (let sent = 0; sent < COUNT;) {
    const n = Math.min(WINDOW, COUNT - sent)
    for (let i = 0; i < n; i++) send()
    sent += n
    await until(() => got >= sent, `throughput at ${sent}`)
  }
  const pps = COUNT / (Number(lastAt - t0) / 1e9)

  const lat: number[] = []
  for (let i = 0; i < SAMPLES; i++) {
    const before = got
    const s = process.hrtime.bigint()
    send()
    await until(() => got > before, 'latency sample')
    lat.push(Number(lastAt - s) / 1000)
  }
  lat.sort((a, b) => a - b)
  rx.removeAllListeners('message')
  return { pps, p50: lat[Math.floor(lat.length * 0.5)]!, p99: lat[Math.floor(lat.length * 0.99)]! }
}

async function bare (): Promise<Result> {
  const rx = await bind()
  const tx = await bind()
  const relay = await bind()
  const rxPort = rx.address().port
  relay.on('message', d => { relay.send(d, rxPort, '127.0.0.1') })
  try {
    return await measure(tx, rx, relay.address().port, ipx(nodeOf(rx), nodeOf(tx), SIZE))
  } finally {
    for (const s of [rx, tx, relay]) s.close()
  }
}

async function dosbox (): Promise<Result> {
  const node = await startDosboxNode({ listen: '127.0.0.1:0' })
  const rx = await bind()
  const tx = await bind()
  try {
    const reg = ipx(0, 0, 30)
    reg[5] = 0
    reg.writeUInt16BE(2, 16)
    reg.writeUInt16BE(2, 28)
    for (const s of [rx, tx]) s.send(reg, node.address.port, '127.0.0.1')
    await until(() => node.clients().length === 2, 'registration')
    rx.removeAllListeners('message')
    const r = await measure(tx, rx, node.address.port, ipx(nodeOf(rx), nodeOf(tx), SIZE))
    const c = node.counters
    if (c.totalDropped() !== 0 || c.received !== c.delivered) throw new Error(`relay dropped: ${JSON.stringify(c.snapshot())}`)
    return r
  } finally {
    rx.close()
    tx.close()
    await node.stop()
  }
}

function fmt (r: Result): string {
  return `rate ${Math.round(r.pps)} pps  p50 ${r.p50.toFixed(1)} µs  p99 ${r.p99.toFixed(1)} µs`
}

/** Median of each field over rounds. */
function median (rs: Result[]): Result {
  const m = (k: keyof Result): number => rs.map(r => r[k]).sort((x, y) => x - y)[Math.floor(rs.length / 2)]!
  return { pps: m('pps'), p50: m('p50'), p99: m('p99') }
}

/** The relay decision alone (no socket): ns per unicast through `DosboxServer.handle`, bounded at 2 s. */
function handleOnly (): number {
  let sends = 0
  const server = new DosboxServer({ serverPort: 2644, send: () => { sends++ } })
  const reg = ipx(0, 0, 30)
  reg.writeUInt16BE(2, 16)
  const a = { address: '127.0.0.1', family: 'IPv4' as const, port: 40000, size: 30 }
  const b = { ...a, port: 40001 }
  server.handle(reg, a)
  server.handle(reg, b)
  const d = ipx(0x7f0000019c41, 0x7f0000019c40, SIZE)
  const n = 1_000_000
  const end = Date.now() + 2000
  const t0 = process.hrtime.bigint()
  let i = 0
  for (; i < n && (i % 4096 !== 0 || Date.now() < end); i++) server.handle(d, a)
  const ns = Number(process.hrtime.bigint() - t0) / i
  if (sends !== i + 2) throw new Error('handle-only run dropped datagrams')
  return ns
}

// Alternate the two relays so warm-up, JIT and machine noise fall on both alike.
const bs: Result[] = []
const ds: Result[] = []
for (let round = 0; round < ROUNDS; round++) {
  bs.push(await bare())
  ds.push(await dosbox())
}
const b = median(bs)
const d = median(ds)
console.log(`bench-relay: ${COUNT} datagrams of ${SIZE} bytes (windows of ${WINDOW}), ${SAMPLES} latency samples, median of ${ROUNDS} alternating rounds, loopback, node ${process.version}`)
console.log(`bare   ${fmt(b)}`)
console.log(`dosbox ${fmt(d)}`)
console.log(`DosboxServer.handle alone: ${handleOnly().toFixed(0)} ns per unicast (no socket)`)
console.log(`relay/bare rate ${(d.pps / b.pps).toFixed(2)}  p50 ${(d.p50 / b.p50).toFixed(2)}  p99 ${(d.p99 / b.p99).toFixed(2)}`)
