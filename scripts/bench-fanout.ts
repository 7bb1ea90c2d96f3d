/**
 * Fan-out benchmark (issue 18): what one DOSBox broadcast to 63 other clients allocates and costs,
 * measured in-process (less noisy than the socket benchmarks on a shared machine).
 *
 *   node --expose-gc --min-semi-space-size=64 --max-semi-space-size=64 --import tsx scripts/bench-fanout.ts [--broadcasts 2000]
 *
 * Three variants, alternating, in one process:
 * - `handle`: `DosboxServer.handle` with a send that only counts (the relay decision and the
 *   fan-out loop, no socket): it should allocate nothing per recipient;
 * - `endpoint`: the same server sending through a real {@link UdpEndpoint} to 63 loopback sockets;
 * - `bare`: a plain dgram socket (with a lookup that answers IP literals at once, as the endpoint's
 *   does) sending the same datagram to the same 63 sockets: the floor that Node's dgram sets (each
 *   `send` makes its own request object, argument list and lookup callback).
 * Allocation is heap growth between two forced collections over a window that ran no collection
 * of its own (a window that did is reported as such); time is ns per recipient. The receivers are
 * never read: their kernel buffers fill and drop, on loopback only. Bounded in count.
 */
import dgram from 'node:dgram'
import { PerformanceObserver } from 'node:perf_hooks'
import { DosboxServer } from '../src/transport/dosbox-server.js'
import { UdpEndpoint } from '../src/transport/udp-endpoint.js'
import { arg, ipx } from './_bench-udp.js'

const CLIENTS = 64
// 1,000 broadcasts of 63 sends at dgram's ~270 B a send fit a 64 MiB semi-space: no scavenge inside a window.
const BROADCASTS = Math.min(arg('broadcasts', 1000), 3000)
const ROUNDS = Math.min(arg('rounds', 5), 20)
const gc = (globalThis as { gc?: () => void }).gc

interface Sample { bytesPerBroadcast: number, nsPerRecipient: number, gcs: number }

let gcs = 0
new PerformanceObserver(list => { gcs += list.getEntries().length }).observe({ entryTypes: ['gc'] })

/** The GC observer's entries arrive on a later tick: let them. */
async function settle (): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, 10))
}

/** Runs `fn` `BROADCASTS` times between two forced collections; heap growth and time per recipient. */
async function window (fn: () => void): Promise<Sample> {
  gc?.()
  gc?.()
  await settle()
  const g0 = gcs
  const before = process.memoryUsage().heapUsed
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < BROADCASTS; i++) fn()
  const ns = Number(process.hrtime.bigint() - t0)
  const after = process.memoryUsage().heapUsed
  await settle()
  return { bytesPerBroadcast: (after - before) / BROADCASTS, nsPerRecipient: ns / BROADCASTS / (CLIENTS - 1), gcs: gcs - g0 }
}

async function main (): Promise<void> {
  if (gc === undefined) throw new Error('run with --expose-gc (npm run bench does)')
  const receivers: dgram.Socket[] = []
  for (let i = 0; i < CLIENTS; i++) {
    const s = dgram.createSocket('udp4')
    await new Promise<void>(resolve => { s.bind(0, '127.0.0.1', resolve) })
    receivers.push(s)
  }
  const ports = receivers.map(s => s.address().port)
  const endpoint = new UdpEndpoint({ host: '127.0.0.1', port: 0, onMessage: () => {} })
  await endpoint.start()
  // Given IP literals, answered in the same call: dgram's default `dns.lookup` would defer every
  // send to the next tick, and the window would time only the deferral.
  const bare = dgram.createSocket({ type: 'udp4', lookup: (a: string, _o: unknown, cb: (e: null, a: string, f: number) => void) => { cb(null, a, 4) } } as dgram.SocketOptions)
  await new Promise<void>(resolve => { bare.bind(0, '127.0.0.1', resolve) })
  let counted = 0
  const make = (send: (d: Uint8Array, port: number, address: string) => void): DosboxServer => {
    const server = new DosboxServer({ serverPort: 2644, maxPerIp: CLIENTS, send })
    const reg = ipx(0, 0, 30)
    reg.writeUInt16BE(2, 16)
    for (const port of ports) server.handle(reg, { address: '127.0.0.1', family: 'IPv4', port, size: 30 })
    return server
  }
  const counting = make(() => { counted++ })
  const socketed = make((d, port, address) => { endpoint.send(d, port, address) })
  counted = 0 // the registration acks
  const sender = { address: '127.0.0.1', family: 'IPv4' as const, port: ports[0]!, size: 64 }
  const d = ipx(0xffffffffffff, 0x7f0000010000 + ports[0]!, 64)
  const address = '127.0.0.1'
  const samples: Record<string, Sample[]> = { handle: [], endpoint: [], bare: [] }
  try {
    for (let r = 0; r < ROUNDS + 1; r++) {
      const h = await window(() => { counting.handle(d, sender) })
      const e = await window(() => { socketed.handle(d, sender) })
      const b = await window(() => { for (let i = 1; i < CLIENTS; i++) bare.send(d, ports[i]!, address) })
      // Round 0 warms the JIT; its figures are not kept.
      if (r > 0) { samples.handle!.push(h); samples.endpoint!.push(e); samples.bare!.push(b) }
    }
  } finally {
    await endpoint.stop()
    bare.close()
    for (const s of receivers) s.close()
  }
  if (counted !== (ROUNDS + 1) * BROADCASTS * (CLIENTS - 1)) throw new Error(`handle-only fan-out sent ${counted} copies`)
  const med = (xs: Sample[], k: keyof Sample): number => { const s = xs.map(x => x[k]).sort((a, b) => a - b); return s[s.length >> 1]! }
  const line = (name: string): string => {
    const xs = samples[name]!
    const gcNote = xs.some(x => x.gcs > 0) ? ` (${xs.filter(x => x.gcs > 0).length} of ${xs.length} windows ran a GC)` : ''
    return `${name.padEnd(8)} ${med(xs, 'bytesPerBroadcast').toFixed(0).padStart(6)} B per broadcast = ${(med(xs, 'bytesPerBroadcast') / (CLIENTS - 1)).toFixed(1).padStart(5)} B per recipient   ${med(xs, 'nsPerRecipient').toFixed(0).padStart(5)} ns per recipient${gcNote}`
  }
  console.log(`bench-fanout: one 64-byte broadcast from 1 of ${CLIENTS} DOSBox clients to the other ${CLIENTS - 1}, ${BROADCASTS} broadcasts a window, median of ${ROUNDS} alternating rounds, node ${process.version}`)
  for (const n of ['handle', 'endpoint', 'bare']) console.log(line(n))
  const ratio = med(samples.endpoint!, 'bytesPerBroadcast') / med(samples.bare!, 'bytesPerBroadcast')
  console.log(`endpoint/bare allocation ${ratio.toFixed(2)}  time ${(med(samples.endpoint!, 'nsPerRecipient') / med(samples.bare!, 'nsPerRecipient')).toFixed(2)}   (handle alone: ${(med(samples.handle!, 'bytesPerBroadcast') / (CLIENTS - 1)).toFixed(1)} B per recipient)`)
}

await main()
