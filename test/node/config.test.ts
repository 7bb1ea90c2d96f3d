import test from 'ava'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ConfigError } from '../../src/errors.js'
import { validateConfig, mergeConfigSources, configFromEnv, readConfigFile, defaultNode, parseKey, ENV_VARIABLES, DEFAULT_RECEIVE_BUFFER } from '../../src/node/config.js'

const KEY_HEX = '00112233445566778899aabbccddeeff'

test('defaults: a bridge node on 0.0.0.0:2644 / 2629 with a file server named after it', t => {
  const c = validateConfig({})
  t.is(c.mode, 'bridge')
  t.is(c.name, 'IPXLAB')
  t.is(c.network, 1)
  t.deepEqual(c.listen, { host: '0.0.0.0', port: 2644 })
  t.deepEqual(c.snpListen, { host: '0.0.0.0', port: 2629 })
  t.deepEqual(c.peers, [])
  t.deepEqual(c.services, [{ type: 4, name: 'IPXLAB', socket: 0x0451 }])
  t.deepEqual(c.timers, { ripIntervalMs: 60_000, ripExpireMs: 180_000, ripGarbageMs: 240_000, sapIntervalMs: 60_000, sapExpireMs: 300_000, bridgeAgeMs: 300_000 })
  t.deepEqual(c.limits, { maxClients: 256, idleTimeoutMs: 600_000, maxPerIp: 16, tcpMaxConnections: 512, tcpMaxPerIp: 16, tcpFirstFrameMs: 10_000, tcpIdleMs: 300_000 })
  t.deepEqual(c.api, { listen: { host: '127.0.0.1', port: 2629 }, maxConnections: 64, maxPerIp: 8 }, 'the status API on loopback (issue 13)')
  t.is(c.capture, undefined)
  t.is(c.node, defaultNode('IPXLAB', c.listen))
  t.is(Math.floor(c.node / 2 ** 40), 0x02, 'locally administered 02:…')
})

test('default node addresses differ by name and listen address', t => {
  const a = validateConfig({ listen: '127.0.0.1:2644' }).node
  const b = validateConfig({ listen: '127.0.0.2:2644' }).node
  const c = validateConfig({ name: 'B', listen: '127.0.0.1:2644' }).node
  t.not(a, b)
  t.not(a, c)
})

test('a full config: hex text and numbers, peers as text and objects, keys, timers, limits', t => {
  const c = validateConfig({
    name: 'alpha',
    mode: 'route',
    network: '0xA8F87967',
    node: '02:00:00:00:00:01',
    listen: '127.0.0.1:3000',
    snpListen: '[::1]:3001',
    peers: ['127.0.0.2:2644', 'tcp://node-b:2645', { address: '10.0.0.3', key: Buffer.from(KEY_HEX, 'hex').toString('base64'), keyId: 2, network: 0x100 }],
    key: KEY_HEX,
    timers: { ripIntervalMs: 1000, sapIntervalMs: '2000' },
    services: [{ type: '0x0007', name: 'PRINTQ', socket: 0x8060 }],
    limits: { maxClients: 10, idleTimeoutMs: 0, rateLimit: { packetsPerSecond: 100 } },
    capture: '/tmp/a.pcapng'
  })
  t.is(c.network, 0xa8f87967)
  t.is(c.node, 0x020000000001)
  t.deepEqual(c.listen, { host: '127.0.0.1', port: 3000 })
  t.deepEqual(c.snpListen, { host: '::1', port: 3001 })
  t.deepEqual(c.peers.map(p => [p.address, p.transport, p.keyId, p.network]), [
    ['127.0.0.2:2644', 'udp', 1, 0], ['node-b:2645', 'tcp', 1, 0], ['10.0.0.3:2644', 'udp', 2, 0x100]])
  t.true(c.peers.every(p => p.key?.equals(Buffer.from(KEY_HEX, 'hex')) === true), 'the node-wide key applies where a peer has none')
  t.deepEqual(c.timers, { ripIntervalMs: 1000, ripExpireMs: 3000, ripGarbageMs: 4000, sapIntervalMs: 2000, sapExpireMs: 10_000, bridgeAgeMs: 300_000 })
  t.deepEqual(c.services, [{ type: 7, name: 'PRINTQ', socket: 0x8060 }])
  t.deepEqual(c.limits, { maxClients: 10, idleTimeoutMs: 0, rateLimit: { packetsPerSecond: 100 }, maxPerIp: 10, tcpMaxConnections: 512, tcpMaxPerIp: 16, tcpFirstFrameMs: 10_000, tcpIdleMs: 300_000 })
  t.is(c.capture, '/tmp/a.pcapng')
})

