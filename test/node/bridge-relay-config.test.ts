/**
 * Issue 16: `bridgeRelay` (config key, `IPXLAB_BRIDGE_RELAY`, `ipxlab node --bridge-relay`) turns on
 * relaying between a bridge node's peers; it is off by default and refused in route mode.
 */
import test from 'ava'
import { validateConfig, configFromEnv, mergeConfigSources } from '../../src/node/config.js'
import { ConfigError } from '../../src/errors.js'
import { IpxNode } from '../../src/node/node.js'

test('bridgeRelay: off by default, on from the file, the environment and as text', t => {
  t.false(validateConfig({}).bridgeRelay)
  t.true(validateConfig({ bridgeRelay: true }).bridgeRelay)
  t.true(validateConfig(configFromEnv({ IPXLAB_BRIDGE_RELAY: 'yes' })).bridgeRelay)
  t.false(validateConfig(configFromEnv({ IPXLAB_BRIDGE_RELAY: '0' })).bridgeRelay)
})

test('bridgeRelay in route mode, or not a boolean: one ConfigError naming the setting and where it was set', t => {
  const route = t.throws(() => validateConfig({ mode: 'route', network: 5, bridgeRelay: true }), { instanceOf: ConfigError })
  t.is(route.field, 'bridgeRelay')
  t.regex(route.message, /bridge mode only/)
  const env = t.throws(() => mergeConfigSources({ env: { IPXLAB_BRIDGE_RELAY: 'maybe' } }), { instanceOf: ConfigError })
  t.is(env.field, 'bridgeRelay')
  t.regex(env.message, /IPXLAB_BRIDGE_RELAY/)
})

test('a node made with bridgeRelay relays between its peers; one made without does not', t => {
  for (const bridgeRelay of [true, false]) {
    const node = new IpxNode(validateConfig({ listen: '127.0.0.1:0', snpListen: '127.0.0.1:0', bridgeRelay }))
    const sent: string[] = []
    for (const id of ['peer:1', 'peer:2']) node.router.addPort({ id, kind: 'peer', send: () => { sent.push(id) } })
    const d = Buffer.alloc(30)
    d.writeUInt16BE(0xffff, 0)
    d.writeUInt16BE(30, 2)
    d.fill(0xff, 10, 16)
    d.writeUIntBE(0x7f0000010001, 22, 6)
    node.router.forward(d, 'peer:1', 0)
    t.deepEqual(sent, bridgeRelay ? ['peer:2'] : [], `bridgeRelay ${String(bridgeRelay)}`)
  }
})
