/**
 * The container files of issue 7. No container engine runs in CI, so the image is never built
 * here: the Dockerfile is checked TEXTUALLY (its stages, user, health check, ports, init), and
 * compose.yaml is validated and resolved by the real `docker-compose config` (Debian's
 * docker-compose 1.29, which needs no engine for that), then its resolved services are checked
 * and each node's environment is run through the node's own config validation.
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ROOT, realMissing, requireReal } from './_env.js'
import { mergeConfigSources } from '../src/node/config.js'

// ------------------------------------------------------------------------------ Dockerfile

/** One Dockerfile instruction: keyword (upper case) and its arguments, continuations joined. */
interface Instruction {
  keyword: string
  args: string
}

/** A build stage: its FROM image, its name, and its instructions after FROM. */
interface Stage {
  image: string
  name: string | undefined
  body: Instruction[]
}

/**
 * Splits a Dockerfile into instructions (comments and blank lines dropped, `\` continuations
 * joined: https://docs.docker.com/reference/dockerfile/#format), and the instructions into
 * stages; `${ARG}` in FROM is resolved from the global ARGs' defaults.
 */
function parseDockerfile (text: string): { globalArgs: Map<string, string>, stages: Stage[] } {
  const instructions: Instruction[] = []
  let pending = ''
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd()
    if (pending === '' && (line.trim() === '' || line.trim().startsWith('#'))) continue
    if (pending !== '' && line.trim().startsWith('#')) continue
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' '
      continue
    }
    const full = (pending + line).trim()
    pending = ''
    const m = /^(\S+)\s*(.*)$/.exec(full)!
    instructions.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.replace(/\s+/g, ' ').trim() })
  }
  const globalArgs = new Map<string, string>()
  const stages: Stage[] = []
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args)!
      const image = m[1]!.replace(/\$\{(\w+)\}/g, (_, name: string) => globalArgs.get(name) ?? `\${${name}}`)
      stages.push({ image, name: m[2], body: [] })
    } else if (stages.length === 0) {
      if (ins.keyword === 'ARG') {
        const [name, value] = ins.args.split('=', 2) as [string, string | undefined]
        globalArgs.set(name, value ?? '')
      }
    } else {
      stages[stages.length - 1]!.body.push(ins)
    }
  }
  return { globalArgs, stages }
}

const dockerfile = parseDockerfile(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'))
const build = dockerfile.stages[0]
const runtime = dockerfile.stages[dockerfile.stages.length - 1]
const of = (stage: Stage | undefined, keyword: string): Instruction[] => stage?.body.filter(i => i.keyword === keyword) ?? []
/** The exec form (JSON array) of CMD/ENTRYPOINT/HEALTHCHECK CMD; undefined for the shell form. */
function execForm (args: string): string[] | undefined {
  try {
    const v = JSON.parse(args) as unknown
    return Array.isArray(v) && v.every(x => typeof x === 'string') ? v : undefined
  } catch {
    return undefined
  }
}

test('Dockerfile (textual check): a build stage and a runtime stage, both on a Node LTS slim image', t => {
  t.is(dockerfile.stages.length, 2)
  t.is(build?.name, 'build')
  t.is(runtime?.name, 'runtime')
  for (const stage of dockerfile.stages) {
    const m = /^node:(\d+)-(bookworm-slim|alpine)$/.exec(stage.image)
    t.truthy(m, `${stage.image} is an official node image, slim or alpine`)
    // LTS lines are the even majors (https://nodejs.org/en/about/previous-releases); the
    // project needs >= 20.19 (package.json "engines").
    const major = Number(m?.[1])
    t.true(major >= 22 && major % 2 === 0, `Node ${major} is a current LTS line`)
  }
})

test('Dockerfile (textual check): the build stage installs, builds, then drops the dev dependencies', t => {
  const runs = of(build, 'RUN').map(i => i.args).join(' && ')
  const ci = runs.indexOf('npm ci')
  const buildAt = runs.indexOf('npm run build')
  const prune = runs.indexOf('npm prune --omit=dev')
  t.true(ci >= 0 && buildAt > ci && prune > buildAt, runs)
  // `npm ci` would run the `prepare` script (the build) before the sources are copied.
  t.regex(runs, /npm ci --ignore-scripts/)
  const copied = of(build, 'COPY').map(i => i.args.split(' ')[0])
  for (const need of ['package.json', 'tsconfig.json', 'protocol', 'src', 'fixtures']) t.true(copied.includes(need), `copies ${need}`)
})

test('Dockerfile (textual check): the runtime stage copies only the built app, and runs as the non-root node user under tini', t => {
  const copies = of(runtime, 'COPY').map(i => i.args)
  t.true(copies.length > 0 && copies.every(c => c.startsWith('--from=build ')), 'everything comes from the build stage')
  t.deepEqual(copies.map(c => c.split(' ')[1]).sort(), ['/src/dist', '/src/fixtures', '/src/node_modules', '/src/package.json'])
  const users = of(runtime, 'USER')
  t.is(users.length, 1)
  t.is(users[0]?.args, 'node', 'the official image\'s unprivileged user')
  const runs = of(runtime, 'RUN').map(i => i.args).join(' ')
  t.regex(runs, /apt-get install -y --no-install-recommends tini/)
  t.regex(runs, /rm -rf \/var\/lib\/apt\/lists/)
  t.deepEqual(execForm(of(runtime, 'ENTRYPOINT')[0]?.args ?? ''), ['/usr/bin/tini', '--'])
  t.deepEqual(execForm(of(runtime, 'CMD')[0]?.args ?? ''), ['ipxlab', 'node'])
  // The USER line comes after every RUN: nothing runs as root once the user is set.
  const body = runtime?.body.map(i => i.keyword) ?? []
  t.true(body.lastIndexOf('RUN') < body.indexOf('USER'))
})

test('Dockerfile (textual check): the four ports are exposed and the health check asks /healthz on 2629', t => {
  const exposed = of(runtime, 'EXPOSE').flatMap(i => i.args.split(' ')).sort()
  t.deepEqual(exposed, ['2629/tcp', '2629/udp', '2644/tcp', '2644/udp'])
  const hc = of(runtime, 'HEALTHCHECK')
  t.is(hc.length, 1)
  const m = /^((?:--\S+ )*)CMD (.*)$/.exec(hc[0]?.args ?? '')
  t.truthy(m, 'HEALTHCHECK [OPTIONS] CMD ...')
  const cmd = execForm(m?.[2] ?? '')
  t.is(cmd?.[0], 'node', 'no curl in the slim image: node does the request')
  t.regex(cmd?.join(' ') ?? '', /fetch\('http:\/\/127\.0\.0\.1:2629\/healthz'\)/)
  t.regex(m?.[1] ?? '', /--timeout=\d+s/)
})

test('.dockerignore keeps the shared key, dependencies and history out of the build context', t => {
  const lines = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map(l => l.trim())
  for (const p of ['lab.env', 'node_modules', 'dist', '.git']) t.true(lines.includes(p), p)
  t.false(lines.some(l => l === 'fixtures' || l === 'src' || l === 'protocol'), 'what the build copies stays in')
})

// ------------------------------------------------------------------------------ compose.yaml

interface ComposeService {
  image?: string
  build?: { context: string, dockerfile: string }
  command?: string[]
  environment?: Record<string, string>
  networks?: Record<string, unknown>
  ports?: { protocol: string, published: number | string, target: number }[]
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test?: string[], disable?: boolean }
  restart?: string
}
interface ComposeFile {
  services: Record<string, ComposeService>
  networks: Record<string, { internal?: boolean } | null>
}

