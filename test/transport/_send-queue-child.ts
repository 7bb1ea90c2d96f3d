/**
 * Runs inside a network namespace (send-queue.test.ts starts it with `ip netns exec`): a DOSBox
 * server on a real UdpEndpoint whose kernel send buffer is as small as Linux allows, sending out of
 * a veth whose qdisc is a slow token bucket, so that sends meet EAGAIN and libuv queues them.
 * Forty clients at the far namespace's address are registered through `handle` (their addresses are
 * only sent to), then broadcasts fan out to all of them. Prints one JSON line: the endpoint's
 * stats, the largest libuv send queue seen, and the server's counters.
 *
 *   node --import tsx _send-queue-child.ts LOCAL_IP REMOTE_IP MAX_SEND_QUEUE
 */
import { startDosboxNode } from '../../src/transport/serve.js'

const [local, remote, maxText] = process.argv.slice(2)
const maxSendQueue = Number(maxText)
const CLIENTS = 40
const BROADCASTS = 10
const SIZE = 1400

function ipx (dst: number, src: number, size: number, socket: number): Buffer {
  const b = Buffer.alloc(size)
  b.writeUInt16BE(0xffff, 0)
  b.writeUInt16BE(size, 2)
  b.writeUIntBE(dst, 10, 6)
  b.writeUInt16BE(socket, 16)
  b.writeUIntBE(src, 22, 6)
  b.writeUInt16BE(socket, 28)
  return b
}

const node = await startDosboxNode({ listen: `${local!}:0`, sendBufferSize: 1, maxSendQueue, maxPerIp: 255 })
const ip = remote!.split('.').reduce((a, x) => a * 256 + Number(x), 0)
const rinfo = (port: number): { address: string, family: 'IPv4', port: number, size: number } => ({ address: remote!, family: 'IPv4', port, size: 30 })
for (let i = 0; i < CLIENTS; i++) node.server.handle(ipx(0, 0, 30, 2), rinfo(20000 + i))
let peak = node.endpoint.sendQueueCount()
const broadcast = ipx(0xffffffffffff, ip * 0x10000 + 20000, SIZE, 0x4000)
for (let b = 0; b < BROADCASTS; b++) {
  node.server.handle(broadcast, rinfo(20000))
  peak = Math.max(peak, node.endpoint.sendQueueCount())
}
// Let libuv drain what it queued (bounded), then report.
const until = Date.now() + 10_000
while (node.endpoint.sendQueueCount() > 0 && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 10))
const drained = node.endpoint.sendQueueCount()
const stats = { ...node.endpoint.stats }
const counters = node.counters.snapshot()
await node.stop()
console.log(JSON.stringify({ attempts: CLIENTS + BROADCASTS * (CLIENTS - 1), stats, peak, drained, counters }))