// Each wrong setting gives a ConfigError naming it.
const wrong: Array<[string, unknown, string]> = [
  ['unknown mode', { mode: 'hub' }, 'mode'],
  ['network 0', { network: 0 }, 'network'],
  ['network 0xFFFFFFFF (reserved: all networks)', { network: 'FFFFFFFF' }, 'network'],
  ['network not hex', { network: 'zz' }, 'network'],
  ['route mode without a network', { mode: 'route' }, 'network'],
  ['broadcast node', { node: 'ff:ff:ff:ff:ff:ff' }, 'node'],
  ['node 0', { node: 0 }, 'node'],
  ['listen not an address', { listen: 'nowhere:2644' }, 'listen'],
  ['listen port out of range', { listen: '127.0.0.1:70000' }, 'listen'],
  ['snp listen not text', { snpListen: 2629 }, 'snpListen'],
  ['a peer without a port number', { peers: ['127.0.0.1:x'] }, 'peers[0].address'],
  ['a peer address', { peers: [{ address: '127.0.0.1:2644' }, { address: 'bad host!' }] }, 'peers[1].address'],
  ['a peer transport', { peers: [{ address: '127.0.0.1:2644', transport: 'sctp' }] }, 'peers[0].transport'],
  ['a short key', { peers: [{ address: '127.0.0.1:2644', key: '0011' }] }, 'peers[0].key'],
  ['a key that is neither hex nor base64', { key: 'not a key!' }, 'key'],
  ['key id 0', { peers: [{ address: '127.0.0.1:2644', keyId: 0 }] }, 'peers[0].keyId'],
  ['a link network in bridge mode', { peers: [{ address: '127.0.0.1:2644', network: 5 }] }, 'peers[0].network'],
  ['an unknown peer setting', { peers: [{ address: '127.0.0.1:2644', colour: 'red' }] }, 'peers[0].colour'],
  ['rip expiry not after the interval', { timers: { ripIntervalMs: 5000, ripExpireMs: 5000 } }, 'timers.ripExpireMs'],
  ['rip garbage not after expiry', { timers: { ripExpireMs: 5000, ripGarbageMs: 4000, ripIntervalMs: 1000 } }, 'timers.ripGarbageMs'],
  ['sap expiry not after the interval', { timers: { sapIntervalMs: 1000, sapExpireMs: 500 } }, 'timers.sapExpireMs'],
  ['a negative timer', { timers: { ripIntervalMs: -1 } }, 'timers.ripIntervalMs'],
  ['an unknown timer', { timers: { helloMs: 5 } }, 'timers.helloMs'],
  ['a service name too long for SAP', { services: [{ type: 4, name: 'N'.repeat(48), socket: 0x451 }] }, 'services[0].name'],
  ['a service socket out of range', { services: [{ type: 4, name: 'FS', socket: 0x10000 }] }, 'services[0].socket'],
  ['a duplicate service', { services: [{ type: 4, name: 'FS', socket: 1 }, { type: 4, name: 'FS', socket: 2 }] }, 'services[1].name'],
  ['maxClients 0', { limits: { maxClients: 0 } }, 'limits.maxClients'],
  ['a rate limit of zero', { limits: { rateLimit: { bytesPerSecond: 0 } } }, 'limits.rateLimit.bytesPerSecond'],
  ['a name with spaces', { name: 'my node' }, 'name'],
  ['an empty capture path', { capture: '' }, 'capture'],
  ['an unknown top-level setting', { lisen: '0.0.0.0:1' }, 'lisen'],
  ['not an object', 42, '(config)']
]
for (const [title, input, field] of wrong) {
  test(`validateConfig rejects ${title}: ConfigError naming ${field}`, t => {
    const err = t.throws(() => validateConfig(input), { instanceOf: ConfigError })
    t.is(err?.code, 'IPX_ERR_CONFIG')
    t.is(err?.field, field)
  })
}

test('parseKey: hex or base64, at least 16 bytes', t => {
  t.true(Buffer.isBuffer(parseKey(KEY_HEX)))
  t.true(Buffer.isBuffer(parseKey(`0x${KEY_HEX}`)))
  t.true(Buffer.isBuffer(parseKey(Buffer.alloc(16, 7).toString('base64'))))
  t.is(typeof parseKey('00112233'), 'string')
  t.is(typeof parseKey('abc'), 'string')
})

test('configFromEnv: IPXLAB_* variables, peers comma-separated, empty ones ignored', t => {
  t.deepEqual(configFromEnv({
    IPXLAB_LISTEN: '127.0.0.1:2644',
    IPXLAB_PEERS: '127.0.0.2:2644, tcp://127.0.0.3:2644,',
    IPXLAB_MODE: 'route',
    IPXLAB_NETWORK: '0xB',
    IPXLAB_KEY: KEY_HEX,
    IPXLAB_RIP_INTERVAL_MS: '1000',
    IPXLAB_NAME: '',
    HOME: '/root'
  }), {
    listen: '127.0.0.1:2644',
    peers: ['127.0.0.2:2644', 'tcp://127.0.0.3:2644'],
    mode: 'route',
    network: '0xB',
    key: KEY_HEX,
    timers: { ripIntervalMs: '1000' }
  })
  t.true(Object.keys(ENV_VARIABLES).every(k => k.startsWith('IPXLAB_')))
})

