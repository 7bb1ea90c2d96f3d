/**
 * `npm run bench:peers`: ipxlab's DOSBox relay side by side with ipxbox (fragglet/ipxbox, the Go
 * server most DOSBox users run) and DOSBox 0.74's own `IPXNET STARTSERVER`, driven by one compiled
 * load generator (scripts/ipxnet-load.c) on loopback, in alternating rounds; prints medians and the
 * ratio ipxlab / ipxbox. A benchmark, not a test: it skips a peer with a message when it is absent.
 *
 *   IPXBOX_SRC=/path/to/ipxbox [IPXBOX_GOPATH=dir:dir] npm run bench:peers [-- --rounds 5 --seconds 2 --replay-only]
 *     [--loads pingpong,blast] [--servers ipxlab,ipxbox]   (only these loads / servers; default all)
 *   IPXLAB_BASE_CLI=/other/build/dist/src/cli/main.js   (also run that build, as `base`, alternating;
 *     IPXLAB_BASE_NODE_ARGS replaces its node flags, IPXLAB_BASE_ARGS adds `ipxlab node` options)
 *
 * - ipxlab: the built `dist/` CLI, `ipxlab node --listen 127.0.0.1:PORT --max-per-ip 255` (every
 *   generator client is on 127.0.0.1, and the default quota of 16 slots per IP, issue 13, would
 *   refuse the 64-client load; ipxbox has no such quota), with the node flags of its
 *   interpreter line as the installed command gets them (IPXLAB_NODE_ARGS adds more, e.g.
 *   `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the relay under these loads).
 * - ipxbox: built from the source at IPXBOX_SRC (a checkout or a bare git dir) into a temporary
 *   GOPATH, offline (GO111MODULE=off, GOPROXY=off), with Debian's Go and gopacket
 *   (/usr/share/gocode) and any further GOPATH roots in IPXBOX_GOPATH (songgao/water and
 *   songgao/packets); nothing of it is kept in this repository.
 * - DOSBox: /usr/bin/dosbox headless (SDL dummy drivers), `IPXNET STARTSERVER PORT`, as
 *   ../shared/tools/dosbox/README.md Part 2 runs it. It has 16 slots, its own client in one of
 *   them, so the 64-client load is skipped for it.
 *
 * Each load runs against a freshly started server (a DOSBox server never frees a slot; leftover
 * clients would receive later loads' broadcasts). Peak RSS is the largest VmHWM of the server
 * process over the round's loads. Bounded: every generator run has a hard time limit, every server
 * start a deadline; everything is on 127.0.0.1.
 */
import { spawn, spawnSync, execFileSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import dgram from 'node:dgram'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync, cpSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { arg } from './_bench-udp.js'

const ROUNDS = Math.min(arg('rounds', 5), 20)
const SECONDS = Math.min(arg('seconds', 2), 10)
const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** `--NAME a,b`: the names given, or undefined (all). */
function only (name: string): string[] | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]!.split(',') : undefined
}
const ONLY_LOADS = only('loads')
const ONLY_SERVERS = only('servers')

/** One generator run: what scripts/ipxnet-load.c prints. */
interface LoadResult { load: string, sent: number, received: number, expected: number, rate: number, p50: number, p99: number, error?: string, /** The server's CPU time over the load's wall time (1 = one core busy), measured here. */ cpu?: number }

/** The loads of issue 18's table. */
const LOADS = [
  { key: 'pingpong', args: ['echo', 'window=1'], minClients: 2 },
  { key: 'inflight', args: ['echo', 'window=16'], minClients: 2 },
  { key: 'broadcast', args: ['broadcast', 'clients=8', 'hz=35'], minClients: 8 },
  { key: 'clients64', args: ['broadcast', 'clients=64', 'senders=16', 'hz=35'], minClients: 64 },
  { key: 'blast', args: ['blast'], minClients: 2 }
] as const

interface Server {
  name: string
  /** Client slots available to the generator. */
  slots: number
  start: (port: number) => Promise<ChildProcess>
  /** The process whose RSS counts (DOSBox runs under no wrapper, so it is the child itself). */
  pid: (child: ChildProcess) => number | undefined
}

function cacheDir (): string {
  const dir = join(tmpdir(), `ipxlab-bench-${process.getuid?.() ?? 0}`)
  mkdirSync(dir, { recursive: true })
  return dir
}

