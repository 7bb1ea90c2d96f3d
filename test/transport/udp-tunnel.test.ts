import test from 'ava'
import { UdpTunnel } from '../../src/transport/udp-tunnel.js'
import { NativeLink } from '../../src/transport/native-link.js'
import type { LinkChangeReason } from '../../src/transport/native-link.js'
import { until } from './_dosbox-client.js'

async function tunnel (host: string): Promise<UdpTunnel> {
  const t = new UdpTunnel({ host, port: 0 })
  await t.start()
  return t
}

test('stopping a tunnel sends its links\' bye, and the peer hears it at once (not after its dead interval)', async t => {
  const a = await tunnel('127.0.0.1')
  const b = await tunnel('127.0.0.1')
  t.teardown(async () => { await a.stop(); await b.stop() })
  const changes: LinkChangeReason[] = []
  const la = new NativeLink({ node: 0x020000000001, peer: { host: '127.0.0.1', port: b.address().port }, onPacket: () => {}, keepaliveIntervalMs: 5000 })
  const lb = new NativeLink({
    node: 0x020000000002,
    peer: { host: '127.0.0.1', port: a.address().port },
    onPacket: () => {},
    keepaliveIntervalMs: 5000,
    onStateChange: (_up, reason) => { changes.push(reason) }
  })
  a.addLink(la)
  b.addLink(lb)
  la.start()
  lb.start()
  t.true(await until(() => la.up && lb.up, 3000), 'up')
  await a.stop()
  t.true(await until(() => !lb.up, 500), 'B saw A go down within 500 ms (its dead interval is 15 s)')
  t.is(changes.at(-1), 'bye')
})

test('native frames from an address that is no peer are counted, not delivered', async t => {
  const a = await tunnel('127.0.0.1')
  t.teardown(async () => { await a.stop() })
  const stranger = new UdpTunnel({ host: '127.0.0.1', port: 0 })
  await stranger.start()
  t.teardown(async () => { await stranger.stop() })
  const l = new NativeLink({ node: 0x020000000009, peer: { host: '127.0.0.1', port: a.address().port }, onPacket: () => {} })
  stranger.addLink(l)
  l.start()
  t.true(await until(() => a.counters.dropped.unregistered >= 1, 3000))
  t.is(a.counters.delivered, 0)
})

test('relink: a peer back at a new address (a restarted container) is reached there, and its new sequence starts a new window even when it answers with a hello-ack', async t => {
  const a = await tunnel('127.0.0.1')
  const b = await tunnel('127.0.0.2')
  t.teardown(async () => { await a.stop(); await b.stop() })
  const port = b.address().port
  const la = new NativeLink({ node: 0x020000000001, peer: { host: '127.0.0.2', port }, onPacket: () => {}, keepaliveIntervalMs: 200 })
  // The peer sends one hello at start and no more (as a restarted container's first hellos are lost
  // while A still keys the link at the old address): it comes up on A's hello and answers with a
  // hello-ack, which only a new window lets in.
  // Its new sequence starts behind the old one, where a window that went on would refuse it.
  const peerLink = (initialSequence: number): NativeLink => new NativeLink({ node: 0x020000000002, peer: { host: '127.0.0.1', port: a.address().port }, onPacket: () => {}, keepaliveIntervalMs: 200, helloIntervalMs: 60_000, initialSequence })
  const lb = peerLink(1_000_000)
  a.addLink(la)
  b.addLink(lb)
  la.start()
  lb.start()
  t.true(await until(() => la.up && lb.up, 3000), 'up at the first address')
  await b.stop()
  t.true(await until(() => !la.up, 1000), 'down when the peer left')
  // The peer again, a new process (new random sequence) at another address, same port.
  const moved = new UdpTunnel({ host: '127.0.0.3', port })
  await moved.start()
  t.teardown(async () => { await moved.stop() })
  const lb2 = peerLink(1000)
  moved.addLink(lb2)
  lb2.start()
  t.true(await until(() => a.counters.dropped.unregistered >= 1, 3000), 'its hellos are no peer\'s at the old address')
  t.false(la.up)
  const resets = la.stats.windowResets
  a.relink(la, '127.0.0.3')
  t.is(la.peer.host, '127.0.0.3')
  t.true(await until(() => la.up && lb2.up, 3000), 'up again at the new address')
  t.is(la.stats.windowResets, resets + 1)
  t.deepEqual(a.links(), [la], 'still one link, the same one')
})
