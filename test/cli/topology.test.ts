/**
 * `ipxlab topology compose` and `ipxlab topology configs` (src/cli/topology.ts): the classroom
 * topology as a compose file, resolved by the real `docker-compose config` (Debian's 1.29, which
 * needs no engine for it), and as the configs of a namespace lab; each node's config run through
 * the node's own config validation, each peer checked to be the node at the other end of its link.
 * test/containers-run.test.ts runs the compose file for real; test/netns-lab.test.ts the configs.
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ROOT, realMissing } from '../_env.js'
import { runCli } from '../_cli.js'
import { yamlToJson } from '../_compose.js'
import { mergeConfigSources, readConfigFile } from '../../src/node/config.js'
import { loadTopology } from '../../src/node/topology.js'
import type { Topology } from '../../src/node/topology.js'

const CLASSROOM = path.join(ROOT, 'docs', 'topologies', 'classroom.json')
const classroom: Topology = loadTopology(CLASSROOM)
const composeMissing = realMissing({ tools: ['docker-compose', 'python3'] })

function tmp (t: ExecutionContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-topology-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  return dir
}

interface Service {
  hostname: string
  image: string
  command: string[]
  environment: Record<string, string>
  volumes: string[]
  networks: Record<string, unknown>
  ports: string[]
}

/** `docker-compose config` of the file in `dir` with a clean environment plus `env`, as JSON. */
function resolved (t: ExecutionContext, dir: string, env: Record<string, string> = {}): { services: Record<string, Service>, networks: Record<string, unknown>, volumes: Record<string, unknown> } | undefined {
  const r = spawnSync('docker-compose', ['-f', 'compose.yaml', 'config'], { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, ...env }, encoding: 'utf8', timeout: 60_000 })
  t.is(r.status, 0, r.stderr)
  return r.status === 0 ? yamlToJson(r.stdout) as ReturnType<typeof resolved> : undefined
}

(composeMissing === undefined ? test : test.skip)(`topology compose: the classroom as a compose file docker-compose resolves, a service per node, a network per link, each node's config valid, each peer the node across a shared network${composeMissing === undefined ? '' : ` (${composeMissing})`}`, async t => {
  const dir = tmp(t)
  const r = await runCli(['topology', 'compose', CLASSROOM, '-o', path.join(dir, 'compose.yaml')])
  t.is(r.code, 0, r.stderr)
  t.regex(r.stdout, /^wrote .*compose\.yaml and 5 node configs in .*ipxlab-nodes$/m)
  const c = resolved(t, dir)
  if (c === undefined) return
  const names = ['hq', 'core', 'games', 'branch', 'remote']
  t.deepEqual(Object.keys(c.services).sort(), [...names].sort())
  t.deepEqual(Object.keys(c.networks).sort(), ['link-branch-remote', 'link-core-branch', 'link-core-games', 'link-hq-branch', 'link-hq-core'])
  t.deepEqual(Object.keys(c.volumes), ['lab-key'])
  const published = new Set<string>()
  classroom.nodes.forEach((node, i) => {
    const s = c.services[names[i]!]!
    t.is(s.image, 'ipxlab:local')
    t.is(s.hostname, names[i]!)
    t.deepEqual(s.command, ['ipxlab', 'node', '--config', '/etc/ipxlab/node.json'])
    t.is(s.environment.IPXLAB_KEY_FILE, '/keys/lab.key', 'one key for every node, made on first start')
    // The node's networks are its links, and nothing else: it reaches only its linked peers.
    const links = classroom.links.filter(l => l.between.includes(node.name))
    t.is(Object.keys(s.networks).length, links.length, `${node.name}: one network per link`)
    // Its config: the bind-mounted file, valid as a node's own, with one peer per link, by service name.
    const mount = s.volumes.find(v => v.endsWith(':/etc/ipxlab/node.json:ro'))!
    const file = mount.split(':')[0]!
    t.true(existsSync(file), `${file} is written beside the compose file`)
    const config = mergeConfigSources({ file: readConfigFile(file), filePath: file })
    t.is(config.name, node.name)
    t.is(config.mode, 'route')
    t.is(config.network, node.network!)
    t.deepEqual(config.listen, { host: '0.0.0.0', port: 2644 })
    t.is(config.peers.length, links.length)
    for (const p of config.peers) {
      const other = c.services[p.host]
      t.truthy(other, `${node.name}'s peer ${p.address} is a service`)
      t.true(Object.keys(other?.networks ?? {}).some(n => n in s.networks), `${node.name} and ${p.host} share a network`)
      t.is(p.port, 2644)
      t.deepEqual(p.snp, { host: p.host, port: 2629 })
    }
    // Published on loopback by default, each node on ports of its own.
    t.deepEqual(s.ports.map(p => String(p)).sort(), [`127.0.0.1:${2644 + i}:2644/tcp`, `127.0.0.1:${2644 + i}:2644/udp`, `127.0.0.1:${2729 + i}:2629/tcp`])
    for (const p of s.ports) published.add(String(p).replace(/\/(udp|tcp)$/, `/$1`))
  })
  t.is(published.size, 15, 'no two services publish the same host port and protocol')
  // The image, the address and each node's ports move with the environment.
  const moved = resolved(t, dir, { IPXLAB_IMAGE: 'localhost/ipxlab:ci', IPXLAB_PUBLISH: '0.0.0.0', IPXLAB_PORT_GAMES: '40000', IPXLAB_API_PORT_GAMES: '40001' })
  t.is(moved?.services.games?.image, 'localhost/ipxlab:ci')
  t.true(moved?.services.games?.ports.map(String).includes('0.0.0.0:40000:2644/udp'))
  t.true(moved?.services.games?.ports.map(String).includes('0.0.0.0:40001:2629/tcp'))
})

