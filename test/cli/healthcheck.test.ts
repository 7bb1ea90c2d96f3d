/**
 * The container health check (src/cli/healthcheck.ts): where it asks, and its verdict against a
 * real node's status API: healthy with no links, unhealthy while a link is down, and nothing
 * listening.
 */
import test from 'ava'
import { checkHealth, healthUrl } from '../../src/cli/healthcheck.js'
import { startNode } from '../../src/node/node.js'
import { validateConfig } from '../../src/node/config.js'
import { freePort } from '../node/_two-nodes.js'

test('healthUrl: the QoS plane\'s port, a wildcard asked on loopback, the default 2629', t => {
  t.is(healthUrl(undefined), 'http://127.0.0.1:2629/healthz')
  t.is(healthUrl(''), 'http://127.0.0.1:2629/healthz')
  t.is(healthUrl('0.0.0.0:2629'), 'http://127.0.0.1:2629/healthz')
  t.is(healthUrl('0.0.0.0:3000'), 'http://127.0.0.1:3000/healthz')
  t.is(healthUrl('10.1.2.3:3000'), 'http://10.1.2.3:3000/healthz')
  t.is(healthUrl('[::]:3000'), 'http://[::1]:3000/healthz')
  t.is(healthUrl('not an address'), 'http://127.0.0.1:2629/healthz', 'the node would refuse it; the check asks the default')
})

test('checkHealth: 0 for a node without links, 1 while its link is down, 1 when nothing listens', async t => {
  const snp = await freePort('127.0.0.1')
  const alone = await startNode(validateConfig({ listen: '127.0.0.1:0', snpListen: `127.0.0.1:${snp}` }), {})
  t.teardown(async () => { await alone.stop() })
  t.is(await checkHealth(healthUrl(`127.0.0.1:${snp}`)), 0)
  const snp2 = await freePort('127.0.0.1')
  const dead = await freePort('127.0.0.2')
  const waiting = await startNode(validateConfig({ listen: '127.0.0.1:0', snpListen: `127.0.0.1:${snp2}`, peers: [`udp://127.0.0.2:${dead}`] }), {})
  t.teardown(async () => { await waiting.stop() })
  t.is(await checkHealth(healthUrl(`127.0.0.1:${snp2}`)), 1, 'its only link is not up')
  const none = await freePort('127.0.0.1')
  t.is(await checkHealth(healthUrl(`127.0.0.1:${none}`), 2000), 1)
})
