/**
 * Codec benchmark: the layout-derived IPX decoder/encoder, the whole-frame codec and the header
 * peek, each beside a plain hand-written reader/writer run in the same process, as ratios (the
 * machine is shared and noisy; absolute rates drift, ratios much less).
 *
 * Aims (foundation issue): full decode at least 0.5 of the hand-written reader; the peek within
 * 10 % of it and allocation-free (checked by counting GCs over millions of peeks).
 */
import { Bench } from 'tinybench'
import { PerformanceObserver } from 'node:perf_hooks'
import { ipx, ethernet, sap, rip } from '../protocol/index.js'
import type { IpxHeader } from '../protocol/ipx/header.js'

const SAMPLE = ipx.packet.encode(ipx.packet.makePacket({
  packetType: 4,
  dst: { network: 0, node: 0xffffffffffff, socket: 0x0452 },
  src: { network: 0xa8f87967, node: 1, socket: 0x4008 }
}, Buffer.alloc(66, 0x41)))

/** The plain hand-written reader: Buffer reads straight into the same object shape. */
function handDecode (b: Buffer, o: number): IpxHeader {
  if (b.length - o < 30) throw new Error('truncated')
  const length = b.readUInt16BE(o + 2)
  if (length < 30 || length > b.length - o) throw new Error('bad length')
  return {
    checksum: b.readUInt16BE(o),
    length,
    transportControl: b[o + 4]!,
    packetType: b[o + 5]!,
    dst: { network: b.readUInt32BE(o + 6), node: b.readUInt16BE(o + 10) * 0x100000000 + b.readUInt32BE(o + 12), socket: b.readUInt16BE(o + 16) },
    src: { network: b.readUInt32BE(o + 18), node: b.readUInt16BE(o + 22) * 0x100000000 + b.readUInt32BE(o + 24), socket: b.readUInt16BE(o + 28) }
  }
}

function handEncode (h: IpxHeader, b: Buffer, o: number): void {
  b.writeUInt16BE(h.checksum, o); b.writeUInt16BE(h.length, o + 2); b[o + 4] = h.transportControl; b[o + 5] = h.packetType
  b.writeUInt32BE(h.dst.network, o + 6); b.writeUIntBE(h.dst.node, o + 10, 6); b.writeUInt16BE(h.dst.socket, o + 16)
  b.writeUInt32BE(h.src.network, o + 18); b.writeUIntBE(h.src.node, o + 22, 6); b.writeUInt16BE(h.src.socket, o + 28)
}

/** The hand-written reader of the peek's fields into a reused object (the peek's baseline). */
function handPeek (b: Buffer, o: number, out: ipx.IpxPeek): boolean {
  if (b.length - o < 30) return false
  const length = b.readUInt16BE(o + 2)
  if (length < 30 || length > b.length - o) return false
  out.length = length
  out.transportControl = b[o + 4]!
  out.packetType = b[o + 5]!
  out.dstNetwork = b.readUInt32BE(o + 6)
  out.dstNode = b.readUInt16BE(o + 10) * 0x100000000 + b.readUInt32BE(o + 12)
  out.dstSocket = b.readUInt16BE(o + 16)
  out.srcNetwork = b.readUInt32BE(o + 18)
  out.srcNode = b.readUInt16BE(o + 22) * 0x100000000 + b.readUInt32BE(o + 24)
  out.srcSocket = b.readUInt16BE(o + 28)
  return true
}

/** One benchmark: ipxlab's code and its hand-written baseline. */
export interface Pair { name: string, ours: () => void, baseline: () => void }

let sink = 0

const FRAME_II = ethernet.encodeIpx(ipx.packet.decode(SAMPLE), ethernet.Framing.EthernetII)
const FRAME_LLC = ethernet.encodeIpx(ipx.packet.decode(SAMPLE), ethernet.Framing.Llc)
const EMPTY = Buffer.alloc(0)