const composeMissing = realMissing({ tools: ['docker-compose'] })
const ctest = composeMissing === undefined ? test : test.skip
const composeNote = composeMissing !== undefined ? ` (${composeMissing})` : ''

/**
 * `docker-compose -f compose.yaml config` on a copy of compose.yaml (and, unless `withEnv` is
 * false, lab.env copied from the example) in a fresh temp dir, with a clean environment.
 */
function composeConfig (withEnv: boolean, env: Record<string, string> = {}): { status: number | null, stdout: string, stderr: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-compose-'))
  try {
    copyFileSync(path.join(ROOT, 'compose.yaml'), path.join(dir, 'compose.yaml'))
    if (withEnv) copyFileSync(path.join(ROOT, 'lab.env.example'), path.join(dir, 'lab.env'))
    const r = spawnSync('docker-compose', ['-f', 'compose.yaml', 'config'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, ...env },
      encoding: 'utf8',
      timeout: 60_000
    })
    return { status: r.status, stdout: r.stdout, stderr: r.stderr }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * YAML to JSON with python3's PyYAML: docker-compose is a Python program that depends on it
 * (Debian `docker-compose` Depends: python3-yaml), so it is there whenever docker-compose is.
 */
function yamlToJson (yaml: string): unknown {
  const r = spawnSync('python3', ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], { input: yaml, encoding: 'utf8', timeout: 30_000 })
  if (r.status !== 0) throw new Error(`python3 yaml: ${r.stderr}`)
  return JSON.parse(r.stdout) as unknown
}

const cache = new Map<string, { status: number | null, stdout: string, stderr: string }>()

/** The resolved compose file (each distinct `env` resolved once per run: the tests share it). */
function resolved (t: ExecutionContext, env: Record<string, string> = {}): ComposeFile | undefined {
  if (!requireReal(t, { tools: ['docker-compose'] })) return undefined
  const k = JSON.stringify(env)
  const r = cache.get(k) ?? composeConfig(true, env)
  cache.set(k, r)
  t.is(r.status, 0, r.stderr)
  return r.status === 0 ? yamlToJson(r.stdout) as ComposeFile : undefined
}

const EXAMPLE_KEY = /^IPXLAB_KEY=(\S+)$/m.exec(readFileSync(path.join(ROOT, 'lab.env.example'), 'utf8'))?.[1]

