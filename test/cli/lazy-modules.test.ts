/**
 * What `ipxlab node` loads (issue 18: a relay's peak RSS beside ipxbox's). Each command's code is
 * imported in its action, the node imports the protocol modules it runs, winston loads on the
 * first line written, and the WebSocket server, Prometheus client, YAML parser and browser driver
 * only when asked for. The built CLI runs with a preload (_module-log.mjs) that lists every module
 * it loaded; a control run with `--ws` shows the list would catch a module that is loaded.
 *
 * The same runs stop the node with SIGTERM as soon as its banner arrives: the node listens for the
 * signal before it starts, so it still says goodbye with its counters and exits 0.
 */
import test from 'ava'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { ROOT } from '../_env.js'

const BIN = path.join(ROOT, 'dist', 'src', 'cli', 'main.js')
const PRELOAD = pathToFileURL(path.join(ROOT, 'test', 'cli', '_module-log.mjs')).href
const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false'
const built = existsSync(BIN) || inCi
const run = built ? test : test.skip
const note = built ? '' : ' (skipped: run npm run build first)'

interface Loaded { modules: string[], code: number | null, stdout: string, stderr: string }

/** Starts the built node with `args`, sends SIGTERM on its banner, returns what it loaded and said. */
async function nodeRun (args: string[]): Promise<Loaded> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ipxlab-modules-'))
  const log = path.join(dir, 'modules.txt')
  try {
    const child = spawn(process.execPath, ['--import', PRELOAD, BIN, 'node', '--listen', '127.0.0.1:0', '--snp', '127.0.0.1:0', ...args], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, IPXLAB_MODULE_LOG: log }
    })
    let stdout = ''
    let stderr = ''
    let signalled = false
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString()
      // At once, on the first line of the banner: the race a supervisor's stop would run.
      if (!signalled && stdout.includes('listening on')) {
        signalled = true
        child.kill('SIGTERM')
      }
    })
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString() })
    const timer = setTimeout(() => { child.kill('SIGKILL') }, 20_000)
    const code = await new Promise<number | null>(resolve => { child.on('exit', c => { resolve(c) }) })
    clearTimeout(timer)
    const modules = existsSync(log) ? [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))] : []
    return { modules, code, stdout, stderr }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Whether a loaded module is the package `name` (from node_modules) or the project file `file`. */
const pkg = (modules: string[], name: string): boolean => modules.some(m => m.includes(`/node_modules/${name}/`))
const own = (modules: string[], file: string): boolean => modules.some(m => m.endsWith(`/dist/${file}`))

/** Other commands' modules, the decoder's and the capture reader's: none is the node's business. */
const NOT_THE_NODE = [
  'src/cli/decode.js', 'src/cli/explain.js', 'src/cli/lint.js', 'src/cli/replay.js', 'src/cli/lab.js', 'src/cli/lab-topology.js',
  'src/cli/lab-cut.js', 'src/cli/lab-simulate.js', 'src/cli/lab-qos.js', 'src/cli/stats.js', 'src/cli/ping.js', 'src/cli/topology.js',
  'src/cli/healthcheck.js', 'src/capture/view.js', 'protocol/filter.js', 'protocol/index.js', 'src/node/topology.js'
]

run(`ipxlab node loads its own modules only, no logger until a line is written, and stops cleanly on a SIGTERM sent at its banner${note}`, async t => {
  const r = await nodeRun(['--log-level', 'warn'])
  t.is(r.code, 0, `exit status 0 (stderr: ${r.stderr})`)
  t.regex(r.stdout, /ipxlab node stopped \(SIGTERM\)/, 'the goodbye line with the counters')
  t.true(r.modules.length > 20, `the preload listed the modules (${r.modules.length})`)
  t.true(own(r.modules, 'src/cli/node.js') && own(r.modules, 'src/node/node.js'), 'the node command itself is in the list')
  for (const f of NOT_THE_NODE) t.false(own(r.modules, f), `${f} is not loaded`)
  for (const p of ['ws', 'prom-client', 'playwright-core', 'yaml', 'cli-progress', 'winston']) t.false(pkg(r.modules, p), `${p} is not loaded`)
})

run(`control: --ws loads the WebSocket server, a line at info loads winston${note}`, async t => {
  const r = await nodeRun(['--ws', '127.0.0.1:0', '--log-level', 'debug'])
  t.is(r.code, 0, `exit status 0 (stderr: ${r.stderr})`)
  t.true(pkg(r.modules, 'ws'), 'ws is loaded for --ws')
  t.true(r.stderr.length > 0, 'the node logged at debug')
  t.true(pkg(r.modules, 'winston'), 'winston is loaded once a line is written')
})
