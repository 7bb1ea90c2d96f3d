/**
 * Issue 13, items 6 and 8: DOSBox slots per IP, eviction of the longest-idle client, bounded
 * registration logs, and ipxlab clients giving their slot back on exit (`ipxlab ping`).
 */
import test from 'ava'
import type { RemoteInfo } from 'node:dgram'
import { DosboxServer, dosboxNode, ipv4ToNumber } from '../../src/transport/dosbox-server.js'
import { encodeUnregister } from '../../protocol/dosbox-unregister.js'
import { SlotQuota, evictable } from '../../src/transport/slot-quota.js'
import { startNode } from '../../src/node/node.js'
import { validateConfig } from '../../src/node/config.js'
import { runCli as run } from '../_cli.js'
import { recordingLogger } from '../_log.js'
import { REGISTRATION, ipxPacket, until } from './_dosbox-client.js'

const from = (address: string, port: number): RemoteInfo => ({ address, port, family: 'IPv4', size: 30 })

function server (o: { maxClients?: number, maxPerIp?: number } = {}): { s: DosboxServer, clock: { now: number }, lines: ReturnType<typeof recordingLogger>['lines'] } {
  const clock = { now: 0 }
  const { logger, lines } = recordingLogger()
  const s = new DosboxServer({ send: () => {}, serverPort: 2644, now: () => clock.now, logger, ...o })
  return { s, clock, lines }
}

test('SlotQuota and evictable: per-IP counts; only a client idle 30 s or more is evictable', t => {
  const q = new SlotQuota(2)
  q.take(1); q.take(1)
  t.false(q.allows(1))
  t.true(q.allows(2))
  q.release(1)
  t.true(q.allows(1))
  t.is(evictable([{ lastSeen: 10 }, { lastSeen: 5 }], 20_000), undefined, 'nobody idle long enough')
  t.deepEqual(evictable([{ lastSeen: 10 }, { lastSeen: 5 }], 40_000), { lastSeen: 5 })
})

test('one host with 256 source ports gets its quota; another host still registers; counters reconcile', t => {
  const { s } = server({ maxClients: 256, maxPerIp: 16 })
  for (let p = 1000; p < 1256; p++) s.handle(REGISTRATION, from('10.0.0.1', p))
  t.is(s.size, 16)
  t.is(s.counters.dropped.ip_quota, 240)
  s.handle(REGISTRATION, from('10.0.0.2', 5000))
  t.is(s.size, 17, 'a new host is not locked out')
  t.is(s.counters.received, s.counters.delivered + s.counters.totalDropped())
})

test('a full table evicts the longest-idle client (idle ≥ 30 s) for a newcomer; active clients keep their slots', t => {
  const { s, clock, lines } = server({ maxClients: 3, maxPerIp: 3 })
  for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) s.handle(REGISTRATION, from(ip, 100))
  clock.now = 10_000
  s.handle(REGISTRATION, from('10.0.0.4', 100))
  t.is(s.counters.dropped.table_full, 1, 'nobody idle long enough yet')
  clock.now = 40_000
  // Clients 1 and 3 speak; client 2 stays silent.
  for (const ip of ['10.0.0.1', '10.0.0.3']) s.handle(ipxPacket({ dstNode: 0xffffffffffff, srcNode: dosboxNode(ipv4ToNumber(ip), 100) }), from(ip, 100))
  s.handle(REGISTRATION, from('10.0.0.4', 100))
  t.deepEqual(s.clients().map(c => c.ipv4).sort(), ['10.0.0.1', '10.0.0.3', '10.0.0.4'])
  t.is(lines.filter(l => l.message === 'client evicted').length, 1)
})

test('a re-registration flood (1,000 datagrams) writes one log line, not one per datagram', t => {
  const { s, lines } = server()
  for (let i = 0; i < 1000; i++) s.handle(REGISTRATION, from('10.0.0.9', 7777))
  t.is(s.size, 1)
  const written = lines.filter(l => l.message.startsWith('client '))
  t.true(written.length <= 2, `${written.length} lines`)
  t.log(`1,000 registrations from one source: ${written.length} log lines (${written.map(l => l.message).join(', ')})`)
})

test('the unregister datagram frees the sender\'s slot (and only its own: a forged one from elsewhere is unregistered)', t => {
  const { s } = server()
  s.handle(REGISTRATION, from('10.0.0.1', 100))
  const node = dosboxNode(ipv4ToNumber('10.0.0.1'), 100)
  s.handle(encodeUnregister(node, 2644), from('10.0.0.2', 100))
  t.is(s.size, 1, 'another address cannot unregister it')
  s.handle(encodeUnregister(node, 2644), from('10.0.0.1', 100))
  t.is(s.size, 0)
  t.is(s.counters.received, s.counters.delivered + s.counters.totalDropped())
})

test('ipxlab ping leaves no registered client behind', async t => {
  const n = await startNode(validateConfig({ listen: '127.0.0.1:0', snpListen: '127.0.0.1:0' }))
  t.teardown(async () => { await n.stop() })
  const target = `00000001:${n.config.node.toString(16).padStart(12, '0')}`
  const r = await run(['ping', target, '--via', `127.0.0.1:${n.address().port}`, '--count', '2', '--interval', '20'])
  t.is(r.code, 0, r.stdout + r.stderr)
  t.true(await until(() => n.dosbox.size === 0, 3000), `clients left: ${n.dosbox.size}`)
})
