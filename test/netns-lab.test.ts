/**
 * scripts/netns-lab.sh, the paired-host lab: two network namespaces joined by a veth pair, a node
 * and a real DOSBox 0.74 client in each, A's `IPXNET PING` answered by B's client through the
 * tunnel. Needs root (namespaces), `ip` and dosbox: absent locally, the tests skip with the reason
 * in the title; under CI (which runs as root) they run, and fail when something is missing.
 *
 * Every run must leave no namespace behind, whether it passes, fails or is stopped.
 */
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ROOT } from './_env.js'
import { DOSBOX, dosboxMissing } from './_dosbox.js'

const SCRIPT = path.join(ROOT, 'scripts', 'netns-lab.sh')
const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false'
const isRoot = process.getuid?.() === 0

/** iproute2's `ip` answers `-V`, not `--version` (so `haveTool('ip')` of _env.ts cannot find it). */
function haveIp (): boolean {
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore', timeout: 10_000 })
    return true
  } catch {
    return false
  }
}
const ipOk = haveIp()

const missing = [
  isRoot || inCi ? undefined : 'needs root for network namespaces',
  ipOk || inCi ? undefined : 'needs ip (iproute2)',
  dosboxMissing
].filter(m => m !== undefined).join('; ')
const labTest = missing === '' ? test : test.skip
const note = missing === '' ? '' : ` (${missing})`

/** The exit statuses the script documents. */
const Exit = { Pass: 0, Fail: 1, Setup: 2, Terminated: 143 } as const

interface Run {
  status: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** The namespaces the run announced (`namespaces ipxlab-a-N (…) and ipxlab-b-N (…)`). */
  namespaces: string[]
}

/**
 * Runs the script (the sources through tsx, so the test sees the code under test, not a stale
 * dist/). `stopWhen`: send SIGTERM once stdout matches it. Killed after `ms` in any case.
 */
async function runLab (t: ExecutionContext, env: Record<string, string>, ms: number, stopWhen?: RegExp, args: string[] = []): Promise<Run> {
  // The script keeps its outputs when a run fails; this test's runs keep them in a dir it removes.
  const out = mkdtempSync(path.join(tmpdir(), 'ipxlab-netns-test-'))
  t.teardown(() => { rmSync(out, { recursive: true, force: true }) })
  const child = spawn(SCRIPT, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: process.env.HOME ?? '/root', IPXLAB_FROM: 'src', OUT_DIR: out, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  let stopped = false
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString()
    if (stopWhen !== undefined && !stopped && stopWhen.test(stdout)) {
      stopped = true
      child.kill('SIGTERM')
    }
  })
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
  const killer = setTimeout(() => child.kill('SIGKILL'), ms)
  const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(resolve => {
    child.once('close', (code, sig) => { resolve([code, sig]) })
  })
  clearTimeout(killer)
  const m = /namespaces (ipxlab-a-\d+) \(.*\) and (ipxlab-b-\d+) \(/.exec(stdout)
  // --topology: `namespaces: ipxlab-PID-n0 (HQ) ipxlab-PID-n1 (CORE) ...`
  const topo = /namespaces: (.*)/.exec(stdout)?.[1]?.match(/ipxlab-\d+-n\d+/g) ?? []
  return { status, signal, stdout, stderr, namespaces: m === null ? [...topo] : [m[1]!, m[2]!] }
}

function netnsList (): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8', timeout: 10_000 })
    .split('\n').map(l => l.split(' ')[0] ?? '').filter(n => n !== '')
}

/** Common preconditions of the lab tests; false when the test must stop (logged or failed). */
function ready (t: ExecutionContext): boolean {
  if (!isRoot) {
    t.fail('CI is set but this test needs root (network namespaces)')
    return false
  }
  if (!ipOk) {
    t.fail('CI is set but this test needs the `ip` command (iproute2)')
    return false
  }
  if (DOSBOX === undefined) {
    t.fail('CI is set but this test needs the `dosbox` command')
    return false
  }
  return true
}

/** Asserts the run announced its namespaces (`count` of them) and that none of them is left. */
function assertCleanedUp (t: ExecutionContext, run: Run, count = 2): void {
  t.is(run.namespaces.length, count, `the run named its namespaces:\n${run.stdout}`)
  const left = netnsList()
  for (const ns of run.namespaces) t.false(left.includes(ns), `namespace ${ns} was deleted`)
}

labTest(`netns lab: IPXNET PING in namespace A is answered by the DOSBox client in namespace B, through the tunnel; nothing left behind${note}`, async t => {
  t.timeout(150_000)
  if (!ready(t)) return
  const run = await runLab(t, { RUN_TIMEOUT: '120' }, 140_000)
  t.log(run.stdout.trim())
  t.is(run.status, Exit.Pass, run.stderr)
  t.regex(run.stdout, /PASS: IPXNET PING in ipxlab-a-\d+ answered by client B \(192\.0\.2\.2:\d+\)/)
  // The line DOSBox itself wrote: B's IPX node is its IPv4 address and UDP port as node B saw them.
  t.regex(run.stdout, /A> Response from 192\.0\.2\.2, port \d+ time=/)
  assertCleanedUp(t, run)
})

labTest(`netns lab: a failing run (a client that cannot start) exits 1 and still removes its namespaces${note}`, async t => {
  t.timeout(90_000)
  if (!ready(t)) return
  // /bin/false stands in for DOSBox: the setup checks pass, client B never connects.
  const run = await runLab(t, { RUN_TIMEOUT: '60', DOSBOX: '/bin/false' }, 80_000)
  t.is(run.status, Exit.Fail, run.stdout + run.stderr)
  t.regex(run.stdout, /FAIL: client B could not connect/)
  assertCleanedUp(t, run)
})

