/**
 * The container files, read: the Dockerfile's structure (its stages and base-image arguments,
 * user, health check, ports, init), and compose.yaml validated and resolved by the real
 * `docker-compose config` (Debian's docker-compose 1.29, which needs no engine for that), its
 * resolved services checked and each node's environment run through the node's own config
 * validation. test/containers-run.test.ts builds the image and runs compose.yaml for real; these
 * checks say what the files promise, and run where no engine does.
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ROOT, realMissing, requireReal } from './_env.js'
import { mergeConfigSources } from '../src/node/config.js'
import { yamlToJson } from './_compose.js'

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

/** `${NAME}` replaced by the ARG's default (an ARG default may use an earlier ARG). */
function resolveArgs (text: string, args: ReadonlyMap<string, string>): string {
  return text.replace(/\$\{(\w+)\}/g, (_, name: string) => args.get(name) ?? `\${${name}}`)
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
      const image = resolveArgs(m[1]!, globalArgs)
      stages.push({ image, name: m[2], body: [] })
    } else if (stages.length === 0) {
      if (ins.keyword === 'ARG') {
        const at = ins.args.indexOf('=')
        const [name, value] = at < 0 ? [ins.args, ''] : [ins.args.slice(0, at), ins.args.slice(at + 1)]
        globalArgs.set(name, resolveArgs(value, globalArgs))
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

test('Dockerfile (textual check): a build stage and a runtime stage, their base images build arguments defaulting to a Node LTS slim image', t => {
  t.is(dockerfile.stages.length, 2)
  t.is(build?.name, 'build')
  t.is(runtime?.name, 'runtime')
  t.is(build?.image, dockerfile.globalArgs.get('BUILD_IMAGE'), 'FROM ${BUILD_IMAGE}')
  t.is(runtime?.image, dockerfile.globalArgs.get('RUNTIME_IMAGE'), 'FROM ${RUNTIME_IMAGE}')
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
  t.regex(runs, /^\[ -x \/usr\/bin\/tini \] \|\| \{ apt-get update && apt-get install -y --no-install-recommends tini/, 'tini from Debian unless the base has it')
  t.regex(runs, /rm -rf \/var\/lib\/apt\/lists/)
  t.deepEqual(execForm(of(runtime, 'ENTRYPOINT')[0]?.args ?? ''), ['/usr/bin/tini', '--'])
  t.deepEqual(execForm(of(runtime, 'CMD')[0]?.args ?? ''), ['ipxlab', 'node'])
  // The USER line comes after every RUN: nothing runs as root once the user is set.
  const body = runtime?.body.map(i => i.keyword) ?? []
  t.true(body.lastIndexOf('RUN') < body.indexOf('USER'))
})

test('Dockerfile (textual check): the four ports are exposed and the health check is the node\'s own (src/cli/healthcheck.ts)', t => {
  const exposed = of(runtime, 'EXPOSE').flatMap(i => i.args.split(' ')).sort()
  t.deepEqual(exposed, ['2629/tcp', '2629/udp', '2644/tcp', '2644/udp'])
  const hc = of(runtime, 'HEALTHCHECK')
  t.is(hc.length, 1)
  const m = /^((?:--\S+ )*)CMD (.*)$/.exec(hc[0]?.args ?? '')
  t.truthy(m, 'HEALTHCHECK [OPTIONS] CMD ...')
  const cmd = execForm(m?.[2] ?? '')
  t.deepEqual(cmd, ['node', '/app/dist/src/cli/healthcheck.js'], 'no curl in the slim image: node does the request')
  t.true(existsSync(path.join(ROOT, 'src', 'cli', 'healthcheck.ts')), 'the file the build compiles to dist/src/cli/healthcheck.js')
  t.regex(m?.[1] ?? '', /--timeout=\d+s/)
})

test('.dockerignore keeps environment files, dependencies and history out of the build context', t => {
  const lines = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map(l => l.trim())
  for (const p of ['*.env', '.env', 'node_modules', 'dist', '.git']) t.true(lines.includes(p), p)
  t.false(lines.some(l => l === 'fixtures' || l === 'src' || l === 'protocol'), 'what the build copies stays in')
})

// ------------------------------------------------------------------------------ compose.yaml

interface ComposeService {
  image?: string
  build?: { context: string, dockerfile: string, args?: Record<string, string> }
  volumes?: string[]
  command?: string[]
  environment?: Record<string, string>
  networks?: Record<string, unknown>
  /** With a host address, docker-compose 1.29 prints the short form `HOST:PUBLISHED:TARGET/PROTO`. */
  ports?: Array<string | { protocol: string, published: number | string, target: number, host_ip?: string }>
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test?: string[], disable?: boolean }
  restart?: string
}
interface ComposeFile {
  services: Record<string, ComposeService>
  networks: Record<string, { internal?: boolean } | null>
  volumes?: Record<string, unknown>
}

const composeMissing = realMissing({ tools: ['docker-compose'] })
const ctest = composeMissing === undefined ? test : test.skip
const composeNote = composeMissing !== undefined ? ` (${composeMissing})` : ''

/**
 * `docker-compose -f compose.yaml [-f more...] config` on copies of the files in a fresh temp
 * dir (nothing else beside them: no lab.env, no .env), with a clean environment.
 */
function composeConfig (env: Record<string, string> = {}, files: string[] = ['compose.yaml']): { status: number | null, stdout: string, stderr: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-compose-'))
  try {
    for (const f of files) copyFileSync(path.join(ROOT, f), path.join(dir, f))
    const r = spawnSync('docker-compose', [...files.flatMap(f => ['-f', f]), 'config'], {
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

const cache = new Map<string, { status: number | null, stdout: string, stderr: string }>()

/** The resolved compose file (each distinct `env` resolved once per run: the tests share it). */
function resolved (t: ExecutionContext, env: Record<string, string> = {}): ComposeFile | undefined {
  if (!requireReal(t, { tools: ['docker-compose'] })) return undefined
  const k = JSON.stringify(env)
  const r = cache.get(k) ?? composeConfig(env)
  cache.set(k, r)
  t.is(r.status, 0, r.stderr)
  return r.status === 0 ? yamlToJson(r.stdout) as ComposeFile : undefined
}

ctest(`compose.yaml validates with docker-compose config and no file beside it: node-a, node-b and a replayer, each from the local build${composeNote}`, t => {
  const c = resolved(t)
  if (c === undefined) return
  t.deepEqual(Object.keys(c.services).sort(), ['node-a', 'node-b', 'replayer'])
  for (const s of Object.values(c.services)) {
    t.is(s.image, 'ipxlab:local')
    t.is(s.build?.dockerfile, 'Dockerfile')
    t.deepEqual(s.build?.args, { BUILD_IMAGE: 'node:22-bookworm-slim', RUNTIME_IMAGE: 'node:22-bookworm-slim' }, 'the official images by default')
  }
  for (const name of ['node-a', 'node-b']) {
    t.is(c.services[name]?.environment?.IPXLAB_KEY_FILE, '/keys/lab.key', 'the key from the shared volume, made by the first node to start')
    t.is(c.services[name]?.environment?.IPXLAB_KEY, undefined)
    t.deepEqual(c.services[name]?.volumes, ['lab-key:/keys:rw'])
    t.deepEqual(c.services[name]?.healthcheck?.test, ['CMD', 'node', '/app/dist/src/cli/healthcheck.js'])
  }
  t.deepEqual(Object.keys(c.volumes ?? {}), ['lab-key'])
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
  t.is(a.peers[0]?.key, undefined, 'the key comes from IPXLAB_KEY_FILE at start (src/cli/node.ts), not from the environment')
  t.deepEqual(a.snpListen, { host: '0.0.0.0', port: 2629 })
})

ctest(`compose.yaml: the data and QoS ports are published, on different host ports per node, and can be moved${composeNote}`, t => {
  const c = resolved(t)
  if (c === undefined) return
  const long = (s: ComposeService): Array<{ host: string, text: string }> => (s.ports ?? []).map(p => {
    if (typeof p !== 'string') return { host: p.host_ip ?? '', text: `${p.published}:${p.target}/${p.protocol}` }
    const m = /^(.*):(\d+:\d+\/(?:udp|tcp))$/.exec(p)
    return { host: m?.[1] ?? '', text: m?.[2] ?? p }
  })
  const ports = (s: ComposeService): string[] => long(s).map(p => p.text).sort()
  t.deepEqual(ports(c.services['node-a']!), ['2629:2629/tcp', '2629:2629/udp', '2644:2644/tcp', '2644:2644/udp'])
  t.deepEqual(ports(c.services['node-b']!), ['2630:2629/tcp', '2630:2629/udp', '2645:2644/tcp', '2645:2644/udp'])
  t.deepEqual(c.services.replayer?.ports ?? [], [], 'the replayer publishes nothing')
  t.true(long(c.services['node-a']!).every(p => p.host === '0.0.0.0'))
  const moved = resolved(t, { IPXLAB_A_PORT: '12644', IPXLAB_B_PORT: '12645', IPXLAB_PUBLISH: '127.0.0.1', IPXLAB_BASE_IMAGE: 'localhost/ipxlab-base:node22', IPXLAB_IMAGE: 'localhost/ipxlab:ci' })
  if (moved === undefined) return
  t.true(ports(moved.services['node-a']!).includes('12644:2644/udp'))
  t.true(ports(moved.services['node-b']!).includes('12645:2644/tcp'))
  t.true(long(moved.services['node-b']!).every(p => p.host === '127.0.0.1'), 'IPXLAB_PUBLISH=127.0.0.1: loopback only')
  t.deepEqual(moved.services['node-a']?.build?.args, { BUILD_IMAGE: 'localhost/ipxlab-base:node22', RUNTIME_IMAGE: 'localhost/ipxlab-base:node22' })
  t.is(moved.services['node-a']?.image, 'localhost/ipxlab:ci')
})

ctest(`compose.yaml: the replayer plays the bundled capture into node A once A is healthy${composeNote}`, t => {
  const c = resolved(t)
  if (c === undefined) return
  const r = c.services.replayer!
  t.deepEqual(r.command, ['ipxlab', 'replay', '/app/fixtures/lab-sample.pcapng', '--to', 'node-a:2644'])
  t.true(existsSync(path.join(ROOT, 'fixtures', 'lab-sample.pcapng')), 'the fixture the image copies to /app/fixtures')
  t.deepEqual(r.depends_on, { 'node-a': { condition: 'service_healthy' }, 'node-b': { condition: 'service_healthy' } })
  t.deepEqual(Object.keys(r.networks ?? {}), ['lan-a'], 'on node A\'s LAN only')
  t.deepEqual(r.healthcheck?.test, ['NONE'], 'the image\'s node health check is disabled for the replayer')
})

ctest(`compose.bridge.yaml over compose.yaml: the pair as one bridged IPX network, for DOSBox across it${composeNote}`, t => {
  if (!requireReal(t, { tools: ['docker-compose'] })) return
  const r = composeConfig({}, ['compose.yaml', 'compose.bridge.yaml'])
  t.is(r.status, 0, r.stderr)
  const c = yamlToJson(r.stdout) as ComposeFile
  for (const name of ['node-a', 'node-b']) t.like(c.services[name]?.environment, { IPXLAB_MODE: 'bridge', IPXLAB_NETWORK: '0000AAAA', IPXLAB_KEY_FILE: '/keys/lab.key' })
})