test('topology compose: an existing compose file is kept unless --force; --host-port moves every node\'s port', async t => {
  const dir = tmp(t)
  const out = path.join(dir, 'compose.yaml')
  writeFileSync(out, 'mine\n')
  const r = await runCli(['topology', 'compose', CLASSROOM, '-o', out])
  t.is(r.code, 2)
  t.regex(r.stderr, /compose\.yaml exists; --force overwrites it/)
  t.is(readFileSync(out, 'utf8'), 'mine\n')
  const f = await runCli(['topology', 'compose', CLASSROOM, '-o', out, '--force', '--host-port', '30000', '--host-api-port', '31000'])
  t.is(f.code, 0, f.stderr)
  const text = readFileSync(out, 'utf8')
  t.true(text.includes('${IPXLAB_PORT_REMOTE:-30004}:2644/udp'))
  t.true(text.includes('${IPXLAB_API_PORT_REMOTE:-31004}:2629/tcp'))
  t.regex(text, /^# {3}REMOTE +data 30004 .*IPXNET CONNECT 127\.0\.0\.1 30004$/m)
})

test('topology compose: bad input is one line and exit 2 (ports that overlap, names that make one service, an unknown node)', async t => {
  const dir = tmp(t)
  const out = path.join(dir, 'compose.yaml')
  const overlap = await runCli(['topology', 'compose', CLASSROOM, '-o', out, '--host-port', '3000', '--host-api-port', '3002'])
  t.is(overlap.code, 2)
  t.regex(overlap.stderr, /the data ports 3000-3004 and the status API ports 3002-3006 overlap/)
  const same = path.join(dir, 'same.json')
  writeFileSync(same, JSON.stringify({ nodes: [{ name: 'A.B', network: 1 }, { name: 'a-b', network: 2 }], links: [{ between: ['A.B', 'a-b'] }] }))
  const s = await runCli(['topology', 'compose', same, '-o', out])
  t.is(s.code, 2)
  t.is(s.stderr.trim().split('\n').length, 1, s.stderr)
  t.regex(s.stderr, /A\.B and a-b would both be the compose service a-b/)
  const unknown = path.join(dir, 'unknown.json')
  writeFileSync(unknown, JSON.stringify({ nodes: [{ name: 'A', network: 1 }], links: [{ between: ['A', 'Z'] }] }))
  const u = await runCli(['topology', 'compose', unknown, '-o', out])
  t.is(u.code, 2)
  t.regex(u.stderr, /names Z, which is not a node of the topology/)
  t.false(existsSync(out), 'nothing written')
})

test('topology configs: the namespace lab of the classroom, a veth /24 of 198.18.0.0/15 per link, each peer the other end of its link', async t => {
  const dir = tmp(t)
  const r = await runCli(['topology', 'configs', CLASSROOM, '--out', dir])
  t.is(r.code, 0, r.stderr)
  const rows = r.stdout.trim().split('\n').map(l => l.split('\t'))
  const nodes = rows.filter(x => x[0] === 'node')
  const links = rows.filter(x => x[0] === 'link')
  t.deepEqual(nodes.map(x => x[2]), classroom.nodes.map(n => n.name))
  t.is(links.length, classroom.links.length)
  links.forEach((l, i) => {
    t.deepEqual(l, ['link', String(i), String(classroom.nodes.findIndex(n => n.name === classroom.links[i]!.between[0])), `198.18.${i}.1`, String(classroom.nodes.findIndex(n => n.name === classroom.links[i]!.between[1])), `198.18.${i}.2`, 'udp'])
  })
  for (const [, i = '', name, network, node, file = ''] of nodes) {
    const config = mergeConfigSources({ file: readConfigFile(file), filePath: file })
    t.is(config.name, name!)
    t.is(config.network.toString(16).padStart(8, '0').toUpperCase(), network!)
    t.is(config.node.toString(16).padStart(12, '0').toUpperCase(), node!)
    t.deepEqual(config.listen, { host: '0.0.0.0', port: 2644 })
    // Each peer: the far end of one of this node's links.
    const mine = links.filter(l => l[2] === i || l[4] === i)
    t.deepEqual(config.peers.map(p => p.host).sort(), mine.map(l => l[2] === i ? l[5]! : l[3]!).sort())
  }
})