labTest(`netns lab: stopped with SIGTERM mid-run, it kills what it started and removes its namespaces${note}`, async t => {
  t.timeout(90_000)
  if (!ready(t)) return
  const run = await runLab(t, { RUN_TIMEOUT: '60' }, 80_000, /nodes up, tunnel up/)
  t.is(run.status, Exit.Terminated, run.stdout + run.stderr)
  assertCleanedUp(t, run)
  // No wrapper of the run (`timeout … ip netns exec NS …`) and no DOSBox of the run (its config
  // is in the run's output dir) is left.
  const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8', timeout: 10_000 })
  for (const ns of run.namespaces) t.false(ps.includes(`netns exec ${ns} `), `no process left in ${ns}`)
  const out = / out (\/\S+)/.exec(run.stdout)?.[1]
  t.truthy(out)
  t.false(ps.includes(`-conf ${out ?? '?'}/`), 'no DOSBox of the run is left')
})

test('netns lab: a setup problem (no DOSBox binary) exits 2 before creating anything', async t => {
  t.timeout(30_000)
  const run = await runLab(t, { DOSBOX: '/nonexistent/dosbox' }, 20_000)
  t.is(run.status, Exit.Setup)
  t.deepEqual(run.namespaces, [], 'no namespace was created')
})

const CLASSROOM = path.join(ROOT, 'docs', 'topologies', 'classroom.json')
const topoMissing = [isRoot || inCi ? undefined : 'needs root for network namespaces', ipOk || inCi ? undefined : 'needs ip (iproute2)'].filter(m => m !== undefined).join('; ')
const topoTest = topoMissing === '' ? test : test.skip
const topoNote = topoMissing === '' ? '' : ` (${topoMissing})`

/** `route NAME NETWORK HOPS TICKS` lines of a run, as NAME -> NETWORK -> hops. */
function routesOf (stdout: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>()
  for (const m of stdout.matchAll(/^ {2}route (\S+) ([0-9A-F]{8}) (\d+) \d+$/gm)) {
    if (!out.has(m[1]!)) out.set(m[1]!, new Map())
    out.get(m[1]!)!.set(m[2]!, Number(m[3]))
  }
  return out
}

topoTest(`netns lab --topology classroom.json: a namespace per node, a veth pair per link, every route by its fewest hops, GAMES pings REMOTE at least three routers away; nothing left behind${topoNote}`, async t => {
  t.timeout(120_000)
  if (!isRoot || !ipOk) { t.fail('CI is set but this test needs root and the `ip` command'); return }
  const run = await runLab(t, { RUN_TIMEOUT: '100' }, 110_000, undefined, ['--topology', CLASSROOM, '--ping', 'GAMES', 'REMOTE'])
  t.log(run.stdout.trim())
  t.is(run.status, Exit.Pass, run.stderr)
  assertCleanedUp(t, run, 5)
  const routes = routesOf(run.stdout)
  // classroom.json: HQ-CORE, CORE-GAMES, CORE-BRANCH, HQ-BRANCH, BRANCH-REMOTE (networks C001..C005).
  t.deepEqual([...routes.keys()], ['HQ', 'CORE', 'GAMES', 'BRANCH', 'REMOTE'])
  // Hop counts the shape fixes whichever path ticks choose: GAMES and REMOTE hang off CORE and BRANCH.
  t.true((routes.get('GAMES')?.get('0000C005') ?? 16) >= 3, 'GAMES to REMOTE: at least CORE, BRANCH and REMOTE between')
  t.true((routes.get('REMOTE')?.get('0000C003') ?? 16) >= 3)
  t.is(routes.get('GAMES')?.get('0000C002'), 1, 'GAMES to CORE: its one link')
  t.is(routes.get('REMOTE')?.get('0000C004'), 1)
  for (const [name, r] of routes) t.is(r.size, 5, `${name} reaches all five networks`)
  t.regex(run.stdout, /ping> 3 sent, 3 received, 0% loss/)
  t.regex(run.stdout, /PASS: ping from GAMES \(ipxlab-\d+-n2\) answered by REMOTE/)
})

topoTest(`netns lab --topology: stopped with SIGTERM once the nodes are up, it removes every namespace and process${topoNote}`, async t => {
  t.timeout(90_000)
  if (!isRoot || !ipOk) { t.fail('CI is set but this test needs root and the `ip` command'); return }
  const run = await runLab(t, { RUN_TIMEOUT: '60' }, 80_000, /nodes up, every link up/, ['--topology', CLASSROOM])
  t.is(run.status, Exit.Terminated, run.stdout + run.stderr)
  assertCleanedUp(t, run, 5)
  const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8', timeout: 10_000 })
  for (const ns of run.namespaces) t.false(ps.includes(`netns exec ${ns} `), `no process left in ${ns}`)
})

test('netns lab --topology: a ping to a node the topology lacks is a setup problem (exit 2) before any namespace exists', async t => {
  t.timeout(30_000)
  const run = await runLab(t, {}, 25_000, undefined, ['--topology', CLASSROOM, '--ping', 'GAMES', 'NOWHERE'])
  t.is(run.status, Exit.Setup, run.stdout + run.stderr)
  t.deepEqual(run.namespaces, [])
})