/** Builds the generator with the machine's gcc, once per source version. */
function buildGenerator (): string | undefined {
  const src = join(ROOT, 'scripts', 'ipxnet-load.c')
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12)
  const out = join(cacheDir(), `ipxnet-load-${hash}`)
  if (existsSync(out)) return out
  const r = spawnSync('gcc', ['-O2', '-Wall', '-o', out, src, '-lpthread'], { stdio: 'inherit' })
  if (r.error !== undefined || r.status !== 0) {
    console.log(`skip: cannot build the load generator with gcc (${r.error?.message ?? `exit ${r.status}`})`)
    return undefined
  }
  return out
}

function has (cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0
}

/** Builds ipxbox from IPXBOX_SRC into a temporary GOPATH; undefined (with the reason printed) when it cannot. */
function buildIpxbox (): string | undefined {
  const given = process.env.IPXBOX_SRC
  if (given === undefined || given === '' || !existsSync(given)) {
    console.log(`skip ipxbox: set IPXBOX_SRC to an ipxbox checkout or bare git dir${given !== undefined && given !== '' ? ` (${given} does not exist)` : ''}`)
    return undefined
  }
  if (!has('go')) {
    console.log('skip ipxbox: no Go toolchain (Debian: apt-get install golang-go golang-github-google-gopacket-dev golang-golang-x-sys-dev golang-golang-x-sync-dev golang-golang-x-net-dev)')
    return undefined
  }
  const src = realpathSync(given)
  const gopath = mkdtempSync(join(tmpdir(), 'ipxlab-ipxbox-'))
  const pkg = join(gopath, 'src', 'github.com', 'fragglet', 'ipxbox')
  mkdirSync(pkg, { recursive: true })
  if (existsSync(join(src, 'HEAD')) && !existsSync(join(src, '.git')) && statSync(join(src, 'objects')).isDirectory()) {
    // A bare git dir: export its HEAD tree.
    execFileSync('sh', ['-c', `git --git-dir="${src}" archive HEAD | tar -x -C "${pkg}"`])
  } else {
    cpSync(src, pkg, { recursive: true, filter: (p) => !p.includes(`${'/'}.git`) })
  }
  // A source inside a GOPATH (…/src/github.com/fragglet/ipxbox) brings that GOPATH's other packages.
  const suffix = join('src', 'github.com', 'fragglet', 'ipxbox')
  const around = src.endsWith(suffix) ? [src.slice(0, -suffix.length - 1)] : []
  const roots = [gopath, ...(process.env.IPXBOX_GOPATH ?? '').split(':').filter(Boolean), ...around, '/usr/share/gocode']
  const out = join(gopath, 'ipxbox')
  const env = { ...process.env, GOPATH: roots.join(':'), GO111MODULE: 'off', GOPROXY: 'off', GOFLAGS: '', GOCACHE: join(cacheDir(), 'gocache') }
  const r = spawnSync('go', ['build', '-o', out, 'github.com/fragglet/ipxbox'], { cwd: pkg, env, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 })
  if (r.status !== 0) {
    console.log('skip ipxbox: go build failed (see above; songgao/water and songgao/packets go in IPXBOX_GOPATH)')
    return undefined
  }
  return out
}

async function freePort (): Promise<number> {
  const s = dgram.createSocket('udp4')
  await new Promise<void>(resolve => { s.bind(0, '127.0.0.1', resolve) })
  const p = s.address().port
  await new Promise<void>(resolve => { s.close(() => { resolve() }) })
  return p
}

async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

/**
 * Waits until the server's UDP port is bound (bounded). No probe registration: it would take one
 * of DOSBox's scarce slots and, everywhere, receive the loads' broadcasts.
 */
async function waitBound (port: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (udpBound(port)) {
      await sleep(200)
      return true
    }
    await sleep(50)
  }
  return false
}

function udpBound (port: number): boolean {
  try {
    const lines = ['/proc/net/udp', '/proc/net/udp6'].flatMap(f => existsSync(f) ? readFileSync(f, 'utf8').split('\n').slice(1) : [])
    const hex = port.toString(16).toUpperCase().padStart(4, '0')
    return lines.some(l => l.trim().split(/\s+/)[1]?.endsWith(`:${hex}`) === true)
  } catch {
    return true
  }
}

