/**
 * WebSocket relay benchmark (issue 14): packets per second and p50/p99 latency of a unicast from
 * one js-dos relay client to another through {@link WsIpxServer} (the relay's rules, every check,
 * the `ws` library's framing), beside the UDP DOSBox relay (`startDosboxNode`) in the same run, on
 * loopback. Clients, relay and receiver share one process in both, so the ratio compares the two
 * relays' per-datagram work plus their transports (TCP + WebSocket framing versus UDP).
 *
 *   node --import tsx scripts/bench-ws.ts [--count 50000] [--samples 2000] [--size 60] [--rounds 5]
 *
 * Every phase is bounded in count and in time (scripts/_bench-udp.ts).
 */
import { WebSocket } from 'ws'
import { COUNT, SAMPLES, SIZE, ROUNDS, WINDOW, ipx, measureLoop, arrived, fmt, median, dosboxRelay } from './_bench-udp.js'
import type { Probe, Result } from './_bench-udp.js'
import { WsIpxServer } from '../src/transport/ws-server.js'

async function open (url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, ['binary'])
  await new Promise<void>((resolve, reject) => { ws.once('open', () => { resolve() }); ws.once('error', reject) })
  return ws
}

function wsNode (ws: WebSocket): number {
  return 0x7f000001 * 0x10000 + (ws as unknown as { _socket: { localPort: number } })._socket.localPort
}

async function websocket (): Promise<Result> {
  // No rate limit: the benchmark measures the relay, not the bucket.
  const server = new WsIpxServer({ listen: { host: '127.0.0.1', port: 0 }, rateLimit: {} })
  const addr = await server.start()
  const url = `ws://127.0.0.1:${addr!.port}/ipx/bench`
  const tx = await open(url)
  const rx = await open(url)
  try {
    const p: Probe = { got: 0, lastAt: 0n }
    rx.on('message', () => { arrived(p) })
    const d = ipx(wsNode(rx), wsNode(tx), SIZE)
    const options = { binary: true }
    const r = await measureLoop(() => { tx.send(d, options) }, p)
    const c = server.relay.counters
    if (c.totalDropped() !== 0) throw new Error(`WebSocket relay dropped: ${JSON.stringify(c.snapshot())}`)
    return r
  } finally {
    tx.terminate()
    rx.terminate()
    await server.stop()
  }
}

const us: Result[] = []
const ws: Result[] = []
for (let round = 0; round < ROUNDS; round++) {
  us.push(await dosboxRelay())
  ws.push(await websocket())
}
const u = median(us)
const w = median(ws)
console.log(`bench-ws: ${COUNT} datagrams of ${SIZE} bytes (windows of ${WINDOW}), ${SAMPLES} latency samples, median of ${ROUNDS} alternating rounds, loopback, node ${process.version}`)
console.log(`udp dosbox relay  ${fmt(u)}`)
console.log(`websocket relay   ${fmt(w)}`)
console.log(`websocket/udp rate ${(w.pps / u.pps).toFixed(2)}  p50 ${(w.p50 / u.p50).toFixed(2)}  p99 ${(w.p99 / u.p99).toFixed(2)}`)
