import test from 'ava'
import type os from 'node:os'
import { banner, reachableHosts } from '../../src/cli/node.js'
import { startNode } from '../../src/node/node.js'
import { validateConfig } from '../../src/node/config.js'

type Ifaces = ReturnType<typeof os.networkInterfaces>
const iface = (address: string, internal: boolean, family: 'IPv4' | 'IPv6' = 'IPv4'): os.NetworkInterfaceInfo =>
  ({ address, internal, family, netmask: '255.0.0.0', mac: '00:00:00:00:00:00', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) }) as os.NetworkInterfaceInfo

test('reachableHosts: the listen host itself; for a wildcard the machine\'s own IPv4 addresses, loopback when it has no other', t => {
  const ifaces: Ifaces = { lo: [iface('127.0.0.1', true)], eth0: [iface('192.0.2.7', false), iface('fe80::1', false, 'IPv6')], eth1: [iface('198.51.100.3', false)] }
  t.deepEqual(reachableHosts('10.1.2.3', ifaces), ['10.1.2.3'])
  t.deepEqual(reachableHosts('0.0.0.0', ifaces), ['192.0.2.7', '198.51.100.3'])
  t.deepEqual(reachableHosts('::', ifaces), ['192.0.2.7', '198.51.100.3'])
  t.deepEqual(reachableHosts('0.0.0.0', { lo: [iface('127.0.0.1', true)] }), ['127.0.0.1'])
})

test('the node banner: listen address, the IPXNET CONNECT line with the real port, the dashboard and status URLs', async t => {
  const n = await startNode(validateConfig({ name: 'BANNER', listen: '127.0.0.1:0', snpListen: '127.0.0.1:0' }))
  t.teardown(async () => { await n.stop() })
  const text = banner(n)
  const port = n.address().port
  const api = n.api!.port
  t.regex(text, new RegExp(`^ipxlab node BANNER listening on udp\\+tcp 127\\.0\\.0\\.1:${port} \\(bridge mode, network 00000001\\)$`, 'm'))
  t.regex(text, new RegExp(`^ {2}DOSBox clients: IPXNET CONNECT 127\\.0\\.0\\.1 ${port}$`, 'm'))
  t.regex(text, new RegExp(`^ {2}dashboard: http://127\\.0\\.0\\.1:${api}/$`, 'm'))
  t.regex(text, new RegExp(`^ {2}status API: http://127\\.0\\.0\\.1:${api}/api/stats `, 'm'))
  t.notRegex(text, /<this host/)
})
