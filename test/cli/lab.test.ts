import test from 'ava'
import { PassThrough } from 'node:stream'
import { runLab } from '../../src/cli/lab.js'
import { freePort } from '../node/_two-nodes.js'
import { runCli } from '../_cli.js'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import { ROOT } from '../_env.js'
import { until } from '../transport/_dosbox-client.js'
import { version } from '../../src/cli/main.js'

async function run (o: Parameters<typeof runLab>[0]): Promise<{ code: number, stdout: string }> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const out: Buffer[] = []
  stdout.on('data', (c: Buffer) => out.push(c))
  stderr.resume()
  const code = await runLab(o, { stdout, stderr })
  return { code, stdout: Buffer.concat(out).toString() }
}

test('ipxlab lab: two nodes, the bundled capture replayed into A arrives whole at B\'s listener, with a summary', async t => {
  t.timeout(60_000)
  // Both nodes take this port on their own address (127.0.0.1 and 127.0.0.2).
  const port = await freePort('127.0.0.2')
  const snpPort = await freePort('127.0.0.2')
  const r = await run({ json: false, loop: 2, speed: 4, port, snpPort })
  t.is(r.code, 0, r.stdout)
  t.regex(r.stdout, new RegExp(`node A on 127\\.0\\.0\\.1:${port}, node B on 127\\.0\\.0\\.2:${port}, native tunnel with SNP QoS`))
  t.regex(r.stdout, /^replayed 30 frames of .*lab-sample\.pcapng \(2 passes\) into node A as a DOSBox client$/m)
  t.regex(r.stdout, /^listener on node B received 30 of them/m)
  t.regex(r.stdout, /^link A->B: \d+ data frames received by B, 0 lost/m)
  t.regex(r.stdout, /^ {2}network_control +\d+ packets/m, 'the QoS stage classified the traffic')
  t.regex(r.stdout, /^NODE-A: \d+ frames routed, drops: none$/m)
  t.regex(r.stdout, /^NODE-B: \d+ frames routed, drops: none$/m)
})

test('ipxlab lab: an unknown scenario is a usage error', async t => {
  await t.throwsAsync(run({ json: false, scenario: 'nope' }), { code: 'IPX_ERR_CONFIG' })
})

test('ipxlab lab: options of the other scenario are errors before anything starts, pointing at the help', async t => {
  for (const argv of [['--report', 'r.html'], ['--json'], ['--scenario', 'qos', '--loop', '2'], ['--scenario', 'qos', '--duration', '3'], ['--once', '--duration', '2']]) {
    const started = Date.now()
    const r = await runCli(['lab', ...argv])
    t.is(r.code, 2, argv.join(' '))
    t.regex(r.stderr, /^ipxlab: .+\n {2}\(ipxlab lab --help shows its options\)\n$/, r.stderr)
    t.true(Date.now() - started < 1000, 'at once')
  }
  const r = await runCli(['lab', '--report', 'r.html'])
  t.regex(r.stderr, /^ipxlab: lab: --report is an option of --scenario qos/)
  const q = await runCli(['lab', '--scenario', 'qos', '--report', '/missing/dir/r.html'])
  t.is(q.code, 2)
  t.regex(q.stderr, /cannot write the report \/missing\/dir\/r\.html .*ENOENT.*nothing was run/)
})

test('ipxlab lab --duration: runs that long, then the summary, and every frame sent arrived', async t => {
  t.timeout(60_000)
  const port = await freePort('127.0.0.2')
  const snpPort = await freePort('127.0.0.2')
  const started = Date.now()
  const r = await run({ json: false, durationS: 2, speed: 4, port, snpPort })
  t.is(r.code, 0, r.stdout)
  t.true(Date.now() - started >= 2000)
  t.regex(r.stdout, /until Ctrl-C or 2 s/)
  t.regex(r.stdout, /into node A as a DOSBox client \(after 2 s\)$/m)
  const sent = Number(/^replayed (\d+) frames/m.exec(r.stdout)?.[1])
  t.true(sent > 0)
  t.regex(r.stdout, new RegExp(`^listener on node B received ${sent} of them`, 'm'))
})

test('ipxlab --version prints the package version; a wrong option names the subcommand\'s help', async t => {
  const v = await runCli(['--version'])
  t.is(v.code, 0)
  t.is(v.stdout, `${version()}\n`)
  t.regex(v.stdout, /^\d+\.\d+\.\d+/)
  const bad = await runCli(['lab', '--bogus'])
  t.is(bad.code, 2)
  t.regex(bad.stderr, /unknown option '--bogus'\n {2}\(ipxlab lab --help shows its options\)\n$/)
  const badNode = await runCli(['node', '--max-clients', 'zero'])
  t.is(badNode.code, 2)
  t.regex(badNode.stderr, /\(ipxlab node --help shows its options\)\n$/)
  const top = await runCli(['nonsense'])
  t.regex(top.stderr, /\(ipxlab --help lists the commands\)/)
})

test('ipxlab lab (npm start) runs until SIGTERM, then stops cleanly with its summary', async t => {
  t.timeout(60_000)
  const port = await freePort('127.0.0.2')
  const snpPort = await freePort('127.0.0.2')
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'main.ts'), 'lab', '--port', String(port), '--snp-port', String(snpPort), '--speed', '4'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  const killer = setTimeout(() => child.kill('SIGKILL'), 50_000)
  t.teardown(() => { clearTimeout(killer); child.kill('SIGKILL') })
  let out = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr.resume()
  // Still replaying after two status lines: it did not end by itself.
  t.true(await until(() => (out.match(/^replayed \d+ \| /gm) ?? []).length >= 2, 30_000), out)
  t.is(child.exitCode, null)
  t.regex(out, new RegExp(`dashboard: http://127\\.0\\.0\\.1:${snpPort}/`))
  t.regex(out, new RegExp(`DOSBox: IPXNET CONNECT 127\\.0\\.0\\.1 ${port} \\(node A\\)`))
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit') as [number | null]
  t.is(code, 0)
  t.regex(out, /into node A as a DOSBox client \(stopped by a signal\)$/m)
  t.regex(out, /^NODE-B: \d+ frames routed, drops: none$/m)
})
