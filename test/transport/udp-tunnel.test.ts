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
