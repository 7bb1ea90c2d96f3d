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
import { COUNT, SAMPLES, SIZE, ROUNDS, WINDOW, bind, nodeOf, ipx, measure, fmt, median, dosboxRelay } from './_bench-udp.js'
import type { Result } from './_bench-udp.js'
import { DosboxServer } from '../src/transport/dosbox-server.js'

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
  ds.push(await dosboxRelay())
}
const b = median(bs)
const d = median(ds)
console.log(`bench-relay: ${COUNT} datagrams of ${SIZE} bytes (windows of ${WINDOW}), ${SAMPLES} latency samples, median of ${ROUNDS} alternating rounds, loopback, node ${process.version}`)
console.log(`bare   ${fmt(b)}`)
console.log(`dosbox ${fmt(d)}`)
console.log(`DosboxServer.handle alone: ${handleOnly().toFixed(0)} ns per unicast (no socket)`)
console.log(`relay/bare rate ${(d.pps / b.pps).toFixed(2)}  p50 ${(d.p50 / b.p50).toFixed(2)}  p99 ${(d.p99 / b.p99).toFixed(2)}`)
