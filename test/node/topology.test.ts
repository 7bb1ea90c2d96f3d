/**
 * Issue 16, the topology file (src/node/topology.ts): YAML and JSON read alike and validated by the
 * node schema's own validators; per-link transport, key (inline or a key file), WAN profile,
 * overrides and QoS reach both ends of the link; services, DOSBox segments and timers reach the
 * node; replay and key-file paths are relative to the file.
 */
import test from 'ava'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ROOT } from '../_env.js'
import { ConfigError } from '../../src/errors.js'
import { loadTopology, parseTopology, topologyConfigs } from '../../src/node/topology.js'

const AT = { subnet: 20, port: 5000, snpPort: 5001 }
const KEY = '00112233445566778899aabbccddeeff'

function tempDir (t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-topology-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  return dir
}

const YAML = `# the same lab as JSON below
mode: route
timers: { ripIntervalMs: 500, sapIntervalMs: 500 }
nodes:
  - name: HQ
    network: 00000010
    services:
      - { type: 0004, name: FS1, socket: 0451 }
    dosbox: true
  - name: GAMES
    network: 0x20
    dosbox: { game: DOOM, maxClients: 8 }
  - { name: BRANCH, network: 00000030 }
links:
  - between: [HQ, GAMES]
    transport: tcp
    key: ${KEY}
    keyId: 7
    qos: snp
    wan: isdn-64k
    loss: 0.01
  - between: [HQ, BRANCH]
    rate: 56k
    delay: 100
    jitter: 5
    qos: { discipline: fifo, seed: 9 }
replays:
  - { file: capture.pcapng, into: GAMES, max: true }
`

const JSON_TEXT = JSON.stringify({
  mode: 'route',
  timers: { ripIntervalMs: 500, sapIntervalMs: 500 },
  nodes: [
    { name: 'HQ', network: '00000010', services: [{ type: '0004', name: 'FS1', socket: '0451' }], dosbox: true },
    { name: 'GAMES', network: '0x20', dosbox: { game: 'DOOM', maxClients: 8 } },
    { name: 'BRANCH', network: '00000030' }
  ],
  links: [
    { between: ['HQ', 'GAMES'], transport: 'tcp', key: KEY, keyId: 7, qos: 'snp', wan: 'isdn-64k', loss: 0.01 },
    { between: ['HQ', 'BRANCH'], rate: 56000, delay: 100, jitter: 5, qos: { discipline: 'fifo', seed: 9 } }
  ],
  replays: [{ file: 'capture.pcapng', into: 'GAMES', max: true }]
}, null, 2)

test('YAML and JSON read alike: the same topology gives the same node configurations', t => {
  const dir = tempDir(t)
  writeFileSync(path.join(dir, 'capture.pcapng'), '')
  writeFileSync(path.join(dir, 'lab.yaml'), YAML)
  writeFileSync(path.join(dir, 'lab.json'), JSON_TEXT)
  const y = loadTopology(path.join(dir, 'lab.yaml'))
  const j = loadTopology(path.join(dir, 'lab.json'))
  t.deepEqual(y, j)
  t.deepEqual(topologyConfigs(y, AT), topologyConfigs(j, AT))
  t.deepEqual(y.nodes.map(n => n.network), [0x10, 0x20, 0x30], 'YAML 00000010 is hex text, as JSON\'s "00000010" (failsafe schema), not decimal 10')
  t.is(y.replays[0]!.file, path.join(dir, 'capture.pcapng'), 'a replay\'s file is relative to the topology file')
})

test('a link\'s settings reach both of its ends: transport, key and key id, WAN profile with overrides, QoS discipline', t => {
  const dir = tempDir(t)
  writeFileSync(path.join(dir, 'capture.pcapng'), '')
  writeFileSync(path.join(dir, 'lab.yaml'), YAML)
  const { configs: [hq, games, branch] } = topologyConfigs(loadTopology(path.join(dir, 'lab.yaml')), AT)
  const toGames = hq!.peers.find(p => p.host === '127.0.20.2')!
  const toHq = games!.peers[0]!
  for (const p of [toGames, toHq]) {
    t.is(p.transport, 'tcp')
    t.deepEqual(p.key, Buffer.from(KEY, 'hex'))
    t.is(p.keyId, 7)
    t.like(p.qos, { mode: 'snp', profile: 'isdn-64k', rateBps: 64_000, delayMs: 20, loss: 0.01 })
  }
  const toBranch = hq!.peers.find(p => p.host === '127.0.20.3')!
  for (const p of [toBranch, branch!.peers[0]!]) {
    t.is(p.transport, 'udp')
    t.is(p.key, undefined, 'no key: unauthenticated')
    t.like(p.qos, { mode: 'fifo', profile: null, rateBps: 56_000, delayMs: 100, jitterMs: 5, seed: 9 })
  }
  t.deepEqual(hq!.services, [{ type: 4, name: 'FS1', socket: 0x451 }], 'HQ advertises its file server FS1')
  t.is(branch!.services[0]!.name, 'BRANCH', 'no services: the default file server named after the node')
  t.is(games!.limits.maxClients, 8, 'dosbox.maxClients is the node\'s limits.maxClients')
  t.is(hq!.limits.maxClients, 256)
  t.is(hq!.timers.ripIntervalMs, 500)
  t.is(branch!.timers.sapIntervalMs, 500)
})

