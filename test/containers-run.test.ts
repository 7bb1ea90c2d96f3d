/**
 * Issue 15: the image really built and compose.yaml really run. As root with podman and
 * podman-compose (CI installs them, .ci/run); skipped with the reason elsewhere, failed under CI.
 *
 *  1. the local base image (scripts/container-base.sh: Debian minbase + Node 22, reused when
 *     present) and `podman build` of the Dockerfile on it (cached layers reused);
 *  2. compose.yaml's two nodes up with podman-compose (ports published on loopback only, a
 *     project name of this run's own), until both health checks pass;
 *  3. the replayer service: every frame of the bundled capture arrives at B (B's capture of its
 *     link from A), or is named with the reason it did not;
 *  4. `ipxlab stats` against each container's status API;
 *  5. `podman stop` of B: A sees the link down and B's routes and SAP entries go; `podman start`
 *     brings them back within 5 s;
 *  6. compose.bridge.yaml over it: real DOSBox 0.74 on A's published port runs `IPXNET PING`, and
 *     a real DOSBox client on B's published port answers, across the authenticated tunnel;
 *  7. (issue 16) `ipxlab topology compose` of the classroom topology, run on the same image: five
 *     containers, a network per link, every node healthy, GAMES's routes across the routers, and
 *     `ipxlab ping` through GAMES's published port answered by REMOTE.
 *
 * Every container, network and volume of the run is removed in teardown and, should the worker
 * exit before that, by a process-exit guard; a run that died harder is swept by the next.
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ipx } from '../protocol/index.js'
import { readFrames } from '../src/capture/frames.js'
import type { StatusDocument } from '../src/node/status-api.js'
import { ROOT, haveTool, realMissing } from './_env.js'
import { DOSBOX, conf, dosFile, exited, startDosbox } from './_dosbox.js'
import { runCli } from './_cli.js'
import { freePort } from './node/_two-nodes.js'
import { loadTopology } from '../src/node/topology.js'
import { serviceNames } from '../src/cli/topology.js'

const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false'
const isRoot = process.getuid?.() === 0
const TOOLS = ['podman', 'podman-compose', 'debootstrap', 'dosbox']
const missing = realMissing({ tools: TOOLS }) ?? (!isRoot && !inCi ? 'needs root (rootful podman)' : undefined)
const BASE = 'localhost/ipxlab-base:node22'
const IMAGE = 'localhost/ipxlab:ci'
const PROJECT = `ipxlab-ci-${process.pid}`
const LABEL = 'io.podman.compose.project'
const ENGINE_ENV = { ...process.env, CONTAINERS_CONF: path.join(ROOT, 'scripts', 'podman', 'containers.conf') }

interface Out { code: number | null, stdout: string, stderr: string, ms: number }

/** Runs a command to its end (bounded by `timeoutMs`), without blocking the event loop. */
async function sh (cmd: string, args: string[], o: { env?: NodeJS.ProcessEnv, timeoutMs?: number } = {}): Promise<Out> {
  const started = performance.now()
  return await new Promise(resolve => {
    const child = spawn(cmd, args, { cwd: ROOT, env: o.env ?? ENGINE_ENV, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
    const timer = setTimeout(() => { child.kill('SIGKILL') }, o.timeoutMs ?? 120_000)
    child.once('close', code => { clearTimeout(timer); resolve({ code, stdout, stderr, ms: performance.now() - started }) })
  })
}

/** Removes every container (with its anonymous volumes), network and volume of a compose project. Synchronous: it also runs at process exit. */
function removeProject (project: string): void {
  const list = (what: string[]): string[] => spawnSync('podman', [...what, '--filter', `label=${LABEL}=${project}`], { env: ENGINE_ENV, encoding: 'utf8', timeout: 30_000 }).stdout?.split('\n').map(s => s.trim()).filter(s => s !== '') ?? []
  const containers = list(['ps', '-a', '-q'])
  if (containers.length > 0) spawnSync('podman', ['rm', '-f', '-v', '-t', '2', ...containers], { env: ENGINE_ENV, timeout: 60_000 })
  const networks = list(['network', 'ls', '-q'])
  if (networks.length > 0) spawnSync('podman', ['network', 'rm', '-f', ...networks], { env: ENGINE_ENV, timeout: 30_000 })
  const volumes = list(['volume', 'ls', '-q'])
  if (volumes.length > 0) spawnSync('podman', ['volume', 'rm', '-f', ...volumes], { env: ENGINE_ENV, timeout: 30_000 })
}

/** Projects of earlier runs of this test whose process is gone (killed harder than an exit guard can catch). */
function sweepStale (): void {
  const r = spawnSync('podman', ['ps', '-a', '--format', `{{index .Labels "${LABEL}"}}`], { env: ENGINE_ENV, encoding: 'utf8', timeout: 30_000 })
  const nets = spawnSync('podman', ['network', 'ls', '--format', '{{.Name}}'], { env: ENGINE_ENV, encoding: 'utf8', timeout: 30_000 })
  const names = new Set([...(r.stdout ?? '').split('\n'), ...(nets.stdout ?? '').split('\n').map(n => n.replace(/_[^_]+$/, ''))])
  for (const name of names) {
    const m = /^ipxlab-ci-(\d+)(?:-topo)?$/.exec(name.trim())
    if (m === null || Number(m[1]) === process.pid) continue
    let alive = true
    try { process.kill(Number(m[1]), 0) } catch { alive = false }
    if (!alive) removeProject(name.trim())
  }
}

/** A temp dir for a test's compose project; the project's containers, networks and volumes go in teardown or, should the worker exit first, at exit. */
function ownProject (t: ExecutionContext, project: string, prefix: string): string {
  const guard = (): void => { removeProject(project) }
  process.once('exit', guard)
  const tmp = mkdtempSync(path.join(tmpdir(), prefix))
  t.teardown(() => {
    removeProject(project)
    process.off('exit', guard)
    rmSync(tmp, { recursive: true, force: true })
  })
  return tmp
}

async function stats (port: number): Promise<StatusDocument> {
  const r = await runCli(['stats', '--node', `127.0.0.1:${port}`, '--json'])
  if (r.code !== 0) throw new Error(`ipxlab stats: ${r.stderr}`)
  return JSON.parse(r.stdout) as StatusDocument
}

/** Polls `cond` every 100 ms until it holds or `ms` pass; errors (a node not up yet) count as false. */
async function poll (cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  for (;;) {
    try {
      if (await cond()) return true
    } catch {}
    if (Date.now() > end) return false
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

/** B as A sees it: link up, B's network routable, B's SAP file server listed. */
function seesB (a: StatusDocument): { link: boolean, route: boolean, sap: boolean } {
  return {
    link: a.peers.some(p => p.up),
    route: a.routes.some(r => r.network.toUpperCase() === '0000BBBB' && r.hops < 16),
    sap: a.services.some(s => s.name === 'NODE-B' && s.hops < 16)
  }
}

interface Lab {
  env: NodeJS.ProcessEnv
  ports: { a: number, b: number, aSnp: number, bSnp: number }
  files: string[]
  container: (service: string) => string
}

async function composeUp (t: ExecutionContext, lab: Lab): Promise<number> {
  const up = await sh('podman-compose', ['-p', PROJECT, ...lab.files.flatMap(f => ['-f', f]), 'up', '-d', 'node-a', 'node-b'], { env: lab.env })
  t.is(up.code, 0, up.stderr.slice(-2000))
  // podman runs health checks from systemd timers, which these machines lack: run them here.
  const healthy = await poll(async () => {
    for (const s of ['node-a', 'node-b']) if ((await sh('podman', ['healthcheck', 'run', lab.container(s)])).code !== 0) return false
    return true
  }, 60_000)
  t.true(healthy, 'both health checks pass (every native link up)')
  return up.ms
}

/** Removes the project's containers (its networks and the key volume stay for the next `up`). */
async function composeDown (t: ExecutionContext): Promise<void> {
  const ids = (await sh('podman', ['ps', '-a', '-q', '--filter', `label=${LABEL}=${PROJECT}`])).stdout.split('\n').filter(s => s.trim() !== '')
  const rm = await sh('podman', ['rm', '-f', '-v', '-t', '2', ...ids])
  t.is(rm.code, 0, rm.stderr)
}

/** The replayer service; then each replayed frame found in B's capture of the link from A, or named. */
async function replayArrives (t: ExecutionContext, lab: Lab, tmp: string): Promise<void> {
  const r = await sh('podman-compose', ['-p', PROJECT, ...lab.files.flatMap(f => ['-f', f]), 'run', '--rm', '--no-deps', 'replayer'], { env: lab.env })
  t.log(r.stdout.split('\n').filter(l => /^(networks|frames|sent|skipped)/.test(l)).join('\n'))
  t.is(r.code, 0, r.stderr.slice(-2000))
  t.regex(r.stdout, /^networks: 00000A01->0000BBBB, sources on the node's segment 0000AAAA/m)
  t.regex(r.stdout, /^sent: 15 /m)
  // The 15 frames as sent: the capture's, destination network B's (what the summary said).
  const want: string[] = []
  for await (const f of readFrames(path.join(ROOT, 'fixtures', 'lab-sample.pcapng'))) {
    if (f.kind === 'ipx') want.push(keyOf(ipx.packet.encode(f.located.ipx)))
  }
  const copy = path.join(tmp, 'b.pcapng')
  let got: string[] = []
  const arrived = await poll(async () => {
    if ((await sh('podman', ['cp', `${lab.container('node-b')}:/data/b.pcapng`, copy])).code !== 0) return false
    got = []
    for await (const f of readFrames(copy)) if (f.kind === 'ipx' && f.record.interfaceId === 1) got.push(keyOf(ipx.packet.encode(f.located.ipx)))
    return want.every(k => got.includes(k))
  }, 10_000)
  const a = await stats(lab.ports.aSnp)
  const lost = want.filter(k => !got.includes(k))
  t.true(arrived, `every replayed frame reached B; missing ${lost.length}, A's drops: ${JSON.stringify(a.drops)}`)
  t.deepEqual(a.drops.filter(d => d.component === 'router'), [], 'A routed all of them')
}

/** A frame by what routing leaves alone: destination node and socket, and the payload after a type-20 propagation list. */
function keyOf (d: Buffer): string {
  return d.subarray(10, 18).toString('hex') + d.subarray(30 + (d[5] === 0x14 ? 32 : 0)).toString('hex')
}

async function stopAndRestartB (t: ExecutionContext, lab: Lab): Promise<void> {
  t.deepEqual(seesB(await stats(lab.ports.aSnp)), { link: true, route: true, sap: true }, 'A sees B before the stop')
  const stop = await sh('podman', ['stop', '-t', '10', lab.container('node-b')])
  t.is(stop.code, 0, stop.stderr)
  t.true(await poll(async () => { const s = seesB(await stats(lab.ports.aSnp)); return !s.link && !s.route && !s.sap }, 10_000),
    'A saw B go: link down, B\'s route and SAP entry gone (or unreachable)')
  const started = performance.now()
  const start = await sh('podman', ['start', lab.container('node-b')])
  t.is(start.code, 0, start.stderr)
  const back = await poll(async () => { const s = seesB(await stats(lab.ports.aSnp)); return s.link && s.route && s.sap }, 10_000)
  const ms = performance.now() - started
  t.log(`podman start of B to A seeing B again: ${(ms / 1000).toFixed(1)} s`)
  t.true(back && ms <= 5000, `B back at A within 5 s (took ${(ms / 1000).toFixed(1)} s)`)
}

async function dosboxPing (t: ExecutionContext, lab: Lab, tmp: string): Promise<void> {
  const cDir = path.join(tmp, 'c')
  mkdirSync(cDir, { recursive: true })
  writeFileSync(path.join(tmp, 'B.conf'), conf(cDir, [`ipxnet connect 127.0.0.1 ${lab.ports.b} > c:\\B.TXT`]))
  startDosbox(t, tmp, 'B')
  t.true(await poll(async () => (await stats(lab.ports.bSnp)).clients.length >= 1, 30_000), 'DOSBox B registered with node B through the published port')
  // DOSBox B answers pings once its `ipxnet connect` command has finished and it sits at the prompt.
  t.true(await poll(async () => /connected to server/i.test(dosFile(cDir, 'B.TXT')), 30_000), 'DOSBox B connected')
  const bStats = await stats(lab.ports.bSnp)
  t.is(bStats.mode, 'bridge', 'compose.bridge.yaml made the pair one segment')
  const bClient = bStats.clients[0]!
  writeFileSync(path.join(tmp, 'A.conf'), conf(cDir, [`ipxnet connect 127.0.0.1 ${lab.ports.a} > c:\\A.TXT`, 'ipxnet ping >> c:\\APING.TXT', 'exit']))
  const dosA = startDosbox(t, tmp, 'A')
  t.not(await exited(dosA, 60_000), 'timeout', 'DOSBox A exited by itself')
  const ping = dosFile(cDir, 'APING.TXT')
  t.log(ping.replaceAll('\r', '').trim())
  t.regex(dosFile(cDir, 'A.TXT'), /connected to server/i)
  const [ip, port] = bClient.address.replace(/^\[|\]$/g, '').split(/:(?=\d+$)/)
  t.true(ping.includes(`Response from ${ip ?? '?'}, port ${port ?? '?'} `), `A's ping output names B's client ${bClient.address}`)
  const a = await stats(lab.ports.aSnp)
  const b = await stats(lab.ports.bSnp)
  t.log(`A: clients ${JSON.stringify(a.clients)}, drops ${JSON.stringify(a.drops)}; B: clients ${JSON.stringify(b.clients)}, drops ${JSON.stringify(b.drops)}`)
  t.is(a.clients.length, 1, 'A has only its own client: B\'s is across the tunnel')
}

;(missing === undefined ? test.serial : test.skip)(`containers: the image built on a local base, compose.yaml's pair up, replay across, stop and restart, stats, DOSBox ping${missing !== undefined ? ` (skipped: ${missing})` : ''}`, async t => {
  t.timeout(15 * 60_000, 'a first-ever run makes the base image and builds every layer')
  if (!isRoot) { t.fail('CI is set but this test needs root (rootful podman)'); return }
  for (const tool of TOOLS) if (!haveTool(tool)) { t.fail(`CI is set but this test needs the \`${tool}\` command`); return }
  if (DOSBOX === undefined) { t.fail('needs dosbox'); return }
  const began = performance.now()
  sweepStale()
  const tmp = ownProject(t, PROJECT, 'ipxlab-containers-')

  const base = await sh(path.join(ROOT, 'scripts', 'container-base.sh'), [BASE], { timeoutMs: 10 * 60_000 })
  t.is(base.code, 0, base.stderr.slice(-2000))
  t.log(base.stderr.trim().split('\n').pop() ?? '')
  const build = await sh('podman', ['build', '--format', 'docker', '--build-arg', `BUILD_IMAGE=${BASE}`, '--build-arg', `RUNTIME_IMAGE=${BASE}`, '-t', IMAGE, '.'], { timeoutMs: 10 * 60_000 })
  t.is(build.code, 0, build.stdout.slice(-2000) + build.stderr.slice(-2000))
  const size = (await sh('podman', ['image', 'inspect', IMAGE, '--format', '{{.Size}}'])).stdout.trim()
  t.log(`podman build: ${(build.ms / 1000).toFixed(1)} s (${/Using cache/.test(build.stdout) ? 'layers from cache' : 'no cache'}), image ${(Number(size) / 1e6).toFixed(0)} MB`)

  const ports = { a: await freePort('127.0.0.1'), b: await freePort('127.0.0.1'), aSnp: await freePort('127.0.0.1'), bSnp: await freePort('127.0.0.1') }
  const override = path.join(tmp, 'capture.yaml')
  writeFileSync(override, 'services:\n  node-b:\n    environment:\n      IPXLAB_CAPTURE: /data/b.pcapng\n')
  const env = {
    ...ENGINE_ENV,
    IPXLAB_IMAGE: IMAGE,
    IPXLAB_PUBLISH: '127.0.0.1',
    IPXLAB_A_PORT: String(ports.a),
    IPXLAB_B_PORT: String(ports.b),
    IPXLAB_A_SNP_PORT: String(ports.aSnp),
    IPXLAB_B_SNP_PORT: String(ports.bSnp)
  }
  const lab: Lab = { env, ports, files: [path.join(ROOT, 'compose.yaml'), override], container: s => `${PROJECT}_${s}_1` }

  const upStarted = performance.now()
  const upMs = await composeUp(t, lab)
  t.log(`podman-compose up: ${(upMs / 1000).toFixed(1)} s; to both healthy: ${((performance.now() - upStarted) / 1000).toFixed(1)} s`)
  t.true(await poll(async () => seesB(await stats(ports.aSnp)).route, 10_000), 'A learned B\'s network by RIP')
  await replayArrives(t, lab, tmp)

  const human = await runCli(['stats', '--node', `127.0.0.1:${ports.bSnp}`])
  t.is(human.code, 0, human.stderr)
  t.regex(human.stdout, /^node NODE-B: route mode, network 0000BBBB/m)
  t.regex(human.stdout, /^ {2}node-a:2644 {2}udp {2}up/m)
  const aHuman = await runCli(['stats', '--node', `127.0.0.1:${ports.aSnp}`])
  t.regex(aHuman.stdout, /^node NODE-A: route mode, network 0000AAAA/m)

  await stopAndRestartB(t, lab)

  // The pair as one bridged segment, for DOSBox: down, then up with compose.bridge.yaml.
  await composeDown(t)
  const bridged: Lab = { ...lab, files: [path.join(ROOT, 'compose.yaml'), path.join(ROOT, 'compose.bridge.yaml')] }
  const pingStarted = performance.now()
  await composeUp(t, bridged)
  await dosboxPing(t, bridged, tmp)
  t.log(`bridge-mode up to a working DOSBox ping: ${((performance.now() - pingStarted) / 1000).toFixed(1)} s`)
  t.log(`whole test: ${((performance.now() - began) / 1000).toFixed(1)} s`)
})

;(missing === undefined ? test.serial : test.skip)(`containers: ipxlab topology compose of the classroom on the same image, five routers healthy, GAMES routes to REMOTE across the others and a ping through GAMES's published port is answered${missing !== undefined ? ` (skipped: ${missing})` : ''}`, async t => {
  t.timeout(5 * 60_000)
  if (!isRoot) { t.fail('CI is set but this test needs root (rootful podman)'); return }
  for (const tool of TOOLS) if (!haveTool(tool)) { t.fail(`CI is set but this test needs the \`${tool}\` command`); return }
  // The image the test above built (serial: it ran first); a compose file needs nothing else.
  const image = await sh('podman', ['image', 'exists', IMAGE])
  if (image.code !== 0) { t.fail(`${IMAGE} is not there: the build above failed`); return }
  const began = performance.now()
  const project = `${PROJECT}-topo`
  const tmp = ownProject(t, project, 'ipxlab-topology-compose-')
  const file = path.join(ROOT, 'docs', 'topologies', 'classroom.json')
  const services = serviceNames(loadTopology(file))
  const w = await runCli(['topology', 'compose', file, '-o', path.join(tmp, 'compose.yaml')])
  t.is(w.code, 0, w.stderr)
  const env: NodeJS.ProcessEnv = { ...ENGINE_ENV, IPXLAB_IMAGE: IMAGE, IPXLAB_PUBLISH: '127.0.0.1' }
  const port = new Map<string, { data: number, api: number }>()
  for (const s of services) {
    port.set(s, { data: await freePort('127.0.0.1'), api: await freePort('127.0.0.1') })
    env[`IPXLAB_PORT_${s.toUpperCase()}`] = String(port.get(s)!.data)
    env[`IPXLAB_API_PORT_${s.toUpperCase()}`] = String(port.get(s)!.api)
  }
  const up = await sh('podman-compose', ['-p', project, '-f', path.join(tmp, 'compose.yaml'), 'up', '-d'], { env })
  t.is(up.code, 0, up.stderr.slice(-2000))
  const healthy = await poll(async () => {
    for (const s of services) if ((await sh('podman', ['healthcheck', 'run', `${project}_${s}_1`])).code !== 0) return false
    return true
  }, 90_000)
  t.true(healthy, 'every node healthy: each of its links up')
  t.log(`podman-compose up of ${services.length} nodes to all healthy: ${((performance.now() - began) / 1000).toFixed(1)} s`)
  const remote = await stats(port.get('remote')!.api)
  t.is(remote.network, '0000C005')
  let hops = 16
  t.true(await poll(async () => {
    hops = (await stats(port.get('games')!.api)).routes.find(r => r.network.toUpperCase() === '0000C005')?.hops ?? 16
    return hops < 16
  }, 20_000), 'GAMES learned REMOTE\'s network')
  t.true(hops >= 3, `REMOTE is at least three routers from GAMES: ${hops} hops`)
  const ping = await runCli(['ping', `0000C005:${remote.node.replaceAll(':', '')}`, '--via', `127.0.0.1:${port.get('games')!.data}`, '--count', '3', '--interval', '200'])
  t.log(ping.stdout.trim())
  t.is(ping.code, 0, ping.stderr)
  t.regex(ping.stdout, /3 sent, 3 received, 0% loss/)
  t.log(`whole test: ${((performance.now() - began) / 1000).toFixed(1)} s`)
})