/** Hand-written whole-frame reader for Ethernet II and 802.2, same object shape as ethernet.decode. */
function handFrameDecode (b: Buffer): ethernet.EthernetFrame {
  if (b.length < 14) throw new Error('truncated')
  const dst = b.readUInt16BE(0) * 0x100000000 + b.readUInt32BE(2)
  const src = b.readUInt16BE(6) * 0x100000000 + b.readUInt32BE(8)
  const tl = b.readUInt16BE(12)
  if (tl === 0x8137) {
    const h = handDecode(b, 14)
    const end = 14 + h.length
    return { framing: 'ethernet_ii', dst, src, etherType: tl, ipx: { header: h, payload: b.subarray(14 + 30, end) }, slack: EMPTY, padding: b.subarray(end), trailer: EMPTY }
  }
  if (tl > 1500 || 14 + tl > b.length || b[14] !== 0xe0 || b[15] !== 0xe0 || b[16] !== 3) throw new Error('not 802.2 IPX')
  const h = handDecode(b, 17)
  const end = 17 + h.length
  return { framing: 'llc', dst, src, length: tl, llc: { dsap: 0xe0, ssap: 0xe0, control: 3 }, ipx: { header: h, payload: b.subarray(17 + 30, end) }, slack: b.subarray(end, 14 + tl), padding: b.subarray(14 + tl), trailer: EMPTY }
}

/** Hand-written Ethernet II encoder: header, IPX header, payload, zero padding to 60. */
function handFrameEncode (f: ethernet.EthernetFrame, b: Buffer): number {
  b.writeUIntBE(f.dst, 0, 6); b.writeUIntBE(f.src, 6, 6); b.writeUInt16BE(0x8137, 12)
  handEncode(f.ipx.header, b, 14)
  const end = 44 + f.ipx.payload.copy(b, 44)
  if (end < 60) b.fill(0, end, 60)
  return Math.max(end, 60)
}

const SAP7 = sap.encode({
  operation: sap.SapOperation.GeneralResponse,
  servers: Array.from({ length: 7 }, (_, i) => ({ type: 0x0004, name: `SERVER-${i}`, network: 0x100 + i, node: 1, socket: 0x0451, hops: 1 }))
})
const RIP50 = rip.encode({ operation: rip.RipOperation.Response, entries: Array.from({ length: 50 }, (_, i) => ({ network: 0x1000 + i, hops: 1 + (i % 15), ticks: 2 + i })) })

/** Hand-written SAP response reader: the same fields, NUL-ended latin1 names. */
function handSap (b: Buffer): { operation: number, servers: Array<{ type: number, name: string, network: number, node: number, socket: number, hops: number }> } {
  const servers = []
  for (let at = 2; at + 64 <= b.length; at += 64) {
    const end = b.indexOf(0, at + 2)
    servers.push({
      type: b.readUInt16BE(at),
      name: b.toString('latin1', at + 2, end < 0 || end > at + 50 ? at + 50 : end),
      network: b.readUInt32BE(at + 50),
      node: b.readUInt16BE(at + 54) * 0x100000000 + b.readUInt32BE(at + 56),
      socket: b.readUInt16BE(at + 60),
      hops: b.readUInt16BE(at + 62)
    })
  }
  return { operation: b.readUInt16BE(0), servers }
}

/** Hand-written RIP reader. */
function handRip (b: Buffer): { operation: number, entries: Array<{ network: number, hops: number, ticks: number }> } {
  const entries = []
  for (let at = 2; at + 8 <= b.length; at += 8) entries.push({ network: b.readUInt32BE(at), hops: b.readUInt16BE(at + 4), ticks: b.readUInt16BE(at + 6) })
  return { operation: b.readUInt16BE(0), entries }
}

/** The protocols above IPX at their largest legal packets (issue 3): SAP with 7 entries, RIP with 50. */
export function upperPairs (): Pair[] {
  return [
    { name: 'sap response, 7 entries', ours: () => { sink += (sap.decode(SAP7) as sap.SapResponse).servers.length }, baseline: () => { sink += handSap(SAP7).servers.length } },
    { name: 'rip response, 50 entries', ours: () => { sink += rip.decode(RIP50).entries.length }, baseline: () => { sink += handRip(RIP50).entries.length } }
  ]
}

