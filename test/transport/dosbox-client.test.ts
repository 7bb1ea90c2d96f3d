import test from 'ava'
import { startDosboxNode } from '../../src/transport/serve.js'
import { DosboxClient } from '../../src/transport/dosbox-client.js'
import { dosboxNode, ipv4ToNumber } from '../../src/transport/dosbox-server.js'
import { TransportError } from '../../src/errors.js'
import { ipxPacket, until, sleep } from './_dosbox-client.js'
import { UdpEndpoint } from '../../src/transport/udp-endpoint.js'

test('DosboxClient registers, takes its ip:port node from the ack, talks to another client, syncs and closes', async t => {
  const node = await startDosboxNode({ listen: '127.0.0.1:0' })
  t.teardown(async () => { await node.stop() })
  const to = { host: '127.0.0.1', port: node.address.port }
  const gotB: Buffer[] = []
  const a = new DosboxClient({ to, bind: { host: '127.0.0.1', port: 0 } })
  const b = new DosboxClient({ to, bind: { host: '127.0.0.1', port: 0 }, onDatagram: (d) => { gotB.push(d) } })
  await a.open()
  await b.open()
  t.teardown(async () => { await a.close(); await b.close() })
  const nodes = node.clients().map(c => dosboxNode(ipv4ToNumber(c.ipv4), c.port)).sort()
  t.deepEqual([a.node, b.node].sort(), nodes, 'each client\'s node is the one the server assigned')
  const d = ipxPacket({ dstNode: b.node, srcNode: a.node, payload: Buffer.from('a to b') })
  a.send(d)
  t.true(await until(() => gotB.length === 1))
  t.deepEqual(gotB[0], d)
  t.true(await a.sync(2000), 'the marker came back: the server handled everything before it')
  t.is(gotB.length, 1, 'markers never reach onDatagram')
  t.is(node.counters.totalDropped(), 0)
})

test('DosboxClient keepalives keep it registered at a server that expires idle clients', async t => {
  const node = await startDosboxNode({ listen: '127.0.0.1:0', idleTimeoutMs: 300 })
  t.teardown(async () => { await node.stop() })
  const to = { host: '127.0.0.1', port: node.address.port }
  const kept = new DosboxClient({ to, bind: { host: '127.0.0.1', port: 0 }, keepaliveMs: 60 })
  const idle = new DosboxClient({ to, bind: { host: '127.0.0.1', port: 0 } })
  await kept.open()
  await idle.open()
  t.teardown(async () => { await kept.close(); await idle.close() })
  t.true(await until(() => node.clients().length === 1, 5000), 'the idle one expired')
  await sleep(400)
  t.is(node.clients().length, 1)
  t.is(dosboxNode(ipv4ToNumber(node.clients()[0]!.ipv4), node.clients()[0]!.port), kept.node, 'the kept one is still there')
})

test('DosboxClient: no ack after its attempts is a TransportError, and the socket is closed', async t => {
  // A bound socket that never answers.
  const silent = new UdpEndpoint({ host: '127.0.0.1', port: 0, onMessage: () => {} })
  const { port } = await silent.start()
  t.teardown(async () => { await silent.stop() })
  const c = new DosboxClient({ to: { host: '127.0.0.1', port }, registrationAttempts: 2, registrationWaitMs: 30 })
  const err = await t.throwsAsync(c.open(), { instanceOf: TransportError })
  t.regex(err?.message ?? '', /after 2 attempts/)
  t.false(await c.sync(10), 'nothing to sync once closed')
})
