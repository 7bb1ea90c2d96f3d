import test from 'ava'
import { attachmentPair } from '../../src/transport/attachment.js'
import { DropReason } from '../../src/transport/counters.js'
import { readSrcNode } from '../../protocol/ipx/peek.js'
import { Router } from '../../src/node/router.js'
import { startNode } from '../../src/node/node.js'
import { validateConfig } from '../../src/node/config.js'
import { BCAST, datagram } from '../node/_lab.js'

const until = async (cond: () => boolean, ms = 2000): Promise<boolean> => {
  const end = Date.now() + ms
  while (!cond() && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 1))
  return cond()
}

test('attachmentPair: what one end sends the other receives, later and in order; a closed end refuses', async t => {
  const [a, b] = attachmentPair()
  const got: string[] = []
  b.receiver = (d) => { got.push(d.toString()); return d.toString() === 'two' ? DropReason.Policy : undefined }
  t.is(a.send(Buffer.from('one')), undefined)
  t.is(a.send(Buffer.from('two')), undefined)
  t.deepEqual(got, [], 'nothing arrives synchronously')
  t.true(await until(() => got.length === 2))
  t.deepEqual(got, ['one', 'two'])
  t.is(b.counters.received, 2)
  t.is(b.counters.delivered, 1)
  t.is(b.counters.dropped.policy, 1, 'the receiver\'s verdict is counted')
  b.close()
  t.is(a.send(Buffer.from('three')), DropReason.SendFailed)
})

test('attachmentPair: without a receiver a datagram is counted unknown_destination', async t => {
  const [a, b] = attachmentPair()
  a.send(Buffer.from('x'))
  t.true(await until(() => b.counters.received === 1))
  t.is(b.counters.dropped.unknown_destination, 1)
})

const X = 0x7f0000010001
const Y = 0x7f0000020002

test('two bridge routers joined by an in-memory link carry a broadcast and the unicast answer, no socket opened', async t => {
  const routers = { a: new Router({ mode: 'bridge', network: 1, node: 0x0a }), b: new Router({ mode: 'bridge', network: 1, node: 0x0b }) }
  const [aPeer, bPeer] = attachmentPair()
  const [xEnd, aLocal] = attachmentPair()
  const [yEnd, bLocal] = attachmentPair()
  const wire = (r: Router, id: string, kind: 'local' | 'peer', end: typeof aPeer): void => {
    end.receiver = (d) => r.forward(d, id, 0)
    r.addPort({ id, kind, send: (d) => { end.send(d) } })
  }
  wire(routers.a, 'peer', 'peer', aPeer)
  wire(routers.b, 'peer', 'peer', bPeer)
  wire(routers.a, 'local', 'local', aLocal)
  wire(routers.b, 'local', 'local', bLocal)
  const atX: Buffer[] = []
  const atY: Buffer[] = []
  xEnd.receiver = (d) => { atX.push(d); return undefined }
  yEnd.receiver = (d) => { atY.push(d); return undefined }
  const hello = datagram({ dst: [0, BCAST, 0x4000], src: [0, X, 0x4000] }, Buffer.from('hello'))
  xEnd.send(hello)
  t.true(await until(() => atY.length === 1), 'the broadcast crossed A, the link and B')
  t.deepEqual(atY[0], hello, 'byte-exact')
  const answer = datagram({ dst: [0, X, 0x4000], src: [0, Y, 0x4000] }, Buffer.from('answer'))
  yEnd.send(answer)
  t.true(await until(() => atX.length === 1), 'B learned nothing of X but floods to its peer; A knows X is local')
  t.deepEqual(atX[0], answer)
  t.is(routers.a.counters.totalDropped() + routers.b.counters.totalDropped(), 0)
})

test('a node forwards between attachments it is given: two in-memory segments, nothing on its sockets', async t => {
  const node = await startNode(validateConfig({ listen: '127.0.0.1:0', snpListen: '127.0.0.1:0' }))
  t.teardown(async () => { await node.stop() })
  const [xEnd, seg1] = attachmentPair()
  const [yEnd, seg2] = attachmentPair()
  seg1.hasNode = (n) => n === X
  seg2.hasNode = (n) => n === Y
  node.attach('mem:1', 'local', seg1)
  node.attach('mem:2', 'local', seg2)
  const atY: Buffer[] = []
  // The node's own RIP and SAP broadcasts reach the segments too: keep only X's.
  yEnd.receiver = (d) => { if (readSrcNode(d) === X) atY.push(d); return undefined }
  const d = datagram({ dst: [0, Y, 0x4000], src: [0, X, 0x4000] }, Buffer.from('x to y'))
  xEnd.send(d)
  t.true(await until(() => atY.length === 1))
  t.deepEqual(atY[0], d)
  t.true(node.attachments.delivered >= 1, 'the outcome at the attachment is counted')
  t.is(node.stats().counters.tunnel.received, 0, 'nothing crossed the UDP socket')
  t.true(node.detach('mem:2'))
  xEnd.send(d)
  t.true(await until(() => seg1.counters.received === 2))
  t.is(seg1.counters.dropped.unknown_destination, 1, 'with the segment gone, nobody has Y')
})