/** Whole frames: Ethernet II and 802.2 decode, Ethernet II encode. */
export function framePairs (): Pair[] {
  const frame = ethernet.decode(FRAME_II)
  const out = Buffer.alloc(1600)
  return [
    { name: 'frame decode Ethernet II', ours: () => { sink += ethernet.decode(FRAME_II).ipx.header.length }, baseline: () => { sink += handFrameDecode(FRAME_II).ipx.header.length } },
    { name: 'frame decode 802.2', ours: () => { sink += ethernet.decode(FRAME_LLC).ipx.header.length }, baseline: () => { sink += handFrameDecode(FRAME_LLC).ipx.header.length } },
    { name: 'frame encode Ethernet II', ours: () => { sink += ethernet.encode(frame, out, 0).length }, baseline: () => { sink += handFrameEncode(frame, out) } }
  ]
}

export function headerPairs (): Pair[] {
  const h = ipx.header.decode(SAMPLE)
  const out = Buffer.alloc(64)
  const peek = ipx.createPeek()
  const peek2 = ipx.createPeek()
  return [
    { name: 'ipx header decode', ours: () => { sink += ipx.header.decode(SAMPLE).length }, baseline: () => { sink += handDecode(SAMPLE, 0).length } },
    { name: 'ipx header encode', ours: () => { ipx.header.encode(h, out, 0) }, baseline: () => { handEncode(h, out, 0) } },
    { name: 'ipx header peek', ours: () => { sink += ipx.peekHeader(SAMPLE, 0, peek) + peek.dstSocket }, baseline: () => { sink += (handPeek(SAMPLE, 0, peek2) ? 0 : 1) + peek2.dstSocket } }
  ]
}

/**
 * Runs every pair in `rounds` tinybench runs, ours and the baseline side by side in each, and
 * reports per pair the median rate of each and the median of the per-round ratios (a burst of load
 * from elsewhere on the shared machine then spoils one round, not the figure).
 */
export async function runPairs (pairs: Pair[], rounds = 5, time = 150): Promise<string[]> {
  const ratios = pairs.map(() => [] as number[])
  const ours = pairs.map(() => [] as number[])
  const base = pairs.map(() => [] as number[])
  for (let r = 0; r < rounds; r++) {
    const bench = new Bench({ time, warmupTime: 50 })
    for (const p of pairs) {
      bench.add(`${p.name} (ipxlab)`, p.ours)
      bench.add(`${p.name} (hand-written)`, p.baseline)
    }
    await bench.run()
    const hz = (name: string): number => {
      const res = bench.getTask(name)?.result
      return res !== undefined && 'throughput' in res ? res.throughput.mean : NaN
    }
    pairs.forEach((p, i) => {
      const a = hz(`${p.name} (ipxlab)`)
      const b = hz(`${p.name} (hand-written)`)
      ours[i]?.push(a)
      base[i]?.push(b)
      ratios[i]?.push(a / b)
    })
  }
  return pairs.map((p, i) =>
    `${p.name.padEnd(28)} ${fmt(median(ours[i] ?? []))} ops/s  hand-written ${fmt(median(base[i] ?? []))} ops/s  ratio ${median(ratios[i] ?? []).toFixed(2)} (median of ${rounds})`)
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? NaN
}

function fmt (n: number): string {
  return (n / 1e6).toFixed(2).padStart(7) + 'M'
}

/** Counts garbage collections while running `fn` `n` times: 0 means it allocated nothing that survived to a GC. */
export async function gcCount (fn: () => void, n: number): Promise<number> {
  let gcs = 0
  const obs = new PerformanceObserver(list => { gcs += list.getEntries().length })
  obs.observe({ entryTypes: ['gc'] })
  for (let i = 0; i < n; i++) fn()
  await new Promise(resolve => setTimeout(resolve, 50))
  obs.disconnect()
  return gcs
}

export async function peekAllocationLine (): Promise<string> {
  const peek = ipx.createPeek()
  const n = 5_000_000
  const emptyGcs = await gcCount(() => { sink += 0 }, n)
  const peekGcs = await gcCount(() => { sink += ipx.peekHeader(SAMPLE, 0, peek) }, n)
  const decodeGcs = await gcCount(() => { sink += ipx.header.decode(SAMPLE).length }, n)
  return `ipx header peek allocation    GCs over ${n / 1e6}M calls: peek ${peekGcs}, empty loop ${emptyGcs}, full decode ${decodeGcs}`
}

export function sinkValue (): number {
  return sink
}