/** The node flags of a built CLI's interpreter line (`#!/usr/bin/env -S node FLAGS`), as the installed command gets them. */
function shebangFlags (main: string): string[] {
  const shebang = /^#!.*\bnode\b(.*)$/.exec(readFileSync(main, 'utf8').split('\n', 1)[0] ?? '')
  return (shebang?.[1] ?? '').split(' ').filter(Boolean)
}

function words (text: string | undefined): string[] {
  return (text ?? '').split(' ').filter(Boolean)
}

function servers (ipxbox: string | undefined): Server[] {
  const list: Server[] = []
  const cli = join(ROOT, 'dist', 'src', 'cli', 'main.js')
  const nodeArgs = [...shebangFlags(cli), ...words(process.env.IPXLAB_NODE_ARGS)]
  const ipxlab = (name: string, main: string, args: string[], extra: string[] = []): Server => ({
    name,
    slots: 255,
    start: async (port) => spawn(process.execPath, [...args, main, 'node', '--listen', `127.0.0.1:${port}`, '--snp', '127.0.0.1:0', '--max-per-ip', '255', '--log-level', 'warn', ...extra], { stdio: ['ignore', 'ignore', 'inherit'] }),
    pid: c => c.pid
  })
  list.push(ipxlab('ipxlab', cli, nodeArgs))
  // IPXLAB_BASE_CLI: another build's dist/src/cli/main.js (say, the base commit's), run the same
  // way in the same rounds as `base`, for a before/after pair measured side by side; with its own
  // interpreter line's flags, or IPXLAB_BASE_NODE_ARGS instead (the same build under other V8
  // settings: IPXLAB_BASE_CLI=dist/src/cli/main.js IPXLAB_BASE_NODE_ARGS=--max-semi-space-size=16).
  const base = process.env.IPXLAB_BASE_CLI
  // IPXLAB_BASE_ARGS adds `ipxlab node` options to base (the same build with a setting changed:
  // IPXLAB_BASE_CLI=dist/src/cli/main.js IPXLAB_BASE_ARGS='--busy-poll 0').
  if (base !== undefined && base !== '') list.push(ipxlab('base', base, process.env.IPXLAB_BASE_NODE_ARGS !== undefined ? words(process.env.IPXLAB_BASE_NODE_ARGS) : shebangFlags(base), words(process.env.IPXLAB_BASE_ARGS)))
  // The floor: the fewest steps a Node relay can take (scripts/floor-relay.mjs), under ipxlab's flags.
  const floor = join(ROOT, 'scripts', 'floor-relay.mjs')
  list.push({
    name: 'floor',
    slots: 255,
    start: async (port) => spawn(process.execPath, [...nodeArgs, floor, String(port)], { stdio: ['ignore', 'ignore', 'inherit'] }),
    pid: c => c.pid
  })
  if (ipxbox !== undefined) {
    list.push({
      name: 'ipxbox',
      slots: 255,
      start: async (port) => spawn(ipxbox, ['--port', String(port)], { stdio: ['ignore', 'ignore', 'ignore'] }),
      pid: c => c.pid
    })
  }
  if (has('dosbox')) {
    list.push({ name: 'dosbox', slots: 15, start: startDosbox, pid: c => c.pid })
  } else {
    console.log('skip dosbox: /usr/bin/dosbox not found (Debian: apt-get install dosbox)')
  }
  return list
}

/** DOSBox 0.74 headless as the IPXNET server (../shared/tools/dosbox/README.md Part 2 config). */
async function startDosbox (port: number): Promise<ChildProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'ipxlab-dosbox-'))
  const c = join(dir, 'c')
  mkdirSync(c)
  const conf = join(dir, 'S.conf')
  writeFileSync(conf, [
    '[sdl]', 'fullscreen=false', 'output=surface', '[dosbox]', 'memsize=16', '[cpu]', 'core=normal', 'cycles=fixed 5000',
    '[mixer]', 'nosound=true', '[midi]', 'mpu401=none', 'mididevice=none', '[speaker]', 'pcspeaker=false',
    '[sblaster]', 'sbtype=none', '[gus]', 'gus=false', '[ipx]', 'ipx=true', '[autoexec]', `mount c ${c}`, 'c:',
    `ipxnet startserver ${port} > c:\\S.TXT`, ''
  ].join('\n'))
  const child = spawn('dosbox', ['-conf', conf], { stdio: 'ignore', env: { ...process.env, SDL_VIDEODRIVER: 'dummy', SDL_AUDIODRIVER: 'dummy' } })
  child.once('exit', () => { rmSync(dir, { recursive: true, force: true }) })
  return child
}

