import test from 'ava'
import { LinkQos } from '../../src/node/link-qos.js'
import { ipx, Socket } from '../../protocol/index.js'

function datagram (socket: number, size = 100): Buffer {
  return ipx.packet.encode(ipx.packet.makePacket({
    packetType: 4,
    dst: { network: 1, node: 2, socket },
    src: { network: 1, node: 3, socket: 0x4000 }
  }, Buffer.alloc(size - 30)))
}

function total (q: LinkQos, reason: string): number {
  return Object.values(q.stats().classes).reduce((n, c) => n + (c.drops[reason] ?? 0), 0)
}

test('stop: packets queued or on the emulated link, and any enqueued after, are counted stopped; none vanish', t => {
  const sent: Buffer[] = []
  const q = new LinkQos({ discipline: 'snp', rateBps: 1e6, wan: { delayMs: 200 }, now: () => performance.now(), send: d => { sent.push(d); return undefined } })
  for (let i = 0; i < 20; i++) q.enqueue(datagram(0x4001, 1000))
  t.false(q.idle)
  q.stop()
  q.enqueue(datagram(0x4001))
  const s = q.stats()
  const packets = Object.values(s.classes).reduce((n, c) => n + c.packets, 0)
  t.is(packets, 21)
  t.is(sent.length + total(q, 'stopped'), 21, 'every packet was sent or counted stopped')
  t.is(sent.length, 0, 'nothing got past a 200 ms link before the stop')
})

test('without a discipline packets go to the link at once, with their class', t => {
  const classes: number[] = []
  const q = new LinkQos({ now: () => 0, send: (_d, c) => { classes.push(c); return undefined } })
  q.enqueue(datagram(Socket.Rip))
  q.enqueue(datagram(0x869c))
  t.deepEqual(classes, [0, 2], 'network_control, game')
  t.true(q.idle)
})

test('monitor-only: classified and counted per class, sent in arrival order from one queue', t => {
  const sent: number[] = []
  const q = new LinkQos({ discipline: 'snp', monitorOnly: true, rateBps: 1e9, now: () => performance.now(), send: d => { sent.push(d.readUInt16BE(16)); return undefined } })
  q.enqueue(datagram(0x4001, 1000))
  q.enqueue(datagram(0x869c))
  q.enqueue(datagram(Socket.Rip))
  const s = q.stats()
  t.true(s.monitorOnly)
  t.is(s.classes.network_control?.packets, 1)
  t.is(s.classes.game?.packets, 1)
  t.is(s.classes.network_control?.sentPackets, 1, 'figures are kept under the class the classifier named')
  q.stop()
})
