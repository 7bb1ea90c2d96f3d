import test from 'ava'
import { spawn, execFileSync } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { ROOT } from '../_env.js'

const MAIN = path.join(ROOT, 'src', 'cli', 'main.ts')

/** The 30-byte DOSBox registration (shared/tools/dosbox/README.md, Part 1). */
const REGISTRATION = Buffer.from('ffff001e0000' + '00000000' + '000000000000' + '0002' + '00000000' + '000000000000' + '0002', 'hex')

test('ipxlab node prints its address, acks a DOSBox registration and stops cleanly on SIGTERM', async t => {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'node', '--listen', '127.0.0.1:0', '--snp', '127.0.0.1:0', '--log-level', 'info'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  t.teardown(() => { clearTimeout(killer); child.kill('SIGKILL') })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString()
      const m = /listening on udp\+tcp 127\.0\.0\.1:(\d+)/.exec(stdout)
      if (m !== null) resolve(Number(m[1]))
    })
    child.once('exit', code => { reject(new Error(`exited ${String(code)} before listening: ${stderr}`)) })
  })
  const client = createSocket('udp4')
  t.teardown(() => { client.close() })
  client.bind(0, '127.0.0.1')
  await once(client, 'listening')
  const reply = once(client, 'message') as Promise<[Buffer]>
  client.send(REGISTRATION, port, '127.0.0.1')
  const [ack] = await reply
  const myPort = client.address().port
  t.is(ack.length, 30)
  t.is(ack.readUInt16BE(0), 0xffff)
  t.is(ack.readUInt32BE(10), 0x7f000001, 'dest node is my IPv4 address')
  t.is(ack.readUInt16BE(14), myPort, 'and my port')
  t.is(ack.readUInt32BE(18), 1, 'source network 1, as DOSBox sends')
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit') as [number | null]
  t.is(code, 0)
  t.regex(stdout, /ipxlab node stopped \(SIGTERM\): 1 datagrams received, 1 delivered, 0 dropped/)
  t.regex(stderr, /registered/i)
})

test('ipxlab node: a port in use is one clear line and exit 2', async t => {
  const holder = createSocket('udp4')
  t.teardown(() => { holder.close() })
  holder.bind(0, '127.0.0.1')
  await once(holder, 'listening')
  const port = holder.address().port
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'node', '--listen', `127.0.0.1:${port}`, '--snp', '127.0.0.1:0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  t.teardown(() => { clearTimeout(killer) })
  let stderr = ''
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
  const [code] = await once(child, 'exit') as [number | null]
  t.is(code, 2)
  t.regex(stderr, new RegExp(`ipxlab: udp 127\\.0\\.0\\.1:${port} is already in use`))
  t.notRegex(stderr, /\n\s+at /)
})

const BIN = path.join(ROOT, 'dist', 'src', 'cli', 'main.js')
const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false'
// npm test builds dist first (pretest); a lone local run of this file may not have it.
;(existsSync(BIN) || inCi ? test : test.skip)(`the built bin runs (dist/src/cli/main.js, as npm installs it)${existsSync(BIN) || inCi ? '' : ' (skipped: run npm run build first)'}`, t => {
  t.true(existsSync(BIN), 'npm test builds dist before the tests')
  const out = execFileSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' })
  t.regex(out, /Usage: ipxlab/)
  t.regex(out, /decode/)
})