function peakRss (pid: number | undefined): number {
  if (pid === undefined) return 0
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m === null ? 0 : Number(m[1]) / 1024
  } catch {
    return 0
  }
}

/** CPU seconds (user + system) a process has used: /proc/PID/stat fields 14 and 15, in clock ticks (proc(5); 100 per second on Linux). */
function cpuSeconds (pid: number | undefined): number {
  if (pid === undefined) return NaN
  try {
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return NaN
  }
}

async function stop (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>(resolve => { child.once('exit', () => { resolve() }) })
  child.kill('SIGTERM')
  const timer = setTimeout(() => { child.kill('SIGKILL') }, 5000)
  await exited
  clearTimeout(timer)
}

/** Runs one load against a fresh server; the result, and the server's peak RSS in MiB. */
async function runLoad (gen: string, server: Server, load: typeof LOADS[number]): Promise<{ result: LoadResult, rss: number }> {
  const port = await freePort()
  const child = await server.start(port)
  try {
    if (!await waitBound(port, 20_000)) return { result: { load: load.key, error: 'server did not start' } as LoadResult, rss: 0 }
    const pid = server.pid(child)
    const cpu0 = cpuSeconds(pid)
    const t0 = performance.now()
    const r = spawnSync(gen, ['127.0.0.1', String(port), ...load.args, `seconds=${SECONDS}`], { encoding: 'utf8', timeout: (SECONDS + 30) * 1000 })
    const cpu = (cpuSeconds(pid) - cpu0) / ((performance.now() - t0) / 1000)
    const line = r.stdout.trim().split('\n').pop() ?? ''
    let result: LoadResult
    try {
      result = { ...JSON.parse(line) as LoadResult, cpu }
    } catch {
      result = { load: load.key, error: `generator: ${r.error?.message ?? (line || `exit ${r.status}`)}` } as LoadResult
    }
    return { result, rss: peakRss(server.pid(child)) }
  } finally {
    await stop(child)
  }
}

function median (xs: number[]): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b)
  if (s.length === 0) return NaN
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

type Metric = 'p50' | 'p99' | 'rate' | 'loss' | 'cpu'

function fmtUs (v: number): string {
  if (!Number.isFinite(v)) return 'n/a'
  return v >= 10_000 ? `${(v / 1000).toFixed(1)} ms` : `${Math.round(v).toLocaleString('en')} µs`
}

/** doom.cap of the shared captures: 1,124 records, 1,116 whole frames between two DOOM nodes. */
const DOOM = join(ROOT, '..', 'shared', 'fixtures', 'real', 'captures', 'ipxbox', 'doom.cap')
const DOOM_NODES = ['7F0000017A7D', '7F0000011235']

/**
 * `ipxlab replay doom.cap --max` into a fresh server, both DOOM nodes mapped onto a listening
 * client: every frame sent should arrive there. One line: sent, arrived, unanswered markers, time.
 */
