/**
 * `ipxlab node --ws`: the user's path to the WebSocket endpoint, from the command line. The node
 * prints the URL a js-dos page uses; a relay client registers there; a wrong value is one line
 * naming the setting.
 */
import test from 'ava'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { ROOT } from '../_env.js'
import { runCli } from '../_cli.js'
import { WsTestClient } from '../transport/_ws-client.js'

const MAIN = path.join(ROOT, 'src', 'cli', 'main.ts')

test('ipxlab node --ws prints the js-dos URL, and a relay client registers there', async t => {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'node', '--listen', '127.0.0.1:0', '--snp', '127.0.0.1:0', '--ws', '127.0.0.1:0', '--ws-room', 'lab', '--log-level', 'warn'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  t.teardown(() => { clearTimeout(killer); child.kill('SIGKILL') })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString()
      const m = /js-dos \/ browsers: (ws:\/\/127\.0\.0\.1:\d+\/ipx\/)lab/.exec(stdout)
      if (m !== null) resolve(m[1]!)
    })
    child.once('exit', code => { reject(new Error(`exited ${String(code)}: ${stderr}`)) })
  })
  t.regex(stdout, /other rooms kept apart/)
  const c = await WsTestClient.open(`${url}lab`)
  t.teardown(async () => { await c.close() })
  const ack = await c.register()
  t.is(ack?.length, 30)
  t.is(ack?.readUInt16BE(14), c.port, 'the ack names my TCP port as my node')
  const exited = new Promise<number | null>(resolve => child.once('exit', code => { resolve(code) }))
  child.kill('SIGTERM')
  t.is(await exited, 0)
  t.true(await c.waitClosed(), 'the node closed the WebSocket as it stopped')
  t.is(c.closed?.code, 1001)
})

test('a wrong --ws-room is one line naming the setting, exit status 2', async t => {
  const r = await runCli(['node', '--listen', '127.0.0.1:0', '--snp', '127.0.0.1:0', '--ws', '127.0.0.1:0', '--ws-room', 'x'.repeat(65)])
  t.is(r.code, 2)
  t.regex(r.stderr, /^ipxlab: ws\.room: .*\(set by a command-line flag\)\n$/)
})
