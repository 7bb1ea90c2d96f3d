/**
 * What the socket benchmarks share: command-line numbers, loopback sockets, DOSBox-style IPX
 * datagrams, and the measurement itself (throughput in windows of 1000 datagrams so the kernel never
 * drops, then latency one datagram at a time). Every wait is bounded.
 */
import dgram from 'node:dgram'
import { startDosboxNode } from '../src/transport/serve.js'

export function arg (name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN
  return Number.isFinite(v) && v > 0 ? v : fallback
}

export const COUNT = Math.min(arg('count', 50_000), 1_000_000)
export const SAMPLES = Math.min(arg('samples', 2000), 100_000)
export const SIZE = Math.max(30, Math.min(arg('size', 60), 1424))
export const ROUNDS = Math.min(arg('rounds', 5), 50)
export const WINDOW = 1000
/** Upper bound on any single wait; a stuck phase aborts the run instead of hanging. */
export const PHASE_LIMIT_MS = 60_000
export const BUF = 4 * 1024 * 1024

export async function bind (host = '127.0.0.1'): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4')
  await new Promise<void>((resolve, reject) => { s.once('error', reject); s.bind(0, host, () => { resolve() }) })
  s.setRecvBufferSize(BUF)
  s.setSendBufferSize(BUF)
  return s
}

export function nodeOf (s: dgram.Socket): number {
  const a = s.address()
  const [p, q, r, t] = a.address.split('.').map(Number)
  return (((p! * 256 + q!) * 256 + r!) * 256 + t!) * 0x10000 + a.port
}

export function ipx (dstNode: number, srcNode: number, size: number): Buffer {
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

export async function until (cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + PHASE_LIMIT_MS
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`)
    await new Promise(resolve => setImmediate(resolve))
  }
}

export interface Result { pps: number, p50: number, p99: number }

/** What the receiving side of a measurement counts: datagrams so far, and when the last arrived. */
export interface Probe { got: number, lastAt: bigint }

/** Counts one arrival on `p`. */
export function arrived (p: Probe): void {
  p.got++
  p.lastAt = process.hrtime.bigint()
}

/**
 * The throughput and latency phases over any transport: `send` sends one datagram, and the
 * receiver calls {@link arrived} on `p` for each it gets.
 */
export async function measureLoop (send: () => void, p: Probe): Promise<Result> {
  // warm-up
  for (let i = 0; i < 2000; i++) send()
  await until(() => p.got >= 2000, 'warm-up')

  p.got = 0
  const t0 = process.hrtime.bigint()
  for (let sent = 0; sent < COUNT;) {
    const n = Math.min(WINDOW, COUNT - sent)
    for (let i = 0; i < n; i++) send()
    sent += n
    await until(() => p.got >= sent, `throughput at ${sent}`)
  }
  const pps = COUNT / (Number(p.lastAt - t0) / 1e9)

  const lat: number[] = []
  for (let i = 0; i < SAMPLES; i++) {
    const before = p.got
    const s = process.hrtime.bigint()
    send()
    await until(() => p.got > before, 'latency sample')
    lat.push(Number(p.lastAt - s) / 1000)
  }
  lat.sort((a, b) => a - b)
  return { pps, p50: lat[Math.floor(lat.length * 0.5)]!, p99: lat[Math.floor(lat.length * 0.99)]! }
}

/** Runs the throughput and latency phases from `tx` to `rx` through `relayPort`. */
export async function measure (tx: dgram.Socket, rx: dgram.Socket, relayPort: number, datagram: Buffer, relayHost = '127.0.0.1'): Promise<Result> {
  const p: Probe = { got: 0, lastAt: 0n }
  rx.on('message', () => { arrived(p) })
  try {
    return await measureLoop(() => { tx.send(datagram, relayPort, relayHost) }, p)
  } finally {
    rx.removeAllListeners('message')
  }
}

export function fmt (r: Result): string {
  return `rate ${Math.round(r.pps)} pps  p50 ${r.p50.toFixed(1)} µs  p99 ${r.p99.toFixed(1)} µs`
}

/** Median of each field over rounds. */
export function median (rs: Result[]): Result {
  const m = (k: keyof Result): number => rs.map(r => r[k]).sort((x, y) => x - y)[Math.floor(rs.length / 2)]!
  return { pps: m('pps'), p50: m('p50'), p99: m('p99') }
}


/** Two DOSBox-protocol clients registered with a `startDosboxNode` relay, measured from one to the other. */
export async function dosboxRelay (): Promise<Result> {
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