async function replayInto (server: Server): Promise<string> {
  const port = await freePort()
  const child = await server.start(port)
  const listener = dgram.createSocket('udp4')
  try {
    if (!await waitBound(port, 20_000)) return 'server did not start'
    await new Promise<void>(resolve => { listener.bind(0, '127.0.0.1', resolve) })
    let node: string | undefined
    let arrived = 0
    listener.on('message', (d: Buffer) => {
      if (node === undefined && d.length >= 30 && d.readUInt16BE(16) === 2) node = d.subarray(10, 16).toString('hex')
      else if (d.length > 30 && d.readUInt16BE(16) !== 2) arrived++
    })
    const reg = Buffer.alloc(30)
    reg.writeUInt16BE(0xffff, 0); reg.writeUInt16BE(30, 2); reg.writeUInt16BE(2, 16); reg.writeUInt16BE(2, 28)
    for (let i = 0; i < 20 && node === undefined; i++) { listener.send(reg, port, '127.0.0.1'); await sleep(100) }
    if (node === undefined) return 'listener got no registration ack'
    const cli = join(ROOT, 'dist', 'src', 'cli', 'main.js')
    const args = [cli, 'replay', DOOM, '--to', `127.0.0.1:${port}`, '--max', ...DOOM_NODES.flatMap(n => ['--map-node', `${n}=${node!}`])]
    // Asynchronously: the listener must keep reading while the replay runs.
    const out = await new Promise<string>(resolve => {
      const c = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
      let text = ''
      c.stdout.on('data', (b: Buffer) => { text += b.toString() })
      c.stderr.on('data', (b: Buffer) => { text += b.toString() })
      const timer = setTimeout(() => { c.kill('SIGKILL') }, 120_000)
      c.on('exit', () => { clearTimeout(timer); resolve(text) })
    })
    await sleep(300)
    const sent = /^sent: (\d+)/m.exec(out)?.[1] ?? '?'
    const elapsed = /^elapsed: ([\d.]+) s/m.exec(out)?.[1] ?? '?'
    const unanswered = /(\d+) flow-control markers? not answered/.exec(out)?.[1] ?? '0'
    return `sent ${sent}, arrived ${arrived}, markers unanswered ${unanswered}, ${elapsed} s`
  } finally {
    listener.close()
    await stop(child)
  }
}

/**
 * The spread behind the medians: per server and load, the smallest and largest p50 and p99 (and
 * rate) over the rounds, since the machine is shared and one median hides how far runs wander.
 */
function spreadLines (names: string[], results: Map<string, Map<string, LoadResult[]>>): void {
  console.log('\n# spread over the rounds (min–max)')
  for (const load of LOADS) {
    const cells = names.map(n => {
      const rs = results.get(n)?.get(load.key) ?? []
      if (rs.length === 0) return undefined
      const range = (xs: number[], f: (v: number) => string): string => `${f(Math.min(...xs))}–${f(Math.max(...xs))}`
      return load.key === 'inflight' || load.key === 'blast'
        ? `${n} rate ${range(rs.map(r => r.rate), v => Math.round(v).toLocaleString('en'))}, p50 ${range(rs.map(r => r.p50), fmtUs)}`
        : `${n} p50 ${range(rs.map(r => r.p50), fmtUs)}, p99 ${range(rs.map(r => r.p99), fmtUs)}`
    }).filter(c => c !== undefined)
    if (cells.length > 0) console.log(`${load.key.padEnd(10)} ${cells.join(' | ')}`)
  }
}