test('a key file (per link or for the whole topology) is made on first use, 0600, and both ends of every link read it', t => {
  const dir = tempDir(t)
  writeFileSync(path.join(dir, 'lab.yaml'), 'keyFile: lab.key\nnodes: [{ name: A, network: 1 }, { name: B, network: 2 }, { name: C, network: 3 }]\nlinks:\n  - { between: [A, B] }\n  - { between: [B, C], keyFile: keys/bc.key }\n')
  const missing = t.throws(() => topologyConfigs(loadTopology(path.join(dir, 'lab.yaml')), AT), { instanceOf: ConfigError })
  t.is(missing.field, 'topology.links[1].keyFile', 'a key file in a missing directory cannot be made: named')
  rmSync(path.join(dir, 'lab.key'))
  writeFileSync(path.join(dir, 'lab.yaml'), 'keyFile: lab.key\nnodes: [{ name: A, network: 1 }, { name: B, network: 2 }, { name: C, network: 3 }]\nlinks:\n  - { between: [A, B] }\n  - { between: [B, C], keyFile: bc.key }\n')
  const lab = topologyConfigs(loadTopology(path.join(dir, 'lab.yaml')), AT)
  const labKey = readFileSync(path.join(dir, 'lab.key'), 'utf8').trim()
  const bcKey = readFileSync(path.join(dir, 'bc.key'), 'utf8').trim()
  t.regex(labKey, /^[0-9a-f]{64}$/)
  t.not(labKey, bcKey)
  t.is(statSync(path.join(dir, 'lab.key')).mode & 0o777, 0o600)
  const [a, b, c] = lab.configs
  t.deepEqual(a!.peers[0]!.key, Buffer.from(labKey, 'hex'))
  t.deepEqual(b!.peers[0]!.key, Buffer.from(labKey, 'hex'))
  t.deepEqual(b!.peers[1]!.key, Buffer.from(bcKey, 'hex'))
  t.deepEqual(c!.peers[0]!.key, Buffer.from(bcKey, 'hex'))
  const again = topologyConfigs(loadTopology(path.join(dir, 'lab.yaml')), AT)
  t.deepEqual(again.configs[2]!.peers[0]!.key, Buffer.from(bcKey, 'hex'), 'a second run reads the same key')
})

test('a topology without a file: parseTopology checks the same, without a line to name', t => {
  const e = t.throws(() => parseTopology({ nodes: [{ name: 'A', network: 1 }, { name: 'B', network: 2 }], links: [{ between: ['A', 'B'], wan: 'v34' }] }), { instanceOf: ConfigError })
  t.is(e.field, 'topology.links[0].wan')
  t.regex(e.message, /must name an era profile: modem-56k, isdn-64k/)
  t.notRegex(e.message, /line/)
})

test('the README\'s topology example is a valid topology: every setting it shows is read and reaches the nodes', t => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const block = /- \*\*A topology file\*\*[^]*?```yaml\n([^]*?)```/.exec(readme)?.[1]
  t.truthy(block, 'the README shows a YAML topology')
  const dir = tempDir(t)
  writeFileSync(path.join(dir, 'capture.pcapng'), '')
  writeFileSync(path.join(dir, 'lab.yaml'), block!.replace(/^ {2}/gm, ''))
  const topology = loadTopology(path.join(dir, 'lab.yaml'))
  const [hq, games] = topologyConfigs(topology, AT).configs
  t.like(hq!.peers[0]!.qos, { mode: 'snp', profile: 'isdn-64k' })
  t.deepEqual(hq!.peers[0]!.key, Buffer.from('00112233445566778899aabbccddeeff', 'hex'), 'the link\'s own key wins over the topology\'s key file')
  t.is(hq!.services[0]!.name, 'FS1')
  t.is(games!.limits.maxClients, 8)
  t.is(hq!.timers.ripIntervalMs, 5000)
  t.like(topology.replays[0], { into: 'GAMES', loop: 2 })
})