ctest(`compose.yaml validates with docker-compose config: node-a, node-b and a replayer, each from the local build${composeNote}`, t => {
  const c = resolved(t)
  if (c === undefined) return
  t.deepEqual(Object.keys(c.services).sort(), ['node-a', 'node-b', 'replayer'])
  for (const s of Object.values(c.services)) {
    t.is(s.image, 'ipxlab:local')
    t.is(s.build?.dockerfile, 'Dockerfile')
    t.is(s.environment?.IPXLAB_KEY, EXAMPLE_KEY, 'the key comes from lab.env')
  }
  t.is(c.services['node-a']?.restart, 'unless-stopped')
  t.is(c.services.replayer?.restart, 'no')
})

ctest(`compose.yaml: each node has its own LAN and IPX network, the WAN is shared, route mode, peers by service name${composeNote}`, t => {
  const c = resolved(t)
  if (c === undefined) return
  const a = c.services['node-a']!
  const b = c.services['node-b']!
  t.deepEqual(Object.keys(a.networks ?? {}).sort(), ['lan-a', 'wan'])
  t.deepEqual(Object.keys(b.networks ?? {}).sort(), ['lan-b', 'wan'])
  t.true(c.networks['lan-a']?.internal)
  t.true(c.networks['lan-b']?.internal)
  t.not(c.networks.wan?.internal, true)
  t.like(a.environment, { IPXLAB_NAME: 'NODE-A', IPXLAB_MODE: 'route', IPXLAB_NETWORK: '0000AAAA', IPXLAB_PEERS: 'udp://node-b:2644', IPXLAB_LISTEN: '0.0.0.0:2644', IPXLAB_SNP_LISTEN: '0.0.0.0:2629' })
  t.like(b.environment, { IPXLAB_NAME: 'NODE-B', IPXLAB_MODE: 'route', IPXLAB_NETWORK: '0000BBBB', IPXLAB_PEERS: 'udp://node-a:2644', IPXLAB_LISTEN: '0.0.0.0:2644', IPXLAB_SNP_LISTEN: '0.0.0.0:2629' })
})

ctest(`compose.yaml: each node's environment is a valid node config (the node's own validation)${composeNote}`, t => {
  const c = resolved(t)
  if (c === undefined) return
  const configs = ['node-a', 'node-b'].map(name => mergeConfigSources({ env: c.services[name]!.environment ?? {} }))
  const [a, b] = configs as [typeof configs[0], typeof configs[0]]
  t.is(a.mode, 'route')
  t.is(a.network, 0x0000aaaa)
  t.is(b.network, 0x0000bbbb)
  t.like(a.peers[0], { host: 'node-b', port: 2644, transport: 'udp' })
  t.like(b.peers[0], { host: 'node-a', port: 2644, transport: 'udp' })
  t.true(a.peers[0]?.key?.equals(b.peers[0]!.key!), 'both ends hold the same key')
  t.true((a.peers[0]?.key?.length ?? 0) >= 16)
  t.deepEqual(a.snpListen, { host: '0.0.0.0', port: 2629 })
})

ctest(`compose.yaml: the data and QoS ports are published, on different host ports per node, and can be moved${composeNote}`, t => {
  const c = resolved(t)
  if (c === undefined) return
  const ports = (s: ComposeService): string[] => (s.ports ?? []).map(p => `${p.published}:${p.target}/${p.protocol}`).sort()
  t.deepEqual(ports(c.services['node-a']!), ['2629:2629/tcp', '2629:2629/udp', '2644:2644/tcp', '2644:2644/udp'])
  t.deepEqual(ports(c.services['node-b']!), ['2630:2629/tcp', '2630:2629/udp', '2645:2644/tcp', '2645:2644/udp'])
  t.deepEqual(c.services.replayer?.ports ?? [], [], 'the replayer publishes nothing')
  const moved = resolved(t, { IPXLAB_A_PORT: '12644', IPXLAB_B_PORT: '12645' })
  if (moved === undefined) return
  t.true(ports(moved.services['node-a']!).includes('12644:2644/udp'))
  t.true(ports(moved.services['node-b']!).includes('12645:2644/tcp'))
})

ctest(`compose.yaml: the replayer plays the bundled capture into node A once A is healthy${composeNote}`, t => {
  const c = resolved(t)
  if (c === undefined) return
  const r = c.services.replayer!
  t.deepEqual(r.command, ['ipxlab', 'replay', '/app/fixtures/lab-sample.pcapng', '--to', 'node-a:2644'])
  t.true(existsSync(path.join(ROOT, 'fixtures', 'lab-sample.pcapng')), 'the fixture the image copies to /app/fixtures')
  t.deepEqual(r.depends_on, { 'node-a': { condition: 'service_healthy' } })
  t.deepEqual(Object.keys(r.networks ?? {}), ['lan-a'], 'on node A\'s LAN only')
  t.deepEqual(r.healthcheck?.test, ['NONE'], 'the image\'s node health check is disabled for the replayer')
})

ctest(`compose.yaml: without lab.env, docker-compose config refuses (copy lab.env.example first)${composeNote}`, t => {
  if (!requireReal(t, { tools: ['docker-compose'] })) return
  const r = composeConfig(false)
  t.not(r.status, 0)
  t.regex(r.stderr, /lab\.env/)
})