test('precedence: file < environment < flags; objects merge key by key, lists are replaced', t => {
  const c = mergeConfigSources({
    file: { name: 'FROMFILE', listen: '127.0.0.1:1000', peers: ['127.0.0.9:1'], timers: { ripIntervalMs: 1000, sapIntervalMs: 3000 }, mode: 'route', network: 5 },
    env: { IPXLAB_LISTEN: '127.0.0.1:2000', IPXLAB_PEERS: '127.0.0.2:2644', IPXLAB_RIP_INTERVAL_MS: '2000', IPXLAB_NETWORK: '6' },
    flags: { listen: '127.0.0.1:3000', timers: { ripExpireMs: 9000 } }
  })
  t.is(c.name, 'FROMFILE')
  t.deepEqual(c.listen, { host: '127.0.0.1', port: 3000 }, 'flags win')
  t.deepEqual(c.peers.map(p => p.address), ['127.0.0.2:2644'], 'the environment replaced the file\'s list')
  t.is(c.network, 6)
  t.is(c.timers.ripIntervalMs, 2000, 'env over file, key by key')
  t.is(c.timers.sapIntervalMs, 3000, 'kept from the file')
  t.is(c.timers.ripExpireMs, 9000, 'from a flag')
})

test('a bad value is reported once, at the end, naming the field whichever source set it', t => {
  const fromEnv = t.throws(() => mergeConfigSources({ file: { network: 5 }, env: { IPXLAB_NETWORK: 'xyz' } }), { instanceOf: ConfigError })
  t.is(fromEnv?.field, 'network')
  // A bad file value overridden by a good flag is no error: validation happens once, after merging.
  t.notThrows(() => mergeConfigSources({ file: { listen: 'bogus' }, flags: { listen: '127.0.0.1:1' } }))
  const fromFlag = t.throws(() => mergeConfigSources({ flags: { peers: [{ address: '127.0.0.1:1', transport: 'x' }] } }), { instanceOf: ConfigError })
  t.is(fromFlag?.field, 'peers[0].transport')
  const notObject = t.throws(() => mergeConfigSources({ file: [1, 2] }), { instanceOf: ConfigError })
  t.is(notObject?.field, '(config)')
})

test('readConfigFile: JSON in, ConfigError (field config) for a missing file or bad JSON', t => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-config-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const good = path.join(dir, 'good.json')
  writeFileSync(good, JSON.stringify({ name: 'X' }))
  t.deepEqual(readConfigFile(good), { name: 'X' })
  const bad = path.join(dir, 'bad.json')
  writeFileSync(bad, '{ name: ')
  t.is(t.throws(() => readConfigFile(bad), { instanceOf: ConfigError })?.field, 'config')
  t.is(t.throws(() => readConfigFile(path.join(dir, 'missing.json')), { instanceOf: ConfigError })?.field, 'config')
})

test('the QoS plane defaults to the listen host, port 2629, so two nodes on two addresses never collide', t => {
  t.deepEqual(validateConfig({ listen: '127.0.0.2:2644' }).snpListen, { host: '127.0.0.2', port: 2629 })
  t.deepEqual(validateConfig({ listen: '127.0.0.2:2644', snpListen: '127.0.0.2:0' }).snpListen, { host: '127.0.0.2', port: 0 })
})

test('limits.receiveBufferBytes: absent by default (the node asks for DEFAULT_RECEIVE_BUFFER), validated, settable from IPXLAB_RECEIVE_BUFFER_BYTES', t => {
  t.is(validateConfig({}).limits.receiveBufferBytes, undefined)
  t.is(DEFAULT_RECEIVE_BUFFER, 16 * 1024)
  t.is(validateConfig({ limits: { receiveBufferBytes: 65536 } }).limits.receiveBufferBytes, 65536)
  t.throws(() => validateConfig({ limits: { receiveBufferBytes: 100 } }), { instanceOf: ConfigError, code: 'IPX_ERR_CONFIG' })
  t.like(configFromEnv({ IPXLAB_RECEIVE_BUFFER_BYTES: '262144' }), { limits: { receiveBufferBytes: '262144' } })
  t.is(validateConfig(configFromEnv({ IPXLAB_RECEIVE_BUFFER_BYTES: '262144' })).limits.receiveBufferBytes, 262144)
})

test('limits.sendQueueDatagrams: absent by default (the endpoint bounds libuv\'s send queue at 64), validated, settable from IPXLAB_SEND_QUEUE_DATAGRAMS', t => {
  t.is(validateConfig({}).limits.sendQueueDatagrams, undefined)
  t.is(validateConfig({ limits: { sendQueueDatagrams: 16 } }).limits.sendQueueDatagrams, 16)
  const err = t.throws(() => validateConfig({ limits: { sendQueueDatagrams: 0 } }), { instanceOf: ConfigError, code: 'IPX_ERR_CONFIG' })
  t.regex(err?.message ?? '', /sendQueueDatagrams/)
  t.is(validateConfig(configFromEnv({ IPXLAB_SEND_QUEUE_DATAGRAMS: '128' })).limits.sendQueueDatagrams, 128)
})