async function main (): Promise<void> {
  const gen = buildGenerator()
  if (gen === undefined) return
  const list = servers(ONLY_SERVERS === undefined || ONLY_SERVERS.includes('ipxbox') ? buildIpxbox() : undefined)
    .filter(s => ONLY_SERVERS === undefined || ONLY_SERVERS.includes(s.name))
  const results = new Map<string, Map<string, LoadResult[]>>()
  const rss = new Map<string, number[]>()
  for (const s of list) { results.set(s.name, new Map()); rss.set(s.name, []) }
  // --replay-only: just the replay section at the end.
  for (let round = 0; round < (process.argv.includes('--replay-only') ? 0 : ROUNDS); round++) {
    // Alternate the order each round, so neither server always runs on a warmer machine.
    const order = round % 2 === 0 ? list : [...list].reverse()
    for (const s of order) {
      let peak = 0
      for (const load of LOADS) {
        if (load.minClients > s.slots || (ONLY_LOADS !== undefined && !ONLY_LOADS.includes(load.key))) continue
        const { result, rss: r } = await runLoad(gen, s, load)
        peak = Math.max(peak, r)
        if (result.error !== undefined) console.log(`  ${s.name} ${load.key}: ${result.error}`)
        else {
          const m = results.get(s.name)!
          m.set(load.key, [...(m.get(load.key) ?? []), result])
        }
      }
      rss.get(s.name)!.push(peak)
      console.log(`round ${round + 1}/${ROUNDS} ${s.name} done (peak RSS ${peak.toFixed(1)} MiB)`)
    }
  }
  const med = (server: string, load: string, m: Metric): number => {
    const rs = results.get(server)?.get(load) ?? []
    return median(rs.map(r => m === 'loss' ? (r.expected - r.received) / Math.max(1, r.expected) : r[m] ?? NaN))
  }
  const names = list.map(s => s.name)
  const ratio = (a: number, b: number): string => Number.isFinite(a) && Number.isFinite(b) && b > 0 ? (a / b).toFixed(2) : 'n/a'
  // Ratio columns, each `a / b` over the same rounds: every ipxlab build (and the floor) against
  // ipxbox, and ipxlab against the floor (what ipxlab's own code costs above Node's).
  const pairs: Array<[string, string]> = [
    ...names.filter(n => n === 'ipxlab' || n === 'base' || n === 'floor').filter(() => names.includes('ipxbox')).map(n => [n, 'ipxbox'] as [string, string]),
    ...(names.includes('floor') ? names.filter(n => n === 'ipxlab' || n === 'base').map(n => [n, 'floor'] as [string, string]) : [])
  ]
  const rows: Array<[string, (n: string) => string, (a: string, b: string) => string]> = []
  const pair = (load: string, label: string): void => {
    rows.push([`${label} p50 / p99`, n => `${fmtUs(med(n, load, 'p50'))} / ${fmtUs(med(n, load, 'p99'))}`,
      (a, b) => `${ratio(med(a, load, 'p50'), med(b, load, 'p50'))} / ${ratio(med(a, load, 'p99'), med(b, load, 'p99'))}`])
  }
  pair('pingpong', 'ping-pong RTT')
  rows.push(['16 in flight, echoed: rate', n => `${Math.round(med(n, 'inflight', 'rate')).toLocaleString('en')} pkt/s`, (a, b) => ratio(med(a, 'inflight', 'rate'), med(b, 'inflight', 'rate'))])
  pair('broadcast', '8 clients × 35/s broadcast, one-way')
  pair('clients64', '64 clients, 16 sending 35/s, one-way')
  rows.push(['blast: delivered / one-way p50', n => `${Math.round(med(n, 'blast', 'rate')).toLocaleString('en')} pkt/s / ${fmtUs(med(n, 'blast', 'p50'))}`,
    (a, b) => `${ratio(med(a, 'blast', 'rate'), med(b, 'blast', 'rate'))} / ${ratio(med(a, 'blast', 'p50'), med(b, 'blast', 'p50'))}`])
  rows.push(['blast: lost', n => `${(100 * med(n, 'blast', 'loss')).toFixed(1)} %`, () => ''])
  // What the latency costs: the server's CPU over each latency load (ipxlab's busy poller spends CPU
  // for latency, src/transport/busy-poll.ts; 100 % = one core).
  const cpuLoads = ['pingpong', 'broadcast', 'clients64'] as const
  rows.push([`server CPU, ${cpuLoads.join(' / ')}`, n => cpuLoads.map(l => `${Math.round(100 * med(n, l, 'cpu'))} %`).join(' / '), (a, b) => cpuLoads.map(l => ratio(med(a, l, 'cpu'), med(b, l, 'cpu'))).join(' / ')])
  rows.push(['peak RSS', n => `${median(rss.get(n) ?? []).toFixed(1)} MiB`, (a, b) => ratio(median(rss.get(a) ?? []), median(rss.get(b) ?? []))])
  console.log(`\n# side by side (64-byte frames, ${SECONDS} s a load, medians of ${ROUNDS} alternating rounds${names.includes('floor') ? '; floor = the fewest steps a Node relay takes, scripts/floor-relay.mjs' : ''})`)
  console.log(`| load | ${names.join(' | ')} | ${pairs.map(([a, b]) => `${a}/${b}`).join(' | ')} |`)
  console.log(`|---|${names.map(() => '---').join('|')}|${pairs.map(() => '---').join('|')}|`)
  for (const [label, cell, r] of rows) console.log(`| ${label} | ${names.map(n => (n === 'dosbox' && label.startsWith('64')) ? 'n/a (16 slots)' : cell(n)).join(' | ')} | ${pairs.map(([a, b]) => r(a, b)).join(' | ')} |`)
  spreadLines(names, results)
  if (!existsSync(DOOM)) {
    console.log(`\nskip replay: ${DOOM} not found (the shared folder beside the project)`)
    return
  }
  console.log('\n# ipxlab replay doom.cap --max, both DOOM nodes mapped onto a listening client')
  for (const s of list) console.log(`${s.name.padEnd(8)} ${await replayInto(s)}`)
}

await main()
